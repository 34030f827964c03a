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

func TestKubernetesEnvYAML(t *testing.T) {
	k8s, err := sidecar.KubernetesEnvYAML(trickyEnv)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "kubernetes-env.yaml", k8s)
	var back struct {
		Env []sidecar.EnvVar `yaml:"env"`
	}
	if err := yaml.Unmarshal(k8s, &back); err != nil || !cmp.Equal(trickyEnv, back.Env) {
		t.Errorf("Kubernetes YAML does not read back: %v %s", err, cmp.Diff(trickyEnv, back.Env))
	}
	// "1", "0.05" and "true" must stay strings, not become a number or a bool.
	var generic map[string][]map[string]any
	if err := yaml.Unmarshal(k8s, &generic); err != nil {
		t.Fatal(err)
	}
	for _, item := range generic["env"] {
		if _, ok := item["value"].(string); !ok {
			t.Errorf("value of %v is %T in YAML, want a string", item["name"], item["value"])
		}
	}
	if empty, _ := sidecar.KubernetesEnvYAML(nil); string(empty) != "env: []\n" {
		t.Errorf("KubernetesEnvYAML(nil) = %q", empty)
	}
}

func TestKubernetesSidecarYAML(t *testing.T) {
	b, err := sidecar.KubernetesSidecarYAML(sidecar.KubernetesSidecarOptions{Image: image, Config: sidecarConfig()})
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "kubernetes-sidecar.yaml", b)
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
	if _, err := sidecar.KubernetesSidecarYAML(sidecar.KubernetesSidecarOptions{Image: image}); !errors.Is(err, sidecar.ErrInvalidSidecar) {
		t.Errorf("no identity: %v, want ErrInvalidSidecar", err)
	}
	if _, err := sidecar.KubernetesSidecarYAML(sidecar.KubernetesSidecarOptions{Config: sidecarConfig()}); !errors.Is(err, sidecar.ErrInvalidSidecar) {
		t.Errorf("no image: %v, want ErrInvalidSidecar", err)
	}
	b, err = sidecar.KubernetesSidecarYAML(sidecar.KubernetesSidecarOptions{Image: image, Config: sidecarConfig(), CPURequest: "-", MemoryRequest: "-"})
	if err != nil || strings.Contains(string(b), "resources") {
		t.Errorf("no requests: %v\n%s", err, b)
	}
	uds := sidecarConfig()
	uds.AdminMode = ptr(sidecar.AdminModeUDS)
	b, err = sidecar.KubernetesSidecarYAML(sidecar.KubernetesSidecarOptions{Image: image, Config: uds})
	if err != nil || strings.Contains(string(b), "containerPort") {
		t.Errorf("admin on its Unix socket: %v, want no port\n%s", err, b)
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
	golden(t, "kubernetes-pull-secret.yaml", b)
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
			if appmeshenvoy.CodeOf(err) != appmeshenvoy.CodeInvalidInput {
				t.Errorf("code %s, want invalid-input", appmeshenvoy.CodeOf(err))
			}
		})
	}
}
