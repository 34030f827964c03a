package sidecar_test

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/dockerconfig"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/sidecar"
)

const ccImage = "840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.29.6.0-prod"

func ccSidecarConfig() sidecar.ContainerConfig {
	return sidecar.ContainerConfig{
		Resource:    "arn:aws:appmesh:us-west-2:111122223333:mesh/shop/virtualNode/cart",
		LogLevel:    ccPtr(sidecar.LogDebug),
		XRayTracing: ccPtr(true),
	}
}

func TestNewECSSidecarGolden(t *testing.T) {
	s, err := sidecar.NewECSSidecar(sidecar.ECSSidecarOptions{
		Image:    ccImage,
		Config:   ccSidecarConfig(),
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
	ccGolden(t, "ecs-task-definition.json", b)

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
		c := ccSidecarConfig()
		c.AdminPort = ccPtr(9000)
		s, err := sidecar.NewECSSidecar(sidecar.ECSSidecarOptions{Image: ccImage, Config: c, AppPorts: []int{8080}})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(s.Container.HealthCheck.Command[1], "localhost:9000/") {
			t.Errorf("health check = %q", s.Container.HealthCheck.Command)
		}
	})
	t.Run("no health check", func(t *testing.T) {
		s, err := sidecar.NewECSSidecar(sidecar.ECSSidecarOptions{Image: ccImage, Config: ccSidecarConfig(), AppPorts: []int{8080}, NoHealthCheck: true, ContainerName: "proxy"})
		if err != nil {
			t.Fatal(err)
		}
		if s.Container.HealthCheck != nil || len(s.Caveats) != 0 || s.AppDependsOn[0].Condition != "START" || s.ProxyConfiguration.ContainerName != "proxy" {
			t.Errorf("sidecar = %+v", s)
		}
	})
	t.Run("small memory", func(t *testing.T) {
		s, err := sidecar.NewECSSidecar(sidecar.ECSSidecarOptions{Image: ccImage, Config: ccSidecarConfig(), AppPorts: []int{8080}, MemoryReservation: 32})
		if err != nil {
			t.Fatal(err)
		}
		if len(s.Caveats) != 2 || !strings.Contains(s.Caveats[0], "64 MiB") {
			t.Errorf("caveats = %q", s.Caveats)
		}
	})
	bad := map[string]sidecar.ECSSidecarOptions{
		"no image":             {Config: ccSidecarConfig(), AppPorts: []int{8080}},
		"no ports":             {Image: ccImage, Config: ccSidecarConfig()},
		"bad port":             {Image: ccImage, Config: ccSidecarConfig(), AppPorts: []int{0}},
		"invalid config":       {Image: ccImage, AppPorts: []int{8080}},
		"app on 9901":          {Image: ccImage, Config: ccSidecarConfig(), AppPorts: []int{9901}},
		"admin on an app port": {Image: ccImage, Config: func() sidecar.ContainerConfig { c := ccSidecarConfig(); c.AdminPort = ccPtr(8080); return c }(), AppPorts: []int{8080}},
	}
	for name, opts := range bad {
		t.Run(name, func(t *testing.T) {
			if _, err := sidecar.NewECSSidecar(opts); !errors.Is(err, sidecar.ErrInvalidSidecar) {
				t.Errorf("NewECSSidecar = %v, want ErrInvalidSidecar", err)
			}
		})
	}
	if _, err := sidecar.NewECSSidecar(bad["invalid config"]); !errors.Is(err, sidecar.ErrInvalidConfig) {
		t.Errorf("invalid config: %v, want ErrInvalidConfig too", err)
	}
}

func TestKubernetesSidecarYAML(t *testing.T) {
	b, err := sidecar.KubernetesSidecarYAML(sidecar.KubernetesSidecarOptions{Image: ccImage, Config: ccSidecarConfig()})
	if err != nil {
		t.Fatal(err)
	}
	ccGolden(t, "kubernetes-sidecar.yaml", b)
	var c struct {
		Name            string
		SecurityContext struct {
			RunAsUser int `yaml:"runAsUser"`
		} `yaml:"securityContext"`
		Ports []struct {
			ContainerPort int `yaml:"containerPort"`
		}
	}
	if err := yaml.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	if c.Name != "envoy" || c.SecurityContext.RunAsUser != 1337 || len(c.Ports) != 1 || c.Ports[0].ContainerPort != 9901 {
		t.Errorf("parsed sidecar = %+v", c)
	}
	if _, err := sidecar.KubernetesSidecarYAML(sidecar.KubernetesSidecarOptions{Image: ccImage}); !errors.Is(err, sidecar.ErrInvalidSidecar) {
		t.Errorf("no identity: %v, want ErrInvalidSidecar", err)
	}
	if _, err := sidecar.KubernetesSidecarYAML(sidecar.KubernetesSidecarOptions{Config: ccSidecarConfig()}); !errors.Is(err, sidecar.ErrInvalidSidecar) {
		t.Errorf("no image: %v, want ErrInvalidSidecar", err)
	}
	b, err = sidecar.KubernetesSidecarYAML(sidecar.KubernetesSidecarOptions{Image: ccImage, Config: ccSidecarConfig(), CPURequest: "-", MemoryRequest: "-"})
	if err != nil || strings.Contains(string(b), "resources") {
		t.Errorf("no requests: %v\n%s", err, b)
	}
}

func TestKubernetesPullSecret(t *testing.T) {
	const password = "fake-token-password-for-test"
	cfg, err := dockerconfig.JSON(appmeshenvoy.Token{
		Registry: "840364872350.dkr.ecr.us-west-2.amazonaws.com",
		Username: "AWS",
		Password: appmeshenvoy.NewSecret(password),
	})
	if err != nil {
		t.Fatal(err)
	}
	b, err := sidecar.KubernetesPullSecret("envoy-pull", "shop", cfg)
	if err != nil {
		t.Fatal(err)
	}
	ccGolden(t, "kubernetes-pull-secret.yaml", b)
	var s struct {
		Kind string
		Type string
		Data map[string]string
	}
	if err := yaml.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	raw, err := base64.StdEncoding.DecodeString(s.Data[".dockerconfigjson"])
	if err != nil || string(raw) != string(cfg) || s.Kind != "Secret" || s.Type != "kubernetes.io/dockerconfigjson" {
		t.Errorf("secret does not hold the docker config (kind %q, type %q, err %v)", s.Kind, s.Type, err)
	}

	bad := []struct{ name, secret, ns, data string }{
		{"bad name", "Envoy_Pull", "shop", string(cfg)},
		{"bad namespace", "envoy-pull", "Shop.ns", string(cfg)},
		{"not json", "envoy-pull", "", "{" + password},
		{"no auths", "envoy-pull", "", `{"password":"` + password + `"}`},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := sidecar.KubernetesPullSecret(tt.secret, tt.ns, []byte(tt.data))
			if err == nil {
				t.Fatal("no error")
			}
			if strings.Contains(err.Error(), password) {
				t.Error("the error contains the password")
			}
		})
	}
}
