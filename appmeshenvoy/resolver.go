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
	"golang.org/x/sync/errgroup"

	"github.com/appmesh-envoy/appmesh-envoy-go/internal/awserr"
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
// Resolver is not usable: call [NewResolver].
type Resolver struct {
	cfg  aws.Config
	opts ResolverOptions

	latest *flight.Cache[string, Image] // by region code
	pins   *flight.Cache[Image, Image]  // by image without Digest and Warning

	clientMu   sync.Mutex
	configs    map[string]aws.Config
	ssmClients map[string]regionClient[GetParameterAPI]
	ecrClients map[string]regionClient[BatchGetImageAPI]
}

// regionClient is a client and, when the resolver built it from a config, the
// credentials it signs with (checked before each call so that missing credentials give
// ErrNoCredentials).
type regionClient[T any] struct {
	api   T
	creds aws.CredentialsProvider
	built bool
}

// Result is the outcome of [Resolver.LatestAll] for one region: Image on success, else
// Err (a [*RegionError]).
type Result struct {
	// Region is the region code as given (or from the table when all regions were asked).
	Region string
	// Image is the latest image; the zero Image when Err is set.
	Image Image
	// Err is the region's error, or nil.
	Err error
}

// NewResolver returns a Resolver that uses cfg for every region (with cfg.Region set to
// the region), after applying the option functions to the defaults described in
// [ResolverOptions]. Building it does no I/O.
func NewResolver(cfg aws.Config, optFns ...func(*ResolverOptions)) *Resolver {
	opts := defaultResolverOptions()
	for _, fn := range optFns {
		fn(&opts)
	}
	opts.normalize()
	return &Resolver{
		cfg:        cfg,
		opts:       opts,
		latest:     flight.New[string, Image](opts.Timeout, opts.Clock, func(code string) string { return "latest/" + code }),
		pins:       flight.New[Image, Image](opts.Timeout, opts.Clock, func(img Image) string { return "pin/" + img.String() }),
		configs:    map[string]aws.Config{},
		ssmClients: map[string]regionClient[GetParameterAPI]{},
		ecrClients: map[string]regionClient[BatchGetImageAPI]{},
	}
}

// Latest returns the latest App Mesh Envoy image of a region, such as
// "840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.29.6.0-prod"
// (the "-prod-fips" variant with ResolverOptions.FIPS). The code may carry surrounding
// space and upper case.
//
// Errors are [*RegionError] values matching region.ErrUnsupported, ErrParameterNotFound,
// ErrRegionNotEnabled, ErrAccessDenied, ErrThrottled, ErrInvalidCredentials,
// ErrNoCredentials, ErrFIPSUnavailable, ErrUntrustedImage, ErrLegacyAccount, or ctx's
// error when ctx ends first.
func (r *Resolver) Latest(ctx context.Context, code string) (Image, error) {
	if img, ok := r.latest.Fresh(code); ok {
		return img, nil
	}
	reg, err := region.Lookup(code)
	if err != nil {
		return Image{}, &RegionError{Region: quote.Truncate(strings.ToLower(strings.TrimSpace(code)), 64), Op: "resolve", Err: err}
	}
	if r.opts.FIPS && !reg.FIPS {
		return Image{}, &RegionError{Region: reg.Code, Op: "resolve", Err: errcode.Wrap(ErrFIPSUnavailable,
			"no FIPS image is published in "+reg.Code+"; FIPS images exist in "+strings.Join(fipsRegions(), ", ")+"; use one of those or turn the FIPS option off", nil)}
	}
	img, err := r.latest.Do(ctx, reg.Code, func(ctx context.Context) (Image, flight.Lifetime, error) {
		return r.fetchLatest(ctx, reg)
	})
	return img, regionError(err, reg.Code, "resolve")
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

func (r *Resolver) fetchLatest(ctx context.Context, reg region.Region) (Image, flight.Lifetime, error) {
	fail := func(err error) (Image, flight.Lifetime, error) {
		return Image{}, flight.Lifetime{}, &RegionError{Region: reg.Code, Op: "resolve", Err: err}
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
	out, err := c.api.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(region.ParameterName)})
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
	img, err := r.verify(ctx, reg, value)
	if err != nil {
		return fail(err)
	}
	if r.opts.FIPS {
		img = fipsVariant(img)
	}
	r.opts.Logger.LogAttrs(ctx, slog.LevelDebug, "appmeshenvoy: resolved",
		slog.String("region", reg.Code), slog.String("image", img.String()), slog.Duration("elapsed", time.Since(start)))
	return img, r.lifetime(), nil
}

