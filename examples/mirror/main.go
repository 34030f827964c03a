// Command mirror keeps your own copy of the App Mesh Envoy image: it copies the latest
// image of a region, exactly (same digest), into a repository of yours, then runs the
// same copy again to show that a second run writes nothing. AWS ended App Mesh support on
// 2026-09-30 and may remove its images at any time; a mirror keeps your deployments
// working.
//
// It shows mirror.New, Copier.Copy with a mirror.Request, and the Result of each
// destination: its status, its blob counts and the pinned reference to deploy.
//
// Against AWS (needs the permissions iampolicy.Mirror lists; creates the repository with
// immutable tags when it does not exist):
//
//	go run ./examples/mirror -region us-west-2 -to 111122223333.dkr.ecr.us-west-2.amazonaws.com/platform/envoy
//
// Without an AWS account, into a repository of the local endpoint's test account:
//
//	go run ./examples/mirror -local
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

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/appmeshenvoytest"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/mirror"
	"github.com/appmesh-envoy/appmesh-envoy-go/examples/internal/exampleaws"
)

func main() {
	regionCode := flag.String("region", "us-west-2", "region whose latest Envoy image to copy")
	to := flag.String("to", "", "your repository `HOST/PATH` ({region} allowed; default with -local: one of the local endpoint's test account)")
	dryRun := flag.Bool("dry-run", false, "print what a copy would do, write nothing")
	awsFlags := exampleaws.AddFlags() // -local, -endpoint-url
	flag.Parse()
	log.SetFlags(0)

	ctx := context.Background()
	cfg, done, err := awsFlags.Config(ctx, *regionCode)
	if err != nil {
		log.Fatal(err)
	}
	defer done()
	dest := *to
	if dest == "" {
		if !awsFlags.Local {
			log.Fatal("mirror: -to REPOSITORY is required against AWS, such as -to 111122223333.dkr.ecr.us-west-2.amazonaws.com/platform/envoy")
		}
		dest = appmeshenvoytest.AccountID + ".dkr.ecr." + *regionCode + ".amazonaws.com/platform/envoy"
	}

	m := mirror.New(cfg, func(o *mirror.Options) {
		// A local endpoint (-local, -endpoint-url) serves the registries too.
		o.AWSRegistryEndpoint = aws.ToString(cfg.BaseEndpoint)
		o.OnEndpoint = func(host, url string) { log.Printf("registry %s → %s", host, url) }
	})
	req := mirror.Request{
		Regions:      []string{*regionCode},
		Destinations: []string{dest},
		Create:       &mirror.RepositorySettings{}, // immutable tags, AES256, when it does not exist
		DryRun:       *dryRun,
	}
	for run := 1; run <= 2; run++ {
		results, err := m.Copy(ctx, req)
		if err != nil {
			log.Fatal(err)
		}
		for _, r := range results {
			if r.Err != nil {
				log.Fatalf("run %d: %s: %v (code %s)", run, r.Destination, r.Err, appmeshenvoy.CodeOf(r.Err))
			}
			fmt.Printf("run %d: %s %s: %d blobs copied, %d skipped, %d bytes\n", run, r.Destination+":"+r.Tag, r.Status,
				r.BlobsCopied, r.BlobsSkipped, r.BytesCopied)
			fmt.Printf("  deploy: %s\n", r.Image)
		}
		if *dryRun {
			break
		}
	}
}
