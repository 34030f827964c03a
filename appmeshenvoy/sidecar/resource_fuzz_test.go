package sidecar_test

import (
	"errors"
	"strings"
	"testing"
	"unicode"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/sidecar"
	"github.com/google/go-cmp/cmp"
)

// FuzzParseResource checks that ParseResource never panics; that what it accepts is a
// virtual node or virtual gateway whose String is the input itself and parses back to
// the same Resource; and that what it refuses gives an ErrInvalidResource error on one
// line without control characters.
func FuzzParseResource(f *testing.F) {
	good := []string{
		// Short forms.
		"mesh/shop/virtualNode/cart",
		"mesh/shop/virtualGateway/ingress-gw",
		"mesh/a.b_c-9/virtualNode/" + strings.Repeat("n", 255),
		// ARNs in the aws, aws-cn and aws-us-gov partitions, and another account.
		"arn:aws:appmesh:us-west-2:111122223333:mesh/shop/virtualNode/cart",
		"arn:aws-cn:appmesh:cn-north-1:111122223333:mesh/m/virtualGateway/g",
		"arn:aws-us-gov:appmesh:us-gov-west-1:123456789012:mesh/m/virtualNode/n",
		"arn:aws:appmesh:eu-central-1:999988887777:mesh/shared/virtualNode/other-account",
		// A shared mesh, as the App Mesh controller for Kubernetes writes it, and a
		// preview-channel ARN.
		"mesh/shop@111122223333/virtualGateway/ingress",
		"arn:aws:appmesh-preview:us-west-2:111122223333:mesh/m/virtualNode/n",
	}
	bad := []string{
		"",
		"mesh/shop/virtualRouter/r",
		"mesh/shop/virtualNode/",
		"mesh//virtualNode/n",
		"mesh/shop/virtualNode/cart/extra",
		"Mesh/shop/virtualNode/cart",
		"mesh/-shop/virtualNode/cart",
		"mesh/shop/virtualNode/" + strings.Repeat("n", 256),
		"arn:aws:appmesh:us-west-2:111122223333",
		"arn:aws:ecr:us-west-2:111122223333:mesh/m/virtualNode/n",
		"arn:aws:appmesh:us-west-2:11112222333:mesh/m/virtualNode/n",
		"arn:aws:appmesh:US-WEST-2:111122223333:mesh/m/virtualNode/n",
		"arn:azure:appmesh:us-west-2:111122223333:mesh/m/virtualNode/n",
		"arn:aws:appmesh:us-west-2:111122223333:mesh/m/virtualNode/n:extra",
		"mesh/shop/virtualNode/cart\n",
		"mesh/sh\x00op/virtualNode/cart",
		"mesh/shop@12345/virtualNode/cart",
		"arn:aws:appmesh:us-west-2:111122223333:mesh/shop@111122223333/virtualNode/cart",
	}
	// The seeds are what they claim to be, so that the round trip below is exercised.
	for _, s := range good {
		if _, err := sidecar.ParseResource(s); err != nil {
			f.Fatalf("good seed %q: %v", s, err)
		}
		f.Add(s)
	}
	for _, s := range bad {
		if _, err := sidecar.ParseResource(s); err == nil {
			f.Fatalf("bad seed %q parsed", s)
		}
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := sidecar.ParseResource(s)
		if err != nil {
			if !errors.Is(err, sidecar.ErrInvalidResource) {
				t.Fatalf("error %v does not match ErrInvalidResource", err)
			}
			if strings.ContainsFunc(err.Error(), unicode.IsControl) {
				t.Fatalf("error %q has a control character", err)
			}
			if r != (sidecar.Resource{}) {
				t.Fatalf("error %v with a non-zero Resource %+v", err, r)
			}
			return
		}
		if r.Kind != sidecar.KindVirtualNode && r.Kind != sidecar.KindVirtualGateway {
			t.Fatalf("parsed kind %q", r.Kind)
		}
		if r.Mesh == "" || r.Name == "" {
			t.Fatalf("parsed %+v with an empty mesh or name", r)
		}
		if r.IsARN() != strings.HasPrefix(s, "arn:") {
			t.Fatalf("IsARN() = %v for %q", r.IsARN(), s)
		}
		if r.IsARN() != (r.Region != "" && r.Account != "" && r.Service != "") {
			t.Fatalf("parsed %+v: partition, service, region and account not set together", r)
		}
		if r.IsARN() && r.MeshOwner != "" {
			t.Fatalf("parsed %+v: an ARN with a mesh owner after @", r)
		}
		// The syntax has one spelling per Resource, so String gives the input back.
		if got := r.String(); got != s {
			t.Fatalf("String() = %q, want the input %q", got, s)
		}
		again, err := sidecar.ParseResource(r.String())
		if err != nil {
			t.Fatalf("ParseResource(%q) (String of %q) failed: %v", r.String(), s, err)
		}
		if d := cmp.Diff(r, again); d != "" {
			t.Fatalf("round trip of %q (-first +second):\n%s", s, d)
		}
	})
}
