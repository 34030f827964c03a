package appmeshenvoy

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"slices"
	"strings"

	"github.com/appmesh-envoy/appmesh-envoy-go/internal/awserr"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/errcode"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/flight"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/quote"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
)

// Manifest media types [Resolver.Pin] accepts, most specific (multi-arch) first. Asking
// for the lists and indexes explicitly makes ECR return the multi-arch manifest, so the
// digest is the one every architecture shares.
var pinMediaTypes = []string{
	"application/vnd.docker.distribution.manifest.list.v2+json",
	"application/vnd.oci.image.index.v1+json",
	"application/vnd.docker.distribution.manifest.v2+json",
	"application/vnd.oci.image.manifest.v1+json",
}

// checkPinAnswer checks that ECR's answer is about what was asked (registry, repository
// and tag, where the answer names them) and is a manifest Pin accepts: one of
// pinMediaTypes (never a schema 1 manifest, whose digest is not that of its bytes), at
// most maxManifest bytes.
func checkPinAnswer(got ecrtypes.Image, img Image, host Registry) error {
	wrong := func(what string) error {
		return errcode.Wrap(ErrUntrustedImage, "ECR answered with "+what+"; do not trust this answer (a proxy or endpoint may have changed it)", nil)
	}
	switch {
	case got.RegistryId != nil && *got.RegistryId != host.Account:
		return wrong("an image of registry " + quote.Input(*got.RegistryId) + ", not " + host.Account)
	case got.RepositoryName != nil && *got.RepositoryName != img.Repository:
		return wrong("an image of repository " + quote.Input(*got.RepositoryName) + ", not " + img.Repository)
	case got.ImageId != nil && got.ImageId.ImageTag != nil && *got.ImageId.ImageTag != img.Tag:
		return wrong("the image tagged " + quote.Input(*got.ImageId.ImageTag) + ", not " + img.Tag)
	case len(aws.ToString(got.ImageManifest)) > maxManifest:
		return wrong("a manifest larger than 4 MiB")
	}
	var m struct {
		SchemaVersion int    `json:"schemaVersion"`
		MediaType     string `json:"mediaType"`
	}
	if err := json.Unmarshal([]byte(aws.ToString(got.ImageManifest)), &m); err != nil {
		return wrong("a manifest that is not JSON")
	}
	mt := aws.ToString(got.ImageManifestMediaType)
	if mt == "" {
		mt = m.MediaType
	}
	if m.SchemaVersion == 1 || strings.HasPrefix(mt, "application/vnd.docker.distribution.manifest.v1") {
		return wrong("a schema 1 manifest (deprecated, and its digest is not that of its bytes)")
	}
	if !slices.Contains(pinMediaTypes, mt) {
		return wrong("a manifest of media type " + quote.Input(mt) + ", not a Docker manifest (list) or OCI manifest (index)")
	}
	return nil
}

// Pin returns img with Digest set to the digest of its manifest (the multi-arch manifest
// list or index where there is one), read with ecr:BatchGetImage from the image's own
// registry (the same permission a pull needs). It checks that the answer is about the
// image asked for (registry, repository, tag) and is a Docker manifest list, OCI index,
// Docker manifest or OCI manifest of at most 4 MiB (else ErrUntrustedImage); that the
// digest ECR reports is the sha256 of the manifest it returned; and, when img already has a
// digest, that the tag still points at it (else ErrDigestMismatch).
//
// img must be a tagged image. In an ECR private registry (a result of [Resolver.Latest],
// a mirror in your own account) the digest is read with ecr:BatchGetImage; in the public
// gallery or any other registry (the answer of a gallery or repository fallback), with
// the registry API (see ResolverOptions.GalleryTokens and RegistryKeychain), which
// checks that the manifest hashes to its digest. Results are cached like Latest's.
// Errors are [*RegionError] values matching ErrInvalidImage, ErrImageNotFound,
// ErrAccessDenied, ErrThrottled, ErrInvalidCredentials, ErrNoCredentials,
// ErrDigestMismatch, or ctx's error.
func (r *Resolver) Pin(ctx context.Context, img Image) (Image, error) {
	if err := r.usable(); err != nil {
		return Image{}, err
	}
	host, err := ParseRegistryHost(img.Registry)
	private := err == nil && !host.Public && !strings.Contains(img.Registry, ":")
	switch {
	case img.Tag == "":
		return Image{}, &RegionError{Region: host.Region, Op: "pin", Err: errcode.Wrap(ErrInvalidImage, "cannot pin "+quote.Input(img.String())+": the image has no tag", nil)}
	case !private && (img.Registry == "" || img.Repository == ""):
		return Image{}, &RegionError{Op: "pin", Err: errcode.Wrap(ErrInvalidImage, "cannot pin "+quote.Input(img.String())+": give a registry and a repository", nil)}
	}
	key := img
	key.Digest = ""
	pinned, ok := r.pins.Fresh(key)
	if !ok {
		pinned, err = r.pins.Do(ctx, key, func(ctx context.Context) (Image, flight.Lifetime, error) {
			if !private {
				// The gallery or another registry: the registry API, through the
				// resolver's registry client (GalleryTokens, RegistryKeychain).
				pinned, err := r.pinFromRegistry(ctx, key)
				if err != nil {
					return Image{}, flight.Lifetime{}, &RegionError{Region: host.Region, Op: "pin", Err: err}
				}
				return pinned, r.lifetime(), nil
			}
			return r.fetchDigest(ctx, key, host)
		})
		if err != nil {
			return Image{}, regionError(err, host.Region, "pin")
		}
	}
	if img.Digest != "" && img.Digest != pinned.Digest {
		return Image{}, &RegionError{Region: host.Region, Op: "pin", Err: errcode.Wrap(ErrDigestMismatch,
			"tag "+img.Tag+" now points at "+pinned.Digest+", not "+img.Digest+"; the tag was moved: check the release notes before deploying the new digest", nil)}
	}
	img.Digest = pinned.Digest
	return img, nil
}

