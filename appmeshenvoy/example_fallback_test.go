package appmeshenvoy_test

import (
	"context"
	"fmt"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/appmeshenvoytest"
)

// Resolve a region whose SSM parameter is gone: the fallbacks are asked in order, and
// the result says which one answered. Here the local endpoint plays AWS; the mirror
// repository does not exist, so the built-in final release answers, unverified until
// pinned.
func ExampleResolver_Resolve_fallback() {
	srv := appmeshenvoytest.NewServer()
	defer srv.Close()
	srv.DeleteParameter("us-west-2")

	var fallbacks []appmeshenvoy.Fallback
	for _, s := range []string{"repository=123456789012.dkr.ecr.{region}.amazonaws.com/mirror/envoy", "builtin"} {
		f, err := appmeshenvoy.ParseFallback(s)
		if err != nil {
			fmt.Println(err)
			return
		}
		fallbacks = append(fallbacks, f)
	}
	res := appmeshenvoy.NewResolver(srv.Config("us-west-2"), func(o *appmeshenvoy.ResolverOptions) {
		o.Fallbacks = fallbacks
	})
	r, err := res.Resolve(context.Background(), "us-west-2")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(r.Source, r.Fallback(), r.Unverified)
	fmt.Println(r.Image)
	// Output:
	// builtin true true
	// 840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.39.1.0-prod
}

// Create an ECR pull-through cache of the public gallery, then name the Envoy image
// as pulled through it. Running it again finds the rule up to date.
func ExampleCreatePullThroughCache() {
	srv := appmeshenvoytest.NewServer()
	defer srv.Close()
	ctx := context.Background()
	for range 2 {
		rule, err := appmeshenvoy.CreatePullThroughCache(ctx, srv.Config("eu-west-1"), "eu-west-1", "ecr-public")
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(rule.PrefixURI(), "created:", rule.Created)
	}
	img, _ := appmeshenvoy.ParseImage("840364872350.dkr.ecr.eu-west-1.amazonaws.com/aws-appmesh-envoy:v1.39.1.0-prod")
	cached, _ := img.WithPullThroughCache("123456789012.dkr.ecr.eu-west-1.amazonaws.com/ecr-public")
	fmt.Println(cached)
	// Output:
	// 123456789012.dkr.ecr.eu-west-1.amazonaws.com/ecr-public created: true
	// 123456789012.dkr.ecr.eu-west-1.amazonaws.com/ecr-public created: false
	// 123456789012.dkr.ecr.eu-west-1.amazonaws.com/ecr-public/appmesh/aws-appmesh-envoy:v1.39.1.0-prod
}
