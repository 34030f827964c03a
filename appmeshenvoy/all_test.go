package appmeshenvoy_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/appmeshenvoytest"
)

// TestPinAllStalledRegionDoesNotStarveOthers: one region's SSM never answers; under a
// deadline shorter than the shared timeout every other region is still resolved and
// pinned (cold: nothing cached), and only the stalled one fails, with the deadline.
// Resolving all regions first and pinning afterwards, as the CLI once did, leaves no
// time for any pin.
func TestPinAllStalledRegionDoesNotStarveOthers(t *testing.T) {
	srv := appmeshenvoytest.NewServer()
	defer srv.Close()
	const stalled = "ap-northeast-2"
	srv.Stall("ssm:GetParameter", stalled)
	res := appmeshenvoy.NewResolver(srv.Config("us-west-2"), func(o *appmeshenvoy.ResolverOptions) {
		o.Timeout = 3 * time.Second
	})
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	results, err := res.PinAll(ctx, awsRegionCodes())
	if err != nil {
		t.Fatalf("PinAll: %v", err)
	}
	if len(results) != len(awsRegionCodes()) {
		t.Fatalf("%d results", len(results))
	}
	for _, r := range results {
		switch {
		case r.Region == stalled:
			if !errors.Is(r.Err, context.DeadlineExceeded) || appmeshenvoy.CodeOf(r.Err) != appmeshenvoy.CodeTimeout {
				t.Errorf("%s: %v, want the caller's deadline", r.Region, r.Err)
			}
		case r.Err != nil:
			t.Errorf("%s: %v", r.Region, r.Err)
		case r.Image.Digest == "" || r.Source != appmeshenvoy.SourceSSM:
			t.Errorf("%s: not pinned: %+v", r.Region, r)
		}
	}
	if n := srv.Requests("ecr:BatchGetImage", "*"); n != len(results)-1 {
		t.Errorf("%d BatchGetImage requests, want %d", n, len(results)-1)
	}
	// Let the shared request end by its own timeout before the server closes.
	_, _ = res.Latest(context.Background(), stalled)
}

// TestZeroValuesAreSafe: a zero Resolver or TokenProvider, used by mistake, returns an
// error naming its constructor (code not-initialized) from every method, and never panics
// (a panic inside the shared-fetch goroutine would end the whole process).
func TestZeroValuesAreSafe(t *testing.T) {
	ctx := context.Background()
	var r appmeshenvoy.Resolver
	var nilR *appmeshenvoy.Resolver
	var p appmeshenvoy.TokenProvider
	img, _ := appmeshenvoy.ParseImage("840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.29.6.0-prod")
	calls := map[string]func() error{
		"Resolve":          func() error { _, err := r.Resolve(ctx, "us-west-2"); return err },
		"Latest":           func() error { _, err := r.Latest(ctx, "us-west-2"); return err },
		"nil Latest":       func() error { _, err := nilR.Latest(ctx, "us-west-2"); return err },
		"LatestAll":        func() error { _, err := r.LatestAll(ctx, []string{"us-west-2"}); return err },
		"PinAll":           func() error { _, err := r.PinAll(ctx, []string{"us-west-2"}); return err },
		"Pin":              func() error { _, err := r.Pin(ctx, img); return err },
		"Check":            func() error { _, err := r.Check(ctx, img.String()); return err },
		"Token":            func() error { _, err := p.Token(ctx, "us-west-2"); return err },
		"TokenForRegistry": func() error { _, err := p.TokenForRegistry(ctx, img.Registry); return err },
	}
	var wg sync.WaitGroup
	for name, call := range calls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := call()
			if appmeshenvoy.CodeOf(err) != appmeshenvoy.CodeNotInitialized || !strings.Contains(err.Error(), "New") {
				t.Errorf("%s on a zero value: %v", name, err)
			}
		}()
	}
	wg.Wait()
	r.Invalidate() // no-op, no panic
	p.Invalidate()
}

// TestTokenNormalizesRegion: the token provider reads region codes as the resolver does.
func TestTokenNormalizesRegion(t *testing.T) {
	fake := appmeshenvoytest.NewECR("pw")
	p := appmeshenvoy.NewTokenProvider(aws.Config{Credentials: credentials.NewStaticCredentialsProvider("AKIDNORM", "secret", "")}, func(o *appmeshenvoy.TokenOptions) {
		o.ECRClientForRegion = func(string) appmeshenvoy.GetAuthorizationTokenAPI { return fake }
	})
	tok, err := p.Token(context.Background(), " US-West-2 ")
	if err != nil {
		t.Fatal(err)
	}
	if tok.Registry != "840364872350.dkr.ecr.us-west-2.amazonaws.com" {
		t.Errorf("Registry = %s", tok.Registry)
	}
	if calls := fake.Calls(); len(calls) != 1 || calls[0].Region != "us-west-2" {
		t.Errorf("calls = %+v", calls)
	}
	// The cache is shared with the normalized spelling: no second call.
	if _, err := p.Token(context.Background(), "us-west-2"); err != nil || len(fake.Calls()) != 1 {
		t.Errorf("second spelling: %v, %d calls", err, len(fake.Calls()))
	}
}
