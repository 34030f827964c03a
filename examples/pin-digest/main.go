// Command pin-digest resolves the latest App Mesh Envoy image of a region and pins it to
// its manifest digest, so that a deployment pulls exactly this image even if the tag moves.
//
// It shows Resolver.Latest followed by Resolver.Pin (ecr:BatchGetImage on the image's
// repository, the permission a pull needs anyway). The digest is that of the multi-arch
// manifest list, valid for amd64 and arm64 hosts alike.
//
// Against AWS:
//
//	go run ./examples/pin-digest -region eu-west-1
//
// Without an AWS account: add -local.
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
	regionCode := flag.String("region", "us-west-2", "region of the image")
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

	res := appmeshenvoy.NewResolver(cfg)
	latest, err := res.Latest(ctx, *regionCode)
	if err != nil {
		log.Fatal(err)
	}
	pinned, err := res.Pin(ctx, latest)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("tag:   ", latest)
	fmt.Println("digest:", pinned.Digest)
	fmt.Println("pinned:", pinned)
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
