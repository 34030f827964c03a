package mirror_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/mirror"
)

func TestExpandDestination(t *testing.T) {
	for _, tc := range []struct {
		in, region, want string // want "" means an error
	}{
		{"111122223333.dkr.ecr.{region}.amazonaws.com/platform/envoy", "eu-west-1", "111122223333.dkr.ecr.eu-west-1.amazonaws.com/platform/envoy"},
		{"111122223333.dkr.ecr.us-east-1.amazonaws.com/{region}/envoy", "eu-west-1", "111122223333.dkr.ecr.us-east-1.amazonaws.com/eu-west-1/envoy"},
		{"https://111122223333.dkr.ecr.us-east-1.amazonaws.com/envoy/", "", "111122223333.dkr.ecr.us-east-1.amazonaws.com/envoy"},
		{" registry-{region}.example.com/envoy ", "us-west-2", "registry-us-west-2.example.com/envoy"},
		{"Registry.Example.com/platform/envoy", "", "registry.example.com/platform/envoy"},
		{"127.0.0.1:5000/envoy", "", "127.0.0.1:5000/envoy"},
		{"localhost/envoy", "", "localhost/envoy"},
		{"[::1]:5000/a/b__c", "", "[::1]:5000/a/b__c"},
		{"111122223333.dkr.ecr.{region}.amazonaws.com.cn/envoy", "cn-north-1", "111122223333.dkr.ecr.cn-north-1.amazonaws.com.cn/envoy"},
		{"111122223333.dkr.ecr.{region}.amazonaws.com/envoy", "cn-north-1", ""},
		{"111122223333.dkr.ecr.{region}.amazonaws.com/envoy", "", ""},
		{"registry.example.com:{region}/envoy", "us-west-2", ""},
		{"registry.example.com/{Region}/envoy", "us-west-2", ""},
		{"registry.example.com/envoy:{region}", "us-west-2", ""},
		{"registry.example.com/", "", ""},
		{"envoy", "", ""},
		{"mirror/envoy", "", ""},
		{"http://registry.example.com/envoy", "", ""},
		{"registry.example.com/Envoy", "", ""},
		{"registry.example.com/a//b", "", ""},
		{"registry.example.com/-a", "", ""},
		{"169.254.169.254/envoy", "", ""},
		{"public.ecr.aws/appmesh/envoy", "", ""},
		{"111122223333.dkr.ecr.us-east-1.amazonaws.com/e", "", ""}, // ECR names have 2 characters at least
		{"api.ecr.us-east-1.amazonaws.com/envoy", "", ""},
	} {
		got, err := mirror.ExpandDestination(tc.in, tc.region)
		if tc.want == "" {
			if err == nil {
				t.Errorf("ExpandDestination(%q, %q) = %q, want an error", tc.in, tc.region, got)
			} else if !errors.Is(err, mirror.ErrInvalidDestination) {
				t.Errorf("ExpandDestination(%q, %q): %v does not match ErrInvalidDestination", tc.in, tc.region, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ExpandDestination(%q, %q) = %q, %v; want %q", tc.in, tc.region, got, err, tc.want)
		}
	}
}

func FuzzExpandDestination(f *testing.F) {
	for _, s := range []string{"111122223333.dkr.ecr.{region}.amazonaws.com/platform/envoy", "registry.example.com/{region}/envoy", "127.0.0.1:5000/envoy", "[::1]:5000/a"} {
		f.Add(s, "us-west-2")
	}
	f.Fuzz(func(t *testing.T, tmpl, regionCode string) {
		got, err := mirror.ExpandDestination(tmpl, regionCode)
		if err != nil {
			if len(err.Error()) > 1000 || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error message %q", err)
			}
			return
		}
		if strings.ContainsAny(got, "{}:@ \n") && !strings.Contains(strings.SplitN(got, "/", 2)[0], ":") {
			t.Fatalf("ExpandDestination(%q) = %q", tmpl, got)
		}
		if again, err := mirror.ExpandDestination(got, regionCode); err != nil || again != got {
			t.Fatalf("ExpandDestination(%q) = %q, which does not expand to itself: %q, %v", tmpl, got, again, err)
		}
	})
}
