package registry

import (
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseChallenge(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want challenge
	}{
		{`Bearer realm="https://public.ecr.aws/token/",service="public.ecr.aws",scope="aws"`,
			challenge{"bearer", map[string]string{"realm": "https://public.ecr.aws/token/", "service": "public.ecr.aws", "scope": "aws"}}},
		{`Basic realm="https://111122223333.dkr.ecr.us-west-2.amazonaws.com/",service="ecr.amazonaws.com"`,
			challenge{"basic", map[string]string{"realm": "https://111122223333.dkr.ecr.us-west-2.amazonaws.com/", "service": "ecr.amazonaws.com"}}},
		{`bearer Realm=https://auth.example/token, Service = reg`, challenge{"bearer", map[string]string{"realm": "https://auth.example/token", "service": "reg"}}},
		{`Bearer realm="a\"b",scope="x,y"`, challenge{"bearer", map[string]string{"realm": `a"b`, "scope": "x,y"}}},
		{`Bearer realm="unterminated`, challenge{"bearer", map[string]string{}}},
		{`Basic`, challenge{"basic", map[string]string{}}},
		{``, challenge{"", map[string]string{}}},
	} {
		got := parseChallenge(tc.in)
		if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(challenge{})); diff != "" {
			t.Errorf("parseChallenge(%q) (-want +got):\n%s", tc.in, diff)
		}
	}
}

