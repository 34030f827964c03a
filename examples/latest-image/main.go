// Command latest-image prints the latest App Mesh Envoy image of one region.
//
// It shows the smallest use of the library: appmeshenvoy.NewResolver over an aws.Config
// and Resolver.Latest, which reads the public SSM parameter /aws/service/appmesh/envoy in
// the region and verifies the answer against the region table.
//
// Against AWS (default credential chain; needs ssm:GetParameter on the parameter):
//
//	go run ./examples/latest-image -region us-west-2
//
// Without an AWS account, against an in-process local endpoint:
//
//	go run ./examples/latest-image -local
package main

import (
	"context"
	"flag"
	"fmt"
	"log"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/appmeshenvoytest"
)

func main() {
	regionCode := flag.String("region", "us-west-2", "region whose latest image to print")
	local := flag.Bool("local", false, "use an in-process local AWS endpoint instead of AWS")
	endpointURL := flag.String("endpoint-url", "", "send AWS requests to this URL")
	flag.Parse()
	log.SetFlags(0)

	ctx := context.Background()
	cfg, done, err := loadConfig(ctx, *local, *endpointURL, *regionCode)
	if err != nil {
		log.Fatal(err)
	}
	defer done()

	img, err := appmeshenvoy.NewResolver(cfg).Latest(ctx, *regionCode)
	if err != nil {
		log.Fatal(err) // a *RegionError that names the region and says what to do
	}
	fmt.Println(img)
}

// loadConfig returns the AWS configuration: an in-process local endpoint with its static
// test credentials (-local), real AWS through the default credential chain, or real
// configuration sent to -endpoint-url (such as "appmesh-envoy local-endpoint").
func loadConfig(ctx context.Context, local bool, endpointURL, regionCode string) (aws.Config, func(), error) {
	if local {
		srv := appmeshenvoytest.NewServer()
		return srv.Config(regionCode), srv.Close, nil
	}
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion(regionCode))
	if err != nil {
		return aws.Config{}, nil, err
	}
	if endpointURL != "" {
		cfg.BaseEndpoint = aws.String(endpointURL)
	}
	return cfg, func() {}, nil
}
