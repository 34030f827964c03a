package appmeshenvoy_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/appmeshenvoytest"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/dockerconfig"
)

// registryTestTool returns the path of an external tool. It skips the test when the tool is
// missing, and fails it when the environment variable CI is set.
func registryTestTool(t *testing.T, names ...string) string {
	t.Helper()
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s not installed (required under CI)", names[0])
	}
	t.Skipf("%s not installed", names[0])
	return ""
}

// TestRegistryLogin pushes an image into a real registry (Debian docker-registry with
// htpasswd Basic auth) and reads it back with a real client (skopeo) that uses the
// docker config written by dockerconfig.Write with a token from the TokenProvider.
func TestRegistryLogin(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a registry")
	}
	registryBin := registryTestTool(t, "/usr/bin/docker-registry", "docker-registry", "registry")
	skopeo := registryTestTool(t, "skopeo")
	htpasswd := registryTestTool(t, "htpasswd")

	// The token comes from the real ECR client against the local AWS endpoint.
	srv := appmeshenvoytest.NewServer()
	defer srv.Close()
	p := appmeshenvoy.NewTokenProvider(srv.Config("us-west-2"))
	tok, err := p.Token(context.Background(), "us-west-2")
	if err != nil {
		t.Fatal(err)
	}
	if tok.Password.Reveal() != srv.Password() {
		t.Fatal("the token's password is not the one the local endpoint issued")
	}

	host := startRegistry(t, registryBin, htpasswd, srv.Password())
	ref := "docker://" + host + "/appmesh/envoy:v1"
	home := t.TempDir()
	skopeoEnv := append(os.Environ(), "HOME="+home, "XDG_RUNTIME_DIR="+home, "XDG_CONFIG_HOME="+home, "REGISTRY_AUTH_FILE=")

	// Every skopeo run is bounded; the password goes through an auth file, not argv.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	pushTok := tok
	pushTok.Registry = host
	pushAuth, err := dockerconfig.JSON(pushTok)
	if err != nil {
		t.Fatal(err)
	}
	pushAuthFile := filepath.Join(t.TempDir(), "push-auth.json")
	if err := os.WriteFile(pushAuthFile, pushAuth, 0o600); err != nil {
		t.Fatal(err)
	}
	layout, manifestDigest := writeOCILayout(t)
	push := exec.CommandContext(ctx, skopeo, "copy", "--insecure-policy", "--dest-tls-verify=false",
		"--dest-authfile", pushAuthFile, "oci:"+layout+":v1", ref)
	push.Env = skopeoEnv
	push.WaitDelay = time.Second
	if out, err := push.CombinedOutput(); err != nil {
		t.Fatalf("skopeo copy: %v\n%s", err, registryRedact(out, srv.Password()))
	}

	inspect := func(authfile string) ([]byte, error) {
		cmd := exec.CommandContext(ctx, skopeo, "inspect", "--authfile", authfile, "--tls-verify=false", ref)
		cmd.WaitDelay = time.Second
		cmd.Env = skopeoEnv
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		if err != nil {
			return stderr.Bytes(), err
		}
		return stdout.Bytes(), nil
	}

	t.Run("token", func(t *testing.T) {
		config := filepath.Join(t.TempDir(), "docker", "config.json")
		tok := tok
		tok.Registry = host
		if _, err := dockerconfig.Write(ctx, config, []appmeshenvoy.Token{tok}); err != nil {
			t.Fatal(err)
		}
		out, err := inspect(config)
		if err != nil {
			t.Fatalf("skopeo inspect with the written config: %v\n%s", err, registryRedact(out, srv.Password()))
		}
		var info struct{ Digest string }
		if err := json.Unmarshal(out, &info); err != nil {
			t.Fatalf("skopeo inspect output: %v", err)
		}
		if info.Digest != manifestDigest {
			t.Errorf("inspected digest %s, want the pushed %s", info.Digest, manifestDigest)
		}
	})

	t.Run("tampered password", func(t *testing.T) {
		config := filepath.Join(t.TempDir(), "config.json")
		bad := tok
		bad.Registry = host
		bad.Password = appmeshenvoy.NewSecret(srv.Password() + "x")
		if _, err := dockerconfig.Write(ctx, config, []appmeshenvoy.Token{bad}); err != nil {
			t.Fatal(err)
		}
		out, err := inspect(config)
		if err == nil {
			t.Fatal("skopeo inspect succeeded with a tampered password")
		}
		if !bytes.Contains(bytes.ToLower(out), []byte("unauthorized")) {
			t.Errorf("skopeo failed, but not for authentication: %s", registryRedact(out, srv.Password()))
		}
	})

	t.Run("no entry", func(t *testing.T) {
		config := filepath.Join(t.TempDir(), "config.json")
		if err := os.WriteFile(config, []byte(`{"auths":{}}`), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := inspect(config); err == nil {
			t.Fatal("the registry let an anonymous client in; the test proves nothing")
		}
	})
}

// registryRedact removes secret from tool output before it is shown in a failure message.
func registryRedact(out []byte, secret string) string {
	return strings.ReplaceAll(string(out), secret, "[REDACTED]")
}

