package appmeshenvoy_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
)

const rsManifest = `{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.list.v2+json","manifests":[]}`

func rsDigestOf(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "sha256:" + hex.EncodeToString(sum[:])
}

func rsManifestAnswer(manifest, digest string) func(context.Context, string, *ecr.BatchGetImageInput) (*ecr.BatchGetImageOutput, error) {
	return func(_ context.Context, _ string, in *ecr.BatchGetImageInput) (*ecr.BatchGetImageOutput, error) {
		return &ecr.BatchGetImageOutput{Images: []ecrtypes.Image{{
			ImageId:                &ecrtypes.ImageIdentifier{ImageDigest: aws.String(digest), ImageTag: in.ImageIds[0].ImageTag},
			ImageManifest:          aws.String(manifest),
			ImageManifestMediaType: aws.String("application/vnd.docker.distribution.manifest.list.v2+json"),
			RegistryId:             in.RegistryId,
			RepositoryName:         in.RepositoryName,
		}}}, nil
	}
}

func TestPin(t *testing.T) {
	e := &rsECR{fn: rsManifestAnswer(rsManifest, rsDigestOf(rsManifest))}
	r := newMockResolver(nil, e)
	img, _ := appmeshenvoy.ParseImage("840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.29.6.0-prod")
	got, err := r.Pin(context.Background(), img)
	if err != nil {
		t.Fatal(err)
	}
	want := img
	want.Digest = rsDigestOf(rsManifest)
	if got != want {
		t.Errorf("Pin = %s, want %s", got, want)
	}
	in := e.inputs()[len(e.inputs())-1]
	wantIn := &ecr.BatchGetImageInput{
		RegistryId:     aws.String("840364872350"),
		RepositoryName: aws.String("aws-appmesh-envoy"),
		ImageIds:       []ecrtypes.ImageIdentifier{{ImageTag: aws.String("v1.29.6.0-prod")}},
		AcceptedMediaTypes: []string{
			"application/vnd.docker.distribution.manifest.list.v2+json",
			"application/vnd.oci.image.index.v1+json",
			"application/vnd.docker.distribution.manifest.v2+json",
			"application/vnd.oci.image.manifest.v1+json",
		},
	}
	if diff := cmp.Diff(wantIn, in, cmp.AllowUnexported(ecr.BatchGetImageInput{}, ecrtypes.ImageIdentifier{})); diff != "" {
		t.Errorf("request (-want +got):\n%s", diff)
	}
	// Cached; an already-pinned image with the same digest passes.
	again, err := r.Pin(context.Background(), got)
	if err != nil || again != got || len(e.inputs()) != 1 {
		t.Errorf("second Pin = %s, %v after %d calls", again, err, len(e.inputs()))
	}
	// A pinned digest that the tag no longer points at is an error.
	moved := img
	moved.Digest = rsDigest
	if _, err := r.Pin(context.Background(), moved); !errors.Is(err, appmeshenvoy.ErrDigestMismatch) {
		t.Errorf("moved tag: %v", err)
	}
}

