package appmeshenvoytest

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"hash/crc32"
	"strconv"
	"time"
)

// Media types of the content the server builds and stores. The seeded Envoy images use
// the Docker types, as ECR serves them for this image.
const (
	mediaTypeDockerManifest = "application/vnd.docker.distribution.manifest.v2+json"
	mediaTypeDockerConfig   = "application/vnd.docker.container.image.v1+json"
	mediaTypeDockerLayer    = "application/vnd.docker.image.rootfs.diff.tar.gzip"
	mediaTypeDockerForeign  = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"
	mediaTypeOCIManifest    = "application/vnd.oci.image.manifest.v1+json"
	mediaTypeOCIIndex       = "application/vnd.oci.image.index.v1+json"
	mediaTypeOCINondistrib  = "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"
)

// descriptor is a content descriptor inside a manifest or an index.
type descriptor struct {
	MediaType string    `json:"mediaType"`
	Size      int64     `json:"size"`
	Digest    string    `json:"digest"`
	URLs      []string  `json:"urls,omitempty"`
	Platform  *platform `json:"platform,omitempty"`
}

type platform struct {
	Architecture string `json:"architecture"`
	OS           string `json:"os"`
	Variant      string `json:"variant,omitempty"`
}

// manifestJSON is the part of an image manifest or index the server reads and writes.
type manifestJSON struct {
	SchemaVersion int          `json:"schemaVersion"`
	MediaType     string       `json:"mediaType,omitempty"`
	Config        *descriptor  `json:"config,omitempty"`
	Layers        []descriptor `json:"layers,omitempty"`
	Manifests     []descriptor `json:"manifests,omitempty"`
}

// builtImage is content built in memory: the manifest (or index) at the top, and every
// blob and child manifest it needs.
type builtImage struct {
	manifest  []byte
	mediaType string
	digest    string
	children  [][]byte          // platform manifests of an index, in order
	blobs     map[string][]byte // configs and layers by digest
}

// layerFile is one regular file of a built layer.
type layerFile struct {
	name string
	mode int64
	data []byte
}

// buildLayer returns a deterministic gzip-compressed tar of files (with their parent
// directories) and the digest of the uncompressed tar (the config's diff ID). The tar is
// USTAR with fixed times and owners; the gzip stream is written by [storedGzip], so
// the bytes depend on no compressor implementation and are the same on every machine
// and Go version.
func buildLayer(files []layerFile, modTime time.Time) (gz []byte, diffID string) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	dirs := map[string]bool{}
	for _, f := range files {
		for i := range len(f.name) {
			if f.name[i] != '/' || dirs[f.name[:i+1]] {
				continue
			}
			dirs[f.name[:i+1]] = true
			_ = tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: f.name[:i+1], Mode: 0o755, ModTime: modTime, Format: tar.FormatUSTAR})
		}
		_ = tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: f.name, Mode: f.mode, Size: int64(len(f.data)), ModTime: modTime, Format: tar.FormatUSTAR})
		_, _ = tw.Write(f.data)
	}
	_ = tw.Close()
	return storedGzip(buf.Bytes()), digestOf(buf.Bytes())
}

// storedGzip wraps data in a gzip stream (RFC 1952) made of stored DEFLATE blocks
// (RFC 1951 §3.2.4): a fixed header without name or time, blocks of at most 65,535
// bytes, then the CRC-32 and the length of data.
func storedGzip(data []byte) []byte {
	out := make([]byte, 0, len(data)+len(data)/65535*5+32)
	out = append(out, 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff)
	rest := data
	for {
		n := min(len(rest), 65535)
		final := byte(0)
		if n == len(rest) {
			final = 1
		}
		out = append(out, final)
		out = binary.LittleEndian.AppendUint16(out, uint16(n))
		out = binary.LittleEndian.AppendUint16(out, ^uint16(n))
		out = append(out, rest[:n]...)
		rest = rest[n:]
		if final == 1 {
			break
		}
	}
	out = binary.LittleEndian.AppendUint32(out, crc32.ChecksumIEEE(data))
	return binary.LittleEndian.AppendUint32(out, uint32(len(data)))
}

// filler returns n deterministic pseudo-random bytes derived from seed (SHA-256 in
// counter mode), so that layers have realistic, incompressible content.
func filler(seed string, n int) []byte {
	out := make([]byte, 0, n+sha256.Size)
	for i := uint64(0); len(out) < n; i++ {
		h := sha256.New()
		h.Write([]byte(seed))
		h.Write(binary.BigEndian.AppendUint64(nil, i))
		out = h.Sum(out)
	}
	return out[:n]
}

// imageConfig is the part of a Docker image configuration the server writes.
type imageConfig struct {
	Architecture string         `json:"architecture"`
	OS           string         `json:"os"`
	Variant      string         `json:"variant,omitempty"`
	Created      time.Time      `json:"created"`
	Config       imageRuntime   `json:"config"`
	RootFS       imageRootFS    `json:"rootfs"`
	History      []imageHistory `json:"history"`
}

type imageRuntime struct {
	User       string            `json:"User,omitempty"`
	Env        []string          `json:"Env,omitempty"`
	Entrypoint []string          `json:"Entrypoint,omitempty"`
	Labels     map[string]string `json:"Labels,omitempty"`
}

type imageRootFS struct {
	Type    string   `json:"type"`
	DiffIDs []string `json:"diff_ids"`
}

type imageHistory struct {
	Created   time.Time `json:"created"`
	CreatedBy string    `json:"created_by"`
}

