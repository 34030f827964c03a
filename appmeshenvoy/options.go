package appmeshenvoy

import (
	"context"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

// Defaults of [ResolverOptions] and [TokenOptions].
const (
	// DefaultCacheTTL is how long a resolved image is reused.
	DefaultCacheTTL = 15 * time.Minute
	// DefaultTimeout bounds one shared lookup or token refresh (all its retries
	// included).
	DefaultTimeout = 15 * time.Second
	// DefaultRetryMaxAttempts is the number of attempts per AWS call. GetParameter and
	// BatchGetImage are idempotent reads, so more attempts than the SDK's 3 are safe: with
	// 8 attempts, a 40 % chance of failure per attempt still succeeds with probability
	// 1-0.4^8 > 99.9 % (0.99934). The SDK's standard retryer retries throttling
	// (HTTP 400 ThrottlingException and the other throttling codes), server errors
	// (HTTP 500, 502, 503, 504) and connection errors.
	DefaultRetryMaxAttempts = 8
	// DefaultRetryMaxBackoff caps the wait between attempts. The backoff is full jitter
	// from 50 ms doubling per attempt, so 7 waits add up to at most 8.35 s (2.2 s on
	// average) under sustained throttling, inside DefaultTimeout.
	DefaultRetryMaxBackoff = 2 * time.Second
)

// ResolverOptions configures a [Resolver]. [NewResolver] fills in the defaults before it
// applies the caller's option functions, so a function sees (and may change) every
// default.
type ResolverOptions struct {
	// ConfigForRegion, if set, returns the aws.Config to use for a region (for example
	// different credentials per region or account). It is called at most once per region
	// that succeeds, when the region's client is first needed. The resolver sets the
	// returned config's Region to the region (a config loaded from a profile carries the
	// profile's region). Default: nil, which uses the config given to NewResolver with
	// its Region set to the region.
	ConfigForRegion func(ctx context.Context, region string) (aws.Config, error)

	// SSMClientForRegion, if set, supplies the GetParameter client for a region, instead
	// of an *ssm.Client built from the config. It is called once per region. Use it for
	// mocks. Default: nil.
	SSMClientForRegion func(region string) GetParameterAPI

	// ECRClientForRegion, if set, supplies the BatchGetImage client [Resolver.Pin] uses
	// for a region, instead of an *ecr.Client built from the config. Default: nil.
	ECRClientForRegion func(region string) BatchGetImageAPI

	// SSMOptions are applied to every *ssm.Client the resolver builds, after its own
	// settings (so they may replace the retryer). Default: none.
	SSMOptions []func(*ssm.Options)

	// ECROptions are applied to every *ecr.Client the resolver builds, after its own
	// settings. Default: none.
	ECROptions []func(*ecr.Options)

	// CacheTTL is how long a resolved (or pinned) image is reused before the parameter is
	// read again. Zero disables caching (concurrent callers still share one request);
	// negative values count as zero. Failures are never cached. Default: DefaultCacheTTL
	// (15 minutes).
	CacheTTL time.Duration

	// Concurrency limits how many regions [Resolver.LatestAll] queries at once. Values
	// below 1 mean the default: the number of supported regions, so that every region is
	// queried at once.
	Concurrency int

	// Timeout bounds one shared lookup, retries included. It runs independently of the
	// callers' contexts, so that a lookup shared by several callers ends even when they
	// all gave up; a caller's own deadline still ends its wait at once. Values <= 0 mean
	// the default, DefaultTimeout (15 seconds).
	Timeout time.Duration

	// RetryMaxAttempts is the number of attempts per AWS call, made by the SDK's standard
	// retryer (with no client-side retry quota: sustained throttling would otherwise turn
	// into "retry quota exceeded" errors before the attempts are spent). Values below 1
	// mean the default, DefaultRetryMaxAttempts (8).
	RetryMaxAttempts int

	// RetryMaxBackoff caps the backoff between attempts. Values <= 0 mean the default,
	// DefaultRetryMaxBackoff (2 seconds).
	RetryMaxBackoff time.Duration

	// TrustParameterAccount accepts a parameter value whose registry account differs from
	// the region table (for when AWS moved a region to a new account and the table is
	// stale). The image's host, region and repository must still be right; the result
	// carries a Warning and the Logger logs it. Default: false, such a value is an
	// ErrUntrustedImage error.
	TrustParameterAccount bool

	// FIPS makes [Resolver.Latest] return the FIPS variant of the image ("-prod-fips"
	// tag) in regions that publish one, and an ErrFIPSUnavailable error elsewhere. The
	// registry host stays the standard one; use [Image.WithFIPSEndpoint] for the FIPS
	// endpoint host where ECR has one. To also call SSM through FIPS endpoints, load the
	// aws.Config with FIPS endpoints enabled. Default: false.
	FIPS bool

	// Logger receives debug records for lookups and a warning for every trusted account
	// mismatch. Default: nil, which discards.
	Logger *slog.Logger

	// Clock returns the current time for cache expiry. Default: time.Now.
	Clock func() time.Time
}

func defaultResolverOptions() ResolverOptions {
	return ResolverOptions{
		CacheTTL:         DefaultCacheTTL,
		Concurrency:      len(region.All()),
		Timeout:          DefaultTimeout,
		RetryMaxAttempts: DefaultRetryMaxAttempts,
		RetryMaxBackoff:  DefaultRetryMaxBackoff,
		Clock:            time.Now,
	}
}

// normalize clamps values that the caller's functions may have set out of range.
func (o *ResolverOptions) normalize() {
	d := defaultResolverOptions()
	if o.CacheTTL < 0 {
		o.CacheTTL = 0
	}
	if o.Concurrency < 1 {
		o.Concurrency = d.Concurrency
	}
	if o.Timeout <= 0 {
		o.Timeout = d.Timeout
	}
	if o.RetryMaxAttempts < 1 {
		o.RetryMaxAttempts = d.RetryMaxAttempts
	}
	if o.RetryMaxBackoff <= 0 {
		o.RetryMaxBackoff = d.RetryMaxBackoff
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
}
