package appmeshenvoy_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/appmeshenvoytest"
	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

// tokClock is a settable clock.
type tokClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *tokClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *tokClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

var tokEpoch = time.Date(2030, 6, 1, 12, 0, 0, 0, time.UTC)

// tokFake is the exported ECR fake with a function that also gets the region of the call
// and the number of calls so far (this one included).
type tokFake struct {
	*appmeshenvoytest.ECR
	mu sync.Mutex
	n  int
	fn func(ctx context.Context, region string, n int) (*ecr.GetAuthorizationTokenOutput, error)
}

func newTokFake() *tokFake {
	f := &tokFake{ECR: &appmeshenvoytest.ECR{}}
	f.GetAuthorizationTokenFunc = func(ctx context.Context, _ *ecr.GetAuthorizationTokenInput, optFns ...func(*ecr.Options)) (*ecr.GetAuthorizationTokenOutput, error) {
		f.mu.Lock()
		f.n++
		n := f.n
		f.mu.Unlock()
		return f.fn(ctx, appmeshenvoytest.ECRRegion(optFns...), n)
	}
	return f
}

func (f *tokFake) forRegion(string) appmeshenvoy.GetAuthorizationTokenAPI { return f.ECR }

// Calls returns the region of each call, in order.
func (f *tokFake) Calls() []string {
	var out []string
	for _, c := range f.ECR.Calls() {
		out = append(out, c.Region)
	}
	return out
}

// authOutput is a GetAuthorizationToken answer with password pw expiring at exp. Its
// proxyEndpoint is the caller's own registry, as ECR answers.
func authOutput(pw string, exp time.Time) *ecr.GetAuthorizationTokenOutput {
	return appmeshenvoytest.AuthorizationTokenOutput(pw, exp, "123456789012", "us-west-2")
}

// newTestProvider returns a provider with fake client, clock and static credentials.
func newTestProvider(f *tokFake, clk *tokClock, optFns ...func(*appmeshenvoy.TokenOptions)) *appmeshenvoy.TokenProvider {
	cfg := aws.Config{Credentials: aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider("AKIDTOKENTEST", "secret", ""))}
	return appmeshenvoy.NewTokenProvider(cfg, append([]func(*appmeshenvoy.TokenOptions){func(o *appmeshenvoy.TokenOptions) {
		o.ECRClientForRegion = f.forRegion
		o.Clock = clk.Now
	}}, optFns...)...)
}

// twelveHours answers every call with password "pw-<n>" valid for 12 hours from clk.
func twelveHours(clk *tokClock) func(context.Context, string, int) (*ecr.GetAuthorizationTokenOutput, error) {
	return func(_ context.Context, _ string, n int) (*ecr.GetAuthorizationTokenOutput, error) {
		return authOutput(fmt.Sprintf("pw-%d", n), clk.Now().Add(12*time.Hour)), nil
	}
}

func TestTokenOwnerHost(t *testing.T) {
	clk := &tokClock{now: tokEpoch}
	f := newTokFake()
	f.fn = twelveHours(clk)
	p := newTestProvider(f, clk)
	for _, code := range []string{"us-west-2", "me-south-1", "cn-north-1"} {
		t.Run(code, func(t *testing.T) {
			got, err := p.Token(context.Background(), code)
			if err != nil {
				t.Fatal(err)
			}
			want := appmeshenvoy.Token{Registry: region.MustLookup(code).RegistryHost(), Username: "AWS",
				Password: appmeshenvoy.NewSecret(fmt.Sprintf("pw-%d", len(f.Calls()))), ExpiresAt: tokEpoch.Add(12 * time.Hour)}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("appmeshenvoy.Token (-want +got):\n%s", diff)
			}
			if calls := f.Calls(); calls[len(calls)-1] != code {
				t.Errorf("called in %s, want %s", calls[len(calls)-1], code)
			}
		})
	}
}

func TestTokenUnsupportedRegion(t *testing.T) {
	f := newTokFake()
	p := newTestProvider(f, &tokClock{now: tokEpoch})
	_, err := p.Token(context.Background(), "ap-east-2")
	if !errors.Is(err, region.ErrUnsupported) {
		t.Errorf("err = %v, want region.ErrUnsupported", err)
	}
	if len(f.Calls()) != 0 {
		t.Error("called ECR for an unsupported region")
	}
}

