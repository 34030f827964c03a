package appmeshenvoy_test

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/smithy-go"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/appmeshenvoytest"
	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

// Wire tests of the Resolver: the real SDK clients against the local AWS endpoint of
// package appmeshenvoytest (SigV4-verified, the real JSON 1.1 protocol, AWS's error
// codes and HTTP statuses), so signing, serialization, the SDK's retryer and error
// decoding all run for real. Request counts come from the server.

const (
	wireOpSSM = "ssm:GetParameter"
	wireOpECR = "ecr:BatchGetImage"
)

func wireServer(t *testing.T) *appmeshenvoytest.Server {
	t.Helper()
	srv := appmeshenvoytest.NewServer()
	t.Cleanup(srv.Close)
	return srv
}

// wireFastRetries keeps the SDK's standard retryer and the default number of attempts,
// with short backoffs so that tests which exhaust the attempts stay quick.
func wireFastRetries(o *appmeshenvoy.ResolverOptions) { o.RetryMaxBackoff = 5 * time.Millisecond }

func TestWireLatestAllRegions(t *testing.T) {
	srv := wireServer(t)
	ctx := context.Background()
	for _, home := range []string{"", "us-west-2", "cn-north-1"} {
		t.Run("home "+home, func(t *testing.T) {
			srv.ResetCounts()
			partition := "aws"
			if home != "" {
				p, _ := region.PartitionOf(home)
				partition = p.ID
			}
			want, err := region.InPartition(partition)
			if err != nil {
				t.Fatal(err)
			}
			cfg := srv.Config(home)
			res := appmeshenvoy.NewResolver(cfg)
			codes := region.Codes(want)
			results, err := res.LatestAll(ctx, codes)
			if err != nil {
				t.Fatal(err)
			}
			if len(results) != len(want) {
				t.Fatalf("%d results, want %d (every region of partition %s)", len(results), len(want), partition)
			}
			for i, r := range want {
				got := results[i]
				if got.Region != r.Code || got.Err != nil {
					t.Errorf("result %d: %+v, want %s without error (table order)", i, got, r.Code)
					continue
				}
				if s := got.Image.String(); s != r.RepositoryURI()+":"+appmeshenvoytest.DefaultTag {
					t.Errorf("%s: image %s", r.Code, s)
				}
				if n := srv.Requests(wireOpSSM, r.Code); n != 1 {
					t.Errorf("%s: %d GetParameter requests, want 1", r.Code, n)
				}
			}
			// A second pass, and Latest of one region, are served from the cache.
			if _, err := res.LatestAll(ctx, codes); err != nil {
				t.Fatal(err)
			}
			if _, err := res.Latest(ctx, want[0].Code); err != nil {
				t.Fatal(err)
			}
			if got := srv.Requests(wireOpSSM, "*"); got != len(want) {
				t.Errorf("requests after cached calls = %d, want %d", got, len(want))
			}
			if refusals := srv.Refusals(); len(refusals) != 0 {
				t.Errorf("the server refused requests: %q", refusals)
			}
		})
	}
}

// TestWireRetriesRecover: throttling (400 ThrottlingException) and server errors (500
// InternalServerError) are retried by the SDK's retryer until an attempt succeeds.
func TestWireRetriesRecover(t *testing.T) {
	tests := []struct {
		region   string
		failures int
		fault    appmeshenvoytest.AWSError
	}{
		{"eu-west-1", 2, appmeshenvoytest.Throttling(wireOpSSM)},
		{"ap-northeast-1", 2, appmeshenvoytest.InternalError(wireOpSSM)},
		{"us-east-2", appmeshenvoy.DefaultRetryMaxAttempts - 1, appmeshenvoytest.Throttling(wireOpSSM)},
		{"eu-central-1", appmeshenvoy.DefaultRetryMaxAttempts - 1, appmeshenvoytest.InternalError(wireOpSSM)},
	}
	srv := wireServer(t)
	res := appmeshenvoy.NewResolver(srv.Config("us-west-2"), wireFastRetries)
	for _, tt := range tests {
		t.Run(tt.region+" "+tt.fault.Code, func(t *testing.T) {
			srv.FailNext(wireOpSSM, tt.region, tt.failures, tt.fault)
			img, err := res.Latest(context.Background(), tt.region)
			if err != nil {
				t.Fatal(err)
			}
			if img.Region() != tt.region || img.Tag != appmeshenvoytest.DefaultTag {
				t.Errorf("image %+v", img)
			}
			if got, want := srv.Requests(wireOpSSM, tt.region), tt.failures+1; got != want {
				t.Errorf("requests = %d, want %d (%d failures, 1 success)", got, want, tt.failures)
			}
		})
	}
}

