package appmeshenvoy_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

func TestLatest(t *testing.T) {
	s := &rsSSM{fn: rsValue("v1.29.6.0-prod")}
	r := newMockResolver(s, nil)
	got, err := r.Latest(context.Background(), " US-West-2 ")
	if err != nil {
		t.Fatal(err)
	}
	want := appmeshenvoy.Image{Registry: "840364872350.dkr.ecr.us-west-2.amazonaws.com", Repository: "aws-appmesh-envoy", Tag: "v1.29.6.0-prod"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Latest mismatch (-want +got):\n%s", diff)
	}
}

func TestLatestAsksForTheParameter(t *testing.T) {
	var name string
	s := &rsSSM{fn: func(_ context.Context, code string, in *ssm.GetParameterInput) (*ssm.GetParameterOutput, error) {
		name = aws.ToString(in.Name)
		return rsValue("v1.29.6.0-prod")(nil, code, in)
	}}
	if _, err := newMockResolver(s, nil).Latest(context.Background(), "eu-west-1"); err != nil {
		t.Fatal(err)
	}
	if name != region.ParameterName {
		t.Errorf("asked for %q", name)
	}
}

// TestLatestVerification feeds parameter values to the trust model (see the package documentation).
func TestLatestVerification(t *testing.T) {
	const good = "840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.29.6.0-prod"
	tests := []struct {
		name, value string
		trust       bool
		wantErr     error
		wantSub     string
		wantWarning bool
	}{
		{name: "good", value: good},
		// A pull by tag@digest uses only the digest: a tampered value could select any
		// image of the repository while the tag says "newest".
		{name: "tag and digest", value: good + "@" + rsDigest, wantErr: appmeshenvoy.ErrUntrustedImage, wantSub: "digest as well as a tag"},
		{name: "empty", value: "", wantErr: appmeshenvoy.ErrUntrustedImage, wantSub: "empty"},
		{name: "huge", value: good + strings.Repeat("0", 5000), wantErr: appmeshenvoy.ErrUntrustedImage, wantSub: "longer"},
		{name: "not utf-8", value: good + "\xff", wantErr: appmeshenvoy.ErrUntrustedImage, wantSub: "UTF-8"},
		{name: "http url", value: "http://" + good, wantErr: appmeshenvoy.ErrUntrustedImage, wantSub: "scheme"},
		{name: "https url", value: "https://" + good, wantErr: appmeshenvoy.ErrUntrustedImage, wantSub: "scheme"},
		{name: "not an image", value: "hello world", wantErr: appmeshenvoy.ErrUntrustedImage, wantSub: "not an image"},
		{name: "digest only", value: "840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy@" + rsDigest, wantErr: appmeshenvoy.ErrUntrustedImage, wantSub: "no tag"},
		{name: "wrong region", value: "840364872350.dkr.ecr.us-east-1.amazonaws.com/aws-appmesh-envoy:v1.29.6.0-prod", wantErr: appmeshenvoy.ErrUntrustedImage, wantSub: "us-east-1, not us-west-2"},
		{name: "wrong repository", value: "840364872350.dkr.ecr.us-west-2.amazonaws.com/evil/aws-appmesh-envoy:v1.29.6.0-prod", wantErr: appmeshenvoy.ErrUntrustedImage, wantSub: "repository"},
		{name: "foreign host", value: "evil.example.com/aws-appmesh-envoy:v1.29.6.0-prod", wantErr: appmeshenvoy.ErrUntrustedImage, wantSub: "not an ECR registry host"},
		{name: "look-alike host", value: "840364872350.dkr.ecr.us-west-2.amazonaws.com.evil.example/aws-appmesh-envoy:v1.29.6.0-prod", wantErr: appmeshenvoy.ErrUntrustedImage, wantSub: "not an ECR registry host"},
		{name: "public gallery", value: "public.ecr.aws/appmesh/aws-appmesh-envoy:v1.29.6.0-prod", wantErr: appmeshenvoy.ErrUntrustedImage, wantSub: "not an ECR registry host"},
		{name: "fips host", value: "840364872350.dkr.ecr-fips.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.29.6.0-prod", wantErr: appmeshenvoy.ErrUntrustedImage, wantSub: "not an ECR registry host"},
		{name: "host with port", value: "840364872350.dkr.ecr.us-west-2.amazonaws.com:443/aws-appmesh-envoy:v1.29.6.0-prod", wantErr: appmeshenvoy.ErrUntrustedImage, wantSub: "not an ECR registry host"},
		{name: "tag not a version", value: "840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:latest", wantErr: appmeshenvoy.ErrUntrustedImage, wantSub: "not an App Mesh Envoy version"},
		{name: "legacy account", value: "111345817488.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.9.0.0-prod", wantErr: appmeshenvoy.ErrLegacyAccount, wantSub: "retired"},
		{name: "legacy account trusted", value: "111345817488.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.9.0.0-prod", trust: true, wantErr: appmeshenvoy.ErrLegacyAccount},
		{name: "other account", value: "123456789012.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.29.6.0-prod", wantErr: appmeshenvoy.ErrUntrustedImage, wantSub: "TrustParameterAccount"},
		{name: "other account trusted", value: "123456789012.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.29.6.0-prod", trust: true, wantWarning: true},
		{name: "other account trusted wrong region", value: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/aws-appmesh-envoy:v1.29.6.0-prod", trust: true, wantErr: appmeshenvoy.ErrUntrustedImage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &rsSSM{fn: func(context.Context, string, *ssm.GetParameterInput) (*ssm.GetParameterOutput, error) {
				return rsOut(tt.value), nil
			}}
			var logs bytes.Buffer
			r := newMockResolver(s, nil, func(o *appmeshenvoy.ResolverOptions) {
				o.TrustParameterAccount = tt.trust
				o.Logger = slog.New(slog.NewTextHandler(&logs, nil))
			})
			res, err := r.Resolve(context.Background(), "us-west-2")
			img := res.Image
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("Resolve: %v", err)
				}
				if img.String() != tt.value || res.Source != appmeshenvoy.SourceSSM || res.Region != "us-west-2" {
					t.Errorf("result %+v, want %s from ssm", res, tt.value)
				}
				if (res.Warning != "") != tt.wantWarning {
					t.Errorf("Warning = %q", res.Warning)
				}
				if tt.wantWarning && !strings.Contains(logs.String(), "level=WARN") {
					t.Errorf("warning not logged: %s", logs.String())
				}
				return
			}
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("error = %v, want %v", err, tt.wantErr)
			}
			if img != (appmeshenvoy.Image{}) {
				t.Errorf("an error came with an image: %+v", img)
			}
			var ve *appmeshenvoy.VerificationError
			var re *appmeshenvoy.RegionError
			if !errors.As(err, &ve) || !errors.As(err, &re) || re.Region != "us-west-2" {
				t.Errorf("error %v is not a *VerificationError in a *RegionError for us-west-2", err)
			}
			if !strings.HasPrefix(err.Error(), "resolve us-west-2: ") || !strings.Contains(err.Error(), tt.wantSub) {
				t.Errorf("error %q: want prefix \"resolve us-west-2: \" and %q", err, tt.wantSub)
			}
			if len(err.Error()) > 800 {
				t.Errorf("error is %d bytes long", len(err.Error()))
			}
		})
	}
}

