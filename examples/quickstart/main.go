// Command quickstart runs the main job of this module from start to end, in one go:
//
//  1. the latest App Mesh Envoy image of every aws region, pinned to its digest;
//  2. the least-privilege IAM policy a task execution role needs to pull it;
//  3. a docker login to the Envoy registry, into a temporary docker config;
//  4. the Envoy container's environment for a virtual node;
//  5. a copy of the image in your own registry (locally only: against real AWS it would
//     create a repository, so it is skipped; see examples/mirror).
//
// By default it needs nothing but Go and no AWS account: it starts a local AWS endpoint
// in process (package appmeshenvoytest: the real SSM, ECR and STS wire protocols, SigV4
// verified) and talks to it with that endpoint's static test credentials. It never reads
// your AWS configuration and never probes EC2 instance metadata. It says so at the top of
// its output.
//
//	go run ./examples/quickstart
//
// The same against real AWS, with the default credential chain (environment, profile,
// SSO, ...); the docker login still goes to a temporary file:
//
//	go run ./examples/quickstart -real
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/appmeshenvoytest"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/dockerconfig"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/mirror"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/sidecar"
	"github.com/appmesh-envoy/appmesh-envoy-go/iampolicy"
	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

func main() {
	real := flag.Bool("real", false, "use your AWS account (default credential chain) instead of the local endpoint")
	regionCode := flag.String("region", "us-west-2", "region for the docker login and the Envoy environment")
	flag.Parse()
	log.SetFlags(0)
	if err := run(*real, *regionCode); err != nil {
		log.Fatal("quickstart: ", err)
	}
}

func run(real bool, regionCode string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	var cfg aws.Config
	registries := "" // the local endpoint also serves the registries
	if real {
		var err error
		if cfg, err = config.LoadDefaultConfig(ctx, config.WithRegion(regionCode)); err != nil {
			return err
		}
		fmt.Println("== Talking to REAL AWS with your default credentials (read-only calls; docker config goes to a temporary file)")
	} else {
		// Offline: never let the SDK look for instance metadata, and use only the local
		// endpoint's static test credentials and a fixed region.
		os.Setenv("AWS_EC2_METADATA_DISABLED", "true")
		srv := appmeshenvoytest.NewServer()
		defer srv.Close()
		cfg = srv.Config(regionCode)
		registries = srv.URL
		fmt.Printf("== Talking to a LOCAL AWS endpoint at %s (in process, test credentials; no AWS account is used)\n", srv.URL)
		fmt.Println("   Run with -real to do the same against your AWS account.")
	}

	// 1. Every aws region's latest image, pinned.
	fmt.Println("\n== 1. Latest Envoy image in every aws region, pinned to its digest")
	regions, err := region.Select(region.Selection{All: true, Partition: region.PartitionAWS})
	if err != nil {
		return err
	}
	results, err := appmeshenvoy.NewResolver(cfg).PinAll(ctx, region.Codes(regions))
	if err != nil {
		return err
	}
	for _, r := range results {
		switch {
		case r.Err == nil:
			fmt.Printf("%-15s %s\n", r.Region, r.Image)
		case errors.Is(r.Err, appmeshenvoy.ErrRegionNotEnabled):
			fmt.Printf("%-15s (opt-in region not enabled for this account)\n", r.Region)
		default:
			fmt.Printf("%-15s ERROR %v\n", r.Region, r.Err)
		}
	}

	// 2. The least-privilege policy to pull it.
	fmt.Println("\n== 2. Least-privilege IAM policy for the ECS task execution role (pull in every aws region)")
	doc, err := iampolicy.ImagePull(iampolicy.PullOptions{Regions: iampolicy.Regions{Partition: "aws", RegionWildcard: true}})
	if err != nil {
		return err
	}
	if err := doc.Validate(); err != nil {
		return err
	}
	os.Stdout.Write(doc.Indent())

	// 3. docker login into a temporary config.
	fmt.Println("\n== 3. docker login to the Envoy registry of", regionCode, "(temporary docker config)")
	dir, err := os.MkdirTemp("", "appmesh-envoy-quickstart")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	tok, err := appmeshenvoy.NewTokenProvider(cfg).Token(ctx, regionCode)
	if err != nil {
		return err
	}
	path := filepath.Join(dir, "config.json")
	if _, err := dockerconfig.Write(ctx, path, []appmeshenvoy.Token{tok}); err != nil {
		return err
	}
	fmt.Printf("registry %s, user %s, expires %s, written to %s (password not shown)\n",
		tok.Registry, tok.Username, tok.ExpiresAt.UTC().Format(time.RFC3339), path)

	// 4. The Envoy environment.
	fmt.Println("\n== 4. Envoy container environment (dotenv) for a virtual node with X-Ray tracing")
	xray := true
	cc := sidecar.ContainerConfig{
		Resource:    "arn:aws:appmesh:" + regionCode + ":111122223333:mesh/shop/virtualNode/cart",
		XRayTracing: &xray,
	}
	if err := cc.Validate(); err != nil {
		return err
	}
	fmt.Printf("%s", sidecar.Dotenv(cc.Env()))

	// 5. Your own copy of the image.
	fmt.Println("\n== 5. A copy of the image in your own registry (same digest), then the same copy again")
	if real {
		fmt.Println("skipped against real AWS (it would create a repository): go run ./examples/mirror -to YOUR_REPOSITORY")
		return nil
	}
	m := mirror.New(cfg, func(o *mirror.Options) { o.AWSRegistryEndpoint = registries })
	defer m.CloseIdleConnections()
	req := mirror.Request{
		Regions:      []string{regionCode},
		Destinations: []string{appmeshenvoytest.AccountID + ".dkr.ecr." + regionCode + ".amazonaws.com/platform/envoy"},
		Create:       &mirror.RepositorySettings{},
	}
	for run := 1; run <= 2; run++ {
		copies, err := m.Copy(ctx, req)
		if err != nil {
			return err
		}
		for _, c := range copies {
			if c.Err != nil {
				return c.Err
			}
			fmt.Printf("%s: %s (%d blobs copied)\n", c.Status, c.Image, c.BlobsCopied)
		}
	}
	return nil
}
