package appmeshenvoy_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	"golang.org/x/sync/errgroup"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/appmeshenvoytest"
	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

// Reliability: the real SDK clients with the library's default retry settings against
// the local endpoint's fault injection. Schedules are deterministic (FailNext rules
// drawn from a fixed seed); scripts/soak.sh runs the same mix with seeded rates for
// longer.

const (
	relOpSSM = "ssm:GetParameter"
	relOpECR = "ecr:GetAuthorizationToken"
)

// relAttempts records the SDK's per-call attempt results (retry.GetAttemptResults of
// the result metadata), per service and region.
type relAttempts struct {
	mu    sync.Mutex
	calls map[string][]retry.AttemptResults // "ssm/us-west-2" -> one entry per call
}

func (a *relAttempts) middleware(key string) func(*middleware.Stack) error {
	return func(st *middleware.Stack) error {
		return st.Initialize.Add(middleware.InitializeMiddlewareFunc("relRecordAttempts",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				out, md, err := next.HandleInitialize(ctx, in)
				if res, ok := retry.GetAttemptResults(md); ok {
					a.mu.Lock()
					if a.calls == nil {
						a.calls = map[string][]retry.AttemptResults{}
					}
					a.calls[key] = append(a.calls[key], res)
					a.mu.Unlock()
				}
				return out, md, err
			}), middleware.After)
	}
}

// ssm and ecr are client option functions that add the recorder; they run after the
// library's own settings, so its retryer stays in place.
func (a *relAttempts) ssm(o *ssm.Options) {
	o.APIOptions = append(o.APIOptions, a.middleware("ssm/"+o.Region))
}

func (a *relAttempts) ecr(o *ecr.Options) {
	o.APIOptions = append(o.APIOptions, a.middleware("ecr/"+o.Region))
}

func (a *relAttempts) get(key string) []retry.AttemptResults {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.calls[key]
}

// relSchedule queues, for one operation and region, the failures that precede the
// first success when each attempt is throttled with probability 0.3 and answered 500
// with probability 0.1. It returns the error codes in order.
func relSchedule(srv *appmeshenvoytest.Server, rng *rand.Rand, op, code string) []string {
	var codes []string
	for {
		var f appmeshenvoytest.AWSError
		switch x := rng.Float64(); {
		case x < 0.3:
			f = appmeshenvoytest.Throttling(op)
		case x < 0.4:
			f = appmeshenvoytest.InternalError(op)
		default:
			return codes
		}
		srv.FailNext(op, code, 1, f)
		codes = append(codes, f.Code)
	}
}

func relCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

// relCheckAttempts checks that one call was made for key, with the scheduled failures
// and then a success, within max attempts, and that the server saw as many requests.
func relCheckAttempts(t *testing.T, srv *appmeshenvoytest.Server, rec *relAttempts, key, op, code string, sched []string, max int) int {
	t.Helper()
	calls := rec.get(key)
	if len(calls) != 1 {
		t.Errorf("%s: %d calls recorded, want 1", key, len(calls))
		return 0
	}
	var got []string
	for _, r := range calls[0].Results {
		got = append(got, relCode(r.Err))
	}
	want := append(append([]string{}, sched...), "")
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("%s: attempt errors %q, want %q (the schedule, then success)", key, got, want)
	}
	if len(got) > max {
		t.Errorf("%s: %d attempts, more than the documented %d", key, len(got), max)
	}
	if n := srv.Requests(op, code); n != len(want) {
		t.Errorf("%s: the server saw %d requests, want %d", key, n, len(want))
	}
	return len(got)
}

