package ecrkeychain_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ecrpublic"
	ecrpublictypes "github.com/aws/aws-sdk-go-v2/service/ecrpublic/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/ecrkeychain"
)

// publicFake answers ecr-public:GetAuthorizationToken with "AWS:pw-public", or err.
type publicFake struct {
	err   error
	calls int
}

func (f *publicFake) GetAuthorizationToken(_ context.Context, _ *ecrpublic.GetAuthorizationTokenInput, _ ...func(*ecrpublic.Options)) (*ecrpublic.GetAuthorizationTokenOutput, error) {
	f.calls++
	if f.err != nil {
		return nil, f.err
	}
	return &ecrpublic.GetAuthorizationTokenOutput{AuthorizationData: &ecrpublictypes.AuthorizationData{
		AuthorizationToken: aws.String(base64.StdEncoding.EncodeToString([]byte("AWS:pw-public"))),
		ExpiresAt:          aws.Time(time.Now().Add(12 * time.Hour)),
	}}, nil
}

func TestPublicGalleryOptIn(t *testing.T) {
	tests := []struct {
		name      string
		optIn     bool
		region    string
		err       error
		anonymous bool
		fails     bool
		calls     int
		logged    string
	}{
		{name: "anonymous by default", anonymous: true},
		{name: "token when asked", optIn: true, calls: 1},
		{name: "access denied: anonymous with a note", optIn: true, err: &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "no"},
			anonymous: true, calls: 1, logged: "pulling from the gallery anonymously"},
		{name: "aws-cn: anonymous without a call", optIn: true, region: "cn-north-1", anonymous: true, logged: "only in the aws partition"},
		{name: "bad credentials stay an error", optIn: true, err: &smithy.GenericAPIError{Code: "UnrecognizedClientException", Message: "no"}, fails: true, calls: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &publicFake{err: tt.err}
			cfg := aws.Config{Region: tt.region, Credentials: credentials.NewStaticCredentialsProvider("AKIDKEYCHAIN", "secret", "")}
			p := appmeshenvoy.NewTokenProvider(cfg, func(o *appmeshenvoy.TokenOptions) {
				o.ECRPublicClient = f
				o.RetryMaxAttempts = 1
			})
			var logs bytes.Buffer
			kc := ecrkeychain.New(p, func(o *ecrkeychain.Options) {
				o.PublicGallery = tt.optIn
				o.Logger = slog.New(slog.NewTextHandler(&logs, nil))
			})
			if tt.region == "cn-north-1" {
				// A custom client counts as real AWS: aws-cn still has no ECR Public.
				p = appmeshenvoy.NewTokenProvider(cfg)
				kc = ecrkeychain.New(p, func(o *ecrkeychain.Options) {
					o.PublicGallery = true
					o.Logger = slog.New(slog.NewTextHandler(&logs, nil))
				})
			}
			reg, _ := name.NewRegistry("public.ecr.aws")
			auth, err := kc.ResolveContext(context.Background(), reg)
			if tt.fails {
				if err == nil {
					t.Fatalf("got %v, want an error", auth)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.anonymous != (auth == authn.Anonymous) {
				t.Fatalf("anonymous %v, want %v", auth == authn.Anonymous, tt.anonymous)
			}
			if !tt.anonymous {
				cfg, err := auth.Authorization()
				if err != nil || cfg.Username != "AWS" || cfg.Password != "pw-public" {
					t.Errorf("auth %+v, %v", cfg, err)
				}
			}
			if f.calls != tt.calls {
				t.Errorf("%d ECR Public calls, want %d", f.calls, tt.calls)
			}
			if tt.logged != "" && !strings.Contains(logs.String(), tt.logged) {
				t.Errorf("log %q does not say %q", logs.String(), tt.logged)
			}
			if strings.Contains(logs.String(), "pw-public") {
				t.Error("the log shows the password")
			}
		})
	}
}
