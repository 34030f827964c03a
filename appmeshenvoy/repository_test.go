package appmeshenvoy_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
)

func TestParseRepository(t *testing.T) {
	tests := []struct {
		in, uri, arn string
	}{
		{"111122223333.dkr.ecr.eu-west-1.amazonaws.com/platform/envoy", "111122223333.dkr.ecr.eu-west-1.amazonaws.com/platform/envoy", "arn:aws:ecr:eu-west-1:111122223333:repository/platform/envoy"},
		{" https://111122223333.dkr.ecr.eu-west-1.amazonaws.com/envoy/ ", "111122223333.dkr.ecr.eu-west-1.amazonaws.com/envoy", "arn:aws:ecr:eu-west-1:111122223333:repository/envoy"},
		{"111122223333.dkr.ecr.cn-north-1.amazonaws.com.cn/envoy", "111122223333.dkr.ecr.cn-north-1.amazonaws.com.cn/envoy", "arn:aws-cn:ecr:cn-north-1:111122223333:repository/envoy"},
		{"111122223333.dkr.ecr.us-gov-west-1.amazonaws.com/envoy", "111122223333.dkr.ecr.us-gov-west-1.amazonaws.com/envoy", "arn:aws-us-gov:ecr:us-gov-west-1:111122223333:repository/envoy"},
		{"arn:aws:ecr:us-west-2:111122223333:repository/team/envoy", "111122223333.dkr.ecr.us-west-2.amazonaws.com/team/envoy", "arn:aws:ecr:us-west-2:111122223333:repository/team/envoy"},
		{"arn:aws-cn:ecr:cn-northwest-1:111122223333:repository/envoy", "111122223333.dkr.ecr.cn-northwest-1.amazonaws.com.cn/envoy", "arn:aws-cn:ecr:cn-northwest-1:111122223333:repository/envoy"},
		{"public.ecr.aws/appmesh/aws-appmesh-envoy", "public.ecr.aws/appmesh/aws-appmesh-envoy", ""},
	}
	for _, tt := range tests {
		r, err := appmeshenvoy.ParseRepository(tt.in)
		if err != nil {
			t.Errorf("ParseRepository(%q): %v", tt.in, err)
			continue
		}
		if r.URI() != tt.uri || r.ARN() != tt.arn {
			t.Errorf("ParseRepository(%q) = %s, %s; want %s, %s", tt.in, r.URI(), r.ARN(), tt.uri, tt.arn)
		}
	}
}

func TestParseRepositoryRejects(t *testing.T) {
	tests := []struct{ in, says string }{
		// Inputs that made the CLI panic before ParseRepository existed.
		{"x/@", ""},
		{"HOST/:", ""},
		{"x/::@@", ""},
		{"", "want <registry host>/<repository>"},
		{"111122223333.dkr.ecr.eu-west-1.amazonaws.com", "want"},
		{"111122223333.dkr.ecr.eu-west-1.amazonaws.com/envoy:v1.29.6.0-prod", "111122223333.dkr.ecr.eu-west-1.amazonaws.com/envoy"},
		{"111122223333.dkr.ecr.eu-west-1.amazonaws.com/envoy@sha256:abc", "without tag or digest"},
		{"111122223333.dkr.ecr.eu-west-1.amazonaws.com/Envoy", "bad repository name"},
		{"http://111122223333.dkr.ecr.eu-west-1.amazonaws.com/envoy", "https"},
		{"111122223333.dkr.ecr.eu-west-1.amazonaws.com:443/envoy", "no port"},
		{"ghcr.io/envoy", "registry host"},
		{"arn:aws:ecr:us-west-2:111122223333:repository/", "repository/<name>"},
		{"arn:aws:ecr:us-west-2:1111:repository/envoy", "12 digits"},
		{"arn:aws:s3:::bucket", "not ecr"},
		{"arn:aws-cn:ecr:us-west-2:111122223333:repository/envoy", "not in partition"},
		{"arn:aws:ecr:us-west-2:111122223333", "want arn:"},
	}
	for _, tt := range tests {
		_, err := appmeshenvoy.ParseRepository(tt.in)
		if err == nil {
			t.Errorf("ParseRepository(%q) accepted", tt.in)
			continue
		}
		if !errors.Is(err, appmeshenvoy.ErrInvalidRepository) && !errors.Is(err, appmeshenvoy.ErrInvalidRegistryHost) {
			t.Errorf("ParseRepository(%q) = %v: no sentinel", tt.in, err)
		}
		if !strings.Contains(err.Error(), tt.says) {
			t.Errorf("ParseRepository(%q) = %q, want it to say %q", tt.in, err, tt.says)
		}
	}
}

func FuzzParseRepository(f *testing.F) {
	for _, s := range []string{"x/@", "HOST/:", "x/::@@", "111122223333.dkr.ecr.eu-west-1.amazonaws.com/platform/envoy",
		"arn:aws:ecr:us-west-2:111122223333:repository/team/envoy", "https://public.ecr.aws/appmesh/aws-appmesh-envoy"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := appmeshenvoy.ParseRepository(s)
		if err != nil {
			if appmeshenvoy.CodeOf(err) == appmeshenvoy.CodeUnknown {
				t.Fatalf("error without a code: %v", err)
			}
			return
		}
		// What parses round-trips through its URI and, for private repositories, its ARN.
		again, err := appmeshenvoy.ParseRepository(r.URI())
		if err != nil || again != r {
			t.Fatalf("URI %q of %q does not round-trip: %v %v", r.URI(), s, again, err)
		}
		if a := r.ARN(); a != "" {
			fromARN, err := appmeshenvoy.ParseRepository(a)
			if err != nil || fromARN.ARN() != a {
				t.Fatalf("ARN %q of %q does not round-trip: %v", a, s, err)
			}
		}
	})
}