// TestReliabilityThrottlingAndServerErrors: 30 % of the requests throttled (HTTP 400
// ThrottlingException) and 10 % answered 500, in every region of the aws partition:
// LatestAll and Token succeed everywhere with the default retry settings, and the
// attempts (visible through retry.GetAttemptResults) are exactly the scheduled
// failures plus one, never more than the documented maximum.
func TestReliabilityThrottlingAndServerErrors(t *testing.T) {
	t.Parallel() // the SDK's default backoff makes this take seconds
	srv := appmeshenvoytest.NewServer()
	defer srv.Close()
	regions, err := region.InPartition("aws")
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(2024, 10))
	ssmSched, ecrSched := map[string][]string{}, map[string][]string{}
	failures := 0
	for _, r := range regions {
		ssmSched[r.Code] = relSchedule(srv, rng, relOpSSM, r.Code)
		ecrSched[r.Code] = relSchedule(srv, rng, relOpECR, r.Code)
		failures += len(ssmSched[r.Code]) + len(ecrSched[r.Code])
		if len(ssmSched[r.Code]) >= appmeshenvoy.DefaultRetryMaxAttempts || len(ecrSched[r.Code]) >= appmeshenvoy.DefaultRetryMaxAttempts {
			t.Fatalf("the seed gives %s more failures in a row than the attempts allow; choose another seed", r.Code)
		}
	}
	if failures < len(regions)/2 {
		t.Fatalf("the seed gives only %d failures; choose another seed", failures)
	}

	rec := &relAttempts{}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	start := time.Now()
	res := appmeshenvoy.NewResolver(srv.Config("us-west-2"), func(o *appmeshenvoy.ResolverOptions) {
		o.SSMOptions = append(o.SSMOptions, rec.ssm)
	})
	results, err := res.LatestAll(ctx, awsRegionCodes())
	if err != nil {
		t.Fatalf("LatestAll: %v", err)
	}
	t.Logf("LatestAll over %d regions took %v", len(results), time.Since(start).Round(time.Millisecond))
	if len(results) != len(regions) {
		t.Fatalf("%d results, want %d", len(results), len(regions))
	}
	hist := map[int]int{}
	for _, r := range results {
		if r.Err != nil {
			t.Errorf("%s: %v", r.Region, r.Err)
			continue
		}
		if r.Image.Region() != r.Region || r.Image.Tag != appmeshenvoytest.DefaultTag {
			t.Errorf("%s: image %s", r.Region, r.Image)
		}
		hist[relCheckAttempts(t, srv, rec, "ssm/"+r.Region, relOpSSM, r.Region, ssmSched[r.Region], appmeshenvoy.DefaultRetryMaxAttempts)]++
	}
	t.Logf("GetParameter attempts per region: %v", hist)

	start = time.Now()
	tp := appmeshenvoy.NewTokenProvider(srv.Config("us-west-2"), func(o *appmeshenvoy.TokenOptions) {
		o.ECROptions = append(o.ECROptions, rec.ecr)
	})
	tokens := make([]appmeshenvoy.Token, len(regions))
	var g errgroup.Group
	for i, r := range regions {
		g.Go(func() error {
			tok, err := tp.Token(ctx, r.Code)
			if err != nil {
				return err
			}
			tokens[i] = tok
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatalf("Token: %v", err)
	}
	t.Logf("Token in %d regions took %v", len(regions), time.Since(start).Round(time.Millisecond))
	hist = map[int]int{}
	for i, r := range regions {
		if tokens[i].Registry != r.RegistryHost() || tokens[i].Password.Reveal() != srv.Password() {
			t.Errorf("%s: token for %s does not carry the issued password", r.Code, tokens[i].Registry)
		}
		hist[relCheckAttempts(t, srv, rec, "ecr/"+r.Code, relOpECR, r.Code, ecrSched[r.Code], appmeshenvoy.DefaultRetryMaxAttempts)]++
	}
	t.Logf("GetAuthorizationToken attempts per region: %v", hist)
	noSecrets(t, secretForms(srv), "results and tokens", results, tokens)
}

// TestReliabilityOneRegionAlwaysFails: one region answers every request with a fault;
// every other region succeeds, and the failing region's error is typed, names the
// region and the cause, and comes after exactly the documented number of attempts.
func TestReliabilityOneRegionAlwaysFails(t *testing.T) {
	t.Parallel() // 8 attempts with the SDK's default backoff take about 13 s
	tests := []struct {
		name   string
		fault  func(op string) appmeshenvoytest.AWSError
		region string
		// check tells whether err is the expected kind.
		check func(err error) bool
		cause string
	}{
		{
			name: "throttled", fault: appmeshenvoytest.Throttling, region: "ap-south-1",
			check: func(err error) bool { return errors.Is(err, appmeshenvoy.ErrThrottled) },
			cause: "throttled",
		},
		{
			// No sentinel for persistent 5xx answers: the error is a *RegionError that
			// keeps the SDK's error for errors.As.
			name: "internal error", fault: appmeshenvoytest.InternalError, region: "eu-west-3",
			check: func(err error) bool {
				var re *appmeshenvoy.RegionError
				var ae smithy.APIError
				return errors.As(err, &re) && errors.As(err, &ae) && ae.ErrorCode() == "InternalServerError"
			},
			cause: "InternalServerError",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := appmeshenvoytest.NewServer()
			defer srv.Close()
			srv.SetFailureRate(relOpSSM, tt.region, 1, tt.fault(relOpSSM), 1)
			srv.SetFailureRate(relOpECR, tt.region, 1, tt.fault(relOpECR), 1)
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()

			start := time.Now()
			results, err := appmeshenvoy.NewResolver(srv.Config("us-west-2")).LatestAll(ctx, awsRegionCodes())
			if err != nil {
				t.Fatalf("LatestAll: %v", err)
			}
			t.Logf("LatestAll took %v", time.Since(start).Round(time.Millisecond))
			for _, r := range results {
				if r.Region != tt.region {
					if r.Err != nil {
						t.Errorf("%s: %v", r.Region, r.Err)
					}
					continue
				}
				if r.Err == nil {
					t.Fatalf("%s succeeded although every request fails", r.Region)
				}
				var re *appmeshenvoy.RegionError
				if !tt.check(r.Err) || !errors.As(r.Err, &re) || re.Region != tt.region {
					t.Errorf("error %v: want a *RegionError for %s of the %s kind", r.Err, tt.region, tt.name)
				}
				if msg := r.Err.Error(); !strings.HasPrefix(msg, "resolve "+tt.region+": ") || !strings.Contains(msg, tt.cause) {
					t.Errorf("error %q does not name the region and the cause (%s)", msg, tt.cause)
				}
				if want := fmt.Sprintf("%d attempts", appmeshenvoy.DefaultRetryMaxAttempts); !strings.Contains(r.Err.Error(), want) {
					t.Errorf("error %q does not say it gave up after %s", r.Err, want)
				}
				if r.Image != (appmeshenvoy.Image{}) {
					t.Errorf("a failed region carries an image: %v", r.Image)
				}
			}
			if n := srv.Requests(relOpSSM, tt.region); n != appmeshenvoy.DefaultRetryMaxAttempts {
				t.Errorf("%d GetParameter requests in %s, want the documented %d attempts", n, tt.region, appmeshenvoy.DefaultRetryMaxAttempts)
			}

			tp := appmeshenvoy.NewTokenProvider(srv.Config("us-west-2"))
			_, err = tp.Token(ctx, tt.region)
			var te *appmeshenvoy.TokenError
			if err == nil || !errors.As(err, &te) || te.Region != tt.region || !strings.Contains(err.Error(), tt.region) {
				t.Fatalf("Token: %v, want a *TokenError naming %s", err, tt.region)
			}
			if tt.name == "throttled" && !errors.Is(err, appmeshenvoy.ErrThrottled) {
				t.Errorf("Token: %v, want ErrThrottled", err)
			}
			if c := relCode(err); !strings.Contains(err.Error(), c) {
				t.Errorf("Token error %q does not name the AWS error %s", err, c)
			}
			if n := srv.Requests(relOpECR, tt.region); n != appmeshenvoy.DefaultRetryMaxAttempts {
				t.Errorf("%d GetAuthorizationToken requests, want the documented %d attempts", n, appmeshenvoy.DefaultRetryMaxAttempts)
			}
			other := "us-east-1"
			if _, err := tp.Token(ctx, other); err != nil {
				t.Errorf("Token in %s: %v", other, err)
			}
			noSecrets(t, secretForms(srv), "errors", results, err)
		})
	}
}

