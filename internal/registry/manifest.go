package registry

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/appmesh-envoy/appmesh-envoy-go/internal/quote"
)

// Bounds of what a manifest may hold.
const (
	// MaxManifestSize is the largest manifest read or written: 4 MiB, ECR's limit
	// (ECR User Guide, "Amazon ECR service quotas": image manifest size).
	MaxManifestSize = 4 << 20
	// MaxIndexChildren bounds the manifests one index references.
	MaxIndexChildren = 1024
	// MaxLayers bounds the layers of one image manifest.
	MaxLayers = 1024
)

// Manifest media types this package reads and writes (OCI image spec, "Media Types";
// Docker's image manifest v2 schema 2). Schema 1 manifests are refused: their digest is
// not that of their bytes once re-signed, and registries have dropped them.
const (
	MediaTypeDockerManifest = "application/vnd.docker.distribution.manifest.v2+json"
	MediaTypeDockerList     = "application/vnd.docker.distribution.manifest.list.v2+json"
	MediaTypeOCIManifest    = "application/vnd.oci.image.manifest.v1+json"
	MediaTypeOCIIndex       = "application/vnd.oci.image.index.v1+json"
)

// manifestAccept is the Accept header of manifest reads: every type above, indexes
// first, so that a registry answers with the multi-platform index where there is one.
var manifestAccept = strings.Join([]string{MediaTypeDockerList, MediaTypeOCIIndex, MediaTypeDockerManifest, MediaTypeOCIManifest}, ", ")

// IsIndex reports whether mt is an index (OCI image index or Docker manifest list).
func IsIndex(mt string) bool { return mt == MediaTypeOCIIndex || mt == MediaTypeDockerList }

// IsManifest reports whether mt is an image manifest (OCI or Docker schema 2).
func IsManifest(mt string) bool { return mt == MediaTypeOCIManifest || mt == MediaTypeDockerManifest }

// Manifest is a manifest or an index exactly as the registry holds it.
type Manifest struct {
	// MediaType is its media type (one of the four this package handles).
	MediaType string
	// Digest is the digest of Bytes.
	Digest string
	// Bytes are its bytes, which a copy writes unchanged.
	Bytes []byte
}

// Descriptor is a content descriptor: what a manifest says about a blob or a child
// manifest.
type Descriptor struct {
	MediaType string   `json:"mediaType"`
	Digest    string   `json:"digest"`
	Size      int64    `json:"size"`
	URLs      []string `json:"urls,omitempty"`
}

// Foreign reports a layer that registries do not hold (a foreign or non-distributable
// layer, or one with URLs): it is never fetched, and its URLs are never followed.
func (d Descriptor) Foreign() bool {
	return len(d.URLs) > 0 || strings.Contains(d.MediaType, ".foreign.") || strings.Contains(d.MediaType, ".nondistributable.")
}

// Contents is what a manifest references.
type Contents struct {
	// Index reports an index: Manifests holds its children.
	Index bool
	// Manifests are the children of an index, in order.
	Manifests []Descriptor
	// Blobs are the config and the layers of an image manifest, in order.
	Blobs []Descriptor
}

// Contents parses the manifest and checks what it references: valid digests,
// non-negative sizes, children of manifest or index types, at most [MaxIndexChildren]
// children or [MaxLayers] layers.
func (m Manifest) Contents() (Contents, error) {
	bad := func(why string) (Contents, error) {
		return Contents{}, &Error{Op: "read manifest", Ref: m.Digest, Message: why, Kind: ErrUnsupported,
			Hint: "this content cannot be copied exactly"}
	}
	var body struct {
		SchemaVersion int          `json:"schemaVersion"`
		Config        *Descriptor  `json:"config"`
		Layers        []Descriptor `json:"layers"`
		Manifests     []Descriptor `json:"manifests"`
	}
	if err := json.Unmarshal(m.Bytes, &body); err != nil {
		return bad("the manifest is not JSON")
	}
	if body.SchemaVersion != 2 {
		return bad("schemaVersion " + strconv.Itoa(body.SchemaVersion) + ", not 2")
	}
	var c Contents
	switch {
	case IsIndex(m.MediaType):
		if len(body.Manifests) > MaxIndexChildren {
			return bad("an index of more than " + strconv.Itoa(MaxIndexChildren) + " manifests")
		}
		c.Index, c.Manifests = true, body.Manifests
		for _, d := range c.Manifests {
			if !IsIndex(d.MediaType) && !IsManifest(d.MediaType) {
				return bad("an index entry of media type " + quote.Input(d.MediaType) + ", not a manifest or index")
			}
		}
	case IsManifest(m.MediaType):
		if body.Config == nil {
			return bad("an image manifest without config")
		}
		if len(body.Layers) > MaxLayers {
			return bad("an image of more than " + strconv.Itoa(MaxLayers) + " layers")
		}
		c.Blobs = append([]Descriptor{*body.Config}, body.Layers...)
	default:
		return bad("media type " + quote.Input(m.MediaType))
	}
	for _, d := range append(append([]Descriptor(nil), c.Manifests...), c.Blobs...) {
		if !ValidDigest(d.Digest) || d.Size < 0 {
			return bad("a descriptor with digest " + quote.Input(d.Digest) + " and size " + itoa(d.Size))
		}
		if IsIndex(d.MediaType) || IsManifest(d.MediaType) {
			if d.Size > MaxManifestSize {
				return bad("a child manifest of " + itoa(d.Size) + " bytes, over 4 MiB")
			}
		}
	}
	return c, nil
}

