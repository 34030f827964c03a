package appmeshenvoy_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/appmeshenvoytest"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/dockerregistry"
	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

// Fallbacks read through the registry API: the gallery of the local endpoint
// (anonymous, or with an ECR Public token) and a real registry (Debian's
// docker-registry with htpasswd Basic auth) as a repository fallback.

// staticKeychain gives fixed credentials per host.
type staticKeychain map[string]authn.AuthConfig

func (k staticKeychain) Resolve(r authn.Resource) (authn.Authenticator, error) {
	if c, ok := k[r.RegistryStr()]; ok {
		return authn.FromConfig(c), nil
	}
	return authn.Anonymous, nil
}

// closedAddr returns a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func TestWireGalleryFallback(t *testing.T) {
	galleryImage := appmeshenvoy.Image{Registry: appmeshenvoy.PublicRegistryHost, Repository: "appmesh/" + region.RepositoryName, Tag: appmeshenvoytest.DefaultTag}
	tests := []struct {
		name      string
		setup     func(*appmeshenvoytest.Server)
		login     bool
		endpoints func(*appmeshenvoytest.Server) map[string]string
		fips      bool
		source    appmeshenvoy.Source
		tag       string
		logins    int
		note      string
	}{
		{name: "anonymous", source: appmeshenvoy.SourceGallery, tag: appmeshenvoytest.DefaultTag},
		{name: "FIPS tag", fips: true, source: appmeshenvoy.SourceGallery, tag: appmeshenvoytest.DefaultTag + "-fips"},
		{name: "with an ECR Public token", login: true, source: appmeshenvoy.SourceGallery, tag: appmeshenvoytest.DefaultTag, logins: 1},
		{name: "token denied: anonymous with a note", login: true, setup: func(s *appmeshenvoytest.Server) {
			s.FailNext("ecr-public:GetAuthorizationToken", "us-east-1", 100, appmeshenvoytest.AccessDenied("ecr-public:GetAuthorizationToken"))
		}, source: appmeshenvoy.SourceGallery, tag: appmeshenvoytest.DefaultTag, note: "read anonymously: no ECR Public token (access-denied)"},
		{name: "gallery unreachable: next source", endpoints: func(*appmeshenvoytest.Server) map[string]string {
			return map[string]string{appmeshenvoy.PublicRegistryHost: "http://" + closedAddr(t)}
		}, source: appmeshenvoy.SourceBuiltin, tag: appmeshenvoy.FinalRelease().String(), note: "fallback gallery public.ecr.aws/appmesh/aws-appmesh-envoy: the gallery cannot be reached within 3s"},
		{name: "gallery without release tags: next source", setup: func(s *appmeshenvoytest.Server) {
			for _, tag := range []string{appmeshenvoytest.DefaultTag, appmeshenvoytest.DefaultTag + "-fips"} {
				if err := s.DeleteTag(region.PublicRepository, tag); err != nil {
					t.Fatal(err)
				}
			}
		}, source: appmeshenvoy.SourceBuiltin, tag: appmeshenvoy.FinalRelease().String(), note: "the repository has no tags"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := fbServer(t, nil)
			if tt.setup != nil {
				tt.setup(srv)
			}
			tp := appmeshenvoy.NewTokenProvider(srv.Config(fbRegion))
			res := appmeshenvoy.NewResolver(srv.Config(fbRegion), wireFastRetries, func(o *appmeshenvoy.ResolverOptions) {
				o.Fallbacks = []appmeshenvoy.Fallback{{Source: appmeshenvoy.SourceGallery}, {Source: appmeshenvoy.SourceBuiltin}}
				o.FIPS = tt.fips
				o.AWSRegistryEndpoint = srv.URL
				if tt.login {
					o.GalleryTokens = tp
				}
				if tt.endpoints != nil {
					o.RegistryEndpoints = tt.endpoints(srv)
				}
			})
			if tt.fips {
				// The builtin source has no FIPS tag; only the gallery can answer.
				res = appmeshenvoy.NewResolver(srv.Config("us-east-1"), wireFastRetries, func(o *appmeshenvoy.ResolverOptions) {
					o.Fallbacks = []appmeshenvoy.Fallback{{Source: appmeshenvoy.SourceGallery}}
					o.FIPS = true
					o.AWSRegistryEndpoint = srv.URL
				})
				srv.DeleteParameter("us-east-1")
			}
			code := fbRegion
			if tt.fips {
				code = "us-east-1"
			}
			results, err := res.PinAll(context.Background(), []string{code})
			if err != nil {
				t.Fatal(err)
			}
			got := results[0]
			if got.Err != nil {
				t.Fatal(got.Err)
			}
			if got.Source != tt.source || got.Image.Tag != tt.tag || got.Image.Digest == "" {
				t.Fatalf("%s from %s, want tag %s from %s, pinned", got.Image, got.Source, tt.tag, tt.source)
			}
			if tt.source == appmeshenvoy.SourceGallery {
				want := galleryImage
				want.Tag = tt.tag
				digest, _ := srv.ImageDigest(region.PublicRepository, tt.tag)
				want.Digest = digest
				if got.Image != want {
					t.Errorf("image %s, want %s", got.Image, want)
				}
			}
			if n := srv.GalleryLogins(); n != tt.logins {
				t.Errorf("%d gallery logins with an ECR Public token, want %d", n, tt.logins)
			}
			if tt.note != "" && !strings.Contains(got.Warning, tt.note) {
				t.Errorf("warning %q does not say %q", got.Warning, tt.note)
			}
		})
	}
}

