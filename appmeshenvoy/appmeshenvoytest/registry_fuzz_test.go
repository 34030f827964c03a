package appmeshenvoytest

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzParseRegistryHost: any host is either refused or parsed into a canonical host
// that parses to itself.
func FuzzParseRegistryHost(f *testing.F) {
	for _, h := range []string{
		"840364872350.dkr.ecr.us-west-2.amazonaws.com", "840364872350.dkr.ecr-fips.us-east-1.amazonaws.com",
		"840364872350.dkr-ecr.eu-west-1.on.aws", "919366029133.dkr.ecr.cn-north-1.amazonaws.com.cn",
		"public.ecr.aws", "ecr-public.aws.com", "docker.io", "840364872350.dkr.ecr.us-west-2.amazonaws.com.evil", "",
	} {
		f.Add(h)
	}
	f.Fuzz(func(t *testing.T, h string) {
		k, err := parseRegistryHost(h)
		if err != nil {
			if len(err.Error()) > 400 {
				t.Fatalf("error of %d bytes", len(err.Error()))
			}
			return
		}
		again, err := parseRegistryHost(k.host)
		if err != nil || again != k {
			t.Fatalf("%q parsed to %+v, which parses to %+v, %v", h, k, again, err)
		}
	})
}

// FuzzRegistryRequest: any path, method, Authorization, Content-Range and body is
// answered without a panic, and never with success without credentials.
func FuzzRegistryRequest(f *testing.F) {
	f.Add("GET", "/v2/840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy/manifests/v1.39.1.0-prod", "", "", "")
	f.Add("PATCH", "/v2/123456789012.dkr.ecr.us-west-2.amazonaws.com/x/blobs/uploads/abc", "Basic QVdTOnB3", "0-3", "abcd")
	f.Add("PUT", "/v2/public.ecr.aws/appmesh/aws-appmesh-envoy/manifests/x", "Bearer x", "", `{"schemaVersion":2}`)
	f.Add("GET", "/v2/x/tags/list?n=-1&last=%ff", "", "", "")
	f.Add("GET", "/_storage/a/sha256/00?X-Amz-Signature=00", "", "", "")
	s := NewUnstartedServer()
	defer s.Close()
	f.Fuzz(func(t *testing.T, method, path, auth, contentRange, body string) {
		if !strings.HasPrefix(path, "/") {
			path = "/" + path
		}
		req, err := http.NewRequest(method, "http://127.0.0.1"+path, strings.NewReader(body))
		if err != nil {
			return
		}
		req.Header.Set("Authorization", auth)
		req.Header.Set("Content-Range", contentRange)
		rec := httptest.NewRecorder()
		s.serveHTTP(rec, req)
		if rec.Code < 400 && !strings.HasPrefix(req.URL.Path, "/token") {
			t.Fatalf("%s %s answered %d: %s", method, path, rec.Code, rec.Body.String())
		}
	})
}

// FuzzParseManifest: any body is refused or parsed into a supported media type with
// well-formed descriptors.
func FuzzParseManifest(f *testing.F) {
	envoy, _ := seededImages()
	f.Add(string(envoy.manifest), "")
	f.Add(string(envoy.children[0]), mediaTypeDockerManifest)
	f.Add(`{"schemaVersion":2,"config":{"digest":"sha256:x"}}`, "application/vnd.oci.image.manifest.v1+json")
	f.Fuzz(func(t *testing.T, body, contentType string) {
		m, mt, e := parseManifest([]byte(body), contentType)
		if e != nil {
			return
		}
		switch mt {
		case mediaTypeDockerManifest, mediaTypeOCIManifest:
			if m.Config == nil {
				t.Fatal("image manifest without config accepted")
			}
		case MediaTypeManifestList, mediaTypeOCIIndex:
		default:
			t.Fatalf("media type %q accepted", mt)
		}
		for _, d := range append(append(configOf(m), m.Layers...), m.Manifests...) {
			if !digestPattern().MatchString(d.Digest) {
				t.Fatalf("descriptor %+v accepted", d)
			}
		}
	})
}
