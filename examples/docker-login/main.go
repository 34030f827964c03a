// Command docker-login logs docker in to the App Mesh Envoy registry of a region: it gets
// an ECR authorization token and merges it into a docker config.json the way
// `docker login` does, keeping every other entry (and using the credential helper docker
// would read, if the file names one). It prints the registry and the expiry, never the
// password.
//
// It shows appmeshenvoy.NewTokenProvider, TokenProvider.Token (cached per region and
// identity, refreshed before expiry) and dockerconfig.Write with its Notes.
//
// Against AWS (writes $DOCKER_CONFIG/config.json or ~/.docker/config.json; needs
// ecr:GetAuthorizationToken):
//
//	go run ./examples/docker-login -region us-west-2
//
// Without an AWS account (writes a config in a temporary directory unless -docker-config):
//
//	go run ./examples/docker-login -local
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
	"os"
	"path/filepath"
	"time"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/dockerconfig"
	"github.com/appmesh-envoy/appmesh-envoy-go/examples/internal/exampleaws"
)

func main() {
	regionCode := flag.String("region", "us-west-2", "region of the Envoy registry")
	dockerConfig := flag.String("docker-config", "", "docker config file (default: docker's own, or a temporary one with -local)")
	awsFlags := exampleaws.AddFlags() // -local, -endpoint-url
	flag.Parse()
	log.SetFlags(0)

	ctx := context.Background()
	cfg, done, err := awsFlags.Config(ctx, *regionCode)
	if err != nil {
		log.Fatal(err)
	}
	defer done()

	path := *dockerConfig
	switch {
	case path != "":
	case awsFlags.Local:
		dir, err := os.MkdirTemp("", "docker-login-example")
		if err != nil {
			log.Fatal(err)
		}
		defer os.RemoveAll(dir)
		path = filepath.Join(dir, "config.json")
	default:
		if path, err = dockerconfig.DefaultPath(); err != nil {
			log.Fatal(err)
		}
	}

	tok, err := appmeshenvoy.NewTokenProvider(cfg).Token(ctx, *regionCode)
	if err != nil {
		log.Fatal(err)
	}
	notes, err := dockerconfig.Write(ctx, path, []appmeshenvoy.Token{tok})
	if err != nil {
		log.Fatal(err)
	}
	// tok.Password prints as [REDACTED]; only tok.Password.Reveal() gives the value.
	fmt.Printf("logged in to %s as %s until %s (password %v)\n", tok.Registry, tok.Username, tok.ExpiresAt.UTC().Format(time.RFC3339), tok.Password)
	fmt.Println("docker config:", path)
	for _, n := range notes {
		fmt.Println("note:", n)
	}
}
