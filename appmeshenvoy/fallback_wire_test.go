package appmeshenvoy_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/appmeshenvoytest"
	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

// Wire tests of the fallback sources: the real ECR client against the local endpoint
// (DescribeImages with its pagination and error codes, BatchGetImage for pins).

const (
	fbRegion   = "us-west-2"
	fbMirror   = appmeshenvoytest.AccountID + ".dkr.ecr.{region}.amazonaws.com/mirror/envoy"
	fbMirrorUW = appmeshenvoytest.AccountID + ".dkr.ecr.us-west-2.amazonaws.com/mirror/envoy"
	opDescribe = "ecr:DescribeImages"
)

// fbServer returns a local endpoint whose us-west-2 parameter is gone and whose mirror
// repository holds the given tags (no repository when tags is nil).
func fbServer(t *testing.T, tags []string) *appmeshenvoytest.Server {
	t.Helper()
	srv := wireServer(t)
	srv.DeleteParameter(fbRegion)
	if tags != nil {
		if err := srv.CreateRepository(fbMirrorUW, appmeshenvoytest.RepositoryOptions{}); err != nil {
			t.Fatal(err)
		}
		for _, tag := range tags {
			if _, err := srv.PushImage(fbMirrorUW, tag, 16); err != nil {
				t.Fatal(err)
			}
		}
	}
	return srv
}

func fbResolver(srv *appmeshenvoytest.Server, fips bool, sources ...string) (*appmeshenvoy.Resolver, error) {
	var fbs []appmeshenvoy.Fallback
	for _, s := range sources {
		f, err := appmeshenvoy.ParseFallback(s)
		if err != nil {
			return nil, err
		}
		fbs = append(fbs, f)
	}
	return appmeshenvoy.NewResolver(srv.Config(fbRegion), wireFastRetries, func(o *appmeshenvoy.ResolverOptions) {
		o.Fallbacks = fbs
		o.FIPS = fips
		o.AWSRegistryEndpoint = srv.URL
	}), nil
}