// TestWireRetriesDefaultSettings runs with the library's default retry settings (8
// attempts, default backoff) against a 40 % per-attempt failure rate in every region,
// half of them throttling (400) and half server errors (500). With 8 attempts a region
// succeeds with probability 1-0.4^8 > 99.9 %; the failure sequences are seeded per
// region, so the run is the same every time.
func TestWireRetriesDefaultSettings(t *testing.T) {
	srv := wireServer(t)
	regs := rsInPartition(t, "aws")
	for i, r := range regs {
		fault := appmeshenvoytest.Throttling(wireOpSSM)
		if i%2 == 1 {
			fault = appmeshenvoytest.InternalError(wireOpSSM)
		}
		srv.SetFailureRate(wireOpSSM, r.Code, 0.4, fault, int64(i+1))
	}
	res := appmeshenvoy.NewResolver(srv.Config("us-west-2")) // defaults only
	results, err := res.LatestAll(context.Background(), awsRegionCodes())
	if err != nil {
		t.Fatal(err)
	}
	failed := 0
	for _, r := range results {
		if r.Err != nil {
			t.Errorf("%s: %v", r.Region, r.Err)
		}
		n := srv.Requests(wireOpSSM, r.Region)
		if n < 1 || n > appmeshenvoy.DefaultRetryMaxAttempts {
			t.Errorf("%s: %d requests, want 1 to %d", r.Region, n, appmeshenvoy.DefaultRetryMaxAttempts)
		}
		failed += n - 1
	}
	if failed == 0 {
		t.Error("no request failed: the fault injection did not take effect")
	}
	t.Logf("%d regions, %d failed attempts retried", len(results), failed)
}

// TestDefaultRetriesSurviveFortyPercent checks the documented claim behind
// DefaultRetryMaxAttempts: with a 40 % failure rate per attempt, a call fails only when
// every attempt fails, 0.4^attempts, which must stay below 0.1 %.
func TestDefaultRetriesSurviveFortyPercent(t *testing.T) {
	if p := 1 - math.Pow(0.4, appmeshenvoy.DefaultRetryMaxAttempts); p <= 0.999 {
		t.Errorf("P(success) with %d attempts = %.5f, want > 0.999", appmeshenvoy.DefaultRetryMaxAttempts, p)
	}
	appmeshenvoy.NewResolver(aws.Config{}, func(o *appmeshenvoy.ResolverOptions) {
		if o.RetryMaxAttempts != appmeshenvoy.DefaultRetryMaxAttempts {
			t.Errorf("default RetryMaxAttempts = %d, want %d", o.RetryMaxAttempts, appmeshenvoy.DefaultRetryMaxAttempts)
		}
	})
}

// TestWireRetriesGiveUp: when throttling (or a server error) never stops, the resolver
// makes exactly the default number of attempts and returns a typed error.
func TestWireRetriesGiveUp(t *testing.T) {
	tests := []struct {
		name   string
		fault  appmeshenvoytest.AWSError
		want   error
		detail string
	}{
		{"throttling", appmeshenvoytest.Throttling(wireOpSSM), appmeshenvoy.ErrThrottled, "throttled ssm:GetParameter on all 8 attempts"},
		{"server error", appmeshenvoytest.InternalError(wireOpSSM), nil, "server error (HTTP 500) on all 8 attempts"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := wireServer(t)
			srv.SetFailureRate(wireOpSSM, "eu-west-1", 1, tt.fault, 1)
			res := appmeshenvoy.NewResolver(srv.Config("us-west-2"), wireFastRetries)
			_, err := res.Latest(context.Background(), "eu-west-1")
			if err == nil {
				t.Fatal("no error")
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("error = %v, want %v", err, tt.want)
			}
			if !strings.HasPrefix(err.Error(), "resolve eu-west-1: ") || !strings.Contains(err.Error(), tt.detail) {
				t.Errorf("error %q: want the region and %q", err, tt.detail)
			}
			var ae smithy.APIError
			if !errors.As(err, &ae) || ae.ErrorCode() != tt.fault.Code {
				t.Errorf("AWS's error %s is not reachable with errors.As: %v", tt.fault.Code, err)
			}
			if n := srv.Requests(wireOpSSM, "eu-west-1"); n != appmeshenvoy.DefaultRetryMaxAttempts {
				t.Errorf("%d requests, want exactly %d", n, appmeshenvoy.DefaultRetryMaxAttempts)
			}
			// A failure is not cached: the next call asks again.
			srv.ClearFaults()
			if _, err := res.Latest(context.Background(), "eu-west-1"); err != nil {
				t.Errorf("after the faults ended: %v", err)
			}
		})
	}
}

