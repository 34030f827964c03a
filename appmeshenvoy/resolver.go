package appmeshenvoy

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/appmesh-envoy/appmesh-envoy-go/internal/awserr"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/bodylimit"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/errcode"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/flight"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/quote"
	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

// Resolver finds the latest App Mesh Envoy image of a region by reading the public SSM
// parameter /aws/service/appmesh/envoy there, and verifies the answer against the region
// table (see the package documentation).
//
// It builds one SDK client per region, lazily, from one aws.Config (honouring its
// BaseEndpoint, HTTPClient and credentials), caches results per region for
// ResolverOptions.CacheTTL, and lets concurrent callers of the same region share one
// request. A Resolver is safe for concurrent use; create one and reuse it. The zero
// Resolver is not usable: its methods return an error (code "not-initialized") that
// says to call [NewResolver].
type Resolver struct {
	cfg  aws.Config
	opts ResolverOptions

	latest *flight.Cache[string, Result] // by region code
	pins   *flight.Cache[Image, Image]   // by image without Digest

	// optErr is the error of an invalid option (a Fallbacks entry), returned by every
	// call.
	optErr error

	clientMu        sync.Mutex
	configs         map[string]aws.Config
	ssmClients      map[string]regionClient[GetParameterAPI]
	ecrClients      map[string]regionClient[BatchGetImageAPI]
	describeClients map[string]regionClient[DescribeImagesAPI]

	registries registryClients // registry.go's clients for the gallery and other registries
}

// regionClient is a client and, when the resolver built it from a config, the
// credentials it signs with (checked before each call so that missing credentials give
// ErrNoCredentials).
type regionClient[T any] struct {
	api   T
	creds aws.CredentialsProvider
}

// errResolverNotInitialized is the error of every method of a zero Resolver.
var errResolverNotInitialized = errcode.New(errcode.NotInitialized,
	"appmeshenvoy: the Resolver is not initialized; create it with appmeshenvoy.NewResolver(cfg)")

// Ceilings of the answers the resolver reads. Real answers are far smaller; a larger one
// is a broken or hostile endpoint, and reading it would fill memory.
const (
	// maxParameterAnswer bounds a GetParameter answer (a parameter value is at most 8 KiB
	// for an advanced parameter; the JSON around it is small).
	maxParameterAnswer = 1 << 20
	// maxManifest bounds a manifest (the limit registries apply, as DESIGN's registry
	// rules say: 4 MiB).
	maxManifest = 4 << 20
	// maxManifestAnswer bounds a BatchGetImage answer: one manifest, JSON-escaped.
	maxManifestAnswer = 3 * maxManifest
)

// errInvalidOption is matched by errors about an option that cannot work.
var errInvalidOption = errcode.New(errcode.InvalidInput, "invalid option")

// NewResolver returns a Resolver that uses cfg for every region (with cfg.Region set to
// the region), after applying the option functions to the defaults described in
// [ResolverOptions]. Building it does no I/O.
func NewResolver(cfg aws.Config, optFns ...func(*ResolverOptions)) *Resolver {
	opts := defaultResolverOptions()
	for _, fn := range optFns {
		fn(&opts)
	}
	opts.normalize()
	r := &Resolver{
		cfg:             cfg,
		opts:            opts,
		latest:          flight.New[string, Result](opts.Timeout, opts.Clock, func(code string) string { return "latest/" + code }),
		pins:            flight.New[Image, Image](opts.Timeout, opts.Clock, func(img Image) string { return "pin/" + img.String() }),
		configs:         map[string]aws.Config{},
		ssmClients:      map[string]regionClient[GetParameterAPI]{},
		ecrClients:      map[string]regionClient[BatchGetImageAPI]{},
		describeClients: map[string]regionClient[DescribeImagesAPI]{},
	}
	for _, f := range opts.Fallbacks {
		if err := f.check(); err != nil {
			r.optErr = err
			break
		}
	}
	return r
}