// relLog is a slog.Handler that hands every record to a channel.
type relLog struct{ ch chan slog.Record }

func (h relLog) Enabled(context.Context, slog.Level) bool { return true }
func (h relLog) Handle(_ context.Context, r slog.Record) error {
	select {
	case h.ch <- r.Clone():
	default:
	}
	return nil
}
func (h relLog) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h relLog) WithGroup(string) slog.Handler      { return h }

func relAttrs(r slog.Record) map[string]slog.Value {
	m := map[string]slog.Value{}
	r.Attrs(func(a slog.Attr) bool { m[a.Key] = a.Value; return true })
	return m
}

// TestReliabilityStalledRegion: a region whose endpoint never answers. The caller's
// deadline ends Latest promptly with a context error; the shared request, detached from
// the caller, ends by the resolver's own Timeout; in LatestAll only that region fails.
// The package's TestMain (goleak) checks that no goroutine survives.
func TestReliabilityStalledRegion(t *testing.T) {
	srv := appmeshenvoytest.NewServer()
	defer srv.Close()
	const stalled = "eu-central-1"
	srv.Stall(relOpSSM, stalled)
	const timeout = 2 * time.Second // the resolver's shared-lookup Timeout
	logs := relLog{ch: make(chan slog.Record, 1024)}
	res := appmeshenvoy.NewResolver(srv.Config("us-west-2"), func(o *appmeshenvoy.ResolverOptions) {
		o.Timeout = timeout
		o.Logger = slog.New(logs)
	})

	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	img, err := res.Latest(ctx, stalled)
	waited := time.Since(start)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Latest = %v, %v; want the caller's deadline", img, err)
	}
	var re *appmeshenvoy.RegionError
	if !errors.As(err, &re) || re.Region != stalled || !strings.Contains(err.Error(), stalled) {
		t.Errorf("error %v does not name %s", err, stalled)
	}
	// The caller did not wait for the shared request: that one runs until Timeout.
	if waited >= timeout {
		t.Errorf("Latest returned after %v, not at the caller's 300ms deadline (the shared Timeout is %v)", waited, timeout)
	}

	// The shared request ends by its own Timeout, after the caller left: the resolver
	// logs its failure with the elapsed time.
	deadline := time.After(30 * time.Second)
	for done := false; !done; {
		select {
		case r := <-logs.ch:
			a := relAttrs(r)
			if r.Message != "appmeshenvoy: GetParameter failed" || a["region"].String() != stalled {
				continue
			}
			done = true
			if e, ok := a["error"].Any().(error); !ok || !errors.Is(e, context.DeadlineExceeded) {
				t.Errorf("the shared request ended with %v, want its Timeout", a["error"])
			}
			if el := a["elapsed"].Duration(); el < timeout/2 {
				t.Errorf("the shared request ended after %v: it did not outlive the caller's deadline", el)
			}
		case <-deadline:
			t.Fatal("the shared request to the stalled region did not end within 30s")
		}
	}

	// LatestAll: only the stalled region fails, by the resolver's Timeout; every other
	// region of the partition succeeds.
	actx, acancel := context.WithTimeout(context.Background(), time.Minute)
	defer acancel()
	results, err := res.LatestAll(actx, awsRegionCodes())
	if err != nil {
		t.Fatalf("LatestAll: %v", err)
	}
	for _, r := range results {
		switch {
		case r.Region == stalled:
			if !errors.Is(r.Err, context.DeadlineExceeded) || !strings.Contains(r.Err.Error(), stalled) {
				t.Errorf("%s: err %v, want the Timeout, naming the region", r.Region, r.Err)
			}
		case r.Err != nil:
			t.Errorf("%s: %v", r.Region, r.Err)
		}
	}
}