func TestTokenForRegistry(t *testing.T) {
	clk := &tokClock{now: tokEpoch}
	f := newTokFake()
	f.fn = twelveHours(clk)
	p := newTestProvider(f, clk)
	tests := []struct {
		in, host, region string
		err              error
	}{
		{in: "https://123456789012.dkr.ecr.eu-west-1.amazonaws.com/v2/", host: "123456789012.dkr.ecr.eu-west-1.amazonaws.com", region: "eu-west-1"},
		{in: "123456789012.dkr.ecr.us-gov-west-1.amazonaws.com", host: "123456789012.dkr.ecr.us-gov-west-1.amazonaws.com", region: "us-gov-west-1"},
		{in: "840364872350.dkr.ecr-fips.us-east-1.amazonaws.com", host: "840364872350.dkr.ecr-fips.us-east-1.amazonaws.com", region: "us-east-1"},
		{in: "registry.example.com", err: appmeshenvoy.ErrInvalidRegistryHost},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := p.TokenForRegistry(context.Background(), tt.in)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("err = %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Registry != tt.host {
				t.Errorf("appmeshenvoy.Registry = %q, want %q", got.Registry, tt.host)
			}
			if calls := f.Calls(); calls[len(calls)-1] != tt.region {
				t.Errorf("called in %s, want %s", calls[len(calls)-1], tt.region)
			}
		})
	}
}