func FuzzParseChallenge(f *testing.F) {
	for _, s := range []string{`Bearer realm="https://public.ecr.aws/token/",service="public.ecr.aws",scope="aws"`, `Basic realm="x"`, `Bearer a=b,c="d\"e"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := parseChallenge(s)
		if len(c.params) > 16 {
			t.Fatalf("%d parameters", len(c.params))
		}
		if c.scheme != strings.ToLower(c.scheme) {
			t.Fatalf("scheme %q not lower case", c.scheme)
		}
	})
}

func TestNextLink(t *testing.T) {
	for in, want := range map[string]string{
		`</v2/envoy/tags/list?n=2&last=b>; rel="next"`:              "/v2/envoy/tags/list?n=2&last=b",
		`<https://r.example/v2/x/tags/list?last=a>; rel=next`:       "https://r.example/v2/x/tags/list?last=a",
		`</a>; rel="prev", </b>; rel="next"`:                        "/b",
		`</a>; rel="prev"`:                                          "",
		`garbage`:                                                   "",
		`<unterminated; rel="next"`:                                 "",
		`</v2/x/tags/list>; title="next"; rel="next"; type="a/b"`:   "/v2/x/tags/list",
		`</v2/x/tags/list>;rel="NEXT"`:                              "/v2/x/tags/list",
		`</v2/x/tags/list?last=a,b>; rel="next"`:                    "",
		`</v2/x/tags/list?last=a>; rel="next", </v2/y>; rel="next"`: "/v2/x/tags/list?last=a",
		`   </v2/x/tags/list?last=%2C>   ;   rel = "next"   `:       "/v2/x/tags/list?last=%2C",
		`</v2/x/tags/list>; rel="next"; rel="prev"`:                 "/v2/x/tags/list",
		``:               "",
		`<>; rel="next"`: "",
		`</v2/x/tags/list?n=1000&last=v1.39.1.0-prod>; rel="next"`:    "/v2/x/tags/list?n=1000&last=v1.39.1.0-prod",
		`</v2/x/tags/list?n=1000&last=v1.39.1.0-prod>; rel="next" ,`:  "/v2/x/tags/list?n=1000&last=v1.39.1.0-prod",
		`</v2/x/tags/list?n=1000&last=v1.39.1.0-prod>; rel="next";,`:  "/v2/x/tags/list?n=1000&last=v1.39.1.0-prod",
		`</v2/x/tags/list?n=1000&last=v1.39.1.0-prod>; rel="next" ;`:  "/v2/x/tags/list?n=1000&last=v1.39.1.0-prod",
		`</v2/x/tags/list?n=1000&last=v1.39.1.0-prod>; rel=""next""`:  "/v2/x/tags/list?n=1000&last=v1.39.1.0-prod",
		`</v2/x/tags/list?n=1000&last=v1.39.1.0-prod>; rel=nex`:       "",
		`</v2/x/tags/list?n=1000&last=v1.39.1.0-prod>; rel`:           "",
		`</v2/x/tags/list?n=1000&last=v1.39.1.0-prod> rel="next"`:     "",
		`</v2/x/tags/list?n=1000&last=v1.39.1.0-prod>;; rel="next"`:   "/v2/x/tags/list?n=1000&last=v1.39.1.0-prod",
		`</v2/x/tags/list?n=1000&last=v1.39.1.0-prod>; REL = "next" `: "/v2/x/tags/list?n=1000&last=v1.39.1.0-prod",
	} {
		if got := nextLink([]string{in}); got != want {
			t.Errorf("nextLink(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzNextLink(f *testing.F) {
	f.Add(`</v2/envoy/tags/list?n=2&last=b>; rel="next"`)
	f.Add(`</a>; rel="prev", </b>; rel="next"`)
	f.Fuzz(func(t *testing.T, s string) {
		if got := nextLink([]string{s}); got != "" && !strings.Contains(s, "<"+got+">") {
			t.Fatalf("nextLink(%q) = %q, not a target of the header", s, got)
		}
	})
}

// TestCheckRedirect covers the redirect rules one by one, including those a test cannot
// reach over the network (a registry on the network redirecting to loopback).
func TestCheckRedirect(t *testing.T) {
	c := &Client{opts: Options{MaxRedirects: 2}}
	c.opts.Logger = discard()
	req := func(u string) *http.Request {
		r, _ := http.NewRequest(http.MethodGet, u, nil)
		r.Header.Set("Authorization", "Basic c2VjcmV0")
		return r
	}
	for _, tc := range []struct {
		name string
		via  []string
		to   string
		ok   bool
	}{
		{"network to S3", []string{"https://1.dkr.ecr.us-west-2.amazonaws.com/v2/x/blobs/d"}, "https://bucket.s3.us-west-2.amazonaws.com/d?X-Amz-Signature=s", true},
		{"loopback to loopback", []string{"http://127.0.0.1:5000/v2/x/blobs/d"}, "http://localhost:5000/_storage/d", true},
		{"network to loopback", []string{"https://registry.example.com/v2/x/blobs/d"}, "https://127.0.0.1/d", false},
		{"network to localhost", []string{"https://registry.example.com/v2/x/blobs/d"}, "https://localhost/d", false},
		{"https to http", []string{"https://registry.example.com/v2/x/blobs/d"}, "http://cdn.example.com/d", false},
		{"http to a network host", []string{"http://127.0.0.1:5000/v2/x/blobs/d"}, "http://cdn.example.com/d", false},
		{"link-local", []string{"https://registry.example.com/v2/x/blobs/d"}, "https://169.254.169.254/latest", false},
		{"IPv6 link-local", []string{"https://registry.example.com/v2/x/blobs/d"}, "https://[fe80::1]/latest", false},
		{"IPv6 metadata", []string{"https://registry.example.com/v2/x/blobs/d"}, "https://[fd00:ec2::254]/latest", false},
		{"mapped IPv4 metadata", []string{"https://registry.example.com/v2/x/blobs/d"}, "https://[::ffff:169.254.169.254]/latest", false},
		{"too many hops", []string{"https://a.example/1", "https://a.example/2", "https://a.example/3"}, "https://a.example/4", false},
		{"ftp", []string{"https://registry.example.com/v2/x/blobs/d"}, "ftp://registry.example.com/d", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var via []*http.Request
			for _, v := range tc.via {
				via = append(via, req(v))
			}
			next := req(tc.to)
			err := c.checkRedirect(next, via)
			if (err == nil) != tc.ok {
				t.Fatalf("checkRedirect = %v, want ok %v", err, tc.ok)
			}
			if err == nil && next.Header.Get("Authorization") != "" {
				t.Errorf("the redirect keeps Authorization")
			}
			if err != nil && strings.Contains(err.Error(), "Signature=s") {
				t.Errorf("the error shows the signature: %v", err)
			}
		})
	}
}

func TestRefuseLinkLocal(t *testing.T) {
	for addr, ok := range map[string]bool{
		"169.254.169.254:80": false, "169.254.170.2:80": false, "[fe80::1]:80": false, "[fd00:ec2::254]:80": false,
		"127.0.0.1:5000": true, "10.0.0.1:443": true, "[::1]:443": true, "[2600::1]:443": true,
	} {
		if err := refuseLinkLocal("tcp", addr, nil); (err == nil) != ok {
			t.Errorf("refuseLinkLocal(%s) = %v, want ok %v", addr, err, ok)
		}
	}
}

func TestRedactURL(t *testing.T) {
	u, _ := url.Parse("https://user:pw@bucket.s3.amazonaws.com/p?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F1&X-Amz-Signature=abc&X-Amz-Security-Token=tok&digest=sha256%3Aab&_state=xyz")
	got := redactURL(u)
	for _, s := range []string{"AKID", "abc", "tok", "pw", "xyz"} {
		if strings.Contains(got, s) {
			t.Errorf("redactURL kept %q: %s", s, got)
		}
	}
	for _, s := range []string{"X-Amz-Algorithm=AWS4-HMAC-SHA256", "digest=sha256%3Aab", "bucket.s3.amazonaws.com/p"} {
		if !strings.Contains(got, s) {
			t.Errorf("redactURL lost %q: %s", s, got)
		}
	}
	h := redactHeader(http.Header{"Authorization": {"Basic QVdTOnNlY3JldA=="}, "Location": {"/x?X-Amz-Signature=abc"}, "Accept": {"a/b"}})
	if diff := cmp.Diff([]string{"Accept: a/b", "Authorization: Basic [REDACTED]", "Location: /x?X-Amz-Signature=[REDACTED]"}, h); diff != "" {
		t.Errorf("redactHeader (-want +got):\n%s", diff)
	}
}

func TestMediaTypeOf(t *testing.T) {
	for _, tc := range []struct {
		ct, body, want string
	}{
		{MediaTypeDockerList, `{"schemaVersion":2,"mediaType":"` + MediaTypeDockerList + `"}`, MediaTypeDockerList},
		{MediaTypeOCIIndex + "; charset=utf-8", `{"schemaVersion":2}`, MediaTypeOCIIndex},
		{"application/json", `{"schemaVersion":2,"mediaType":"` + MediaTypeOCIManifest + `"}`, MediaTypeOCIManifest},
		{"", `{"schemaVersion":2,"config":{}}`, MediaTypeOCIManifest},
		{MediaTypeOCIIndex, `{"schemaVersion":2,"mediaType":"` + MediaTypeDockerList + `"}`, ""},
		{"application/vnd.docker.distribution.manifest.v1+prettyjws", `{"schemaVersion":1}`, ""},
		{"application/json", `{"schemaVersion":1}`, ""},
		{"text/html", `<html>`, ""},
	} {
		got, err := mediaTypeOf(tc.ct, []byte(tc.body), "ref")
		if got != tc.want || (err == nil) != (tc.want != "") {
			t.Errorf("mediaTypeOf(%q, %s) = %q, %v; want %q", tc.ct, tc.body, got, err, tc.want)
		}
	}
}

func FuzzContents(f *testing.F) {
	f.Add(MediaTypeDockerList, `{"schemaVersion":2,"manifests":[{"mediaType":"`+MediaTypeDockerManifest+`","digest":"sha256:`+strings.Repeat("a", 64)+`","size":10}]}`)
	f.Add(MediaTypeOCIManifest, `{"schemaVersion":2,"config":{"digest":"sha256:`+strings.Repeat("b", 64)+`","size":2},"layers":[]}`)
	f.Fuzz(func(t *testing.T, mt, body string) {
		c, err := Manifest{MediaType: mt, Bytes: []byte(body)}.Contents()
		if err != nil {
			return
		}
		for _, d := range append(c.Manifests, c.Blobs...) {
			if !ValidDigest(d.Digest) || d.Size < 0 {
				t.Fatalf("accepted descriptor %+v", d)
			}
		}
		if len(c.Manifests) > MaxIndexChildren || len(c.Blobs) > MaxLayers+1 {
			t.Fatalf("accepted %d children, %d blobs", len(c.Manifests), len(c.Blobs))
		}
	})
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }
