package dockerconfig

import (
	"os"
	"time"
)

// DefaultLockTimeout is the default of [Options.LockTimeout].
const DefaultLockTimeout = 30 * time.Second

// DefaultHelperTimeout is the default of [Options.HelperTimeout].
const DefaultHelperTimeout = 30 * time.Second

// Options configures [Write] and [Remove]. Each call starts from the defaults documented
// on the fields, then runs its option functions in order; an option function sees (and
// may change) the defaults. A field that is zero after the option functions ran takes
// its default, so the zero Options is the default behaviour.
type Options struct {
	// SkipCredentialHelpers makes the writer put every token into "auths" even where a
	// "credHelpers" entry for the host or a "credsStore" applies. Docker then reads the
	// credential from the helper and ignores the "auths" entry; each such host gets a
	// [Note] saying so. Default false: the writer stores the credential through the
	// helper program, as docker login does, and leaves an empty "auths" entry.
	SkipCredentialHelpers bool

	// HelperTimeout bounds each run of a credential helper program; the context given
	// to [Write] or [Remove] bounds it too. Default [DefaultHelperTimeout]; zero or
	// negative values are reset to it.
	HelperTimeout time.Duration

	// LockTimeout bounds the wait for another process's lock on the file; the context
	// given to [Write] or [Remove] bounds it too. Default [DefaultLockTimeout]; zero or
	// negative values are reset to it.
	LockTimeout time.Duration

	// Hooks for this package's internal tests, which simulate failures that root cannot
	// provoke. Set only by those tests; never nil after newOptions.
	createTemp   func(dir, pattern string) (*os.File, error)
	beforeRename func() error
	removeOrphan func(name string) error
}

// newOptions returns the defaults changed by optFns.
func newOptions(optFns []func(*Options)) Options {
	o := Options{
		HelperTimeout: DefaultHelperTimeout,
		LockTimeout:   DefaultLockTimeout,
		createTemp:    os.CreateTemp,
		beforeRename:  func() error { return nil },
		removeOrphan:  os.Remove,
	}
	for _, fn := range optFns {
		if fn != nil {
			fn(&o)
		}
	}
	if o.HelperTimeout <= 0 {
		o.HelperTimeout = DefaultHelperTimeout
	}
	if o.LockTimeout <= 0 {
		o.LockTimeout = DefaultLockTimeout
	}
	return o
}