// TestLatestErrors maps SDK errors to sentinels.
func TestLatestErrors(t *testing.T) {
	apiErr := func(code string) error {
		return &smithy.GenericAPIError{Code: code, Message: "message from AWS"}
	}
	tests := []struct {
		name, region string
		err          error
		want         error
		wantSub      string
	}{
		{"parameter not found typed", "us-west-2", &ssmtypes.ParameterNotFound{Message: aws.String("nope")}, appmeshenvoy.ErrParameterNotFound, "pin a version or use a mirror"},
		{"parameter not found generic", "us-west-2", apiErr("ParameterNotFound"), appmeshenvoy.ErrParameterNotFound, "discontinued"},
		{"opt-in region not enabled", "me-south-1", apiErr("UnrecognizedClientException"), appmeshenvoy.ErrRegionNotEnabled, "enable the region"},
		{"unknown key", "us-west-2", apiErr("UnrecognizedClientException"), appmeshenvoy.ErrInvalidCredentials, "access key"},
		{"unknown key sts style", "us-west-2", apiErr("InvalidClientTokenId"), appmeshenvoy.ErrInvalidCredentials, "access key"},
		{"bad signature", "eu-west-1", apiErr("InvalidSignatureException"), appmeshenvoy.ErrInvalidCredentials, "secret access key"},
		{"expired", "eu-west-1", apiErr("ExpiredTokenException"), appmeshenvoy.ErrInvalidCredentials, "expired"},
		{"access denied", "cn-north-1", apiErr("AccessDeniedException"), appmeshenvoy.ErrAccessDenied, "ssm:GetParameter on arn:aws-cn:ssm:cn-north-1::parameter/aws/service/appmesh/envoy"},
		{"throttled", "us-east-1", apiErr("ThrottlingException"), appmeshenvoy.ErrThrottled, "8 attempts"},
		{"timeout", "us-east-1", context.DeadlineExceeded, context.DeadlineExceeded, "did not finish"},
		{"other", "us-east-1", apiErr("InternalServerError"), nil, "ssm:GetParameter failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &rsSSM{fn: func(context.Context, string, *ssm.GetParameterInput) (*ssm.GetParameterOutput, error) {
				return nil, tt.err
			}}
			_, err := newMockResolver(s, nil).Latest(context.Background(), tt.region)
			if err == nil {
				t.Fatal("no error")
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("error %v does not match %v", err, tt.want)
			}
			var re *appmeshenvoy.RegionError
			if !errors.As(err, &re) || re.Region != tt.region || re.Op != "resolve" {
				t.Errorf("error %v is not a *RegionError for %s", err, tt.region)
			}
			if !strings.HasPrefix(err.Error(), "resolve "+tt.region+": ") || !strings.Contains(err.Error(), tt.wantSub) {
				t.Errorf("error %q lacks prefix or %q", err, tt.wantSub)
			}
			// The SDK's error stays reachable.
			var ae smithy.APIError
			if _, generic := tt.err.(*smithy.GenericAPIError); generic && !errors.As(err, &ae) {
				t.Errorf("smithy.APIError not reachable through %v", err)
			}
		})
	}
}

