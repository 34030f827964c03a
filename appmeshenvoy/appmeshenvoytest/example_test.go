package appmeshenvoytest_test

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

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
