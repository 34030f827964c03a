package appmeshenvoytest_test

import (
	"bytes"
	"context"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/google/go-containerregistry/pkg/v1/validate"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/appmeshenvoytest"
	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

// TestGoContainerRegistryPullAndPush uses go-containerregistry's remote package, a real
// registry client nobody here wrote, through the path address: it pulls and validates
// the seeded Envoy index with every platform manifest and blob (the blobs come through
// the storage redirect) with the token of the real SDK's GetAuthorizationToken, pushes
// a random image into a repository made with CreateRepository, and checks that
// DescribeImages, BatchGetImage and the registry agree about it. The operation log then
// holds the IAM actions of a pull and a push, on the right repositories.
func TestGoContainerRegistryPullAndPush(t *testing.T) {
	srv := newServer(t)
	ctx := context.Background()
	r := region.MustLookup("us-west-2")
	pw := ecrPassword(t, srv, r.Code)
	auth := remote.WithAuth(authn.FromConfig(authn.AuthConfig{Username: "AWS", Password: pw}))

	ref, err := name.ParseReference(hostPort(srv)+"/"+r.RepositoryURI()+":"+appmeshenvoytest.DefaultTag, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	idx, err := remote.Index(ref, auth, remote.WithContext(ctx))
	if err != nil {
		t.Fatalf("remote.Index: %v (refusals %q)", err, srv.Refusals())
	}
	mt, _ := idx.MediaType()
	digest, _ := idx.Digest()
	want, _ := srv.ImageDigest(r.RepositoryURI(), appmeshenvoytest.DefaultTag)
	if mt != types.DockerManifestList || digest.String() != want {
		t.Errorf("index %s %s, want %s %s", mt, digest, types.DockerManifestList, want)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	var platforms []string
	for _, m := range im.Manifests {
		platforms = append(platforms, m.Platform.String())
	}
	if !slices.Equal(platforms, []string{"linux/amd64", "linux/arm64/v8"}) {
		t.Errorf("platforms %v", platforms)
	}
	// validate.Index reads every child manifest, config and layer, and checks digests,
	// sizes and diff IDs.
	if err := validate.Index(idx); err != nil {
		t.Fatalf("validate.Index: %v (refusals %q)", err, srv.Refusals())
	}

	// Push a random image into a repository of the caller's account.
	const repoName = "mirror/envoy"
	createRepository(t, srv, r.Code, repoName, ecrtypes.ImageTagMutabilityMutable)
	dst, err := name.ParseReference(hostPort(srv)+"/"+ownRepository(r.Code, repoName)+":v1", name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	img, err := random.Image(3000, 2)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(dst, img, auth, remote.WithContext(ctx)); err != nil {
		t.Fatalf("remote.Write: %v (refusals %q)", err, srv.Refusals())
	}
	pushed, _ := img.Digest()
	raw, _ := img.RawManifest()
	layers, _ := img.Layers()
	var size int64
	for _, l := range layers {
		n, _ := l.Size()
		size += n
	}

	client := ecr.NewFromConfig(srv.Config(r.Code))
	d, err := client.DescribeImages(ctx, &ecr.DescribeImagesInput{RepositoryName: aws.String(repoName)})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.ImageDetails) != 1 {
		t.Fatalf("DescribeImages: %d images", len(d.ImageDetails))
	}
	det := d.ImageDetails[0]
	if aws.ToString(det.ImageDigest) != pushed.String() || !slices.Equal(det.ImageTags, []string{"v1"}) ||
		aws.ToInt64(det.ImageSizeInBytes) != size || aws.ToString(det.ImageManifestMediaType) != string(types.DockerManifestSchema2) ||
		aws.ToString(det.RegistryId) != appmeshenvoytest.AccountID || det.ImagePushedAt == nil {
		t.Errorf("DescribeImages = %+v; want digest %s, tag v1, size %d", det, pushed, size)
	}
	b, err := client.BatchGetImage(ctx, &ecr.BatchGetImageInput{RepositoryName: aws.String(repoName),
		ImageIds: []ecrtypes.ImageIdentifier{{ImageTag: aws.String("v1")}}})
	if err != nil || len(b.Images) != 1 || aws.ToString(b.Images[0].ImageManifest) != string(raw) {
		t.Errorf("BatchGetImage: %v %+v", err, b)
	}
	got, err := remote.Get(dst, auth)
	if err != nil || !bytes.Equal(got.Manifest, raw) || got.Digest != pushed {
		t.Errorf("remote.Get: %v", err)
	}
	if rf := srv.Refusals(); len(rf) != 0 {
		t.Errorf("refusals: %q", rf)
	}

	// The operation log: what a pull and a push need, on the right repositories, and
	// nothing else.
	envoyARN, mirrorARN := r.RepositoryARN(), "arn:aws:ecr:us-west-2:"+appmeshenvoytest.AccountID+":repository/"+repoName
	need := []appmeshenvoytest.Operation{
		{Action: "ecr:GetAuthorizationToken", Resource: "*"},
		{Action: "ecr:BatchGetImage", Resource: envoyARN},
		{Action: "ecr:GetDownloadUrlForLayer", Resource: envoyARN},
		{Action: "ecr:CreateRepository", Resource: mirrorARN},
		{Action: "ecr:BatchCheckLayerAvailability", Resource: mirrorARN},
		{Action: "ecr:InitiateLayerUpload", Resource: mirrorARN},
		{Action: "ecr:UploadLayerPart", Resource: mirrorARN},
		{Action: "ecr:CompleteLayerUpload", Resource: mirrorARN},
		{Action: "ecr:PutImage", Resource: mirrorARN},
	}
	allowed := append(need, appmeshenvoytest.Operation{Action: "ecr:DescribeImages", Resource: mirrorARN},
		appmeshenvoytest.Operation{Action: "ecr:BatchGetImage", Resource: mirrorARN})
	ops := srv.Operations()
	seen := map[appmeshenvoytest.Operation]bool{}
	for _, op := range ops {
		if op.Region != r.Code || op.Principal != "arn:aws:iam::"+appmeshenvoytest.AccountID+":user/"+appmeshenvoytest.UserName {
			t.Errorf("operation %+v: wrong region or principal", op)
		}
		op.Region, op.Principal = "", ""
		seen[op] = true
		if !slices.Contains(allowed, op) {
			t.Errorf("unexpected operation %+v", op)
		}
	}
	for _, op := range need {
		if !seen[op] {
			t.Errorf("operation %+v not recorded; got %+v", op, ops)
		}
	}
}

// TestGoContainerRegistryGallery pulls the gallery's Envoy index anonymously: a token
// from the token endpoint, sent by go-containerregistry as a registry token (it picks
// Basic from the /v2/ ping, so it does not run the Bearer flow by itself).
func TestGoContainerRegistryGallery(t *testing.T) {
	srv := newServer(t)
	tok := galleryToken(t, srv)
	ref, err := name.ParseReference(hostPort(srv)+"/"+region.PublicRepository+":"+appmeshenvoytest.DefaultTag, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	idx, err := remote.Index(ref, remote.WithAuth(authn.FromConfig(authn.AuthConfig{RegistryToken: tok})))
	if err != nil {
		t.Fatal(err)
	}
	if err := validate.Index(idx); err != nil {
		t.Fatalf("validate.Index: %v (refusals %q)", err, srv.Refusals())
	}
	digest, _ := idx.Digest()
	if private, _ := srv.ImageDigest(region.MustLookup("eu-west-1").RepositoryURI(), appmeshenvoytest.DefaultTag); digest.String() != private {
		t.Errorf("gallery digest %s, private %s", digest, private)
	}
	if srv.Requests("ecr-public:BatchGetImage", "us-east-1") == 0 || len(srv.Operations()) != 0 {
		t.Errorf("gallery pulls: %d requests counted, operations %+v", srv.Requests("ecr-public:*", "*"), srv.Operations())
	}
}
