package sidecar_test

import (
	"fmt"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/sidecar"
)

func ExampleContainerConfig_Env() {
	debug := sidecar.LogDebug
	xray := true
	drain := 30
	c := sidecar.ContainerConfig{
		Resource:           "mesh/shop/virtualNode/cart",
		LogLevel:           &debug,
		XRayTracing:        &xray,
		ListenerDrainWaitS: &drain,
	}
	if err := c.Validate(); err != nil {
		fmt.Println(err)
		return
	}
	for _, v := range c.Env() {
		fmt.Println(v)
	}
	// Output:
	// APPMESH_RESOURCE_ARN=mesh/shop/virtualNode/cart
	// ENABLE_ENVOY_XRAY_TRACING=1
	// ENVOY_LOG_LEVEL=debug
	// LISTENER_DRAIN_WAIT_TIME_S=30
}

func ExampleContainerConfig_Set() {
	c := sidecar.ContainerConfig{Resource: "mesh/shop/virtualNode/cart"}
	for _, kv := range [][2]string{
		{"ENVOY_LOG_LEVEL", "DEBUG"},            // the agent lower-cases it
		{"LISTENER_DRAIN_WAIT_TIME_S", "200"},   // the agent would silently use 20
		{"ENVOY_INITIAL_FETCH_TIMEOUT", " 30 "}, // the bootstrap trims it
	} {
		if _, err := c.Set(kv[0], kv[1]); err != nil {
			fmt.Println(err)
		}
	}
	for _, v := range c.Env() {
		fmt.Println(v)
	}
	// Output:
	// invalid envoy container configuration: LISTENER_DRAIN_WAIT_TIME_S: 200 is outside 5–110: the agent silently resets it to the default 20 (not to the nearest bound)
	// APPMESH_RESOURCE_ARN=mesh/shop/virtualNode/cart
	// ENVOY_INITIAL_FETCH_TIMEOUT=30
	// ENVOY_LOG_LEVEL=debug
}

func ExampleParseEnv() {
	c, findings, err := sidecar.ParseEnv([]string{
		"APPMESH_VIRTUAL_NODE_NAME=mesh/shop/virtualNode/cart",
		"ENVOY_LOG_LEVL=debug",
		"LISTENER_DRAIN_WAIT_TIME_S=200",
		"ENABLE_ENVOY_XRAY_TRACING=1",
		"ENABLE_ENVOY_JAEGER_TRACING=yes",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("identity:", c.Resource)
	for _, f := range findings {
		fmt.Println(f)
		if f.EffectiveValue != "" {
			fmt.Println("  the agent uses:", f.EffectiveValue)
		}
	}
	// Output:
	// identity: mesh/shop/virtualNode/cart
	// info: APPMESH_VIRTUAL_NODE_NAME: legacy identity variable, read like APPMESH_RESOURCE_ARN (images from v1.15.0.0-prod read that one)
	// error: ENABLE_ENVOY_JAEGER_TRACING: "yes" is not a boolean (1, t, T, TRUE, true, True, 0, f, F, FALSE, false, False): the agent stops before starting Envoy
	// warning: ENVOY_LOG_LEVL: not a variable the agent reads; did you mean ENVOY_LOG_LEVEL?
	// warning: LISTENER_DRAIN_WAIT_TIME_S: 200 is outside 5–110: the agent silently resets it to the default 20 (not to the nearest bound)
	//   the agent uses: 20
}

func ExampleNewECSSidecar() {
	s, err := sidecar.NewECSSidecar(sidecar.ECSSidecarOptions{
		Image:    "840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.29.6.0-prod",
		Config:   sidecar.ContainerConfig{Resource: "mesh/shop/virtualNode/cart"},
		AppPorts: []int{8080},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	task := s.TaskDefinition(sidecar.ECSContainerDefinition{Name: "app", Image: "cart:1.0"})
	fmt.Println(len(task.ContainerDefinitions), "containers; app depends on", task.ContainerDefinitions[0].DependsOn[0].ContainerName)
	fmt.Println(s.Container.Name, s.Container.User, s.AppDependsOn[0].Condition)
	fmt.Println(s.ProxyConfiguration.Type, s.ProxyConfiguration.Properties[0].Name, s.ProxyConfiguration.Properties[0].Value)
	// Output:
	// 2 containers; app depends on envoy
	// envoy 1337 HEALTHY
	// APPMESH AppPorts 8080
}
