package inventory_test

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/appmeshenvoytest"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/inventory"
)

// Kubernetes reads manifests without a cluster: here a Deployment whose sidecar still
// pulls from AWS's registry, unpinned.
func ExampleKubernetes() {
	manifest := []byte(`apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    spec:
      containers:
      - name: app
        image: 111122223333.dkr.ecr.us-west-2.amazonaws.com/shop/web:2.1
      - name: envoy
        image: 840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.29.6.0-prod
`)
	containers, err := inventory.Kubernetes("web.yaml", manifest, inventory.Matcher{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range containers {
		fmt.Printf("%s:%d %s/%s/%s %s %s %v\n", c.File, c.Line, c.Namespace, c.Kind, c.Workload, c.Name, c.Source, c.Verdicts)
	}
	// Output:
	// web.yaml:11 shop/Deployment/web envoy aws [at-risk older unpinned]
}

// Scanner.ECS scans the ECS services of accounts (through roles) and regions; here
// against the local endpoint of package appmeshenvoytest.
func ExampleScanner_ECS() {
	srv := appmeshenvoytest.NewServer()
	defer srv.Close()
	_ = srv.SeedECS(appmeshenvoytest.ECSSeed{
		Roles: []string{"arn:aws:iam::111122223333:role/inventory"},
		Regions: []appmeshenvoytest.ECSRegionSeed{{Account: "111122223333", Region: "eu-west-1",
			TaskDefinitions: []json.RawMessage{json.RawMessage(`{"family": "web", "containerDefinitions": [
				{"name": "envoy", "image": "840364872350.dkr.ecr.eu-west-1.amazonaws.com/aws-appmesh-envoy:v1.39.1.0-prod"}]}`)},
			Services: []appmeshenvoytest.ECSServiceSeed{{Cluster: "prod", Name: "web", TaskDefinition: "web"}},
		}},
	})
	s := inventory.NewScanner(srv.Config("eu-west-1"), func(o *inventory.Options) {
		o.Roles = []string{"arn:aws:iam::111122223333:role/inventory"}
	})
	rep, err := s.ECS(context.Background(), []string{"eu-west-1", "us-east-1"})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range rep.Containers {
		fmt.Println(c.Account, c.Region, c.TaskDefinition, c.Name, c.Verdicts, c.Services)
	}
	fmt.Println(rep.Scanned, "pairs scanned,", len(rep.Failures), "failures")
	// Output:
	// 111122223333 eu-west-1 arn:aws:ecs:eu-west-1:111122223333:task-definition/web:1 envoy [at-risk unpinned] [arn:aws:ecs:eu-west-1:111122223333:service/prod/web]
	// 2 pairs scanned, 0 failures
}