func TestWireFallbackSources(t *testing.T) {
	builtin := region.MustLookup(fbRegion).RepositoryURI() + ":" + appmeshenvoy.FinalRelease().String()
	releases := []string{"latest", "v1.29.6.0-prod", "v1.34.13.3-prod", "v1.34.2.0-prod", "v1.34.13.3-prod-fips", "v1.40.0.0-beta", "v1.34.13.10-dev"}
	tests := []struct {
		name       string
		tags       []string // nil: no mirror repository
		sources    []string
		fips       bool
		want       string // image; "" when an error is wanted
		source     appmeshenvoy.Source
		unverified bool
		warning    []string // substrings of the warning
		code       appmeshenvoy.Code
		describes  int // DescribeImages calls
	}{
		{name: "highest release tag of the mirror", tags: releases, sources: []string{"repository=" + fbMirror, "builtin"},
			want: fbMirrorUW + ":v1.34.13.3-prod", source: appmeshenvoy.SourceRepository, describes: 1,
			warning: []string{"parameter /aws/service/appmesh/envoy is gone from us-west-2", "v1.34.13.3-prod is the highest release tag"}},
		{name: "FIPS picks -prod-fips tags", tags: releases, sources: []string{"repository=" + fbMirror}, fips: true,
			want: fbMirrorUW + ":v1.34.13.3-prod-fips", source: appmeshenvoy.SourceRepository, describes: 1},
		{name: "no repository: next source", tags: nil, sources: []string{"repository=" + fbMirror, "builtin"},
			want: builtin, source: appmeshenvoy.SourceBuiltin, unverified: true, describes: 1,
			warning: []string{"unverified until pinned", "RepositoryNotFoundException"}},
		{name: "only non-release tags: next source", tags: []string{"latest", "v1.29.0.0-dev"}, sources: []string{"repository=" + fbMirror, "builtin"},
			want: builtin, source: appmeshenvoy.SourceBuiltin, unverified: true, describes: 1,
			warning: []string{`no Envoy release tag (vMAJOR.MINOR.PATCH.BUILD-prod) among its 2 tags ("latest", "v1.29.0.0-dev")`}},
		{name: "empty repository", tags: []string{}, sources: []string{"repository=" + fbMirror},
			code: appmeshenvoy.CodeParameterNotFound, describes: 1, warning: []string{"the repository has no tags"}},
		{name: "builtin first: the mirror is never asked", tags: releases, sources: []string{"builtin", "repository=" + fbMirror},
			want: builtin, source: appmeshenvoy.SourceBuiltin, unverified: true, describes: 0},
		{name: "builtin with FIPS is an error", tags: nil, sources: []string{"builtin"}, fips: true,
			code: appmeshenvoy.CodeParameterNotFound, warning: []string{"fallback builtin: AWS has not confirmed a FIPS variant (v1.39.1.0-prod-fips)"}},
		{name: "FIPS: builtin passes on", tags: releases, sources: []string{"builtin", "repository=" + fbMirror}, fips: true,
			want: fbMirrorUW + ":v1.34.13.3-prod-fips", source: appmeshenvoy.SourceRepository, describes: 1,
			warning: []string{"(before it, fallback builtin: AWS has not confirmed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := fbServer(t, tt.tags)
			res, err := fbResolver(srv, tt.fips, tt.sources...)
			if err != nil {
				t.Fatal(err)
			}
			got, err := res.Resolve(context.Background(), fbRegion)
			if n := srv.Requests(opDescribe, "*"); n != tt.describes {
				t.Errorf("%d DescribeImages calls, want %d", n, tt.describes)
			}
			text := got.Warning
			if tt.want == "" {
				if err == nil {
					t.Fatalf("answer %s from %s, want an error", got.Image, got.Source)
				}
				if c := appmeshenvoy.CodeOf(err); c != tt.code {
					t.Errorf("code %s, want %s (%v)", c, tt.code, err)
				}
				if got.Err != err || got.Source != "" {
					t.Errorf("result %+v does not carry the error alone", got)
				}
				text = err.Error()
			} else {
				if err != nil {
					t.Fatal(err)
				}
				if s := got.Image.String(); s != tt.want || got.Source != tt.source {
					t.Errorf("answer %s from %s, want %s from %s", s, got.Source, tt.want, tt.source)
				}
				if !got.Fallback() || got.Unverified != tt.unverified {
					t.Errorf("Fallback() %v, Unverified %v; want true, %v", got.Fallback(), got.Unverified, tt.unverified)
				}
			}
			for _, w := range tt.warning {
				if !strings.Contains(text, w) {
					t.Errorf("%q does not say %q", text, w)
				}
			}
		})
	}
}

// TestWireFallbackOnlyWhenTheParameterIsGone checks that fallbacks stand in for a
// missing parameter only: a parameter that is there answers, and access denied,
// throttling and bad credentials stay errors without any fallback being asked.
func TestWireFallbackOnlyWhenTheParameterIsGone(t *testing.T) {
	tests := []struct {
		name  string
		setup func(*appmeshenvoytest.Server)
		code  appmeshenvoy.Code
	}{
		{"parameter present", func(*appmeshenvoytest.Server) {}, ""},
		{"access denied", func(s *appmeshenvoytest.Server) {
			s.FailNext(wireOpSSM, fbRegion, 100, appmeshenvoytest.AccessDenied(wireOpSSM))
		}, appmeshenvoy.CodeAccessDenied},
		{"throttled", func(s *appmeshenvoytest.Server) {
			s.FailNext(wireOpSSM, fbRegion, 100, appmeshenvoytest.Throttling(wireOpSSM))
		}, appmeshenvoy.CodeThrottled},
		{"bad credentials", func(s *appmeshenvoytest.Server) {
			s.FailNext(wireOpSSM, fbRegion, 100, appmeshenvoytest.UnrecognizedClient(wireOpSSM))
		}, appmeshenvoy.CodeInvalidCredentials},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := wireServer(t)
			tt.setup(srv)
			res, _ := fbResolver(srv, false, "repository="+fbMirror, "builtin")
			got, err := res.Resolve(context.Background(), fbRegion)
			if tt.code == "" {
				if err != nil || got.Source != appmeshenvoy.SourceSSM || got.Fallback() {
					t.Fatalf("%+v, %v; want the parameter's answer", got, err)
				}
			} else if c := appmeshenvoy.CodeOf(err); c != tt.code {
				t.Fatalf("code %s (%v), want %s", c, err, tt.code)
			}
			if n := srv.Requests(opDescribe, "*"); n != 0 {
				t.Errorf("%d DescribeImages calls: a fallback was asked", n)
			}
		})
	}
}

