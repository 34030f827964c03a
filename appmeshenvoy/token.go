package appmeshenvoy

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecrpublic"

	"github.com/appmesh-envoy/appmesh-envoy-go/internal/awserr"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/bodylimit"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/errcode"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/flight"
	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

// ECRUsername is the user name of every ECR authorization token.
const ECRUsername = "AWS"

// Token is an ECR registry credential: what docker login, skopeo or a registry client
// sends as HTTP Basic auth to Registry.
//
// Token is a plain value, safe to copy and to share between goroutines. Printing or
// marshaling it never shows the password (see [Secret]).
type Token struct {
	// Registry is the registry host the token is for, such as
	// "840364872350.dkr.ecr.us-west-2.amazonaws.com". It is the host the caller asked for
	// (the image owner's registry), not the caller's own registry that ECR returns as
	// proxyEndpoint.
	Registry string
	// Username is always "AWS" ([ECRUsername]) for tokens from ECR.
	Username string
	// Password is the registry password.
	Password Secret
	// ExpiresAt is when ECR stops accepting the token (12 hours after issue).
	ExpiresAt time.Time
}

// Expired reports whether the token is expired at now.
func (t Token) Expired(now time.Time) bool { return !now.Before(t.ExpiresAt) }

// TokenOptions configures a [TokenProvider]. [NewTokenProvider] fills in the defaults
// before it calls the option functions, so an option function sees (and may change) them.
type TokenOptions struct {
	// ECRClientForRegion, if set, supplies the client that calls
	// ecr:GetAuthorizationToken in a region, instead of an *ecr.Client built from the
	// config. Every call also passes an option function that sets ecr.Options.Region, so
	// one fake can serve every region (see appmeshenvoytest). Default: nil, which builds
	// one *ecr.Client per region from the aws.Config given to NewTokenProvider, with the
	// retryer described at RetryMaxAttempts, the FIPS setting and then ECROptions
	// applied, once per region.
	ECRClientForRegion func(region string) GetAuthorizationTokenAPI

	// ECROptions are applied, in order, to every *ecr.Client the provider builds, after
	// its own settings. They are not used when ECRClientForRegion is set. Default: none.
	ECROptions []func(*ecr.Options)

	// ECRPublicClient, if set, is the client that calls
	// ecr-public:GetAuthorizationToken for a token of the public gallery
	// ([TokenProvider.TokenForRegistry] of public.ecr.aws), instead of an
	// *ecrpublic.Client built from the config in us-east-1, the only region of the ECR
	// Public API. Default: nil, which builds one with the retryer described at
	// RetryMaxAttempts and then ECRPublicOptions.
	ECRPublicClient PublicGetAuthorizationTokenAPI

	// ECRPublicOptions are applied, in order, to the *ecrpublic.Client the provider
	// builds, after its own settings (such as a BaseEndpoint). Default: none.
	ECRPublicOptions []func(*ecrpublic.Options)

	// RefreshFraction is the fraction of a token's lifetime after which the provider
	// fetches a new one. The default 0.5 refreshes a 12-hour token after 6 hours. Values
	// outside (0, 1] are reset to the default. Until the token expires, a failed refresh
	// is logged and the cached token is still returned; after it expires, the refresh
	// error is returned and never the expired token.
	RefreshFraction float64

	// Timeout bounds one shared refresh (all its retries included). The refresh runs on
	// its own, detached from any caller's context, so that it ends even when every caller
	// has stopped waiting. Values <= 0 mean the default, DefaultTimeout (15 seconds).
	Timeout time.Duration

	// RetryMaxAttempts is the number of attempts the provider's clients make for
	// throttled or failed (5xx) calls, with the SDK's standard retryer (no retry quota,
	// full-jitter backoff capped at RetryMaxBackoff). Values below 1 mean the default,
	// DefaultRetryMaxAttempts (8). Not used when ECRClientForRegion is set.
	RetryMaxAttempts int

	// RetryMaxBackoff caps the delay between two attempts. Values <= 0 mean the
	// default, DefaultRetryMaxBackoff (2 seconds).
	RetryMaxBackoff time.Duration

	// FIPS makes the provider's clients call ECR's FIPS API endpoint
	// (ecr-fips.<region>.amazonaws.com) in the regions that have one (region.ECRFIPS: four
	// US regions and GovCloud); elsewhere, including ca-central-1 where a FIPS image is
	// published, the standard endpoint is used because no FIPS one exists. The SDK cannot
	// combine FIPS with a custom endpoint, so it is ignored when the aws.Config or an
	// ECROptions function sets a BaseEndpoint. Default false.
	FIPS bool

	// Logger receives debug records for fetches and a warning when a refresh fails while
	// the cached token is still valid. Secrets are never logged. Default: discard.
	Logger *slog.Logger

	// Clock returns the current time. Default time.Now. Tests inject their own.
	Clock func() time.Time
}