// ready returns an error for a Resolver that NewResolver did not make.
func (r *Resolver) ready() error {
	if r == nil || r.latest == nil {
		return errResolverNotInitialized
	}
	return nil
}

// usable returns ready's error, or the error of an invalid option.
func (r *Resolver) usable() error {
	if err := r.ready(); err != nil {
		return err
	}
	return r.optErr
}

// Resolve returns the latest App Mesh Envoy image of a region, such as
// "840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.29.6.0-prod" (the
// "-prod-fips" variant with ResolverOptions.FIPS), with where it came from and any
// warning. The code may carry surrounding space and upper case; Result.Region is the
// normalized code.
//
// The error, also in Result.Err, is a [*RegionError] matching region.ErrUnsupported,
// ErrParameterNotFound, ErrRegionNotEnabled, ErrAccessDenied, ErrThrottled,
// ErrInvalidCredentials, ErrNoCredentials, ErrFIPSUnavailable, ErrUntrustedImage,
// ErrLegacyAccount, or ctx's error when ctx ends first; [CodeOf] gives its code.
func (r *Resolver) Resolve(ctx context.Context, code string) (Result, error) {
	if err := r.usable(); err != nil {
		return Result{Region: code, Err: err}, err
	}
	if res, ok := r.latest.Fresh(code); ok {
		return res, nil
	}
	fail := func(code string, err error) (Result, error) {
		return Result{Region: code, Err: err}, err
	}
	reg, err := region.Lookup(code)
	if err != nil {
		norm := normalizedInput(code)
		return fail(norm, &RegionError{Region: norm, Op: "resolve", Err: err})
	}
	if r.opts.FIPS && !reg.FIPS {
		return fail(reg.Code, &RegionError{Region: reg.Code, Op: "resolve", Err: errcode.Wrap(ErrFIPSUnavailable,
			"no FIPS image is published in "+reg.Code+"; FIPS images exist in "+strings.Join(fipsRegions(), ", ")+"; use one of those or turn the FIPS option off", nil)})
	}
	res, err := r.latest.Do(ctx, reg.Code, func(ctx context.Context) (Result, flight.Lifetime, error) {
		res, life, err := r.fetchLatest(ctx, reg)
		if err != nil && errors.Is(err, ErrParameterNotFound) && r.fallbackApplies(err) {
			return r.fallback(ctx, reg, err)
		}
		return res, life, err
	})
	if err != nil {
		return fail(reg.Code, regionError(err, reg.Code, "resolve"))
	}
	return res, nil
}

// Latest is [Resolver.Resolve] for callers that need only the image.
func (r *Resolver) Latest(ctx context.Context, code string) (Image, error) {
	res, err := r.Resolve(ctx, code)
	return res.Image, err
}

// normalizedInput is how a code that is not a supported region appears in results and
// errors: trimmed, lower case, at most 64 bytes.
func normalizedInput(code string) string {
	return quote.Truncate(strings.ToLower(strings.TrimSpace(code)), 64)
}

// regionError wraps err (a context error of a caller that stopped waiting) in a
// *RegionError unless it is one already.
func regionError(err error, code, op string) error {
	var re *RegionError
	if err == nil || errors.As(err, &re) {
		return err
	}
	return &RegionError{Region: code, Op: op, Err: err}
}

// lifetime is the cache lifetime of an answer fetched now.
func (r *Resolver) lifetime() flight.Lifetime {
	if r.opts.CacheTTL <= 0 {
		return flight.Lifetime{}
	}
	return flight.Lifetime{RefreshAt: r.opts.Clock().Add(r.opts.CacheTTL)}
}

