package mirror_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/appmeshenvoytest"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/mirror"
	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

// own returns a repository of the test account's registry in regionCode.
func own(regionCode, name string) string {
	return appmeshenvoytest.AccountID + ".dkr.ecr." + regionCode + "." + region.MustLookup(regionCode).Partition.DNSSuffix + "/" + name
}

// newServer starts a local endpoint for one test.
func newServer(t *testing.T, opts ...appmeshenvoytest.Option) *appmeshenvoytest.Server {
	t.Helper()
	srv := appmeshenvoytest.NewServer(opts...)
	t.Cleanup(srv.Close)
	return srv
}

// newMirror returns a Copier of the local endpoint: its ECR API, its registries, no
// docker config.
func newMirror(t *testing.T, srv *appmeshenvoytest.Server, optFns ...func(*mirror.Options)) *mirror.Copier {
	t.Helper()
	m := mirror.New(srv.Config("us-west-2"), append([]func(*mirror.Options){func(o *mirror.Options) {
		o.AWSRegistryEndpoint = srv.URL
		o.Keychain = authn.NewMultiKeychain()
	}}, optFns...)...)
	t.Cleanup(m.CloseIdleConnections)
	return m
}

// copyOK runs req and fails the test on an error or a failed result.
func copyOK(t *testing.T, m *mirror.Copier, req mirror.Request) []mirror.Result {
	t.Helper()
	res, err := m.Copy(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Err != nil {
			t.Fatalf("%s %s: %v", r.Destination, r.Tag, r.Err)
		}
	}
	return res
}

// TestCopy copies the seeded multi-architecture image into three repositories (two in
// one registry, one in another region), then again: the copy is exact (the digest of
// every destination is the source's), the second repository of a registry mounts the
// blobs instead of uploading them, and the second run writes nothing and makes one
// registry request per destination.
func TestCopy(t *testing.T) {
	srv := newServer(t)
	m := newMirror(t, srv)
	dests := []string{own("us-east-1", "mirror/envoy"), own("us-east-1", "team/envoy"), own("eu-west-1", "mirror/envoy")}
	req := mirror.Request{Regions: []string{"us-west-2"}, Destinations: dests, Create: &mirror.RepositorySettings{}, Verify: true}
	_, _, want := srv.Manifest()

	res := copyOK(t, m, req)
	if len(res) != 3 {
		t.Fatalf("%d results, want 3", len(res))
	}
	for i, r := range res {
		if r.Status != mirror.StatusCopied || !r.RepositoryCreated || !r.Verified || r.Manifests != 3 {
			t.Errorf("%s: %+v", r.Destination, r)
		}
		if r.Image.String() != dests[i]+":"+appmeshenvoytest.DefaultTag+"@"+want || r.Source.Digest != want {
			t.Errorf("image %s, source %s; want %s@%s", r.Image, r.Source, dests[i], want)
		}
		if got, _ := srv.ImageDigest(dests[i], appmeshenvoytest.DefaultTag); got != want {
			t.Errorf("%s holds %s, want the source digest %s", dests[i], got, want)
		}
	}
	if res[0].BlobsCopied != 8 || res[1].BlobsMounted != 8 || res[1].BlobsCopied != 0 || res[2].BlobsCopied != 8 {
		t.Errorf("blobs copied/mounted: %d/%d, %d/%d, %d/%d; want 8/0, 0/8, 8/0",
			res[0].BlobsCopied, res[0].BlobsMounted, res[1].BlobsCopied, res[1].BlobsMounted, res[2].BlobsCopied, res[2].BlobsMounted)
	}
	if r := srv.Refusals(); len(r) > 0 {
		t.Errorf("the server refused: %q", r)
	}

	srv.ResetCounts()
	req.Create, req.Verify = nil, false
	for _, r := range copyOK(t, m, req) {
		if r.Status != mirror.StatusUpToDate || r.BlobsCopied+r.BlobsMounted+r.Manifests != 0 {
			t.Errorf("second run %s: %+v", r.Destination, r)
		}
	}
	if n := srv.Requests("ecr:*", "us-east-1"); n != 2 {
		t.Errorf("second run: %d registry requests for the two us-east-1 destinations, want 2 (one each)", n)
	}
	if n := srv.Requests("ecr:*", "eu-west-1"); n != 1 {
		t.Errorf("second run: %d registry requests for the eu-west-1 destination, want 1", n)
	}
	for _, op := range []string{"ecr:PutImage", "ecr:InitiateLayerUpload", "ecr:BatchCheckLayerAvailability"} {
		if n := srv.Requests(op, "*"); n != 0 {
			t.Errorf("second run: %d %s requests, want 0", n, op)
		}
	}
}

