package sidecar_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/sidecar"
)

const (
	E = sidecar.SeverityError
	W = sidecar.SeverityWarning
	I = sidecar.SeverityInfo
)

// TestIdentity: getNodeId takes the first non-empty (trimmed) identity variable;
// appendStats needs mesh/<mesh>/<type>/<name> at the end of it; App Mesh must know it.
func TestIdentity(t *testing.T) {
	tests := []struct {
		name  string
		env   []string
		image string
		want  []verdict
		say   string // a phrase the first finding must contain
	}{
		{"ARN", []string{"APPMESH_RESOURCE_ARN=arn:aws:appmesh:us-west-2:111122223333:mesh/shop/virtualNode/cart"}, "", nil, ""},
		{"short form", []string{"APPMESH_RESOURCE_ARN=" + node}, "", nil, ""},
		{"trimmed", []string{"APPMESH_RESOURCE_ARN=  " + node + "  "}, "", nil, ""},
		{"shared mesh", []string{"APPMESH_VIRTUAL_NODE_NAME=mesh/shop@111122223333/virtualNode/cart"}, "",
			[]verdict{{"APPMESH_VIRTUAL_NODE_NAME", sidecar.FindingLegacy, I}}, "legacy"},
		{"gateway in the legacy variable", []string{"APPMESH_VIRTUAL_NODE_NAME=mesh/shop/virtualGateway/ingress"}, "",
			[]verdict{{"APPMESH_VIRTUAL_NODE_NAME", sidecar.FindingLegacy, I}}, ""},
		{"ARN in the legacy variable", []string{"APPMESH_RESOURCE_NAME=arn:aws:appmesh:us-west-2:111122223333:mesh/shop/virtualNode/cart"}, "",
			[]verdict{{"APPMESH_RESOURCE_NAME", sidecar.FindingLegacy, I}}, ""},
		{"preview ARN with preview on", []string{"APPMESH_RESOURCE_ARN=arn:aws:appmesh-preview:us-west-2:111122223333:mesh/shop/virtualNode/cart", "APPMESH_PREVIEW=1"}, "", nil, ""},
		{"preview ARN without preview", []string{"APPMESH_RESOURCE_ARN=arn:aws:appmesh-preview:us-west-2:111122223333:mesh/shop/virtualNode/cart"}, "",
			[]verdict{{"APPMESH_RESOURCE_ARN", sidecar.FindingConflict, W}}, "APPMESH_PREVIEW"},
		{"region mismatch", []string{"APPMESH_RESOURCE_ARN=arn:aws:appmesh:us-west-2:111122223333:mesh/shop/virtualNode/cart", "AWS_REGION=eu-west-1"}, "",
			[]verdict{{"APPMESH_RESOURCE_ARN", sidecar.FindingConflict, W}}, "eu-west-1"},
		{"none", []string{"ENVOY_LOG_LEVEL=debug"}, "", []verdict{{"APPMESH_RESOURCE_ARN", sidecar.FindingMissing, E}}, "stops"},
		{"blank counts as unset", []string{"APPMESH_RESOURCE_ARN= ", "APPMESH_RESOURCE_NAME=" + node}, "",
			[]verdict{{"APPMESH_RESOURCE_ARN", sidecar.FindingDefault, I}, {"APPMESH_RESOURCE_NAME", sidecar.FindingLegacy, I}}, "unset"},
		{"no mesh and name", []string{"APPMESH_RESOURCE_ARN=cart"}, "", []verdict{{"APPMESH_RESOURCE_ARN", sidecar.FindingInvalid, E}}, "stops"},
		{"no mesh and name, stats file", []string{"APPMESH_RESOURCE_ARN=cart", "ENVOY_STATS_CONFIG_FILE=/etc/stats.yaml"}, "",
			[]verdict{{"APPMESH_RESOURCE_ARN", sidecar.FindingInvalid, W}}, "App Mesh will not recognize"},
		{"unknown resource type", []string{"APPMESH_RESOURCE_ARN=mesh/shop/virtualService/cart"}, "",
			[]verdict{{"APPMESH_RESOURCE_ARN", sidecar.FindingInvalid, W}}, "virtualService"},
		{"task set", []string{"APPMESH_RESOURCE_ARN=arn:aws:ecs:us-west-2:111122223333:task-set/c/s/ecs-svc/1"}, "",
			[]verdict{{"APPMESH_RESOURCE_ARN", sidecar.FindingInvalid, W}}, "Service Connect"},
		{"ENVOY_CONFIG_FILE needs none", []string{"ENVOY_CONFIG_FILE=/etc/envoy.yaml"}, "", nil, ""},
		{"order", []string{"APPMESH_VIRTUAL_NODE_NAME=mesh/a/virtualNode/b", "APPMESH_RESOURCE_ARN=" + node}, "",
			[]verdict{{"APPMESH_VIRTUAL_NODE_NAME", sidecar.FindingDead, W}}, "APPMESH_RESOURCE_ARN is set and wins"},
		{"same value twice", []string{"APPMESH_RESOURCE_ARN=" + node, "APPMESH_RESOURCE_NAME=" + node}, "",
			[]verdict{{"APPMESH_RESOURCE_NAME", sidecar.FindingDead, I}}, "same value"},
		{"old image without a legacy variable", []string{"APPMESH_RESOURCE_ARN=" + node}, "v1.14.1.0-prod",
			[]verdict{{"APPMESH_RESOURCE_ARN", sidecar.FindingVersion, E}}, "does not read it"},
		{"old image with a legacy variable", []string{"APPMESH_RESOURCE_ARN=" + node, "APPMESH_VIRTUAL_NODE_NAME=" + node}, "v1.14.1.0-prod",
			[]verdict{{"APPMESH_RESOURCE_ARN", sidecar.FindingVersion, I}, {"APPMESH_VIRTUAL_NODE_NAME", sidecar.FindingLegacy, I}}, "legacy variable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var opts []func(*sidecar.ParseOptions)
			if tt.image != "" {
				opts = append(opts, imageOpt(version(t, tt.image)))
			}
			wantFindings(t, tt.env, opts, tt.want, tt.say)
		})
	}
}

