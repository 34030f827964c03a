package iampolicy_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/appmeshenvoytest"
	"github.com/appmesh-envoy/appmesh-envoy-go/iampolicy"
)

// TestOperationsOfCachedPullAreAllowed pulls the image through a pull-through cache of
// the local endpoint, the first pull creating the cache repository, and checks that the
// puller policy with PullThroughCaches allows every operation the server authorized,
// and the policy without it does not.
func TestOperationsOfCachedPullAreAllowed(t *testing.T) {
	srv := appmeshenvoytest.NewServer()
	defer srv.Close()
	srv.AddCacheRule(appmeshenvoytest.AccountID, "us-west-2", "ecr-public", "public.ecr.aws")
	ctx := context.Background()
	tok, err := appmeshenvoy.NewTokenProvider(srv.Config("us-west-2")).Token(ctx, "us-west-2")
	if err != nil {
		t.Fatal(err)
	}
	cached := appmeshenvoytest.AccountID + ".dkr.ecr.us-west-2.amazonaws.com/ecr-public/appmesh/aws-appmesh-envoy"
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/v2/"+cached+"/manifests/"+appmeshenvoytest.DefaultTag, nil)
	req.SetBasicAuth("AWS", tok.Password.Reveal())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("pull through the cache: %d", resp.StatusCode)
	}
	prefixARN := "arn:aws:ecr:us-west-2:" + appmeshenvoytest.AccountID + ":repository/ecr-public"
	with, err := iampolicy.ImagePull(iampolicy.PullOptions{Regions: iampolicy.Regions{Codes: []string{"us-west-2"}}, PullThroughCaches: []string{prefixARN}})
	if err != nil {
		t.Fatal(err)
	}
	without, _ := iampolicy.ImagePull(iampolicy.PullOptions{Regions: iampolicy.Regions{Codes: []string{"us-west-2"}}})
	ops := srv.Operations()
	if len(ops) < 3 {
		t.Fatalf("operations %+v: want the token, the import and the repository creation", ops)
	}
	denied := 0
	for _, op := range ops {
		if d := iampolicy.Evaluate(with, op.Action, op.Resource); d != iampolicy.Allow {
			t.Errorf("%s on %s: %v with the cache in the policy", op.Action, op.Resource, d)
		}
		if iampolicy.Evaluate(without, op.Action, op.Resource) != iampolicy.Allow {
			denied++
		}
	}
	if denied == 0 {
		t.Error("the policy without the cache allows everything too: the test proves nothing")
	}
}

func TestFallbackAndCacheInputErrors(t *testing.T) {
	us := iampolicy.Regions{Codes: []string{"us-west-2"}}
	cn := iampolicy.Regions{Codes: []string{"cn-north-1"}}
	for _, tt := range []struct {
		name  string
		build func() error
		field string
	}{
		{"cache not an ARN", func() error {
			_, err := iampolicy.ImagePull(iampolicy.PullOptions{Regions: us, PullThroughCaches: []string{"123456789012.dkr.ecr.us-west-2.amazonaws.com/ecr-public"}})
			return err
		}, "PullThroughCaches"},
		{"cache prefix with a wildcard", func() error {
			_, err := iampolicy.ImagePull(iampolicy.PullOptions{Regions: us, PullThroughCaches: []string{"arn:aws:ecr:us-west-2:111122223333:repository/ecr-*"}})
			return err
		}, "PullThroughCaches"},
		{"cache in aws-cn", func() error {
			_, err := iampolicy.ImagePull(iampolicy.PullOptions{Regions: cn, PullThroughCaches: []string{"arn:aws-cn:ecr:cn-north-1:111122223333:repository/ecr-public"}})
			return err
		}, "PullThroughCaches"},
		{"gallery in aws-cn", func() error {
			_, err := iampolicy.ImagePull(iampolicy.PullOptions{Regions: cn, PublicGallery: true})
			return err
		}, "PublicGallery"},
		{"fallback not a repository ARN", func() error {
			_, err := iampolicy.ParameterRead(iampolicy.ParameterOptions{Regions: us, FallbackRepositories: []string{"registry.example.com/envoy"}})
			return err
		}, "FallbackRepositories"},
		{"fallback in another partition", func() error {
			_, err := iampolicy.ParameterRead(iampolicy.ParameterOptions{Regions: us, FallbackRepositories: []string{"arn:aws-cn:ecr:cn-north-1:111122223333:repository/envoy"}})
			return err
		}, "FallbackRepositories"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.build()
			var ie *iampolicy.InputError
			if !errors.As(err, &ie) || ie.Field != tt.field || !appmeshenvoy.CodeOf(err).Input() {
				t.Fatalf("%v: want an input error on %s", err, tt.field)
			}
		})
	}
}
