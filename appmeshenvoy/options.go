package appmeshenvoy

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"

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
	// DefaultGalleryConnectTimeout bounds connecting to the ECR Public Gallery for the
	// gallery fallback: long enough for a distant region, short enough that a cluster
	// without internet access moves on to the next fallback quickly.
	DefaultGalleryConnectTimeout = 3 * time.Second
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

	// DescribeImagesClientForRegion, if set, supplies the DescribeImages client a
	// repository fallback uses for an ECR repository in a region (the repository's
	// region), instead of an *ecr.Client built from the config. Default: nil.
	DescribeImagesClientForRegion func(region string) DescribeImagesAPI

	// Fallbacks are asked, in order, for a region's latest image when the SSM parameter
	// is gone from it (ErrParameterNotFound) and, in [Resolver.PinAll], when the image
	// the parameter names is gone (ErrImageNotFound). Any other failure (access denied,
	// throttling, an unreachable endpoint) stays an error. The first source that answers
	// wins; its Result says which it was (Result.Source) and why it was asked
	// (Result.Warning). A source without an answer (no repository, no release tag, no
	// confirmed FIPS tag, and for the gallery an unreachable endpoint) passes on to the
	// next; any other failure of a source ends the chain with that error. See
	// [Fallback]. An invalid entry makes every call fail with [ErrInvalidFallback].
	// Default: none.
	Fallbacks []Fallback

	// GalleryConnectTimeout bounds connecting to the ECR Public Gallery (the gallery
	// fallback, and Pin of a gallery image). Values <= 0 mean the default,
	// DefaultGalleryConnectTimeout (3 seconds).
	GalleryConnectTimeout time.Duration

	// GalleryTokens, if set, authenticates gallery reads with an ECR Public token from
	// this provider (higher rate limits, no anonymous monthly cap). When the token
	// cannot be had because access is denied or the ECR Public endpoint cannot be
	// reached (principals without ecr-public:GetAuthorizationToken and
	// sts:GetServiceBearerToken, aws-cn, GovCloud, policies that deny us-east-1), the
	// gallery is read anonymously and the answer says so. Default: nil, anonymous.
	GalleryTokens *TokenProvider

	// RegistryKeychain gives the credentials of registries that are not AWS's, for
	// repository fallbacks there (and Pin of their images). Default:
	// authn.DefaultKeychain (the docker config and its credential helpers).
	RegistryKeychain authn.Keychain

	// AWSRegistryEndpoint is the URL of an endpoint that serves every AWS registry host
	// by path, as the local endpoint of appmeshenvoytest does (the CLI's
	// --endpoint-url): the gallery's traffic then goes to <URL>/v2/public.ecr.aws/...
	// Default "": AWS registries are reached at their own hosts.
	AWSRegistryEndpoint string

	// RegistryEndpoints sends the traffic of one registry host to a URL (the CLI's
	// --registry-endpoint HOST=URL), which wins over AWSRegistryEndpoint: https, or
	// plain http to a loopback address. Default: none.
	RegistryEndpoints map[string]string

	// TrustRegistryEndpoints lets an ECR Public token from real AWS (GalleryTokens) go
	// to an overridden gallery URL. Without it the gallery is read anonymously when its
	// URL is overridden and the token provider's endpoint is not. Default false.
	TrustRegistryEndpoints bool

	// RegistryTransport is the base HTTP transport of registry traffic (proxies, TLS
	// roots). Default: the transport of the aws.Config's HTTPClient when it is the
	// SDK's buildable client, else one with proxies from the environment and
	// AWS_CA_BUNDLE's roots.
	RegistryTransport *http.Transport

	// OnRegistryEndpoint is called once for every registry host whose traffic goes to
	// another URL than its own (an override or AWSRegistryEndpoint), before the first
	// request to it, so that the caller can show it. Default nil.
	OnRegistryEndpoint func(host, url string)

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

		GalleryConnectTimeout: DefaultGalleryConnectTimeout,
		RegistryKeychain:      authn.DefaultKeychain,
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
	if o.GalleryConnectTimeout <= 0 {
		o.GalleryConnectTimeout = d.GalleryConnectTimeout
	}
	if o.RegistryKeychain == nil {
		o.RegistryKeychain = authn.DefaultKeychain
	}
	o.Fallbacks = slices.Clone(o.Fallbacks)
}