// TestRulesAcrossVariables: tracers, overrides, ports, ENVOY_CONFIG_FILE.
func TestRulesAcrossVariables(t *testing.T) {
	id := "APPMESH_RESOURCE_ARN=" + node
	tests := []struct {
		name string
		env  []string
		want []verdict
		say  string
	}{
		{"two tracers", []string{id, "ENABLE_ENVOY_XRAY_TRACING=1", "ENABLE_ENVOY_JAEGER_TRACING=true"},
			[]verdict{{"ENABLE_ENVOY_JAEGER_TRACING", sidecar.FindingConflict, E}}, "ENABLE_ENVOY_XRAY_TRACING and ENABLE_ENVOY_JAEGER_TRACING are both on"},
		{"three tracers, one finding", []string{id, "ENABLE_ENVOY_XRAY_TRACING=1", "ENABLE_ENVOY_DATADOG_TRACING=1", "ENABLE_ENVOY_JAEGER_TRACING=1"},
			[]verdict{{"ENABLE_ENVOY_JAEGER_TRACING", sidecar.FindingConflict, E}}, "all on"},
		{"tracing file: no conflict", []string{id, "ENABLE_ENVOY_XRAY_TRACING=1", "ENABLE_ENVOY_JAEGER_TRACING=1", "ENVOY_TRACING_CFG_FILE=/etc/t.yaml"},
			[]verdict{{"ENABLE_ENVOY_JAEGER_TRACING", sidecar.FindingDead, W}, {"ENABLE_ENVOY_XRAY_TRACING", sidecar.FindingDead, W}}, "ENVOY_TRACING_CFG_FILE"},
		{"admin port is the agent's", []string{id, "ENVOY_ADMIN_ACCESS_PORT=9902"},
			[]verdict{{"ENVOY_ADMIN_ACCESS_PORT", sidecar.FindingConflict, E}}, "agent's HTTP port"},
		{"agent's port is the default admin port", []string{id, "APPNET_AGENT_HTTP_PORT=9901"},
			[]verdict{{"APPNET_AGENT_HTTP_PORT", sidecar.FindingConflict, E}}, "admin port"},
		{"agent on a socket: no clash", []string{id, "ENVOY_ADMIN_ACCESS_PORT=9902", "APPNET_AGENT_ADMIN_MODE=uds"}, nil, ""},
		{"admin port is the proxy's ingress port", []string{id, "ENVOY_ADMIN_ACCESS_PORT=15000"},
			[]verdict{{"ENVOY_ADMIN_ACCESS_PORT", sidecar.FindingConflict, E}}, "listener or proxy port"},
		{"config file: bootstrap variables not read", []string{"ENVOY_CONFIG_FILE=/etc/envoy.yaml", "ENABLE_ENVOY_XRAY_TRACING=maybe", "ENVOY_STATS_FLUSH_INTERVAL=10s"},
			[]verdict{{"ENABLE_ENVOY_XRAY_TRACING", sidecar.FindingInvalid, W}, {"ENVOY_STATS_FLUSH_INTERVAL", sidecar.FindingDead, I}}, "harmless for now"},
		{"config file: agent settings still read", []string{"ENVOY_CONFIG_FILE=/etc/envoy.yaml", "PID_POLL_INTERVAL_MS=5"},
			[]verdict{{"PID_POLL_INTERVAL_MS", sidecar.FindingReset, W}}, "100"},
		{"sub-setting of a tracer that is off", []string{id, "DATADOG_TRACER_PORT=8127"},
			[]verdict{{"DATADOG_TRACER_PORT", sidecar.FindingDead, I}}, "ENABLE_ENVOY_DATADOG_TRACING is off"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { wantFindings(t, tt.env, nil, tt.want, tt.say) })
	}
}

