// Command ecs-sidecar-task prints the parts of an ECS task definition that run an App Mesh
// Envoy sidecar next to an application container: the Envoy container definition (pinned
// image, environment, health check, user 1337), the task's APPMESH proxyConfiguration, and
// the application's dependsOn on a healthy Envoy.
//
// It shows Resolver.Latest and Pin, sidecar.ContainerConfig (validated as the
// image's agent would), sidecar.NewECSSidecar and ECSSidecar.TaskDefinition.
//
// Against AWS:
//
//	go run ./examples/ecs-sidecar-task -region us-west-2 -virtual-node arn:aws:appmesh:us-west-2:111122223333:mesh/shop/virtualNode/cart
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
	"os"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/sidecar"
	"github.com/appmesh-envoy/appmesh-envoy-go/examples/internal/exampleaws"
)

func main() {
	regionCode := flag.String("region", "us-west-2", "region of the task")
	node := flag.String("virtual-node", "arn:aws:appmesh:us-west-2:111122223333:mesh/shop/virtualNode/cart", "virtual node ARN the proxy runs as")
	appPort := flag.Int("app-port", 8080, "the application's port")
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

	xray := true
	level := sidecar.LogWarn
	proxy, err := sidecar.NewECSSidecar(sidecar.ECSSidecarOptions{
		Image:    img.String(),
		Config:   sidecar.ContainerConfig{Resource: *node, XRayTracing: &xray, LogLevel: &level, ListenerPorts: []int{*appPort}},
		AppPorts: []int{*appPort},
	})
	if err != nil {
		log.Fatal(err)
	}
	task := proxy.TaskDefinition(sidecar.ECSContainerDefinition{Name: "app", Image: "public.ecr.aws/docker/library/nginx:stable"})
	out, err := task.JSON()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s\n", out)
	for _, c := range proxy.Caveats {
		fmt.Fprintln(os.Stderr, "caveat:", c)
	}
}
