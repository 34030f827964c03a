package sidecar_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/sidecar"
	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"
)

// updateContainerGolden rewrites testdata/container/*.golden: go test -run . ./appmeshenvoy -update-container
var updateContainerGolden = flag.Bool("update-container", false, "rewrite the container configuration golden files")

func ccGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "container", name+".golden")
	if *updateContainerGolden {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update-container to create it)", err)
	}
	if d := cmp.Diff(string(want), string(got)); d != "" {
		t.Errorf("%s (-want +got)\n%s", path, d)
	}
}

// ccTrickyEnv has values that need quoting in every output form.
var ccTrickyEnv = []sidecar.EnvVar{
	{Name: "APPMESH_RESOURCE_ARN", Value: "arn:aws:appmesh:us-west-2:111122223333:mesh/shop/virtualNode/cart"},
	{Name: "DD_SERVICE", Value: `it's "cart" & <co> $HOME #1`},
	{Name: "ENABLE_ENVOY_XRAY_TRACING", Value: "1"},
	{Name: "ENVOY_LOG_LEVEL", Value: "off"},
	{Name: "ENVOY_NEW_THING", Value: "line1\nline2\ttab\\ünï"},
	{Name: "XRAY_SAMPLING_RATE", Value: "0.05"},
	{Name: "XRAY_SEGMENT_NAME", Value: "true"},
}

func TestEmitGolden(t *testing.T) {
	ecs, err := sidecar.ECSEnvironmentJSON(ccTrickyEnv)
	if err != nil {
		t.Fatal(err)
	}
	ccGolden(t, "ecs-environment.json", ecs)
	var back []sidecar.EnvVar
	if err := json.Unmarshal(ecs, &back); err != nil || !cmp.Equal(ccTrickyEnv, back) {
		t.Errorf("ECS JSON does not read back: %v %s", err, cmp.Diff(ccTrickyEnv, back))
	}

	obj, err := sidecar.EnvJSONObject(ccTrickyEnv)
	if err != nil {
		t.Fatal(err)
	}
	ccGolden(t, "env-object.json", obj)

	k8s, err := sidecar.KubernetesEnvYAML(ccTrickyEnv)
	if err != nil {
		t.Fatal(err)
	}
	ccGolden(t, "kubernetes-env.yaml", k8s)
	var kback struct {
		Env []sidecar.EnvVar `yaml:"env"`
	}
	if err := yaml.Unmarshal(k8s, &kback); err != nil || !cmp.Equal(ccTrickyEnv, kback.Env) {
		t.Errorf("Kubernetes YAML does not read back: %v %s", err, cmp.Diff(ccTrickyEnv, kback.Env))
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

	ccGolden(t, "docker-run-flags.txt", []byte(sidecar.DockerRunFlags(ccTrickyEnv)+"\n"))

	dotenv := sidecar.Dotenv(ccTrickyEnv)
	ccGolden(t, "container.env", dotenv)
	lines, err := sidecar.SplitEnvLines(dotenv)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(ccEnviron(ccTrickyEnv), lines); d != "" {
		t.Errorf("dotenv does not read back (-want +got)\n%s", d)
	}
}

func TestEmitEmpty(t *testing.T) {
	ecs, _ := sidecar.ECSEnvironmentJSON(nil)
	if string(ecs) != "[]\n" {
		t.Errorf("ECSEnvironmentJSON(nil) = %q, want []", ecs)
	}
	k8s, _ := sidecar.KubernetesEnvYAML(nil)
	if string(k8s) != "env: []\n" {
		t.Errorf("KubernetesEnvYAML(nil) = %q", k8s)
	}
	if got := sidecar.DockerRunFlags(nil); got != "" {
		t.Errorf("DockerRunFlags(nil) = %q", got)
	}
	if got := sidecar.Dotenv(nil); len(got) != 0 {
		t.Errorf("Dotenv(nil) = %q", got)
	}
}

// TestDockerRunFlagsShell checks the quoting with a real POSIX shell: the shell must split
// the flags into exactly the arguments of DockerRunArgs.
func TestDockerRunFlagsShell(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("sh not found")
		}
		t.Skip("sh not found")
	}
	out, err := exec.Command(sh, "-c", `printf '%s\0' `+sidecar.DockerRunFlags(ccTrickyEnv)).Output()
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
	if d := cmp.Diff(sidecar.DockerRunArgs(ccTrickyEnv), got); d != "" {
		t.Errorf("shell split (-want +got)\n%s", d)
	}
}

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{
		"":          "''",
		"plain":     "plain",
		"a=b:c/d.e": "a=b:c/d.e",
		"a b":       "'a b'",
		"it's":      `'it'\''s'`,
		"$HOME":     "'$HOME'",
	} {
		if got := sidecar.ShellQuote(in); got != want {
			t.Errorf("ShellQuote(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestDotenvQuoting(t *testing.T) {
	got := sidecar.Dotenv([]sidecar.EnvVar{{Name: "A", Value: "x y"}, {Name: "B", Value: "plain-1.0"}, {Name: "C", Value: `"$\`}})
	want := "A=\"x y\"\nB=plain-1.0\nC=\"\\\"\\$\\\\\"\n"
	if !bytes.Equal(got, []byte(want)) {
		t.Errorf("Dotenv = %q, want %q", got, want)
	}
}
