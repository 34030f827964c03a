package appmeshenvoy_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

// rsExampleSSM answers GetParameter like AWS does in every region; eu-west-1 has lost its
// parameter.
type rsExampleSSM struct{ region string }

func (c rsExampleSSM) GetParameter(_ context.Context, _ *ssm.GetParameterInput, _ ...func(*ssm.Options)) (*ssm.GetParameterOutput, error) {
	if c.region == "eu-west-1" {
		return nil, &ssmtypes.ParameterNotFound{}
	}
	value := region.MustLookup(c.region).RepositoryURI() + ":v1.29.6.0-prod"
	return &ssm.GetParameterOutput{Parameter: &ssmtypes.Parameter{Value: &value}}, nil
}

// rsExampleECR answers BatchGetImage with a fixed manifest list.
type rsExampleECR struct{}

func (rsExampleECR) BatchGetImage(_ context.Context, in *ecr.BatchGetImageInput, _ ...func(*ecr.Options)) (*ecr.BatchGetImageOutput, error) {
	manifest := `{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.list.v2+json","manifests":[]}`
	sum := sha256.Sum256([]byte(manifest))
	return &ecr.BatchGetImageOutput{Images: []ecrtypes.Image{{
		ImageId:       &ecrtypes.ImageIdentifier{ImageDigest: aws.String("sha256:" + hex.EncodeToString(sum[:])), ImageTag: in.ImageIds[0].ImageTag},
		ImageManifest: &manifest,
	}}}, nil
}

// rsExampleResolver stands in for NewResolver(cfg) with a config from
// config.LoadDefaultConfig: the options supply mocked clients.
func rsExampleResolver() *appmeshenvoy.Resolver {
	return appmeshenvoy.NewResolver(aws.Config{Region: "us-west-2"}, func(o *appmeshenvoy.ResolverOptions) {
		o.SSMClientForRegion = func(region string) appmeshenvoy.GetParameterAPI { return rsExampleSSM{region} }
		o.ECRClientForRegion = func(string) appmeshenvoy.BatchGetImageAPI { return rsExampleECR{} }
	})
}

func ExampleResolver_Latest() {
	r := rsExampleResolver()
	img, err := r.Latest(context.Background(), "us-west-2")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(img)
	v, _ := img.Version()
	fmt.Println(v.AtLeast(appmeshenvoy.MinimumSupportedVersion))
	// Output:
	// 840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.29.6.0-prod
	// true
}

func ExampleResolver_LatestAll() {
	r := rsExampleResolver()
	results, err := r.LatestAll(context.Background(), []string{"us-west-2", "eu-west-1", "cn-north-1", "ap-east-2"})
	if err != nil {
		fmt.Println(err) // no credentials, or ctx ended
		return
	}
	for _, res := range results {
		if res.Err != nil {
			fmt.Println(res.Region, "error:", res.Err)
			continue
		}
		fmt.Println(res.Region, res.Image)
	}
	// Output:
	// us-west-2 840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.29.6.0-prod
	// eu-west-1 error: resolve eu-west-1: parameter /aws/service/appmesh/envoy not found: App Mesh is discontinued (end of support 2026-09-30) and AWS may remove its parameters and images at any time; pin a version or use a mirror (AWS: ParameterNotFound)
	// cn-north-1 919366029133.dkr.ecr.cn-north-1.amazonaws.com.cn/aws-appmesh-envoy:v1.29.6.0-prod
	// ap-east-2 error: resolve ap-east-2: unsupported region "ap-east-2": listed with an App Mesh account in the AWS CDK region table, but App Mesh has no endpoint in this region, so no image is published there
}

func ExampleResolver_Pin() {
	r := rsExampleResolver()
	ctx := context.Background()
	img, err := r.Latest(ctx, "us-east-1")
	if err != nil {
		fmt.Println(err)
		return
	}
	pinned, err := r.Pin(ctx, img)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(pinned.Digest)
	fmt.Println(pinned.WithPublicGallery())
	// Output:
	// sha256:9d23fb26fef6bd93a9ec12b89d4674b270a7a54cb09dfed6933c0abcacddfc0f
	// public.ecr.aws/appmesh/aws-appmesh-envoy:v1.29.6.0-prod@sha256:9d23fb26fef6bd93a9ec12b89d4674b270a7a54cb09dfed6933c0abcacddfc0f
}

func ExampleParseImage() {
	img, err := appmeshenvoy.ParseImage("840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.29.6.0-prod")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(img.Account, img.Region, img.Repository, img.Tag)
	mirror, _ := img.WithRepository("123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/envoy")
	fmt.Println(mirror)
	_, err = appmeshenvoy.ParseImage("aws-appmesh-envoy:latest")
	fmt.Println(err)
	// Output:
	// 840364872350 us-west-2 aws-appmesh-envoy v1.29.6.0-prod
	// 123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/envoy:v1.29.6.0-prod
	// invalid image reference "aws-appmesh-envoy:latest": no registry host (as in 840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.29.6.0-prod)
}

func ExampleCompareDeployed() {
	deployed, _ := appmeshenvoy.ParseImage("840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.27.3.0-prod")
	latest, _ := appmeshenvoy.ParseImage("840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.29.6.0-prod")
	fmt.Println(appmeshenvoy.CompareDeployed(deployed, latest))
	// Output:
	// older: v1.27.3.0-prod is behind the latest v1.29.6.0-prod by a minor version
}