// TestWireSSMOptionsOverride: ResolverOptions.SSMOptions run after the resolver's own
// client settings, so they can change the number of attempts.
func TestWireSSMOptionsOverride(t *testing.T) {
	srv := wireServer(t)
	srv.SetFailureRate(wireOpSSM, "eu-west-1", 1, appmeshenvoytest.Throttling(wireOpSSM), 1)
	res := appmeshenvoy.NewResolver(srv.Config("us-west-2"), wireFastRetries, func(o *appmeshenvoy.ResolverOptions) {
		o.SSMOptions = append(o.SSMOptions, func(o *ssm.Options) { o.RetryMaxAttempts = 2 })
	})
	_, err := res.Latest(context.Background(), "eu-west-1")
	if !errors.Is(err, appmeshenvoy.ErrThrottled) {
		t.Fatalf("error = %v", err)
	}
	if !strings.Contains(err.Error(), "all 2 attempts") {
		t.Errorf("error %q does not report the 2 attempts made", err)
	}
	if n := srv.Requests(wireOpSSM, "eu-west-1"); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
}

func TestWireTypedErrors(t *testing.T) {
	srv := wireServer(t)
	srv.DeleteParameter("us-east-2")
	srv.SetRegionEnabled("af-south-1", false)
	srv.FailNext(wireOpSSM, "sa-east-1", 1, appmeshenvoytest.AccessDenied(wireOpSSM))
	srv.FailNext(wireOpSSM, "eu-west-3", 1, appmeshenvoytest.ExpiredToken(wireOpSSM))
	srv.FailNext(wireOpSSM, "ap-south-1", 1, appmeshenvoytest.UnrecognizedClient(wireOpSSM))
	srv.SetParameter("eu-north-1", "111122223333.dkr.ecr.eu-north-1.amazonaws.com/aws-appmesh-envoy:"+appmeshenvoytest.DefaultTag)
	srv.SetParameter("ap-northeast-3", region.LegacyAccount+".dkr.ecr.ap-northeast-3.amazonaws.com/aws-appmesh-envoy:v1.9.0.0-prod")
	srv.SetParameter("ca-central-1", "840364872350.dkr.ecr.us-east-1.amazonaws.com/aws-appmesh-envoy:"+appmeshenvoytest.DefaultTag)
	res := appmeshenvoy.NewResolver(srv.Config("us-west-2"), wireFastRetries)
	tests := []struct {
		region  string
		want    error
		wantSub string
		fromAWS bool // AWS answered, so its error is reachable with errors.As
	}{
		{"us-east-2", appmeshenvoy.ErrParameterNotFound, "pin a version or use a mirror", true},
		{"af-south-1", appmeshenvoy.ErrRegionNotEnabled, "enable the region", true},
		{"sa-east-1", appmeshenvoy.ErrAccessDenied, "ssm:GetParameter on arn:aws:ssm:sa-east-1::parameter/aws/service/appmesh/envoy", true},
		{"eu-west-3", appmeshenvoy.ErrInvalidCredentials, "expired", true},
		{"ap-south-1", appmeshenvoy.ErrInvalidCredentials, "access key", true},
		{"eu-north-1", appmeshenvoy.ErrUntrustedImage, "TrustParameterAccount", false},
		{"ap-northeast-3", appmeshenvoy.ErrLegacyAccount, "retired", false},
		{"ca-central-1", appmeshenvoy.ErrUntrustedImage, "us-east-1, not ca-central-1", false},
		{"ap-east-2", region.ErrUnsupported, "no endpoint", false},
	}
	for _, tt := range tests {
		t.Run(tt.region, func(t *testing.T) {
			img, err := res.Latest(context.Background(), tt.region)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if img != (appmeshenvoy.Image{}) {
				t.Errorf("an error came with an image: %+v", img)
			}
			var re *appmeshenvoy.RegionError
			if !errors.As(err, &re) || re.Region != tt.region || !strings.HasPrefix(err.Error(), "resolve "+tt.region+": ") {
				t.Errorf("error does not name the region: %v", err)
			}
			if !strings.Contains(err.Error(), tt.wantSub) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q: want one line containing %q", err, tt.wantSub)
			}
			var ae smithy.APIError
			if errors.As(err, &ae) != tt.fromAWS {
				t.Errorf("errors.As(smithy.APIError) = %v, want %v", !tt.fromAWS, tt.fromAWS)
			}
		})
	}
	// The same through LatestAll: per-region errors, in order; the other regions succeed.
	results, err := res.LatestAll(context.Background(), []string{"us-east-2", "af-south-1", "us-west-2", "ap-east-2"})
	if err != nil {
		t.Fatal(err)
	}
	if !errors.Is(results[0].Err, appmeshenvoy.ErrParameterNotFound) || !errors.Is(results[1].Err, appmeshenvoy.ErrRegionNotEnabled) ||
		results[2].Err != nil || !errors.Is(results[3].Err, region.ErrUnsupported) {
		t.Errorf("results = %+v", results)
	}
}

