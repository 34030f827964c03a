package appmeshenvoy_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/appmeshenvoytest"
	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

// Wire tests of the Resolver: the real SDK clients against the local AWS endpoint of
// package appmeshenvoytest (SigV4, JSON 1.1, retries and error codes for real).

func epServer(t *testing.T) *appmeshenvoytest.Server {
	t.Helper()
	srv := appmeshenvoytest.NewServer()
	t.Cleanup(srv.Close)
	return srv
}

// epFastRetries keeps the SDK's retries but with short backoffs.
func epFastRetries(o *appmeshenvoy.ResolverOptions) { o.RetryMaxBackoff = 20 * time.Millisecond }

func TestEndpointLatestAllRegions(t *testing.T) {
	srv := epServer(t)
	ctx := context.Background()
	for _, home := range []string{"us-west-2", "cn-north-1"} {
		t.Run(home, func(t *testing.T) {
			srv.ResetCounts()
			p, _ := region.PartitionOf(home)
			want, err := region.InPartition(p.ID)
			if err != nil {
				t.Fatal(err)
			}
			res := appmeshenvoy.NewResolver(srv.Config(home))
			results, err := res.LatestAll(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(results) != len(want) {
				t.Fatalf("%d results, want %d", len(results), len(want))
			}
			byRegion := map[string]appmeshenvoy.Result{}
			for _, r := range results {
				byRegion[r.Region] = r
			}
			for _, r := range want {
				got, ok := byRegion[r.Code]
				if !ok || got.Err != nil {
					t.Errorf("%s: %+v", r.Code, got)
					continue
				}
				if s := got.Image.String(); s != r.RepositoryURI()+":"+appmeshenvoytest.DefaultTag {
					t.Errorf("%s: image %s", r.Code, s)
				}
			}
			if got := srv.Requests("ssm:GetParameter", "*"); got != len(want) {
				t.Errorf("requests = %d, want one per region (%d)", got, len(want))
			}
			// The second pass is served from the cache.
			if _, err := res.LatestAll(ctx, nil); err != nil {
				t.Fatal(err)
			}
			if _, err := res.Latest(ctx, home); err != nil {
				t.Fatal(err)
			}
			if got := srv.Requests("ssm:GetParameter", "*"); got != len(want) {
				t.Errorf("requests after cached calls = %d, want %d", got, len(want))
			}
		})
	}
}

func TestEndpointRetriesThrottling(t *testing.T) {
	srv := epServer(t)
	srv.FailNext("ssm:GetParameter", "eu-west-1", 2, appmeshenvoytest.Throttling("ssm:GetParameter"))
	srv.FailNext("ssm:GetParameter", "ap-northeast-1", 2, appmeshenvoytest.InternalError("ssm:GetParameter"))
	res := appmeshenvoy.NewResolver(srv.Config("us-west-2"), epFastRetries)
	for _, code := range []string{"eu-west-1", "ap-northeast-1"} {
		img, err := res.Latest(context.Background(), code)
		if err != nil {
			t.Fatalf("%s: %v", code, err)
		}
		if img.Region != code || img.Tag != appmeshenvoytest.DefaultTag {
			t.Errorf("%s: image %+v", code, img)
		}
		if got := srv.Requests("ssm:GetParameter", code); got != 3 {
			t.Errorf("%s: requests = %d, want 3 (2 failures, 1 success)", code, got)
		}
	}
}

func TestEndpointTypedErrors(t *testing.T) {
	srv := epServer(t)
	srv.DeleteParameter("us-east-2")
	srv.SetRegionEnabled("af-south-1", false)
	srv.FailNext("ssm:GetParameter", "sa-east-1", 1, appmeshenvoytest.AccessDenied("ssm:GetParameter"))
	srv.SetParameter("eu-north-1", "111122223333.dkr.ecr.eu-north-1.amazonaws.com/aws-appmesh-envoy:"+appmeshenvoytest.DefaultTag)
	res := appmeshenvoy.NewResolver(srv.Config("us-west-2"), epFastRetries)
	tests := []struct {
		region string
		want   error
	}{
		{"us-east-2", appmeshenvoy.ErrParameterNotFound},
		{"af-south-1", appmeshenvoy.ErrRegionNotEnabled},
		{"sa-east-1", appmeshenvoy.ErrAccessDenied},
		{"eu-north-1", appmeshenvoy.ErrUntrustedImage},
	}
	for _, tt := range tests {
		t.Run(tt.region, func(t *testing.T) {
			_, err := res.Latest(context.Background(), tt.region)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			var re *appmeshenvoy.RegionError
			if !errors.As(err, &re) || re.Region != tt.region || !strings.Contains(err.Error(), tt.region) {
				t.Errorf("error does not name the region: %v", err)
			}
		})
	}
	// The same through LatestAll: per-region errors, the other regions succeed.
	results, err := res.LatestAll(context.Background(), []string{"us-east-2", "af-south-1", "us-west-2"})
	if err != nil {
		t.Fatal(err)
	}
	if !errors.Is(results[0].Err, appmeshenvoy.ErrParameterNotFound) || !errors.Is(results[1].Err, appmeshenvoy.ErrRegionNotEnabled) || results[2].Err != nil {
		t.Errorf("results = %+v", results)
	}
}

func TestEndpointInvalidCredentials(t *testing.T) {
	srv := epServer(t)
	tests := []struct{ name, key, secret string }{
		{"wrong secret", appmeshenvoytest.AccessKeyID, "not-the-secret"},
		{"unknown key", "AKIDNOTKNOWN", appmeshenvoytest.SecretAccessKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := srv.Config("us-west-2")
			cfg.Credentials = credentials.NewStaticCredentialsProvider(tt.key, tt.secret, "")
			results, err := appmeshenvoy.NewResolver(cfg, epFastRetries).LatestAll(context.Background(), nil)
			if !errors.Is(err, appmeshenvoy.ErrInvalidCredentials) {
				t.Fatalf("err = %v, want one ErrInvalidCredentials for every region", err)
			}
			if strings.Contains(err.Error(), tt.secret) {
				t.Error("the error contains the secret access key")
			}
			for _, r := range results {
				if r.Err == nil {
					t.Errorf("%s succeeded with bad credentials", r.Region)
				}
			}
		})
	}
}

func TestEndpointPin(t *testing.T) {
	srv := epServer(t)
	res := appmeshenvoy.NewResolver(srv.Config("eu-south-1"), epFastRetries)
	img, err := res.Latest(context.Background(), "eu-south-1")
	if err != nil {
		t.Fatal(err)
	}
	pinned, err := res.Pin(context.Background(), img)
	if err != nil {
		t.Fatal(err)
	}
	_, _, digest := srv.Manifest()
	if pinned.Digest != digest || pinned.Tag != img.Tag || pinned.Registry != img.Registry {
		t.Errorf("pinned = %+v, want digest %s", pinned, digest)
	}
	if got := srv.Requests("ecr:BatchGetImage", "eu-south-1"); got != 1 {
		t.Errorf("BatchGetImage requests = %d, want 1", got)
	}
}
