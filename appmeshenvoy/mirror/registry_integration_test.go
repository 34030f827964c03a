package mirror_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/appmeshenvoytest"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/mirror"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/dockerregistry"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/registry"
	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

// skopeoRunner runs skopeo in an empty home with an auth file that logs in to every
// registry of the test.
type skopeoRunner struct {
	bin, home, authfile, password string
}

func newSkopeo(t *testing.T, password string, hosts ...string) *skopeoRunner {
	t.Helper()
	s := &skopeoRunner{bin: dockerregistry.Tool(t, "skopeo"), home: t.TempDir(), password: password}
	auths := map[string]any{}
	for _, h := range hosts {
		auths[h] = map[string]string{"auth": base64.StdEncoding.EncodeToString([]byte("AWS:" + password))}
	}
	b, _ := json.Marshal(map[string]any{"auths": auths})
	s.authfile = filepath.Join(s.home, "auth.json")
	if err := os.WriteFile(s.authfile, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return s
}

// run runs skopeo and returns stdout, or fails the test with stderr (password redacted).
func (s *skopeoRunner) run(t *testing.T, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, s.bin, args...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + s.home, "XDG_RUNTIME_DIR=" + s.home, "XDG_CONFIG_HOME=" + s.home}
	cmd.WaitDelay = time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("skopeo %s: %v\n%s", args[0], err, strings.ReplaceAll(stderr.String(), s.password, "[REDACTED]"))
	}
	return stdout.Bytes()
}

// inspectRaw returns the raw manifest of ref (docker://...).
func (s *skopeoRunner) inspectRaw(t *testing.T, ref string) []byte {
	t.Helper()
	return s.run(t, "inspect", "--raw", "--tls-verify=false", "--authfile", s.authfile, "docker://"+ref)
}