func TestTokenCacheRefresh(t *testing.T) {
	clk := &tokClock{now: tokEpoch}
	f := newTokFake()
	fail := false
	var failMu sync.Mutex
	f.fn = func(ctx context.Context, r string, n int) (*ecr.GetAuthorizationTokenOutput, error) {
		failMu.Lock()
		defer failMu.Unlock()
		if fail {
			return nil, &smithy.GenericAPIError{Code: "ServerException", Message: "boom"}
		}
		return twelveHours(clk)(ctx, r, n)
	}
	setFail := func(v bool) { failMu.Lock(); fail = v; failMu.Unlock() }
	var logs bytes.Buffer
	p := newTestProvider(f, clk, func(o *appmeshenvoy.TokenOptions) {
		o.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	ctx := context.Background()
	get := func() (appmeshenvoy.Token, error) { return p.Token(ctx, "us-west-2") }

	first, err := get()
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(6*time.Hour - time.Second)
	if tok, _ := get(); !tok.Password.Equal(first.Password) || len(f.Calls()) != 1 {
		t.Fatalf("before half life: %d calls, want the cached token from 1 call", len(f.Calls()))
	}
	clk.Advance(time.Second)
	second, err := get()
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Calls()) != 2 || second.Password.Equal(first.Password) {
		t.Fatalf("at half life: %d calls, want a new token from 2 calls", len(f.Calls()))
	}

	// A failed refresh while the token is valid returns the cached token.
	setFail(true)
	clk.Advance(7 * time.Hour) // 7h into second's 12h life
	tok, err := get()
	if err != nil {
		t.Fatalf("refresh failed while the cached token is valid: %v", err)
	}
	if !tok.Password.Equal(second.Password) {
		t.Error("did not return the cached token")
	}
	if !strings.Contains(logs.String(), "refresh failed") {
		t.Error("the failed refresh was not logged")
	}

	// Once expired, the refresh error is returned and never the expired token.
	clk.Advance(5 * time.Hour)
	calls := len(f.Calls())
	tok, err = get()
	if err == nil {
		t.Fatal("returned a token after expiry while refresh fails")
	}
	if !tok.Password.IsZero() || tok.Registry != "" {
		t.Error("returned a non-zero token with the error")
	}
	if len(f.Calls()) != calls+1 {
		t.Errorf("expired token: %d new calls, want 1", len(f.Calls())-calls)
	}
	var te *appmeshenvoy.TokenError
	if !errors.As(err, &te) || te.Region != "us-west-2" || !strings.Contains(err.Error(), "us-west-2") {
		t.Errorf("err = %v, want a *appmeshenvoy.TokenError naming us-west-2", err)
	}
	for _, pw := range []string{first.Password.Reveal(), second.Password.Reveal()} {
		if strings.Contains(err.Error(), pw) || strings.Contains(logs.String(), pw) {
			t.Error("an error or the log contains a password")
		}
	}

	// Recovery.
	setFail(false)
	if _, err := get(); err != nil {
		t.Fatal(err)
	}
}

func TestTokenRefreshFraction(t *testing.T) {
	clk := &tokClock{now: tokEpoch}
	f := newTokFake()
	f.fn = twelveHours(clk)
	p := newTestProvider(f, clk, func(o *appmeshenvoy.TokenOptions) { o.RefreshFraction = 0.9 })
	if _, err := p.Token(context.Background(), "us-west-2"); err != nil {
		t.Fatal(err)
	}
	clk.Advance(10 * time.Hour)
	if _, err := p.Token(context.Background(), "us-west-2"); err != nil || len(f.Calls()) != 1 {
		t.Fatalf("at 10h with fraction 0.9: %d calls, err %v; want 1 call", len(f.Calls()), err)
	}
	clk.Advance(49 * time.Minute)
	if _, err := p.Token(context.Background(), "us-west-2"); err != nil || len(f.Calls()) != 2 {
		t.Fatalf("at 10h49m with fraction 0.9: %d calls, err %v; want 2", len(f.Calls()), err)
	}
}

// switchingCreds is a credentials provider whose access key can be changed.
type switchingCreds struct {
	mu  sync.Mutex
	key string
}

func (s *switchingCreds) set(k string) { s.mu.Lock(); s.key = k; s.mu.Unlock() }

func (s *switchingCreds) Retrieve(context.Context) (aws.Credentials, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return aws.Credentials{AccessKeyID: s.key, SecretAccessKey: "x", Source: "test"}, nil
}

func TestTokenPerAccessKey(t *testing.T) {
	clk := &tokClock{now: tokEpoch}
	f := newTokFake()
	f.fn = twelveHours(clk)
	creds := &switchingCreds{key: "AKIDROLEA"}
	p := appmeshenvoy.NewTokenProvider(aws.Config{Credentials: creds}, func(o *appmeshenvoy.TokenOptions) {
		o.ECRClientForRegion = f.forRegion
		o.Clock = clk.Now
	})
	ctx := context.Background()
	a, err := p.Token(ctx, "us-west-2")
	if err != nil {
		t.Fatal(err)
	}
	creds.set("AKIDROLEB")
	b, err := p.Token(ctx, "us-west-2")
	if err != nil {
		t.Fatal(err)
	}
	if a.Password.Equal(b.Password) || len(f.Calls()) != 2 {
		t.Fatalf("role B got role A's token (%d calls)", len(f.Calls()))
	}
	creds.set("AKIDROLEA")
	a2, err := p.Token(ctx, "us-west-2")
	if err != nil {
		t.Fatal(err)
	}
	if !a2.Password.Equal(a.Password) || len(f.Calls()) != 2 {
		t.Errorf("role A: %d calls, want its cached token", len(f.Calls()))
	}
}

func TestTokenSingleflight(t *testing.T) {
	clk := &tokClock{now: tokEpoch}
	f := newTokFake()
	release := make(chan struct{})
	f.fn = func(ctx context.Context, r string, n int) (*ecr.GetAuthorizationTokenOutput, error) {
		<-release
		return twelveHours(clk)(ctx, r, n)
	}
	p := newTestProvider(f, clk)
	const n = 100
	var wg sync.WaitGroup
	results := make([]appmeshenvoy.Token, n)
	errs := make([]error, n)
	var started sync.WaitGroup
	started.Add(n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			started.Done()
			results[i], errs[i] = p.Token(context.Background(), "eu-west-1")
		}()
	}
	started.Wait()
	close(release)
	wg.Wait()
	// Callers that arrived after the fetch finished found the token in the cache, so the
	// count is exact whatever the scheduling.
	if got := len(f.Calls()); got != 1 {
		t.Errorf("%d GetAuthorizationToken calls for %d concurrent callers, want 1", got, n)
	}
	for i := range n {
		if errs[i] != nil || !results[i].Password.Equal(results[0].Password) {
			t.Fatalf("caller %d: err %v or a different token", i, errs[i])
		}
	}
}

