package rewrite_test

import (
	"context"
	"fmt"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/rewrite"
)

// Rewriter.Kubernetes points the Envoy sidecar at a mirror; only the image value's bytes
// change. The Pinner here is a stand-in for the mirror; use an *appmeshenvoy.Resolver
// for an ECR mirror.
func ExampleRewriter_Kubernetes() {
	mirror := rewrite.PinFunc(func(_ context.Context, img appmeshenvoy.Image) (appmeshenvoy.Image, error) {
		img.Digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
		return img, nil
	})
	r, err := rewrite.New("111122223333.dkr.ecr.{region}.amazonaws.com/mirror/aws-appmesh-envoy", mirror)
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := r.Kubernetes(context.Background(), "pod.yaml", []byte(`kind: Pod
metadata: {name: web}
spec:
  containers:
  - name: envoy  # the sidecar
    image: 840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.29.6.0-prod
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(string(res.Output))
	// Output:
	// kind: Pod
	// metadata: {name: web}
	// spec:
	//   containers:
	//   - name: envoy  # the sidecar
	//     image: 111122223333.dkr.ecr.us-west-2.amazonaws.com/mirror/aws-appmesh-envoy:v1.29.6.0-prod@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
}
