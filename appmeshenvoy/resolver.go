package appmeshenvoy

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/smithy-go"
	"golang.org/x/sync/errgroup"
	"golang.org/x/sync/singleflight"

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

	mu     sync.RWMutex
	latest map[string]cacheEntry // by region code
	pins   map[Image]cacheEntry  // by image without Digest and Warning
	// epoch counts Invalidate calls. A fetch stores its result only if no Invalidate
	// happened since it started, and the singleflight keys carry it, so that a caller
	// after Invalidate never joins (or reads the cache of) a request made before it.
	epoch uint64

	sf singleflight.Group

	clientMu   sync.Mutex
	configs    map[string]aws.Config
	ssmClients map[string]regionClient[GetParameterAPI]
	ecrClients map[string]regionClient[BatchGetImageAPI]
}

type cacheEntry struct {
	img     Image
	expires time.Time
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
		latest:     map[string]cacheEntry{},
		pins:       map[Image]cacheEntry{},
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
	if img, ok := r.cached(code); ok {
		return img, nil
	}
	reg, err := region.Lookup(code)
	if err != nil {
		return Image{}, &RegionError{Region: quote.Truncate(strings.ToLower(strings.TrimSpace(code)), 64), Op: "resolve", Err: err}
	}
	if r.opts.FIPS && !reg.FIPS {
		return Image{}, &RegionError{Region: reg.Code, Op: "resolve", Err: &kindError{
			kind: ErrFIPSUnavailable,
			msg:  "no FIPS image is published in " + reg.Code + "; FIPS images exist in " + strings.Join(fipsRegions(), ", ") + "; use one of those or turn the FIPS option off",
		}}
	}
	if img, ok := r.cached(reg.Code); ok {
		return img, nil
	}
	return r.shared(ctx, "latest/"+reg.Code, reg.Code, "resolve",
		func() (Image, bool) { return r.cached(reg.Code) },
		func(ctx context.Context, epoch uint64) (Image, error) { return r.fetchLatest(ctx, reg, epoch) })
}

// currentEpoch returns the number of Invalidate calls so far.
func (r *Resolver) currentEpoch() uint64 {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.epoch
}

// cached returns the unexpired cached image of a region. It does not allocate.
func (r *Resolver) cached(code string) (Image, bool) {
	r.mu.RLock()
	e, ok := r.latest[code]
	r.mu.RUnlock()
	if !ok || !r.opts.Clock().Before(e.expires) {
		return Image{}, false
	}
	return e.img, true
}

// shared runs fetch once for all concurrent callers with the same key. The fetch runs
// under its own Timeout, detached from the callers' cancellation (but keeping ctx's
// values), so it ends even when every caller has left; each caller waits only as long
// as its own ctx allows.
//
// A flight belongs to one Invalidate epoch: callers after an Invalidate never join an
// older flight, and fetch gets the epoch so that it stores its answer only if no
// Invalidate came meanwhile. A caller that missed the cache may start a flight just
// after another one finished and filled it, so the flight asks cached first.
func (r *Resolver) shared(ctx context.Context, key, code, op string, cached func() (Image, bool), fetch func(context.Context, uint64) (Image, error)) (Image, error) {
	if err := ctx.Err(); err != nil {
		return Image{}, &RegionError{Region: code, Op: op, Err: err}
	}
	epoch := r.currentEpoch()
	ch := r.sf.DoChan(key+"#"+strconv.FormatUint(epoch, 10), func() (any, error) {
		if img, ok := cached(); ok {
			return img, nil
		}
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.opts.Timeout)
		defer cancel()
		return fetch(fctx, epoch)
	})
	select {
	case res := <-ch:
		if res.Err != nil {
			return Image{}, res.Err
		}
		return res.Val.(Image), nil
	case <-ctx.Done():
		return Image{}, &RegionError{Region: code, Op: op, Err: ctx.Err()}
	}
}