// TestVersionNote: without an image version, one info finding lists the version rules
// that apply and were not checked; with one, they are checked instead.
func TestVersionNote(t *testing.T) {
	env := []string{"APPMESH_RESOURCE_ARN=" + node, "ENVOY_CONCURRENCY=2", "ENVOY_LOG_LEVEL=off", "STATSD_ADDRESS=10.0.0.1", "ENABLE_ENVOY_DOG_STATSD=1"}
	_, findings, err := sidecar.ParseEnv(env)
	if err != nil {
		t.Fatal(err)
	}
	var notes []sidecar.Finding
	for _, f := range findings {
		if f.Variable == "" {
			notes = append(notes, f)
		}
	}
	if len(notes) != 1 || notes[0].Kind != sidecar.FindingVersion || notes[0].Severity != I {
		t.Fatalf("notes = %v, want one info version finding", notes)
	}
	for _, s := range []string{"ENVOY_CONCURRENCY needs v1.24.0.0", "ENVOY_LOG_LEVEL=off needs v1.29.4.0"} {
		if !strings.Contains(notes[0].Message, s) {
			t.Errorf("note %q does not say %q", notes[0].Message, s)
		}
	}
	// STATSD_ADDRESS needs v1.15.0.0, older than the oldest supported image: not listed.
	if strings.Contains(notes[0].Message, "STATSD_ADDRESS") {
		t.Errorf("note lists a rule below the oldest supported image: %q", notes[0].Message)
	}
	_, findings, err = sidecar.ParseEnv(env, imageOpt(version(t, "v1.39.1.0-prod")))
	if err != nil {
		t.Fatal(err)
	}
	if len(findings) != 0 {
		t.Errorf("with a new image: %v, want no findings", findings)
	}
	_, findings, _ = sidecar.ParseEnv([]string{"APPMESH_RESOURCE_ARN=" + node})
	if len(findings) != 0 {
		t.Errorf("nothing gated: %v, want no note", findings)
	}
}

// controllerEnv is the environment the App Mesh controller for Kubernetes injects (its
// pkg/inject/envoy_test.go, "no tracing + enable xray tracing"); the agent accepts it.
var controllerEnv = []string{
	"APPMESH_VIRTUAL_NODE_NAME=mesh/my-mesh/virtualNode/my-vn_my-ns",
	"APPMESH_PREVIEW=0",
	"ENVOY_LOG_LEVEL=debug",
	"ENVOY_ADMIN_ACCESS_PORT=9901",
	"AWS_REGION=us-west-2",
	"ENABLE_ENVOY_XRAY_TRACING=1",
	"XRAY_DAEMON_PORT=2000",
	"XRAY_SAMPLING_RATE=0.01",
	"APPMESH_PLATFORM_APP_MESH_CONTROLLER_VERSION=v1.4.1",
	"APPMESH_PLATFORM_K8S_VERSION=v1.20.1-eks-fdsedv",
	"APPMESH_DUALSTACK_ENDPOINT=0",
	"ENVOY_ADMIN_ACCESS_ENABLE_IPV6=false",
	"APPMESH_FIPS_ENDPOINT=0",
	"APPNET_AGENT_ADMIN_MODE=uds",
	"APPNET_AGENT_ADMIN_UDS_PATH=/tmp/agent.sock",
	"APPMESH_PLATFORM_K8S_POD_UID=",
}

