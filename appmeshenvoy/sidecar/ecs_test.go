package sidecar_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/sidecar"
)

const image = "840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.29.6.0-prod"

func sidecarConfig() sidecar.ContainerConfig {
	return sidecar.ContainerConfig{
		Resource:    "arn:aws:appmesh:us-west-2:111122223333:mesh/shop/virtualNode/cart",
		LogLevel:    ptr(sidecar.LogDebug),
		XRayTracing: ptr(true),
	}
}

func TestNewECSSidecarGolden(t *testing.T) {
	s, err := sidecar.NewECSSidecar(sidecar.ECSSidecarOptions{
		Image:    image,
		Config:   sidecarConfig(),
		AppPorts: []int{8080, 8443},
	})
	if err != nil {
		t.Fatal(err)
	}
	app := sidecar.ECSContainerDefinition{Name: "app", Image: "111122223333.dkr.ecr.us-west-2.amazonaws.com/cart:1.0"}
	b, err := s.TaskDefinition(app).JSON()
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "ecs-task-definition.json", b)

	if s.Container.User != "1337" || s.Container.Essential == nil || !*s.Container.Essential {
		t.Errorf("container user/essential = %q/%v", s.Container.User, s.Container.Essential)
	}
	if s.Container.CPU != 512 || s.Container.MemoryReservation != 64 {
		t.Errorf("cpu/memory = %d/%d, want the guide's 512/64", s.Container.CPU, s.Container.MemoryReservation)
	}
	if d := cmp.Diff([]sidecar.ECSContainerDependency{{ContainerName: "envoy", Condition: "HEALTHY"}}, s.AppDependsOn); d != "" {
		t.Errorf("dependsOn (-want +got)\n%s", d)
	}
	if len(s.Caveats) != 1 || !strings.Contains(s.Caveats[0], "distroless") || !strings.Contains(s.Caveats[0], "v1.22.0.0") {
		t.Errorf("caveats = %q, want the distroless health check caveat", s.Caveats)
	}
}

func TestNewECSSidecarOptions(t *testing.T) {
	t.Run("custom admin port moves the health check", func(t *testing.T) {
		c := sidecarConfig()
		c.AdminPort = ptr(9000)
		s, err := sidecar.NewECSSidecar(sidecar.ECSSidecarOptions{Image: image, Config: c, AppPorts: []int{8080}})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(s.Container.HealthCheck.Command[1], "localhost:9000/") {
			t.Errorf("health check = %q", s.Container.HealthCheck.Command)
		}
	})
	t.Run("admin on its Unix socket", func(t *testing.T) {
		c := sidecarConfig()
		c.AdminMode = ptr(sidecar.AdminModeUDS)
		s, err := sidecar.NewECSSidecar(sidecar.ECSSidecarOptions{Image: image, Config: c, AppPorts: []int{8080}})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(s.Container.HealthCheck.Command[1], "--unix-socket /tmp/envoy_admin.sock") {
			t.Errorf("health check = %q", s.Container.HealthCheck.Command)
		}
	})
	t.Run("no health check", func(t *testing.T) {
		s, err := sidecar.NewECSSidecar(sidecar.ECSSidecarOptions{Image: image, Config: sidecarConfig(), AppPorts: []int{8080}, NoHealthCheck: true, ContainerName: "proxy"})
		if err != nil {
			t.Fatal(err)
		}
		if s.Container.HealthCheck != nil || len(s.Caveats) != 0 || s.AppDependsOn[0].Condition != "START" || s.ProxyConfiguration.ContainerName != "proxy" {
			t.Errorf("sidecar = %+v", s)
		}
	})
	t.Run("small memory", func(t *testing.T) {
		s, err := sidecar.NewECSSidecar(sidecar.ECSSidecarOptions{Image: image, Config: sidecarConfig(), AppPorts: []int{8080}, MemoryReservation: 32})
		if err != nil {
			t.Fatal(err)
		}
		if len(s.Caveats) != 2 || !strings.Contains(s.Caveats[0], "64 MiB") {
			t.Errorf("caveats = %q", s.Caveats)
		}
	})
	bad := map[string]sidecar.ECSSidecarOptions{
		"no image":             {Config: sidecarConfig(), AppPorts: []int{8080}},
		"no ports":             {Image: image, Config: sidecarConfig()},
		"bad port":             {Image: image, Config: sidecarConfig(), AppPorts: []int{0}},
		"invalid config":       {Image: image, AppPorts: []int{8080}},
		"app on 9901":          {Image: image, Config: sidecarConfig(), AppPorts: []int{9901}},
		"admin on an app port": {Image: image, Config: func() sidecar.ContainerConfig { c := sidecarConfig(); c.AdminPort = ptr(8080); return c }(), AppPorts: []int{8080}},
	}
	for name, opts := range bad {
		t.Run(name, func(t *testing.T) {
			if _, err := sidecar.NewECSSidecar(opts); !errors.Is(err, sidecar.ErrInvalidSidecar) {
				t.Errorf("NewECSSidecar = %v, want ErrInvalidSidecar", err)
			}
		})
	}
	if _, err := sidecar.NewECSSidecar(bad["invalid config"]); !errors.Is(err, sidecar.ErrInvalidConfig) || appmeshenvoy.CodeOf(err) != appmeshenvoy.CodeInvalidInput {
		t.Errorf("invalid config: %v, want ErrInvalidConfig too and the code invalid-input", err)
	}
}

func TestECSHealthCheckCommand(t *testing.T) {
	a := sidecar.ECSHealthCheckCommand(0)
	if d := cmp.Diff([]string{"CMD-SHELL", "curl -s http://localhost:9901/server_info | grep state | grep -q LIVE"}, a); d != "" {
		t.Errorf("default command (-want +got)\n%s", d)
	}
	a[0] = "changed"
	if sidecar.ECSHealthCheckCommand(0)[0] != "CMD-SHELL" {
		t.Error("the command is shared between calls")
	}
	if got := sidecar.ECSHealthCheckCommand(9000)[1]; !strings.Contains(got, "localhost:9000/") {
		t.Errorf("admin port 9000: %q", got)
	}
}

func TestECSEnvironmentJSON(t *testing.T) {
	ecs, err := sidecar.ECSEnvironmentJSON(trickyEnv)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "ecs-environment.json", ecs)
	var back []sidecar.EnvVar
	if err := json.Unmarshal(ecs, &back); err != nil || !cmp.Equal(trickyEnv, back) {
		t.Errorf("ECS JSON does not read back: %v %s", err, cmp.Diff(trickyEnv, back))
	}
	if empty, _ := sidecar.ECSEnvironmentJSON(nil); string(empty) != "[]\n" {
		t.Errorf("ECSEnvironmentJSON(nil) = %q, want []", empty)
	}
}
