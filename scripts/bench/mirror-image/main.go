// Command mirror-image writes a multi-architecture image into an OCI image layout
// directory, for scripts/bench.sh's mirror section: an OCI index of two platforms
// (linux/amd64, linux/arm64), each with a config and -layers layers, each a gzip tar of
// one file of -layer-mb MiB of pseudo-random (incompressible) bytes, tagged -tag. Blobs
// are streamed to disk, never held whole in memory.
//
//	go run ./scripts/bench/mirror-image -dir /tmp/img -layer-mb 25 -layers 2 -tag v1.39.1.0-prod
//
// It prints the digest of the index.
package main

import (
	"archive/tar"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"hash"
	"io"
	"log"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"
)

type descriptor struct {
	MediaType   string            `json:"mediaType"`
	Digest      string            `json:"digest"`
	Size        int64             `json:"size"`
	Platform    *platform         `json:"platform,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

type platform struct {
	Architecture string `json:"architecture"`
	OS           string `json:"os"`
}

func main() {
	dir := flag.String("dir", "", "layout `DIR` to write (created)")
	layerMB := flag.Int("layer-mb", 25, "size of each layer in `MiB`")
	layers := flag.Int("layers", 2, "layers per platform")
	tag := flag.String("tag", "v1.39.1.0-prod", "tag of the index in the layout")
	seed := flag.Uint64("seed", 1, "seed of the layer bytes (another seed, other blobs)")
	flag.Parse()
	log.SetFlags(0)
	if *dir == "" {
		log.Fatal("mirror-image: -dir is required")
	}
	blobs := filepath.Join(*dir, "blobs", "sha256")
	if err := os.MkdirAll(blobs, 0o755); err != nil {
		log.Fatal(err)
	}
	put := func(mediaType string, write func(io.Writer) error) descriptor {
		f, err := os.CreateTemp(blobs, "tmp-")
		if err != nil {
			log.Fatal(err)
		}
		h := sha256.New()
		cw := &counter{w: io.MultiWriter(f, h)}
		if err := write(cw); err != nil {
			log.Fatal(err)
		}
		if err := f.Close(); err != nil {
			log.Fatal(err)
		}
		d := "sha256:" + hex.EncodeToString(h.Sum(nil))
		path := filepath.Join(blobs, d[len("sha256:"):])
		if err := os.Rename(f.Name(), path); err != nil {
			log.Fatal(err)
		}
		if err := os.Chmod(path, 0o644); err != nil {
			log.Fatal(err)
		}
		return descriptor{MediaType: mediaType, Digest: d, Size: cw.n}
	}
	putJSON := func(mediaType string, v any) descriptor {
		b, err := json.Marshal(v)
		if err != nil {
			log.Fatal(err)
		}
		return put(mediaType, func(w io.Writer) error { _, err := w.Write(b); return err })
	}
	rng := rand.New(rand.NewChaCha8(seedBytes(*seed)))
	var children []descriptor
	for _, arch := range []string{"amd64", "arm64"} {
		var ls []descriptor
		var diffIDs []string
		for i := 0; i < *layers; i++ {
			var diff hash.Hash = sha256.New()
			d := put("application/vnd.oci.image.layer.v1.tar+gzip", func(w io.Writer) error {
				// A gzip stream of stored (uncompressed) blocks around a tar of one file of
				// random bytes: a real layer that costs no compression time.
				gz, err := gzip.NewWriterLevel(w, gzip.NoCompression)
				if err != nil {
					return err
				}
				tw := tar.NewWriter(io.MultiWriter(gz, diff))
				size := int64(*layerMB) << 20
				if err := tw.WriteHeader(&tar.Header{Name: fmt.Sprintf("data/%s-%d", arch, i), Mode: 0o644, Size: size,
					ModTime: time.Unix(1700000000, 0), Typeflag: tar.TypeReg, Format: tar.FormatPAX}); err != nil {
					return err
				}
				buf := make([]byte, 1<<20)
				for j := 0; j < *layerMB; j++ {
					for k := 0; k < len(buf); k += 8 {
						v := rng.Uint64()
						for b := 0; b < 8; b++ {
							buf[k+b] = byte(v >> (8 * b))
						}
					}
					if _, err := tw.Write(buf); err != nil {
						return err
					}
				}
				if err := tw.Close(); err != nil {
					return err
				}
				return gz.Close()
			})
			ls = append(ls, d)
			diffIDs = append(diffIDs, "sha256:"+hex.EncodeToString(diff.Sum(nil)))
		}
		cfg := putJSON("application/vnd.oci.image.config.v1+json", map[string]any{
			"architecture": arch, "os": "linux", "config": map[string]any{},
			"rootfs": map[string]any{"type": "layers", "diff_ids": diffIDs},
		})
		m := putJSON("application/vnd.oci.image.manifest.v1+json", map[string]any{
			"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json", "config": cfg, "layers": ls,
		})
		m.Platform = &platform{Architecture: arch, OS: "linux"}
		children = append(children, m)
	}
	index := putJSON("application/vnd.oci.image.index.v1+json", map[string]any{
		"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": children,
	})
	index.Annotations = map[string]string{"org.opencontainers.image.ref.name": *tag}
	top, _ := json.Marshal(map[string]any{"schemaVersion": 2, "manifests": []descriptor{index}})
	if err := os.WriteFile(filepath.Join(*dir, "index.json"), top, 0o644); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(*dir, "oci-layout"), []byte(`{"imageLayoutVersion":"1.0.0"}`), 0o644); err != nil {
		log.Fatal(err)
	}
	fmt.Println(index.Digest)
}

type counter struct {
	w io.Writer
	n int64
}

func (c *counter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

func seedBytes(s uint64) [32]byte {
	var b [32]byte
	for i := 0; i < 8; i++ {
		b[i] = byte(s >> (8 * i))
	}
	return b
}
