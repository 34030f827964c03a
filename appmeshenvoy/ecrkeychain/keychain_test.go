package ecrkeychain_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/appmeshenvoytest"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/ecrkeychain"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/testenv"
)

// TestMain runs the tests in the module's test environment (see package testenv).
func TestMain(m *testing.M) { testenv.Main(m) }

// fakeECR is the exported ECR fake answering, in each region, the password "pw-<region>",
// or err when set.
type fakeECR struct {
	*appmeshenvoytest.ECR
	err error
}

func newFakeECR() *fakeECR {
	f := &fakeECR{ECR: &appmeshenvoytest.ECR{}}
	f.GetAuthorizationTokenFunc = func(_ context.Context, _ *ecr.GetAuthorizationTokenInput, optFns ...func(*ecr.Options)) (*ecr.GetAuthorizationTokenOutput, error) {
		if f.err != nil {
			return nil, f.err
		}
		region := appmeshenvoytest.ECRRegion(optFns...)
		return appmeshenvoytest.AuthorizationTokenOutput("pw-"+region, time.Now().Add(12*time.Hour), appmeshenvoytest.AccountID, region), nil
	}
	return f
}

func (f *fakeECR) client(string) appmeshenvoy.GetAuthorizationTokenAPI { return f.ECR }

// regions returns the region of each call.
func (f *fakeECR) regions() []string {
	var out []string
	for _, c := range f.Calls() {
		out = append(out, c.Region)
	}
	return out
}

func newKeychain(f *fakeECR) *ecrkeychain.Keychain {
	cfg := aws.Config{Credentials: credentials.NewStaticCredentialsProvider("AKIDKEYCHAIN", "secret", "")}
	return ecrkeychain.New(appmeshenvoy.NewTokenProvider(cfg, func(o *appmeshenvoy.TokenOptions) {
		o.ECRClientForRegion = f.client
	}))
}

// newKeychainProvider is a TokenProvider over a fake ECR, for the example.
func newKeychainProvider() *appmeshenvoy.TokenProvider {
	cfg := aws.Config{Credentials: credentials.NewStaticCredentialsProvider("AKIDKEYCHAIN", "secret", "")}
	return appmeshenvoy.NewTokenProvider(cfg, func(o *appmeshenvoy.TokenOptions) {
		o.ECRClientForRegion = newFakeECR().client
	})
}

func TestResolve(t *testing.T) {
	tests := []struct {
		ref, region string
		anonymous   bool
	}{
		{ref: "840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.29.12.0-prod", region: "us-west-2"},
		{ref: "123456789012.dkr.ecr.eu-central-1.amazonaws.com/mirror/envoy", region: "eu-central-1"},
		{ref: "840364872350.dkr.ecr-fips.us-east-1.amazonaws.com/aws-appmesh-envoy", region: "us-east-1"},
		{ref: "919366029133.dkr.ecr.cn-north-1.amazonaws.com.cn/aws-appmesh-envoy", region: "cn-north-1"},
		{ref: "public.ecr.aws/appmesh/aws-appmesh-envoy:v1.29.12.0-prod", anonymous: true},
		{ref: "ecr-public.aws.com/appmesh/aws-appmesh-envoy:v1.29.12.0-prod", anonymous: true}, // the gallery's dual-stack host
		{ref: "docker.io/library/busybox", anonymous: true},
		{ref: "localhost:5000/envoy", anonymous: true},
	}
	for _, tt := range tests {
		t.Run(tt.ref, func(t *testing.T) {
			f := newFakeECR()
			kc := newKeychain(f)
			ref, err := name.ParseReference(tt.ref)
			if err != nil {
				t.Fatal(err)
			}
			auth, err := kc.Resolve(ref.Context())
			if err != nil {
				t.Fatal(err)
			}
			if tt.anonymous {
				if auth != authn.Anonymous {
					t.Errorf("got %v, want authn.Anonymous", auth)
				}
				if len(f.regions()) != 0 {
					t.Error("fetched a token for a registry that needs none")
				}
				return
			}
			cfg, err := auth.Authorization()
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(&authn.AuthConfig{Username: "AWS", Password: "pw-" + tt.region}, cfg); diff != "" {
				t.Errorf("auth config (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]string{tt.region}, f.regions()); diff != "" {
				t.Errorf("regions called (-want +got):\n%s (the second use must come from the cache)", diff)
			}
		})
	}
}

func TestResolveErrorIsNotAnonymous(t *testing.T) {
	f := newFakeECR()
	f.err = &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "no"}
	kc := newKeychain(f)
	reg, _ := name.NewRegistry("840364872350.dkr.ecr.us-west-2.amazonaws.com")
	auth, err := kc.ResolveContext(context.Background(), reg)
	if err == nil {
		t.Fatalf("got %v and no error, want the token error", auth)
	}
	if !errors.Is(err, appmeshenvoy.ErrAccessDenied) || !strings.Contains(err.Error(), "ecr:GetAuthorizationToken") {
		t.Errorf("err = %v, want ErrAccessDenied naming the permission", err)
	}

	// A host that looks like ECR but is not valid is an error too.
	bad, _ := name.NewRegistry("12345.dkr.ecr.us-west-2.amazonaws.com")
	if _, err := kc.Resolve(bad); !errors.Is(err, appmeshenvoy.ErrInvalidRegistryHost) {
		t.Errorf("err = %v, want ErrInvalidRegistryHost", err)
	}
}

func TestMultiKeychain(t *testing.T) {
	f := newFakeECR()
	other := authn.NewKeychainFromHelper(helperFunc(func(string) (string, string, error) { return "u", "p", nil }))
	kc := authn.NewMultiKeychain(newKeychain(f), other)
	hub, _ := name.NewRegistry("index.docker.io")
	auth, err := kc.Resolve(hub)
	if err != nil {
		t.Fatal(err)
	}
	if cfg, _ := auth.Authorization(); cfg.Username != "u" {
		t.Errorf("the next keychain was not asked for a non-ECR host: %+v", cfg)
	}
}

type helperFunc func(string) (string, string, error)

func (h helperFunc) Get(s string) (string, string, error) { return h(s) }
