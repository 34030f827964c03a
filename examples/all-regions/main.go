// Command all-regions prints the latest App Mesh Envoy image of every region of one
// partition, and each failing region's error, without letting one region hide another.
//
// It shows Resolver.LatestAll: one Result per region (Image or Err), and an error only for
// what fails everywhere (no credentials, a cancelled context). An opt-in region the
// account has not enabled is told apart with errors.Is(err, appmeshenvoy.ErrRegionNotEnabled).
//
// Against AWS (the partition of your configured region, aws by default):
//
//	go run ./examples/all-regions
//
// Without an AWS account: -local. The local endpoint then deletes the parameter of
// eu-west-3 and disables me-south-1, so that the output shows both kinds of failure.
//
// To copy it into your own program, load the configuration with
// config.LoadDefaultConfig(ctx, config.WithRegion(region)) where it calls awsFlags.Config
// (package examples/internal/exampleaws, which adds -local and -endpoint-url).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/appmeshenvoytest"
	"github.com/appmesh-envoy/appmesh-envoy-go/examples/internal/exampleaws"
	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

func main() {
	awsFlags := exampleaws.AddFlags() // -local, -endpoint-url
	flag.Parse()
	log.SetFlags(0)

	ctx := context.Background()
	// "": the configured region (AWS_REGION or the profile's). With -local, the endpoint
	// fails two regions, each in its own way.
	cfg, done, err := awsFlags.Config(ctx, "", func(srv *appmeshenvoytest.Server) {
		srv.DeleteParameter("eu-west-3")          // as if App Mesh were gone there
		srv.SetRegionEnabled("me-south-1", false) // an opt-in region not enabled
	})
	if err != nil {
		log.Fatal(err)
	}
	defer done()

	// Every region of the partition of cfg.Region (aws when unset), asked for explicitly.
	regions, err := region.Select(region.Selection{All: true, Default: cfg.Region})
	if err != nil {
		log.Fatal(err)
	}
	results, err := appmeshenvoy.NewResolver(cfg).LatestAll(ctx, region.Codes(regions))
	if err != nil {
		log.Fatal(err)
	}
	failed := 0
	for _, r := range results {
		switch {
		case r.Err == nil:
			fmt.Printf("%-15s %s\n", r.Region, r.Image)
		case errors.Is(r.Err, appmeshenvoy.ErrRegionNotEnabled):
			fmt.Printf("%-15s not enabled for this account (skipped)\n", r.Region)
		default:
			failed++
			fmt.Printf("%-15s ERROR %v\n", r.Region, r.Err)
		}
	}
	if failed > 0 {
		fmt.Fprintf(os.Stderr, "%d region(s) failed\n", failed)
		os.Exit(1)
	}
}