// TestReliabilityStalledRegionCallerDeadlineInLatestAll: a caller's deadline shorter
// than a stalled region ends LatestAll promptly with a context error for that region
// only; the other regions' results are kept.
func TestReliabilityStalledRegionCallerDeadlineInLatestAll(t *testing.T) {
	srv := appmeshenvoytest.NewServer()
	defer srv.Close()
	const stalled = "ap-northeast-2"
	srv.Stall(relOpSSM, stalled)
	res := appmeshenvoy.NewResolver(srv.Config("us-west-2"), func(o *appmeshenvoy.ResolverOptions) {
		o.Timeout = 3 * time.Second
	})
	// Warm up every other region, so that their answers are not what the deadline cuts.
	var others []string
	for _, r := range region.All() {
		if r.Partition.ID == "aws" && r.Code != stalled {
			others = append(others, r.Code)
		}
	}
	if _, err := res.LatestAll(context.Background(), others); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	results, err := res.LatestAll(ctx, awsRegionCodes())
	if err != nil {
		t.Fatalf("LatestAll = %v: the caller's deadline discarded every region's result, want a context error for %s only", err, stalled)
	}
	for _, r := range results {
		switch {
		case r.Region == stalled:
			if !errors.Is(r.Err, context.DeadlineExceeded) {
				t.Errorf("%s: err %v, want the caller's deadline", r.Region, r.Err)
			}
		case r.Err != nil:
			t.Errorf("%s: %v", r.Region, r.Err)
		}
	}
	// Let the shared request end by its Timeout before the server closes.
	_, _ = res.Latest(context.Background(), stalled)
}