func TestLatestUnsupportedRegion(t *testing.T) {
	s := &rsSSM{fn: rsValue("v1.29.6.0-prod")}
	r := newMockResolver(s, nil)
	for _, code := range []string{"ap-east-2", "us-gov-west-1", "us-wset-2", "", "\x00bad"} {
		_, err := r.Latest(context.Background(), code)
		if !errors.Is(err, region.ErrUnsupported) {
			t.Errorf("Latest(%q) error = %v, want region.ErrUnsupported", code, err)
		}
		if strings.ContainsAny(err.Error(), "\x00\n") {
			t.Errorf("error %q carries control characters", err)
		}
	}
	if n := len(s.calls()); n != 0 {
		t.Errorf("%d calls for unsupported regions", n)
	}
}

func TestLatestFIPS(t *testing.T) {
	s := &rsSSM{fn: rsValue("v1.29.6.0-prod")}
	r := newMockResolver(s, nil, func(o *appmeshenvoy.ResolverOptions) { o.FIPS = true })
	img, err := r.Latest(context.Background(), "us-east-1")
	if err != nil {
		t.Fatal(err)
	}
	if img.Tag != "v1.29.6.0-prod-fips" || img.Registry != "840364872350.dkr.ecr.us-east-1.amazonaws.com" {
		t.Errorf("FIPS image = %s", img)
	}
	fipsHost, err := img.WithFIPSEndpoint()
	if err != nil || fipsHost.String() != "840364872350.dkr.ecr-fips.us-east-1.amazonaws.com/aws-appmesh-envoy:v1.29.6.0-prod-fips" {
		t.Errorf("WithFIPSEndpoint = %s, %v", fipsHost, err)
	}
	_, err = r.Latest(context.Background(), "eu-west-1")
	if !errors.Is(err, appmeshenvoy.ErrFIPSUnavailable) || !strings.Contains(err.Error(), "us-west-2") {
		t.Errorf("eu-west-1 error = %v", err)
	}
	if s.count("eu-west-1") != 0 {
		t.Error("called SSM for a region without FIPS images")
	}
}