// verify applies the trust model: the value must be a tagged image of exactly the
// region's registry host, region and repository, and (unless trusted) account.
func (r *Resolver) verify(ctx context.Context, reg region.Region, value string) (Image, error) {
	fail := func(kind error, reason string) (Image, error) {
		return Image{}, &VerificationError{Region: reg.Code, Value: quote.Truncate(value, 256), Reason: reason, Err: kind}
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
	if img.Account == region.LegacyAccount {
		return fail(ErrLegacyAccount, "account "+region.LegacyAccount+" is the retired registry of images before v1.11.2.0")
	}
	if img.Tag == "" {
		return fail(ErrUntrustedImage, "it names a digest but no tag")
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
	if host.Account != reg.Account {
		if !r.opts.TrustParameterAccount {
			return fail(ErrUntrustedImage, "account "+host.Account+" is not the region table's account "+reg.Account+
				" for "+reg.Code+"; if AWS moved the image to a new account, update the library or set ResolverOptions.TrustParameterAccount")
		}
		img.Warning = "registry account " + host.Account + " differs from the region table's " + reg.Account +
			" for " + reg.Code + "; accepted because TrustParameterAccount is set"
		r.opts.Logger.LogAttrs(ctx, slog.LevelWarn, "appmeshenvoy: "+img.Warning,
			slog.String("region", reg.Code), slog.String("image", img.String()))
	}
	return img, nil
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

// LatestAll resolves several regions concurrently (at most ResolverOptions.Concurrency
// at once) and returns one [Result] per region in the order given. Nil regions means
// every supported region of the partition of the config's region ("aws" when unset), in
// table order. One region's failure never hides the others: it is that Result's Err.
//
// The error is for what fails every region alike: no usable credentials (checked once,
// before any call), credentials every region rejected, no supported region in the
// partition, or ctx ending before any region answered; results are nil then. When ctx
// ends after some regions answered (a deadline shorter than one stalled region), their
// results are kept and every unfinished region's Err is ctx's error.
func (r *Resolver) LatestAll(ctx context.Context, regions []string) ([]Result, error) {
	if regions == nil {
		codes, err := r.partitionRegions()
		if err != nil {
			return nil, err
		}
		regions = codes
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("resolve all regions: %w", err)
	}
	if len(regions) == 0 {
		return []Result{}, nil
	}
	if err := r.checkSharedCredentials(ctx); err != nil {
		return nil, err
	}
	results := make([]Result, len(regions))
	var g errgroup.Group
	g.SetLimit(r.opts.Concurrency)
	for i, code := range regions {
		results[i].Region = code
	}
	for i, code := range regions {
		if ctx.Err() != nil {
			break
		}
		g.Go(func() error {
			results[i].Image, results[i].Err = r.Latest(ctx, code)
			return nil
		})
	}
	_ = g.Wait()
	if err := ctx.Err(); err != nil {
		// Regions that answered before ctx ended keep their results; the others get
		// ctx's error. Only when no region answered is it the error of the whole call.
		answered := false
		for i := range results {
			switch {
			case results[i].Err == nil && results[i].Image == (Image{}):
				results[i].Err = &RegionError{Region: results[i].Region, Op: "resolve", Err: err}
			case !errors.Is(results[i].Err, err):
				answered = true
			}
		}
		if !answered {
			return nil, fmt.Errorf("resolve all regions: %w", err)
		}
	}
	if err := allRejected(results); err != nil {
		return nil, err
	}
	return results, nil
}

// allRejected returns an error when every region failed because AWS rejected the
// credentials. Opt-in regions answer bad credentials the same way as "not enabled", so
// those count too, provided at least one other region said "invalid credentials".
func allRejected(results []Result) error {
	var first error
	for _, res := range results {
		switch {
		case errors.Is(res.Err, ErrInvalidCredentials):
			if first == nil {
				first = res.Err
			}
		case errors.Is(res.Err, ErrRegionNotEnabled):
		default:
			return nil
		}
	}
	if first == nil {
		return nil
	}
	return fmt.Errorf("every region rejected the credentials: %w", first)
}

func (r *Resolver) partitionRegions() ([]string, error) {
	id := region.PartitionAWS
	if r.cfg.Region != "" {
		p, ok := region.PartitionOf(r.cfg.Region)
		if !ok {
			return nil, fmt.Errorf("resolve all regions: the config's region %s fits no partition: %w", quote.Input(r.cfg.Region), region.ErrUnsupported)
		}
		id = p.ID
	}
	regs, err := region.InPartition(id)
	if err != nil {
		return nil, fmt.Errorf("resolve all regions: %w", err)
	}
	if len(regs) == 0 {
		return nil, fmt.Errorf("resolve all regions: partition %s has no public App Mesh Envoy registry; mirror the image into your own ECR repository: %w", id, region.ErrUnsupported)
	}
	return region.Codes(regs), nil
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
			return fmt.Errorf("resolve all regions: %w", ctx.Err())
		}
		return fmt.Errorf("resolve all regions: %w", err)
	}
	return nil
}

// Invalidate drops cached results (latest images and pins) of the given regions, or of
// every region when none are given. The next call reads AWS again: it neither joins a
// request that started before Invalidate nor finds that request's answer in the cache.
func (r *Resolver) Invalidate(regions ...string) {
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
	r.pins.Invalidate(func(img Image) bool { return codes[img.Region] })
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
	r.clientMu.Lock()
	c, ok := r.ssmClients[code]
	r.clientMu.Unlock()
	if ok {
		return c, nil
	}
	if fn := r.opts.SSMClientForRegion; fn != nil {
		c.api = fn(code)
		if c.api == nil {
			return c, errors.New("ResolverOptions.SSMClientForRegion returned nil")
		}
	} else {
		cfg, err := r.regionConfig(ctx, code)
		if err != nil {
			return c, err
		}
		c.creds, c.built = awserr.ProviderOrMissing(cfg.Credentials), true
		fns := append([]func(*ssm.Options){func(o *ssm.Options) {
			o.Retryer = awserr.NewRetryer(r.opts.RetryMaxAttempts, r.opts.RetryMaxBackoff)
			o.RetryMaxAttempts = 0 // ours, not AWS_MAX_ATTEMPTS: see RetryMaxAttempts
		}}, r.opts.SSMOptions...)
		c.api = ssm.NewFromConfig(cfg, fns...)
	}
	r.clientMu.Lock()
	if prev, ok := r.ssmClients[code]; ok {
		c = prev
	} else {
		r.ssmClients[code] = c
	}
	r.clientMu.Unlock()
	return c, nil
}

func (r *Resolver) ecrClient(ctx context.Context, code string) (regionClient[BatchGetImageAPI], error) {
	r.clientMu.Lock()
	c, ok := r.ecrClients[code]
	r.clientMu.Unlock()
	if ok {
		return c, nil
	}
	if fn := r.opts.ECRClientForRegion; fn != nil {
		c.api = fn(code)
		if c.api == nil {
			return c, errors.New("ResolverOptions.ECRClientForRegion returned nil")
		}
	} else {
		cfg, err := r.regionConfig(ctx, code)
		if err != nil {
			return c, err
		}
		c.creds, c.built = awserr.ProviderOrMissing(cfg.Credentials), true
		fns := append([]func(*ecr.Options){func(o *ecr.Options) {
			o.Retryer = awserr.NewRetryer(r.opts.RetryMaxAttempts, r.opts.RetryMaxBackoff)
			o.RetryMaxAttempts = 0
		}}, r.opts.ECROptions...)
		c.api = ecr.NewFromConfig(cfg, fns...)
	}
	r.clientMu.Lock()
	if prev, ok := r.ecrClients[code]; ok {
		c = prev
	} else {
		r.ecrClients[code] = c
	}
	r.clientMu.Unlock()
	return c, nil
}

// Format prints a summary of r for every fmt verb: the number of cached images, never the
// aws.Config it holds (fmt would otherwise print a static credentials provider's secret
// access key).
func (r *Resolver) Format(f fmt.State, _ rune) {
	if r == nil {
		fmt.Fprint(f, "<nil>")
		return
	}
	n, p := r.latest.Len(), r.pins.Len()
	fmt.Fprintf(f, "&appmeshenvoy.Resolver{cached images: %d, cached digests: %d; credentials not shown}", n, p)
}
