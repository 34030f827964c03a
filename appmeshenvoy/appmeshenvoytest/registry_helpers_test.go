package appmeshenvoytest_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/appmeshenvoytest"
	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

// testClock is a clock a test moves by hand; safe for concurrent use.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func newTestClock() *testClock { return &testClock{now: time.Date(2026, 10, 1, 8, 0, 0, 0, time.UTC)} }

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// ecrPassword returns a registry password issued by GetAuthorizationToken in
// regionCode, through the real SDK client.
func ecrPassword(t *testing.T, srv *appmeshenvoytest.Server, regionCode string) string {
	t.Helper()
	out, err := ecr.NewFromConfig(srv.Config(regionCode)).GetAuthorizationToken(context.Background(), &ecr.GetAuthorizationTokenInput{})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := base64.StdEncoding.DecodeString(aws.ToString(out.AuthorizationData[0].AuthorizationToken))
	if err != nil {
		t.Fatal(err)
	}
	pw, ok := strings.CutPrefix(string(raw), "AWS:")
	if !ok {
		t.Fatal("the token is not AWS:<password>")
	}
	return pw
}

// basicAuth returns the Basic Authorization header value of user AWS and pw.
func basicAuth(pw string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte("AWS:"+pw))
}

// hostPort returns the address of srv, such as "127.0.0.1:38123".
func hostPort(srv *appmeshenvoytest.Server) string { return strings.TrimPrefix(srv.URL, "http://") }

// ownRepository returns "<the test account's registry host in regionCode>/<name>".
func ownRepository(regionCode, name string) string {
	return appmeshenvoytest.AccountID + ".dkr.ecr." + regionCode + "." + region.MustLookup(regionCode).Partition.DNSSuffix + "/" + name
}

// createRepository creates name in the test account's registry of regionCode through
// the real SDK client.
func createRepository(t *testing.T, srv *appmeshenvoytest.Server, regionCode, name string, mutability ecrtypes.ImageTagMutability) {
	t.Helper()
	_, err := ecr.NewFromConfig(srv.Config(regionCode)).CreateRepository(context.Background(), &ecr.CreateRepositoryInput{
		RepositoryName: aws.String(name), ImageTagMutability: mutability,
	})
	if err != nil {
		t.Fatal(err)
	}
}

// regClient sends raw registry requests with net/http, so that nothing of a registry
// client library is involved.
type regClient struct {
	t    *testing.T
	srv  *appmeshenvoytest.Server
	auth string // Authorization header value, or ""
	hc   *http.Client
}

func newRegClient(t *testing.T, srv *appmeshenvoytest.Server, auth string) *regClient {
	hc := &http.Client{Transport: &http.Transport{}, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	t.Cleanup(hc.CloseIdleConnections)
	return &regClient{t: t, srv: srv, auth: auth, hc: hc}
}

// do sends method to path (starting with "/") with body and returns the answer.
func (c *regClient) do(method, path string, header http.Header, body []byte) rawResponse {
	c.t.Helper()
	req, err := http.NewRequest(method, c.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	if body == nil {
		req.Body, req.ContentLength = http.NoBody, 0
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if c.auth != "" {
		req.Header.Set("Authorization", c.auth)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return rawResponse{resp.StatusCode, resp.Header, b}
}

// errorCode returns the code of the first error of a registry error body.
func errorCode(t *testing.T, r rawResponse) (code, message string) {
	t.Helper()
	var body struct {
		Errors []struct{ Code, Message string }
	}
	if err := json.Unmarshal(r.body, &body); err != nil || len(body.Errors) == 0 {
		t.Fatalf("%d: not a registry error body: %s", r.status, r.body)
	}
	return body.Errors[0].Code, body.Errors[0].Message
}

// wantError checks that r is a registry error with status and code.
func wantError(t *testing.T, r rawResponse, status int, code string) string {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	got, msg := errorCode(t, r)
	if got != code {
		t.Fatalf("code %s (%s), want %s", got, msg, code)
	}
	return msg
}

// manifestOf fetches the manifest reference names in repository through the registry
// API and returns its bytes and media type.
func (c *regClient) manifestOf(repository, reference string) ([]byte, string) {
	c.t.Helper()
	r := c.do(http.MethodGet, "/v2/"+repository+"/manifests/"+reference, nil, nil)
	if r.status != http.StatusOK {
		c.t.Fatalf("GET manifest %s:%s: %d %s", repository, reference, r.status, r.body)
	}
	return r.body, r.header.Get("Content-Type")
}

// layersOf returns the layer digests of an image manifest.
func layersOf(t *testing.T, manifest []byte) (config string, layers []string) {
	t.Helper()
	var m struct {
		Config struct{ Digest string }
		Layers []struct{ Digest string }
	}
	if err := json.Unmarshal(manifest, &m); err != nil {
		t.Fatal(err)
	}
	for _, l := range m.Layers {
		layers = append(layers, l.Digest)
	}
	return m.Config.Digest, layers
}

// galleryToken returns an anonymous token from the gallery's token endpoint.
func galleryToken(t *testing.T, srv *appmeshenvoytest.Server) string {
	t.Helper()
	resp, err := http.Get(srv.URL + "/token/?scope=repository:appmesh/aws-appmesh-envoy:pull&service=public.ecr.aws")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct{ Token string }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 200 || out.Token == "" {
		t.Fatalf("token endpoint: %d %v", resp.StatusCode, err)
	}
	return out.Token
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