func (r *Resolver) fetchLatest(ctx context.Context, reg region.Region) (Result, flight.Lifetime, error) {
	fail := func(err error) (Result, flight.Lifetime, error) {
		return Result{}, flight.Lifetime{}, &RegionError{Region: reg.Code, Op: "resolve", Err: err}
	}
	c, err := r.ssmClient(ctx, reg.Code)
	if err != nil {
		return fail(err)
	}
	if c.creds != nil {
		if _, err := awserr.Credentials(ctx, c.creds); err != nil {
			return fail(err)
		}
	}
	start := time.Now()
	out, err := c.api.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(region.ParameterName)}, ssmRegion(reg.Code))
	if err != nil {
		r.opts.Logger.LogAttrs(ctx, slog.LevelDebug, "appmeshenvoy: GetParameter failed",
			slog.String("region", reg.Code), slog.Duration("elapsed", time.Since(start)), slog.Any("error", err))
		return fail(awserr.Classify(err, awserr.Call{
			Action: "ssm:GetParameter", Resource: reg.ParameterARN(), OptIn: reg.OptIn,
			Attempts: r.opts.RetryMaxAttempts, Timeout: r.opts.Timeout,
		}))
	}
	value := ""
	if out != nil && out.Parameter != nil {
		value = aws.ToString(out.Parameter.Value)
	}
	img, warning, err := r.verify(ctx, reg, value)
	if err != nil {
		return fail(err)
	}
	if r.opts.FIPS {
		img = fipsVariant(img)
	}
	r.opts.Logger.LogAttrs(ctx, slog.LevelDebug, "appmeshenvoy: resolved",
		slog.String("region", reg.Code), slog.String("image", img.String()), slog.Duration("elapsed", time.Since(start)))
	return Result{Region: reg.Code, Image: img, Source: SourceSSM, Warning: warning}, r.lifetime(), nil
}

// ssmRegion and ecrRegion are passed to every call: a no-op for the clients the resolver
// builds (each already has its region), and what lets one fake serve every region (see
// appmeshenvoytest).
func ssmRegion(code string) func(*ssm.Options) { return func(o *ssm.Options) { o.Region = code } }
func ecrRegion(code string) func(*ecr.Options) { return func(o *ecr.Options) { o.Region = code } }

// verify applies the trust model: the value must be a reference by tag (not digest) to
// exactly the region's registry host, region and repository, and (unless trusted)
// account. The warning is set when an account mismatch was trusted.
func (r *Resolver) verify(ctx context.Context, reg region.Region, value string) (Image, string, error) {
	fail := func(kind error, reason string) (Image, string, error) {
		return Image{}, "", &VerificationError{Region: reg.Code, Value: quote.Truncate(value, 256), Reason: reason, Err: kind}
	}
	switch {
	case value == "":
		return fail(ErrUntrustedImage, "the value is empty")
	case len(value) > maxImageRefLen:
		return fail(ErrUntrustedImage, "the value is longer than 1024 bytes")
	case !utf8.ValidString(value):
		return fail(ErrUntrustedImage, "the value is not valid UTF-8")
	}
	img, err := ParseImage(value)
	if err != nil {
		reason := err.Error()
		var pe *ParseError
		if errors.As(err, &pe) {
			reason = pe.Reason
		}
		return fail(ErrUntrustedImage, "not an image reference: "+reason)
	}
	if img.Account() == region.LegacyAccount {
		return fail(ErrLegacyAccount, "account "+region.LegacyAccount+" is the retired registry of images before v1.11.2.0")
	}
	switch {
	case img.Tag == "":
		return fail(ErrUntrustedImage, "it names a digest but no tag")
	case img.Digest != "":
		// A pull by tag@digest uses only the digest: the tag (and every check of it)
		// would say nothing about the image pulled.
		return fail(ErrUntrustedImage, "it names a digest as well as a tag, and a pull would use only the digest")
	}
	want := reg.RegistryHost()
	host, err := ParseRegistryHost(img.Registry)
	switch {
	case err != nil || host.Public || host.FIPS || host.DualStack || host.Host != img.Registry:
		return fail(ErrUntrustedImage, "registry "+quote.Input(img.Registry)+" is not an ECR registry host of the form "+want)
	case host.Region != reg.Code:
		return fail(ErrUntrustedImage, "registry is in region "+host.Region+", not "+reg.Code)
	case img.Repository != region.RepositoryName:
		return fail(ErrUntrustedImage, "repository "+quote.Input(img.Repository)+" is not "+region.RepositoryName)
	}
	if _, err := ParseVersion(img.Tag); err != nil {
		return fail(ErrUntrustedImage, "tag "+quote.Input(img.Tag)+" is not an App Mesh Envoy version")
	}
	warning := ""
	if host.Account != reg.Account {
		if !r.opts.TrustParameterAccount {
			return fail(ErrUntrustedImage, "account "+host.Account+" is not the region table's account "+reg.Account+
				" for "+reg.Code+"; if AWS moved the image to a new account, update the library or set ResolverOptions.TrustParameterAccount")
		}
		warning = "registry account " + host.Account + " differs from the region table's " + reg.Account +
			" for " + reg.Code + "; accepted because TrustParameterAccount is set"
		r.opts.Logger.LogAttrs(ctx, slog.LevelWarn, "appmeshenvoy: "+warning,
			slog.String("region", reg.Code), slog.String("image", img.String()))
	}
	return img, warning, nil
}

