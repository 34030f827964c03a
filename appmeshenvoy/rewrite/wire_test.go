package rewrite_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/appmeshenvoytest"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/rewrite"
)

// TestResolverPinsMirror rewrites against the local endpoint: the digest comes from the
// mirror repository through Resolver.Pin (ecr:BatchGetImage), and a mirror without the
// tag is an error naming it.
func TestResolverPinsMirror(t *testing.T) {
	srv := appmeshenvoytest.NewServer()
	defer srv.Close()
	repo := appmeshenvoytest.AccountID + ".dkr.ecr.us-west-2.amazonaws.com/mirror/aws-appmesh-envoy"
	if err := srv.CreateRepository(repo, appmeshenvoytest.RepositoryOptions{}); err != nil {
		t.Fatal(err)
	}
	digest, err := srv.PushImage(repo, "v1.29.6.0-prod", 16)
	if err != nil {
		t.Fatal(err)
	}
	res := appmeshenvoy.NewResolver(srv.Config("us-west-2"))
	r, err := rewrite.New(appmeshenvoytest.AccountID+".dkr.ecr.{region}.amazonaws.com/mirror/aws-appmesh-envoy", res)
	if err != nil {
		t.Fatal(err)
	}
	in := "kind: Pod\nspec:\n  containers:\n  - name: envoy  # sidecar\n    image: 840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.29.6.0-prod\n"
	out, err := r.Kubernetes(context.Background(), "pod.yaml", []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Replace(in, "840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.29.6.0-prod", repo+":v1.29.6.0-prod@"+digest, 1)
	if string(out.Output) != want {
		t.Errorf("output:\n%s\nwant:\n%s", out.Output, want)
	}
	_, err = r.Kubernetes(context.Background(), "pod.yaml", []byte(strings.ReplaceAll(in, "v1.29.6.0-prod", "v1.39.1.0-prod")))
	if !errors.Is(err, appmeshenvoy.ErrImageNotFound) || !strings.Contains(err.Error(), repo+":v1.39.1.0-prod") || !strings.HasPrefix(err.Error(), "pod.yaml:5:12: ") {
		t.Errorf("missing tag: %v", err)
	}
	if n := srv.Requests("ecr:BatchGetImage", "us-west-2"); n != 2 {
		t.Errorf("%d BatchGetImage calls, want 2", n)
	}
}