// mediaTypeOf returns the media type of a manifest answer: the Content-Type, or the
// body's mediaType field when the Content-Type is generic. A schema 1 manifest, a type
// this package does not handle, or a Content-Type that contradicts the body is an
// error.
func mediaTypeOf(contentType string, body []byte, ref string) (string, error) {
	bad := func(why string) (string, error) {
		return "", &Error{Op: "read manifest", Ref: ref, Message: why, Kind: ErrUnsupported,
			Hint: "only Docker schema 2 and OCI manifests and indexes are copied"}
	}
	var head struct {
		SchemaVersion int    `json:"schemaVersion"`
		MediaType     string `json:"mediaType"`
		Config        *json.RawMessage
	}
	_ = json.Unmarshal(body, &head)
	mt, _, _ := mime.ParseMediaType(contentType)
	if strings.HasPrefix(mt, "application/vnd.docker.distribution.manifest.v1") || head.SchemaVersion == 1 {
		return bad("a Docker schema 1 manifest (deprecated; its digest does not survive a copy)")
	}
	switch mt {
	case "", "application/json", "application/octet-stream", "text/plain":
		mt = head.MediaType
		if mt == "" && head.Config != nil {
			mt = MediaTypeOCIManifest // OCI manifests may omit mediaType
		}
	}
	if head.MediaType != "" && head.MediaType != mt {
		return bad("Content-Type " + quote.Input(mt) + " but the manifest says mediaType " + quote.Input(head.MediaType))
	}
	if !IsIndex(mt) && !IsManifest(mt) {
		return bad("media type " + quote.Input(mt) + " is not a manifest or index type this tool copies")
	}
	return mt, nil
}

// checkReference checks a tag or digest before it goes into a URL.
func checkReference(ref string) bool {
	if strings.Contains(ref, ":") {
		return ValidDigest(ref)
	}
	if ref == "" || len(ref) > 128 {
		return false
	}
	for i := 0; i < len(ref); i++ {
		c := ref[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || (i > 0 && (c == '.' || c == '-'))
		if !ok {
			return false
		}
	}
	return true
}

func badReference(op string, repo Repo, ref string) error {
	return &Error{Op: op, Ref: repo.String(), Message: "invalid tag or digest " + quote.Input(ref), Kind: ErrProtocol}
}

// refString returns "host/name:tag" or "host/name@digest".
func refString(repo Repo, ref string) string {
	if strings.Contains(ref, ":") {
		return repo.String() + "@" + ref
	}
	return repo.String() + ":" + ref
}

// GetManifest reads the manifest or index ref (a tag or a digest) names, exactly as the
// registry holds it, at most [MaxManifestSize] bytes. It checks that the bytes hash to
// the digest asked for, and to the digest the registry reports (Docker-Content-Digest),
// else the error matches [ErrDigestMismatch].
func (c *Client) GetManifest(ctx context.Context, repo Repo, ref string) (Manifest, error) {
	op, name := "read manifest", refString(repo, ref)
	if !checkReference(ref) {
		return Manifest{}, badReference(op, repo, ref)
	}
	resp, err := c.do(ctx, call{op: op, ref: name, method: http.MethodGet, repo: repo, path: "manifests/" + ref,
		header: http.Header{"Accept": {manifestAccept}}})
	if err != nil {
		return Manifest{}, err
	}
	if resp.StatusCode != http.StatusOK {
		return Manifest{}, statusError(op, name, resp)
	}
	defer resp.Body.Close()
	tooLarge := &Error{Op: op, Ref: name, Message: "the manifest is larger than 4 MiB, more than a registry accepts", Kind: ErrTooLarge,
		Hint: "the registry (or a proxy) is broken or hostile"}
	if resp.ContentLength > MaxManifestSize {
		return Manifest{}, tooLarge
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxManifestSize+1))
	if err != nil {
		return Manifest{}, c.transportError(op, name, ctx, nil, err).err
	}
	if len(body) > MaxManifestSize {
		return Manifest{}, tooLarge
	}
	mt, err := mediaTypeOf(resp.Header.Get("Content-Type"), body, name)
	if err != nil {
		return Manifest{}, err
	}
	like := ""
	if strings.Contains(ref, ":") {
		like = ref
	}
	reported := resp.Header.Get("Docker-Content-Digest")
	if like == "" && ValidDigest(reported) {
		like = reported
	}
	got := digestOf(body, like)
	mismatch := func(what string) error {
		return &Error{Op: op, Ref: name, Message: what + " but the manifest it sent hashes to " + got, Kind: ErrDigestMismatch,
			Hint: "do not trust this registry's answer (a proxy or the registry changed it)"}
	}
	switch {
	case strings.Contains(ref, ":") && got != ref:
		return Manifest{}, mismatch("asked for " + ref)
	case reported != "" && reported != got:
		return Manifest{}, mismatch("the registry reported digest " + quote.Input(reported))
	}
	return Manifest{MediaType: mt, Digest: got, Bytes: body}, nil
}