// fipsVariant returns the "-fips" tag of img, without a digest (the variant is a
// different image).
func fipsVariant(img Image) Image {
	v, err := ParseVersion(img.Tag) // verified before
	if err != nil || v.FIPS {
		return img
	}
	if strings.HasSuffix(img.Tag, "-prod") {
		img.Tag += "-fips"
	} else {
		img.Tag = v.WithFIPS(true).String()
	}
	img.Digest = ""
	return img
}

func fipsRegions() []string {
	var out []string
	for _, r := range region.All() {
		if r.FIPS {
			out = append(out, r.Code)
		}
	}
	return out
}

// Invalidate drops cached results (latest images and pins) of the given regions, or of
// every region when none are given. The next call reads AWS again: it neither joins a
// request that started before Invalidate nor finds that request's answer in the cache.
// On a zero Resolver it does nothing.
func (r *Resolver) Invalidate(regions ...string) {
	if r.ready() != nil {
		return
	}
	if len(regions) == 0 {
		r.latest.Invalidate(nil)
		r.pins.Invalidate(nil)
		return
	}
	codes := make(map[string]bool, len(regions))
	for _, code := range regions {
		codes[strings.ToLower(strings.TrimSpace(code))] = true
	}
	r.latest.Invalidate(func(code string) bool { return codes[code] })
	r.pins.Invalidate(func(img Image) bool { return codes[img.Region()] })
}

// regionConfig returns the aws.Config of a region: from ConfigForRegion, else the
// resolver's config with Region set. The caller holds no lock.
func (r *Resolver) regionConfig(ctx context.Context, code string) (aws.Config, error) {
	r.clientMu.Lock()
	cfg, ok := r.configs[code]
	r.clientMu.Unlock()
	if ok {
		return cfg, nil
	}
	if r.opts.ConfigForRegion != nil {
		var err error
		cfg, err = r.opts.ConfigForRegion(ctx, code)
		if err != nil {
			return aws.Config{}, fmt.Errorf("get the aws.Config for the region: %w", err)
		}
		// The parameter must be read in the region itself: a config loaded from a
		// profile carries the profile's region, which would read another region's
		// parameter (and fail verification as an untrusted image).
		cfg.Region = code
	} else {
		cfg = r.cfg.Copy()
		cfg.Region = code
	}
	r.clientMu.Lock()
	if prev, ok := r.configs[code]; ok {
		cfg = prev
	} else {
		r.configs[code] = cfg
	}
	r.clientMu.Unlock()
	return cfg, nil
}

