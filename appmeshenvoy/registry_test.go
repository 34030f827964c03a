package appmeshenvoy_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

func TestParseRegistryHost(t *testing.T) {
	std := appmeshenvoy.Registry{Host: "840364872350.dkr.ecr.us-west-2.amazonaws.com", Account: "840364872350", Region: "us-west-2", Partition: "aws"}
	tests := []struct {
		in   string
		want appmeshenvoy.Registry
	}{
		{"840364872350.dkr.ecr.us-west-2.amazonaws.com", std},
		{"https://840364872350.dkr.ecr.us-west-2.amazonaws.com", std},
		{"HTTPS://840364872350.DKR.ECR.US-WEST-2.AMAZONAWS.COM/", std},
		{"  840364872350.dkr.ecr.us-west-2.amazonaws.com:443/aws-appmesh-envoy:v1.29.6.0-prod ", std},
		{"840364872350.dkr.ecr.us-west-2.amazonaws.com.", std},
		{"840364872350.dkr.ecr-fips.us-west-2.amazonaws.com",
			appmeshenvoy.Registry{Host: "840364872350.dkr.ecr-fips.us-west-2.amazonaws.com", Account: "840364872350", Region: "us-west-2", Partition: "aws", FIPS: true}},
		{"840364872350.dkr-ecr.us-west-2.on.aws",
			appmeshenvoy.Registry{Host: "840364872350.dkr-ecr.us-west-2.on.aws", Account: "840364872350", Region: "us-west-2", Partition: "aws", DualStack: true}},
		{"840364872350.dkr-ecr-fips.us-east-1.on.aws",
			appmeshenvoy.Registry{Host: "840364872350.dkr-ecr-fips.us-east-1.on.aws", Account: "840364872350", Region: "us-east-1", Partition: "aws", DualStack: true, FIPS: true}},
		{"919366029133.dkr.ecr.cn-north-1.amazonaws.com.cn",
			appmeshenvoy.Registry{Host: "919366029133.dkr.ecr.cn-north-1.amazonaws.com.cn", Account: "919366029133", Region: "cn-north-1", Partition: "aws-cn"}},
		{"919830735681.dkr-ecr.cn-northwest-1.on.amazonwebservices.com.cn",
			appmeshenvoy.Registry{Host: "919830735681.dkr-ecr.cn-northwest-1.on.amazonwebservices.com.cn", Account: "919830735681", Region: "cn-northwest-1", Partition: "aws-cn", DualStack: true}},
		{"123456789012.dkr.ecr.us-gov-west-1.amazonaws.com",
			appmeshenvoy.Registry{Host: "123456789012.dkr.ecr.us-gov-west-1.amazonaws.com", Account: "123456789012", Region: "us-gov-west-1", Partition: "aws-us-gov"}},
		{"123456789012.dkr.ecr-fips.us-gov-east-1.amazonaws.com",
			appmeshenvoy.Registry{Host: "123456789012.dkr.ecr-fips.us-gov-east-1.amazonaws.com", Account: "123456789012", Region: "us-gov-east-1", Partition: "aws-us-gov", FIPS: true}},
		{"123456789012.dkr.ecr.us-iso-east-1.c2s.ic.gov",
			appmeshenvoy.Registry{Host: "123456789012.dkr.ecr.us-iso-east-1.c2s.ic.gov", Account: "123456789012", Region: "us-iso-east-1", Partition: "aws-iso"}},
		{"123456789012.dkr.ecr.us-isob-east-1.sc2s.sgov.gov",
			appmeshenvoy.Registry{Host: "123456789012.dkr.ecr.us-isob-east-1.sc2s.sgov.gov", Account: "123456789012", Region: "us-isob-east-1", Partition: "aws-iso-b"}},
		{"123456789012.dkr.ecr.eu-isoe-west-1.cloud.adc-e.uk",
			appmeshenvoy.Registry{Host: "123456789012.dkr.ecr.eu-isoe-west-1.cloud.adc-e.uk", Account: "123456789012", Region: "eu-isoe-west-1", Partition: "aws-iso-e"}},
		{"123456789012.dkr.ecr.us-isof-south-1.csp.hci.ic.gov",
			appmeshenvoy.Registry{Host: "123456789012.dkr.ecr.us-isof-south-1.csp.hci.ic.gov", Account: "123456789012", Region: "us-isof-south-1", Partition: "aws-iso-f"}},
		{"123456789012.dkr.ecr.eusc-de-east-1.amazonaws.eu",
			appmeshenvoy.Registry{Host: "123456789012.dkr.ecr.eusc-de-east-1.amazonaws.eu", Account: "123456789012", Region: "eusc-de-east-1", Partition: "aws-eusc"}},
		{"https://840364872350.dkr-ecr.us-west-2.on.aws:443/v2/",
			appmeshenvoy.Registry{Host: "840364872350.dkr-ecr.us-west-2.on.aws", Account: "840364872350", Region: "us-west-2", Partition: "aws", DualStack: true}},
		{"https://919366029133.dkr-ecr.cn-north-1.on.amazonwebservices.com.cn/aws-appmesh-envoy",
			appmeshenvoy.Registry{Host: "919366029133.dkr-ecr.cn-north-1.on.amazonwebservices.com.cn", Account: "919366029133", Region: "cn-north-1", Partition: "aws-cn", DualStack: true}},
		{"123456789012.dkr-ecr.us-gov-west-1.on.aws",
			appmeshenvoy.Registry{Host: "123456789012.dkr-ecr.us-gov-west-1.on.aws", Account: "123456789012", Region: "us-gov-west-1", Partition: "aws-us-gov", DualStack: true}},
		{"123456789012.dkr-ecr-fips.us-gov-east-1.on.aws",
			appmeshenvoy.Registry{Host: "123456789012.dkr-ecr-fips.us-gov-east-1.on.aws", Account: "123456789012", Region: "us-gov-east-1", Partition: "aws-us-gov", DualStack: true, FIPS: true}},
		{"https://123456789012.dkr.ecr.us-iso-east-1.c2s.ic.gov:443/team/envoy",
			appmeshenvoy.Registry{Host: "123456789012.dkr.ecr.us-iso-east-1.c2s.ic.gov", Account: "123456789012", Region: "us-iso-east-1", Partition: "aws-iso"}},
		{"public.ecr.aws", appmeshenvoy.Registry{Host: "public.ecr.aws", Partition: "aws", Public: true}},
		// The gallery's dual-stack host is the same registry.
		{"https://ecr-public.aws.com/appmesh/aws-appmesh-envoy", appmeshenvoy.Registry{Host: "ecr-public.aws.com", Partition: "aws", Public: true, DualStack: true}},
		// A region launched after the table: any label of letters, digits and hyphens is
		// accepted under a partition's domain, as the ECR credential helper does.
		{"111122223333.dkr.ecr.mx-central-2.amazonaws.com",
			appmeshenvoy.Registry{Host: "111122223333.dkr.ecr.mx-central-2.amazonaws.com", Account: "111122223333", Region: "mx-central-2", Partition: "aws"}},
		{"111122223333.dkr.ecr.xy-newregion-1.amazonaws.com",
			appmeshenvoy.Registry{Host: "111122223333.dkr.ecr.xy-newregion-1.amazonaws.com", Account: "111122223333", Region: "xy-newregion-1", Partition: "aws"}},
		{"111122223333.dkr.ecr.us-gov-south-9.amazonaws.com",
			appmeshenvoy.Registry{Host: "111122223333.dkr.ecr.us-gov-south-9.amazonaws.com", Account: "111122223333", Region: "us-gov-south-9", Partition: "aws-us-gov"}},
		// Both separators with either domain, as the credential helper's pattern
		// (dkr[.-]ecr) accepts; DualStack follows the domain.
		{"111122223333.dkr-ecr.us-west-2.amazonaws.com",
			appmeshenvoy.Registry{Host: "111122223333.dkr-ecr.us-west-2.amazonaws.com", Account: "111122223333", Region: "us-west-2", Partition: "aws"}},
		{"111122223333.dkr.ecr.us-west-2.on.aws",
			appmeshenvoy.Registry{Host: "111122223333.dkr.ecr.us-west-2.on.aws", Account: "111122223333", Region: "us-west-2", Partition: "aws", DualStack: true}},
		{"111122223333.dkr-ecr.cn-north-1.amazonaws.com.cn",
			appmeshenvoy.Registry{Host: "111122223333.dkr-ecr.cn-north-1.amazonaws.com.cn", Account: "111122223333", Region: "cn-north-1", Partition: "aws-cn"}},
		{"111122223333.dkr-ecr.us-iso-east-1.c2s.ic.gov",
			appmeshenvoy.Registry{Host: "111122223333.dkr-ecr.us-iso-east-1.c2s.ic.gov", Account: "111122223333", Region: "us-iso-east-1", Partition: "aws-iso"}},
		{"public.ecr.aws:443", appmeshenvoy.Registry{Host: "public.ecr.aws", Partition: "aws", Public: true}},
		{"https://public.ecr.aws/appmesh/aws-appmesh-envoy", appmeshenvoy.Registry{Host: "public.ecr.aws", Partition: "aws", Public: true}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := appmeshenvoy.ParseRegistryHost(tt.in)
			if err != nil {
				t.Fatalf("ParseRegistryHost(%q): %v", tt.in, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
			if got.String() != tt.want.Host {
				t.Errorf("String() = %q", got.String())
			}
		})
	}
}

func TestParseRegistryHostEveryRegion(t *testing.T) {
	for _, r := range region.All() {
		for _, h := range []string{r.RegistryHost(), r.FIPSRegistryHost(), r.DualStackRegistryHost()} {
			if h == "" {
				continue
			}
			got, err := appmeshenvoy.ParseRegistryHost(h)
			if err != nil {
				t.Errorf("%s: %v", h, err)
				continue
			}
			if got.Account != r.Account || got.Region != r.Code || got.Partition != r.Partition.ID {
				t.Errorf("%s: got %+v", h, got)
			}
		}
	}
}

func TestParseRegistryHostErrors(t *testing.T) {
	tests := map[string]string{
		"":    "empty",
		"   ": "empty",
		"http://840364872350.dkr.ecr.us-west-2.amazonaws.com":       "https",
		"ftp://840364872350.dkr.ecr.us-west-2.amazonaws.com":        "scheme",
		"api.ecr.us-west-2.amazonaws.com":                           "API endpoint",
		"ecr.us-west-2.amazonaws.com":                               "API endpoint",
		"84036487235.dkr.ecr.us-west-2.amazonaws.com":               "12 digits",
		"8403648723501.dkr.ecr.us-west-2.amazonaws.com":             "12 digits",
		"84036487235x.dkr.ecr.us-west-2.amazonaws.com":              "12 digits",
		"840364872350.dkr.ecr.us-west-2.amazonaws.com.evil.example": "ends in a partition's domain",
		"840364872350.dkr.ecr.us-west-2.amazonaws.co":               "not \".amazonaws.co\"",
		"840364872350.dkr.ecr.us-west-2.amazonaws.com.cn":           "partition aws",
		"919366029133.dkr.ecr.cn-north-1.amazonaws.com":             "partition aws-cn",
		"840364872350.dkr.ecr.amazonaws.com":                        "not \".com\"",
		"840364872350.dkr.ecr-fips.cn-north-1.amazonaws.com.cn":     "FIPS",
		"840364872350.dkr.ecr.us-west-2.amazonaws.com:0":            "port",
		"840364872350.dkr.ecr.us-west-2.amazonaws.com:70000":        "port",
		"840364872350.dkr.ecr.us-west-2.amazonaws.com:":             "port",
		"user@840364872350.dkr.ecr.us-west-2.amazonaws.com":         "user",
		"docker.io":                   "want",
		"ecr.aws":                     "want",
		"public.ecr.aws.evil.example": "want",
		"840364872350.dkr.ecr.us_west_2.amazonaws.com":             "region",
		strings.Repeat("a", 600):                                   "longer",
		"https://":                                                 "no host",
		"https:///aws-appmesh-envoy":                               "no host",
		"HTTP://840364872350.dkr.ecr.us-west-2.amazonaws.com":      "https",
		"http://public.ecr.aws/appmesh/aws-appmesh-envoy":          "https",
		"api.ecr.cn-north-1.amazonaws.com.cn":                      "API endpoint",
		"api.ecr-fips.us-east-1.amazonaws.com":                     "API endpoint",
		"https://api.ecr.us-west-2.amazonaws.com/":                 "API endpoint",
		"840364872350.dkr.ecr.us-west-2.amazonaws.com.evil.com":    "not \".amazonaws.com.evil.com\"",
		"840364872350.dkr.ecr.us-west-2.amazonaws.com.cn.attacker": "ends in a partition's domain",
		"dkr.ecr.us-west-2.amazonaws.com.cn.attacker":              "12 digits",
		"840364872350.dkr.ecr.us-west-2.amazonaws.com-evil.com":    "ends in a partition's domain",
		"840364872350.dkr.ecr.us-west-2.evilamazonaws.com":         "ends in a partition's domain",
		"840364872350.dkr-ecr.us-west-2.on.aws.evil.com":           "ends in a partition's domain",
		"840364872350.dkr-ecr.cn-north-1.on.aws":                   "partition aws-cn",
		"840364872350.dkr.ecr.us-iso-east-1.amazonaws.com":         "partition aws-iso,",
		"840364872350.dkr.ecr.us-east-1.c2s.ic.gov":                "partition aws,",
		"840364872350.dkr.ecr.us-isob-east-1.c2s.ic.gov":           "partition aws-iso-b",
		"840364872350.dkr.ecr.eusc-de-east-1.amazonaws.com":        "partition aws-eusc",
		"840364872350.dkr.ecr.eu-west-1.amazonaws.eu":              "partition aws,",
		"840364872350.dkr.ecr.us-west-2.amazonaws.com:443:443":     "port",
		"840364872350.dkr.ecr.us-west-2.amazonaws.com?x=1":         "query",
		"-84036487235.dkr.ecr.us-west-2.amazonaws.com":             "12 digits",
		"public.ecr.aws.cn":                                        "want",
		"ecr.public.aws":                                           "API endpoint",
	}
	for in, wantSub := range tests {
		t.Run(in, func(t *testing.T) {
			_, err := appmeshenvoy.ParseRegistryHost(in)
			if !errors.Is(err, appmeshenvoy.ErrInvalidRegistryHost) {
				t.Fatalf("ParseRegistryHost(%q) error = %v, want ErrInvalidRegistryHost", in, err)
			}
			if !strings.Contains(err.Error(), wantSub) {
				t.Errorf("error %q does not mention %q", err, wantSub)
			}
		})
	}
}

func FuzzParseRegistryHost(f *testing.F) {
	for _, s := range []string{
		"840364872350.dkr.ecr.us-west-2.amazonaws.com", "https://840364872350.dkr.ecr-fips.us-east-1.amazonaws.com/x",
		"840364872350.dkr-ecr.us-west-2.on.aws:443", "919366029133.dkr.ecr.cn-north-1.amazonaws.com.cn",
		"public.ecr.aws", "api.ecr.us-west-2.amazonaws.com", "http://x", "123456789012.dkr.ecr.eusc-de-east-1.amazonaws.eu",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := appmeshenvoy.ParseRegistryHost(s)
		if err != nil {
			if !errors.Is(err, appmeshenvoy.ErrInvalidRegistryHost) {
				t.Fatalf("error %v does not match ErrInvalidRegistryHost", err)
			}
			return
		}
		again, err := appmeshenvoy.ParseRegistryHost(r.String())
		if err != nil {
			t.Fatalf("String() %q does not reparse: %v", r.String(), err)
		}
		if again != r {
			t.Fatalf("round trip %q: %+v != %+v", s, again, r)
		}
	})
}
