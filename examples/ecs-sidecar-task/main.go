// Command ecs-sidecar-task prints the parts of an ECS task definition that run an App Mesh
// Envoy sidecar next to an application container: the Envoy container definition (pinned
// image, environment, health check, user 1337), the task's APPMESH proxyConfiguration, and
// the application's dependsOn on a healthy Envoy.
//
// It shows Resolver.Latest and Pin, appmeshenvoy.ContainerConfig (validated as the
// image's agent would), appmeshenvoy.NewECSSidecar and ECSSidecar.TaskDefinition.
//
// Against AWS:
//
//	go run ./examples/ecs-sidecar-task -region us-west-2 -virtual-node arn:aws:appmesh:us-west-2:111122223333:mesh/shop/virtualNode/cart
//
// Without an AWS account: add -local.
package main

import (
	"context"
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
	regionCode := flag.String("region", "us-west-2", "region of the task")
	node := flag.String("virtual-node", "arn:aws:appmesh:us-west-2:111122223333:mesh/shop/virtualNode/cart", "virtual node ARN the proxy runs as")
	appPort := flag.Int("app-port", 8080, "the application's port")
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
	img, err := res.Latest(ctx, *regionCode)
	if err != nil {
		log.Fatal(err)
	}
	if img, err = res.Pin(ctx, img); err != nil {
		log.Fatal(err)
	}

	xray := true
	level := appmeshenvoy.LogWarn
	sidecar, err := appmeshenvoy.NewECSSidecar(appmeshenvoy.ECSSidecarOptions{
		Image:    img.String(),
		Config:   appmeshenvoy.ContainerConfig{Resource: *node, XRayTracing: &xray, LogLevel: &level, ListenerPorts: []int{*appPort}},
		AppPorts: []int{*appPort},
	})
	if err != nil {
		log.Fatal(err)
	}
	task := sidecar.TaskDefinition(appmeshenvoy.ECSContainerDefinition{Name: "app", Image: "public.ecr.aws/docker/library/nginx:stable"})
	out, err := task.JSON()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s\n", out)
	for _, c := range sidecar.Caveats {
		fmt.Fprintln(os.Stderr, "caveat:", c)
	}
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