func TestLatestCache(t *testing.T) {
	clock := newRSClock()
	tag := "v1.29.6.0-prod"
	var mu sync.Mutex
	s := &rsSSM{fn: func(ctx context.Context, code string, in *ssm.GetParameterInput) (*ssm.GetParameterOutput, error) {
		mu.Lock()
		defer mu.Unlock()
		return rsValue(tag)(ctx, code, in)
	}}
	r := newMockResolver(s, nil, func(o *appmeshenvoy.ResolverOptions) {
		o.Clock = clock.Now
		o.CacheTTL = time.Minute
	})
	ctx := context.Background()
	get := func() string {
		t.Helper()
		img, err := r.Latest(ctx, "us-west-2")
		if err != nil {
			t.Fatal(err)
		}
		return img.Tag
	}
	get()
	mu.Lock()
	tag = "v1.29.7.0-prod"
	mu.Unlock()
	if got := get(); got != "v1.29.6.0-prod" || s.count("us-west-2") != 1 {
		t.Errorf("within TTL: %s after %d calls", got, s.count("us-west-2"))
	}
	clock.Advance(59 * time.Second)
	if got := get(); got != "v1.29.6.0-prod" {
		t.Errorf("before expiry: %s", got)
	}
	clock.Advance(time.Second)
	if got := get(); got != "v1.29.7.0-prod" || s.count("us-west-2") != 2 {
		t.Errorf("after expiry: %s after %d calls", got, s.count("us-west-2"))
	}
	r.Invalidate("US-WEST-2")
	get()
	if n := s.count("us-west-2"); n != 3 {
		t.Errorf("after Invalidate: %d calls", n)
	}
	r.Invalidate()
	get()
	if n := s.count("us-west-2"); n != 4 {
		t.Errorf("after Invalidate(): %d calls", n)
	}
}

func TestLatestCacheDisabled(t *testing.T) {
	s := &rsSSM{fn: rsValue("v1.29.6.0-prod")}
	r := newMockResolver(s, nil, func(o *appmeshenvoy.ResolverOptions) { o.CacheTTL = 0 })
	for i := 0; i < 3; i++ {
		if _, err := r.Latest(context.Background(), "us-west-2"); err != nil {
			t.Fatal(err)
		}
	}
	if n := s.count("us-west-2"); n != 3 {
		t.Errorf("CacheTTL 0: %d calls, want 3", n)
	}
}

func TestLatestFailureNotCached(t *testing.T) {
	fail := true
	s := &rsSSM{fn: func(ctx context.Context, code string, in *ssm.GetParameterInput) (*ssm.GetParameterOutput, error) {
		if fail {
			return nil, &smithy.GenericAPIError{Code: "ThrottlingException"}
		}
		return rsValue("v1.29.6.0-prod")(ctx, code, in)
	}}
	r := newMockResolver(s, nil)
	if _, err := r.Latest(context.Background(), "us-west-2"); !errors.Is(err, appmeshenvoy.ErrThrottled) {
		t.Fatalf("first call: %v", err)
	}
	fail = false
	if _, err := r.Latest(context.Background(), "us-west-2"); err != nil {
		t.Fatalf("second call: %v", err)
	}
	if n := s.count("us-west-2"); n != 2 {
		t.Errorf("%d calls, want 2", n)
	}
}

func TestLatestSingleflight(t *testing.T) {
	release := make(chan struct{})
	entered := make(chan struct{}, 100)
	s := &rsSSM{fn: func(ctx context.Context, code string, in *ssm.GetParameterInput) (*ssm.GetParameterOutput, error) {
		entered <- struct{}{}
		<-release
		return rsValue("v1.29.6.0-prod")(ctx, code, in)
	}}
	r := newMockResolver(s, nil)
	const n = 20
	var wg sync.WaitGroup
	errs := make(chan error, n)
	started := make(chan struct{}, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			started <- struct{}{}
			_, err := r.Latest(context.Background(), "us-west-2")
			errs <- err
		}()
	}
	for i := 0; i < n; i++ {
		<-started
	}
	<-entered
	// Give the other callers a chance to join the in-flight call; whether or not they
	// have joined yet, they either share it or hit the cache it fills.
	time.Sleep(10 * time.Millisecond)
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := s.count("us-west-2"); got != 1 {
		t.Errorf("%d concurrent callers made %d calls, want 1", n, got)
	}
}