// TestWireInvalidCredentials: credentials every region rejects are one error from
// LatestAll, not one per region, and the secret never shows.
func TestWireInvalidCredentials(t *testing.T) {
	srv := wireServer(t)
	tests := []struct{ name, key, secret string }{
		{"wrong secret", appmeshenvoytest.AccessKeyID, "not-the-secret-value-0123456789"},
		{"unknown key", "AKIDNOTKNOWN", appmeshenvoytest.SecretAccessKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv.ResetCounts()
			cfg := srv.Config("us-west-2")
			cfg.Credentials = credentials.NewStaticCredentialsProvider(tt.key, tt.secret, "")
			results, err := appmeshenvoy.NewResolver(cfg, wireFastRetries).LatestAll(context.Background(), awsRegionCodes())
			if !errors.Is(err, appmeshenvoy.ErrInvalidCredentials) || results != nil {
				t.Fatalf("LatestAll = %d results, %v; want one ErrInvalidCredentials for every region", len(results), err)
			}
			if strings.Contains(err.Error(), tt.secret) {
				t.Error("the error contains the secret access key")
			}
			// Rejected credentials are not retried.
			if regs := rsInPartition(t, "aws"); srv.Requests(wireOpSSM, "*") != len(regs) {
				t.Errorf("%d requests for %d regions", srv.Requests(wireOpSSM, "*"), len(regs))
			}
		})
	}
}

func TestWirePin(t *testing.T) {
	srv := wireServer(t)
	res := appmeshenvoy.NewResolver(srv.Config("eu-south-1"), wireFastRetries)
	ctx := context.Background()
	img, err := res.Latest(ctx, "eu-south-1")
	if err != nil {
		t.Fatal(err)
	}
	_, _, digest := srv.Manifest()
	for i := 0; i < 2; i++ { // the second Pin is served from the cache
		pinned, err := res.Pin(ctx, img)
		if err != nil {
			t.Fatal(err)
		}
		want := img
		want.Digest = digest
		if pinned != want {
			t.Errorf("pinned = %+v, want %+v", pinned, want)
		}
	}
	if got := srv.Requests(wireOpECR, "eu-south-1"); got != 1 {
		t.Errorf("BatchGetImage requests = %d, want 1", got)
	}
	// Pin verifies a digest the caller already has.
	stale := img
	stale.Digest = rsDigestOf("another manifest")
	if _, err := res.Pin(ctx, stale); !errors.Is(err, appmeshenvoy.ErrDigestMismatch) {
		t.Errorf("stale digest: %v", err)
	}

	// Retries and typed errors over the wire.
	us, err := res.Latest(ctx, "us-west-2")
	if err != nil {
		t.Fatal(err)
	}
	srv.FailNext(wireOpECR, "us-west-2", 3, appmeshenvoytest.Throttling(wireOpECR))
	if _, err := res.Pin(ctx, us); err != nil {
		t.Errorf("Pin after 3 throttled attempts: %v", err)
	}
	if got := srv.Requests(wireOpECR, "us-west-2"); got != 4 {
		t.Errorf("BatchGetImage requests = %d, want 4", got)
	}
	res.Invalidate("us-west-2")
	srv.FailNext(wireOpECR, "us-west-2", 1, appmeshenvoytest.AccessDenied(wireOpECR))
	_, err = res.Pin(ctx, us)
	if !errors.Is(err, appmeshenvoy.ErrAccessDenied) ||
		!strings.HasPrefix(err.Error(), "pin us-west-2: ") ||
		!strings.Contains(err.Error(), "ecr:BatchGetImage on arn:aws:ecr:us-west-2:840364872350:repository/aws-appmesh-envoy") {
		t.Errorf("access denied: %v", err)
	}
	missing := us
	missing.Tag = "v1.1.0.0-prod"
	if _, err := res.Pin(ctx, missing); !errors.Is(err, appmeshenvoy.ErrImageNotFound) {
		t.Errorf("unknown tag: %v", err)
	}
}

