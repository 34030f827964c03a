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
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/appmeshenvoytest"
)

func main() {
	local := flag.Bool("local", false, "use an in-process local AWS endpoint (with two failing regions) instead of AWS")
	endpointURL := flag.String("endpoint-url", "", "send AWS requests to this URL")
	flag.Parse()
	log.SetFlags(0)

	ctx := context.Background()
	var cfg aws.Config
	if *local {
		srv := appmeshenvoytest.NewServer()
		defer srv.Close()
		srv.DeleteParameter("eu-west-3")          // as if App Mesh were gone there
		srv.SetRegionEnabled("me-south-1", false) // an opt-in region not enabled
		cfg = srv.Config("us-east-1")
	} else {
		var err error
		if cfg, err = config.LoadDefaultConfig(ctx); err != nil {
			log.Fatal(err)
		}
		if *endpointURL != "" {
			cfg.BaseEndpoint = aws.String(*endpointURL)
		}
	}

	// nil regions: every region of the partition of cfg.Region.
	results, err := appmeshenvoy.NewResolver(cfg).LatestAll(ctx, nil)
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
	}
}
