package registry_test

import (
	"bytes"
	"context"
	"encoding/pem"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/appmesh-envoy/appmesh-envoy-go/internal/errcode"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/registry"
)

func writePEM(t *testing.T, path string, srv *httptest.Server) {
	t.Helper()
	b := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestBearerRealmOnAnotherHost: a token realm on another host than the registry's
// endpoint gets no credentials (they belong to the registry alone); one on the same
// host gets them.
func TestBearerRealmOnAnotherHost(t *testing.T) {
	var realmAuth []string
	tokens := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		realmAuth = append(realmAuth, r.Header.Get("Authorization"))
		_, _ = w.Write([]byte(`{"token":"tok-elsewhere","expires_in":300}`))
	}))
	defer tokens.Close()
	for _, tc := range []struct {
		name      string
		realm     func(f *fakeRegistry) string
		wantCreds bool
	}{
		{"another host", func(*fakeRegistry) string { return tokens.URL + "/token" }, false},
		{"the registry's host", func(f *fakeRegistry) string { return f.srv.URL + "/token" }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			realmAuth = nil
			f := newFake(t)
			f.addImage("v1", []byte("layer"))
			f.hook = func(w http.ResponseWriter, r *http.Request) bool {
				if r.URL.Path == "/token" {
					realmAuth = append(realmAuth, r.Header.Get("Authorization"))
					if r.URL.Query().Get("scope") != "repository:envoy:pull" || r.URL.Query().Get("service") != "fake" {
						t.Errorf("token request %s", r.URL.RawQuery)
					}
					_, _ = w.Write([]byte(`{"access_token":"tok-here"}`))
					return true
				}
				if a := r.Header.Get("Authorization"); a != "Bearer tok-here" && a != "Bearer tok-elsewhere" {
					w.Header().Set("WWW-Authenticate", `Bearer realm="`+tc.realm(f)+`",service="fake",scope="repository:envoy:pull"`)
					regError(w, http.StatusUnauthorized, "UNAUTHORIZED", "token needed")
					return true
				}
				return false
			}
			c := newClient(t, func(o *registry.Options) {
				o.Keychain = staticKeychain{f.host(): {Username: "user", Password: "registry-password"}}
			})
			if _, err := c.GetManifest(context.Background(), registry.Repo{Host: f.host(), Name: "envoy"}, "v1"); err != nil {
				t.Fatal(err)
			}
			if len(realmAuth) != 1 {
				t.Fatalf("%d token requests, want 1", len(realmAuth))
			}
			if got := realmAuth[0] != ""; got != tc.wantCreds {
				t.Errorf("credentials sent to the realm: %v, want %v", got, tc.wantCreds)
			}
			// The token is reused for the next request of the same scope.
			if _, err := c.GetManifest(context.Background(), registry.Repo{Host: f.host(), Name: "envoy"}, "v1"); err != nil {
				t.Fatal(err)
			}
			if len(realmAuth) != 1 {
				t.Errorf("%d token requests after a second read, want 1", len(realmAuth))
			}
		})
	}
}

// TestBasicRefused: refused Basic credentials are an unauthorized error after one
// retry, and the message does not carry the password.
func TestBasicRefused(t *testing.T) {
	f := newFake(t)
	f.hook = func(w http.ResponseWriter, r *http.Request) bool {
		w.Header().Set("WWW-Authenticate", `Basic realm="fake"`)
		regError(w, http.StatusUnauthorized, "UNAUTHORIZED", "bad credentials")
		return true
	}
	c := newClient(t, func(o *registry.Options) {
		o.Keychain = staticKeychain{f.host(): {Username: "user", Password: "registry-password"}}
	})
	_, err := c.GetManifest(context.Background(), registry.Repo{Host: f.host(), Name: "envoy"}, "v1")
	if errcode.Of(err) != errcode.Unauthorized {
		t.Fatalf("error %v, want unauthorized", err)
	}
	if strings.Contains(err.Error(), "registry-password") {
		t.Errorf("the error shows the password")
	}
	if n := len(f.requests("")); n != 2 {
		t.Errorf("%d requests, want 2 (without, then with credentials)", n)
	}
}

