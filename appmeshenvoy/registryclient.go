package appmeshenvoy

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"

	"github.com/google/go-containerregistry/pkg/authn"

	"github.com/appmesh-envoy/appmesh-envoy-go/internal/errcode"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/registry"
)

// registryClients are the resolver's clients of the registry API (package
// internal/registry, which applies the module's registry traffic rules), built on
// first use: one for registries that are not AWS's (credentials from
// ResolverOptions.RegistryKeychain) and two for the public gallery, anonymous and with
// an ECR Public token (ResolverOptions.GalleryTokens), both with the short
// GalleryConnectTimeout.
type registryClients struct {
	once                sync.Once
	err                 error
	other               *registry.Client
	gallery             *registry.Client
	galleryAuth         *registry.Client // nil without GalleryTokens
	galleryOverriddenTo string           // the gallery's URL when overridden, else ""
}

// registry returns the resolver's registry clients.
func (r *Resolver) registry() (*registryClients, error) {
	rc := &r.registries
	rc.once.Do(func() { rc.err = r.buildRegistryClients(rc) })
	return rc, rc.err
}

func (r *Resolver) buildRegistryClients(rc *registryClients) error {
	o := r.opts
	overrides, awsURL, err := registry.ParseEndpoints(o.RegistryEndpoints, o.AWSRegistryEndpoint)
	if err != nil {
		return err
	}
	transport := o.RegistryTransport
	if transport == nil {
		transport = registry.TransportOf(r.cfg.HTTPClient)
	}
	build := func(keychain authn.Keychain, gallery bool) (*registry.Client, error) {
		return registry.New(func(ro *registry.Options) {
			ro.Overrides = overrides
			ro.AWSEndpoint = awsURL
			ro.IsAWSHost = isAWSRegistryHost
			ro.Keychain = keychain
			ro.Transport = transport
			ro.Logger = o.Logger
			if gallery {
				ro.DialTimeout = o.GalleryConnectTimeout
				ro.MaxAttempts = 2
			}
			if o.OnRegistryEndpoint != nil {
				ro.OnEndpoint = func(e registry.Endpoint) { o.OnRegistryEndpoint(e.Host, e.URL.String()) }
			}
		})
	}
	if rc.other, err = build(o.RegistryKeychain, false); err != nil {
		return err
	}
	if rc.gallery, err = build(authn.NewMultiKeychain(), true); err != nil {
		return err
	}
	if o.GalleryTokens != nil {
		if rc.galleryAuth, err = build(galleryKeychain{p: o.GalleryTokens}, true); err != nil {
			return err
		}
	}
	if ep, err := rc.gallery.Endpoint(PublicRegistryHost); err == nil && ep.Overridden {
		rc.galleryOverriddenTo = ep.URL.String()
	}
	return nil
}

// isAWSRegistryHost reports an AWS registry host (ECR private or the public gallery),
// whose traffic AWSRegistryEndpoint takes.
func isAWSRegistryHost(h string) bool {
	if strings.Contains(h, ":") {
		return false
	}
	_, err := ParseRegistryHost(h)
	return err == nil
}

// galleryKeychain gives the gallery's token endpoint the Basic credentials of an ECR
// Public token, and nothing to any other host.
type galleryKeychain struct{ p *TokenProvider }

func (k galleryKeychain) Resolve(res authn.Resource) (authn.Authenticator, error) {
	return k.ResolveContext(context.Background(), res)
}

func (k galleryKeychain) ResolveContext(ctx context.Context, res authn.Resource) (authn.Authenticator, error) {
	reg, err := ParseRegistryHost(res.RegistryStr())
	if err != nil || !reg.Public {
		return authn.Anonymous, nil
	}
	tok, err := k.p.TokenForRegistry(ctx, reg.Host)
	if err != nil {
		return nil, err
	}
	return authn.FromConfig(authn.AuthConfig{Username: tok.Username, Password: tok.Password.Reveal()}), nil
}