// TestRealRegistries mirrors between real docker-registry processes (htpasswd Basic
// auth, the password the local endpoint's ECR tokens carry): the source is seeded by
// skopeo with the multi-architecture index; two destinations stand for ECR registries
// (ECR tokens), one is a plain registry (docker config credentials). skopeo then reads
// every destination: the index bytes and digest are the source's and every manifest it
// references is there. The source is read once for all three destinations; a second run
// starts no upload (the registries' access logs); a run cancelled half way is finished
// by the next one.
func TestRealRegistries(t *testing.T) {
	if testing.Short() {
		t.Skip("starts registries")
	}
	pwBytes := make([]byte, 24)
	_, _ = rand.Read(pwBytes)
	pw := hex.EncodeToString(pwBytes)
	srv := newServer(t)
	srv.SetPassword(pw)
	if _, err := appmeshenvoy.NewTokenProvider(srv.Config("us-west-2")).Token(context.Background(), "us-west-2"); err != nil {
		t.Fatal(err) // the local endpoint accepts the password once it has issued it
	}
	src, d1, d2, d3, d4 := dockerregistry.Start(t, pw), dockerregistry.Start(t, pw), dockerregistry.Start(t, pw), dockerregistry.Start(t, pw), dockerregistry.Start(t, pw)
	local := strings.TrimPrefix(srv.URL, "http://")
	sk := newSkopeo(t, pw, local, src.Addr, d1.Addr, d2.Addr, d3.Addr, d4.Addr)

	// Seed the source with the seeded Envoy index, every platform, digests kept.
	tag := appmeshenvoytest.DefaultTag
	srcHost := region.MustLookup("us-west-2").RegistryHost()
	sk.run(t, "copy", "--all", "--preserve-digests", "--src-tls-verify=false", "--dest-tls-verify=false", "--authfile", sk.authfile,
		"docker://"+local+"/"+srcHost+"/"+region.RepositoryName+":"+tag, "docker://"+src.Addr+"/"+region.RepositoryName+":"+tag)
	index, _, digest := srv.Manifest()
	if got := sk.inspectRaw(t, src.Addr+"/"+region.RepositoryName+":"+tag); !bytes.Equal(got, index) {
		t.Fatal("skopeo did not seed the source with the index bytes")
	}

	// The docker config holds the plain registry's credentials.
	dockerDir := t.TempDir()
	cfg, _ := json.Marshal(map[string]any{"auths": map[string]any{d3.Addr: map[string]string{"auth": base64.StdEncoding.EncodeToString([]byte("AWS:" + pw))}}})
	if err := os.WriteFile(filepath.Join(dockerDir, "config.json"), cfg, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("DOCKER_CONFIG", dockerDir)

	ecr1, ecr2, ecr4 := appmeshenvoytest.AccountID+".dkr.ecr.us-east-1.amazonaws.com", appmeshenvoytest.AccountID+".dkr.ecr.eu-west-1.amazonaws.com",
		appmeshenvoytest.AccountID+".dkr.ecr.ap-south-1.amazonaws.com"
	endpoints := map[string]string{srcHost: "http://" + src.Addr, ecr1: "http://" + d1.Addr, ecr2: "http://" + d2.Addr, ecr4: "http://" + d4.Addr}
	newRealMirror := func(optFns ...func(*mirror.Options)) *mirror.Copier {
		return newMirror(t, srv, append([]func(*mirror.Options){func(o *mirror.Options) {
			o.RegistryEndpoints = endpoints
			o.Keychain = authn.DefaultKeychain
		}}, optFns...)...)
	}
	m := newRealMirror()
	dests := []string{ecr1 + "/mirror/envoy", ecr2 + "/mirror/envoy", d3.Addr + "/mirror/envoy"}
	wire := []string{d1.Addr + "/mirror/envoy", d2.Addr + "/mirror/envoy", d3.Addr + "/mirror/envoy"}
	req := mirror.Request{Regions: []string{"us-west-2"}, Tags: []string{tag}, Destinations: dests}
	for _, r := range copyOK(t, m, req) {
		if r.Status != mirror.StatusCopied || r.Image.Digest != digest || r.BlobsCopied != 8 {
			t.Errorf("%s: %+v", r.Destination, r)
		}
	}
	if n := src.Count("GET", "/blobs/sha256:"); n != 8 {
		t.Errorf("the source served %d blob reads for 8 blobs and 3 destinations, want 8 (one read each)", n)
	}
	var contents registry.Contents
	if err := json.Unmarshal(index, &struct{ Manifests *[]registry.Descriptor }{&contents.Manifests}); err != nil {
		t.Fatal(err)
	}
	for _, w := range wire {
		if got := sk.inspectRaw(t, w+":"+tag); !bytes.Equal(got, index) {
			t.Errorf("%s: skopeo reads %d bytes that are not the source index", w, len(got))
		}
		for _, c := range contents.Manifests {
			if got := sk.inspectRaw(t, w+"@"+c.Digest); registry.Digest(got) != c.Digest {
				t.Errorf("%s@%s: skopeo reads a manifest that hashes to %s", w, c.Digest, registry.Digest(got))
			}
		}
	}

	// A second run uploads nothing.
	uploads := func(r *dockerregistry.Registry) int {
		return r.Count("POST", "/blobs/uploads/") + r.Count("PUT", "/manifests/")
	}
	before := []int{uploads(d1), uploads(d2), uploads(d3)}
	for i, n := range before {
		if n < 8+3 {
			t.Fatalf("the access log of %s shows %d uploads and manifest writes after the first run; the count below would prove nothing", dests[i], n)
		}
	}
	for _, r := range copyOK(t, m, req) {
		if r.Status != mirror.StatusUpToDate {
			t.Errorf("second run %s: %+v", r.Destination, r)
		}
	}
	for i, d := range []*dockerregistry.Registry{d1, d2, d3} {
		if n := uploads(d) - before[i]; n != 0 {
			t.Errorf("second run: %s started %d uploads or manifest writes, want 0", dests[i], n)
		}
	}

	// Cancelled after its first blob, then finished.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var once sync.Once
	mc := newRealMirror(func(o *mirror.Options) {
		o.Concurrency = 1
		o.Progress = func(p mirror.Progress) {
			if p.BlobsDone > 0 {
				once.Do(cancel)
			}
		}
	})
	half := mirror.Request{Regions: []string{"us-west-2"}, Tags: []string{tag}, Destinations: []string{ecr4 + "/mirror/envoy"}}
	if _, err := mc.Copy(ctx, half); err == nil {
		t.Fatal("the cancelled run reported no error")
	}
	half.Verify = true
	r := copyOK(t, m, half)[0]
	if r.Status != mirror.StatusCopied || r.BlobsSkipped == 0 || !r.Verified {
		t.Errorf("finishing run: %+v", r)
	}
	if got := sk.inspectRaw(t, d4.Addr+"/mirror/envoy:"+tag); !bytes.Equal(got, index) {
		t.Error("after the finishing run skopeo does not read the source index")
	}
}
