// Command kubernetes-sidecar prints the Envoy sidecar container of a Kubernetes pod (pinned
// image, environment, resources) and writes an image pull secret for the Envoy registry
// to a file with mode 0600 (it holds the registry password, so it is never printed).
//
// It shows Resolver.Latest and Pin, sidecar.KubernetesSidecarYAML,
// TokenProvider.Token, dockerconfig.JSON and sidecar.KubernetesPullSecret.
//
// Against AWS:
//
//	go run ./examples/kubernetes-sidecar -region us-west-2 -virtual-node mesh/shop/virtualNode/cart -secret-out envoy-pull-secret.yaml
//	kubectl apply -f envoy-pull-secret.yaml
//
// Without an AWS account: add -local (the secret goes to a temporary directory unless
// -secret-out is given).
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

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/dockerconfig"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/sidecar"
	"github.com/appmesh-envoy/appmesh-envoy-go/examples/internal/exampleaws"
)

func main() {
	regionCode := flag.String("region", "us-west-2", "region of the cluster")
	node := flag.String("virtual-node", "mesh/shop/virtualNode/cart", "virtual node the proxy runs as")
	secretOut := flag.String("secret-out", "", "file to write the pull secret manifest to (mode 0600)")
	namespace := flag.String("namespace", "", "namespace of the pull secret (default: kubectl's current)")
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
	img, err := res.Latest(ctx, *regionCode)
	if err != nil {
		log.Fatal(err)
	}
	if img, err = res.Pin(ctx, img); err != nil {
		log.Fatal(err)
	}
	tags := true
	container, err := sidecar.KubernetesSidecarYAML(sidecar.KubernetesSidecarOptions{
		Image:  img.String(),
		Config: sidecar.ContainerConfig{Resource: *node, StatsTags: &tags},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s", container)

	tok, err := appmeshenvoy.NewTokenProvider(cfg).Token(ctx, *regionCode)
	if err != nil {
		log.Fatal(err)
	}
	dockerJSON, err := dockerconfig.JSON(tok)
	if err != nil {
		log.Fatal(err)
	}
	secret, err := sidecar.KubernetesPullSecret("envoy-registry", *namespace, dockerJSON)
	if err != nil {
		log.Fatal(err)
	}
	path := *secretOut
	if path == "" {
		dir, err := os.MkdirTemp("", "kubernetes-sidecar-example")
		if err != nil {
			log.Fatal(err)
		}
		if awsFlags.Local {
			defer os.RemoveAll(dir)
		}
		path = filepath.Join(dir, "envoy-pull-secret.yaml")
	}
	if err := os.WriteFile(path, secret, 0o600); err != nil {
		log.Fatal(err)
	}
	fmt.Fprintf(os.Stderr, "pull secret envoy-registry for %s (expires %s) written to %s; reference it in imagePullSecrets\n",
		tok.Registry, tok.ExpiresAt.UTC().Format("2006-01-02T15:04:05Z"), path)
}
