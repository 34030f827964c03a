package appmeshenvoy_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/appmeshenvoytest"
)

func TestCheckPullThroughCachePrefix(t *testing.T) {
	for _, tt := range []struct {
		prefix string
		ok     bool
	}{
		{"ecr-public", true},
		{"cache/public", true},
		{"a.b_c-d", true},
		{"ab", true},
		{strings.Repeat("a", 30), true},
		{"a", false},
		{strings.Repeat("a", 31), false},
		{"ECR", false},
		{"ROOT", false},
		{"-x", false},
		{"x-", false},
		{"a//b", false},
		{"a/", false},
		{"/a", false},
		{"a b", false},
		{"a..b", false},
		{"", false},
	} {
		t.Run(tt.prefix, func(t *testing.T) {
			err := appmeshenvoy.CheckPullThroughCachePrefix(tt.prefix)
			if (err == nil) != tt.ok {
				t.Fatalf("CheckPullThroughCachePrefix(%q) = %v, want ok %v", tt.prefix, err, tt.ok)
			}
			if err != nil && (!errors.Is(err, appmeshenvoy.ErrInvalidCachePrefix) || appmeshenvoy.CodeOf(err) != appmeshenvoy.CodeInvalidInput) {
				t.Errorf("%v: not ErrInvalidCachePrefix with code invalid-input", err)
			}
		})
	}
}

func TestWireCreatePullThroughCache(t *testing.T) {
	ctx := context.Background()
	srv := wireServer(t)
	create := func(code, prefix string) (appmeshenvoy.PullThroughCacheRule, error) {
		return appmeshenvoy.CreatePullThroughCache(ctx, srv.Config(code), code, prefix, func(o *appmeshenvoy.PullThroughCacheOptions) {
			o.RetryMaxBackoff = 5e6
		})
	}
	rule, err := create("us-west-2", "ecr-public")
	if err != nil {
		t.Fatal(err)
	}
	wantPrefix := appmeshenvoytest.AccountID + ".dkr.ecr.us-west-2.amazonaws.com/ecr-public"
	if !rule.Created || rule.PrefixURI() != wantPrefix || rule.UpstreamRegistryURL != "public.ecr.aws" ||
		rule.Repository().URI() != wantPrefix+"/appmesh/aws-appmesh-envoy" || rule.CreatedAt.IsZero() {
		t.Errorf("first create: %+v", rule)
	}
	again, err := create("us-west-2", "ecr-public")
	if err != nil || again.Created || again.PrefixURI() != wantPrefix {
		t.Errorf("second create: %+v, %v; want the same rule, up to date", again, err)
	}
	if n := srv.Requests("ecr:CreatePullThroughCacheRule", "us-west-2"); n != 1 {
		t.Errorf("%d CreatePullThroughCacheRule calls, want 1 (the second run only describes)", n)
	}

	srv.AddCacheRule(appmeshenvoytest.AccountID, "us-west-2", "hub", "registry-1.docker.io")
	tests := []struct {
		name, region, prefix string
		kind                 error
		code                 appmeshenvoy.Code
		calls                bool
	}{
		{"another upstream", "us-west-2", "hub", appmeshenvoy.ErrCacheRuleConflict, appmeshenvoy.CodeInvalidInput, true},
		{"bad prefix", "us-west-2", "Bad", appmeshenvoy.ErrInvalidCachePrefix, appmeshenvoy.CodeInvalidInput, false},
		{"china", "cn-north-1", "ecr-public", appmeshenvoy.ErrNoECRPublic, appmeshenvoy.CodeUnsupportedRegion, false},
		{"govcloud", "us-gov-west-1", "ecr-public", appmeshenvoy.ErrNoECRPublic, appmeshenvoy.CodeUnsupportedRegion, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv.ResetCounts()
			_, err := create(tt.region, tt.prefix)
			if !errors.Is(err, tt.kind) || appmeshenvoy.CodeOf(err) != tt.code {
				t.Fatalf("%v (code %s), want %v with code %s", err, appmeshenvoy.CodeOf(err), tt.kind, tt.code)
			}
			if n := srv.Requests("*", "*"); (n > 0) != tt.calls {
				t.Errorf("%d requests; want calls %v", n, tt.calls)
			}
		})
	}
	t.Run("access denied", func(t *testing.T) {
		srv.FailNext("ecr:DescribePullThroughCacheRules", "eu-west-1", 100, appmeshenvoytest.AccessDenied("ecr:DescribePullThroughCacheRules"))
		_, err := create("eu-west-1", "ecr-public")
		if c := appmeshenvoy.CodeOf(err); c != appmeshenvoy.CodeAccessDenied || !strings.Contains(err.Error(), "ecr:DescribePullThroughCacheRules") {
			t.Fatalf("%v (code %s), want access-denied naming the action", err, c)
		}
	})
}
