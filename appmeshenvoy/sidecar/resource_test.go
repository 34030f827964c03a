package sidecar_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/sidecar"
)

func TestParseResource(t *testing.T) {
	valid := []struct {
		in   string
		want sidecar.Resource
	}{
		{"mesh/shop/virtualNode/cart", sidecar.Resource{Mesh: "shop", Kind: sidecar.KindVirtualNode, Name: "cart"}},
		{"mesh/shop/virtualGateway/gw-1", sidecar.Resource{Mesh: "shop", Kind: sidecar.KindVirtualGateway, Name: "gw-1"}},
		// The App Mesh controller for Kubernetes names a mesh shared from another account so.
		{"mesh/shop@111122223333/virtualNode/cart", sidecar.Resource{Mesh: "shop", MeshOwner: "111122223333", Kind: sidecar.KindVirtualNode, Name: "cart"}},
		{"arn:aws:appmesh:us-west-2:111122223333:mesh/shop/virtualNode/cart_v2",
			sidecar.Resource{Partition: "aws", Service: "appmesh", Region: "us-west-2", Account: "111122223333", Mesh: "shop", Kind: sidecar.KindVirtualNode, Name: "cart_v2"}},
		{"arn:aws:appmesh-preview:us-west-2:111122223333:mesh/shop/virtualNode/cart",
			sidecar.Resource{Partition: "aws", Service: "appmesh-preview", Region: "us-west-2", Account: "111122223333", Mesh: "shop", Kind: sidecar.KindVirtualNode, Name: "cart"}},
		{"arn:aws-cn:appmesh:cn-north-1:111122223333:mesh/m/virtualGateway/g",
			sidecar.Resource{Partition: "aws-cn", Service: "appmesh", Region: "cn-north-1", Account: "111122223333", Mesh: "m", Kind: sidecar.KindVirtualGateway, Name: "g"}},
		{"arn:aws-us-gov:appmesh:us-gov-west-1:111122223333:mesh/m/virtualNode/n",
			sidecar.Resource{Partition: "aws-us-gov", Service: "appmesh", Region: "us-gov-west-1", Account: "111122223333", Mesh: "m", Kind: sidecar.KindVirtualNode, Name: "n"}},
	}
	for _, tt := range valid {
		t.Run(tt.in, func(t *testing.T) {
			got, err := sidecar.ParseResource(tt.in)
			if err != nil {
				t.Fatalf("ParseResource: %v", err)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("(-want +got)\n%s", d)
			}
			if got.String() != tt.in {
				t.Errorf("String() = %q, want %q", got.String(), tt.in)
			}
		})
	}
	invalid := map[string]struct{ in, says string }{
		"empty":             {"", "want mesh/"},
		"no mesh prefix":    {"meshes/shop/virtualNode/cart", "want mesh/"},
		"wrong kind":        {"mesh/shop/virtualService/cart", "virtualService"},
		"too short":         {"mesh/shop/virtualNode", "want mesh/"},
		"too long":          {"mesh/shop/virtualNode/cart/x", "want mesh/"},
		"empty name":        {"mesh/shop/virtualNode/", "is empty"},
		"space in name":     {"mesh/shop/virtualNode/my cart", "characters"},
		"name too long":     {"mesh/shop/virtualNode/" + strings.Repeat("n", 256), "longer than 255"},
		"bad service":       {"arn:aws:ecs:us-west-2:111122223333:mesh/shop/virtualNode/cart", "neither appmesh"},
		"bad account":       {"arn:aws:appmesh:us-west-2:1111:mesh/shop/virtualNode/cart", "12-digit"},
		"bad partition":     {"arn:gcp:appmesh:us-west-2:111122223333:mesh/shop/virtualNode/cart", "partition"},
		"bad region":        {"arn:aws:appmesh:uswest2:111122223333:mesh/shop/virtualNode/cart", "region"},
		"short arn":         {"arn:aws:appmesh:us-west-2", "six colon-separated"},
		"bad mesh owner":    {"mesh/shop@1234/virtualNode/cart", "mesh owner"},
		"mesh owner in ARN": {"arn:aws:appmesh:us-west-2:111122223333:mesh/shop@111122223333/virtualNode/cart", "account field"},
		"two @":             {"mesh/shop@111122223333@1/virtualNode/cart", "mesh owner"},
		"control character": {"mesh/shop/virtualNode/ca\x1brt", "characters"},
	}
	for name, tt := range invalid {
		t.Run(name, func(t *testing.T) {
			_, err := sidecar.ParseResource(tt.in)
			if !errors.Is(err, sidecar.ErrInvalidResource) || appmeshenvoy.CodeOf(err) != appmeshenvoy.CodeInvalidResource {
				t.Fatalf("ParseResource(%q) = %v, want ErrInvalidResource with code invalid-resource", tt.in, err)
			}
			if !strings.Contains(err.Error(), tt.says) {
				t.Errorf("error %q does not say %q", err, tt.says)
			}
		})
	}
}
