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
//
// To copy it into your own program, load the configuration with
// config.LoadDefaultConfig(ctx, config.WithRegion(region)) where it calls awsFlags.Config
// (package examples/internal/exampleaws, which adds -local and -endpoint-url).
package main

import (
	"context"
	"flag"
	"fmt"
	"log"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/examples/internal/exampleaws"
)

func main() {
	regionCode := flag.String("region", "us-west-2", "region whose latest image to print")
	awsFlags := exampleaws.AddFlags() // -local, -endpoint-url
	flag.Parse()
	log.SetFlags(0)

	ctx := context.Background()
	cfg, done, err := awsFlags.Config(ctx, *regionCode)
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
