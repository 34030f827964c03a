package registry_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/appmeshenvoytest"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/errcode"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/registry"
	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

func ecrPassword(t *testing.T, srv *appmeshenvoytest.Server, regionCode string) string {
	t.Helper()
	out, err := ecr.NewFromConfig(srv.Config(regionCode)).GetAuthorizationToken(context.Background(), &ecr.GetAuthorizationTokenInput{})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := base64.StdEncoding.DecodeString(aws.ToString(out.AuthorizationData[0].AuthorizationToken))
	return strings.TrimPrefix(string(raw), "AWS:")
}

// localClient returns a client of the local endpoint: every AWS registry host by path,
// Basic credentials for ECR hosts.
func localClient(t *testing.T, srv *appmeshenvoytest.Server, keys staticKeychain, optFns ...func(*registry.Options)) *registry.Client {
	return newClient(t, append([]func(*registry.Options){func(o *registry.Options) {
		o.AWSEndpoint = mustURL(t, srv.URL)
		o.IsAWSHost = func(h string) bool { return strings.Contains(h, ".dkr.ecr.") || h == "public.ecr.aws" }
		o.BasicFirst = func(h string) bool { return strings.Contains(h, ".dkr.ecr.") }
		o.Keychain = keys
	}}, optFns...)...)
}

// TestCopyThroughLocalEndpoint reads the seeded multi-architecture index with its
// children and blobs (the blobs come through the storage redirect, which refuses
// forwarded credentials) and writes it, byte for byte, into a repository of the test
// account: the digest is the same, and the server refused nothing.
func TestCopyThroughLocalEndpoint(t *testing.T) {
	srv := appmeshenvoytest.NewServer()
	defer srv.Close()
	pw := ecrPassword(t, srv, "us-west-2")
	src := registry.Repo{Host: region.MustLookup("us-west-2").RegistryHost(), Name: region.RepositoryName}
	dst := registry.Repo{Host: appmeshenvoytest.AccountID + ".dkr.ecr.us-west-2.amazonaws.com", Name: "mirror/envoy"}
	if err := srv.CreateRepository(dst.String(), appmeshenvoytest.RepositoryOptions{}); err != nil {
		t.Fatal(err)
	}
	c := localClient(t, srv, staticKeychain{src.Host: {Username: "AWS", Password: pw}, dst.Host: {Username: "AWS", Password: pw}})
	ctx := context.Background()
	idx, err := c.GetManifest(ctx, src, appmeshenvoytest.DefaultTag)
	if err != nil {
		t.Fatal(err)
	}
	want, _, wantDigest := srv.Manifest()
	if !bytes.Equal(idx.Bytes, want) || idx.Digest != wantDigest || idx.MediaType != registry.MediaTypeDockerList {
		t.Fatalf("read %s (%s), want the seeded index %s", idx.Digest, idx.MediaType, wantDigest)
	}
	cont, err := idx.Contents()
	if err != nil || !cont.Index || len(cont.Manifests) != 2 {
		t.Fatalf("contents %+v, %v", cont, err)
	}
	for _, child := range cont.Manifests {
		m, err := c.GetManifest(ctx, src, child.Digest)
		if err != nil {
			t.Fatal(err)
		}
		mc, err := m.Contents()
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range mc.Blobs {
			if ok, err := c.BlobExists(ctx, dst, b); err != nil || ok {
				t.Fatalf("BlobExists before the upload: %v, %v", ok, err)
			}
			rc, err := c.OpenBlob(ctx, src, b)
			if err != nil {
				t.Fatal(err)
			}
			err = c.Upload(ctx, dst, b, rc)
			rc.Close()
			if err != nil {
				t.Fatal(err)
			}
			if ok, err := c.BlobExists(ctx, dst, b); err != nil || !ok {
				t.Fatalf("BlobExists after the upload: %v, %v", ok, err)
			}
		}
		if err := c.PutManifest(ctx, dst, m.Digest, m); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.PutManifest(ctx, dst, appmeshenvoytest.DefaultTag, idx); err != nil {
		t.Fatal(err)
	}
	d, ok, err := c.HeadManifest(ctx, dst, appmeshenvoytest.DefaultTag)
	if err != nil || !ok || d.Digest != wantDigest {
		t.Fatalf("HeadManifest = %+v, %v, %v; want %s", d, ok, err, wantDigest)
	}
	if got, _ := srv.ImageDigest(dst.String(), appmeshenvoytest.DefaultTag); got != wantDigest {
		t.Errorf("the server holds %s under the tag, want %s", got, wantDigest)
	}
	tags, err := c.ListTags(ctx, dst)
	if err != nil || len(tags) != 1 || tags[0] != appmeshenvoytest.DefaultTag {
		t.Errorf("ListTags = %v, %v", tags, err)
	}
	if r := srv.Refusals(); len(r) > 0 {
		t.Errorf("the server refused requests: %q", r)
	}
}

// TestGalleryBearerAndRateLimit pulls from the public gallery, which answers with a
// Bearer challenge (anonymous token) and, over its rate limit, 429 with Retry-After:
// the client fetches the token and waits as told.
func TestGalleryBearerAndRateLimit(t *testing.T) {
	srv := appmeshenvoytest.NewServer()
	defer srv.Close()
	srv.FailNext("ecr-public:BatchGetImage", "us-east-1", 1, appmeshenvoytest.Throttling("ecr-public:BatchGetImage"))
	c := localClient(t, srv, staticKeychain{})
	gallery := registry.Repo{Host: "public.ecr.aws", Name: "appmesh/aws-appmesh-envoy"}
	m, err := c.GetManifest(context.Background(), gallery, appmeshenvoytest.DefaultTag)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, d := srv.Manifest(); m.Digest != d {
		t.Errorf("digest %s, want %s", m.Digest, d)
	}
	if n := srv.Requests("ecr-public:BatchGetImage", "us-east-1"); n != 2 {
		t.Errorf("%d manifest requests, want 2 (429, then the retry)", n)
	}
}

// TestRetryExhaustion: a registry that answers 503 every time makes a server-error
// after MaxAttempts attempts; 429 every time a rate-limited error.
func TestRetryExhaustion(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		code   errcode.Code
	}{
		{"server error", http.StatusServiceUnavailable, errcode.ServerError},
		{"rate limited", http.StatusTooManyRequests, errcode.RateLimited},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t)
			f.hook = func(w http.ResponseWriter, r *http.Request) bool {
				w.Header().Set("Retry-After", "0")
				regError(w, tc.status, "TOOMANYREQUESTS", "slow down")
				return true
			}
			c := newClient(t, func(o *registry.Options) { o.MaxAttempts = 3 })
			_, err := c.GetManifest(context.Background(), registry.Repo{Host: f.host(), Name: "envoy"}, "v1")
			if got := errcode.Of(err); got != tc.code {
				t.Errorf("code %s, want %s (%v)", got, tc.code, err)
			}
			if n := len(f.requests("")); n != 3 {
				t.Errorf("%d requests, want 3", n)
			}
		})
	}
}