// HeadManifest reports whether ref (a tag or a digest) exists in repo and, if it does,
// its descriptor: digest, media type and size. A registry that does not report the
// digest on HEAD is asked with GET.
func (c *Client) HeadManifest(ctx context.Context, repo Repo, ref string) (Descriptor, bool, error) {
	op, name := "check manifest", refString(repo, ref)
	if !checkReference(ref) {
		return Descriptor{}, false, badReference(op, repo, ref)
	}
	resp, err := c.do(ctx, call{op: op, ref: name, method: http.MethodHead, repo: repo, path: "manifests/" + ref,
		header: http.Header{"Accept": {manifestAccept}}})
	if err != nil {
		return Descriptor{}, false, err
	}
	switch resp.StatusCode {
	case http.StatusOK:
		drain(resp)
	case http.StatusNotFound:
		drain(resp)
		return Descriptor{}, false, nil
	default:
		return Descriptor{}, false, statusError(op, name, resp)
	}
	d := resp.Header.Get("Docker-Content-Digest")
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if !ValidDigest(d) || !(IsIndex(mt) || IsManifest(mt)) {
		m, err := c.GetManifest(ctx, repo, ref)
		if err != nil {
			return Descriptor{}, false, err
		}
		return Descriptor{MediaType: m.MediaType, Digest: m.Digest, Size: int64(len(m.Bytes))}, true, nil
	}
	return Descriptor{MediaType: mt, Digest: d, Size: resp.ContentLength}, true, nil
}

// PutManifest writes m's bytes unchanged under ref: its digest (for the children of an
// index) or a tag. It checks that the registry stored it under m's digest.
func (c *Client) PutManifest(ctx context.Context, repo Repo, ref string, m Manifest) error {
	op, name := "write manifest", refString(repo, ref)
	if !checkReference(ref) {
		return badReference(op, repo, ref)
	}
	resp, err := c.do(ctx, call{op: op, ref: name, method: http.MethodPut, repo: repo, path: "manifests/" + ref, push: true,
		header: http.Header{"Content-Type": {m.MediaType}},
		body:   func() io.Reader { return bytes.NewReader(m.Bytes) }, size: int64(len(m.Bytes)), replay: true})
	if err != nil {
		return err
	}
	switch resp.StatusCode {
	case http.StatusCreated, http.StatusOK, http.StatusAccepted:
		drain(resp)
	default:
		return statusError(op, name, resp)
	}
	if d := resp.Header.Get("Docker-Content-Digest"); d != "" && d != m.Digest && d != digestOf(m.Bytes, d) {
		return &Error{Op: op, Ref: name, Message: "the registry stored it as " + quote.Input(d) + ", not " + m.Digest, Kind: ErrDigestMismatch,
			Hint: "the registry changed the manifest; this copy would not be exact"}
	}
	return nil
}
