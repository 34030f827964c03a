package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/sidecar"
	"github.com/google/go-cmp/cmp"
)

func TestEnvOutputs(t *testing.T) {
	base := []string{"env", "--virtual-node", testNode, "--xray", "--log-level", "warn", "--stats-tags", "--dogstatsd"}
	want := map[string]string{
		"APPMESH_RESOURCE_ARN":      testNode,
		"ENABLE_ENVOY_XRAY_TRACING": "1",
		"ENVOY_LOG_LEVEL":           "warn",
		"ENABLE_ENVOY_STATS_TAGS":   "1",
		"ENABLE_ENVOY_DOG_STATSD":   "1",
	}
	t.Run("json", func(t *testing.T) {
		r := runCLI(t, append(base, "-o", "json")...)
		r.wantCode(t, exitOK)
		var got map[string]string
		if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
	t.Run("ecs", func(t *testing.T) {
		r := runCLI(t, append(base, "-o", "ecs")...)
		r.wantCode(t, exitOK)
		var got []sidecar.EnvVar
		if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		for _, v := range got {
			m[v.Name] = v.Value
		}
		if diff := cmp.Diff(want, m); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
	t.Run("dotenv round trip through env lint", func(t *testing.T) {
		r := runCLI(t, base...)
		r.wantCode(t, exitOK)
		file := filepath.Join(t.TempDir(), "envoy.env")
		if err := os.WriteFile(file, []byte(r.stdout), 0o600); err != nil {
			t.Fatal(err)
		}
		lint := runCLI(t, "env", "lint", file, "-o", "json")
		lint.wantCode(t, exitOK)
		var findings []sidecar.Finding
		if err := json.Unmarshal([]byte(lint.stdout), &findings); err != nil {
			t.Fatal(err)
		}
		for _, f := range findings {
			if f.Severity == sidecar.SeverityError {
				t.Errorf("generated env has an error: %v", f)
			}
		}
	})
	t.Run("k8s and docker", func(t *testing.T) {
		r := runCLI(t, append(base, "-o", "k8s")...)
		r.wantCode(t, exitOK)
		if !strings.Contains(r.stdout, "- name: ENVOY_LOG_LEVEL") {
			t.Errorf("k8s output:\n%s", r.stdout)
		}
		r = runCLI(t, append(base, "-o", "docker")...)
		r.wantCode(t, exitOK)
		if !strings.Contains(r.stdout, "-e ENVOY_LOG_LEVEL=warn") {
			t.Errorf("docker output:\n%s", r.stdout)
		}
	})
}

func TestEnvUsageErrors(t *testing.T) {
	tests := []struct {
		contains string
		args     []string
	}{
		{"needs the proxy's identity", []string{"env"}},
		{"not both", []string{"env", "--virtual-node", testNode, "--virtual-gateway", "mesh/a/virtualGateway/g"}},
		{"at most one tracer", []string{"env", "--virtual-node", testNode, "--xray", "--jaeger"}},
		{"invalid app mesh resource", []string{"env", "--virtual-node", "shop/cart"}},
		{"ENVOY_LOG_LEVEL", []string{"env", "--virtual-node", testNode, "--log-level", "loud"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			r := runCLI(t, tt.args...)
			r.wantCode(t, exitUsage, tt.args...)
			r.wantOneLineError(t, tt.contains)
			if r.stdout != "" {
				t.Errorf("stdout = %q", r.stdout)
			}
		})
	}
}

func TestEnvLint(t *testing.T) {
	tests := []struct {
		name, input string
		code        int
		contains    string
	}{
		{"clean", "APPMESH_RESOURCE_ARN=" + testNode + "\nENVOY_LOG_LEVEL=debug\n", exitOK, "no findings"},
		{"warnings only exit 0", "APPMESH_RESOURCE_ARN=" + testNode + "\nPID_POLL_INTERVAL_MS=5\n", exitOK, "PID_POLL_INTERVAL_MS"},
		{"errors exit 2", "APPMESH_RESOURCE_ARN=" + testNode + "\nENABLE_ENVOY_XRAY_TRACING=yes\n", exitUsage, "ENABLE_ENVOY_XRAY_TRACING"},
		{"not an environment", "this is not an env file\n", exitUsage, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runWith(t, runOpts{stdin: tt.input}, "env", "lint", "-")
			r.wantCode(t, tt.code)
			if !strings.Contains(r.stdout+r.stderr, tt.contains) {
				t.Errorf("output does not contain %q:\nstdout:\n%s\nstderr:\n%s", tt.contains, r.stdout, r.stderr)
			}
			if tt.code == exitUsage {
				r.wantOneLineError(t, "")
			}
		})
	}
	r := runCLI(t, "env", "lint")
	r.wantCode(t, exitUsage)
	r = runCLI(t, "env", "lint", filepath.Join(t.TempDir(), "missing.env"))
	r.wantCode(t, exitUsage)
	r.wantOneLineError(t, "missing.env")
}

// TestEnvSet checks --set: a name the agent does not read is written as given (it used to
// vanish silently), a variable a flag also sets is a usage error instead of one value
// silently winning, and the identity comes only from --virtual-node/--virtual-gateway.
func TestEnvSet(t *testing.T) {
	t.Run("pass through", func(t *testing.T) {
		r := runCLI(t, "env", "--virtual-node", testNode, "--set", "FOO=bar", "--set", "ENVOY_ADMIN_MODE=uds", "-o", "json")
		r.wantCode(t, exitOK)
		var got map[string]string
		if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
			t.Fatal(err)
		}
		want := map[string]string{"APPMESH_RESOURCE_ARN": testNode, "FOO": "bar", "ENVOY_ADMIN_MODE": "uds"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
	for _, tc := range []struct {
		name string
		args []string
		msg  string
	}{
		{"flag and set", []string{"--log-level", "warn", "--set", "ENVOY_LOG_LEVEL=debug"}, "--set ENVOY_LOG_LEVEL"},
		{"identity", []string{"--set", "APPMESH_RESOURCE_ARN=mesh/a/virtualNode/b"}, "--virtual-node"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, append([]string{"env", "--virtual-node", testNode}, tc.args...)...)
			r.wantCode(t, exitUsage)
			r.wantOneLineError(t, tc.msg)
			if r.stdout != "" {
				t.Errorf("stdout = %q, want nothing", r.stdout)
			}
		})
	}
}
