package appmeshenvoytest_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/appmeshenvoytest"
	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

// skopeoPath returns skopeo's path. It skips the test when skopeo is missing, and fails
// it when CI is set.
func skopeoPath(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("skopeo"); err == nil {
		return p
	}
	if os.Getenv("CI") != "" {
		t.Fatal("skopeo is required when CI is set: install the skopeo package")
	}
	t.Skip("skopeo is not installed")
	return ""
}

// runSkopeo runs skopeo with args in an empty home and returns stdout, or fails the test
// with stderr, the password redacted.
func runSkopeo(t *testing.T, skopeo, password string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	home := t.TempDir()
	cmd := exec.CommandContext(ctx, skopeo, args...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home, "XDG_RUNTIME_DIR=" + home, "XDG_CONFIG_HOME=" + home}
	cmd.WaitDelay = time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("skopeo %s: %v\n%s", args[0], err, strings.ReplaceAll(stderr.String(), password, "[REDACTED]"))
	}
	return stdout.Bytes()
}

// TestSkopeo reads the seeded index with skopeo (credentials from --creds and from an
// auth file, as docker login writes it), then copies the image with every platform out
// of the server and back into a repository of the caller's account: the blobs come
// through the storage redirect (skopeo must not forward the credential there) and the
// copy keeps the digest.
func TestSkopeo(t *testing.T) {
	skopeo := skopeoPath(t)
	srv := newServer(t)
	r := region.MustLookup("us-west-2")
	pw := ecrPassword(t, srv, r.Code)
	src := "docker://" + hostPort(srv) + "/" + r.RepositoryURI() + ":" + appmeshenvoytest.DefaultTag
	index, _, digest := srv.Manifest()

	t.Run("inspect with --creds", func(t *testing.T) {
		out := runSkopeo(t, skopeo, pw, "inspect", "--raw", "--tls-verify=false", "--creds", "AWS:"+pw, src)
		if !bytes.Equal(out, index) {
			t.Errorf("skopeo inspect --raw returned %d bytes, not the seeded index", len(out))
		}
	})
	t.Run("inspect with --authfile", func(t *testing.T) {
		authfile := filepath.Join(t.TempDir(), "auth.json")
		cfg, _ := json.Marshal(map[string]any{"auths": map[string]any{hostPort(srv): map[string]string{
			"auth": base64.StdEncoding.EncodeToString([]byte("AWS:" + pw))}}})
		if err := os.WriteFile(authfile, cfg, 0o600); err != nil {
			t.Fatal(err)
		}
		out := runSkopeo(t, skopeo, pw, "inspect", "--raw", "--tls-verify=false", "--authfile", authfile, src)
		if !bytes.Equal(out, index) {
			t.Errorf("skopeo inspect --raw returned %d bytes, not the seeded index", len(out))
		}
	})
	t.Run("copy out and back", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "envoy")
		runSkopeo(t, skopeo, pw, "copy", "--all", "--insecure-policy", "--src-tls-verify=false", "--src-creds", "AWS:"+pw, src, "dir:"+dir)
		createRepository(t, srv, r.Code, "copy/envoy", ecrtypes.ImageTagMutabilityImmutable)
		dst := "docker://" + hostPort(srv) + "/" + ownRepository(r.Code, "copy/envoy") + ":" + appmeshenvoytest.DefaultTag
		runSkopeo(t, skopeo, pw, "copy", "--all", "--insecure-policy", "--dest-tls-verify=false", "--dest-creds", "AWS:"+pw, "dir:"+dir, dst)
		if got, ok := srv.ImageDigest(ownRepository(r.Code, "copy/envoy"), appmeshenvoytest.DefaultTag); !ok || got != digest {
			t.Errorf("copied digest %s, want %s", got, digest)
		}
	})
	if rf := srv.Refusals(); len(rf) != 0 {
		t.Errorf("refusals: %q", rf)
	}
}