func (r *Resolver) ssmClient(ctx context.Context, code string) (regionClient[GetParameterAPI], error) {
	return clientFor(r, ctx, code, r.ssmClients, r.opts.SSMClientForRegion, "SSMClientForRegion",
		func(cfg aws.Config) GetParameterAPI {
			fns := append([]func(*ssm.Options){func(o *ssm.Options) {
				o.Retryer = awserr.NewRetryer(r.opts.RetryMaxAttempts, r.opts.RetryMaxBackoff)
				o.RetryMaxAttempts = 0 // ours, not AWS_MAX_ATTEMPTS: see RetryMaxAttempts
			}}, r.opts.SSMOptions...)
			// Last, so that it bounds whatever HTTP client the options left in place.
			fns = append(fns, func(o *ssm.Options) { o.HTTPClient = bodylimit.Client(o.HTTPClient, maxParameterAnswer) })
			return ssm.NewFromConfig(cfg, fns...)
		})
}

func (r *Resolver) ecrClient(ctx context.Context, code string) (regionClient[BatchGetImageAPI], error) {
	return clientFor(r, ctx, code, r.ecrClients, r.opts.ECRClientForRegion, "ECRClientForRegion",
		func(cfg aws.Config) BatchGetImageAPI { return r.newECRClient(cfg) })
}

// newECRClient builds the ECR client of a region's config: the resolver's retryer, then
// ECROptions, then a bound on the answer (a manifest, or a page of image details).
func (r *Resolver) newECRClient(cfg aws.Config) *ecr.Client {
	fns := append([]func(*ecr.Options){func(o *ecr.Options) {
		o.Retryer = awserr.NewRetryer(r.opts.RetryMaxAttempts, r.opts.RetryMaxBackoff)
		o.RetryMaxAttempts = 0
	}}, r.opts.ECROptions...)
	fns = append(fns, func(o *ecr.Options) { o.HTTPClient = bodylimit.Client(o.HTTPClient, maxManifestAnswer) })
	return ecr.NewFromConfig(cfg, fns...)
}

// clientFor returns the cached client of a region, else the caller's (custom) or a new one
// built from the region's config (build), and caches it.
func clientFor[T comparable](r *Resolver, ctx context.Context, code string, cache map[string]regionClient[T],
	custom func(string) T, option string, build func(aws.Config) T) (regionClient[T], error) {
	r.clientMu.Lock()
	c, ok := cache[code]
	r.clientMu.Unlock()
	if ok {
		return c, nil
	}
	var zero T
	if custom != nil {
		if c.api = custom(code); c.api == zero {
			return c, errcode.Wrap(errInvalidOption, "ResolverOptions."+option+" returned nil for "+code, nil)
		}
	} else {
		cfg, err := r.regionConfig(ctx, code)
		if err != nil {
			return c, err
		}
		c.creds, c.api = awserr.ProviderOrMissing(cfg.Credentials), build(cfg)
	}
	r.clientMu.Lock()
	if prev, ok := cache[code]; ok {
		c = prev
	} else {
		cache[code] = c
	}
	r.clientMu.Unlock()
	return c, nil
}

// checkSharedCredentials retrieves the config's credentials once, so that a missing
// or broken credential source is one error instead of one per region.
func (r *Resolver) checkSharedCredentials(ctx context.Context) error {
	if r.opts.ConfigForRegion != nil || (r.opts.SSMClientForRegion != nil && r.cfg.Credentials == nil) {
		return nil // per-region credentials, or mocked clients
	}
	cctx, cancel := context.WithTimeout(ctx, r.opts.Timeout)
	defer cancel()
	if _, err := awserr.Credentials(cctx, r.cfg.Credentials); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return err
	}
	return nil
}

// Format prints a summary of r for every fmt verb: the number of cached images, never the
// aws.Config it holds (fmt would otherwise print a static credentials provider's secret
// access key).
func (r *Resolver) Format(f fmt.State, _ rune) {
	if r.ready() != nil {
		fmt.Fprint(f, "<uninitialized appmeshenvoy.Resolver>")
		return
	}
	fmt.Fprintf(f, "&appmeshenvoy.Resolver{cached images: %d, cached digests: %d; credentials not shown}", r.latest.Len(), r.pins.Len())
}
