package registry_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"

	"github.com/appmesh-envoy/appmesh-envoy-go/internal/registry"
)

// fakeRegistry is a small OCI registry for the tests: manifests and blobs from maps,
// uploads into the maps, a request log, and a hook that can answer first (hostile
// answers, challenges, redirects).
type fakeRegistry struct {
	mu        sync.Mutex
	manifests map[string]fakeManifest // by tag and by digest
	blobs     map[string][]byte
	uploads   map[string]*bytes.Buffer
	log       []fakeRequest
	hook      func(w http.ResponseWriter, r *http.Request) bool
	srv       *httptest.Server
}

type fakeManifest struct {
	mediaType string
	body      []byte
}

type fakeRequest struct {
	method, path, query, auth string
}

func newFake(t *testing.T) *fakeRegistry {
	f := &fakeRegistry{manifests: map[string]fakeManifest{}, blobs: map[string][]byte{}, uploads: map[string]*bytes.Buffer{}}
	f.srv = httptest.NewServer(f)
	t.Cleanup(f.srv.Close)
	return f
}

// host returns the fake's host:port.
func (f *fakeRegistry) host() string { return strings.TrimPrefix(f.srv.URL, "http://") }

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(s[:])
}

// addBlob stores b and returns its descriptor.
func (f *fakeRegistry) addBlob(b []byte) registry.Descriptor {
	f.mu.Lock()
	defer f.mu.Unlock()
	d := sha(b)
	f.blobs[d] = b
	return registry.Descriptor{MediaType: "application/vnd.oci.image.layer.v1.tar+gzip", Digest: d, Size: int64(len(b))}
}

// addManifest stores body under tag (if any) and its digest.
func (f *fakeRegistry) addManifest(tag, mediaType string, body []byte) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	d := sha(body)
	f.manifests[d] = fakeManifest{mediaType, body}
	if tag != "" {
		f.manifests[tag] = fakeManifest{mediaType, body}
	}
	return d
}

// addImage stores an OCI image of one config and the given layers under tag and
// returns its manifest.
func (f *fakeRegistry) addImage(tag string, layers ...[]byte) registry.Manifest {
	cfg := f.addBlob([]byte(`{"architecture":"amd64","os":"linux"}`))
	cfg.MediaType = "application/vnd.oci.image.config.v1+json"
	var ls []string
	for _, l := range layers {
		d := f.addBlob(l)
		ls = append(ls, fmt.Sprintf(`{"mediaType":%q,"digest":%q,"size":%d}`, d.MediaType, d.Digest, d.Size))
	}
	body := []byte(fmt.Sprintf(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":%q,"digest":%q,"size":%d},"layers":[%s]}`,
		cfg.MediaType, cfg.Digest, cfg.Size, strings.Join(ls, ",")))
	d := f.addManifest(tag, registry.MediaTypeOCIManifest, body)
	return registry.Manifest{MediaType: registry.MediaTypeOCIManifest, Digest: d, Bytes: body}
}

// requests returns the logged requests whose method matches (all when "").
func (f *fakeRegistry) requests(method string) []fakeRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []fakeRequest
	for _, r := range f.log {
		if method == "" || r.method == method {
			out = append(out, r)
		}
	}
	return out
}

func (f *fakeRegistry) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.log = append(f.log, fakeRequest{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("Authorization")})
	hook := f.hook
	f.mu.Unlock()
	if hook != nil && hook(w, r) {
		return
	}
	path := strings.TrimPrefix(r.URL.Path, "/v2/")
	switch {
	case strings.Contains(path, "/manifests/"):
		ref := path[strings.LastIndex(path, "/")+1:]
		if r.Method == http.MethodPut {
			body, _ := io.ReadAll(r.Body)
			d := f.addManifest(ref, r.Header.Get("Content-Type"), body)
			w.Header().Set("Docker-Content-Digest", d)
			w.WriteHeader(http.StatusCreated)
			return
		}
		f.mu.Lock()
		m, ok := f.manifests[ref]
		f.mu.Unlock()
		if !ok {
			regError(w, http.StatusNotFound, "MANIFEST_UNKNOWN", "manifest unknown")
			return
		}
		w.Header().Set("Content-Type", m.mediaType)
		w.Header().Set("Docker-Content-Digest", sha(m.body))
		w.Header().Set("Content-Length", strconv.Itoa(len(m.body)))
		if r.Method == http.MethodGet {
			_, _ = w.Write(m.body)
		}
	case strings.Contains(path, "/blobs/uploads/"):
		f.serveUpload(w, r)
	case strings.Contains(path, "/blobs/"):
		d := path[strings.LastIndex(path, "/")+1:]
		f.mu.Lock()
		b, ok := f.blobs[d]
		f.mu.Unlock()
		if !ok {
			regError(w, http.StatusNotFound, "BLOB_UNKNOWN", "blob unknown")
			return
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(b)))
		if r.Method == http.MethodGet {
			_, _ = w.Write(b)
		}
	default:
		regError(w, http.StatusNotFound, "NAME_UNKNOWN", "no such path")
	}
}

func (f *fakeRegistry) serveUpload(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	id := path[strings.LastIndex(path, "/")+1:]
	f.mu.Lock()
	defer f.mu.Unlock()
	switch r.Method {
	case http.MethodPost:
		if d := r.URL.Query().Get("mount"); d != "" {
			if _, ok := f.blobs[d]; ok {
				w.WriteHeader(http.StatusCreated)
				return
			}
		}
		id = strconv.Itoa(len(f.uploads) + 1)
		f.uploads[id] = &bytes.Buffer{}
		w.Header().Set("Location", strings.TrimSuffix(path, "/")+"/"+id)
		w.WriteHeader(http.StatusAccepted)
	case http.MethodPatch:
		buf := f.uploads[id]
		if buf == nil {
			regError(w, http.StatusNotFound, "BLOB_UPLOAD_UNKNOWN", "no upload")
			return
		}
		_, _ = io.Copy(buf, r.Body)
		w.Header().Set("Location", path)
		w.WriteHeader(http.StatusAccepted)
	case http.MethodPut:
		buf := f.uploads[id]
		d := r.URL.Query().Get("digest")
		if buf == nil || sha(buf.Bytes()) != d {
			regError(w, http.StatusBadRequest, "DIGEST_INVALID", "digest does not match")
			return
		}
		f.blobs[d] = buf.Bytes()
		delete(f.uploads, id)
		w.WriteHeader(http.StatusCreated)
	case http.MethodDelete:
		delete(f.uploads, id)
		w.WriteHeader(http.StatusNoContent)
	}
}

func regError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"errors":[{"code":%q,"message":%q}]}`, code, msg)
}

// staticKeychain gives fixed credentials per host.
type staticKeychain map[string]authn.AuthConfig

func (k staticKeychain) Resolve(r authn.Resource) (authn.Authenticator, error) {
	if c, ok := k[r.RegistryStr()]; ok {
		return authn.FromConfig(c), nil
	}
	return authn.Anonymous, nil
}

// newClient returns a client with fast retries and the options applied.
func newClient(t *testing.T, optFns ...func(*registry.Options)) *registry.Client {
	t.Helper()
	c, err := registry.New(append([]func(*registry.Options){func(o *registry.Options) {
		o.MaxBackoff = 5 * 1e6 // 5 ms
	}}, optFns...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.CloseIdleConnections)
	return c
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