// TestReliabilityCredentials: missing, invalid and expired credentials give LatestAll
// one clear error up front (not one per region) and Token one clear error.
func TestReliabilityCredentials(t *testing.T) {
	type credCase struct {
		name string
		// setup changes the config (and the server) for the case.
		setup func(srv *appmeshenvoytest.Server, cfg *aws.Config)
		want  error
		// advice is a piece of the message that says what to do.
		advice string
		// noRequests: the problem is found before any request.
		noRequests bool
	}
	cases := []credCase{
		{
			name: "empty static credentials",
			setup: func(_ *appmeshenvoytest.Server, cfg *aws.Config) {
				cfg.Credentials = credentials.NewStaticCredentialsProvider("", "", "")
			},
			want: appmeshenvoy.ErrNoCredentials, advice: "credentials", noRequests: true,
		},
		{
			name: "provider error",
			setup: func(_ *appmeshenvoytest.Server, cfg *aws.Config) {
				cfg.Credentials = aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
					return aws.Credentials{}, errors.New("sso session expired; run aws sso login")
				})
			},
			want: appmeshenvoy.ErrNoCredentials, advice: "sso", noRequests: true,
		},
		{
			name:  "no provider",
			setup: func(_ *appmeshenvoytest.Server, cfg *aws.Config) { cfg.Credentials = nil },
			want:  appmeshenvoy.ErrNoCredentials, advice: "credentials", noRequests: true,
		},
		{
			name: "unknown key",
			setup: func(_ *appmeshenvoytest.Server, cfg *aws.Config) {
				cfg.Credentials = credentials.NewStaticCredentialsProvider("AKIDRELUNKNOWN", "rel-secret", "")
			},
			want: appmeshenvoy.ErrInvalidCredentials, advice: "credentials",
		},
		{
			name: "expired session",
			setup: func(srv *appmeshenvoytest.Server, _ *aws.Config) {
				srv.SetFailureRate(relOpSSM, "*", 1, appmeshenvoytest.ExpiredToken(relOpSSM), 1)
				srv.SetFailureRate(relOpECR, "*", 1, appmeshenvoytest.ExpiredToken(relOpECR), 1)
			},
			want: appmeshenvoy.ErrInvalidCredentials, advice: "expired",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := appmeshenvoytest.NewServer()
			defer srv.Close()
			cfg := srv.Config("us-west-2")
			tc.setup(srv, &cfg)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			results, err := appmeshenvoy.NewResolver(cfg).LatestAll(ctx, awsRegionCodes())
			if !errors.Is(err, tc.want) {
				t.Fatalf("LatestAll = %v, want one error matching %v", err, tc.want)
			}
			if results != nil {
				t.Errorf("LatestAll returned %d results with its error", len(results))
			}
			msg := err.Error()
			if strings.Count(msg, "resolve ") > 1 || strings.Contains(msg, "\n") {
				t.Errorf("error %q is not one error", msg)
			}
			if !strings.Contains(strings.ToLower(msg), tc.advice) {
				t.Errorf("error %q does not say %q", msg, tc.advice)
			}
			n := srv.Requests(relOpSSM, "*")
			if tc.noRequests && n != 0 {
				t.Errorf("%d requests made with no usable credentials, want 0", n)
			}
			if regs, _ := region.InPartition("aws"); n > len(regs)*appmeshenvoy.DefaultRetryMaxAttempts {
				t.Errorf("%d requests, more than the attempts allow", n)
			}

			_, err = appmeshenvoy.NewTokenProvider(cfg).Token(ctx, "us-west-2")
			if !errors.Is(err, tc.want) {
				t.Fatalf("Token = %v, want an error matching %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), "us-west-2") || strings.Contains(err.Error(), "\n") {
				t.Errorf("Token error %q: want one line naming the region", err)
			}
			if n := srv.Requests(relOpECR, "*"); tc.noRequests && n != 0 {
				t.Errorf("%d token requests with no usable credentials, want 0", n)
			}
			noSecrets(t, secretForms(srv, "rel-secret"), "errors", err, results)
		})
	}
}