// TestLatestCallerDeadline: a caller's deadline ends its wait, while the shared call
// goes on under its own timeout and still fills the cache for others.
func TestLatestCallerDeadline(t *testing.T) {
	release := make(chan struct{})
	done := make(chan struct{})
	var sharedCtxErr error
	s := &rsSSM{fn: func(ctx context.Context, code string, in *ssm.GetParameterInput) (*ssm.GetParameterOutput, error) {
		defer close(done)
		<-release
		sharedCtxErr = ctx.Err()
		return rsValue("v1.29.6.0-prod")(ctx, code, in)
	}}
	r := newMockResolver(s, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := r.Latest(ctx, "us-west-2") // already cancelled: no call at all
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled context: %v", err)
	}

	ctx, cancel = context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err = r.Latest(ctx, "us-west-2")
	var re *appmeshenvoy.RegionError
	if !errors.Is(err, context.DeadlineExceeded) || !errors.As(err, &re) || re.Region != "us-west-2" {
		t.Fatalf("error = %v, want the caller's deadline in a *RegionError", err)
	}
	close(release)
	<-done
	if sharedCtxErr != nil {
		t.Errorf("the shared call was cancelled with the caller: %v", sharedCtxErr)
	}
	// The shared call finished and cached its result.
	img, err := r.Latest(context.Background(), "us-west-2")
	if err != nil || img.Tag != "v1.29.6.0-prod" {
		t.Errorf("after the shared call: %v, %v", img, err)
	}
}

// TestLatestSharedTimeout: the shared call ends by its own Timeout even when the caller
// waits forever.
func TestLatestSharedTimeout(t *testing.T) {
	s := &rsSSM{fn: func(ctx context.Context, code string, in *ssm.GetParameterInput) (*ssm.GetParameterOutput, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	}}
	r := newMockResolver(s, nil, func(o *appmeshenvoy.ResolverOptions) { o.Timeout = 10 * time.Millisecond })
	_, err := r.Latest(context.Background(), "us-west-2")
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "did not finish within 10ms") {
		t.Errorf("error = %v", err)
	}
}

