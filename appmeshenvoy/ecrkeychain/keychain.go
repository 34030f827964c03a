// Package ecrkeychain is a go-containerregistry keychain ([authn.Keychain]) that logs in
// to Amazon ECR registries with tokens from an [appmeshenvoy.TokenProvider].
//
// It lives in its own package so that only its users compile go-containerregistry.
//
// Hosts are sorted like this:
//   - ECR private registries (any account, region, FIPS or dual-stack host, such as the
//     Envoy image's registry, a mirror or a pull-through cache): HTTP Basic auth with
//     user "AWS" and a token fetched in the host's region, cached by the provider. If
//     the token cannot be had, Resolve returns the error: it never falls back to
//     anonymous access, which would only fail later with a less useful message.
//   - public.ecr.aws and ecr-public.aws.com (the ECR Public Gallery): anonymous, as the
//     gallery needs no token; with [Options.PublicGallery], Basic auth with an ECR Public
//     token (ecr-public:GetAuthorizationToken in us-east-1: higher rate limits, no
//     anonymous monthly cap), and anonymous again, with a warning logged, when that token
//     cannot be had because access is denied or ECR Public cannot be reached (principals
//     without the permissions, aws-cn, GovCloud, policies that deny us-east-1).
//   - every other host: [authn.Anonymous]. Combine with another keychain for those with
//     authn.NewMultiKeychain(ecrkeychain.New(p), authn.DefaultKeychain), which asks the
//     next keychain whenever this one answers anonymous.
package ecrkeychain

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
)

// Keychain resolves ECR registries through a [appmeshenvoy.TokenProvider]. It
// implements [authn.Keychain] and [authn.ContextKeychain].
//
// Create it with [New]; the zero value is not usable. It is safe for concurrent use.
type Keychain struct {
	p    *appmeshenvoy.TokenProvider
	opts Options
}

// Options configures a [Keychain].
type Options struct {
	// PublicGallery authenticates to the ECR Public Gallery with an ECR Public token
	// from the provider, falling back to anonymous access when access is denied or the
	// ECR Public endpoint cannot be reached. Default false: the gallery is anonymous.
	PublicGallery bool
	// Logger receives a warning when the gallery is read anonymously although
	// PublicGallery is set. Default: discard.
	Logger *slog.Logger
}

// New returns a keychain that gets ECR tokens from p, after applying the option
// functions to the defaults of [Options].
func New(p *appmeshenvoy.TokenProvider, optFns ...func(*Options)) *Keychain {
	var o Options
	for _, fn := range optFns {
		fn(&o)
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Keychain{p: p, opts: o}
}

var (
	_ authn.Keychain        = (*Keychain)(nil)
	_ authn.ContextKeychain = (*Keychain)(nil)
)

// Resolve is [Keychain.ResolveContext] with context.Background(). The wait for a token
// is still bounded by the provider's timeout (appmeshenvoy.TokenOptions.Timeout).
func (k *Keychain) Resolve(r authn.Resource) (authn.Authenticator, error) {
	return k.ResolveContext(context.Background(), r)
}

// ResolveContext returns the authenticator for r's registry: Basic auth with an ECR
// token for ECR private registries (fetched now, so that an error shows here), and
// [authn.Anonymous] for hosts that are not ECR and, unless [Options.PublicGallery] is
// set, for the public gallery. A host that looks like ECR but does not parse as an ECR
// registry host is an error.
//
// The returned authenticator asks the provider again on every use, so a long-lived
// client gets a fresh token when the cached one is refreshed.
func (k *Keychain) ResolveContext(ctx context.Context, r authn.Resource) (authn.Authenticator, error) {
	host := r.RegistryStr()
	reg, err := appmeshenvoy.ParseRegistryHost(host)
	if err != nil {
		if looksLikeECR(host) {
			return nil, fmt.Errorf("ecr keychain: %w", err)
		}
		return authn.Anonymous, nil
	}
	if reg.Public {
		if !k.opts.PublicGallery {
			return authn.Anonymous, nil
		}
		a := &authenticator{p: k.p, host: host}
		_, err := a.AuthorizationContext(ctx)
		switch {
		case err == nil:
			return a, nil
		case errors.Is(err, appmeshenvoy.ErrAccessDenied), appmeshenvoy.CodeOf(err) == appmeshenvoy.CodeEndpointUnreachable:
			k.opts.Logger.LogAttrs(ctx, slog.LevelWarn, "ecr keychain: pulling from the gallery anonymously: no ECR Public token",
				slog.String("host", host), slog.Any("error", err))
			return authn.Anonymous, nil
		}
		return nil, err
	}
	a := &authenticator{p: k.p, host: host}
	if _, err := a.AuthorizationContext(ctx); err != nil {
		return nil, err
	}
	return a, nil
}

// looksLikeECR reports whether host names an ECR registry endpoint, parseable or not.
func looksLikeECR(host string) bool {
	h := strings.ToLower(host)
	return strings.Contains(h, ".dkr.ecr") || strings.Contains(h, ".dkr-ecr")
}

// authenticator gives Basic auth with the current token for one ECR host.
type authenticator struct {
	p    *appmeshenvoy.TokenProvider
	host string
}

var (
	_ authn.Authenticator        = (*authenticator)(nil)
	_ authn.ContextAuthenticator = (*authenticator)(nil)
)

// Authorization implements authn.Authenticator.
func (a *authenticator) Authorization() (*authn.AuthConfig, error) {
	return a.AuthorizationContext(context.Background())
}

// AuthorizationContext implements authn.ContextAuthenticator.
func (a *authenticator) AuthorizationContext(ctx context.Context) (*authn.AuthConfig, error) {
	tok, err := a.p.TokenForRegistry(ctx, a.host)
	if err != nil {
		return nil, fmt.Errorf("ecr keychain: %w", err)
	}
	return &authn.AuthConfig{Username: tok.Username, Password: tok.Password.Reveal()}, nil
}

// String redacts: the authenticator is sometimes printed by debugging code.
func (a *authenticator) String() string { return "ecr token for " + a.host }
