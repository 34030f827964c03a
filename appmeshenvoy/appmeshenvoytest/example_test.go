package appmeshenvoytest_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/appmeshenvoytest"
	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

// ExampleNewServer reads the public Envoy parameter of two regions with the real SDK
// client, through the local endpoint, after injecting one throttling error that the
// SDK retries.
func ExampleNewServer() {
	srv := appmeshenvoytest.NewServer()
	defer srv.Close()

	srv.FailNext("ssm:GetParameter", "eu-west-1", 1, appmeshenvoytest.Throttling("ssm:GetParameter"))
	srv.SetParameter("me-south-1", region.MustLookup("me-south-1").RepositoryURI()+":v1.34.13.0-prod")

	for _, code := range []string{"eu-west-1", "me-south-1"} {
		client := ssm.NewFromConfig(srv.Config(code))
		out, err := client.GetParameter(context.Background(), &ssm.GetParameterInput{Name: aws.String(region.ParameterName)})
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(aws.ToString(out.Parameter.Value))
	}
	fmt.Println("requests to eu-west-1:", srv.Requests("ssm:GetParameter", "eu-west-1"))
	// Output:
	// 840364872350.dkr.ecr.eu-west-1.amazonaws.com/aws-appmesh-envoy:v1.39.1.0-prod
	// 772975370895.dkr.ecr.me-south-1.amazonaws.com/aws-appmesh-envoy:v1.34.13.0-prod
	// requests to eu-west-1: 2
}

// Example_registry pulls the seeded Envoy image of us-west-2 through the server's
// registry API with go-containerregistry, logged in with the password that ECR
// GetAuthorizationToken returns through the real SDK client: the path address
// 127.0.0.1:PORT/<registry host>/<repository>:<tag> serves every ECR registry.
func Example_registry() {
	srv := appmeshenvoytest.NewServer()
	defer srv.Close()

	out, err := ecr.NewFromConfig(srv.Config("us-west-2")).GetAuthorizationToken(context.Background(), &ecr.GetAuthorizationTokenInput{})
	if err != nil {
		fmt.Println(err)
		return
	}
	userPass, _ := base64.StdEncoding.DecodeString(aws.ToString(out.AuthorizationData[0].AuthorizationToken))
	user, password, _ := strings.Cut(string(userPass), ":")

	ref, _ := name.ParseReference(strings.TrimPrefix(srv.URL, "http://")+"/"+region.MustLookup("us-west-2").RepositoryURI()+":"+appmeshenvoytest.DefaultTag, name.Insecure)
	index, err := remote.Index(ref, remote.WithAuth(&authn.Basic{Username: user, Password: password}))
	if err != nil {
		fmt.Println(err)
		return
	}
	digest, _ := index.Digest()
	manifest, _ := index.IndexManifest()
	fmt.Println(digest)
	for _, m := range manifest.Manifests {
		fmt.Println(m.Platform)
	}
	// Output:
	// sha256:583ec0b913088b3c0eea29265d267130ce71119c3c9809186379d27d48cd6dbc
	// linux/amd64
	// linux/arm64/v8
}
