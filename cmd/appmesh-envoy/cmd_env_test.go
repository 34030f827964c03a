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
		{"allows one built-in tracer", []string{"env", "--virtual-node", testNode, "--xray", "--jaeger"}},
		{"invalid app mesh resource", []string{"env", "--virtual-node", "shop/cart"}},
		{"ENVOY_LOG_LEVEL", []string{"env", "--virtual-node", testNode, "--log-level", "loud"}},
		{"listener port -5 is outside 1–65535", []string{"env", "--virtual-node", testNode, "--listener-port", "-5"}},
		{"listener port 0 is outside 1–65535", []string{"env", "--virtual-node", testNode, "--listener-port", "0"}},
		{"listener port 70000 is outside 1–65535", []string{"env", "--virtual-node", testNode, "--listener-port", "70000"}},
		{"port 70000 is outside 0–65535", []string{"env", "--virtual-node", testNode, "--admin-port", "70000"}},
		{"resets it to the default 20", []string{"env", "--virtual-node", testNode, "--drain-wait", "200"}},
		{"has no effect", []string{"env", "--virtual-node", testNode, "--concurrency", "0"}},
		{`c"...(cut)`, []string{"env", "--virtual-node", "mesh/shop/virtualGateway/" + strings.Repeat("c", 100)}},
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
	// The tracer conflict is said once.
	r := runCLI(t, "env", "--virtual-node", testNode, "--xray", "--jaeger")
	if n := strings.Count(r.stderr, "tracer"); n != 1 {
		t.Errorf("the tracer conflict is said %d times:\n%s", n, r.stderr)
	}
}

func TestEnvLint(t *testing.T) {
	tests := []struct {
		name, input string
		code        int
		contains    string
	}{
		{"clean", "APPMESH_RESOURCE_ARN=" + testNode + "\nENVOY_LOG_LEVEL=DEBUG\n", exitOK, "no findings"},
		{"warnings only exit 0", "APPMESH_RESOURCE_ARN=" + testNode + "\nPID_POLL_INTERVAL_MS=5\n", exitOK, "Envoy starts, but not as written"},
		{"errors exit 2", "APPMESH_RESOURCE_ARN=" + testNode + "\nENABLE_ENVOY_XRAY_TRACING=yes\n", exitUsage, "Envoy will not start: 1 error"},
		{"not an environment", "this is not an env file\n", exitUsage, ""},
		{"binary", "\x7fELF\x02\x01\x01\x00", exitUsage, "NUL"},
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
	r = runCLI(t, "env", "lint", t.TempDir())
	r.wantCode(t, exitUsage)
	r.wantOneLineError(t, "directory")
}

// TestEnvLintVerdicts: the three verdicts, --fail-on-warning and the JSON keys.
func TestEnvLintVerdicts(t *testing.T) {
	id := "APPMESH_RESOURCE_ARN=" + testNode + "\n"
	warning := id + "DISABLE_HOT_RESTART=no\n"
	r := runWith(t, runOpts{stdin: warning}, "env", "lint", "-", "-o", "json")
	r.wantCode(t, exitOK)
	var findings []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &findings); err != nil {
		t.Fatal(err)
	}
	want := []map[string]any{{"severity": "warning", "kind": "reset", "variable": "DISABLE_HOT_RESTART", "effectiveValue": "true",
		"message": `"no" is not a Go boolean (1, t, T, TRUE, true, True, 0, f, F, FALSE, false, False): the agent silently keeps the default true, so hot restart stays disabled`}}
	if d := cmp.Diff(want, findings); d != "" {
		t.Errorf("JSON (-want +got)\n%s", d)
	}
	r = runWith(t, runOpts{stdin: warning}, "env", "lint", "--fail-on-warning", "-")
	r.wantCode(t, exitUsage)
	r.wantOneLineError(t, "1 warning")
	r = runWith(t, runOpts{stdin: id}, "env", "lint", "--fail-on-warning", "-")
	r.wantCode(t, exitOK)
	if !strings.Contains(r.stderr, "accepted") {
		t.Errorf("stderr = %q, want the verdict accepted", r.stderr)
	}
	// Version rules: noted when the image is unknown, checked when it is given.
	gated := id + "ENVOY_CONCURRENCY=2\n"
	r = runWith(t, runOpts{stdin: gated}, "env", "lint", "-")
	r.wantCode(t, exitOK)
	if !strings.Contains(r.stdout, "not checked") || !strings.Contains(r.stdout, "ENVOY_CONCURRENCY needs v1.24.0.0") {
		t.Errorf("stdout does not note the unchecked version rule:\n%s", r.stdout)
	}
	r = runWith(t, runOpts{stdin: gated}, "env", "lint", "--image-version", "v1.23.1.0-prod", "--fail-on-warning", "-")
	r.wantCode(t, exitUsage)
	if !strings.Contains(r.stdout, "image v1.23.1.0-prod does not read it") {
		t.Errorf("stdout does not say the image ignores it:\n%s", r.stdout)
	}
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
	t.Run("values kept as given and read as the agent does", func(t *testing.T) {
		r := runCLI(t, "env", "--virtual-node", testNode, "--set", `APPNET_CONTAINER_IP_MAPPING={"a":"10.0.0.1","b":"10.0.0.2"}`,
			"--set", "ENVOY_INITIAL_FETCH_TIMEOUT= 30", "--set", "ENVOY_ADMIN_MODE=UDS", "-o", "json")
		r.wantCode(t, exitOK)
		var got map[string]string
		if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
			t.Fatal(err)
		}
		want := map[string]string{"APPMESH_RESOURCE_ARN": testNode, "APPNET_CONTAINER_IP_MAPPING": `{"a":"10.0.0.1","b":"10.0.0.2"}`,
			"ENVOY_INITIAL_FETCH_TIMEOUT": "30", "ENVOY_ADMIN_MODE": "uds"}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("(-want +got)\n%s", d)
		}
	})
	t.Run("unknown name: a warning with a suggestion", func(t *testing.T) {
		r := runCLI(t, "env", "--virtual-node", testNode, "--set", "ENVOY_LOG_LEVL=debug")
		r.wantCode(t, exitOK)
		if !strings.Contains(r.stderr, "did you mean ENVOY_LOG_LEVEL?") || !strings.Contains(r.stdout, "ENVOY_LOG_LEVL=debug") {
			t.Errorf("stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
		}
	})
	for _, tc := range []struct {
		name string
		args []string
		msg  string
	}{
		{"flag and set", []string{"--log-level", "warn", "--set", "ENVOY_LOG_LEVEL=debug"}, "--set ENVOY_LOG_LEVEL"},
		{"identity", []string{"--set", "APPMESH_RESOURCE_ARN=mesh/a/virtualNode/b"}, "--virtual-node"},
		{"not NAME=VALUE", []string{"--set", "ENVOY_LOG_LEVEL"}, "NAME=VALUE"},
		{"agent value with white space", []string{"--set", "PID_POLL_INTERVAL_MS= 300"}, "does not trim"},
		{"agent would replace it", []string{"--set", "DISABLE_HOT_RESTART=no"}, "keeps the default true"},
		{"bootstrap would stop", []string{"--set", "APPMESH_PREVIEW=yes"}, "stops"},
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
