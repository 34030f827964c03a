package registry

import (
	"testing"
	"time"
)

// TestDialTimeoutOption checks that DialTimeout is defaulted before the option
// functions run and that a value given is kept.
func TestDialTimeoutOption(t *testing.T) {
	for _, tc := range []struct {
		name string
		set  time.Duration
		want time.Duration
	}{
		{"default", 0, DefaultDialTimeout},
		{"negative means default", -time.Second, DefaultDialTimeout},
		{"short", 2 * time.Second, 2 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var seen time.Duration
			c, err := New(func(o *Options) {
				seen = o.DialTimeout
				if tc.set != 0 {
					o.DialTimeout = tc.set
				}
			})
			if err != nil {
				t.Fatal(err)
			}
			if seen != DefaultDialTimeout {
				t.Errorf("the option function saw DialTimeout %v, want the default %v", seen, DefaultDialTimeout)
			}
			if c.opts.DialTimeout != tc.want {
				t.Errorf("DialTimeout %v, want %v", c.opts.DialTimeout, tc.want)
			}
		})
	}
}