// TestHostileAnswers: answers that break the rules are errors with their codes, and
// nothing unverified passes.
func TestHostileAnswers(t *testing.T) {
	big := bytes.Repeat([]byte("x"), registry.MaxManifestSize+1)
	cases := []struct {
		name string
		hook func(f *fakeRegistry) func(w http.ResponseWriter, r *http.Request) bool
		call func(c *registry.Client, repo registry.Repo) error
		code errcode.Code
	}{
		{"manifest over 4 MiB announced", func(f *fakeRegistry) func(http.ResponseWriter, *http.Request) bool {
			return func(w http.ResponseWriter, r *http.Request) bool {
				w.Header().Set("Content-Type", registry.MediaTypeOCIManifest)
				w.Header().Set("Content-Length", fmt.Sprint(len(big)))
				_, _ = w.Write(big)
				return true
			}
		}, getManifest("v1"), errcode.ResponseTooLarge},
		{"manifest over 4 MiB chunked", func(f *fakeRegistry) func(http.ResponseWriter, *http.Request) bool {
			return func(w http.ResponseWriter, r *http.Request) bool {
				w.Header().Set("Content-Type", registry.MediaTypeOCIManifest)
				for i := 0; i < len(big); i += 1 << 20 {
					_, _ = w.Write(big[i:min(i+1<<20, len(big))])
					w.(http.Flusher).Flush()
				}
				return true
			}
		}, getManifest("v1"), errcode.ResponseTooLarge},
		{"reported digest differs", func(f *fakeRegistry) func(http.ResponseWriter, *http.Request) bool {
			m := f.addImage("v1", []byte("layer"))
			return func(w http.ResponseWriter, r *http.Request) bool {
				w.Header().Set("Content-Type", m.MediaType)
				w.Header().Set("Docker-Content-Digest", sha([]byte("something else")))
				_, _ = w.Write(m.Bytes)
				return true
			}
		}, getManifest("v1"), errcode.DigestMismatch},
		{"manifest by digest with other bytes", func(f *fakeRegistry) func(http.ResponseWriter, *http.Request) bool {
			m := f.addImage("v1", []byte("layer"))
			return func(w http.ResponseWriter, r *http.Request) bool {
				w.Header().Set("Content-Type", m.MediaType)
				_, _ = w.Write(append(m.Bytes, ' '))
				return true
			}
		}, getManifest(sha([]byte("x"))), errcode.DigestMismatch},
		{"schema 1", func(f *fakeRegistry) func(http.ResponseWriter, *http.Request) bool {
			f.addManifest("v1", "application/vnd.docker.distribution.manifest.v1+prettyjws", []byte(`{"schemaVersion":1,"name":"envoy","tag":"v1","fsLayers":[]}`))
			return nil
		}, getManifest("v1"), errcode.UnsupportedManifest},
		{"unknown media type", func(f *fakeRegistry) func(http.ResponseWriter, *http.Request) bool {
			f.addManifest("v1", "application/vnd.example.thing+json", []byte(`{"schemaVersion":2}`))
			return nil
		}, getManifest("v1"), errcode.UnsupportedManifest},
		{"blob with other bytes", func(f *fakeRegistry) func(http.ResponseWriter, *http.Request) bool {
			return func(w http.ResponseWriter, r *http.Request) bool {
				_, _ = w.Write([]byte("LAYER"))
				return true
			}
		}, readBlob([]byte("layer")), errcode.DigestMismatch},
		{"blob longer than its descriptor", func(f *fakeRegistry) func(http.ResponseWriter, *http.Request) bool {
			return func(w http.ResponseWriter, r *http.Request) bool {
				w.(http.Flusher).Flush() // no Content-Length: the reader finds out
				_, _ = w.Write([]byte("layer and more"))
				return true
			}
		}, readBlob([]byte("layer")), errcode.DigestMismatch},
		{"blob shorter than its descriptor", func(f *fakeRegistry) func(http.ResponseWriter, *http.Request) bool {
			return func(w http.ResponseWriter, r *http.Request) bool {
				w.(http.Flusher).Flush()
				_, _ = w.Write([]byte("lay"))
				return true
			}
		}, readBlob([]byte("layer")), errcode.DigestMismatch},
		{"token answer over 64 KiB", func(f *fakeRegistry) func(http.ResponseWriter, *http.Request) bool {
			return func(w http.ResponseWriter, r *http.Request) bool {
				if r.URL.Path == "/token" {
					w.(http.Flusher).Flush()
					fmt.Fprintf(w, `{"token":"%s"}`, strings.Repeat("t", registry.MaxTokenAnswer))
					return true
				}
				w.Header().Set("WWW-Authenticate", `Bearer realm="`+f.srv.URL+`/token",service="fake"`)
				regError(w, http.StatusUnauthorized, "UNAUTHORIZED", "authentication required")
				return true
			}
		}, getManifest("v1"), errcode.ResponseTooLarge},
		{"tag list page over 1 MiB", func(f *fakeRegistry) func(http.ResponseWriter, *http.Request) bool {
			return func(w http.ResponseWriter, r *http.Request) bool {
				w.(http.Flusher).Flush()
				fmt.Fprintf(w, `{"tags":["%s"]}`, strings.Repeat("t", registry.MaxTagsPage))
				return true
			}
		}, listTags, errcode.ResponseTooLarge},
		{"tag list without end", func(f *fakeRegistry) func(http.ResponseWriter, *http.Request) bool {
			n := 0
			return func(w http.ResponseWriter, r *http.Request) bool {
				n++
				w.Header().Set("Link", fmt.Sprintf(`</v2/envoy/tags/list?last=t%d>; rel="next"`, n))
				fmt.Fprintf(w, `{"tags":["t%d"]}`, n)
				return true
			}
		}, listTags, errcode.ResponseTooLarge},
		{"upload location on another host", func(f *fakeRegistry) func(http.ResponseWriter, *http.Request) bool {
			return func(w http.ResponseWriter, r *http.Request) bool {
				if r.Method == http.MethodPost {
					w.Header().Set("Location", "http://localhost:1/v2/envoy/blobs/uploads/1")
					w.WriteHeader(http.StatusAccepted)
					return true
				}
				return false
			}
		}, func(c *registry.Client, repo registry.Repo) error {
			b := []byte("layer")
			return c.Upload(context.Background(), repo, registry.Descriptor{Digest: sha(b), Size: int64(len(b))}, bytes.NewReader(b))
		}, errcode.RegistryUnreachable},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t)
			f.hook = tc.hook(f)
			c := newClient(t)
			err := tc.call(c, registry.Repo{Host: f.host(), Name: "envoy"})
			if got := errcode.Of(err); got != tc.code {
				t.Fatalf("code %q, want %q (%v)", got, tc.code, err)
			}
			if strings.Contains(err.Error(), strings.Repeat("t", 100)) {
				t.Errorf("the error carries the answer: %.200s", err)
			}
		})
	}
}