// maxTokenAnswer bounds a GetAuthorizationToken answer.
const maxTokenAnswer = 64 << 10

// DefaultTokenRefreshFraction is the default of [TokenOptions.RefreshFraction].
const DefaultTokenRefreshFraction = 0.5

// TokenProvider fetches ECR authorization tokens and caches them per region and per
// caller identity (the access key ID of the credentials, read from the aws.Config's
// credentials provider without calling STS), so that one role's token is never handed
// to another.
//
// A token is refreshed after [TokenOptions.RefreshFraction] of its lifetime (half of it
// by default); concurrent callers that need the same token share one call, which runs
// under its own [TokenOptions.Timeout]. If that refresh fails (or the caller stops
// waiting) while the cached token has not yet expired, the cached token is returned and
// a warning is logged; once it has expired, the refresh error is returned instead. An
// expired token is never returned. [TokenProvider.Invalidate] drops cached tokens.
//
// The zero value is not usable: its methods return an error (code "not-initialized")
// that says to call [NewTokenProvider]. A TokenProvider is safe for concurrent use.
type TokenProvider struct {
	creds   aws.CredentialsProvider
	opts    TokenOptions
	baseCfg aws.Config
	logger  *slog.Logger
	clock   func() time.Time

	cache *flight.Cache[cacheKey, cachedToken]

	mu      sync.RWMutex
	clients map[string]GetAuthorizationTokenAPI

	publicOnce   sync.Once
	publicClient PublicGetAuthorizationTokenAPI
}

type cacheKey struct {
	region      string
	accessKeyID string
}

type cachedToken struct {
	username  string
	password  Secret
	expiresAt time.Time
	refreshAt time.Time
}

// errTokenProviderNotInitialized is the error of every method of a zero TokenProvider.
var errTokenProviderNotInitialized = errcode.New(errcode.NotInitialized,
	"appmeshenvoy: the TokenProvider is not initialized; create it with appmeshenvoy.NewTokenProvider(cfg)")

func (p *TokenProvider) ready() error {
	if p == nil || p.cache == nil {
		return errTokenProviderNotInitialized
	}
	return nil
}