func TestPinErrors(t *testing.T) {
	good, _ := appmeshenvoy.ParseImage("840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.29.6.0-prod")
	tests := []struct {
		name    string
		img     appmeshenvoy.Image
		fn      func(context.Context, string, *ecr.BatchGetImageInput) (*ecr.BatchGetImageOutput, error)
		want    error
		wantSub string
	}{
		{"digest mismatch", good, rsManifestAnswer(rsManifest, rsDigest), appmeshenvoy.ErrDigestMismatch, "hashes to"},
		{"no digest reported", good, rsManifestAnswer(rsManifest, ""), appmeshenvoy.ErrDigestMismatch, "hashes to"},
		{"not found", good, func(context.Context, string, *ecr.BatchGetImageInput) (*ecr.BatchGetImageOutput, error) {
			return &ecr.BatchGetImageOutput{Failures: []ecrtypes.ImageFailure{{FailureCode: ecrtypes.ImageFailureCodeImageNotFound}}}, nil
		}, appmeshenvoy.ErrImageNotFound, "ImageNotFound"},
		{"repository not found", good, func(context.Context, string, *ecr.BatchGetImageInput) (*ecr.BatchGetImageOutput, error) {
			return nil, &ecrtypes.RepositoryNotFoundException{Message: aws.String("nope")}
		}, appmeshenvoy.ErrImageNotFound, "RepositoryNotFoundException"},
		{"access denied", good, func(context.Context, string, *ecr.BatchGetImageInput) (*ecr.BatchGetImageOutput, error) {
			return nil, &smithy.GenericAPIError{Code: "AccessDeniedException"}
		}, appmeshenvoy.ErrAccessDenied, "ecr:BatchGetImage on arn:aws:ecr:us-west-2:840364872350:repository/aws-appmesh-envoy"},
		{"throttled", good, func(context.Context, string, *ecr.BatchGetImageInput) (*ecr.BatchGetImageOutput, error) {
			return nil, &smithy.GenericAPIError{Code: "ThrottlingException"}
		}, appmeshenvoy.ErrThrottled, "ecr:BatchGetImage"},
		{"no registry", appmeshenvoy.Image{Repository: good.Repository, Tag: good.Tag}, nil, appmeshenvoy.ErrInvalidImage, "give a registry"},
		{"no tag", appmeshenvoy.Image{Registry: good.Registry, Repository: good.Repository, Digest: rsDigest}, nil, appmeshenvoy.ErrInvalidImage, "no tag"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := &rsECR{fn: tt.fn}
			got, err := newMockResolver(nil, e).Pin(context.Background(), tt.img)
			if !errors.Is(err, tt.want) || got != (appmeshenvoy.Image{}) {
				t.Fatalf("Pin = %v, %v; want %v", got, err, tt.want)
			}
			var re *appmeshenvoy.RegionError
			if !errors.As(err, &re) || re.Op != "pin" || !strings.HasPrefix(err.Error(), "pin") {
				t.Errorf("error %v is not a pin *RegionError", err)
			}
			if !strings.Contains(err.Error(), tt.wantSub) {
				t.Errorf("error %q lacks %q", err, tt.wantSub)
			}
			if re != nil && re.Region == "" && !strings.HasPrefix(err.Error(), "pin: ") {
				t.Errorf("error %q: an image without a region gives \"pin: ...\"", err)
			}
		})
	}
}

func TestPinMirrorInOwnAccount(t *testing.T) {
	var asked string
	e := &rsECR{fn: func(ctx context.Context, code string, in *ecr.BatchGetImageInput) (*ecr.BatchGetImageOutput, error) {
		asked = code + " " + aws.ToString(in.RegistryId) + " " + aws.ToString(in.RepositoryName)
		return rsManifestAnswer(rsManifest, rsDigestOf(rsManifest))(ctx, code, in)
	}}
	img, _ := appmeshenvoy.ParseImage("123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/envoy:v1.29.6.0-prod")
	if _, err := newMockResolver(nil, e).Pin(context.Background(), img); err != nil {
		t.Fatal(err)
	}
	if asked != "eu-west-1 123456789012 team/envoy" {
		t.Errorf("asked %q", asked)
	}
}