// startRegistry runs docker-registry on a free 127.0.0.1 port with htpasswd auth for
// user AWS and password, waits until it answers, and returns its host:port. The
// registry is stopped when the test ends.
func startRegistry(t *testing.T, registryBin, htpasswd, password string) string {
	t.Helper()
	dir := t.TempDir()

	hp := exec.Command(htpasswd, "-niB", "AWS") // password on stdin, not in argv
	hp.Stdin = strings.NewReader(password + "\n")
	line, err := hp.Output()
	if err != nil {
		t.Fatalf("htpasswd: %v", err)
	}
	htfile := filepath.Join(dir, "htpasswd")
	if err := os.WriteFile(htfile, bytes.TrimSpace(line), 0o600); err != nil {
		t.Fatal(err)
	}

	for attempt := 0; attempt < 3; attempt++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		config := filepath.Join(dir, "config.yml")
		yml := fmt.Sprintf(`version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: %s
  delete:
    enabled: true
http:
  addr: %s
  secret: appmesh-envoy-test
auth:
  htpasswd:
    realm: appmesh-envoy-test
    path: %s
`, filepath.Join(dir, "storage"), addr, htfile)
		if err := os.WriteFile(config, []byte(yml), 0o600); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(registryBin, "serve", config)
		var logs bytes.Buffer
		cmd.Stdout, cmd.Stderr = &logs, &logs
		if err := cmd.Start(); err != nil {
			t.Fatalf("start %s: %v", registryBin, err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		stop := func() {
			_ = cmd.Process.Kill()
			<-exited
		}
		if waitRegistry(addr, exited) {
			t.Cleanup(func() {
				stop()
				// The process is gone and reaped: its port can be listened on again.
				if l, err := net.Listen("tcp", addr); err != nil {
					t.Errorf("the registry's port %s is still busy after the test: %v", addr, err)
				} else {
					l.Close()
				}
			})
			return addr
		}
		stop()
		t.Logf("registry on %s did not come up (attempt %d): %s", addr, attempt+1, logs.String())
	}
	t.Fatal("the registry did not start")
	return ""
}

// waitRegistry polls http://addr/v2/ for at most 15 seconds until the registry asks for
// credentials (401). It returns false if the process exits or time runs out.
func waitRegistry(addr string, exited <-chan error) bool {
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return false
		default:
		}
		resp, err := client.Get("http://" + addr + "/v2/")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusUnauthorized {
				return true
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}

// writeOCILayout writes a one-layer OCI image layout with tag v1 and returns its
// directory and the manifest digest.
func writeOCILayout(t *testing.T) (dir, manifestDigest string) {
	t.Helper()
	dir = t.TempDir()
	blobs := filepath.Join(dir, "blobs", "sha256")
	if err := os.MkdirAll(blobs, 0o755); err != nil {
		t.Fatal(err)
	}
	put := func(b []byte) (digest string, size int) {
		sum := sha256.Sum256(b)
		h := hex.EncodeToString(sum[:])
		if err := os.WriteFile(filepath.Join(blobs, h), b, 0o644); err != nil {
			t.Fatal(err)
		}
		return "sha256:" + h, len(b)
	}

	var tarBuf bytes.Buffer
	tw := tar.NewWriter(&tarBuf)
	content := []byte("appmesh envoy test layer\n")
	if err := tw.WriteHeader(&tar.Header{Name: "etc/appmesh-test", Mode: 0o644, Size: int64(len(content)),
		ModTime: time.Unix(1700000000, 0), Typeflag: tar.TypeReg}); err != nil {
		t.Fatal(err)
	}
	_, _ = tw.Write(content)
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	diffSum := sha256.Sum256(tarBuf.Bytes())
	var gzBuf bytes.Buffer
	gz := gzip.NewWriter(&gzBuf)
	_, _ = gz.Write(tarBuf.Bytes())
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	layerDigest, layerSize := put(gzBuf.Bytes())

	config, _ := json.Marshal(map[string]any{
		"architecture": "amd64",
		"os":           "linux",
		"config":       map[string]any{},
		"rootfs":       map[string]any{"type": "layers", "diff_ids": []string{"sha256:" + hex.EncodeToString(diffSum[:])}},
	})
	configDigest, configSize := put(config)

	manifest, _ := json.Marshal(map[string]any{
		"schemaVersion": 2,
		"mediaType":     "application/vnd.oci.image.manifest.v1+json",
		"config":        map[string]any{"mediaType": "application/vnd.oci.image.config.v1+json", "digest": configDigest, "size": configSize},
		"layers": []any{map[string]any{
			"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": layerDigest, "size": layerSize,
		}},
	})
	manifestDigest, manifestSize := put(manifest)

	index, _ := json.Marshal(map[string]any{
		"schemaVersion": 2,
		"manifests": []any{map[string]any{
			"mediaType":   "application/vnd.oci.image.manifest.v1+json",
			"digest":      manifestDigest,
			"size":        manifestSize,
			"annotations": map[string]string{"org.opencontainers.image.ref.name": "v1"},
		}},
	})
	if err := os.WriteFile(filepath.Join(dir, "index.json"), index, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "oci-layout"), []byte(`{"imageLayoutVersion":"1.0.0"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, manifestDigest
}
