package appmeshenvoy_test

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/appmeshenvoytest"
	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

// rsExampleResolver stands in for NewResolver(cfg) with a config from
// config.LoadDefaultConfig: the options supply the fakes of package appmeshenvoytest. The
// parameter holds v1.29.6.0-prod in every region but eu-west-1, which has lost it.
func rsExampleResolver() *appmeshenvoy.Resolver {
	values := map[string]string{}
	for _, r := range region.All() {
		if r.Code != "eu-west-1" {
			values[r.Code] = appmeshenvoytest.ParameterValue(r, "v1.29.6.0-prod")
		}
	}
	ssm, ecr := appmeshenvoytest.NewSSM(values), appmeshenvoytest.NewECR("example-password")
	return appmeshenvoy.NewResolver(aws.Config{Region: "us-west-2"}, func(o *appmeshenvoy.ResolverOptions) {
		o.SSMClientForRegion = func(string) appmeshenvoy.GetParameterAPI { return ssm }
		o.ECRClientForRegion = func(string) appmeshenvoy.BatchGetImageAPI { return ecr }
	})
}

// Resolve and pin three regions in a unit test, one of them failing: the fakes of
// package appmeshenvoytest answer for every region a call names.
func ExampleResolver_PinAll() {
	ssm := appmeshenvoytest.NewSSM(map[string]string{
		"us-west-2": "840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.39.1.0-prod",
		"eu-west-1": "840364872350.dkr.ecr.eu-west-1.amazonaws.com/aws-appmesh-envoy:v1.39.1.0-prod",
	}) // ap-south-1 is not named: its parameter is gone
	ecr := appmeshenvoytest.NewECR("test-password")
	res := appmeshenvoy.NewResolver(aws.Config{}, func(o *appmeshenvoy.ResolverOptions) {
		o.SSMClientForRegion = func(string) appmeshenvoy.GetParameterAPI { return ssm }
		o.ECRClientForRegion = func(string) appmeshenvoy.BatchGetImageAPI { return ecr }
	})
	results, err := res.PinAll(context.Background(), []string{"us-west-2", "eu-west-1", "ap-south-1"})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range results {
		if r.Err != nil {
			fmt.Println(r.Region, "failed:", appmeshenvoy.CodeOf(r.Err))
			continue
		}
		fmt.Println(r.Region, r.Image.Tag, r.Image.Digest[:15]+"...")
	}
	// Output:
	// us-west-2 v1.39.1.0-prod sha256:c194c5ed...
	// eu-west-1 v1.39.1.0-prod sha256:c194c5ed...
	// ap-south-1 failed: parameter-not-found
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
	fmt.Println(v.AtLeast(appmeshenvoy.MinimumSupportedVersion()))
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
	// eu-west-1 error: resolve eu-west-1: parameter /aws/service/appmesh/envoy not found: App Mesh is discontinued (end of support 2026-09-30) and AWS may remove its parameters and images at any time; pin a version or use a mirror (AWS: ParameterNotFound: Parameter /aws/service/appmesh/envoy not found.)
	// cn-north-1 919366029133.dkr.ecr.cn-north-1.amazonaws.com.cn/aws-appmesh-envoy:v1.29.6.0-prod
	// ap-east-2 error: resolve ap-east-2: unsupported region "ap-east-2": listed with an App Mesh account in the AWS CDK region table, but the image is not published by App Mesh here as far as AWS's endpoint data shows (App Mesh has no endpoint in this region)
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
	// sha256:c194c5ed1161b32305acce7420f3fd677205bfe9e6f8bba02abc55e72954a2b2
	// public.ecr.aws/appmesh/aws-appmesh-envoy:v1.29.6.0-prod@sha256:c194c5ed1161b32305acce7420f3fd677205bfe9e6f8bba02abc55e72954a2b2
}

func ExampleParseImage() {
	img, err := appmeshenvoy.ParseImage("840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.29.6.0-prod")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(img.Account(), img.Region(), img.Repository, img.Tag)
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
