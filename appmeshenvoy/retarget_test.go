package appmeshenvoy_test

import (
	"errors"
	"testing"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

func TestRetarget(t *testing.T) {
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

func TestRetargetErrors(t *testing.T) {
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

// TestFIPSHostsOnlyWhereECRHasThem: every region of the table, and GovCloud: a FIPS
// endpoint host is built exactly where ECR has FIPS endpoints (region.ECRFIPS), never in
// ca-central-1 although a FIPS image is published there.
func TestFIPSHostsOnlyWhereECRHasThem(t *testing.T) {
	codes := region.Codes(region.All())
	codes = append(codes, "us-gov-west-1", "us-gov-east-1")
	for _, code := range codes {
		host := "111122223333.dkr.ecr." + code + ".amazonaws.com"
		if p, ok := region.PartitionOf(code); ok {
			host = "111122223333.dkr.ecr." + code + "." + p.DNSSuffix
		}
		img := appmeshenvoy.Image{Registry: host, Repository: "envoy", Tag: "v1.39.1.0-prod-fips"}
		got, err := img.WithFIPSEndpoint()
		if region.ECRFIPS(code) {
			if err != nil || got.Registry != "111122223333.dkr.ecr-fips."+code+".amazonaws.com" {
				t.Errorf("%s: WithFIPSEndpoint = %v, %v", code, got, err)
			}
			continue
		}
		if !errors.Is(err, appmeshenvoy.ErrFIPSUnavailable) {
			t.Errorf("%s: WithFIPSEndpoint = %v, %v; want ErrFIPSUnavailable", code, got, err)
		}
		if r, lerr := region.Lookup(code); lerr == nil && r.FIPSRegistryHost() != "" {
			t.Errorf("%s: region.FIPSRegistryHost = %q", code, r.FIPSRegistryHost())
		}
	}
}

// TestPublicGalleryDualStack: ecr-public.aws.com is the gallery's dual-stack host: the
// same registry as public.ecr.aws for comparisons, reachable with WithDualStackEndpoint,
// while WithPublicGallery keeps public.ecr.aws.
func TestPublicGalleryDualStack(t *testing.T) {
	ds, err := appmeshenvoy.ParseImage("ecr-public.aws.com/appmesh/aws-appmesh-envoy:v1.39.1.0-prod")
	if err != nil {
		t.Fatal(err)
	}
	if got := ds.WithPublicGallery(); got.Registry != appmeshenvoy.PublicRegistryHost {
		t.Errorf("WithPublicGallery = %s", got)
	}
	back, err := ds.WithPublicGallery().WithDualStackEndpoint()
	if err != nil || back != ds {
		t.Errorf("WithDualStackEndpoint of the gallery = %s, %v", back, err)
	}
	d := appmeshenvoy.CompareDeployed(ds, ds.WithPublicGallery())
	if d.OtherRepository || d.Status != appmeshenvoy.DriftUpToDate {
		t.Errorf("the two gallery hosts compare as different: %+v", d)
	}
}