// TestWireFallbackSourceErrorsEndTheChain: a repository the caller may not read is a
// problem to fix, not an answer to skip.
func TestWireFallbackSourceErrorsEndTheChain(t *testing.T) {
	srv := fbServer(t, []string{"v1.34.13.3-prod"})
	srv.FailNext(opDescribe, fbRegion, 100, appmeshenvoytest.AccessDenied(opDescribe))
	res, _ := fbResolver(srv, false, "repository="+fbMirror, "builtin")
	got, err := res.Resolve(context.Background(), fbRegion)
	if err == nil {
		t.Fatalf("answer %s from %s, want access denied", got.Image, got.Source)
	}
	if c := appmeshenvoy.CodeOf(err); c != appmeshenvoy.CodeAccessDenied {
		t.Errorf("code %s, want access-denied: %v", c, err)
	}
	var fe *appmeshenvoy.FallbackError
	if !errors.As(err, &fe) || len(fe.Sources) != 1 || fe.Sources[0].Source != appmeshenvoy.SourceRepository {
		t.Fatalf("error %v: want a FallbackError with the repository's failure only (builtin not asked)", err)
	}
	for _, w := range []string{"resolve us-west-2:", "fallback repository " + fbMirrorUW, "ecr:DescribeImages"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("%q does not say %q", err, w)
		}
	}
	if !errors.Is(err, appmeshenvoy.ErrParameterNotFound) || !errors.Is(err, appmeshenvoy.ErrAccessDenied) {
		t.Errorf("%v does not match both the cause and the source's error", err)
	}
}

// TestWirePinAllFallback: with --pin, a parameter that names an image that is gone is
// answered by the fallbacks, and the answer is pinned where it is.
func TestWirePinAllFallback(t *testing.T) {
	t.Run("image gone, mirror answers", func(t *testing.T) {
		srv := wireServer(t)
		if err := srv.CreateRepository(fbMirrorUW, appmeshenvoytest.RepositoryOptions{}); err != nil {
			t.Fatal(err)
		}
		digest, err := srv.PushImage(fbMirrorUW, "v1.34.13.3-prod", 16)
		if err != nil {
			t.Fatal(err)
		}
		if err := srv.DeleteRepository(region.MustLookup(fbRegion).RepositoryURI()); err != nil {
			t.Fatal(err)
		}
		res, _ := fbResolver(srv, false, "builtin", "repository="+fbMirror)
		// builtin answers first, but pinning it fails: the whole repository is gone.
		results, err := res.PinAll(context.Background(), []string{fbRegion})
		if err != nil {
			t.Fatal(err)
		}
		if c := appmeshenvoy.CodeOf(results[0].Err); c != appmeshenvoy.CodeImageNotFound {
			t.Fatalf("%+v: want image-not-found (builtin answered, and its image is gone too)", results[0])
		}
		res, _ = fbResolver(srv, false, "repository="+fbMirror, "builtin")
		results, err = res.PinAll(context.Background(), []string{fbRegion})
		if err != nil {
			t.Fatal(err)
		}
		got := results[0]
		if got.Err != nil || got.Source != appmeshenvoy.SourceRepository || got.Image.Digest != digest {
			t.Fatalf("%+v: want the mirror's image pinned at %s", got, digest)
		}
		if !strings.Contains(got.Warning, "the image the SSM parameter names is gone") {
			t.Errorf("warning %q does not say why", got.Warning)
		}
	})
	t.Run("builtin is verified by its pin", func(t *testing.T) {
		srv := fbServer(t, nil)
		res, _ := fbResolver(srv, false, "builtin")
		results, err := res.PinAll(context.Background(), []string{fbRegion})
		if err != nil {
			t.Fatal(err)
		}
		got := results[0]
		want, _ := srv.ImageDigest(region.MustLookup(fbRegion).RepositoryURI(), appmeshenvoy.FinalRelease().String())
		if got.Err != nil || got.Source != appmeshenvoy.SourceBuiltin || got.Unverified || got.Image.Digest != want {
			t.Fatalf("%+v: want the final release pinned at %s and no longer unverified", got, want)
		}
	})
}
