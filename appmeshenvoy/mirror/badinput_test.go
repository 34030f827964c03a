package mirror_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/appmeshenvoytest"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/mirror"
	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

// TestBadRequest: input that is wrong is one clear error with an input code, before
// any request is made.
func TestBadRequest(t *testing.T) {
	ok := own("us-east-1", "mirror/envoy")
	for _, tc := range []struct {
		name string
		req  mirror.Request
		code appmeshenvoy.Code
		says string
	}{
		{"no destination", mirror.Request{Regions: []string{"us-west-2"}}, appmeshenvoy.CodeInvalidInput, "no destination"},
		{"no region", mirror.Request{Destinations: []string{ok}}, appmeshenvoy.CodeInvalidInput, "no source region"},
		{"unknown region", mirror.Request{Regions: []string{"us-west-9"}, Destinations: []string{ok}}, appmeshenvoy.CodeUnsupportedRegion, "us-west-9"},
		{"not an Envoy tag", mirror.Request{Regions: []string{"us-west-2"}, Tags: []string{"latest"}, Destinations: []string{ok}}, appmeshenvoy.CodeInvalidVersion, `"latest"`},
		{"no host", mirror.Request{Regions: []string{"us-west-2"}, Destinations: []string{"mirror/envoy"}}, appmeshenvoy.CodeInvalidRepository, "not a registry host"},
		{"a tag", mirror.Request{Regions: []string{"us-west-2"}, Destinations: []string{ok + ":v1"}}, appmeshenvoy.CodeInvalidRepository, "without tag"},
		{"a digest", mirror.Request{Regions: []string{"us-west-2"}, Destinations: []string{ok + "@sha256:" + strings.Repeat("a", 64)}}, appmeshenvoy.CodeInvalidRepository, "without tag"},
		{"upper case", mirror.Request{Regions: []string{"us-west-2"}, Destinations: []string{"registry.example.com/Envoy"}}, appmeshenvoy.CodeInvalidRepository, "bad repository name"},
		{"plain http", mirror.Request{Regions: []string{"us-west-2"}, Destinations: []string{"http://127.0.0.1:5000/envoy"}}, appmeshenvoy.CodeInvalidRepository, "--registry-endpoint"},
		{"bad ECR host", mirror.Request{Regions: []string{"us-west-2"}, Destinations: []string{"1111.dkr.ecr.us-west-2.amazonaws.com/envoy"}}, appmeshenvoy.CodeInvalidRepository, "12 digits"},
		{"ECR host with a port", mirror.Request{Regions: []string{"us-west-2"}, Destinations: []string{appmeshenvoytest.AccountID + ".dkr.ecr.us-west-2.amazonaws.com:443/envoy"}}, appmeshenvoy.CodeInvalidRepository, "no port"},
		{"the gallery", mirror.Request{Regions: []string{"us-west-2"}, Destinations: []string{"public.ecr.aws/appmesh/envoy"}}, appmeshenvoy.CodeInvalidRepository, "gallery"},
		{"template in the port", mirror.Request{Regions: []string{"us-west-2"}, Destinations: []string{"registry.example.com:{region}/envoy"}}, appmeshenvoy.CodeInvalidRepository, "in the port"},
		{"template as the account", mirror.Request{Regions: []string{"us-west-2"}, Destinations: []string{"{region}.dkr.ecr.us-west-2.amazonaws.com/envoy"}}, appmeshenvoy.CodeInvalidRepository, "12 digits"},
		{"template in a tag", mirror.Request{Regions: []string{"us-west-2"}, Destinations: []string{ok + ":{region}"}}, appmeshenvoy.CodeInvalidRepository, "without tag"},
		{"unknown placeholder", mirror.Request{Regions: []string{"us-west-2"}, Destinations: []string{"registry.example.com/{account}/envoy"}}, appmeshenvoy.CodeInvalidRepository, "only placeholder"},
		{"template without region", mirror.Request{FromGallery: true, Tags: []string{"v1.39.1.0-prod"}, Destinations: []string{"registry.example.com/{region}/envoy"}}, appmeshenvoy.CodeInvalidInput, "no source region"},
		{"regions without template", mirror.Request{Regions: []string{"us-west-2", "us-east-1"}, Destinations: []string{ok}}, appmeshenvoy.CodeInvalidRepository, "{region}"},
		{"regions of two partitions", mirror.Request{Regions: []string{"us-west-2", "cn-north-1"}, Destinations: []string{"registry.example.com/{region}/envoy"}}, appmeshenvoy.CodeMixedPartitions, "cn-north-1"},
		{"destination in another partition", mirror.Request{Regions: []string{"us-west-2"}, Destinations: []string{appmeshenvoytest.AccountID + ".dkr.ecr.cn-north-1.amazonaws.com.cn/envoy"}}, appmeshenvoy.CodeMixedPartitions, "aws-cn"},
		{"template into another partition", mirror.Request{Regions: []string{"cn-north-1"}, Destinations: []string{appmeshenvoytest.AccountID + ".dkr.ecr.{region}.amazonaws.com/envoy"}}, appmeshenvoy.CodeInvalidRepository, "cn-north-1"},
		{"FIPS where there is none", mirror.Request{Regions: []string{"eu-west-1"}, FIPS: true, Destinations: []string{ok}}, appmeshenvoy.CodeFIPSUnavailable, "eu-west-1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newServer(t)
			m := newMirror(t, srv)
			res, err := m.Copy(context.Background(), tc.req)
			if err == nil || res != nil {
				t.Fatalf("Copy = %v, %v; want an input error", res, err)
			}
			if got := appmeshenvoy.CodeOf(err); got != tc.code || !got.Input() {
				t.Errorf("code %s, want %s (%v)", got, tc.code, err)
			}
			if !strings.Contains(err.Error(), tc.says) || strings.Contains(err.Error(), "\n") {
				t.Errorf("message %q does not say %q on one line", err, tc.says)
			}
			if n := srv.Requests("*", "*"); n != 0 {
				t.Errorf("%d requests were made", n)
			}
		})
	}
}