// TestPinInvalidateDuringFetch: as TestInvalidateDuringFetch, for Pin.
func TestPinInvalidateDuringFetch(t *testing.T) {
	const newManifest = `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}`
	var n atomic.Int64
	entered, release := make(chan struct{}), make(chan struct{})
	e := &rsECR{fn: func(ctx context.Context, code string, in *ecr.BatchGetImageInput) (*ecr.BatchGetImageOutput, error) {
		if n.Add(1) == 1 {
			close(entered)
			<-release
			return rsManifestAnswer(rsManifest, rsDigestOf(rsManifest))(ctx, code, in)
		}
		return rsManifestAnswer(newManifest, rsDigestOf(newManifest))(ctx, code, in)
	}}
	r := newMockResolver(nil, e)
	img, _ := appmeshenvoy.ParseImage("840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.29.6.0-prod")
	first := make(chan error, 1)
	go func() {
		_, err := r.Pin(context.Background(), img)
		first <- err
	}()
	<-entered
	r.Invalidate("us-west-2")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	got, err := r.Pin(ctx, img)
	if err != nil || got.Digest != rsDigestOf(newManifest) {
		t.Errorf("Pin after Invalidate = %v, %v; want a new request's digest", got, err)
	}
	close(release)
	if err := <-first; err != nil {
		t.Error(err)
	}
	got, err = r.Pin(context.Background(), img)
	if err != nil || got.Digest != rsDigestOf(newManifest) {
		t.Errorf("cached after both requests = %v, %v; want the digest read after Invalidate", got, err)
	}
	if got := n.Load(); got != 2 {
		t.Errorf("%d requests, want 2", got)
	}
}

// TestPinChecksTheAnswer: a digest that matches the bytes is not enough: the answer must
// be about the image asked for and be a manifest Pin accepts.
func TestPinChecksTheAnswer(t *testing.T) {
	schema1 := `{"schemaVersion":1,"name":"aws-appmesh-envoy","tag":"v1.29.6.0-prod","fsLayers":[]}`
	tests := []struct {
		name   string
		change func(*ecrtypes.Image)
		says   string
	}{
		{"other repository", func(i *ecrtypes.Image) { i.RepositoryName = aws.String("evil") }, "repository"},
		{"other registry", func(i *ecrtypes.Image) { i.RegistryId = aws.String("111122223333") }, "registry"},
		{"other tag", func(i *ecrtypes.Image) { i.ImageId.ImageTag = aws.String("v1.9.0.0-prod") }, "tagged"},
		{"schema 1", func(i *ecrtypes.Image) {
			i.ImageManifest, i.ImageManifestMediaType = aws.String(schema1), aws.String("application/vnd.docker.distribution.manifest.v1+prettyjws")
			i.ImageId.ImageDigest = aws.String(rsDigestOf(schema1))
		}, "schema 1"},
		{"schema 1 without media type", func(i *ecrtypes.Image) {
			i.ImageManifest, i.ImageManifestMediaType = aws.String(schema1), nil
			i.ImageId.ImageDigest = aws.String(rsDigestOf(schema1))
		}, "schema 1"},
		{"unknown media type", func(i *ecrtypes.Image) {
			i.ImageManifestMediaType = aws.String("application/vnd.oci.artifact.manifest.v1+json")
		}, "media type"},
		{"not JSON", func(i *ecrtypes.Image) {
			i.ImageManifest = aws.String("not json")
			i.ImageId.ImageDigest = aws.String(rsDigestOf("not json"))
		}, "not JSON"},
		{"over 4 MiB", func(i *ecrtypes.Image) {
			big := `{"schemaVersion":2,"x":"` + strings.Repeat("a", 4<<20) + `"}`
			i.ImageManifest = aws.String(big)
			i.ImageId.ImageDigest = aws.String(rsDigestOf(big))
		}, "4 MiB"},
	}
	img, _ := appmeshenvoy.ParseImage("840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.29.6.0-prod")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			good := rsManifestAnswer(rsManifest, rsDigestOf(rsManifest))
			e := &rsECR{fn: func(ctx context.Context, region string, in *ecr.BatchGetImageInput) (*ecr.BatchGetImageOutput, error) {
				out, _ := good(ctx, region, in)
				tt.change(&out.Images[0])
				return out, nil
			}}
			got, err := newMockResolver(nil, e).Pin(context.Background(), img)
			if !errors.Is(err, appmeshenvoy.ErrUntrustedImage) || !strings.Contains(err.Error(), tt.says) {
				t.Fatalf("Pin = %v, %v; want ErrUntrustedImage saying %q", got, err, tt.says)
			}
		})
	}
}