func getManifest(ref string) func(*registry.Client, registry.Repo) error {
	return func(c *registry.Client, repo registry.Repo) error {
		_, err := c.GetManifest(context.Background(), repo, ref)
		return err
	}
}

func readBlob(b []byte) func(*registry.Client, registry.Repo) error {
	return func(c *registry.Client, repo registry.Repo) error {
		rc, err := c.OpenBlob(context.Background(), repo, registry.Descriptor{Digest: sha(b), Size: int64(len(b))})
		if err != nil {
			return err
		}
		defer rc.Close()
		_, err = io.Copy(io.Discard, rc)
		return err
	}
}

func listTags(c *registry.Client, repo registry.Repo) error {
	_, err := c.ListTags(context.Background(), repo)
	return err
}

// TestRedirects: a blob download follows a redirect without the credential; redirects
// that break the rules are refused before a connection is made.
func TestRedirects(t *testing.T) {
	layer := []byte("layer")
	d := registry.Descriptor{Digest: sha(layer), Size: int64(len(layer))}
	var storageAuth atomic.Value
	storage := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		storageAuth.Store(r.Header.Get("Authorization"))
		_, _ = w.Write(layer)
	}))
	defer storage.Close()
	cases := []struct {
		name     string
		location func(f *fakeRegistry) string
		ok       bool
	}{
		// Same host and port: Go's client would forward Authorization; the rule says never.
		{"same host", func(f *fakeRegistry) string { return f.srv.URL + "/storage/" + d.Digest }, true},
		{"other loopback port", func(*fakeRegistry) string { return storage.URL + "/blob" }, true},
		{"link-local", func(*fakeRegistry) string { return "http://169.254.169.254/latest/meta-data/" }, false},
		{"IPv6 metadata", func(*fakeRegistry) string { return "http://[fd00:ec2::254]/latest/meta-data/" }, false},
		{"not http", func(*fakeRegistry) string { return "file:///etc/passwd" }, false},
		{"endless", func(f *fakeRegistry) string { return f.srv.URL + "/loop" }, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			storageAuth.Store("")
			f := newFake(t)
			f.hook = func(w http.ResponseWriter, r *http.Request) bool {
				if r.URL.Path == "/loop" {
					http.Redirect(w, r, "/loop", http.StatusFound)
					return true
				}
				if strings.HasPrefix(r.URL.Path, "/storage/") {
					storageAuth.Store(r.Header.Get("Authorization"))
					_, _ = w.Write(layer)
					return true
				}
				if r.Header.Get("Authorization") == "" {
					w.Header().Set("WWW-Authenticate", `Basic realm="fake"`)
					regError(w, http.StatusUnauthorized, "UNAUTHORIZED", "log in")
					return true
				}
				http.Redirect(w, r, tc.location(f), http.StatusTemporaryRedirect)
				return true
			}
			c := newClient(t, func(o *registry.Options) {
				o.Keychain = staticKeychain{f.host(): {Username: "user", Password: "registry-password"}}
			})
			err := readBlob(layer)(c, registry.Repo{Host: f.host(), Name: "envoy"})
			if tc.ok {
				if err != nil {
					t.Fatal(err)
				}
				if a, _ := storageAuth.Load().(string); a != "" {
					t.Errorf("the redirect carried Authorization %q", a)
				}
				return
			}
			if !errors.Is(err, registry.ErrRefused) {
				t.Fatalf("error %v, want a refusal", err)
			}
			if strings.Contains(err.Error(), "registry-password") {
				t.Errorf("the error shows the password: %v", err)
			}
		})
	}
}

// TestRedirectDowngrade: a registry on https that redirects to plain http is refused,
// and one whose endpoint AWS_CA_BUNDLE trusts is reached.
func TestRedirectDowngrade(t *testing.T) {
	layer := []byte("layer")
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(layer) }))
	defer plain.Close()
	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, plain.URL+"/blob", http.StatusTemporaryRedirect)
	}))
	defer tlsSrv.Close()
	bundle := t.TempDir() + "/ca.pem"
	writePEM(t, bundle, tlsSrv)
	t.Setenv("AWS_CA_BUNDLE", bundle)
	base, err := registry.DefaultTransport()
	if err != nil {
		t.Fatal(err)
	}
	host := "registry.example.com"
	c := newClient(t, func(o *registry.Options) {
		o.Transport = base
		o.Overrides = map[string]*url.URL{host: mustURL(t, tlsSrv.URL)}
	})
	err = readBlob(layer)(c, registry.Repo{Host: host, Name: "envoy"})
	if !errors.Is(err, registry.ErrRefused) || !strings.Contains(err.Error(), "https to plain http") {
		t.Fatalf("error %v, want a refused downgrade", err)
	}
}