// TestUntrustedEndpoint: an ECR token from real AWS (no ECR API override) never goes
// to an overridden registry URL unless the caller consents.
func TestUntrustedEndpoint(t *testing.T) {
	cfg := aws.Config{Region: "us-west-2", Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")}
	dest := own("us-west-2", "mirror/envoy")
	for _, tc := range []struct {
		name string
		opts func(*mirror.Options)
	}{
		{"override of the destination", func(o *mirror.Options) {
			o.RegistryEndpoints = map[string]string{strings.Split(dest, "/")[0]: "http://127.0.0.1:5000"}
		}},
		{"override of the source", func(o *mirror.Options) {
			o.RegistryEndpoints = map[string]string{region.MustLookup("us-west-2").RegistryHost(): "https://mirror.example.com"}
		}},
		{"AWS registry endpoint", func(o *mirror.Options) { o.AWSRegistryEndpoint = "http://127.0.0.1:4566" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := mirror.New(cfg, tc.opts)
			_, err := m.Copy(context.Background(), mirror.Request{Regions: []string{"us-west-2"}, Tags: []string{"v1.39.1.0-prod"}, Destinations: []string{dest}})
			if !errors.Is(err, mirror.ErrUntrustedEndpoint) || !appmeshenvoy.CodeOf(err).Input() || !strings.Contains(err.Error(), "--trust-registry-endpoint") {
				t.Fatalf("error %v, want the untrusted-endpoint refusal", err)
			}
		})
	}
}

// TestBadOptions: an endpoint option that breaks the rules fails every Copy with an
// input error.
func TestBadOptions(t *testing.T) {
	srv := newServer(t)
	for _, opts := range []func(*mirror.Options){
		func(o *mirror.Options) {
			o.RegistryEndpoints = map[string]string{"registry.example.com": "http://10.0.0.1:5000"}
		},
		func(o *mirror.Options) {
			o.RegistryEndpoints = map[string]string{"registry.example.com/x": "https://mirror.example.com"}
		},
		func(o *mirror.Options) { o.AWSRegistryEndpoint = "ftp://127.0.0.1" },
	} {
		m := newMirror(t, srv, opts)
		_, err := m.Copy(context.Background(), mirror.Request{Regions: []string{"us-west-2"}, Destinations: []string{own("us-east-1", "envoy")}})
		if !appmeshenvoy.CodeOf(err).Input() {
			t.Errorf("error %v (code %s), want an input error", err, appmeshenvoy.CodeOf(err))
		}
	}
	var zero mirror.Copier
	if _, err := zero.Copy(context.Background(), mirror.Request{}); appmeshenvoy.CodeOf(err) != appmeshenvoy.CodeNotInitialized {
		t.Errorf("zero Copier: %v", err)
	}
}

// TestBadRegistries: registries that cannot be reached or answer wrongly make a failed
// result with its code and a one-line message; nothing half-written is reported as
// done, and the destination gets no tag.
func TestBadRegistries(t *testing.T) {
	seeded := appmeshenvoytest.NewServer()
	index, mt, _ := seeded.Manifest() // the seeded bytes, to tamper with
	seeded.Close()
	hostile := func(h http.HandlerFunc) string {
		s := httptest.NewServer(h)
		t.Cleanup(s.Close)
		return s.URL
	}
	for _, tc := range []struct {
		name     string
		endpoint string // the source registry's URL
		code     appmeshenvoy.Code
	}{
		{"unreachable", "http://127.0.0.1:1", appmeshenvoy.CodeRegistryUnreachable},
		{"different digest", hostile(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", mt)
			w.Header().Set("Docker-Content-Digest", "sha256:"+strings.Repeat("0", 64))
			_, _ = w.Write(index)
		}), appmeshenvoy.CodeDigestMismatch},
		{"oversized manifest", hostile(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", mt)
			_, _ = w.Write(append(index, make([]byte, 4<<20)...))
		}), appmeshenvoy.CodeResponseTooLarge},
		{"token answer over 64 KiB", hostile(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/token" {
				fmt.Fprintf(w, `{"token":"%s"}`, strings.Repeat("t", 65<<10))
				return
			}
			w.Header().Set("WWW-Authenticate", `Bearer realm="http://`+r.Host+`/token",service="x"`)
			w.WriteHeader(http.StatusUnauthorized)
		}), appmeshenvoy.CodeResponseTooLarge},
		{"refused credentials", hostile(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("WWW-Authenticate", `Basic realm="x"`)
			w.WriteHeader(http.StatusUnauthorized)
		}), appmeshenvoy.CodeUnauthorized},
		{"missing tag", hostile(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"errors":[{"code":"MANIFEST_UNKNOWN","message":"Requested image not found"}]}`)
		}), appmeshenvoy.CodeManifestUnknown},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newServer(t)
			src := region.MustLookup("us-west-2").RegistryHost()
			m := newMirror(t, srv, func(o *mirror.Options) {
				o.RegistryEndpoints = map[string]string{src: tc.endpoint}
				o.IdleTimeout = 5e9
			})
			dest := own("us-east-1", "mirror/envoy")
			res, err := m.Copy(context.Background(), mirror.Request{Regions: []string{"us-west-2"}, Tags: []string{appmeshenvoytest.DefaultTag},
				Destinations: []string{dest}, Create: &mirror.RepositorySettings{}})
			if err != nil {
				t.Fatal(err)
			}
			r := res[0]
			if r.Status != mirror.StatusFailed || appmeshenvoy.CodeOf(r.Err) != tc.code {
				t.Fatalf("result %+v (code %s), want failed with %s", r, appmeshenvoy.CodeOf(r.Err), tc.code)
			}
			if msg := r.Err.Error(); strings.Contains(msg, "\n") || len(msg) > 600 || strings.Contains(msg, "tttttttt") {
				t.Errorf("message is not one short line: %.300q", msg)
			}
			if _, ok := srv.ImageDigest(dest, appmeshenvoytest.DefaultTag); ok {
				t.Error("the destination got the tag")
			}
		})
	}
}

// TestFormatHidesSecrets: printing a Copier never shows its credentials.
func TestFormatHidesSecrets(t *testing.T) {
	cfg := aws.Config{Region: "us-west-2", Credentials: credentials.NewStaticCredentialsProvider("AKIDFORMAT", "format-secret-key", "session-token")}
	m := mirror.New(cfg)
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		if out := fmt.Sprintf(verb, m); strings.Contains(out, "format-secret-key") || strings.Contains(out, "session-token") {
			t.Errorf("%s shows a secret: %s", verb, out)
		}
	}
}