func (r *Resolver) fetchDigest(ctx context.Context, img Image, host Registry) (Image, flight.Lifetime, error) {
	fail := func(err error) (Image, flight.Lifetime, error) {
		return Image{}, flight.Lifetime{}, &RegionError{Region: host.Region, Op: "pin", Err: err}
	}
	c, err := r.ecrClient(ctx, host.Region)
	if err != nil {
		return fail(err)
	}
	if c.creds != nil {
		if _, err := awserr.Credentials(ctx, c.creds); err != nil {
			return fail(err)
		}
	}
	repoARN := Repository{Registry: host, Name: img.Repository}.ARN()
	out, err := c.api.BatchGetImage(ctx, &ecr.BatchGetImageInput{
		RegistryId:         aws.String(host.Account),
		RepositoryName:     aws.String(img.Repository),
		ImageIds:           []ecrtypes.ImageIdentifier{{ImageTag: aws.String(img.Tag)}},
		AcceptedMediaTypes: pinMediaTypes,
	}, ecrRegion(host.Region))
	if err != nil {
		for _, code := range []string{"RepositoryNotFoundException", "ImageNotFoundException"} {
			if awserr.IsCode(err, code) {
				return fail(errcode.Wrap(ErrImageNotFound, "no image "+img.String()+" ("+code+"); check the repository and tag (AWS may have removed it after the end of support: use a mirror)", err))
			}
		}
		return fail(awserr.Classify(err, awserr.Call{Action: "ecr:BatchGetImage", Resource: repoARN,
			Attempts: r.opts.RetryMaxAttempts, Timeout: r.opts.Timeout}))
	}
	notFound := func(why string) (Image, flight.Lifetime, error) {
		return fail(errcode.Wrap(ErrImageNotFound, "no image "+img.String()+why+"; check the tag (the image may have been removed after the end of support: use a mirror)", nil))
	}
	if out == nil || len(out.Images) == 0 {
		why := ""
		if out != nil && len(out.Failures) > 0 {
			why = " (" + string(out.Failures[0].FailureCode) + ")"
		}
		return notFound(why)
	}
	got := out.Images[0]
	manifest := aws.ToString(got.ImageManifest)
	if err := checkPinAnswer(got, img, host); err != nil {
		return fail(err)
	}
	sum := sha256.Sum256([]byte(manifest))
	computed := "sha256:" + hex.EncodeToString(sum[:])
	reported := ""
	if got.ImageId != nil {
		reported = aws.ToString(got.ImageId.ImageDigest)
	}
	if manifest == "" || reported != computed {
		return fail(errcode.Wrap(ErrDigestMismatch, "ECR reported digest "+quote.Input(reported)+" but the manifest it returned hashes to "+computed+"; do not trust this answer (a proxy may have changed it)", nil))
	}
	img.Digest = computed
	r.opts.Logger.LogAttrs(ctx, slog.LevelDebug, "appmeshenvoy: pinned",
		slog.String("image", img.String()), slog.String("mediaType", aws.ToString(got.ImageManifestMediaType)))
	return img, r.lifetime(), nil
}