func TestWireCheck(t *testing.T) {
	srv := wireServer(t)
	res := appmeshenvoy.NewResolver(srv.Config("us-west-2"), wireFastRetries)
	ctx := context.Background()
	tests := []struct {
		ref    string
		status appmeshenvoy.DriftStatus
	}{
		{"840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.16.1.0-prod", appmeshenvoy.DriftBelowMinimum},
		{"840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:" + appmeshenvoytest.DefaultTag, appmeshenvoy.DriftUpToDate},
		{"840364872350.dkr.ecr.eu-west-1.amazonaws.com/aws-appmesh-envoy:v1.27.3.0-prod", appmeshenvoy.DriftOlder},
		{region.LegacyAccount + ".dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.9.0.0-prod", appmeshenvoy.DriftLegacyAccount},
	}
	for _, tt := range tests {
		d, err := res.Check(ctx, tt.ref)
		if err != nil {
			t.Errorf("Check(%s): %v", tt.ref, err)
			continue
		}
		if d.Status != tt.status || d.Latest.Tag != appmeshenvoytest.DefaultTag {
			t.Errorf("Check(%s) = %v (latest %s), want %v", tt.ref, d.Status, d.Latest.Tag, tt.status)
		}
	}
	if got := srv.Requests(wireOpSSM, "*"); got != 2 {
		t.Errorf("%d GetParameter requests for 2 regions", got)
	}
	// A digest-only reference: the latest's digest is up to date, another digest has no
	// version to compare.
	_, _, digest := srv.Manifest()
	repo := "840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy@"
	if d, err := res.Check(ctx, repo+digest); err != nil || d.Status != appmeshenvoy.DriftUpToDate || d.Deployed.Tag != appmeshenvoytest.DefaultTag {
		t.Errorf("Check(latest digest) = %v (deployed %v), %v; want up to date", d.Status, d.Deployed, err)
	}
	other := "sha256:" + strings.Repeat("ab", 32)
	if d, err := res.Check(ctx, repo+other); err != nil || d.Status != appmeshenvoy.DriftUnknownVersion {
		t.Errorf("Check(other digest) = %v, %v; want unknown version", d.Status, err)
	}
	for _, ref := range []string{"public.ecr.aws/appmesh/aws-appmesh-envoy:v1.29.6.0-prod", "not a ref"} {
		if _, err := res.Check(ctx, ref); !errors.Is(err, appmeshenvoy.ErrInvalidImage) {
			t.Errorf("Check(%q): %v", ref, err)
		}
	}
}

// TestWireConfigForRegionOtherRegion: a per-region config that carries another region
// (as config.LoadDefaultConfig with a profile does) still reads the parameter of the
// region asked for.
func TestWireConfigForRegionOtherRegion(t *testing.T) {
	srv := wireServer(t)
	res := appmeshenvoy.NewResolver(aws.Config{}, func(o *appmeshenvoy.ResolverOptions) {
		o.ConfigForRegion = func(context.Context, string) (aws.Config, error) {
			return srv.Config("us-east-1"), nil // the profile's region
		}
	})
	img, err := res.Latest(context.Background(), "eu-west-1")
	if err != nil {
		t.Fatalf("Latest(eu-west-1): %v", err)
	}
	if img.Region() != "eu-west-1" || srv.Requests(wireOpSSM, "eu-west-1") != 1 || srv.Requests(wireOpSSM, "us-east-1") != 0 {
		t.Errorf("image %s after %d requests in eu-west-1 and %d in us-east-1; want eu-west-1's, read there",
			img, srv.Requests(wireOpSSM, "eu-west-1"), srv.Requests(wireOpSSM, "us-east-1"))
	}
}
