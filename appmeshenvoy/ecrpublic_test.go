package appmeshenvoy_test

import (
	"context"
	"strings"
	"testing"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/appmeshenvoytest"
)

// TestWirePublicGalleryToken gets ECR Public tokens through the real ecrpublic client
// (signing name ecr-public, us-east-1 whatever the config's region) and caches them.
func TestWirePublicGalleryToken(t *testing.T) {
	srv := wireServer(t)
	ctx := context.Background()
	p := appmeshenvoy.NewTokenProvider(srv.Config("eu-west-1"))
	for _, host := range []string{"public.ecr.aws", "https://ecr-public.aws.com/", "PUBLIC.ECR.AWS"} {
		tok, err := p.TokenForRegistry(ctx, host)
		if err != nil {
			t.Fatal(err)
		}
		want := strings.ToLower(strings.TrimSuffix(strings.TrimPrefix(host, "https://"), "/"))
		if tok.Registry != want || tok.Username != "AWS" || tok.Password.Reveal() == "" || tok.Password.Reveal() == srv.Password() {
			t.Errorf("%s: token for %s as %s (the ECR private password: %v)", host, tok.Registry, tok.Username, tok.Password.Reveal() == srv.Password())
		}
	}
	if n := srv.Requests("ecr-public:GetAuthorizationToken", "us-east-1"); n != 1 {
		t.Errorf("%d ecr-public:GetAuthorizationToken calls in us-east-1, want 1 (one cached token for both hosts)", n)
	}
	if n := srv.Requests("ecr:GetAuthorizationToken", "*"); n != 0 {
		t.Errorf("%d ECR private token calls", n)
	}
	p.Invalidate(appmeshenvoy.PublicRegistryHost)
	if _, err := p.TokenForRegistry(ctx, "public.ecr.aws"); err != nil {
		t.Fatal(err)
	}
	if n := srv.Requests("ecr-public:GetAuthorizationToken", "us-east-1"); n != 2 {
		t.Errorf("%d calls after Invalidate(public.ecr.aws), want 2", n)
	}
}

func TestWirePublicGalleryTokenErrors(t *testing.T) {
	ctx := context.Background()
	t.Run("access denied names both permissions", func(t *testing.T) {
		srv := wireServer(t)
		srv.FailNext("ecr-public:GetAuthorizationToken", "us-east-1", 100, appmeshenvoytest.AccessDenied("ecr-public:GetAuthorizationToken"))
		_, err := appmeshenvoy.NewTokenProvider(srv.Config("us-west-2"), func(o *appmeshenvoy.TokenOptions) { o.RetryMaxBackoff = 1e6 }).
			TokenForRegistry(ctx, "public.ecr.aws")
		if appmeshenvoy.CodeOf(err) != appmeshenvoy.CodeAccessDenied {
			t.Fatalf("%v: want access-denied", err)
		}
		for _, w := range []string{"ecr token for public.ecr.aws in us-east-1", "ecr-public:GetAuthorizationToken", "sts:GetServiceBearerToken"} {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%q does not say %q", err, w)
			}
		}
	})
	t.Run("no ECR Public in aws-cn", func(t *testing.T) {
		srv := wireServer(t)
		_, err := appmeshenvoy.NewTokenProvider(srv.Config("cn-north-1")).TokenForRegistry(ctx, "public.ecr.aws")
		if appmeshenvoy.CodeOf(err) != appmeshenvoy.CodeEndpointUnreachable || !strings.Contains(err.Error(), "only in the aws partition") {
			t.Fatalf("%v: want endpoint-unreachable saying ECR Public is aws-only", err)
		}
		if n := srv.Requests("*", "*"); n != 0 {
			t.Errorf("%d requests", n)
		}
	})
}