func (r *Resolver) fetchLatest(ctx context.Context, reg region.Region, epoch uint64) (Image, error) {
	fail := func(err error) (Image, error) {
		return Image{}, &RegionError{Region: reg.Code, Op: "resolve", Err: err}
	}
	c, err := r.ssmClient(ctx, reg.Code)
	if err != nil {
		return fail(err)
	}
	if err := checkCreds(ctx, c.creds); err != nil {
		return fail(err)
	}
	start := time.Now()
	out, err := c.api.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(region.ParameterName)})
	if err != nil {
		r.opts.Logger.LogAttrs(ctx, slog.LevelDebug, "appmeshenvoy: GetParameter failed",
			slog.String("region", reg.Code), slog.Duration("elapsed", time.Since(start)), slog.Any("error", err))
		return fail(classify(err, awsCall{
			action: "ssm:GetParameter", resource: reg.ParameterARN(), optIn: reg.OptIn,
			attempts: r.opts.RetryMaxAttempts, timeout: r.opts.Timeout,
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
	if ttl := r.opts.CacheTTL; ttl > 0 {
		r.mu.Lock()
		if r.epoch == epoch { // else Invalidate ran meanwhile: this answer may be stale
			r.latest[reg.Code] = cacheEntry{img: img, expires: r.opts.Clock().Add(ttl)}
		}
		r.mu.Unlock()
	}
	return img, nil
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
	if err := checkCreds(cctx, credsOrMissing(r.cfg.Credentials)); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("resolve all regions: %w", ctx.Err())
		}
		return fmt.Errorf("resolve all regions: %w", err)
	}
	return nil
}

// missingCreds stands for a nil credentials provider.
type missingCreds struct{}

func (missingCreds) Retrieve(context.Context) (aws.Credentials, error) {
	return aws.Credentials{}, errors.New("the aws.Config has no credentials provider")
}

func credsOrMissing(p aws.CredentialsProvider) aws.CredentialsProvider {
	if p == nil {
		return missingCreds{}
	}
	return p
}

// checkCreds retrieves credentials (cached providers answer from memory) and turns a
// failure into ErrNoCredentials. A nil provider means "not ours to check".
func checkCreds(ctx context.Context, p aws.CredentialsProvider) error {
	if p == nil {
		return nil
	}
	if _, err := p.Retrieve(ctx); err != nil {
		return credentialsError(ctx, err)
	}
	return nil
}

// credentialsError turns a failure of a credentials provider's Retrieve into
// ErrNoCredentials, or into ctx's error when the caller gave up.
func credentialsError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("retrieve credentials: %w", ctx.Err())
	}
	return &kindError{
		kind:  ErrNoCredentials,
		msg:   "no usable AWS credentials (" + err.Error() + "); set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run aws sso login",
		cause: err,
	}
}