// galleryClient returns the client to read the gallery with, and a note when it reads
// anonymously although GalleryTokens is set: the token could not be had because access
// is denied or the ECR Public endpoint cannot be reached (where an anonymous read may
// still work), or it would go to an overridden gallery URL it was not issued for. Any
// other token failure is an error.
func (r *Resolver) galleryClient(ctx context.Context) (*registry.Client, string, error) {
	rc, err := r.registry()
	if err != nil {
		return nil, "", err
	}
	if rc.galleryAuth == nil {
		return rc.gallery, "", nil
	}
	if rc.galleryOverriddenTo != "" && !r.opts.TrustRegistryEndpoints && !r.opts.GalleryTokens.publicEndpointOverridden() {
		return rc.gallery, "read anonymously: an ECR Public token from real AWS does not go to " + rc.galleryOverriddenTo +
			" (point the ECR Public API there too, or set TrustRegistryEndpoints)", nil
	}
	_, err = r.opts.GalleryTokens.TokenForRegistry(ctx, PublicRegistryHost)
	switch {
	case err == nil:
		return rc.galleryAuth, "", nil
	case errors.Is(err, ErrAccessDenied), CodeOf(err) == CodeEndpointUnreachable:
		r.opts.Logger.LogAttrs(ctx, slog.LevelWarn, "appmeshenvoy: reading the gallery anonymously", slog.Any("error", err))
		return rc.gallery, "read anonymously: no ECR Public token (" + CodeOf(err).String() + ")", nil
	}
	return nil, "", err
}

// registryRepo returns the registry.Repo of an image or repository.
func registryRepo(host, name string) registry.Repo { return registry.Repo{Host: host, Name: name} }

// isGallery reports whether host is the public gallery (either of its hosts).
func isGallery(host string) bool {
	reg, err := ParseRegistryHost(host)
	return err == nil && reg.Public && !strings.Contains(host, ":")
}

// registryClientFor returns the registry client for host: the gallery's, or the other one.
func (r *Resolver) registryClientFor(ctx context.Context, host string) (*registry.Client, string, error) {
	if isGallery(host) {
		return r.galleryClient(ctx)
	}
	rc, err := r.registry()
	if err != nil {
		return nil, "", err
	}
	return rc.other, "", nil
}

// parseOtherRepository parses "host[:port]/name" of a registry that is not an ECR
// private registry.
func parseOtherRepository(f Fallback, in string) (sourceRepo, error) {
	host, name, _ := strings.Cut(in, "/")
	h, err := registry.NormalizeHost(host)
	if err != nil {
		return sourceRepo{}, fallbackInputError(f.String(), err.Error())
	}
	name = strings.TrimRight(name, "/")
	switch {
	case strings.ContainsAny(name, ":@"):
		return sourceRepo{}, fallbackInputError(f.String(), "give the repository without tag or digest")
	case !isRepository(name):
		return sourceRepo{}, fallbackInputError(f.String(), "bad repository name (lower-case path components of letters and digits, separated by . _ - and /)")
	}
	return sourceRepo{host: h, name: name}, nil
}

// registryTags lists the tags of a repository through the registry API.
func (r *Resolver) registryTags(ctx context.Context, repo sourceRepo) ([]string, string, error) {
	c, note, err := r.registryClientFor(ctx, repo.host)
	if err != nil {
		return nil, "", err
	}
	tags, err := c.ListTags(ctx, registryRepo(repo.host, repo.name))
	return tags, note, err
}

// errGalleryUnreachable is matched by the error of a gallery that cannot be reached.
var errGalleryUnreachable = errcode.New(errcode.RegistryUnreachable, "gallery unreachable")

// askGallery answers with the highest release tag of the image in the public gallery.
func (r *Resolver) askGallery(ctx context.Context) (answer, error) {
	repo := sourceRepo{host: PublicRegistryHost, name: publicGalleryRepository}
	ans := answer{repository: repo.String()}
	tags, note, err := r.registryTags(ctx, repo)
	if err != nil {
		if CodeOf(err) == CodeRegistryUnreachable {
			err = errcode.Wrap(errGalleryUnreachable,
				"the gallery cannot be reached within "+r.opts.GalleryConnectTimeout.String()+" (no internet access?): "+err.Error(), err)
		}
		return ans, err
	}
	tag, ok := releaseTag(tags, r.opts.FIPS)
	if !ok {
		return ans, noReleaseTag(tags, r.opts.FIPS)
	}
	ans.image = Image{Registry: repo.host, Repository: repo.name, Tag: tag}
	ans.note = "answered by fallback gallery: " + tag + " is the highest release tag in " + repo.String()
	if note != "" {
		ans.note += " (" + note + ")"
	}
	return ans, nil
}

// pinFromRegistry reads the digest of img's manifest through the registry API, for
// images that are not in an ECR private registry (the gallery, other registries). The
// client verifies that the manifest hashes to the digest.
func (r *Resolver) pinFromRegistry(ctx context.Context, img Image) (Image, error) {
	c, _, err := r.registryClientFor(ctx, img.Registry)
	if err != nil {
		return Image{}, err
	}
	m, err := c.GetManifest(ctx, registryRepo(img.Registry, img.Repository), img.Tag)
	if err != nil {
		return Image{}, err
	}
	img.Digest = m.Digest
	return img, nil
}
