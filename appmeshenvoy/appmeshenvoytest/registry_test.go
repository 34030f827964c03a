package appmeshenvoytest_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/google/go-cmp/cmp"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/appmeshenvoytest"
	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

func sha(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// TestRegistryAuth checks ECR's Basic flow: the challenge, a password issued by
// GetAuthorizationToken in the registry's region, and 401 for a password that is wrong,
// from another region, or expired on the server's clock.
func TestRegistryAuth(t *testing.T) {
	clock := newTestClock()
	srv := newServer(t, appmeshenvoytest.WithClock(clock.Now))
	r := region.MustLookup("us-west-2")
	path := "/v2/" + r.RepositoryURI() + "/manifests/" + appmeshenvoytest.DefaultTag

	anon := newRegClient(t, srv, "")
	res := anon.do(http.MethodGet, path, nil, nil)
	wantError(t, res, http.StatusUnauthorized, "DENIED")
	if got, want := res.header.Get("WWW-Authenticate"), `Basic realm="https://840364872350.dkr.ecr.us-west-2.amazonaws.com/",service="ecr.amazonaws.com"`; got != want {
		t.Errorf("WWW-Authenticate = %s, want %s", got, want)
	}
	ping := anon.do(http.MethodGet, "/v2/", nil, nil)
	if ping.status != http.StatusUnauthorized || !strings.HasPrefix(ping.header.Get("WWW-Authenticate"), `Basic realm="`+srv.URL+`/"`) {
		t.Errorf("ping without credentials: %d %q", ping.status, ping.header.Get("WWW-Authenticate"))
	}

	// A password issued in eu-west-1 only is not valid for a us-west-2 registry.
	pw := ecrPassword(t, srv, "eu-west-1")
	c := newRegClient(t, srv, basicAuth(pw))
	if msg := wantError(t, c.do(http.MethodGet, path, nil, nil), http.StatusUnauthorized, "DENIED"); !strings.Contains(msg, "invalid") {
		t.Errorf("message %q", msg)
	}
	if res := c.do(http.MethodGet, "/v2/", nil, nil); res.status != http.StatusOK {
		t.Errorf("ping with a valid password: %d", res.status)
	}
	if got := ecrPassword(t, srv, r.Code); got != pw {
		t.Fatal("the server issued another password")
	}
	res = c.do(http.MethodGet, path, nil, nil)
	index, mt, digest := srv.Manifest()
	if res.status != http.StatusOK || !bytes.Equal(res.body, index) || res.header.Get("Content-Type") != mt || res.header.Get("Docker-Content-Digest") != digest {
		t.Fatalf("GET manifest: %d %v", res.status, res.header)
	}
	if head := c.do(http.MethodHead, path, nil, nil); head.status != http.StatusOK || len(head.body) != 0 || head.header.Get("Content-Length") != strconv.Itoa(len(index)) {
		t.Errorf("HEAD manifest: %d %v", head.status, head.header)
	}
	if wrong := newRegClient(t, srv, basicAuth(pw+"x")); wrong.do(http.MethodGet, path, nil, nil).status != http.StatusUnauthorized {
		t.Error("a wrong password was accepted")
	}
	if other := newRegClient(t, srv, "Basic "+strings.TrimPrefix(basicAuth(pw), "Basic ")[:8]); other.do(http.MethodGet, path, nil, nil).status != http.StatusUnauthorized {
		t.Error("a broken header was accepted")
	}

	// Expired: 12 hours on the server's clock.
	clock.Advance(12*time.Hour + time.Second)
	if msg := wantError(t, c.do(http.MethodGet, path, nil, nil), http.StatusUnauthorized, "DENIED"); !strings.Contains(msg, "expired") {
		t.Errorf("expired token: message %q", msg)
	}
	if res := c.do(http.MethodGet, "/v2/", nil, nil); res.status != http.StatusUnauthorized {
		t.Errorf("ping with an expired password: %d", res.status)
	}
	// Only the authenticated request was counted.
	if got := srv.Requests("ecr:BatchGetImage", "*"); got != 2 {
		t.Errorf("BatchGetImage requests = %d, want 2 (GET and HEAD with a valid token)", got)
	}
}

// TestRegistryHosts: FIPS and dual-stack hosts are the same registry where the endpoint
// exists; other hosts are refused loudly.
func TestRegistryHosts(t *testing.T) {
	srv := newServer(t)
	c := newRegClient(t, srv, basicAuth(ecrPassword(t, srv, "us-west-2")))
	_, _, digest := srv.Manifest()
	for _, host := range []string{
		"840364872350.dkr.ecr.us-west-2.amazonaws.com",
		"840364872350.dkr.ecr-fips.us-west-2.amazonaws.com",
		"840364872350.dkr-ecr.us-west-2.on.aws",
		"840364872350.dkr-ecr-fips.us-west-2.on.aws",
	} {
		res := c.do(http.MethodHead, "/v2/"+host+"/aws-appmesh-envoy/manifests/"+appmeshenvoytest.DefaultTag, nil, nil)
		if res.status != http.StatusOK || res.header.Get("Docker-Content-Digest") != digest {
			t.Errorf("%s: %d %q", host, res.status, res.header.Get("Docker-Content-Digest"))
		}
	}
	for host, why := range map[string]string{
		"840364872350.dkr.ecr-fips.ca-central-1.amazonaws.com": "no ECR FIPS endpoint",
		"840364872350.dkr.ecr.us-west-2.amazonaws.com.cn":      "DNS suffix",
		"docker.io": "not an ECR registry host",
		"84036487235.dkr.ecr.us-west-2.amazonaws.com": "not an ECR registry host",
	} {
		res := c.do(http.MethodGet, "/v2/"+host+"/aws-appmesh-envoy/manifests/"+appmeshenvoytest.DefaultTag, nil, nil)
		if msg := wantError(t, res, http.StatusNotFound, "NAME_UNKNOWN"); !strings.Contains(msg, why) || !strings.Contains(msg, "refused") {
			t.Errorf("%s: %q, want it to say %q", host, msg, why)
		}
	}
	if got := len(srv.Refusals()); got != 4 {
		t.Errorf("%d refusals, want 4", got)
	}
	// China: the partition's suffix, a token of the region.
	cn := region.MustLookup("cn-north-1")
	cc := newRegClient(t, srv, basicAuth(ecrPassword(t, srv, cn.Code)))
	if res := cc.do(http.MethodHead, "/v2/"+cn.RepositoryURI()+"/manifests/"+appmeshenvoytest.DefaultTag, nil, nil); res.status != http.StatusOK {
		t.Errorf("China: %d", res.status)
	}
	// Paths the server does not implement.
	for _, p := range []string{"/v2/_catalog", "/v2/" + cn.RepositoryURI() + "/referrers/" + digest, "/v2/aws-appmesh-envoy/manifests/x"} {
		if res := cc.do(http.MethodGet, p, nil, nil); res.status != http.StatusNotFound {
			t.Errorf("%s: %d", p, res.status)
		}
	}
}

// TestRegistryWrites: ECR refuses pushes into a repository that does not exist and into
// another account's registry; the gallery is read-only.
func TestRegistryWrites(t *testing.T) {
	srv := newServer(t)
	c := newRegClient(t, srv, basicAuth(ecrPassword(t, srv, "us-west-2")))
	res := c.do(http.MethodPost, "/v2/"+ownRepository("us-west-2", "missing/repo")+"/blobs/uploads/", nil, nil)
	if msg := wantError(t, res, http.StatusNotFound, "NAME_UNKNOWN"); msg != "The repository with name 'missing/repo' does not exist in the registry with id '"+appmeshenvoytest.AccountID+"'" {
		t.Errorf("message %q", msg)
	}
	envoy := region.MustLookup("us-west-2").RepositoryURI()
	msg := wantError(t, c.do(http.MethodPost, "/v2/"+envoy+"/blobs/uploads/", nil, nil), http.StatusForbidden, "DENIED")
	if !strings.Contains(msg, "is not authorized to perform: ecr:InitiateLayerUpload on resource: arn:aws:ecr:us-west-2:840364872350:repository/aws-appmesh-envoy") {
		t.Errorf("message %q", msg)
	}
	manifest, mt, _ := srv.Manifest()
	wantError(t, c.do(http.MethodPut, "/v2/"+envoy+"/manifests/mine", http.Header{"Content-Type": {mt}}, manifest), http.StatusForbidden, "DENIED")
	for _, op := range srv.Operations() {
		if op.Resource == region.MustLookup("us-west-2").RepositoryARN() {
			t.Errorf("refused write recorded as an operation: %+v", op)
		}
	}

	g := newRegClient(t, srv, "Bearer "+galleryToken(t, srv))
	res = g.do(http.MethodPut, "/v2/"+region.PublicRepository+"/manifests/mine", http.Header{"Content-Type": {mt}}, manifest)
	if msg := wantError(t, res, http.StatusForbidden, "DENIED"); !strings.Contains(msg, "read-only") {
		t.Errorf("gallery push: %q", msg)
	}
	if rf := srv.Refusals(); len(rf) != 1 || !strings.Contains(rf[0], "read-only") {
		t.Errorf("refusals %q", rf)
	}
	// Blob deletion is not supported by ECR.
	_, layers := layersOf(t, mustChild(t, c, envoy))
	wantError(t, c.do(http.MethodDelete, "/v2/"+envoy+"/blobs/"+layers[0], nil, nil), http.StatusMethodNotAllowed, "UNSUPPORTED")
}

// mustChild returns the first platform manifest of the Envoy index in repository.
func mustChild(t *testing.T, c *regClient, repository string) []byte {
	t.Helper()
	index, _ := c.manifestOf(repository, appmeshenvoytest.DefaultTag)
	var idx struct{ Manifests []struct{ Digest string } }
	if err := jsonUnmarshal(index, &idx); err != nil || len(idx.Manifests) == 0 {
		t.Fatalf("index: %v", err)
	}
	child, _ := c.manifestOf(repository, idx.Manifests[0].Digest)
	return child
}

// TestBlobRedirect: a blob GET answers 307 to a presigned-looking storage URL on the
// other loopback name. A client that forwards the registry credential on the redirect
// is refused there (and the refusal is recorded); one that drops it gets the blob.
// Forged and expired storage URLs are refused.
func TestBlobRedirect(t *testing.T) {
	clock := newTestClock()
	srv := newServer(t, appmeshenvoytest.WithClock(clock.Now))
	pw := ecrPassword(t, srv, "eu-west-1")
	envoy := region.MustLookup("eu-west-1").RepositoryURI()
	c := newRegClient(t, srv, basicAuth(pw))
	_, layers := layersOf(t, mustChild(t, c, envoy))
	blobPath := "/v2/" + envoy + "/blobs/" + layers[0]

	res := c.do(http.MethodGet, blobPath, nil, nil)
	if res.status != http.StatusTemporaryRedirect {
		t.Fatalf("GET blob: %d %s", res.status, res.body)
	}
	loc, err := url.Parse(res.header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	q := loc.Query()
	if loc.Hostname() != "localhost" || loc.Port() != strings.Split(hostPort(srv), ":")[1] || !strings.HasPrefix(loc.Path, "/_storage/") ||
		len(q.Get("X-Amz-Signature")) != 64 || q.Get("X-Amz-Expires") == "" || q.Get("X-Amz-Algorithm") != "AWS4-HMAC-SHA256" {
		t.Errorf("Location %s", loc)
	}
	if head := c.do(http.MethodHead, blobPath, nil, nil); head.status != http.StatusOK || head.header.Get("Docker-Content-Digest") != layers[0] {
		t.Errorf("HEAD blob: %d %v", head.status, head.header)
	}

	get := func(client *http.Client) (int, []byte) {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+blobPath, nil)
		req.Header.Set("Authorization", basicAuth(pw))
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	forwarding := &http.Client{CheckRedirect: func(req *http.Request, via []*http.Request) error {
		req.Header.Set("Authorization", via[0].Header.Get("Authorization"))
		return nil
	}}
	if status, body := get(forwarding); status != http.StatusBadRequest || !bytes.Contains(body, []byte("InvalidArgument")) {
		t.Errorf("forwarding client: %d %s", status, body)
	}
	if rf := srv.Refusals(); len(rf) != 1 || !strings.Contains(rf[0], "Authorization header") {
		t.Errorf("refusals %q", rf)
	}
	status, body := get(&http.Client{})
	if status != http.StatusOK || sha(body) != layers[0] {
		t.Errorf("net/http's default redirect policy: %d, digest %s", status, sha(body))
	}

	// Forged and expired storage URLs.
	forged := *loc
	fq := loc.Query()
	fq.Set("X-Amz-Expires", "86400")
	forged.RawQuery = fq.Encode()
	for name, u := range map[string]string{"forged": forged.String(), "other blob": strings.Replace(loc.String(), layers[0][7:], layers[1][7:], 1)} {
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden || !bytes.Contains(b, []byte("SignatureDoesNotMatch")) {
			t.Errorf("%s URL: %d %s", name, resp.StatusCode, b)
		}
	}
	clock.Advance(16 * time.Minute)
	resp, err := http.Get(loc.String())
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden || !bytes.Contains(b, []byte("expired")) {
		t.Errorf("expired URL: %d %s", resp.StatusCode, b)
	}
	// Ranges work, as on S3.
	res = c.do(http.MethodGet, blobPath, nil, nil)
	req, _ := http.NewRequest(http.MethodGet, res.header.Get("Location"), nil)
	req.Header.Set("Range", "bytes=0-9")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusPartialContent || len(b) != 10 {
		t.Errorf("range: %d, %d bytes", resp.StatusCode, len(b))
	}
	if got := srv.Requests("ecr:GetDownloadUrlForLayer", "eu-west-1"); got != 4 {
		t.Errorf("GetDownloadUrlForLayer requests = %d, want 4", got)
	}
}

// TestTagImmutability: in an IMMUTABLE repository a push of an existing tag is refused,
// even at the same digest, with ECR's TAG_INVALID; a MUTABLE repository moves the tag.
func TestTagImmutability(t *testing.T) {
	srv := newServer(t)
	c := newRegClient(t, srv, basicAuth(ecrPassword(t, srv, "us-east-2")))
	for _, mutability := range []ecrtypes.ImageTagMutability{ecrtypes.ImageTagMutabilityImmutable, ecrtypes.ImageTagMutabilityMutable} {
		t.Run(string(mutability), func(t *testing.T) {
			name := "tags/" + strings.ToLower(string(mutability))
			createRepository(t, srv, "us-east-2", name, mutability)
			repo := ownRepository("us-east-2", name)
			a, err := srv.PushImage(repo, "", 100)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := srv.PushImage(repo, "", 200)
			ma, mt := c.manifestOf(repo, a)
			mb, _ := c.manifestOf(repo, b)
			put := func(body []byte) rawResponse {
				return c.do(http.MethodPut, "/v2/"+repo+"/manifests/v1", http.Header{"Content-Type": {mt}}, body)
			}
			if res := put(ma); res.status != http.StatusCreated || res.header.Get("Docker-Content-Digest") != a {
				t.Fatalf("first push: %d %s", res.status, res.body)
			}
			if mutability == ecrtypes.ImageTagMutabilityImmutable {
				for _, body := range [][]byte{ma, mb} {
					msg := wantError(t, put(body), http.StatusBadRequest, "TAG_INVALID")
					if want := "The image tag 'v1' already exists in the '" + name + "' repository and cannot be overwritten because the tag is immutable."; msg != want {
						t.Errorf("message %q, want %q", msg, want)
					}
				}
				if d, _ := srv.ImageDigest(repo, "v1"); d != a {
					t.Errorf("v1 moved to %s", d)
				}
				// A push by digest, or of another tag, is fine.
				if res := c.do(http.MethodPut, "/v2/"+repo+"/manifests/"+b, http.Header{"Content-Type": {mt}}, mb); res.status != http.StatusCreated {
					t.Errorf("push by digest: %d %s", res.status, res.body)
				}
				return
			}
			if res := put(mb); res.status != http.StatusCreated {
				t.Fatalf("second push: %d %s", res.status, res.body)
			}
			if d, _ := srv.ImageDigest(repo, "v1"); d != b {
				t.Errorf("v1 at %s, want %s", d, b)
			}
			out, err := ecr.NewFromConfig(srv.Config("us-east-2")).DescribeImages(context.Background(), &ecr.DescribeImagesInput{
				RepositoryName: aws.String(name), Filter: &ecrtypes.DescribeImagesFilter{TagStatus: ecrtypes.TagStatusUntagged}})
			if err != nil || len(out.ImageDetails) != 1 || aws.ToString(out.ImageDetails[0].ImageDigest) != a {
				t.Errorf("untagged images: %v %+v", err, out)
			}
		})
	}
}

// TestRepositoryIsolation: a blob or manifest pushed into one repository is not
// readable from another of the same registry, and a manifest that references blobs the
// repository does not hold is refused.
func TestRepositoryIsolation(t *testing.T) {
	srv := newServer(t)
	c := newRegClient(t, srv, basicAuth(ecrPassword(t, srv, "us-west-2")))
	for _, n := range []string{"iso/a", "iso/b"} {
		createRepository(t, srv, "us-west-2", n, "")
	}
	a, b := ownRepository("us-west-2", "iso/a"), ownRepository("us-west-2", "iso/b")
	d, err := srv.PushImage(a, "v1", 512)
	if err != nil {
		t.Fatal(err)
	}
	manifest, mt := c.manifestOf(a, "v1")
	config, layers := layersOf(t, manifest)
	for _, blob := range append(layers, config) {
		wantError(t, c.do(http.MethodGet, "/v2/"+b+"/blobs/"+blob, nil, nil), http.StatusNotFound, "BLOB_UNKNOWN")
		if res := c.do(http.MethodHead, "/v2/"+b+"/blobs/"+blob, nil, nil); res.status != http.StatusNotFound {
			t.Errorf("HEAD %s in b: %d", blob, res.status)
		}
	}
	wantError(t, c.do(http.MethodGet, "/v2/"+b+"/manifests/"+d, nil, nil), http.StatusNotFound, "MANIFEST_UNKNOWN")
	res := c.do(http.MethodPut, "/v2/"+b+"/manifests/v1", http.Header{"Content-Type": {mt}}, manifest)
	wantError(t, res, http.StatusBadRequest, "MANIFEST_BLOB_UNKNOWN")
	if !bytes.Contains(res.body, []byte(`"detail":{"digest":"sha256:`)) {
		t.Errorf("no digest in the error detail: %s", res.body)
	}
	// The Envoy repositories of two regions do not share membership either: the store
	// keeps one copy of the content, but a registry only serves what it holds.
	other := newRegClient(t, srv, basicAuth(ecrPassword(t, srv, "eu-west-1")))
	if res := other.do(http.MethodHead, "/v2/"+ownRepository("eu-west-1", "iso/a")+"/manifests/v1", nil, nil); res.status != http.StatusNotFound {
		t.Errorf("the same repository name in eu-west-1: %d", res.status)
	}
}

// TestBlobMount: a mount works within one registry host, between repositories with the
// same encryption, and records GetDownloadUrlForLayer on the source; from another
// registry it falls back to a new upload (202), as the spec says.
func TestBlobMount(t *testing.T) {
	srv := newServer(t)
	pw := ecrPassword(t, srv, "us-west-2")
	ecrPassword(t, srv, "us-east-1")
	c := newRegClient(t, srv, basicAuth(pw))
	createRepository(t, srv, "us-west-2", "mount/src", "")
	createRepository(t, srv, "us-west-2", "mount/dst", "")
	createRepository(t, srv, "us-east-1", "mount/src", "")
	src, dst := ownRepository("us-west-2", "mount/src"), ownRepository("us-west-2", "mount/dst")
	if err := srv.CreateRepository(ownRepository("us-west-2", "mount/kms"), appmeshenvoytest.RepositoryOptions{KMSKey: "arn:aws:kms:us-west-2:123456789012:key/test"}); err != nil {
		t.Fatal(err)
	}
	_, _ = srv.PushImage(src, "v1", 256)
	manifest, _ := c.manifestOf(src, "v1")
	_, layers := layersOf(t, manifest)
	blob := layers[0]
	eastSrc := ownRepository("us-east-1", "mount/src")
	_, _ = srv.PushImage(eastSrc, "v1", 256)

	// The KMS repository and the other region's registry fall back to an upload.
	for _, from := range []string{eastSrc, ownRepository("us-west-2", "mount/kms"), "mount/src"} {
		res := c.do(http.MethodPost, "/v2/"+dst+"/blobs/uploads/?mount="+blob+"&from="+url.QueryEscape(from), nil, nil)
		if res.status != http.StatusAccepted || !strings.Contains(res.header.Get("Location"), "/blobs/uploads/") {
			t.Errorf("mount from %s: %d %v, want 202 and an upload", from, res.status, res.header)
		}
		c.do(http.MethodDelete, res.header.Get("Location"), nil, nil)
	}
	if res := c.do(http.MethodHead, "/v2/"+dst+"/blobs/"+blob, nil, nil); res.status != http.StatusNotFound {
		t.Fatalf("blob in dst before the mount: %d", res.status)
	}
	res := c.do(http.MethodPost, "/v2/"+dst+"/blobs/uploads/?mount="+blob+"&from="+url.QueryEscape(src), nil, nil)
	if res.status != http.StatusCreated || res.header.Get("Location") != "/v2/"+dst+"/blobs/"+blob || res.header.Get("Docker-Content-Digest") != blob {
		t.Fatalf("mount: %d %v", res.status, res.header)
	}
	if res := c.do(http.MethodHead, "/v2/"+dst+"/blobs/"+blob, nil, nil); res.status != http.StatusOK {
		t.Errorf("blob in dst after the mount: %d", res.status)
	}
	want := appmeshenvoytest.Operation{Action: "ecr:GetDownloadUrlForLayer", Resource: "arn:aws:ecr:us-west-2:123456789012:repository/mount/src",
		Region: "us-west-2", Principal: "arn:aws:iam::123456789012:user/appmeshenvoytest"}
	if !slices.Contains(srv.Operations(), want) {
		t.Errorf("operations %+v lack %+v", srv.Operations(), want)
	}
}

// TestUploads: a chunked upload in order, its status, an out-of-order chunk (416), a
// wrong digest, a monolithic upload, cancellation, and the upload size limit.
func TestUploads(t *testing.T) {
	srv := newServer(t, appmeshenvoytest.WithMaxUploadSize(4096))
	c := newRegClient(t, srv, basicAuth(ecrPassword(t, srv, "us-west-2")))
	createRepository(t, srv, "us-west-2", "up/envoy", "")
	repo := ownRepository("us-west-2", "up/envoy")
	data := bytes.Repeat([]byte("0123456789abcdef"), 200) // 3,200 bytes
	digest := sha(data)

	start := func() string {
		t.Helper()
		res := c.do(http.MethodPost, "/v2/"+repo+"/blobs/uploads/", nil, nil)
		if res.status != http.StatusAccepted || res.header.Get("Range") != "0-0" || res.header.Get("Docker-Upload-UUID") == "" {
			t.Fatalf("POST: %d %v", res.status, res.header)
		}
		return res.header.Get("Location")
	}
	chunk := func(loc string, from, to int) rawResponse {
		return c.do(http.MethodPatch, loc, http.Header{"Content-Range": {strconv.Itoa(from) + "-" + strconv.Itoa(to-1)},
			"Content-Type": {"application/octet-stream"}}, data[from:to])
	}

	loc := start()
	if res := chunk(loc, 0, 1000); res.status != http.StatusAccepted || res.header.Get("Range") != "0-999" {
		t.Fatalf("PATCH 1: %d %v", res.status, res.header)
	}
	if res := chunk(loc, 2000, 3000); res.status != http.StatusRequestedRangeNotSatisfiable || res.header.Get("Range") != "0-999" {
		t.Errorf("out of order: %d %v", res.status, res.header)
	}
	if res := c.do(http.MethodGet, loc, nil, nil); res.status != http.StatusNoContent || res.header.Get("Range") != "0-999" {
		t.Errorf("status: %d %v", res.status, res.header)
	}
	if res := chunk(loc, 1000, 2000); res.status != http.StatusAccepted || res.header.Get("Range") != "0-1999" {
		t.Fatalf("PATCH 2: %d %v", res.status, res.header)
	}
	res := c.do(http.MethodPut, loc+"?digest="+digest, http.Header{"Content-Range": {"2000-3199"}}, data[2000:])
	if res.status != http.StatusCreated || res.header.Get("Docker-Content-Digest") != digest || res.header.Get("Location") != "/v2/"+repo+"/blobs/"+digest {
		t.Fatalf("PUT: %d %v %s", res.status, res.header, res.body)
	}
	if head := c.do(http.MethodHead, "/v2/"+repo+"/blobs/"+digest, nil, nil); head.status != http.StatusOK || head.header.Get("Content-Length") != "3200" {
		t.Errorf("HEAD: %d %v", head.status, head.header)
	}
	wantError(t, c.do(http.MethodGet, loc, nil, nil), http.StatusNotFound, "BLOB_UPLOAD_UNKNOWN")

	// Monolithic, with a wrong digest, then the right one.
	loc = start()
	wantError(t, c.do(http.MethodPut, loc+"?digest="+sha([]byte("other")), nil, data), http.StatusBadRequest, "DIGEST_INVALID")
	wantError(t, c.do(http.MethodPut, loc+"?digest="+digest, nil, data), http.StatusNotFound, "BLOB_UPLOAD_UNKNOWN")
	loc = start()
	if res := c.do(http.MethodPut, loc+"?digest="+digest, nil, data); res.status != http.StatusCreated {
		t.Errorf("monolithic: %d %s", res.status, res.body)
	}
	// Cancel.
	loc = start()
	if res := c.do(http.MethodDelete, loc, nil, nil); res.status != http.StatusNoContent {
		t.Errorf("DELETE: %d", res.status)
	}
	// Over the limit of 4,096 bytes.
	loc = start()
	chunk(loc, 0, 3200)
	wantError(t, c.do(http.MethodPatch, loc, nil, data), http.StatusRequestEntityTooLarge, "SIZE_INVALID")
	wantError(t, c.do(http.MethodPatch, loc, nil, data[:10]), http.StatusNotFound, "BLOB_UPLOAD_UNKNOWN")

	wantCounts := map[string]int{"ecr:InitiateLayerUpload": 5, "ecr:UploadLayerPart": 9, "ecr:CompleteLayerUpload": 4}
	for op, n := range wantCounts {
		if got := srv.Requests(op, "us-west-2"); got != n {
			t.Errorf("Requests(%s) = %d, want %d", op, got, n)
		}
	}
}

// TestTagListPagination: tags in lexical order, n and last, and the Link header to the
// next page.
func TestTagListPagination(t *testing.T) {
	srv := newServer(t)
	for _, tag := range []string{"v1.34.13.3-prod", "v1.29.6.0-prod", "latest"} {
		srv.AddTag(tag)
	}
	r := region.MustLookup("ap-south-1")
	c := newRegClient(t, srv, basicAuth(ecrPassword(t, srv, r.Code)))
	want := []string{appmeshenvoytest.DefaultTag, "latest", "v1.29.6.0-prod", "v1.34.13.3-prod"}
	slices.Sort(want)
	var got []string
	next := "/v2/" + r.RepositoryURI() + "/tags/list?n=3"
	for pages := 0; next != ""; pages++ {
		if pages > 5 {
			t.Fatal("too many pages")
		}
		res := c.do(http.MethodGet, next, nil, nil)
		var body struct {
			Name string
			Tags []string
		}
		if err := jsonUnmarshal(res.body, &body); err != nil || res.status != http.StatusOK || body.Name != r.RepositoryURI() {
			t.Fatalf("%d %s", res.status, res.body)
		}
		got = append(got, body.Tags...)
		next = ""
		if link := res.header.Get("Link"); link != "" {
			next = strings.TrimSuffix(strings.TrimPrefix(link, "<"), `>; rel="next"`)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("tags (-want +got):\n%s", diff)
	}
	res := c.do(http.MethodGet, "/v2/"+r.RepositoryURI()+"/tags/list?last=latest", nil, nil)
	if res.header.Get("Link") != "" || !bytes.Contains(res.body, []byte(`"tags":["v1.29.6.0-prod","v1.34.13.3-prod","v1.39.1.0-prod"]`)) {
		t.Errorf("last=latest: %s (Link %q)", res.body, res.header.Get("Link"))
	}
	wantError(t, c.do(http.MethodGet, "/v2/"+r.RepositoryURI()+"/tags/list?n=-1", nil, nil), http.StatusBadRequest, "PAGINATION_NUMBER_INVALID")
	if got := srv.Requests("ecr:ListImages", r.Code); got != 4 {
		t.Errorf("ListImages requests = %d, want 4", got)
	}
}

// TestGallery: the anonymous Bearer flow, the same digests as the private registries,
// and the rate limit (429 with Retry-After) by SetGalleryRateLimit and by a fault.
func TestGallery(t *testing.T) {
	clock := newTestClock()
	srv := newServer(t, appmeshenvoytest.WithClock(clock.Now))
	path := "/v2/" + region.PublicRepository + "/manifests/" + appmeshenvoytest.DefaultTag
	anon := newRegClient(t, srv, "")
	res := anon.do(http.MethodGet, path, nil, nil)
	wantError(t, res, http.StatusUnauthorized, "DENIED")
	if got, want := res.header.Get("WWW-Authenticate"), `Bearer realm="`+srv.URL+`/token/",service="public.ecr.aws",scope="aws"`; got != want {
		t.Errorf("WWW-Authenticate = %s, want %s", got, want)
	}
	tok := galleryToken(t, srv)
	g := newRegClient(t, srv, "Bearer "+tok)
	res = g.do(http.MethodGet, path, nil, nil)
	_, _, digest := srv.Manifest()
	if res.status != http.StatusOK || res.header.Get("Docker-Content-Digest") != digest {
		t.Fatalf("gallery pull: %d %s", res.status, res.body)
	}
	fips := g.do(http.MethodHead, "/v2/"+region.PublicRepository+"/manifests/"+appmeshenvoytest.DefaultTag+"-fips", nil, nil)
	if want, _ := srv.ImageDigest(region.MustLookup("us-east-1").RepositoryURI(), appmeshenvoytest.DefaultTag+"-fips"); fips.header.Get("Docker-Content-Digest") != want || want == digest {
		t.Errorf("gallery FIPS digest %q, us-east-1 %q", fips.header.Get("Docker-Content-Digest"), want)
	}
	wantError(t, newRegClient(t, srv, "Bearer "+tok+"x").do(http.MethodGet, path, nil, nil), http.StatusUnauthorized, "DENIED")
	wantError(t, newRegClient(t, srv, basicAuth(ecrPassword(t, srv, "us-east-1"))).do(http.MethodGet, path, nil, nil), http.StatusUnauthorized, "DENIED")

	// The token endpoint does not take Basic credentials (no ECR Public tokens here).
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/token/", nil)
	req.SetBasicAuth("AWS", "whatever")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("token endpoint with Basic credentials: %d", resp.StatusCode)
	}

	srv.SetGalleryRateLimit(2)
	statuses := []int{}
	for range 3 {
		res = g.do(http.MethodHead, path, nil, nil)
		statuses = append(statuses, res.status)
	}
	if !slices.Equal(statuses, []int{200, 200, 429}) || res.header.Get("Retry-After") != "1" {
		t.Errorf("statuses %v, Retry-After %q", statuses, res.header.Get("Retry-After"))
	}
	if code, msg := errorCode(t, g.do(http.MethodGet, path, nil, nil)); code != "TOOMANYREQUESTS" || msg != "Rate exceeded" {
		t.Errorf("throttled: %s %s", code, msg)
	}
	clock.Advance(time.Second)
	if res := g.do(http.MethodHead, path, nil, nil); res.status != http.StatusOK {
		t.Errorf("next second: %d", res.status)
	}
	srv.SetGalleryRateLimit(0)
	srv.FailNext("ecr-public:BatchGetImage", "us-east-1", 1, appmeshenvoytest.Throttling("ecr-public:BatchGetImage"))
	if res := g.do(http.MethodGet, path, nil, nil); res.status != http.StatusTooManyRequests || res.header.Get("Retry-After") == "" {
		t.Errorf("fault: %d %v", res.status, res.header)
	}
	if res := g.do(http.MethodGet, path, nil, nil); res.status != http.StatusOK {
		t.Errorf("after the fault: %d", res.status)
	}
	// Tokens expire with the token TTL.
	clock.Advance(13 * time.Hour)
	wantError(t, g.do(http.MethodGet, path, nil, nil), http.StatusUnauthorized, "DENIED")
}

// TestRegistryFaults: the fault machinery applies to registry requests under their IAM
// action and region.
func TestRegistryFaults(t *testing.T) {
	srv := newServer(t)
	r := region.MustLookup("eu-central-1")
	c := newRegClient(t, srv, basicAuth(ecrPassword(t, srv, r.Code)))
	path := "/v2/" + r.RepositoryURI() + "/manifests/" + appmeshenvoytest.DefaultTag
	srv.FailNext("ecr:BatchGetImage", r.Code, 1, appmeshenvoytest.InternalError("ecr:BatchGetImage"))
	srv.FailNext("ecr:BatchGetImage", r.Code, 1, appmeshenvoytest.AccessDenied("ecr:BatchGetImage"))
	srv.FailNext("ecr:BatchGetImage", r.Code, 1, appmeshenvoytest.Throttling("ecr:BatchGetImage"))
	var got []int
	for range 4 {
		got = append(got, c.do(http.MethodGet, path, nil, nil).status)
	}
	if !slices.Equal(got, []int{500, 403, 429, 200}) {
		t.Errorf("statuses %v", got)
	}
	if n := srv.Requests("ecr:BatchGetImage", r.Code); n != 4 {
		t.Errorf("requests %d", n)
	}
	srv.Stall("ecr:GetDownloadUrlForLayer", r.Code)
	_, layers := layersOf(t, mustChild(t, c, r.RepositoryURI()))
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/v2/"+r.RepositoryURI()+"/blobs/"+layers[0], nil)
	req.Header.Set("Authorization", c.auth)
	if _, err := http.DefaultClient.Do(req); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("stalled blob GET: %v", err)
	}
}

// TestImageDisappears: the "AWS removed the image" scenario, through both APIs.
func TestImageDisappears(t *testing.T) {
	srv := newServer(t)
	ctx := context.Background()
	r := region.MustLookup("sa-east-1")
	c := newRegClient(t, srv, basicAuth(ecrPassword(t, srv, r.Code)))
	client := ecr.NewFromConfig(srv.Config(r.Code))
	batch := func() (*ecr.BatchGetImageOutput, error) {
		return client.BatchGetImage(ctx, &ecr.BatchGetImageInput{RegistryId: aws.String(r.Account), RepositoryName: aws.String(region.RepositoryName),
			ImageIds: []ecrtypes.ImageIdentifier{{ImageTag: aws.String(appmeshenvoytest.DefaultTag)}}})
	}
	_, _, digest := srv.Manifest()
	if err := srv.DeleteTag(r.RepositoryURI(), appmeshenvoytest.DefaultTag); err != nil {
		t.Fatal(err)
	}
	out, err := batch()
	if err != nil || len(out.Images) != 0 || len(out.Failures) != 1 || out.Failures[0].FailureCode != ecrtypes.ImageFailureCodeImageNotFound {
		t.Errorf("after DeleteTag: %v %+v", err, out)
	}
	wantError(t, c.do(http.MethodGet, "/v2/"+r.RepositoryURI()+"/manifests/"+appmeshenvoytest.DefaultTag, nil, nil), http.StatusNotFound, "MANIFEST_UNKNOWN")
	if res := c.do(http.MethodHead, "/v2/"+r.RepositoryURI()+"/manifests/"+digest, nil, nil); res.status != http.StatusOK {
		t.Errorf("by digest after DeleteTag: %d", res.status)
	}
	if err := srv.DeleteTag(r.RepositoryURI(), appmeshenvoytest.DefaultTag); !errors.Is(err, appmeshenvoytest.ErrImageNotFound) {
		t.Errorf("second DeleteTag: %v", err)
	}
	if err := srv.DeleteRepository(r.RepositoryURI()); err != nil {
		t.Fatal(err)
	}
	var rnf *ecrtypes.RepositoryNotFoundException
	if _, err := batch(); !errors.As(err, &rnf) {
		t.Errorf("after DeleteRepository: %v", err)
	}
	wantError(t, c.do(http.MethodGet, "/v2/"+r.RepositoryURI()+"/manifests/"+digest, nil, nil), http.StatusNotFound, "NAME_UNKNOWN")
	if err := srv.DeleteRepository(r.RepositoryURI()); !errors.Is(err, appmeshenvoytest.ErrRepositoryNotFound) {
		t.Errorf("second DeleteRepository: %v", err)
	}
	// Other regions are untouched.
	if d, ok := srv.ImageDigest(region.MustLookup("us-east-1").RepositoryURI(), appmeshenvoytest.DefaultTag); !ok || d != digest {
		t.Errorf("us-east-1: %s %v", d, ok)
	}
}

// TestRouteWordsInRepositoryNames: repository names may contain "manifests", "blobs",
// "uploads" or "tags" as components; the route is read from the end of the path.
func TestRouteWordsInRepositoryNames(t *testing.T) {
	srv := newServer(t)
	c := newRegClient(t, srv, basicAuth(ecrPassword(t, srv, "us-west-2")))
	name := "odd/manifests/blobs/uploads/tags"
	createRepository(t, srv, "us-west-2", name, "")
	repo := ownRepository("us-west-2", name)
	d, err := srv.PushImage(repo, "list", 64)
	if err != nil {
		t.Fatal(err)
	}
	manifest, _ := c.manifestOf(repo, "list")
	_, layers := layersOf(t, manifest)
	if res := c.do(http.MethodHead, "/v2/"+repo+"/blobs/"+layers[0], nil, nil); res.status != http.StatusOK {
		t.Errorf("HEAD blob: %d", res.status)
	}
	if res := c.do(http.MethodGet, "/v2/"+repo+"/tags/list", nil, nil); res.status != http.StatusOK || !bytes.Contains(res.body, []byte(`"tags":["list"]`)) {
		t.Errorf("tags: %d %s", res.status, res.body)
	}
	res := c.do(http.MethodPost, "/v2/"+repo+"/blobs/uploads/", nil, nil)
	if res.status != http.StatusAccepted || !strings.HasPrefix(res.header.Get("Location"), "/v2/"+repo+"/blobs/uploads/") {
		t.Errorf("POST upload: %d %v", res.status, res.header)
	}
	if res := c.do(http.MethodGet, res.header.Get("Location"), nil, nil); res.status != http.StatusNoContent {
		t.Errorf("upload status: %d", res.status)
	}
	if got, _ := srv.ImageDigest(repo, "list"); got != d {
		t.Errorf("digest %s", got)
	}
}
