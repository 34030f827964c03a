package appmeshenvoytest

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

// SSMRegion returns the region a call's option functions select: ssm.Options.Region
// after applying optFns to empty options. appmeshenvoy passes the region with every call
// it makes, so one fake can tell the regions apart.
func SSMRegion(optFns ...func(*ssm.Options)) string {
	var o ssm.Options
	for _, fn := range optFns {
		fn(&o)
	}
	return o.Region
}

// ECRRegion is [SSMRegion] for ECR calls.
func ECRRegion(optFns ...func(*ecr.Options)) string {
	var o ecr.Options
	for _, fn := range optFns {
		fn(&o)
	}
	return o.Region
}

// ParameterValue returns what the public parameter holds in r when tag is the latest
// image: r.RepositoryURI() + ":" + tag.
func ParameterValue(r region.Region, tag string) string { return r.RepositoryURI() + ":" + tag }

// NewSSM returns an SSM fake whose GetParameter answers in each region (see [SSMRegion])
// with the value values gives for it, as the public parameter region.ParameterName, and
// with the SDK's typed ParameterNotFound error for regions values does not name and for
// any other parameter name. Calls are recorded as usual.
func NewSSM(values map[string]string) *SSM {
	vals := make(map[string]string, len(values))
	for k, v := range values {
		vals[k] = v
	}
	return &SSM{GetParameterFunc: func(_ context.Context, in *ssm.GetParameterInput, optFns ...func(*ssm.Options)) (*ssm.GetParameterOutput, error) {
		v, ok := vals[SSMRegion(optFns...)]
		if !ok || aws.ToString(in.Name) != region.ParameterName {
			return nil, &ssmtypes.ParameterNotFound{Message: aws.String("Parameter " + aws.ToString(in.Name) + " not found.")}
		}
		return &ssm.GetParameterOutput{Parameter: &ssmtypes.Parameter{
			Name: in.Name, Value: aws.String(v), Type: ssmtypes.ParameterTypeString, Version: 1,
		}}, nil
	}}
}

// FakeManifestList returns a small Docker manifest list (media type
// [MediaTypeManifestList]) for linux/amd64 and linux/arm64 whose platform digests point at
// nothing: enough for code that pins by digest, not for a pull.
func FakeManifestList() []byte {
	return []byte(fmt.Sprintf(`{"schemaVersion":2,"mediaType":%q,"manifests":[`+
		`{"mediaType":"application/vnd.docker.distribution.manifest.v2+json","size":1024,"digest":%q,"platform":{"architecture":"amd64","os":"linux"}},`+
		`{"mediaType":"application/vnd.docker.distribution.manifest.v2+json","size":1024,"digest":%q,"platform":{"architecture":"arm64","os":"linux","variant":"v8"}}]}`,
		MediaTypeManifestList, sha256Digest([]byte("amd64")), sha256Digest([]byte("arm64"))))
}

func sha256Digest(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// BatchGetImageOutput returns ECR's answer to in when every image it asks for exists
// with manifest: each image carries the manifest, its media type and its digest (the
// sha256 of manifest), as ECR reports them.
func BatchGetImageOutput(in *ecr.BatchGetImageInput, manifest []byte, mediaType string) *ecr.BatchGetImageOutput {
	digest := sha256Digest(manifest)
	out := &ecr.BatchGetImageOutput{}
	for _, id := range in.ImageIds {
		out.Images = append(out.Images, ecrtypes.Image{
			RegistryId:             in.RegistryId,
			RepositoryName:         in.RepositoryName,
			ImageId:                &ecrtypes.ImageIdentifier{ImageTag: id.ImageTag, ImageDigest: aws.String(digest)},
			ImageManifest:          aws.String(string(manifest)),
			ImageManifestMediaType: aws.String(mediaType),
		})
	}
	return out
}

// AuthorizationTokenOutput returns ECR's answer to GetAuthorizationToken: the token
// base64("AWS:" + password), expiring at expiresAt, with the proxy endpoint of account's
// registry in regionCode (ECR answers with the caller's own registry).
func AuthorizationTokenOutput(password string, expiresAt time.Time, account, regionCode string) *ecr.GetAuthorizationTokenOutput {
	suffix := "amazonaws.com"
	if p, ok := region.PartitionOf(regionCode); ok {
		suffix = p.DNSSuffix
	}
	return &ecr.GetAuthorizationTokenOutput{AuthorizationData: []ecrtypes.AuthorizationData{{
		AuthorizationToken: aws.String(base64.StdEncoding.EncodeToString([]byte("AWS:" + password))),
		ExpiresAt:          aws.Time(expiresAt),
		ProxyEndpoint:      aws.String("https://" + account + ".dkr.ecr." + regionCode + "." + suffix),
	}}}
}

// NewECR returns an ECR fake that answers, in every region (see [ECRRegion]):
// GetAuthorizationToken with a token for password that expires 12 hours after the call,
// and BatchGetImage with [FakeManifestList] for every image asked for, whatever its
// repository and tag. Replace a field to make an operation fail. Calls are recorded as
// usual.
func NewECR(password string) *ECR {
	return &ECR{
		GetAuthorizationTokenFunc: func(_ context.Context, _ *ecr.GetAuthorizationTokenInput, optFns ...func(*ecr.Options)) (*ecr.GetAuthorizationTokenOutput, error) {
			return AuthorizationTokenOutput(password, time.Now().Add(12*time.Hour), AccountID, ECRRegion(optFns...)), nil
		},
		BatchGetImageFunc: func(_ context.Context, in *ecr.BatchGetImageInput, _ ...func(*ecr.Options)) (*ecr.BatchGetImageOutput, error) {
			return BatchGetImageOutput(in, FakeManifestList(), MediaTypeManifestList), nil
		},
	}
}