// NewTokenProvider returns a [TokenProvider] that uses cfg's credentials. cfg.Region is
// not used: every call names its region.
func NewTokenProvider(cfg aws.Config, optFns ...func(*TokenOptions)) *TokenProvider {
	o := TokenOptions{
		RefreshFraction:  DefaultTokenRefreshFraction,
		Timeout:          DefaultTimeout,
		RetryMaxAttempts: DefaultRetryMaxAttempts,
		RetryMaxBackoff:  DefaultRetryMaxBackoff,
		Clock:            time.Now,
	}
	for _, fn := range optFns {
		fn(&o)
	}
	if !(o.RefreshFraction > 0 && o.RefreshFraction <= 1) {
		o.RefreshFraction = DefaultTokenRefreshFraction
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.RetryMaxAttempts <= 0 {
		o.RetryMaxAttempts = DefaultRetryMaxAttempts
	}
	if o.RetryMaxBackoff <= 0 {
		o.RetryMaxBackoff = DefaultRetryMaxBackoff
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	p := &TokenProvider{
		creds:   cfg.Credentials,
		opts:    o,
		baseCfg: cfg,
		logger:  o.Logger,
		clock:   o.Clock,
		cache: flight.New[cacheKey, cachedToken](o.Timeout, o.Clock, func(k cacheKey) string {
			return k.region + "\x00" + k.accessKeyID
		}),
		clients: make(map[string]GetAuthorizationTokenAPI),
	}
	return p
}

// Token returns a token for the Envoy image's registry in regionCode (the host
// region.Region.RegistryHost returns, such as
// "840364872350.dkr.ecr.us-west-2.amazonaws.com"). It calls ecr:GetAuthorizationToken in
// that region unless a cached token is still fresh.
//
// Errors name the region. An unsupported region gives an error that matches
// region.ErrUnsupported; a denied call one that names the missing permission
// (ecr:GetAuthorizationToken on "*"); a malformed answer one that matches
// [ErrMalformedToken].
func (p *TokenProvider) Token(ctx context.Context, regionCode string) (Token, error) {
	if err := p.ready(); err != nil {
		return Token{}, err
	}
	host, ok := envoyRegistryHosts()[regionCode]
	if !ok {
		// Not a table code as it stands: normalize it (" US-West-2 ") as Resolver.Latest
		// does, or say why it is not supported.
		r, err := region.Lookup(regionCode)
		if err != nil {
			return Token{}, fmt.Errorf("ecr token: %w", err)
		}
		regionCode, host = r.Code, r.RegistryHost()
	}
	return p.token(ctx, regionCode, host)
}

// envoyRegistryHosts maps each supported region code to the Envoy image's registry
// host, so that a warm [TokenProvider.Token] does not allocate.
var envoyRegistryHosts = sync.OnceValue(func() map[string]string {
	m := make(map[string]string)
	for _, r := range region.All() {
		m[r.Code] = r.RegistryHost()
	}
	return m
})

// TokenForRegistry returns a token for any ECR registry host, such as a mirror of the
// image in the caller's own account or a pull-through cache. host may be in any form
// [ParseRegistryHost] accepts (an "https://" prefix, a port or a path are dropped); the
// token is fetched in the host's region and its Registry is the bare host. One token
// serves every registry of a region, so this shares the cache with [TokenProvider.Token].
//
// For the ECR Public Gallery (public.ecr.aws and its dual-stack host
// ecr-public.aws.com) the token comes from ecr-public:GetAuthorizationToken in
// us-east-1 (see [TokenOptions.ECRPublicClient]); the gallery serves anonymous pulls
// too, so asking for it is opt-in. A host that is not an ECR registry gives an error
// matching [ErrInvalidRegistryHost].
func (p *TokenProvider) TokenForRegistry(ctx context.Context, host string) (Token, error) {
	if err := p.ready(); err != nil {
		return Token{}, err
	}
	reg, err := ParseRegistryHost(host)
	if err != nil {
		return Token{}, fmt.Errorf("ecr token: %w", err)
	}
	if reg.Public {
		return p.token(ctx, publicTokenKey, reg.Host)
	}
	return p.token(ctx, reg.Region, reg.Host)
}

// Invalidate drops the cached tokens of the given regions ("public.ecr.aws" for the
// gallery's), or of every region when none is given, for every caller identity. The next call fetches a new token; a refresh that
// is in flight does not put its result into the cache.
func (p *TokenProvider) Invalidate(regions ...string) {
	if p.ready() != nil {
		return
	}
	if len(regions) == 0 {
		p.cache.Invalidate(nil)
		return
	}
	codes := make(map[string]bool, len(regions))
	for _, r := range regions {
		codes[strings.ToLower(strings.TrimSpace(r))] = true
	}
	p.cache.Invalidate(func(k cacheKey) bool { return codes[k.region] })
}

// Format prints a summary of p for every fmt verb: the number of cached tokens, never
// the tokens, the credentials or the aws.Config they come from (fmt would otherwise
// print a static credentials provider's secret access key).
func (p *TokenProvider) Format(f fmt.State, _ rune) {
	if p.ready() != nil {
		_, _ = io.WriteString(f, "<uninitialized appmeshenvoy.TokenProvider>")
		return
	}
	n := p.cache.Len()
	fmt.Fprintf(f, "&appmeshenvoy.TokenProvider{cached tokens: %d; credentials and tokens not shown}", n)
}

// token is the cache lookup shared by Token and TokenForRegistry.
func (p *TokenProvider) token(ctx context.Context, regionCode, host string) (Token, error) {
	tok, err := p.cachedToken(ctx, regionCode, host)
	if err != nil && regionCode == publicTokenKey {
		publicTokenError(err)
	}
	return tok, err
}

// publicTokenError names the region a gallery token comes from in its error (a
// separate function, so that the warm path of token does not allocate).
func publicTokenError(err error) {
	var te *TokenError
	if errors.As(err, &te) {
		te.Region = ECRPublicRegion
	}
}

func (p *TokenProvider) cachedToken(ctx context.Context, regionCode, host string) (Token, error) {
	if p.creds == nil {
		return Token{}, &TokenError{Region: regionCode, Host: host, Err: fmt.Errorf("%w: the aws.Config has no credentials provider", ErrNoCredentials)}
	}
	creds, err := p.creds.Retrieve(ctx)
	if err != nil {
		return Token{}, &TokenError{Region: regionCode, Host: host, Err: awserr.CredentialsError(ctx, err)}
	}
	key := cacheKey{region: regionCode, accessKeyID: creds.AccessKeyID}
	if c, ok := p.cache.Fresh(key); ok {
		return c.token(host), nil // the warm path: no allocation
	}
	c, err := p.cache.Do(ctx, key, func(ctx context.Context) (cachedToken, flight.Lifetime, error) {
		return p.fetch(ctx, key)
	})
	if err == nil {
		return c.token(host), nil
	}
	// The refresh failed or the caller stopped waiting. A token that is still valid
	// beats an error; an expired one is never returned.
	if c, ok := p.cache.Valid(key); ok {
		p.logger.LogAttrs(ctx, slog.LevelWarn, "ecr token refresh failed, using the cached token",
			slog.String("region", regionCode), slog.Time("expiresAt", c.expiresAt), slog.Any("error", err))
		return c.token(host), nil
	}
	return Token{}, &TokenError{Region: regionCode, Host: host, Err: err}
}

func (c cachedToken) token(host string) Token {
	return Token{Registry: host, Username: c.username, Password: c.password, ExpiresAt: c.expiresAt}
}

// fetch calls ecr:GetAuthorizationToken for key's region.
func (p *TokenProvider) fetch(ctx context.Context, key cacheKey) (cachedToken, flight.Lifetime, error) {
	c, err := p.fetchToken(ctx, key)
	if err != nil {
		return cachedToken{}, flight.Lifetime{}, err
	}
	return c, flight.Lifetime{RefreshAt: c.refreshAt, ExpiresAt: c.expiresAt}, nil
}

func (p *TokenProvider) fetchToken(ctx context.Context, key cacheKey) (cachedToken, error) {
	if key.region == publicTokenKey {
		return p.fetchPublicToken(ctx, key)
	}
	client, err := p.client(key.region)
	if err != nil {
		return cachedToken{}, err
	}
	start := p.clock()
	p.logger.LogAttrs(ctx, slog.LevelDebug, "ecr:GetAuthorizationToken", slog.String("region", key.region))
	out, err := client.GetAuthorizationToken(ctx, &ecr.GetAuthorizationTokenInput{}, ecrRegion(key.region))
	if err != nil {
		return cachedToken{}, classifyTokenError(key.region, err, p.opts.RetryMaxAttempts, p.opts.Timeout)
	}
	if len(out.AuthorizationData) == 0 {
		return cachedToken{}, &MalformedTokenError{Reason: "the response has no authorizationData"}
	}
	ad := out.AuthorizationData[0]
	return p.cached(ctx, key, start, ad.AuthorizationToken, ad.ExpiresAt)
}

// cached checks and decodes a token answer (the token and its expiry, received after
// start) into the cache entry of key.
func (p *TokenProvider) cached(ctx context.Context, key cacheKey, start time.Time, token *string, expiresAt *time.Time) (cachedToken, error) {
	if token == nil {
		return cachedToken{}, &MalformedTokenError{Reason: "the response has no authorizationToken"}
	}
	user, pass, err := DecodeAuthorizationToken(*token)
	if err != nil {
		return cachedToken{}, err
	}
	if expiresAt == nil || expiresAt.IsZero() {
		return cachedToken{}, &MalformedTokenError{Reason: "the response has no expiresAt"}
	}
	exp := *expiresAt
	if !start.Before(exp) {
		return cachedToken{}, &MalformedTokenError{Reason: fmt.Sprintf(
			"the token expired at %s, before it arrived (%s); check the system clock",
			exp.UTC().Format(time.RFC3339), start.UTC().Format(time.RFC3339))}
	}
	life := exp.Sub(start)
	c := cachedToken{
		username:  user,
		password:  pass,
		expiresAt: exp,
		refreshAt: start.Add(time.Duration(float64(life) * p.opts.RefreshFraction)),
	}
	p.logger.LogAttrs(ctx, slog.LevelDebug, "ecr token fetched",
		slog.String("region", key.region), slog.Time("expiresAt", exp), slog.Time("refreshAt", c.refreshAt))
	return c, nil
}

// client returns the client for regionCode, building the default one on first use.
func (p *TokenProvider) client(regionCode string) (GetAuthorizationTokenAPI, error) {
	if p.opts.ECRClientForRegion != nil {
		c := p.opts.ECRClientForRegion(regionCode)
		if c == nil {
			return nil, errcode.Wrap(errInvalidOption, "TokenOptions.ECRClientForRegion returned nil for "+regionCode, nil)
		}
		return c, nil
	}
	p.mu.RLock()
	c, ok := p.clients[regionCode]
	p.mu.RUnlock()
	if ok {
		return c, nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if c, ok := p.clients[regionCode]; ok {
		return c, nil
	}
	c = ecr.NewFromConfig(p.baseCfg, p.ecrOptions(regionCode)...)
	p.clients[regionCode] = c
	return c, nil
}

// ecrOptions are the option functions of the default client for regionCode.
func (p *TokenProvider) ecrOptions(regionCode string) []func(*ecr.Options) {
	maxAttempts, maxBackoff := p.opts.RetryMaxAttempts, p.opts.RetryMaxBackoff
	fips := p.opts.FIPS && region.ECRFIPS(regionCode)
	fns := []func(*ecr.Options){func(o *ecr.Options) {
		o.Region = regionCode
		o.Retryer = awserr.NewRetryer(maxAttempts, maxBackoff)
		if fips && p.baseCfg.BaseEndpoint == nil && o.BaseEndpoint == nil {
			o.EndpointOptions.UseFIPSEndpoint = aws.FIPSEndpointStateEnabled
		}
	}}
	fns = append(fns, p.opts.ECROptions...)
	// Last, so that it bounds whatever HTTP client the options left in place: a token
	// answer is about 2 KiB.
	fns = append(fns, func(o *ecr.Options) { o.HTTPClient = bodylimit.Client(o.HTTPClient, maxTokenAnswer) })
	if fips && len(p.opts.ECROptions) > 0 {
		// An ECROptions function may set a custom endpoint (a VPC endpoint, say), which
		// the SDK refuses to combine with FIPS on every call: the custom endpoint wins.
		fns = append(fns, func(o *ecr.Options) {
			if o.BaseEndpoint != nil {
				o.EndpointOptions.UseFIPSEndpoint = aws.FIPSEndpointStateUnset
			}
		})
	}
	return fns
}

// DecodeAuthorizationToken decodes an ECR authorizationToken: base64 of "AWS:password"
// with exactly one colon, the user "AWS" and a non-empty password. A malformed token
// gives a [*MalformedTokenError] (matching [ErrMalformedToken]) that never contains the
// token or any part of it.
func DecodeAuthorizationToken(s string) (username string, password Secret, err error) {
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
	if err != nil {
		return "", Secret{}, &MalformedTokenError{Reason: "the token is not valid base64"}
	}
	user, pass, ok := strings.Cut(string(b), ":")
	switch {
	case !ok:
		return "", Secret{}, &MalformedTokenError{Reason: "the decoded token has no ':'"}
	case strings.Contains(pass, ":"):
		return "", Secret{}, &MalformedTokenError{Reason: "the decoded token has more than one ':'"}
	case user != ECRUsername:
		return "", Secret{}, &MalformedTokenError{Reason: fmt.Sprintf("the user is not %q", ECRUsername)}
	case pass == "":
		return "", Secret{}, &MalformedTokenError{Reason: "the password is empty"}
	}
	return user, NewSecret(pass), nil
}