// TestTokenSingleflightRace hunts the race between a caller that misses the cache and a
// refresh that finishes (stores the token and leaves the singleflight group) before the
// caller joins the group: without the cache re-check inside the shared function, the
// late caller starts a second GetAuthorizationToken. The fake answers at once, so the
// window is as wide as it gets; many rounds make it show up.
func TestTokenSingleflightRace(t *testing.T) {
	const rounds, callers = 300, 8
	for round := range rounds {
		clk := &tokClock{now: tokEpoch}
		f := newTokFake()
		f.fn = twelveHours(clk)
		p := newTestProvider(f, clk)
		var wg sync.WaitGroup
		start := make(chan struct{})
		errs := make(chan error, callers)
		for range callers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				if _, err := p.Token(context.Background(), "eu-west-1"); err != nil {
					errs <- err
				}
			}()
		}
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatalf("round %d: %v", round, err)
		}
		if got := len(f.Calls()); got != 1 {
			t.Fatalf("round %d: %d GetAuthorizationToken calls for %d concurrent callers, want exactly 1", round, got, callers)
		}
	}
}

func TestTokenCallerDeadline(t *testing.T) {
	clk := &tokClock{now: tokEpoch}
	f := newTokFake()
	type seen struct {
		err      error
		deadline time.Time
	}
	done := make(chan seen, 1)
	f.fn = func(ctx context.Context, _ string, _ int) (*ecr.GetAuthorizationTokenOutput, error) {
		dl, _ := ctx.Deadline()
		<-ctx.Done()
		done <- seen{err: ctx.Err(), deadline: dl}
		return nil, ctx.Err()
	}
	const timeout = 300 * time.Millisecond
	p := newTestProvider(f, clk, func(o *appmeshenvoy.TokenOptions) { o.Timeout = timeout })

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	callerDeadline, _ := ctx.Deadline()
	_, err := p.Token(ctx, "us-west-2")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want context.DeadlineExceeded", err)
	}
	if err != nil && !strings.Contains(err.Error(), "us-west-2") {
		t.Errorf("err = %v, want it to name the region", err)
	}
	select {
	case s := <-done:
		if !errors.Is(s.err, context.DeadlineExceeded) {
			t.Errorf("shared fetch ended with %v, want its own deadline", s.err)
		}
		if !s.deadline.After(callerDeadline) {
			// With the caller's context the fetch would have the caller's (earlier) deadline.
			t.Error("the shared fetch had the caller's deadline, not its own timeout")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the shared fetch did not end by its own timeout")
	}
}

