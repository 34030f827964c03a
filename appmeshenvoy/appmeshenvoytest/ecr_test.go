package appmeshenvoytest_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/google/go-cmp/cmp"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/appmeshenvoytest"
	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

// TestECRDescribeImages pages through the seeded Envoy repository of a FIPS-image region
// with the SDK's paginator and checks that DescribeImages, BatchGetImage and the
// registry API agree about every image.
func TestECRDescribeImages(t *testing.T) {
	srv := newServer(t)
	ctx := context.Background()
	r := region.MustLookup("us-east-1")
	client := ecr.NewFromConfig(srv.Config(r.Code))
	c := newRegClient(t, srv, basicAuth(ecrPassword(t, srv, r.Code)))

	var details []ecrtypes.ImageDetail
	pages := 0
	p := ecr.NewDescribeImagesPaginator(client, &ecr.DescribeImagesInput{RegistryId: aws.String(r.Account),
		RepositoryName: aws.String(region.RepositoryName), MaxResults: aws.Int32(2)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		details = append(details, out.ImageDetails...)
	}
	// Two indexes (DefaultTag and DefaultTag-fips), each with two platform manifests.
	if len(details) != 6 || pages != 3 {
		t.Fatalf("%d images in %d pages, want 6 in 3", len(details), pages)
	}
	var tagged []string
	for _, d := range details {
		digest := aws.ToString(d.ImageDigest)
		body, mt := c.manifestOf(r.RepositoryURI(), digest)
		if sha(body) != digest || mt != aws.ToString(d.ImageManifestMediaType) || aws.ToString(d.RegistryId) != r.Account ||
			aws.ToString(d.RepositoryName) != region.RepositoryName || d.ImagePushedAt == nil || aws.ToInt64(d.ImageSizeInBytes) <= 0 {
			t.Errorf("image %s: %+v (registry: %s)", digest, d, mt)
		}
		if len(d.ImageTags) > 0 {
			tagged = append(tagged, d.ImageTags...)
			if mt != appmeshenvoytest.MediaTypeManifestList {
				t.Errorf("tagged image %s is a %s", digest, mt)
			}
			out, err := client.BatchGetImage(ctx, &ecr.BatchGetImageInput{RegistryId: aws.String(r.Account), RepositoryName: aws.String(region.RepositoryName),
				ImageIds: []ecrtypes.ImageIdentifier{{ImageTag: aws.String(d.ImageTags[0])}}})
			if err != nil || len(out.Images) != 1 || aws.ToString(out.Images[0].ImageManifest) != string(body) {
				t.Errorf("BatchGetImage %s: %v", d.ImageTags[0], err)
			}
		} else if aws.ToString(d.ArtifactMediaType) != "application/vnd.docker.container.image.v1+json" {
			t.Errorf("platform image %s: artifactMediaType %q", digest, aws.ToString(d.ArtifactMediaType))
		}
	}
	slices.Sort(tagged)
	if diff := cmp.Diff([]string{appmeshenvoytest.DefaultTag, appmeshenvoytest.DefaultTag + "-fips"}, tagged); diff != "" {
		t.Errorf("tags (-want +got):\n%s", diff)
	}

	describe := func(in *ecr.DescribeImagesInput) (*ecr.DescribeImagesOutput, error) {
		in.RegistryId, in.RepositoryName = aws.String(r.Account), aws.String(region.RepositoryName)
		return client.DescribeImages(ctx, in)
	}
	for status, want := range map[ecrtypes.TagStatus]int{ecrtypes.TagStatusTagged: 2, ecrtypes.TagStatusUntagged: 4, ecrtypes.TagStatusAny: 6} {
		out, err := describe(&ecr.DescribeImagesInput{Filter: &ecrtypes.DescribeImagesFilter{TagStatus: status}})
		if err != nil || len(out.ImageDetails) != want {
			t.Errorf("tagStatus %s: %v, %d images, want %d", status, err, len(out.ImageDetails), want)
		}
	}
	out, err := describe(&ecr.DescribeImagesInput{ImageIds: []ecrtypes.ImageIdentifier{{ImageTag: aws.String(appmeshenvoytest.DefaultTag)}}})
	_, _, digest := srv.Manifest()
	if err != nil || len(out.ImageDetails) != 1 || aws.ToString(out.ImageDetails[0].ImageDigest) != digest {
		t.Errorf("by tag: %v %+v", err, out)
	}
	_, err = describe(&ecr.DescribeImagesInput{ImageIds: []ecrtypes.ImageIdentifier{{ImageTag: aws.String("v0.0.0.0-prod")}}})
	var nf *ecrtypes.ImageNotFoundException
	if !errors.As(err, &nf) || !strings.Contains(err.Error(), "imageTag:'v0.0.0.0-prod'") {
		t.Errorf("missing tag: %v", err)
	}
	_, err = describe(&ecr.DescribeImagesInput{ImageIds: []ecrtypes.ImageIdentifier{{ImageTag: aws.String(appmeshenvoytest.DefaultTag)}}, MaxResults: aws.Int32(1)})
	var ip *ecrtypes.InvalidParameterException
	if !errors.As(err, &ip) {
		t.Errorf("imageIds with maxResults: %v", err)
	}
	if _, err := describe(&ecr.DescribeImagesInput{NextToken: aws.String("not a token!")}); !errors.As(err, &ip) {
		t.Errorf("bad nextToken: %v", err)
	}
	if _, err := client.DescribeImages(ctx, &ecr.DescribeImagesInput{RepositoryName: aws.String(region.RepositoryName)}); !errors.As(err, new(*ecrtypes.RepositoryNotFoundException)) {
		t.Errorf("the caller's own registry has no Envoy repository: %v", err)
	}
}

// TestECRListImages: one entry per tag and per untagged image, paginated, filtered.
func TestECRListImages(t *testing.T) {
	srv := newServer(t)
	ctx := context.Background()
	r := region.MustLookup("eu-west-1")
	srv.AddTag("latest")
	client := ecr.NewFromConfig(srv.Config(r.Code))
	var ids []ecrtypes.ImageIdentifier
	p := ecr.NewListImagesPaginator(client, &ecr.ListImagesInput{RegistryId: aws.String(r.Account), RepositoryName: aws.String(region.RepositoryName), MaxResults: aws.Int32(1)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(out.ImageIds) > 1 {
			t.Fatalf("page of %d", len(out.ImageIds))
		}
		ids = append(ids, out.ImageIds...)
	}
	_, _, digest := srv.Manifest()
	var tags []string
	untagged := 0
	for _, id := range ids {
		if id.ImageTag == nil {
			untagged++
			continue
		}
		tags = append(tags, aws.ToString(id.ImageTag))
		if aws.ToString(id.ImageDigest) != digest {
			t.Errorf("tag %s at %s", aws.ToString(id.ImageTag), aws.ToString(id.ImageDigest))
		}
	}
	if !slices.Equal(tags, []string{"latest", appmeshenvoytest.DefaultTag}) || untagged != 2 {
		t.Errorf("tags %v, %d untagged", tags, untagged)
	}
	out, err := client.ListImages(ctx, &ecr.ListImagesInput{RegistryId: aws.String(r.Account), RepositoryName: aws.String(region.RepositoryName),
		Filter: &ecrtypes.ListImagesFilter{TagStatus: ecrtypes.TagStatusTagged}})
	if err != nil || len(out.ImageIds) != 2 || out.NextToken != nil {
		t.Errorf("TAGGED: %v %+v", err, out)
	}
}

// TestECRRepositories: CreateRepository's settings, RepositoryAlreadyExistsException,
// name validation, DescribeRepositories by name and paginated.
func TestECRRepositories(t *testing.T) {
	srv := newServer(t)
	ctx := context.Background()
	client := ecr.NewFromConfig(srv.Config("ap-southeast-2"))
	out, err := client.CreateRepository(ctx, &ecr.CreateRepositoryInput{
		RepositoryName:             aws.String("mirror/envoy"),
		ImageTagMutability:         ecrtypes.ImageTagMutabilityImmutable,
		EncryptionConfiguration:    &ecrtypes.EncryptionConfiguration{EncryptionType: ecrtypes.EncryptionTypeKms, KmsKey: aws.String("arn:aws:kms:ap-southeast-2:123456789012:key/k1")},
		Tags:                       []ecrtypes.Tag{{Key: aws.String("team"), Value: aws.String("mesh")}},
		ImageScanningConfiguration: &ecrtypes.ImageScanningConfiguration{ScanOnPush: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	repo := out.Repository
	if aws.ToString(repo.RepositoryArn) != "arn:aws:ecr:ap-southeast-2:123456789012:repository/mirror/envoy" ||
		aws.ToString(repo.RepositoryUri) != "123456789012.dkr.ecr.ap-southeast-2.amazonaws.com/mirror/envoy" ||
		aws.ToString(repo.RegistryId) != appmeshenvoytest.AccountID || repo.ImageTagMutability != ecrtypes.ImageTagMutabilityImmutable ||
		repo.EncryptionConfiguration.EncryptionType != ecrtypes.EncryptionTypeKms || aws.ToString(repo.EncryptionConfiguration.KmsKey) != "arn:aws:kms:ap-southeast-2:123456789012:key/k1" ||
		!repo.ImageScanningConfiguration.ScanOnPush || repo.CreatedAt == nil {
		t.Errorf("repository %+v", repo)
	}
	_, err = client.CreateRepository(ctx, &ecr.CreateRepositoryInput{RepositoryName: aws.String("mirror/envoy")})
	var exists *ecrtypes.RepositoryAlreadyExistsException
	if !errors.As(err, &exists) || !strings.Contains(err.Error(), "The repository with name 'mirror/envoy' already exists in the registry with id '123456789012'") {
		t.Errorf("again: %v", err)
	}
	for _, bad := range []string{"Mirror", "a", "mirror//envoy", "-x"} {
		if _, err := client.CreateRepository(ctx, &ecr.CreateRepositoryInput{RepositoryName: aws.String(bad)}); !errors.As(err, new(*ecrtypes.InvalidParameterException)) {
			t.Errorf("name %q: %v", bad, err)
		}
	}
	if _, err := client.CreateRepository(ctx, &ecr.CreateRepositoryInput{RepositoryName: aws.String("x/y"), RegistryId: aws.String("210987654321")}); apiCode(t, err) != "AccessDeniedException" {
		t.Errorf("another account's registry: %v", err)
	}
	for i := range 3 {
		if _, err := client.CreateRepository(ctx, &ecr.CreateRepositoryInput{RepositoryName: aws.String("more/r" + string(rune('a'+i)))}); err != nil {
			t.Fatal(err)
		}
	}

	d, err := client.DescribeRepositories(ctx, &ecr.DescribeRepositoriesInput{RepositoryNames: []string{"mirror/envoy"}})
	if err != nil || len(d.Repositories) != 1 || d.Repositories[0].ImageTagMutability != ecrtypes.ImageTagMutabilityImmutable {
		t.Errorf("DescribeRepositories: %v %+v", err, d)
	}
	_, err = client.DescribeRepositories(ctx, &ecr.DescribeRepositoriesInput{RepositoryNames: []string{"mirror/envoy", "nope"}})
	var rnf *ecrtypes.RepositoryNotFoundException
	if !errors.As(err, &rnf) || !strings.Contains(err.Error(), "The repository with name 'nope' does not exist in the registry with id '123456789012'") {
		t.Errorf("missing: %v", err)
	}
	var names []string
	p := ecr.NewDescribeRepositoriesPaginator(client, &ecr.DescribeRepositoriesInput{MaxResults: aws.Int32(2)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range out.Repositories {
			names = append(names, aws.ToString(r.RepositoryName))
		}
	}
	if want := []string{"mirror/envoy", "more/ra", "more/rb", "more/rc"}; !slices.Equal(names, want) {
		t.Errorf("repositories %v, want %v", names, want)
	}
	// The AWS-owned Envoy registry of the region.
	d, err = client.DescribeRepositories(ctx, &ecr.DescribeRepositoriesInput{RegistryId: aws.String(region.MustLookup("ap-southeast-2").Account)})
	if err != nil || len(d.Repositories) != 1 || aws.ToString(d.Repositories[0].RepositoryName) != region.RepositoryName {
		t.Errorf("Envoy registry: %v %+v", err, d)
	}
	// What CreateRepository made, the registry API sees: an empty repository.
	c := newRegClient(t, srv, basicAuth(ecrPassword(t, srv, "ap-southeast-2")))
	res := c.do(http.MethodGet, "/v2/"+ownRepository("ap-southeast-2", "more/ra")+"/tags/list", nil, nil)
	if res.status != http.StatusOK || !strings.Contains(string(res.body), `"tags":[]`) {
		t.Errorf("tags of a new repository: %d %s", res.status, res.body)
	}
}