// TestDebugLogRedacts: the debug log of a registry exchange never holds the Basic
// credentials, the bearer token, the token answer or a presigned URL's signature.
func TestDebugLogRedacts(t *testing.T) {
	f := newFake(t)
	f.addImage("v1", []byte("layer"))
	const token, password, signature = "bearer-token-value", "registry-password", "c0ffee5ignature"
	f.hook = func(w http.ResponseWriter, r *http.Request) bool {
		switch {
		case r.URL.Path == "/token":
			_, _ = w.Write([]byte(`{"token":"` + token + `"}`))
		case strings.HasPrefix(r.URL.Path, "/storage"):
			_, _ = w.Write([]byte("layer"))
		case r.Header.Get("Authorization") != "Bearer "+token:
			w.Header().Set("WWW-Authenticate", `Bearer realm="`+f.srv.URL+`/token",service="fake"`)
			regError(w, http.StatusUnauthorized, "UNAUTHORIZED", "token needed")
		case strings.Contains(r.URL.Path, "/blobs/"):
			http.Redirect(w, r, "/storage/blob?X-Amz-Signature="+signature+"&X-Amz-Credential=AKIDX%2F20260101&X-Amz-Expires=900", http.StatusTemporaryRedirect)
		default:
			return false
		}
		return true
	}
	var log bytes.Buffer
	c := newClient(t, func(o *registry.Options) {
		o.Keychain = staticKeychain{f.host(): {Username: "user", Password: password}}
		o.Logger = slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	repo := registry.Repo{Host: f.host(), Name: "envoy"}
	if err := readBlob([]byte("layer"))(c, repo); err != nil {
		t.Fatal(err)
	}
	out := log.String()
	for _, secret := range []string{token, password, signature, "AKIDX", "dXNlcjpyZWdpc3RyeS1wYXNzd29yZA"} {
		if strings.Contains(out, secret) {
			t.Errorf("the debug log holds %q", secret)
		}
	}
	for _, want := range []string{"Bearer [REDACTED]", "X-Amz-Signature=[REDACTED]", "registry redirect", "registry token answer"} {
		if !strings.Contains(out, want) {
			t.Errorf("the debug log lacks %q:\n%s", want, out)
		}
	}
}

// TestIdleTimeout: an answer that stops arriving ends the request with a timeout error
// once nothing moved for IdleTimeout; there is no overall deadline.
func TestIdleTimeout(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	f := newFake(t)
	f.hook = func(w http.ResponseWriter, r *http.Request) bool {
		w.Header().Set("Content-Length", "5")
		_, _ = w.Write([]byte("la"))
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
		return true
	}
	c := newClient(t, func(o *registry.Options) {
		o.IdleTimeout = 100 * time.Millisecond
		o.MaxAttempts = 1
	})
	err := readBlob([]byte("layer"))(c, registry.Repo{Host: f.host(), Name: "envoy"})
	if errcode.Of(err) != errcode.Timeout {
		t.Fatalf("error %v (code %s), want a timeout", err, errcode.Of(err))
	}
}

// TestDefaultTransportCABundle: a bundle that cannot be used is an error, never a
// silent fallback to the system roots.
func TestDefaultTransportCABundle(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(dir+"/empty.pem", []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{dir + "/missing.pem", dir + "/empty.pem"} {
		t.Setenv("AWS_CA_BUNDLE", path)
		if _, err := registry.DefaultTransport(); errcode.Of(err) != errcode.FileError {
			t.Errorf("AWS_CA_BUNDLE=%s: error %v, want a file error", path, err)
		}
	}
}

// TestEndpoints: where each host's traffic goes, and OnEndpoint once per overridden host.
func TestEndpoints(t *testing.T) {
	var seen []string
	c := newClient(t, func(o *registry.Options) {
		o.Overrides = map[string]*url.URL{"111122223333.dkr.ecr.us-west-2.amazonaws.com": mustURL(t, "http://127.0.0.1:5000/prefix")}
		o.AWSEndpoint = mustURL(t, "http://127.0.0.1:4566")
		o.IsAWSHost = func(h string) bool { return strings.Contains(h, ".dkr.ecr.") }
		o.OnEndpoint = func(e registry.Endpoint) { seen = append(seen, e.String()) }
	})
	for _, tc := range []struct{ host, want string }{
		{"111122223333.dkr.ecr.us-west-2.amazonaws.com", "http://127.0.0.1:5000/prefix"},
		{"111122223333.dkr.ecr.us-east-1.amazonaws.com", "http://127.0.0.1:4566/111122223333.dkr.ecr.us-east-1.amazonaws.com"},
		{"registry.example.com", "https://registry.example.com"},
		{"LOCALHOST:5000", "http://localhost:5000"},
		{"[::1]:5000", "http://[::1]:5000"},
		{"111122223333.dkr.ecr.us-west-2.amazonaws.com", "http://127.0.0.1:5000/prefix"},
	} {
		ep, err := c.Endpoint(tc.host)
		if err != nil || ep.URL.String() != tc.want {
			t.Errorf("Endpoint(%s) = %v, %v; want %s", tc.host, ep.URL, err, tc.want)
		}
	}
	if len(seen) != 2 || !strings.HasPrefix(seen[0], "111122223333.dkr.ecr.us-west-2.amazonaws.com → ") {
		t.Errorf("OnEndpoint saw %q, want each overridden host once", seen)
	}
}
