package appmeshenvoytest_test

import (
	"errors"
	"net/http"
	"slices"
	"testing"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/appmeshenvoytest"
	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

// TestStoreHelpers covers the Go-level methods tests use to seed content.
func TestStoreHelpers(t *testing.T) {
	srv := newServer(t)
	repo := ownRepository("us-west-2", "helpers/envoy")
	if _, err := srv.PushImage(repo, "v1", 10); !errors.Is(err, appmeshenvoytest.ErrRepositoryNotFound) {
		t.Errorf("PushImage into a missing repository: %v", err)
	}
	if err := srv.CreateRepository(repo, appmeshenvoytest.RepositoryOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := srv.CreateRepository(repo, appmeshenvoytest.RepositoryOptions{}); !errors.Is(err, appmeshenvoytest.ErrRepositoryExists) {
		t.Errorf("CreateRepository again: %v", err)
	}
	for _, bad := range []string{"helpers/envoy", "docker.io/library/envoy", appmeshenvoytest.AccountID + ".dkr.ecr.us-west-2.amazonaws.com/Upper"} {
		if err := srv.CreateRepository(bad, appmeshenvoytest.RepositoryOptions{}); err == nil {
			t.Errorf("CreateRepository(%q) succeeded", bad)
		}
	}
	a, err := srv.PushImage(repo, "v1", 1000, 2000)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := srv.PushImage(repo, "v1", 1000, 2000)
	if a == b {
		t.Error("two PushImage calls made the same image")
	}
	if d, ok := srv.ImageDigest(repo, "v1"); !ok || d != b {
		t.Errorf("v1 = %s, want the second image %s", d, b)
	}
	if d, ok := srv.ImageDigest(repo, a); !ok || d != a {
		t.Errorf("by digest: %s %v", d, ok)
	}
	if tags, err := srv.Tags(repo); err != nil || !slices.Equal(tags, []string{"v1"}) {
		t.Errorf("Tags = %v, %v", tags, err)
	}
	c := newRegClient(t, srv, basicAuth(ecrPassword(t, srv, "us-west-2")))
	manifest, _ := c.manifestOf(repo, "v1")
	_, layers := layersOf(t, manifest)
	if len(layers) != 2 {
		t.Errorf("%d layers, want 2", len(layers))
	}
	for _, l := range layers {
		if res := c.do(http.MethodHead, "/v2/"+repo+"/blobs/"+l, nil, nil); res.status != http.StatusOK {
			t.Errorf("layer %s: %d", l, res.status)
		}
	}
}

// TestSetParameterPublishesTheTag: a parameter that names a new tag of a seeded
// repository makes the tag exist (AWS publishes before it points the parameter), at
// the DefaultTag image, or the FIPS one for a -fips tag.
func TestSetParameterPublishesTheTag(t *testing.T) {
	srv := newServer(t)
	r := region.MustLookup("us-west-2")
	srv.SetParameter(r.Code, r.RepositoryURI()+":v1.40.0.0-prod")
	srv.SetParameter(r.Code, r.RepositoryURI()+":v1.40.0.0-prod-fips")
	def, _ := srv.ImageDigest(r.RepositoryURI(), appmeshenvoytest.DefaultTag)
	fips, _ := srv.ImageDigest(r.RepositoryURI(), appmeshenvoytest.DefaultTag+"-fips")
	if d, _ := srv.ImageDigest(r.RepositoryURI(), "v1.40.0.0-prod"); d != def {
		t.Errorf("new tag at %s, want %s", d, def)
	}
	if d, _ := srv.ImageDigest(r.RepositoryURI(), "v1.40.0.0-prod-fips"); d != fips || fips == def {
		t.Errorf("new FIPS tag at %s, want %s", d, fips)
	}
	// A value that names no repository of the server changes nothing else.
	srv.SetParameter(r.Code, "111122223333.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v9")
	if _, ok := srv.ImageDigest("111122223333.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy", "v9"); ok {
		t.Error("a repository appeared")
	}
}

// TestSetManifestEverywhere: SetManifest replaces the image of every seeded tag, in the
// private registries and the gallery, and Manifest reports it.
func TestSetManifestEverywhere(t *testing.T) {
	srv := newServer(t)
	manifest := []byte(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}`)
	srv.SetManifest(manifest, "application/vnd.oci.image.index.v1+json")
	got, mt, digest := srv.Manifest()
	if string(got) != string(manifest) || mt != "application/vnd.oci.image.index.v1+json" || digest != sha(manifest) {
		t.Errorf("Manifest = %s %s %s", got, mt, digest)
	}
	for _, repo := range []string{region.MustLookup("us-west-2").RepositoryURI(), region.MustLookup("cn-north-1").RepositoryURI(), region.PublicRepository} {
		for _, tag := range []string{appmeshenvoytest.DefaultTag, appmeshenvoytest.DefaultTag + "-fips"} {
			if d, ok := srv.ImageDigest(repo, tag); ok != (tag == appmeshenvoytest.DefaultTag || repo != region.MustLookup("cn-north-1").RepositoryURI()) || (ok && d != digest) {
				t.Errorf("%s:%s = %s %v", repo, tag, d, ok)
			}
		}
	}
}