func TestLatestAll(t *testing.T) {
	s := &rsSSM{fn: func(ctx context.Context, code string, in *ssm.GetParameterInput) (*ssm.GetParameterOutput, error) {
		switch code {
		case "eu-west-1":
			return nil, &ssmtypes.ParameterNotFound{}
		case "me-south-1":
			return nil, &smithy.GenericAPIError{Code: "UnrecognizedClientException"}
		}
		return rsValue("v1.29.6.0-prod")(ctx, code, in)
	}}
	r := newMockResolver(s, nil, func(o *appmeshenvoy.ResolverOptions) { o.Concurrency = 2 })
	in := []string{"us-west-2", "eu-west-1", "ap-east-2", "me-south-1", "cn-north-1"}
	res, err := r.LatestAll(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	want := []error{nil, appmeshenvoy.ErrParameterNotFound, region.ErrUnsupported, appmeshenvoy.ErrRegionNotEnabled, nil}
	if len(res) != len(in) {
		t.Fatalf("%d results", len(res))
	}
	for i, got := range res {
		if got.Region != in[i] {
			t.Errorf("result %d is for %s, want %s", i, got.Region, in[i])
		}
		if want[i] == nil {
			if got.Err != nil || got.Image.Region() != in[i] {
				t.Errorf("%s: %+v", in[i], got)
			}
		} else if !errors.Is(got.Err, want[i]) || got.Image != (appmeshenvoy.Image{}) {
			t.Errorf("%s: err %v, want %v", in[i], got.Err, want[i])
		}
	}
}

// TestLatestAllNeedsRegions: "every region" is never implied: a nil or empty list is an
// error with a code, before any call, for LatestAll and PinAll alike.
func TestLatestAllNeedsRegions(t *testing.T) {
	s := &rsSSM{fn: rsValue("v1.29.6.0-prod")}
	r := newMockResolver(s, nil)
	for name, call := range map[string]func([]string) ([]appmeshenvoy.Result, error){
		"LatestAll": func(rs []string) ([]appmeshenvoy.Result, error) { return r.LatestAll(context.Background(), rs) },
		"PinAll":    func(rs []string) ([]appmeshenvoy.Result, error) { return r.PinAll(context.Background(), rs) },
	} {
		for _, regions := range [][]string{nil, {}} {
			res, err := call(regions)
			if !errors.Is(err, appmeshenvoy.ErrNoRegions) || res != nil || appmeshenvoy.CodeOf(err) != appmeshenvoy.CodeInvalidInput {
				t.Errorf("%s(%#v) = %v, %v; want ErrNoRegions", name, regions, res, err)
			}
		}
	}
	if n := len(s.calls()); n != 0 {
		t.Errorf("%d calls made", n)
	}
}

// TestLatestAllNormalizesAndDeduplicates: results carry the normalized code, once.
func TestLatestAllNormalizesAndDeduplicates(t *testing.T) {
	s := &rsSSM{fn: rsValue("v1.29.6.0-prod")}
	res, err := newMockResolver(s, nil).LatestAll(context.Background(), []string{" US-WEST-2 ", "us-west-2", "eu-west-1", "EU-West-1", "Mars-1 "})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, x := range res {
		got = append(got, x.Region)
	}
	if diff := cmp.Diff([]string{"us-west-2", "eu-west-1", "mars-1"}, got); diff != "" {
		t.Errorf("regions (-want +got):\n%s", diff)
	}
	if !errors.Is(res[2].Err, region.ErrUnsupported) || appmeshenvoy.CodeOf(res[2].Err) != appmeshenvoy.CodeUnsupportedRegion {
		t.Errorf("mars-1: %v", res[2].Err)
	}
	if s.count("us-west-2") != 1 || s.count("eu-west-1") != 1 {
		t.Errorf("calls: %v", s.calls())
	}
}

func rsInPartition(t *testing.T, id string) []region.Region {
	rs, err := region.InPartition(id)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func TestLatestAllInvalidCredentialsEverywhere(t *testing.T) {
	s := &rsSSM{fn: func(context.Context, string, *ssm.GetParameterInput) (*ssm.GetParameterOutput, error) {
		return nil, &smithy.GenericAPIError{Code: "UnrecognizedClientException"}
	}}
	res, err := newMockResolver(s, nil).LatestAll(context.Background(), awsRegionCodes())
	if !errors.Is(err, appmeshenvoy.ErrInvalidCredentials) || res != nil {
		t.Fatalf("LatestAll = %d results, %v; want one ErrInvalidCredentials", len(res), err)
	}
	if !strings.HasPrefix(err.Error(), "every region rejected the credentials: ") {
		t.Errorf("error = %v", err)
	}
}

func TestLatestAllNoCredentials(t *testing.T) {
	failing := aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{}, errors.New("no profile found")
	})
	for name, cfg := range map[string]aws.Config{
		"nil provider":     {Region: "us-west-2"},
		"failing provider": {Region: "us-west-2", Credentials: failing},
	} {
		t.Run(name, func(t *testing.T) {
			r := appmeshenvoy.NewResolver(cfg)
			res, err := r.LatestAll(context.Background(), []string{"us-west-2", "eu-west-1"})
			if !errors.Is(err, appmeshenvoy.ErrNoCredentials) || res != nil {
				t.Fatalf("LatestAll = %v, %v; want ErrNoCredentials", res, err)
			}
			_, err = r.Latest(context.Background(), "us-west-2")
			if !errors.Is(err, appmeshenvoy.ErrNoCredentials) {
				t.Fatalf("Latest error = %v; want ErrNoCredentials", err)
			}
		})
	}
}

func TestLatestAllCancelled(t *testing.T) {
	s := &rsSSM{fn: rsValue("v1.29.6.0-prod")}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res, err := newMockResolver(s, nil).LatestAll(ctx, []string{"us-west-2"})
	if !errors.Is(err, context.Canceled) || res != nil {
		t.Errorf("LatestAll = %v, %v", res, err)
	}
}

func TestConfigForRegion(t *testing.T) {
	var asked []string
	var mu sync.Mutex
	r := appmeshenvoy.NewResolver(aws.Config{}, func(o *appmeshenvoy.ResolverOptions) {
		o.ConfigForRegion = func(_ context.Context, code string) (aws.Config, error) {
			mu.Lock()
			asked = append(asked, code)
			mu.Unlock()
			return aws.Config{}, errors.New("no role for " + code)
		}
	})
	_, err := r.Latest(context.Background(), "eu-west-1")
	if err == nil || !strings.Contains(err.Error(), "no role for eu-west-1") {
		t.Errorf("error = %v", err)
	}
	if diff := cmp.Diff([]string{"eu-west-1"}, asked); diff != "" {
		t.Error(diff)
	}
}

