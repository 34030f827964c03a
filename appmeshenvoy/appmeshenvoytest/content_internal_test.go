package appmeshenvoytest

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"testing"
)

// The seeded digests. They must not change between runs, machines or Go versions: the
// bytes are written by this package (stored gzip blocks, USTAR headers with fixed
// times). A change here changes DefaultTag's digest everywhere; update the package's
// users' expectations with it.
const (
	wantEnvoyIndex = "sha256:583ec0b913088b3c0eea29265d267130ce71119c3c9809186379d27d48cd6dbc"
	wantFIPSIndex  = "sha256:11fd52aa9fd0cbe48047339d90416bf0f6a37ecd960f065faa6a0f757b904753"
)

func TestSeededDigests(t *testing.T) {
	envoy, fips := seededImages()
	if envoy.digest != wantEnvoyIndex || fips.digest != wantFIPSIndex {
		t.Errorf("digests %s and %s, want %s and %s", envoy.digest, fips.digest, wantEnvoyIndex, wantFIPSIndex)
	}
	if again := buildEnvoyImage(false); again.digest != envoy.digest {
		t.Error("a second build differs")
	}
	s := NewUnstartedServer()
	defer s.Close()
	if _, _, d := s.Manifest(); d != wantEnvoyIndex {
		t.Errorf("Manifest digest %s", d)
	}
}

// TestSeededContentIsReal reads every seeded image as a registry client would: the
// index's children, their configs and layers, each layer a gzip tar whose uncompressed
// digest is the config's diff ID.
func TestSeededContentIsReal(t *testing.T) {
	for _, fips := range []bool{false, true} {
		img := buildEnvoyImage(fips)
		index, _, err := parseManifest(img.manifest, "")
		if err != nil || len(index.Manifests) != 2 {
			t.Fatalf("index: %v", err)
		}
		for i, d := range index.Manifests {
			child := img.children[i]
			if digestOf(child) != d.Digest || int64(len(child)) != d.Size {
				t.Fatalf("child %d does not match its descriptor", i)
			}
			m, mt, e := parseManifest(child, "")
			if e != nil || mt != mediaTypeDockerManifest {
				t.Fatalf("child %d: %v %s", i, e, mt)
			}
			cfgBytes := img.blobs[m.Config.Digest]
			var cfg imageConfig
			if err := json.Unmarshal(cfgBytes, &cfg); err != nil || int64(len(cfgBytes)) != m.Config.Size {
				t.Fatalf("config: %v", err)
			}
			if cfg.Architecture != d.Platform.Architecture || cfg.OS != "linux" || len(cfg.RootFS.DiffIDs) != len(m.Layers) {
				t.Errorf("config %+v for platform %+v", cfg, d.Platform)
			}
			for j, l := range m.Layers {
				gz := img.blobs[l.Digest]
				if digestOf(gz) != l.Digest || int64(len(gz)) != l.Size || l.Size > 16<<10 {
					t.Errorf("layer %s: %d bytes", l.Digest, len(gz))
				}
				zr, err := gzip.NewReader(bytes.NewReader(gz))
				if err != nil {
					t.Fatal(err)
				}
				raw, err := io.ReadAll(zr)
				if err != nil {
					t.Fatalf("layer %s: %v", l.Digest, err)
				}
				if digestOf(raw) != cfg.RootFS.DiffIDs[j] {
					t.Errorf("layer %s: diff ID %s, config says %s", l.Digest, digestOf(raw), cfg.RootFS.DiffIDs[j])
				}
				tr := tar.NewReader(bytes.NewReader(raw))
				files := 0
				for {
					h, err := tr.Next()
					if err == io.EOF {
						break
					}
					if err != nil {
						t.Fatalf("layer %s: %v", l.Digest, err)
					}
					if h.Typeflag == tar.TypeReg {
						files++
					}
				}
				if files == 0 {
					t.Errorf("layer %s has no files", l.Digest)
				}
			}
		}
	}
}

func TestStoredGzip(t *testing.T) {
	for _, n := range []int{0, 1, 65535, 65536, 200000} {
		data := filler("gzip", n)
		zr, err := gzip.NewReader(bytes.NewReader(storedGzip(data)))
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(zr)
		if err != nil || !bytes.Equal(got, data) {
			t.Errorf("%d bytes: %v", n, err)
		}
	}
}