// TestDryRun reports the plan and writes nothing: no repository, no blob, no tag.
func TestDryRun(t *testing.T) {
	srv := newServer(t)
	m := newMirror(t, srv)
	dest := own("us-east-1", "mirror/envoy")
	res := copyOK(t, m, mirror.Request{Regions: []string{"us-west-2"}, Destinations: []string{dest},
		Create: &mirror.RepositorySettings{}, DryRun: true})
	r := res[0]
	if r.Status != mirror.StatusPlanned || !r.RepositoryCreated || r.BlobsCopied != 8 || r.BytesCopied == 0 || r.Manifests != 3 {
		t.Errorf("plan %+v", r)
	}
	if _, err := srv.Tags(dest); !errors.Is(err, appmeshenvoytest.ErrRepositoryNotFound) {
		t.Errorf("the dry run created the repository (Tags: %v)", err)
	}
	if n := srv.Requests("ecr:CreateRepository", "*") + srv.Requests("ecr:PutImage", "*") + srv.Requests("ecr:InitiateLayerUpload", "*"); n != 0 {
		t.Errorf("the dry run made %d write requests", n)
	}
}

// TestExistingTag: a destination tag at another digest is an error naming both digests;
// Force moves it in a mutable repository, and an immutable one refuses.
func TestExistingTag(t *testing.T) {
	srv := newServer(t)
	m := newMirror(t, srv)
	mutable, immutable := own("us-east-1", "mutable/envoy"), own("us-east-1", "immutable/envoy")
	if err := srv.CreateRepository(mutable, appmeshenvoytest.RepositoryOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := srv.CreateRepository(immutable, appmeshenvoytest.RepositoryOptions{ImmutableTags: true}); err != nil {
		t.Fatal(err)
	}
	var other string
	for _, repo := range []string{mutable, immutable} {
		d, err := srv.PushImage(repo, appmeshenvoytest.DefaultTag, 100)
		if err != nil {
			t.Fatal(err)
		}
		other = d
	}
	_, _, want := srv.Manifest()
	req := mirror.Request{Regions: []string{"us-west-2"}, Destinations: []string{mutable, immutable}}

	res, err := m.Copy(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Status != mirror.StatusFailed || !errors.Is(r.Err, mirror.ErrTagExists) || appmeshenvoy.CodeOf(r.Err) != appmeshenvoy.CodeDigestMismatch {
			t.Fatalf("%s: %+v", r.Destination, r)
		}
		if !strings.Contains(r.Err.Error(), want) || !strings.Contains(r.Err.Error(), "sha256:") || !strings.Contains(r.Err.Error(), "--force") {
			t.Errorf("the error does not name both digests and the way out: %v", r.Err)
		}
	}
	if got, _ := srv.ImageDigest(immutable, appmeshenvoytest.DefaultTag); got != other {
		t.Errorf("the refused copy changed the tag to %s", got)
	}

	req.Force = true
	res, err = m.Copy(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if r := res[0]; r.Status != mirror.StatusMoved || r.Err != nil {
		t.Errorf("mutable with Force: %+v", r)
	}
	if got, _ := srv.ImageDigest(mutable, appmeshenvoytest.DefaultTag); got != want {
		t.Errorf("the mutable tag points at %s, want %s", got, want)
	}
	if r := res[1]; r.Status != mirror.StatusFailed || appmeshenvoy.CodeOf(r.Err) != appmeshenvoy.CodeTagImmutable {
		t.Errorf("immutable with Force: %+v (code %s)", r, appmeshenvoy.CodeOf(r.Err))
	}
}

// TestFailingDestination: a destination the caller may not write (another account's
// registry) fails with its code; the other destination is copied all the same.
func TestFailingDestination(t *testing.T) {
	srv := newServer(t)
	m := newMirror(t, srv)
	foreign := "444455556666.dkr.ecr.us-east-1.amazonaws.com/mirror/envoy"
	if err := srv.CreateRepository(foreign, appmeshenvoytest.RepositoryOptions{}); err != nil {
		t.Fatal(err)
	}
	ok := own("us-east-1", "mirror/envoy")
	res, err := m.Copy(context.Background(), mirror.Request{Regions: []string{"us-west-2"},
		Destinations: []string{foreign, ok}, Create: &mirror.RepositorySettings{}})
	if err != nil {
		t.Fatal(err)
	}
	if r := res[0]; r.Status != mirror.StatusFailed || appmeshenvoy.CodeOf(r.Err) != appmeshenvoy.CodeAccessDenied {
		t.Errorf("foreign account: %+v (code %s)", r, appmeshenvoy.CodeOf(r.Err))
	}
	if r := res[1]; r.Status != mirror.StatusCopied {
		t.Errorf("own account: %+v", r)
	}
}

// TestResume cancels a copy after its first blob, then runs it again: the second run
// finishes, skips the blobs the first one wrote, and the result verifies.
func TestResume(t *testing.T) {
	srv := newServer(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var once sync.Once
	m := newMirror(t, srv, func(o *mirror.Options) {
		o.Concurrency = 1
		o.Progress = func(p mirror.Progress) {
			if p.BlobsDone > 0 {
				once.Do(cancel)
			}
		}
	})
	dest := own("us-east-1", "mirror/envoy")
	req := mirror.Request{Regions: []string{"us-west-2"}, Destinations: []string{dest}, Create: &mirror.RepositorySettings{}}
	res, err := m.Copy(ctx, req)
	if !errors.Is(err, context.Canceled) || len(res) != 1 || res[0].Status != mirror.StatusFailed {
		t.Fatalf("cancelled run: %v, %+v", err, res)
	}
	if _, ok := srv.ImageDigest(dest, appmeshenvoytest.DefaultTag); ok {
		t.Fatal("the cancelled run wrote the tag")
	}
	req.Verify = true
	r := copyOK(t, m, req)[0]
	if r.Status != mirror.StatusCopied || r.BlobsSkipped == 0 || r.BlobsSkipped+r.BlobsCopied != 8 || !r.Verified {
		t.Errorf("resumed run: %+v", r)
	}
}

// TestGallerySource copies from the public gallery, which throttles (429 with
// Retry-After) the first manifest request: the copy waits and goes on.
func TestGallerySource(t *testing.T) {
	srv := newServer(t)
	srv.FailNext("ecr-public:BatchGetImage", "us-east-1", 1, appmeshenvoytest.Throttling("ecr-public:BatchGetImage"))
	m := newMirror(t, srv)
	dest := own("us-east-1", "mirror/envoy")
	r := copyOK(t, m, mirror.Request{FromGallery: true, Tags: []string{appmeshenvoytest.DefaultTag}, Destinations: []string{dest},
		Create: &mirror.RepositorySettings{}})[0]
	if _, _, want := srv.Manifest(); r.Status != mirror.StatusCopied || r.Image.Digest != want || r.Source.Registry != "public.ecr.aws" {
		t.Errorf("%+v", r)
	}
}

// TestRegionsAndFIPS copies two regions into their own regions' repositories through
// one {region} destination, with the FIPS variant where a region publishes one.
func TestRegionsAndFIPS(t *testing.T) {
	srv := newServer(t)
	m := newMirror(t, srv)
	res := copyOK(t, m, mirror.Request{Regions: []string{"us-west-2", "eu-west-1"}, FIPS: true,
		Destinations: []string{appmeshenvoytest.AccountID + ".dkr.ecr.{region}.amazonaws.com/mirror/envoy"}, Create: &mirror.RepositorySettings{}})
	var got []string
	for _, r := range res {
		got = append(got, r.Region+" "+r.Destination+":"+r.Tag)
	}
	want := []string{
		"us-west-2 " + own("us-west-2", "mirror/envoy") + ":" + appmeshenvoytest.DefaultTag,
		"us-west-2 " + own("us-west-2", "mirror/envoy") + ":" + appmeshenvoytest.DefaultTag + "-fips",
		"eu-west-1 " + own("eu-west-1", "mirror/envoy") + ":" + appmeshenvoytest.DefaultTag,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("results:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