func BenchmarkLatestWarm(b *testing.B) {
	s := &rsSSM{fn: rsValue("v1.29.6.0-prod")}
	r := newMockResolver(s, nil)
	ctx := context.Background()
	if _, err := r.Latest(ctx, "us-west-2"); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := r.Latest(ctx, "us-west-2"); err != nil {
			b.Fatal(err)
		}
	}
}

// TestLatestConcurrentCallersOneRequest: in each of many rounds, N goroutines released
// at once ask for a region with an empty cache, and the fake answers at once. Exactly
// one GetParameter call must be made per round. This catches a caller that missed the
// cache just before another caller's flight filled it and ended, and then started a
// second flight (the shared function re-checks the cache to prevent that).
func TestLatestConcurrentCallersOneRequest(t *testing.T) {
	const rounds, n = 500, 32
	// More Ps than cores, so that the OS interleaves callers at arbitrary points and
	// the window between a cache miss and joining the flight is hit often.
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(8))
	s := &rsSSM{fn: rsValue("v1.29.6.0-prod")}
	r := newMockResolver(s, nil)
	ctx := context.Background()
	for round := 0; round < rounds; round++ {
		r.Invalidate()
		before := s.count("us-west-2")
		start := make(chan struct{})
		errs := make(chan error, n)
		var wg sync.WaitGroup
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, err := r.Latest(ctx, "us-west-2")
				errs <- err
			}()
		}
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if got := s.count("us-west-2") - before; got != 1 {
			t.Fatalf("round %d: %d concurrent callers made %d GetParameter calls, want 1", round, n, got)
		}
	}
}

// TestPinConcurrentCallersOneRequest is the same for Pin and BatchGetImage.
func TestPinConcurrentCallersOneRequest(t *testing.T) {
	const rounds, n = 500, 32
	// More Ps than cores, so that the OS interleaves callers at arbitrary points and
	// the window between a cache miss and joining the flight is hit often.
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(8))
	e := &rsECR{fn: rsManifestAnswer(rsManifest, rsDigestOf(rsManifest))}
	r := newMockResolver(nil, e)
	img, err := appmeshenvoy.ParseImage("840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.29.6.0-prod")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for round := 0; round < rounds; round++ {
		r.Invalidate()
		before := len(e.inputs())
		start := make(chan struct{})
		errs := make(chan error, n)
		var wg sync.WaitGroup
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, err := r.Pin(ctx, img)
				errs <- err
			}()
		}
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if got := len(e.inputs()) - before; got != 1 {
			t.Fatalf("round %d: %d concurrent callers made %d BatchGetImage calls, want 1", round, n, got)
		}
	}
}