// buildPlatformImage builds a Docker schema 2 image of layers for one platform: its
// config blob and its manifest. It adds the config and layer blobs to blobs.
func buildPlatformImage(p platform, runtime imageRuntime, created time.Time, layers [][]layerFile, blobs map[string][]byte) []byte {
	cfg := imageConfig{Architecture: p.Architecture, OS: p.OS, Variant: p.Variant, Created: created, Config: runtime,
		RootFS: imageRootFS{Type: "layers"}}
	m := manifestJSON{SchemaVersion: 2, MediaType: mediaTypeDockerManifest}
	for _, files := range layers {
		gz, diffID := buildLayer(files, created)
		blobs[digestOf(gz)] = gz
		cfg.RootFS.DiffIDs = append(cfg.RootFS.DiffIDs, diffID)
		cfg.History = append(cfg.History, imageHistory{Created: created, CreatedBy: "appmeshenvoytest: " + files[0].name})
		m.Layers = append(m.Layers, descriptor{MediaType: mediaTypeDockerLayer, Size: int64(len(gz)), Digest: digestOf(gz)})
	}
	cfgJSON, _ := json.Marshal(cfg)
	blobs[digestOf(cfgJSON)] = cfgJSON
	m.Config = &descriptor{MediaType: mediaTypeDockerConfig, Size: int64(len(cfgJSON)), Digest: digestOf(cfgJSON)}
	out, _ := json.MarshalIndent(m, "", "   ")
	return out
}

// buildIndex returns a Docker manifest list of children, one per platform.
func buildIndex(children [][]byte, platforms []platform) []byte {
	m := manifestJSON{SchemaVersion: 2, MediaType: MediaTypeManifestList}
	for i, c := range children {
		p := platforms[i]
		m.Manifests = append(m.Manifests, descriptor{MediaType: mediaTypeDockerManifest, Size: int64(len(c)), Digest: digestOf(c), Platform: &p})
	}
	out, _ := json.MarshalIndent(m, "", "   ")
	return out
}

// envoyPlatforms are the platforms of the seeded Envoy images, as AWS publishes them.
var envoyPlatforms = []platform{{Architecture: "amd64", OS: "linux"}, {Architecture: "arm64", OS: "linux", Variant: "v8"}}

// buildEnvoyImage builds the stand-in for the App Mesh Envoy image DefaultTag (or, with
// fips, its "-fips" variant): a Docker manifest list of a linux/amd64 and a linux/arm64
// image, each with three small gzip tar layers (a base with os-release and passwd,
// Envoy, the App Mesh agent). The files are placeholders, not the real binaries; every
// byte is deterministic, so the digests are the same on every run and machine.
func buildEnvoyImage(fips bool) builtImage {
	tag := DefaultTag
	if fips {
		tag += "-fips"
	}
	img := builtImage{mediaType: MediaTypeManifestList, blobs: map[string][]byte{}}
	for _, p := range envoyPlatforms {
		arch := p.Architecture
		base := []layerFile{
			{"etc/os-release", 0o644, []byte("NAME=\"Amazon Linux\"\nVERSION=\"2\"\nID=\"amzn\"\nPRETTY_NAME=\"appmeshenvoytest stand-in base (" + arch + ")\"\n")},
			{"etc/passwd", 0o644, []byte("root:x:0:0:root:/root:/sbin/nologin\nenvoy:x:1337:1337::/home/envoy:/sbin/nologin\n")},
			{"usr/share/appmeshenvoytest/base.bin", 0o644, filler("base/"+arch, 3072)},
		}
		envoy := []layerFile{
			{"usr/bin/envoy", 0o755, append([]byte("#!appmeshenvoytest: a stand-in for Envoy "+tag+" (linux/"+arch+"); not the real binary\n"), filler("envoy/"+tag+"/"+arch, 4096)...)},
		}
		agent := []layerFile{
			{"usr/bin/agent", 0o755, append([]byte("#!appmeshenvoytest: a stand-in for the App Mesh agent "+tag+" (linux/"+arch+")\n"), filler("agent/"+tag+"/"+arch, 2048)...)},
		}
		runtime := imageRuntime{
			User: "1337",
			Env: []string{
				"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
				"ENVOY_ADMIN_ACCESS_LOG_FILE=/tmp/envoy_admin_access.log",
				"ENVOY_LOG_LEVEL=info",
			},
			Entrypoint: []string{"/usr/bin/agent"},
			Labels:     map[string]string{"org.opencontainers.image.version": tag, "appmeshenvoytest": "a stand-in, not the App Mesh Envoy image"},
		}
		if fips {
			runtime.Env = append(runtime.Env, "APPMESH_FIPS_BUILD=1")
		}
		img.children = append(img.children, buildPlatformImage(p, runtime, seedTime, [][]layerFile{base, envoy, agent}, img.blobs))
	}
	img.manifest = buildIndex(img.children, envoyPlatforms)
	img.digest = digestOf(img.manifest)
	return img
}

// buildRandomImage builds a single-platform (linux/amd64) Docker schema 2 image with one
// layer per size, each a gzip tar of one file of that many pseudo-random bytes drawn
// from seed.
func buildRandomImage(seed string, created time.Time, layerSizes []int) builtImage {
	img := builtImage{mediaType: mediaTypeDockerManifest, blobs: map[string][]byte{}}
	var layers [][]layerFile
	for i, n := range layerSizes {
		layers = append(layers, []layerFile{{"data/layer" + strconv.Itoa(i), 0o644, filler(seed+"/"+strconv.Itoa(i), max(n, 0))}})
	}
	if len(layers) == 0 {
		layers = append(layers, []layerFile{{"data/empty", 0o644, nil}})
	}
	img.manifest = buildPlatformImage(platform{Architecture: "amd64", OS: "linux"}, imageRuntime{Labels: map[string]string{"appmeshenvoytest.seed": seed}},
		created, layers, img.blobs)
	img.digest = digestOf(img.manifest)
	return img
}
