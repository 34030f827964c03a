package appmeshenvoy_test

import (
	"errors"
	"testing"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
)

func TestMirrors(t *testing.T) {
	src, err := appmeshenvoy.ParseImage("840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.29.6.0-prod@" + rsDigest)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		fn   func(appmeshenvoy.Image) (appmeshenvoy.Image, error)
		want string
	}{
		{"own repository", func(i appmeshenvoy.Image) (appmeshenvoy.Image, error) {
			return i.WithRepository("123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/envoy")
		}, "123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/envoy:v1.29.6.0-prod@" + rsDigest},
		{"own repository https", func(i appmeshenvoy.Image) (appmeshenvoy.Image, error) {
			return i.WithRepository("https://123456789012.dkr.ecr.us-gov-west-1.amazonaws.com/envoy")
		}, "123456789012.dkr.ecr.us-gov-west-1.amazonaws.com/envoy:v1.29.6.0-prod@" + rsDigest},
		{"pull-through cache", func(i appmeshenvoy.Image) (appmeshenvoy.Image, error) {
			return i.WithPullThroughCache("123456789012.dkr.ecr.eu-west-1.amazonaws.com/ecr-public/")
		}, "123456789012.dkr.ecr.eu-west-1.amazonaws.com/ecr-public/appmesh/aws-appmesh-envoy:v1.29.6.0-prod@" + rsDigest},
		{"public gallery", func(i appmeshenvoy.Image) (appmeshenvoy.Image, error) {
			return i.WithPublicGallery(), nil
		}, "public.ecr.aws/appmesh/aws-appmesh-envoy:v1.29.6.0-prod@" + rsDigest},
		{"fips endpoint", func(i appmeshenvoy.Image) (appmeshenvoy.Image, error) {
			return i.WithFIPSEndpoint()
		}, "840364872350.dkr.ecr-fips.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.29.6.0-prod@" + rsDigest},
		{"dual-stack endpoint", func(i appmeshenvoy.Image) (appmeshenvoy.Image, error) {
			return i.WithDualStackEndpoint()
		}, "840364872350.dkr-ecr.us-west-2.on.aws/aws-appmesh-envoy:v1.29.6.0-prod@" + rsDigest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.fn(src)
			if err != nil {
				t.Fatal(err)
			}
			if got.String() != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
			// The result is a consistent Image: it reparses to itself.
			again, err := appmeshenvoy.ParseImage(got.String())
			if err != nil || again != got {
				t.Errorf("reparse: %+v, %v; want %+v", again, err, got)
			}
		})
	}
}

func TestMirrorErrors(t *testing.T) {
	src, _ := appmeshenvoy.ParseImage("840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.29.6.0-prod")
	for _, target := range []string{
		"", "123456789012.dkr.ecr.eu-west-1.amazonaws.com", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/",
		"123456789012.dkr.ecr.eu-west-1.amazonaws.com/envoy:v1", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/Envoy",
		"registry.example.com/envoy", "http://123456789012.dkr.ecr.eu-west-1.amazonaws.com/envoy",
		"123456789012.dkr.ecr.eu-west-1.amazonaws.com:5000/envoy",
	} {
		if got, err := src.WithRepository(target); err == nil {
			t.Errorf("WithRepository(%q) = %s, want an error", target, got)
		} else if !errors.Is(err, appmeshenvoy.ErrInvalidRepository) && !errors.Is(err, appmeshenvoy.ErrInvalidRegistryHost) {
			t.Errorf("WithRepository(%q) error %v matches no sentinel", target, err)
		}
	}
	cn, _ := appmeshenvoy.ParseImage("919366029133.dkr.ecr.cn-north-1.amazonaws.com.cn/aws-appmesh-envoy:v1.29.6.0-prod")
	for _, img := range []appmeshenvoy.Image{cn, src.WithPublicGallery(), {Registry: "127.0.0.1:5000", Repository: "x", Tag: "y"}} {
		if _, err := img.WithFIPSEndpoint(); !errors.Is(err, appmeshenvoy.ErrFIPSUnavailable) {
			t.Errorf("WithFIPSEndpoint(%s) error = %v", img, err)
		}
	}
	iso, _ := appmeshenvoy.ParseImage("123456789012.dkr.ecr.us-iso-east-1.c2s.ic.gov/envoy:v1")
	if _, err := iso.WithDualStackEndpoint(); !errors.Is(err, appmeshenvoy.ErrInvalidRegistryHost) {
		t.Errorf("WithDualStackEndpoint(iso) error = %v", err)
	}
}
