package appmeshenvoy

import (
	"context"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
)

// TestTokenFIPSEndpoint checks the endpoint the SDK resolves from the default client's
// options. FIPS cannot be combined with a custom endpoint, so no request is sent.
func TestTokenFIPSEndpoint(t *testing.T) {
	tests := []struct {
		region   string
		fips     bool
		base     *string
		wantURL  string
		wantFIPS bool
	}{
		{"us-west-2", true, nil, "https://api.ecr-fips.us-west-2.amazonaws.com", true},
		{"us-east-1", true, nil, "https://api.ecr-fips.us-east-1.amazonaws.com", true},
		{"us-gov-west-1", true, nil, "https://api.ecr-fips.us-gov-west-1.amazonaws.com", true},
		{"eu-west-1", true, nil, "https://api.ecr.eu-west-1.amazonaws.com", false},
		// A FIPS image is published in ca-central-1, but ECR has no FIPS endpoint there.
		{"ca-central-1", true, nil, "https://api.ecr.ca-central-1.amazonaws.com", false},
		{"us-west-2", false, nil, "https://api.ecr.us-west-2.amazonaws.com", false},
		{"us-west-2", true, aws.String("http://127.0.0.1:4566"), "http://127.0.0.1:4566", false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s fips=%v base=%v", tt.region, tt.fips, tt.base != nil), func(t *testing.T) {
			p := NewTokenProvider(aws.Config{BaseEndpoint: tt.base}, func(o *TokenOptions) { o.FIPS = tt.fips })
			var o ecr.Options
			o.BaseEndpoint = tt.base
			for _, fn := range p.ecrOptions(tt.region) {
				fn(&o)
			}
			gotFIPS := o.EndpointOptions.UseFIPSEndpoint == aws.FIPSEndpointStateEnabled
			if gotFIPS != tt.wantFIPS {
				t.Errorf("UseFIPSEndpoint enabled = %v, want %v", gotFIPS, tt.wantFIPS)
			}
			ep, err := ecr.NewDefaultEndpointResolverV2().ResolveEndpoint(context.Background(), ecr.EndpointParameters{
				Region: aws.String(o.Region), UseFIPS: aws.Bool(gotFIPS), Endpoint: o.BaseEndpoint,
			})
			if err != nil {
				t.Fatal(err)
			}
			if got := ep.URI.String(); got != tt.wantURL {
				t.Errorf("resolved %s, want %s", got, tt.wantURL)
			}
			if o.Retryer == nil || o.Retryer.MaxAttempts() != DefaultRetryMaxAttempts {
				t.Errorf("retryer max attempts is not %d", DefaultRetryMaxAttempts)
			}
		})
	}
}
