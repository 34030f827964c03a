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
	regionCode := flag.String("region", "us-west-2", "region of the image")
	awsFlags := exampleaws.AddFlags() // -local, -endpoint-url
	flag.Parse()
	log.SetFlags(0)

	ctx := context.Background()
	cfg, done, err := awsFlags.Config(ctx, *regionCode)
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