// TestWireGalleryRateLimitedIsAnError: a gallery that throttles every attempt is an
// error to retry later, not a reason to answer with the next source.
func TestWireGalleryRateLimitedIsAnError(t *testing.T) {
	srv := fbServer(t, nil)
	srv.FailNext("ecr-public:ListImages", "us-east-1", 100, appmeshenvoytest.Throttling("ecr-public:ListImages"))
	res := appmeshenvoy.NewResolver(srv.Config(fbRegion), wireFastRetries, func(o *appmeshenvoy.ResolverOptions) {
		o.Fallbacks = []appmeshenvoy.Fallback{{Source: appmeshenvoy.SourceGallery}, {Source: appmeshenvoy.SourceBuiltin}}
		o.AWSRegistryEndpoint = srv.URL
	})
	_, err := res.Resolve(context.Background(), fbRegion)
	if c := appmeshenvoy.CodeOf(err); c != appmeshenvoy.CodeRateLimited {
		t.Fatalf("code %s (%v), want rate-limited", c, err)
	}
}

// TestRegistryFallback uses a real registry (docker-registry with htpasswd) as the
// repository fallback: its tag list, credentials from the keychain, and the pin read
// from it.
func TestRegistryFallback(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a registry")
	}
	const password = "fallback-registry-password"
	host := dockerregistry.Start(t, password).Addr
	auth := authn.AuthConfig{Username: "AWS", Password: password}

	push := func(repo string, tags ...string) string {
		t.Helper()
		img, err := random.Image(256, 1)
		if err != nil {
			t.Fatal(err)
		}
		for _, tag := range tags {
			ref, err := name.ParseReference(host + "/" + repo + ":" + tag)
			if err != nil {
				t.Fatal(err)
			}
			if err := remote.Write(ref, img, remote.WithAuth(authn.FromConfig(auth))); err != nil {
				t.Fatal(err)
			}
		}
		d, _ := img.Digest()
		return d.String()
	}
	push("mirror/envoy", "latest", "v1.29.0.0-dev", "v1.29.6.0-prod")
	want := push("mirror/envoy", "v1.34.13.3-prod")
	push("other/envoy", "latest", "v1.29.0.0-dev")

	srv := fbServer(t, nil)
	resolver := func(keychain authn.Keychain, repo string) *appmeshenvoy.Resolver {
		return appmeshenvoy.NewResolver(srv.Config(fbRegion), wireFastRetries, func(o *appmeshenvoy.ResolverOptions) {
			o.Fallbacks = []appmeshenvoy.Fallback{{Source: appmeshenvoy.SourceRepository, Repository: host + "/" + repo}, {Source: appmeshenvoy.SourceBuiltin}}
			o.RegistryKeychain = keychain
			o.AWSRegistryEndpoint = srv.URL
		})
	}
	ctx := context.Background()
	t.Run("highest release tag, pinned", func(t *testing.T) {
		results, err := resolver(staticKeychain{host: auth}, "mirror/envoy").PinAll(ctx, []string{fbRegion})
		if err != nil {
			t.Fatal(err)
		}
		got := results[0]
		if got.Err != nil || got.Source != appmeshenvoy.SourceRepository || got.Image.String() != host+"/mirror/envoy:v1.34.13.3-prod@"+want {
			t.Fatalf("%+v: want %s/mirror/envoy:v1.34.13.3-prod@%s", got, host, want)
		}
	})
	t.Run("only non-release tags: next source", func(t *testing.T) {
		got, err := resolver(staticKeychain{host: auth}, "other/envoy").Resolve(ctx, fbRegion)
		if err != nil || got.Source != appmeshenvoy.SourceBuiltin || !strings.Contains(got.Warning, "no Envoy release tag") {
			t.Fatalf("%+v, %v: want builtin after a repository without release tags", got, err)
		}
	})
	t.Run("no repository: next source", func(t *testing.T) {
		got, err := resolver(staticKeychain{host: auth}, "missing/envoy").Resolve(ctx, fbRegion)
		if err != nil || got.Source != appmeshenvoy.SourceBuiltin {
			t.Fatalf("%+v, %v: want builtin after a missing repository", got, err)
		}
	})
	t.Run("wrong credentials end the chain", func(t *testing.T) {
		bad := auth
		bad.Password += "x"
		_, err := resolver(staticKeychain{host: bad}, "mirror/envoy").Resolve(ctx, fbRegion)
		var fe *appmeshenvoy.FallbackError
		if c := appmeshenvoy.CodeOf(err); c != appmeshenvoy.CodeUnauthorized || !errors.As(err, &fe) || len(fe.Sources) != 1 {
			t.Fatalf("code %s (%v), want unauthorized from the repository alone", c, err)
		}
		if strings.Contains(err.Error(), bad.Password) {
			t.Error("the error shows the password")
		}
	})
}
