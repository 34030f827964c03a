package ecrkeychain_test

import (
	"context"
	"encoding/base64"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"go.uber.org/goleak"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/ecrkeychain"
)

func TestMain(m *testing.M) {
	os.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	os.Setenv("AWS_ACCESS_KEY_ID", "AKIDKEYCHAINTEST")
	os.Setenv("AWS_SECRET_ACCESS_KEY", "keychain-test-secret")
	os.Setenv("AWS_CONFIG_FILE", os.DevNull)
	os.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
	goleak.VerifyTestMain(m)
}

// fakeECR records the regions it is called in and answers with a password per region,
// or with err when set.
type fakeECR struct {
	mu      sync.Mutex
	regions []string
	err     error
}

func (f *fakeECR) client(region string) appmeshenvoy.GetAuthorizationTokenAPI {
	return clientFunc(func() (*ecr.GetAuthorizationTokenOutput, error) {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.regions = append(f.regions, region)
		if f.err != nil {
			return nil, f.err
		}
		return &ecr.GetAuthorizationTokenOutput{AuthorizationData: []ecrtypes.AuthorizationData{{
			AuthorizationToken: aws.String(base64.StdEncoding.EncodeToString([]byte("AWS:pw-" + region))),
			ExpiresAt:          aws.Time(time.Now().Add(12 * time.Hour)),
		}}}, nil
	})
}

type clientFunc func() (*ecr.GetAuthorizationTokenOutput, error)

func (c clientFunc) GetAuthorizationToken(context.Context, *ecr.GetAuthorizationTokenInput, ...func(*ecr.Options)) (*ecr.GetAuthorizationTokenOutput, error) {
	return c()
}

func newKeychain(f *fakeECR) *ecrkeychain.Keychain {
	cfg := aws.Config{Credentials: credentials.NewStaticCredentialsProvider("AKIDKEYCHAIN", "secret", "")}
	return ecrkeychain.New(appmeshenvoy.NewTokenProvider(cfg, func(o *appmeshenvoy.TokenOptions) {
		o.ClientForRegion = f.client
	}))
}

// newKeychainProvider is a TokenProvider over a fake ECR, for the example.
func newKeychainProvider() *appmeshenvoy.TokenProvider {
	cfg := aws.Config{Credentials: credentials.NewStaticCredentialsProvider("AKIDKEYCHAIN", "secret", "")}
	return appmeshenvoy.NewTokenProvider(cfg, func(o *appmeshenvoy.TokenOptions) {
		o.ClientForRegion = (&fakeECR{}).client
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
		{ref: "docker.io/library/busybox", anonymous: true},
		{ref: "localhost:5000/envoy", anonymous: true},
	}
	for _, tt := range tests {
		t.Run(tt.ref, func(t *testing.T) {
			f := &fakeECR{}
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
				if len(f.regions) != 0 {
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
			if diff := cmp.Diff([]string{tt.region}, f.regions); diff != "" {
				t.Errorf("regions called (-want +got):\n%s (the second use must come from the cache)", diff)
			}
		})
	}
}

func TestResolveErrorIsNotAnonymous(t *testing.T) {
	f := &fakeECR{err: &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "no"}}
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
	f := &fakeECR{}
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
