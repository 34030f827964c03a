package appmeshenvoy_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
)

const rsDigest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func TestParseImage(t *testing.T) {
	tests := []struct {
		in   string
		want appmeshenvoy.Image
	}{
		{"840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.29.6.0-prod", appmeshenvoy.Image{
			Registry:   "840364872350.dkr.ecr.us-west-2.amazonaws.com",
			Repository: "aws-appmesh-envoy", Tag: "v1.29.6.0-prod"}},
		{"840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.29.6.0-prod@" + rsDigest, appmeshenvoy.Image{
			Registry:   "840364872350.dkr.ecr.us-west-2.amazonaws.com",
			Repository: "aws-appmesh-envoy", Tag: "v1.29.6.0-prod", Digest: rsDigest}},
		{"840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy@" + rsDigest, appmeshenvoy.Image{
			Registry:   "840364872350.dkr.ecr.us-west-2.amazonaws.com",
			Repository: "aws-appmesh-envoy", Digest: rsDigest}},
		{"public.ecr.aws/appmesh/aws-appmesh-envoy:v1.29.6.0-prod", appmeshenvoy.Image{
			Registry: "public.ecr.aws", Repository: "appmesh/aws-appmesh-envoy", Tag: "v1.29.6.0-prod"}},
		{"127.0.0.1:5000/aws-appmesh-envoy:v1.29.6.0-prod", appmeshenvoy.Image{
			Registry: "127.0.0.1:5000", Repository: "aws-appmesh-envoy", Tag: "v1.29.6.0-prod"}},
		{"localhost/team/envoy:custom_Tag-1.0", appmeshenvoy.Image{
			Registry: "localhost", Repository: "team/envoy", Tag: "custom_Tag-1.0"}},
		{"123456789012.dkr.ecr.us-gov-west-1.amazonaws.com/team/a.b__c-d/envoy:v1.29.6.0-prod-fips", appmeshenvoy.Image{
			Registry:   "123456789012.dkr.ecr.us-gov-west-1.amazonaws.com",
			Repository: "team/a.b__c-d/envoy", Tag: "v1.29.6.0-prod-fips"}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := appmeshenvoy.ParseImage(tt.in)
			if err != nil {
				t.Fatalf("ParseImage: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
			if got.String() != tt.in {
				t.Errorf("String() = %q, want %q", got.String(), tt.in)
			}
		})
	}
}

func TestParseImageErrors(t *testing.T) {
	tests := map[string]string{
		"":                       "empty",
		"aws-appmesh-envoy:v1":   "registry host",
		"docker.io":              "registry host",
		"envoyproxy/envoy:v1.29": "bad registry host",
		"https://840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1": "scheme",
		"http://example.com/envoy:v1":                                                                   "scheme",
		"840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy":                                "no tag or digest",
		"840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:":                               "bad tag",
		"840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:-x":                             "bad tag",
		"840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:" + strings.Repeat("a", 129):    "bad tag",
		"840364872350.dkr.ecr.us-west-2.amazonaws.com/AWS-appmesh-envoy:v1":                             "bad repository",
		"840364872350.dkr.ecr.us-west-2.amazonaws.com//envoy:v1":                                        "bad repository",
		"840364872350.dkr.ecr.us-west-2.amazonaws.com/a..b:v1":                                          "bad repository",
		"840364872350.dkr.ecr.us-west-2.amazonaws.com/a-:v1":                                            "bad repository",
		"840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy@sha256:abc":                     "digest",
		"840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy@md5:" + strings.Repeat("a", 64): "digest",
		"840364872350.DKR.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1":                             "bad registry host",
		"host:0/x:v1":                       "bad registry host",
		"ex ample.com/x:v1":                 "bad registry host",
		strings.Repeat("a.", 600) + "/x:v1": "longer",
		"example.com/x:v1\n":                "bad tag",
	}
	for in, wantSub := range tests {
		t.Run(in, func(t *testing.T) {
			_, err := appmeshenvoy.ParseImage(in)
			if !errors.Is(err, appmeshenvoy.ErrInvalidImage) {
				t.Fatalf("ParseImage(%q) error = %v, want ErrInvalidImage", in, err)
			}
			if !strings.Contains(err.Error(), wantSub) {
				t.Errorf("error %q does not mention %q", err, wantSub)
			}
		})
	}
}

func TestImageVersion(t *testing.T) {
	img, _ := appmeshenvoy.ParseImage("840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.29.6.0-prod-fips")
	v, err := img.Version()
	if err != nil || v != (appmeshenvoy.Version{Major: 1, Minor: 29, Patch: 6, FIPS: true}) {
		t.Errorf("Version() = %+v, %v", v, err)
	}
	img.Tag = ""
	if _, err := img.Version(); !errors.Is(err, appmeshenvoy.ErrInvalidVersion) {
		t.Errorf("Version() without tag: %v", err)
	}
	img.Tag = "latest"
	if _, err := img.Version(); !errors.Is(err, appmeshenvoy.ErrInvalidVersion) {
		t.Errorf("Version() of latest: %v", err)
	}
}

func FuzzParseImage(f *testing.F) {
	for _, s := range []string{
		"840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.29.6.0-prod",
		"840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.29.6.0-prod@" + rsDigest,
		"840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy@" + rsDigest,
		"public.ecr.aws/appmesh/aws-appmesh-envoy:v1.29.6.0-prod",
		"127.0.0.1:5000/a/b_c/d:tag", "localhost/x:y", "http://x/y:z", "a/b", "x.y/a:b@c",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		img, err := appmeshenvoy.ParseImage(s)
		if err != nil {
			if !errors.Is(err, appmeshenvoy.ErrInvalidImage) {
				t.Fatalf("error %v does not match ErrInvalidImage", err)
			}
			return
		}
		if img.String() != s {
			t.Fatalf("String() = %q, input %q", img.String(), s)
		}
		again, err := appmeshenvoy.ParseImage(img.String())
		if err != nil || again != img {
			t.Fatalf("round trip %q: %+v, %v", s, again, err)
		}
	})
}

// TestImageAccountAndRegionFromHost: Image stores no account or region of its own; they
// are read from the registry host, so they cannot disagree with it.
func TestImageAccountAndRegionFromHost(t *testing.T) {
	tests := []struct{ ref, account, region string }{
		{"840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.29.6.0-prod", "840364872350", "us-west-2"},
		{"123456789012.dkr.ecr-fips.us-gov-east-1.amazonaws.com/envoy:v1.29.6.0-prod-fips", "123456789012", "us-gov-east-1"},
		{"919366029133.dkr-ecr.cn-north-1.on.amazonwebservices.com.cn/aws-appmesh-envoy:v1.29.6.0-prod", "919366029133", "cn-north-1"},
		{"public.ecr.aws/appmesh/aws-appmesh-envoy:v1.29.6.0-prod", "", ""},
		{"127.0.0.1:5000/aws-appmesh-envoy:v1.29.6.0-prod", "", ""},
	}
	for _, tt := range tests {
		img, err := appmeshenvoy.ParseImage(tt.ref)
		if err != nil {
			t.Fatal(err)
		}
		if img.Account() != tt.account || img.Region() != tt.region {
			t.Errorf("%s: Account, Region = %q, %q; want %q, %q", tt.ref, img.Account(), img.Region(), tt.account, tt.region)
		}
		moved := img
		moved.Registry = "111122223333.dkr.ecr.eu-west-1.amazonaws.com"
		if moved.Account() != "111122223333" || moved.Region() != "eu-west-1" {
			t.Errorf("%s: changing Registry did not change Account and Region", tt.ref)
		}
	}
}