func TestTokenInvalidate(t *testing.T) {
	clk := &tokClock{now: tokEpoch}
	f := newTokFake()
	f.fn = twelveHours(clk)
	p := newTestProvider(f, clk)
	ctx := context.Background()
	for _, r := range []string{"us-west-2", "eu-west-1"} {
		if _, err := p.Token(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	p.Invalidate("eu-west-1")
	_, _ = p.Token(ctx, "us-west-2")
	_, _ = p.Token(ctx, "eu-west-1")
	if diff := cmp.Diff([]string{"us-west-2", "eu-west-1", "eu-west-1"}, f.Calls()); diff != "" {
		t.Errorf("calls after Invalidate(eu-west-1) (-want +got):\n%s", diff)
	}
	p.Invalidate()
	_, _ = p.Token(ctx, "us-west-2")
	if got := len(f.Calls()); got != 4 {
		t.Errorf("%d calls after Invalidate(), want 4", got)
	}
}

func TestTokenMalformedAnswers(t *testing.T) {
	good := base64.StdEncoding.EncodeToString([]byte("AWS:" + tokSecretText))
	tests := []struct {
		name string
		out  *ecr.GetAuthorizationTokenOutput
	}{
		{"no data", &ecr.GetAuthorizationTokenOutput{}},
		{"no token", &ecr.GetAuthorizationTokenOutput{AuthorizationData: []ecrtypes.AuthorizationData{{ExpiresAt: aws.Time(tokEpoch.Add(time.Hour))}}}},
		{"no expiry", &ecr.GetAuthorizationTokenOutput{AuthorizationData: []ecrtypes.AuthorizationData{{AuthorizationToken: aws.String(good)}}}},
		{"expired on arrival", authOutput(tokSecretText, tokEpoch.Add(-time.Second))},
		{"not base64", &ecr.GetAuthorizationTokenOutput{AuthorizationData: []ecrtypes.AuthorizationData{{
			AuthorizationToken: aws.String("AWS:" + tokSecretText), ExpiresAt: aws.Time(tokEpoch.Add(time.Hour))}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newTokFake()
			f.fn = func(context.Context, string, int) (*ecr.GetAuthorizationTokenOutput, error) { return tt.out, nil }
			p := newTestProvider(f, &tokClock{now: tokEpoch})
			_, err := p.Token(context.Background(), "us-west-2")
			if !errors.Is(err, appmeshenvoy.ErrMalformedToken) {
				t.Fatalf("err = %v, want ErrMalformedToken", err)
			}
			if strings.Contains(err.Error(), tokSecretText) || strings.Contains(err.Error(), good) {
				t.Error("the error contains the token")
			}
		})
	}
}

func TestDecodeAuthorizationToken(t *testing.T) {
	enc := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	tests := []struct {
		name, in string
		ok       bool
	}{
		{"valid", enc("AWS:" + tokSecretText), true},
		{"surrounding space", " " + enc("AWS:"+tokSecretText) + "\n", true},
		{"not base64", "!!!" + tokSecretText, false},
		{"raw url base64", base64.RawURLEncoding.EncodeToString([]byte("AWS:" + tokSecretText + "??>")), false},
		{"no colon", enc("AWS" + tokSecretText), false},
		{"two colons", enc("AWS:" + tokSecretText + ":x"), false},
		{"user not AWS", enc("aws:" + tokSecretText), false},
		{"empty user", enc(":" + tokSecretText), false},
		{"empty password", enc("AWS:"), false},
		{"empty", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			user, pw, err := appmeshenvoy.DecodeAuthorizationToken(tt.in)
			if !tt.ok {
				if !errors.Is(err, appmeshenvoy.ErrMalformedToken) {
					t.Fatalf("err = %v, want ErrMalformedToken", err)
				}
				var me *appmeshenvoy.MalformedTokenError
				if !errors.As(err, &me) {
					t.Error("not a *MalformedTokenError")
				}
				if strings.Contains(err.Error(), tokSecretText) || strings.Contains(err.Error(), tt.in) && tt.in != "" {
					t.Error("the error contains the token")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if user != "AWS" || pw.Reveal() != tokSecretText {
				t.Error("decoded the wrong user or password")
			}
		})
	}
}

func TestTokenErrors(t *testing.T) {
	tests := []struct {
		name, region, code string
		want               error
		mention            []string
	}{
		{"access denied", "us-west-2", "AccessDeniedException", appmeshenvoy.ErrAccessDenied, []string{"us-west-2", "ecr:GetAuthorizationToken", `"*"`}},
		{"throttled", "eu-west-1", "ThrottlingException", appmeshenvoy.ErrThrottled, []string{"eu-west-1"}},
		{"unknown key", "us-west-2", "UnrecognizedClientException", appmeshenvoy.ErrInvalidCredentials, []string{"us-west-2"}},
		{"wrong secret", "us-west-2", "InvalidSignatureException", appmeshenvoy.ErrInvalidCredentials, []string{"us-west-2"}},
		{"expired session", "us-west-2", "ExpiredTokenException", appmeshenvoy.ErrInvalidCredentials, []string{"us-west-2"}},
		{"opt-in region not enabled", "me-south-1", "UnrecognizedClientException", appmeshenvoy.ErrRegionNotEnabled, []string{"me-south-1", "enable"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newTokFake()
			f.fn = func(context.Context, string, int) (*ecr.GetAuthorizationTokenOutput, error) {
				return nil, &smithy.GenericAPIError{Code: tt.code, Message: "from aws"}
			}
			p := newTestProvider(f, &tokClock{now: tokEpoch})
			_, err := p.Token(context.Background(), tt.region)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			var ae smithy.APIError
			if !errors.As(err, &ae) || ae.ErrorCode() != tt.code {
				t.Errorf("the SDK error is not reachable with errors.As: %v", err)
			}
			for _, m := range tt.mention {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("err = %q, want it to mention %s", err, m)
				}
			}
		})
	}
}

type failingCreds struct{}

func (failingCreds) Retrieve(context.Context) (aws.Credentials, error) {
	return aws.Credentials{}, errors.New("no EC2 IMDS role found")
}

func TestTokenNoCredentials(t *testing.T) {
	f := newTokFake()
	for name, cfg := range map[string]aws.Config{
		"nil provider":     {},
		"failing provider": {Credentials: failingCreds{}},
	} {
		t.Run(name, func(t *testing.T) {
			p := appmeshenvoy.NewTokenProvider(cfg, func(o *appmeshenvoy.TokenOptions) { o.ECRClientForRegion = f.forRegion })
			_, err := p.Token(context.Background(), "us-west-2")
			if !errors.Is(err, appmeshenvoy.ErrNoCredentials) || !strings.Contains(err.Error(), "us-west-2") {
				t.Errorf("err = %v, want appmeshenvoy.ErrNoCredentials naming the region", err)
			}
		})
	}
	if len(f.Calls()) != 0 {
		t.Error("called ECR without credentials")
	}
}

// TestTokenFIPSWithEndpointInECROptions: a custom endpoint set by an ECROptions function
// (a VPC endpoint, a local endpoint) wins over UseFIPSEndpoint, as one in the aws.Config
// does, instead of every call failing because the SDK cannot combine the two.
func TestTokenFIPSWithEndpointInECROptions(t *testing.T) {
	srv := appmeshenvoytest.NewServer()
	defer srv.Close()
	cfg := srv.Config("us-east-1")
	cfg.BaseEndpoint = nil
	p := appmeshenvoy.NewTokenProvider(cfg, func(o *appmeshenvoy.TokenOptions) {
		o.FIPS = true
		o.ECROptions = append(o.ECROptions, func(eo *ecr.Options) { eo.BaseEndpoint = aws.String(srv.URL) })
	})
	tok, err := p.Token(context.Background(), "us-west-2") // a region with a FIPS endpoint
	if err != nil {
		t.Fatalf("appmeshenvoy.Token: %v", err)
	}
	if tok.Registry != region.MustLookup("us-west-2").RegistryHost() {
		t.Errorf("appmeshenvoy.Registry = %s", tok.Registry)
	}
	if n := srv.Requests("ecr:GetAuthorizationToken", "us-west-2"); n != 1 {
		t.Errorf("%d requests at the custom endpoint, want 1", n)
	}
}

// TestTokenWire uses the real ECR client against the local AWS endpoint: signing,
// serialization, retries of injected faults and error codes.
func TestTokenWire(t *testing.T) {
	srv := appmeshenvoytest.NewServer()
	defer srv.Close()
	p := appmeshenvoy.NewTokenProvider(srv.Config("us-east-1"), func(o *appmeshenvoy.TokenOptions) { o.RetryMaxBackoff = 10 * time.Millisecond })
	ctx := context.Background()

	srv.FailNext("ecr:GetAuthorizationToken", "eu-west-1", 3, appmeshenvoytest.Throttling("GetAuthorizationToken"))
	tok, err := p.Token(ctx, "eu-west-1")
	if err != nil {
		t.Fatal(err)
	}
	if tok.Password.Reveal() != srv.Password() {
		t.Error("the token's password is not the one the endpoint issued")
	}
	if tok.Registry != region.MustLookup("eu-west-1").RegistryHost() {
		t.Errorf("appmeshenvoy.Registry = %s, want the owner's host", tok.Registry)
	}
	if got := srv.Requests("ecr:GetAuthorizationToken", "eu-west-1"); got != 4 {
		t.Errorf("%d requests, want 4 (3 throttled + 1)", got)
	}
	if _, err := p.Token(ctx, "eu-west-1"); err != nil || srv.Requests("ecr:GetAuthorizationToken", "eu-west-1") != 4 {
		t.Errorf("warm call: err %v, %d requests; want the cache", err, srv.Requests("ecr:GetAuthorizationToken", "eu-west-1"))
	}

	srv.FailNext("ecr:GetAuthorizationToken", "us-west-2", 1, appmeshenvoytest.AccessDenied("GetAuthorizationToken"))
	_, err = p.Token(ctx, "us-west-2")
	if !errors.Is(err, appmeshenvoy.ErrAccessDenied) || !strings.Contains(err.Error(), "ecr:GetAuthorizationToken") {
		t.Errorf("err = %v, want appmeshenvoy.ErrAccessDenied naming the permission", err)
	}
	if err != nil && strings.Contains(err.Error(), srv.Password()) {
		t.Error("the error contains the password")
	}

	bad := srv.Config("us-east-1")
	bad.Credentials = credentials.NewStaticCredentialsProvider("AKIDUNKNOWN", "nope", "")
	_, err = appmeshenvoy.NewTokenProvider(bad).Token(ctx, "us-east-2")
	if !errors.Is(err, appmeshenvoy.ErrInvalidCredentials) {
		t.Errorf("unknown key: err = %v, want ErrInvalidCredentials", err)
	}
}

func TestTokenWarmNoAlloc(t *testing.T) {
	clk := &tokClock{now: tokEpoch}
	f := newTokFake()
	f.fn = twelveHours(clk)
	p := newTestProvider(f, clk)
	ctx := context.Background()
	if _, err := p.Token(ctx, "us-west-2"); err != nil {
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(100, func() { _, _ = p.Token(ctx, "us-west-2") })
	if allocs != 0 {
		t.Errorf("warm appmeshenvoy.Token allocates %.1f times per call, want 0", allocs)
	}
}

func BenchmarkTokenWarm(b *testing.B) {
	clk := &tokClock{now: tokEpoch}
	f := newTokFake()
	f.fn = twelveHours(clk)
	p := newTestProvider(f, clk)
	ctx := context.Background()
	if _, err := p.Token(ctx, "us-west-2"); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := p.Token(ctx, "us-west-2"); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func FuzzDecodeAuthorizationToken(f *testing.F) {
	enc := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	for _, s := range []string{
		enc("AWS:eyJwYXlsb2FkIjoiYWJjIn0="), enc("AWS:"), enc("aws:x"), enc("AWS:a:b"), enc("AWSx"),
		enc(":x"), "", "====", "QVdTOng", "QVdTOng=\n", " " + enc("AWS:p") + " ", "AWS:plain", "\x00\xff",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		user, pw, err := appmeshenvoy.DecodeAuthorizationToken(in)
		if err != nil {
			var me *appmeshenvoy.MalformedTokenError
			if !errors.Is(err, appmeshenvoy.ErrMalformedToken) || !errors.As(err, &me) {
				t.Fatalf("error %v is not a *MalformedTokenError", err)
			}
			if !knownMalformedReasons[me.Reason] {
				t.Fatalf("unexpected reason %q (reasons are fixed texts that cannot echo the token)", me.Reason)
			}
			if user != "" || !pw.IsZero() {
				t.Fatal("non-zero results with an error")
			}
			return
		}
		if user != "AWS" || pw.IsZero() || strings.Contains(pw.Reveal(), ":") {
			t.Fatalf("accepted a token with user %q and a bad password", user)
		}
		dec, _ := base64.StdEncoding.DecodeString(strings.TrimSpace(in))
		if string(dec) != "AWS:"+pw.Reveal() {
			t.Fatal("the decoded password does not round-trip")
		}
	})
}

// knownMalformedReasons are every appmeshenvoy.MalformedTokenError.Reason appmeshenvoy.DecodeAuthorizationToken
// gives.
var knownMalformedReasons = map[string]bool{
	"the token is not valid base64":           true,
	"the decoded token has no ':'":            true,
	"the decoded token has more than one ':'": true,
	`the user is not "AWS"`:                   true,
	"the password is empty":                   true,
}

// TestTokenWireFaults: with default settings, tokens for every region of the aws
// partition arrive although 30% of the requests are throttled or fail with 500.
func TestTokenWireFaults(t *testing.T) {
	srv := appmeshenvoytest.NewServer()
	defer srv.Close()
	regions, err := region.InPartition("aws")
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range regions {
		fault := appmeshenvoytest.Throttling("GetAuthorizationToken")
		if i%2 == 1 {
			fault = appmeshenvoytest.InternalError("GetAuthorizationToken")
		}
		srv.SetFailureRate("ecr:GetAuthorizationToken", r.Code, 0.3, fault, int64(i+1))
	}
	p := appmeshenvoy.NewTokenProvider(srv.Config("us-east-1"))
	for _, r := range regions {
		if _, err := p.Token(context.Background(), r.Code); err != nil {
			t.Errorf("%s: %v", r.Code, err)
		}
	}
	got := srv.Requests("ecr:GetAuthorizationToken", "*")
	if got <= len(regions) || got > len(regions)*appmeshenvoy.DefaultRetryMaxAttempts {
		t.Errorf("%d requests for %d regions, want some retries and at most %d attempts each", got, len(regions), appmeshenvoy.DefaultRetryMaxAttempts)
	}
}

// TestTokenWireStall: a stalled endpoint ends the caller's wait at its deadline, and
// the shared request at the provider's own timeout.
func TestTokenWireStall(t *testing.T) {
	srv := appmeshenvoytest.NewServer()
	defer srv.Close()
	srv.Stall("ecr:GetAuthorizationToken", "eu-west-2")
	p := appmeshenvoy.NewTokenProvider(srv.Config("us-east-1"), func(o *appmeshenvoy.TokenOptions) { o.Timeout = 500 * time.Millisecond })

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := p.Token(ctx, "eu-west-2")
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "eu-west-2") {
		t.Errorf("caller: err = %v, want its deadline, naming eu-west-2", err)
	}
	// A caller without a deadline joins the same shared request, which ends by the
	// provider's timeout (so no goroutine outlives the test).
	_, err = p.Token(context.Background(), "eu-west-2")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("shared request: err = %v, want the provider's timeout", err)
	}
	if n := srv.Requests("ecr:GetAuthorizationToken", "eu-west-2"); n < 1 {
		t.Errorf("%d requests, want at least 1", n)
	}
}

const tokSecretText = "hunter2-very-secret-password"

// TestTokenProviderNeverPrints: a provider holds the aws.Config's credentials provider
// (a static one is a plain struct with the secret access key) and cached passwords;
// printing or logging the provider shows neither.
func TestTokenProviderNeverPrints(t *testing.T) {
	const awsSecret = "aws-secret-access-key-for-print-test"
	clk := &tokClock{now: tokEpoch}
	f := newTokFake()
	f.fn = func(context.Context, string, int) (*ecr.GetAuthorizationTokenOutput, error) {
		return authOutput(tokSecretText, clk.Now().Add(12*time.Hour)), nil
	}
	p := appmeshenvoy.NewTokenProvider(aws.Config{Credentials: credentials.NewStaticCredentialsProvider("AKIDPRINT", awsSecret, "")},
		func(o *appmeshenvoy.TokenOptions) { o.ECRClientForRegion = f.forRegion; o.Clock = clk.Now })
	if _, err := p.Token(context.Background(), "us-west-2"); err != nil {
		t.Fatal(err)
	}
	var outputs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		outputs = append(outputs, fmt.Sprintf(verb, p), fmt.Sprintf(verb, struct{ P *appmeshenvoy.TokenProvider }{p}), fmt.Sprintf(verb, []any{p}))
	}
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("x", "provider", p)
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "provider", p)
	outputs = append(outputs, buf.String())
	for _, out := range outputs {
		if strings.Contains(out, awsSecret) {
			t.Errorf("output contains the secret access key")
		}
		if strings.Contains(out, tokSecretText) {
			t.Errorf("output contains the registry password")
		}
	}
	if got := fmt.Sprint(p); !strings.Contains(got, "cached tokens: 1") {
		t.Errorf("Sprint(provider) = %q", got)
	}
}
