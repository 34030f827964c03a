package mirror_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/appmeshenvoytest"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/mirror"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/registry"
	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

// builder writes OCI content into a repository of the local endpoint through the
// registry client.
type builder struct {
	t    *testing.T
	c    *registry.Client
	repo registry.Repo
}

func digestOf(b []byte) string {
	s := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(s[:])
}

func (b *builder) blob(data []byte) string {
	d := registry.Descriptor{Digest: digestOf(data), Size: int64(len(data))}
	if err := b.c.Upload(context.Background(), b.repo, d, bytes.NewReader(data)); err != nil {
		b.t.Fatal(err)
	}
	return fmt.Sprintf(`{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":%q,"size":%d}`, d.Digest, d.Size)
}

// manifest writes an OCI manifest (by digest, or under tag) and returns its descriptor.
func (b *builder) manifest(tag, mediaType, body string, extra string) string {
	m := registry.Manifest{MediaType: mediaType, Digest: digestOf([]byte(body)), Bytes: []byte(body)}
	ref := m.Digest
	if tag != "" {
		ref = tag
	}
	if err := b.c.PutManifest(context.Background(), b.repo, ref, m); err != nil {
		b.t.Fatal(err)
	}
	return fmt.Sprintf(`{"mediaType":%q,"digest":%q,"size":%d%s}`, mediaType, m.Digest, len(body), extra)
}

func (b *builder) image(name string, foreign bool) string {
	cfg := strings.Replace(b.blob([]byte(`{"architecture":"amd64","os":"linux","name":"`+name+`"}`)), "layer.v1.tar+gzip", "config.v1+json", 1)
	layers := []string{b.blob([]byte("layer of " + name))}
	if foreign {
		layers = append(layers, fmt.Sprintf(`{"mediaType":"application/vnd.oci.image.layer.nondistributable.v1.tar+gzip","digest":%q,"size":7,"urls":["https://example.com/foreign"]}`,
			digestOf([]byte("foreign"))))
	}
	return b.manifest("", registry.MediaTypeOCIManifest, `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":`+cfg+`,"layers":[`+strings.Join(layers, ",")+`]}`, "")
}

func (b *builder) index(tag string, children ...string) string {
	return b.manifest(tag, registry.MediaTypeOCIIndex, `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[`+strings.Join(children, ",")+`]}`, "")
}

// sourceFixture maps the us-west-2 Envoy registry to a repository of the test account,
// where a test writes the source content it needs, and returns the builder and a Copier
// that reads from it.
func sourceFixture(t *testing.T, srv *appmeshenvoytest.Server) (*builder, *mirror.Copier) {
	t.Helper()
	stage := registry.Repo{Host: appmeshenvoytest.AccountID + ".dkr.ecr.us-west-2.amazonaws.com", Name: region.RepositoryName}
	if err := srv.CreateRepository(stage.String(), appmeshenvoytest.RepositoryOptions{}); err != nil {
		t.Fatal(err)
	}
	tp := appmeshenvoy.NewTokenProvider(srv.Config("us-west-2"))
	tok, err := tp.Token(context.Background(), "us-west-2")
	if err != nil {
		t.Fatal(err)
	}
	c, err := registry.New(func(o *registry.Options) {
		o.AWSEndpoint = mustParse(t, srv.URL)
		o.IsAWSHost = func(string) bool { return true }
		o.BasicFirst = func(string) bool { return true }
		o.Keychain = tokenKeychain(tok.Password.Reveal())
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.CloseIdleConnections)
	m := newMirror(t, srv, func(o *mirror.Options) {
		o.RegistryEndpoints = map[string]string{region.MustLookup("us-west-2").RegistryHost(): srv.URL + "/" + stage.Host}
	})
	return &builder{t: t, c: c, repo: stage}, m
}

// TestNestedIndex copies an OCI index with an attestation entry, a nested index and a
// foreign layer: every manifest arrives byte for byte (the digest is the source's),
// the foreign layer is left out, and a deeper nesting is refused.
func TestNestedIndex(t *testing.T) {
	srv := newServer(t)
	b, m := sourceFixture(t, srv)
	img1 := b.image("one", false)
	img2 := b.image("two", true)
	att := b.manifest("", registry.MediaTypeOCIManifest, `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"application/vnd.in-toto+json","config":`+
		strings.Replace(b.blob([]byte("{}")), "layer.v1.tar+gzip", "empty.v1+json", 1)+`,"layers":[`+b.blob([]byte(`{"predicate":"provenance"}`))+`]}`,
		`,"platform":{"architecture":"unknown","os":"unknown"},"annotations":{"vnd.docker.reference.type":"attestation-manifest"}`)
	nested := b.index("", img2)
	b.index(appmeshenvoytest.DefaultTag, img1, att, nested)
	dest := own("us-east-1", "mirror/envoy")
	r := copyOK(t, m, mirror.Request{Regions: []string{"us-west-2"}, Tags: []string{appmeshenvoytest.DefaultTag}, Destinations: []string{dest},
		Create: &mirror.RepositorySettings{}, Verify: true})[0]
	want, _ := srv.ImageDigest(b.repo.String(), appmeshenvoytest.DefaultTag)
	if got, _ := srv.ImageDigest(dest, appmeshenvoytest.DefaultTag); got != want || r.Image.Digest != want {
		t.Errorf("destination digest %s (result %s), want %s", got, r.Image.Digest, want)
	}
	if r.Manifests != 5 || r.BlobsCopied != 6 || !r.Verified {
		t.Errorf("result %+v; want 5 manifests, 6 blobs (3 configs, 3 layers; the foreign layer left out)", r)
	}

	b.index("v1.39.1.1-prod", b.index("", b.index("", img1)))
	res, err := m.Copy(context.Background(), mirror.Request{Regions: []string{"us-west-2"}, Tags: []string{"v1.39.1.1-prod"}, Destinations: []string{dest}})
	if err != nil {
		t.Fatal(err)
	}
	if appmeshenvoy.CodeOf(res[0].Err) != appmeshenvoy.CodeUnsupportedManifest || !strings.Contains(res[0].Err.Error(), "nested deeper") {
		t.Errorf("indexes nested four deep: %v", res[0].Err)
	}
}

// tokenKeychain gives Basic credentials "AWS:<password>" for every host.
type tokenKeychain string

func (k tokenKeychain) Resolve(authn.Resource) (authn.Authenticator, error) {
	return authn.FromConfig(authn.AuthConfig{Username: "AWS", Password: string(k)}), nil
}

func mustParse(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
