package appmeshenvoy_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/appmeshenvoytest"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/dockerconfig"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/dockerregistry"
)

// TestRegistryLogin pushes an image into a real registry (Debian docker-registry with
// htpasswd Basic auth) and reads it back with a real client (skopeo) that uses the
// docker config written by dockerconfig.Write with a token from the TokenProvider.
func TestRegistryLogin(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a registry")
	}
	skopeo := dockerregistry.Tool(t, "skopeo")

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

	host := dockerregistry.Start(t, srv.Password()).Addr
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