// Invalidate drops cached results (latest images and pins) of the given regions, or of
// every region when none are given. The next call reads AWS again: it neither joins a
// request that started before Invalidate nor finds that request's answer in the cache.
func (r *Resolver) Invalidate(regions ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.epoch++
	if len(regions) == 0 {
		clear(r.latest)
		clear(r.pins)
		return
	}
	for _, code := range regions {
		code = strings.ToLower(strings.TrimSpace(code))
		delete(r.latest, code)
		for k := range r.pins {
			if k.Region == code {
				delete(r.pins, k)
			}
		}
	}
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

// newRetryer is the SDK's standard retryer with the given attempts and backoff cap, and
// without the client-side retry quota (ratelimit.None): the quota is shared by a client's
// calls and, under sustained throttling, fails calls with "retry quota exceeded" long
// before their attempts are spent. Bounded attempts, capped backoff and the shared
// request's Timeout keep every call bounded. A nil backoff is the SDK's exponential
// jittered backoff capped at maxBackoff.
func newRetryer(maxAttempts int, maxBackoff time.Duration, backoff retry.BackoffDelayer) aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = maxAttempts
		o.MaxBackoff = maxBackoff
		o.RateLimiter = ratelimit.None
		if backoff != nil {
			o.Backoff = backoff
		}
	})
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
		c.creds, c.built = credsOrMissing(cfg.Credentials), true
		fns := append([]func(*ssm.Options){func(o *ssm.Options) {
			o.Retryer = newRetryer(r.opts.RetryMaxAttempts, r.opts.RetryMaxBackoff, nil)
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
		c.creds, c.built = credsOrMissing(cfg.Credentials), true
		fns := append([]func(*ecr.Options){func(o *ecr.Options) {
			o.Retryer = newRetryer(r.opts.RetryMaxAttempts, r.opts.RetryMaxBackoff, nil)
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

// awsCall describes a failed call for classify.
type awsCall struct {
	action   string // "ssm:GetParameter"
	resource string // the ARN the action needs
	optIn    bool   // the region is opt-in
	attempts int
	timeout  time.Duration
}

// classify turns an SDK error into a kindError with a sentinel and advice, keeping the
// SDK error as a cause for errors.As.
func classify(err error, c awsCall) error {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return fmt.Errorf("%s did not finish within %s: %w", c.action, c.timeout, err)
	}
	var code, detail string
	var ae smithy.APIError
	if errors.As(err, &ae) {
		code = ae.ErrorCode()
		detail = " (AWS: " + code
		if m := ae.ErrorMessage(); m != "" {
			detail += ": " + quote.Truncate(m, 200)
		}
		detail += ")"
	}
	if mae := (*retry.MaxAttemptsError)(nil); errors.As(err, &mae) && mae.Attempt > 0 {
		c.attempts = mae.Attempt // the SDK options may have changed the number
	}
	var pnf *ssmtypes.ParameterNotFound
	k := func(kind error, msg string) error { return &kindError{kind: kind, msg: msg + detail, cause: err} }
	switch {
	case errors.As(err, &pnf) || code == "ParameterNotFound" || code == "ParameterVersionNotFound":
		return k(ErrParameterNotFound, "parameter "+region.ParameterName+" not found: App Mesh may be unavailable in this region or discontinued (AWS ended support on 2026-09-30); pin a version or use a mirror")
	case code == "UnrecognizedClientException" || code == "InvalidClientTokenId":
		if c.optIn {
			return k(ErrRegionNotEnabled, "AWS rejected the credentials in this opt-in region, which is what it does when the region is not enabled for the account; enable the region (AWS console, Account, AWS Regions) or leave it out, and check the credentials if it is enabled")
		}
		return k(ErrInvalidCredentials, "AWS does not recognize the access key; check the credentials (profile, environment variables) and that they belong to this partition")
	case code == "InvalidSignatureException" || code == "SignatureDoesNotMatch":
		return k(ErrInvalidCredentials, "AWS rejected the request signature: the secret access key does not match the access key; check the credentials")
	case code == "ExpiredTokenException" || code == "ExpiredToken" || code == "RequestExpired" || code == "TokenRefreshRequired":
		return k(ErrInvalidCredentials, "the session credentials have expired; refresh them (aws sso login, assume the role again)")
	case code == "AccessDeniedException" || code == "AccessDenied" || code == "UnauthorizedOperation":
		return k(ErrAccessDenied, "access denied: the caller needs "+c.action+" on "+c.resource+" (package iampolicy builds that policy)")
	case isThrottleCode(code):
		return k(ErrThrottled, fmt.Sprintf("AWS throttled %s on all %d attempts; retry later, spread the calls out, or raise the RetryMaxAttempts option", c.action, c.attempts))
	}
	var re interface{ HTTPStatusCode() int }
	if errors.As(err, &re) && isServerStatus(re.HTTPStatusCode()) {
		return k(nil, fmt.Sprintf("AWS answered %s with a server error (HTTP %d) on all %d attempts; retry later", c.action, re.HTTPStatusCode(), c.attempts))
	}
	if detail != "" {
		return k(nil, c.action+" failed; check the request and the configuration")
	}
	return fmt.Errorf("%s failed (check the network, the endpoint settings and the proxy): %w", c.action, err)
}

// isServerStatus reports the HTTP statuses the SDK's retryer retries (500, 502, 503, 504).
func isServerStatus(status int) bool {
	_, ok := retry.DefaultRetryableHTTPStatusCodes[status]
	return ok
}

func isThrottleCode(code string) bool {
	switch code {
	case "ThrottlingException", "Throttling", "ThrottledException", "TooManyRequestsException",
		"RequestLimitExceeded", "RequestThrottled", "RequestThrottledException",
		"ProvisionedThroughputExceededException", "SlowDown", "PriorRequestNotComplete":
		return true
	}
	return false
}

// Format prints a summary of r for every fmt verb: the number of cached images, never the
// aws.Config it holds (fmt would otherwise print a static credentials provider's secret
// access key).
func (r *Resolver) Format(f fmt.State, _ rune) {
	if r == nil {
		fmt.Fprint(f, "<nil>")
		return
	}
	r.mu.RLock()
	n, p := len(r.latest), len(r.pins)
	r.mu.RUnlock()
	fmt.Fprintf(f, "&appmeshenvoy.Resolver{cached images: %d, cached digests: %d; credentials not shown}", n, p)
}