// TestLatestAllQueriesEveryRegionAtOnce: with the default Concurrency, every region of
// the partition is in flight at the same time. The fake holds each call until all
// regions have called, which only happens if the limit is at least the region count.
func TestLatestAllQueriesEveryRegionAtOnce(t *testing.T) {
	want := len(rsInPartition(t, "aws"))
	var mu sync.Mutex
	entered := 0
	all := make(chan struct{})
	s := &rsSSM{fn: func(ctx context.Context, code string, in *ssm.GetParameterInput) (*ssm.GetParameterOutput, error) {
		mu.Lock()
		entered++
		if entered == want {
			close(all)
		}
		mu.Unlock()
		select {
		case <-all:
			return rsValue("v1.29.6.0-prod")(ctx, code, in)
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}}
	// The shared Timeout bounds the wait if the limit is too low.
	r := newMockResolver(s, nil, func(o *appmeshenvoy.ResolverOptions) { o.Timeout = 10 * time.Second })
	res, err := r.LatestAll(context.Background(), awsRegionCodes())
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range res {
		if x.Err != nil {
			t.Errorf("%s: %v (not every region was queried at once)", x.Region, x.Err)
		}
	}
	if len(res) != want {
		t.Errorf("%d results, want %d", len(res), want)
	}
}

// TestLatestAllCallerDeadlineKeepsAnswers: when the caller's ctx ends while one region
// is still pending, the regions that answered keep their results and only the pending
// one carries ctx's error; when no region answered, ctx's error is LatestAll's error.
// The caller's ctx ends from inside the stalled region's request, after the other
// regions answered (from the cache), so no wall-clock margin decides the outcome.
func TestLatestAllCallerDeadlineKeepsAnswers(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	release := make(chan struct{})
	s := &rsSSM{fn: func(ctx context.Context, code string, in *ssm.GetParameterInput) (*ssm.GetParameterOutput, error) {
		if code == "eu-west-1" {
			cancel() // the caller gives up while this region is pending
			<-release
		}
		return rsValue("v1.29.6.0-prod")(ctx, code, in)
	}}
	r := newMockResolver(s, nil)
	if _, err := r.LatestAll(context.Background(), []string{"us-west-2", "us-east-1"}); err != nil {
		t.Fatal(err)
	}
	res, err := r.LatestAll(ctx, []string{"us-west-2", "us-east-1", "eu-west-1"})
	if err != nil {
		t.Fatalf("LatestAll: %v, want per-region results", err)
	}
	if res[0].Err != nil || res[1].Err != nil || res[0].Image.Region() != "us-west-2" || res[1].Image.Region() != "us-east-1" {
		t.Errorf("answered regions lost their results: %+v", res)
	}
	var re *appmeshenvoy.RegionError
	if !errors.Is(res[2].Err, context.Canceled) || !errors.As(res[2].Err, &re) || re.Region != "eu-west-1" {
		t.Errorf("eu-west-1: %v, want the caller's cancellation naming the region", res[2].Err)
	}

	// eu-west-1's request is still pending: a caller asking only for it gets ctx's error
	// as LatestAll's error.
	ctx2, cancel2 := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel2()
	res, err = r.LatestAll(ctx2, []string{"eu-west-1"})
	if !errors.Is(err, context.DeadlineExceeded) || res != nil {
		t.Errorf("only a stalled region: %v, %v; want ctx's error", res, err)
	}
	// Let the shared request end (goleak checks at exit).
	close(release)
	if _, err := r.Latest(context.Background(), "eu-west-1"); err != nil {
		t.Errorf("shared call: %v", err)
	}
}

// TestInvalidateDuringFetch: Invalidate while a request is in flight. A call after
// Invalidate makes a new request instead of joining the old one, and the old request's
// answer, arriving last, does not overwrite the cache with what it read before
// Invalidate.
func TestInvalidateDuringFetch(t *testing.T) {
	var n atomic.Int64
	entered, release := make(chan struct{}), make(chan struct{})
	s := &rsSSM{fn: func(ctx context.Context, code string, in *ssm.GetParameterInput) (*ssm.GetParameterOutput, error) {
		k := n.Add(1)
		if k == 1 {
			close(entered)
			<-release
			return rsValue("v1.29.6.0-prod")(ctx, code, in) // read before Invalidate
		}
		return rsValue("v1.29.7.0-prod")(ctx, code, in)
	}}
	r := newMockResolver(s, nil)
	first := make(chan string, 1)
	go func() {
		img, err := r.Latest(context.Background(), "us-west-2")
		if err != nil {
			t.Error(err)
		}
		first <- img.Tag
	}()
	<-entered
	r.Invalidate("us-west-2")
	// Bounded so that a regression fails instead of hanging; the fixed code answers at once.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	img, err := r.Latest(ctx, "us-west-2")
	if err != nil || img.Tag != "v1.29.7.0-prod" {
		t.Errorf("Latest after Invalidate = %v, %v; want a new request's v1.29.7.0-prod", img.Tag, err)
	}
	close(release)
	if got := <-first; got != "v1.29.6.0-prod" {
		t.Errorf("first caller got %s", got)
	}
	img, err = r.Latest(context.Background(), "us-west-2")
	if err != nil || img.Tag != "v1.29.7.0-prod" {
		t.Errorf("cached after both requests = %v, %v; want v1.29.7.0-prod, not the answer read before Invalidate", img.Tag, err)
	}
	if got := n.Load(); got != 2 {
		t.Errorf("%d requests, want 2", got)
	}
}