func TestAcceptedEnvironments(t *testing.T) {
	for name, env := range map[string][]string{
		"controller": controllerEnv,
		"controller, shared mesh gateway": {"APPMESH_VIRTUAL_NODE_NAME=mesh/shop@111122223333/virtualGateway/ingress", "AWS_REGION=us-west-2", "APPMESH_PREVIEW=1",
			"ENVOY_LOG_LEVEL=WARNING", "APPNET_AGENT_ADMIN_MODE=uds", "ENABLE_ENVOY_JAEGER_TRACING=1", "JAEGER_TRACER_PORT=9411", "JAEGER_TRACER_ADDRESS=jaeger.tracing"},
		"ECS": {"APPMESH_RESOURCE_ARN=arn:aws:appmesh:us-west-2:111122223333:mesh/shop/virtualNode/cart", "ENABLE_ENVOY_STATS_TAGS=1",
			"ENABLE_ENVOY_DOG_STATSD=1", "STATSD_ADDRESS=169.254.1.1", "ENVOY_LOG_LEVEL=info", "APPNET_ENVOY_RESTART_COUNT=5"},
		"preview ARN": {"APPMESH_RESOURCE_ARN=arn:aws:appmesh-preview:us-west-2:111122223333:mesh/shop/virtualNode/cart", "APPMESH_PREVIEW=true"},
	} {
		t.Run(name, func(t *testing.T) {
			_, findings, err := sidecar.ParseEnv(env)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range findings {
				if f.Severity != I {
					t.Errorf("accepted environment gets %v", f)
				}
			}
		})
	}
}

func TestFindingJSON(t *testing.T) {
	_, findings, err := sidecar.ParseEnv([]string{"APPMESH_RESOURCE_ARN=" + node, "LISTENER_DRAIN_WAIT_TIME_S=200", "ENABLE_ENVOY_XRAY_TRACING=yes"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(findings)
	if err != nil {
		t.Fatal(err)
	}
	want := `[{"severity":"error","kind":"invalid","variable":"ENABLE_ENVOY_XRAY_TRACING","message":"\"yes\" is not a boolean (1, t, T, TRUE, true, True, 0, f, F, FALSE, false, False): the agent stops before starting Envoy"},` +
		`{"severity":"warning","kind":"reset","variable":"LISTENER_DRAIN_WAIT_TIME_S","message":"200 is outside 5–110: the agent silently resets it to the default 20 (not to the nearest bound)","effectiveValue":"20"}]`
	if string(b) != want {
		t.Errorf("JSON:\n%s\nwant:\n%s", b, want)
	}
	var back []sidecar.Finding
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(findings, back); d != "" {
		t.Errorf("JSON round trip (-want +got)\n%s", d)
	}
}

func TestFindingsSorted(t *testing.T) {
	_, findings, err := sidecar.ParseEnv([]string{
		"ZZ_ENVOY=1", "ENVOY_LOG_LEVL=x", "APPMESH_FIPS_ENDPOINT=1", "ENABLE_ENVOY_XRAY_TRACING=1", "ENABLE_ENVOY_JAEGER_TRACING=1",
	})
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < len(findings); i++ {
		a, b := findings[i-1], findings[i]
		if a.Variable > b.Variable || a.Variable == b.Variable && a.Severity < b.Severity {
			t.Errorf("findings not sorted: %v before %v", a, b)
		}
	}
}

// TestLongValuesMarkedCut: a value cut for length says so.
func TestLongValuesMarkedCut(t *testing.T) {
	long := "mesh/shop/virtualNode/" + strings.Repeat("c", 300)
	_, findings, err := sidecar.ParseEnv([]string{"APPMESH_RESOURCE_ARN=" + long})
	if err != nil {
		t.Fatal(err)
	}
	if len(findings) != 1 || !strings.Contains(findings[0].Message, `c"...(cut)`) {
		t.Errorf("findings = %v, want one that marks the cut value", findings)
	}
}
