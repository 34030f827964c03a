package sidecar_test

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/sidecar"
)

func TestValidate(t *testing.T) {
	inv, conf, reset, ver, miss := sidecar.FindingInvalid, sidecar.FindingConflict, sidecar.FindingReset, sidecar.FindingVersion, sidecar.FindingMissing
	tests := []struct {
		name string
		mod  func(c *sidecar.ContainerConfig)
		want []verdict
	}{
		{"valid minimal", func(c *sidecar.ContainerConfig) {}, nil},
		{"valid everything", func(c *sidecar.ContainerConfig) {
			c.Resource = "arn:aws:appmesh:eu-west-1:111122223333:mesh/shop/virtualGateway/gw"
			c.LogLevel = ptr(sidecar.LogDebug)
			c.AdminPort = ptr(9000)
			c.XRayTracing = ptr(true)
			c.XRayDaemonAddress = ptr("10.0.0.1:3000")
			c.XRaySamplingRate = ptr(1.0)
			c.DogStatsD = ptr(true)
			c.StatsDAddress = ptr("::1")
			c.StatsFlushInterval = ptr(10 * time.Second)
			c.JaegerTracerVersion = ptr("JSON")
			c.RestartCount = ptr(10)
			c.PIDPollIntervalMS = ptr(1000)
			c.ListenerDrainWaitS = ptr(5)
			c.HealthPollIntervalMS = ptr(30000)
			c.HealthDisconnectedTimeoutS = ptr(3600)
			c.MetricExtensionVersion = ptr("1")
			c.Region = ptr("eu-west-1")
			c.Preview = ptr(false)
			c.DisableHotRestart = ptr(false)
			c.AgentAdminMode = ptr(sidecar.AdminModeUDS)
			c.ListenerPorts = []int{8080}
			c.ImageVersion = version(t, "v1.29.6.0-prod")
			c.Extra = map[string]string{"ENVOY_SANITIZE_ORIGINAL_PATH": "false"}
		}, nil},
		{"legacy variable with a gateway", func(c *sidecar.ContainerConfig) {
			c.ResourceVariable = sidecar.EnvVirtualNodeName
			c.Resource = "mesh/shop/virtualGateway/gw"
		}, nil},
		{"shared mesh", func(c *sidecar.ContainerConfig) { c.Resource = "mesh/shop@111122223333/virtualNode/cart" }, nil},
		{"no identity", func(c *sidecar.ContainerConfig) { c.Resource = "" }, []verdict{{"APPMESH_RESOURCE_ARN", miss, E}}},
		{"no identity with ENVOY_CONFIG_FILE", func(c *sidecar.ContainerConfig) { c.Resource = ""; c.ConfigFile = ptr("/etc/envoy.yaml") }, nil},
		{"identity without mesh and name", func(c *sidecar.ContainerConfig) { c.Resource = "mesh/shop/cart" }, []verdict{{"APPMESH_RESOURCE_ARN", inv, E}}},
		{"identity App Mesh does not know", func(c *sidecar.ContainerConfig) { c.Resource = "mesh/shop/virtualRouter/r" }, []verdict{{"APPMESH_RESOURCE_ARN", inv, W}}},
		{"not an identity variable", func(c *sidecar.ContainerConfig) { c.ResourceVariable = "NODE" },
			[]verdict{{"APPMESH_RESOURCE_ARN", miss, E}, {"NODE", inv, E}}},
		{"log level", func(c *sidecar.ContainerConfig) { c.LogLevel = ptr(sidecar.LogLevel("verbose")) }, []verdict{{"ENVOY_LOG_LEVEL", reset, W}}},
		{"admin port 0", func(c *sidecar.ContainerConfig) { c.AdminPort = ptr(0) }, []verdict{{"ENVOY_ADMIN_ACCESS_PORT", inv, W}}},
		{"ports above 65535", func(c *sidecar.ContainerConfig) {
			c.XRayTracing, c.DogStatsD = ptr(true), ptr(true)
			c.XRayDaemonPort = ptr(65536)
			c.StatsDPort = ptr(100000)
			c.DatadogTracerPort = ptr(70000) // Datadog is off: Envoy would not start with it on
		}, []verdict{{"DATADOG_TRACER_PORT", inv, E}, {"STATSD_PORT", inv, E}, {"XRAY_DAEMON_PORT", inv, E}}},
		{"agent port range", func(c *sidecar.ContainerConfig) { c.AgentHTTPPort = ptr(70000) }, []verdict{{"APPNET_AGENT_HTTP_PORT", reset, W}}},
		{"agent port below 1024", func(c *sidecar.ContainerConfig) { c.AgentHTTPPort = ptr(80) }, []verdict{{"APPNET_AGENT_HTTP_PORT", reset, W}}},
		{"negative fetch timeout", func(c *sidecar.ContainerConfig) { c.InitialFetchTimeout = ptr(-1) }, []verdict{{"ENVOY_INITIAL_FETCH_TIMEOUT", inv, E}}},
		{"concurrency 0", func(c *sidecar.ContainerConfig) { c.Concurrency = ptr(0) }, []verdict{{"ENVOY_CONCURRENCY", inv, W}}},
		{"sampling rate above 1", func(c *sidecar.ContainerConfig) { c.XRayTracing = ptr(true); c.XRaySamplingRate = ptr(1.5) }, []verdict{{"XRAY_SAMPLING_RATE", inv, E}}},
		{"sampling rate NaN", func(c *sidecar.ContainerConfig) { c.XRayTracing = ptr(true); c.XRaySamplingRate = ptr(math.NaN()) }, []verdict{{"XRAY_SAMPLING_RATE", inv, E}}},
		{"sampling rate with three decimals", func(c *sidecar.ContainerConfig) { c.XRayTracing = ptr(true); c.XRaySamplingRate = ptr(0.125) }, []verdict{{"XRAY_SAMPLING_RATE", reset, W}}},
		{"two tracers", func(c *sidecar.ContainerConfig) { c.XRayTracing = ptr(true); c.JaegerTracing = ptr(true) }, []verdict{{"ENABLE_ENVOY_JAEGER_TRACING", conf, E}}},
		{"x-ray host name", func(c *sidecar.ContainerConfig) {
			c.XRayTracing = ptr(true)
			c.XRayDaemonAddress = ptr("xray.local:2000")
		}, []verdict{{"AWS_XRAY_DAEMON_ADDRESS", inv, E}}},
		{"x-ray bare IPv6", func(c *sidecar.ContainerConfig) { c.XRayTracing = ptr(true); c.XRayDaemonAddress = ptr("::1") }, []verdict{{"AWS_XRAY_DAEMON_ADDRESS", inv, E}}},
		{"statsd address with port", func(c *sidecar.ContainerConfig) { c.DogStatsD = ptr(true); c.StatsDAddress = ptr("10.0.0.1:8125") }, []verdict{{"STATSD_ADDRESS", inv, E}}},
		{"timers", func(c *sidecar.ContainerConfig) {
			c.PIDPollIntervalMS, c.ListenerDrainWaitS, c.HealthPollIntervalMS, c.HealthDisconnectedTimeoutS = ptr(99), ptr(200), ptr(1999), ptr(604801)
		}, []verdict{{"HC_DISCONNECTED_TIMEOUT_S", reset, W}, {"HC_POLL_INTERVAL_MS", reset, W}, {"LISTENER_DRAIN_WAIT_TIME_S", reset, W}, {"PID_POLL_INTERVAL_MS", reset, W}}},
		{"restart count", func(c *sidecar.ContainerConfig) { c.RestartCount = ptr(50) }, []verdict{{"APPNET_ENVOY_RESTART_COUNT", reset, W}}},
		{"agent boolean", func(c *sidecar.ContainerConfig) {
			c.Extra = map[string]string{"APPNET_ENABLE_RELAY_MODE_FOR_XDS": "yes"}
		}, nil},
		{"admin equals agent port", func(c *sidecar.ContainerConfig) { c.AdminPort = ptr(9902) }, []verdict{{"ENVOY_ADMIN_ACCESS_PORT", conf, E}}},
		{"admin equals listener port", func(c *sidecar.ContainerConfig) { c.AdminPort = ptr(8080); c.ListenerPorts = []int{8080} }, []verdict{{"ENVOY_ADMIN_ACCESS_PORT", conf, E}}},
		{"default admin port is a listener port", func(c *sidecar.ContainerConfig) { c.ListenerPorts = []int{9901} }, []verdict{{"ENVOY_ADMIN_ACCESS_PORT", conf, E}}},
		{"listener ports out of range", func(c *sidecar.ContainerConfig) { c.ListenerPorts = []int{-5, 0, 70000} },
			[]verdict{{"ListenerPorts", inv, E}, {"ListenerPorts", inv, E}, {"ListenerPorts", inv, E}}},
		{"flush interval", func(c *sidecar.ContainerConfig) { c.StatsFlushInterval = ptr(time.Duration(0)) }, []verdict{{"ENVOY_STATS_FLUSH_INTERVAL", inv, E}}},
		{"jaeger version", func(c *sidecar.ContainerConfig) { c.JaegerTracing = ptr(true); c.JaegerTracerVersion = ptr("thrift") }, []verdict{{"JAEGER_TRACER_VERSION", reset, W}}},
		{"metric extension", func(c *sidecar.ContainerConfig) { c.MetricExtensionVersion = ptr("true") }, []verdict{{"APPMESH_METRIC_EXTENSION_VERSION", reset, W}}},
		{"agent text with white space", func(c *sidecar.ContainerConfig) { c.LogDestination = ptr("/var/log ") }, []verdict{{"APPNET_ENVOY_LOG_DESTINATION", inv, W}}},
		{"NUL in value", func(c *sidecar.ContainerConfig) { c.DatadogService = ptr("a\x00b") }, []verdict{{"DD_SERVICE", inv, E}}},
		{"extra bad name", func(c *sidecar.ContainerConfig) { c.Extra = map[string]string{"BAD-NAME": "x"} }, []verdict{{"BAD-NAME", inv, E}}},
		{"extra shadows a field", func(c *sidecar.ContainerConfig) { c.Extra = map[string]string{"ENVOY_LOG_LEVEL": "debug"} }, []verdict{{"ENVOY_LOG_LEVEL", conf, E}}},
		{"extra empty value", func(c *sidecar.ContainerConfig) { c.Extra = map[string]string{"ENVOY_SANITIZE_ORIGINAL_PATH": " "} }, []verdict{{"ENVOY_SANITIZE_ORIGINAL_PATH", inv, E}}},
		{"extra bootstrap flag", func(c *sidecar.ContainerConfig) { c.Extra = map[string]string{"ENVOY_SANITIZE_ORIGINAL_PATH": "no"} }, []verdict{{"ENVOY_SANITIZE_ORIGINAL_PATH", inv, E}}},
		{"version: resource ARN before 1.15", func(c *sidecar.ContainerConfig) { c.ImageVersion = version(t, "v1.14.1.0-prod") },
			[]verdict{{"APPMESH_RESOURCE_ARN", ver, E}}},
		{"version: legacy variable before 1.15", func(c *sidecar.ContainerConfig) {
			c.ImageVersion = version(t, "v1.14.1.0-prod")
			c.ResourceVariable = sidecar.EnvVirtualNodeName
		}, nil},
		{"version: log level off", func(c *sidecar.ContainerConfig) {
			c.ImageVersion = version(t, "v1.29.3.0-prod")
			c.LogLevel = ptr(sidecar.LogOff)
		}, []verdict{{"ENVOY_LOG_LEVEL", ver, W}}},
		{"version: log level off supported", func(c *sidecar.ContainerConfig) {
			c.ImageVersion = version(t, "v1.29.4.0-prod")
			c.LogLevel = ptr(sidecar.LogOff)
		}, nil},
		{"version: concurrency", func(c *sidecar.ContainerConfig) {
			c.ImageVersion = version(t, "v1.23.1.0-prod")
			c.Concurrency = ptr(2)
		},
			[]verdict{{"ENVOY_CONCURRENCY", ver, W}}},
		{"version: x-ray sampling and segment", func(c *sidecar.ContainerConfig) {
			c.ImageVersion = version(t, "v1.19.1.0-prod")
			c.XRayTracing = ptr(true)
			c.XRaySamplingRate = ptr(0.5)
			c.XRaySegmentName = ptr("cart")
		}, []verdict{{"XRAY_SAMPLING_RATE", ver, W}, {"XRAY_SEGMENT_NAME", ver, W}}},
		{"version: statsd socket", func(c *sidecar.ContainerConfig) {
			c.ImageVersion = version(t, "v1.15.0.0-prod")
			c.ResourceVariable = sidecar.EnvVirtualNodeName
			c.DogStatsD = ptr(true)
			c.StatsDSocketPath = ptr("/var/run/statsd.sock")
		}, []verdict{{"STATSD_SOCKET_PATH", ver, W}}},
		{"version: statsd address before 1.15", func(c *sidecar.ContainerConfig) {
			c.ImageVersion = version(t, "v1.14.1.0-prod")
			c.ResourceVariable = sidecar.EnvVirtualNodeName
			c.DogStatsD = ptr(true)
			c.StatsDAddress = ptr("10.0.0.2")
		}, []verdict{{"STATSD_ADDRESS", ver, W}}},
		{"all at once", func(c *sidecar.ContainerConfig) {
			c.Resource = ""
			c.LogLevel = ptr(sidecar.LogLevel("loud"))
			c.ListenerDrainWaitS = ptr(1)
		}, []verdict{{"APPMESH_RESOURCE_ARN", miss, E}, {"ENVOY_LOG_LEVEL", reset, W}, {"LISTENER_DRAIN_WAIT_TIME_S", reset, W}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := sidecar.ContainerConfig{Resource: node}
			tt.mod(&c)
			err := c.Validate()
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, sidecar.ErrInvalidConfig) || appmeshenvoy.CodeOf(err) != appmeshenvoy.CodeInvalidConfig {
				t.Fatalf("Validate() = %v (code %s), want ErrInvalidConfig with code invalid-config", err, appmeshenvoy.CodeOf(err))
			}
			var ce *sidecar.ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("Validate() = %T, want *ConfigError", err)
			}
			if d := cmp.Diff(tt.want, verdicts(ce.Problems)); d != "" {
				t.Errorf("problems (-want +got)\n%s\nerror: %v", d, err)
			}
			for _, p := range ce.Problems {
				if !strings.Contains(err.Error(), p.Message) {
					t.Errorf("error %q does not include %q", err, p.Message)
				}
			}
		})
	}
}

func TestValidateMessagesSayEffectiveValue(t *testing.T) {
	tests := []struct {
		mod  func(c *sidecar.ContainerConfig)
		want string
	}{
		{func(c *sidecar.ContainerConfig) { c.ListenerDrainWaitS = ptr(200) }, "resets it to the default 20"},
		{func(c *sidecar.ContainerConfig) { c.RestartCount = ptr(50) }, "clamps it to 10"},
		{func(c *sidecar.ContainerConfig) { c.PIDPollIntervalMS = ptr(5) }, "resets it to the default 100"},
		{func(c *sidecar.ContainerConfig) { c.HealthPollIntervalMS = ptr(1) }, "resets it to the default 10000"},
		{func(c *sidecar.ContainerConfig) { c.HealthDisconnectedTimeoutS = ptr(1) }, "resets it to the default 604800"},
		{func(c *sidecar.ContainerConfig) { c.LogLevel = ptr(sidecar.LogLevel("loud")) }, "uses info"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			c := sidecar.ContainerConfig{Resource: node}
			tt.mod(&c)
			if err := c.Validate(); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Validate() = %v, want it to say %q", err, tt.want)
			}
		})
	}
}

func TestEnv(t *testing.T) {
	c := sidecar.ContainerConfig{
		Resource:           node,
		LogLevel:           ptr(sidecar.LogInfo), // the default: left out
		AdminPort:          ptr(9901),            // the default: left out
		XRayTracing:        ptr(true),
		XRaySamplingRate:   ptr(0.25),
		DogStatsD:          ptr(false), // the default: left out
		RestartCount:       ptr(3),     // always written
		StatsFlushInterval: ptr(5 * time.Second),
		Region:             ptr("us-west-2"),
		Extra:              map[string]string{"ENVOY_SANITIZE_ORIGINAL_PATH": "false"},
	}
	want := []sidecar.EnvVar{
		{Name: "APPMESH_RESOURCE_ARN", Value: node},
		{Name: "APPNET_ENVOY_RESTART_COUNT", Value: "3"},
		{Name: "AWS_REGION", Value: "us-west-2"},
		{Name: "ENABLE_ENVOY_XRAY_TRACING", Value: "1"},
		{Name: "ENVOY_SANITIZE_ORIGINAL_PATH", Value: "false"},
		{Name: "ENVOY_STATS_FLUSH_INTERVAL", Value: "5s"},
		{Name: "XRAY_SAMPLING_RATE", Value: "0.25"},
	}
	if d := cmp.Diff(want, c.Env()); d != "" {
		t.Errorf("Env() (-want +got)\n%s", d)
	}
	legacy := sidecar.ContainerConfig{Resource: node, ResourceVariable: sidecar.EnvVirtualNodeName}
	if d := cmp.Diff([]sidecar.EnvVar{{Name: "APPMESH_VIRTUAL_NODE_NAME", Value: node}}, legacy.Env()); d != "" {
		t.Errorf("legacy Env() (-want +got)\n%s", d)
	}
	if got := (sidecar.ContainerConfig{}).Env(); len(got) != 0 {
		t.Errorf("zero Env() = %v, want empty", got)
	}
	// HC_POLL_INTERVAL_MS=10000 is the default only while the readiness interval does not
	// take its place.
	hc := sidecar.ContainerConfig{Resource: node, HealthPollIntervalMS: ptr(10000), ReadinessIntervalS: ptr(6)}
	if d := cmp.Diff([]sidecar.EnvVar{{Name: "APPMESH_RESOURCE_ARN", Value: node}, {Name: "APPNET_AGENT_POLL_ENVOY_READINESS_INTERVAL_S", Value: "6"}, {Name: "HC_POLL_INTERVAL_MS", Value: "10000"}}, hc.Env()); d != "" {
		t.Errorf("Env() with a readiness interval (-want +got)\n%s", d)
	}
}

func TestLintAdvisory(t *testing.T) {
	c := sidecar.ContainerConfig{
		Resource:             node,
		XRayTracing:          ptr(true),
		TracingConfigFile:    ptr("/etc/tracing.yaml"),
		StatsSinksConfigFile: ptr("/etc/sinks.yaml"),
		DogStatsD:            ptr(true),
		StatsConfigFile:      ptr("/etc/stats.yaml"),
		StatsTags:            ptr(true),
		JaegerTracerPort:     ptr(9412),
		Extra:                map[string]string{"ENVOY_LOG_LEVL": "debug"},
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("advisory findings must not fail Validate: %v", err)
	}
	want := []verdict{
		{"ENABLE_ENVOY_DOG_STATSD", sidecar.FindingDead, W},
		{"ENABLE_ENVOY_STATS_TAGS", sidecar.FindingDead, W},
		{"ENABLE_ENVOY_XRAY_TRACING", sidecar.FindingDead, W},
		{"ENVOY_LOG_LEVL", sidecar.FindingUnknown, W},
		{"JAEGER_TRACER_PORT", sidecar.FindingDead, I},
	}
	findings := c.Lint()
	if d := cmp.Diff(want, verdicts(findings)); d != "" {
		t.Errorf("Lint (-want +got)\n%s\n%v", d, findings)
	}
	if !strings.Contains(findings[3].Message, "did you mean ENVOY_LOG_LEVEL?") {
		t.Errorf("unknown name without a suggestion: %v", findings[3])
	}
}

// TestSet: Set reads a value the way the agent does; it refuses what the agent would
// refuse or replace, and leaves the configuration as it was.
func TestSet(t *testing.T) {
	tests := []struct {
		name, variable, value string
		before                sidecar.ContainerConfig
		want                  sidecar.ContainerConfig
		findings              []verdict
		refused               string // a phrase of the error; "" when Set succeeds
	}{
		{name: "log level lower-cased", variable: "ENVOY_LOG_LEVEL", value: "DEBUG",
			want: sidecar.ContainerConfig{LogLevel: ptr(sidecar.LogDebug)}},
		{name: "log level not trimmed", variable: "ENVOY_LOG_LEVEL", value: " debug", refused: "uses info"},
		{name: "bootstrap integer trimmed", variable: "ENVOY_INITIAL_FETCH_TIMEOUT", value: " 30 ",
			want: sidecar.ContainerConfig{InitialFetchTimeout: ptr(30)}},
		{name: "agent timer out of range", variable: "LISTENER_DRAIN_WAIT_TIME_S", value: "200", refused: "default 20"},
		{name: "agent timer not trimmed", variable: "LISTENER_DRAIN_WAIT_TIME_S", value: " 30", refused: "does not trim"},
		{name: "admin port read differently by the two parsers", variable: "ENVOY_ADMIN_ACCESS_PORT", value: " 9903", refused: "polls 9901"},
		{name: "bad bootstrap boolean", variable: "APPMESH_PREVIEW", value: "yes", refused: "stops"},
		{name: "setting of a feature that is off", variable: "XRAY_DAEMON_PORT", value: "abc", refused: "as soon as it reads"},
		{name: "overridden, refused anyway", variable: "ENVOY_ADMIN_ACCESS_ENABLE_IPV6", value: "yes", before: sidecar.ContainerConfig{AdminMode: ptr(sidecar.AdminModeUDS)}, refused: "harmless for now"},
		{name: "default value kept typed", variable: "ENVOY_LOG_LEVEL", value: "info",
			want: sidecar.ContainerConfig{LogLevel: ptr(sidecar.LogInfo)}, findings: []verdict{{"ENVOY_LOG_LEVEL", sidecar.FindingDefault, I}}},
		{name: "variable without a field", variable: "ENVOY_SANITIZE_ORIGINAL_PATH", value: "false",
			want: sidecar.ContainerConfig{Extra: map[string]string{"ENVOY_SANITIZE_ORIGINAL_PATH": "false"}}},
		{name: "unknown name", variable: "ENVOY_LOG_LEVL", value: "debug",
			want: sidecar.ContainerConfig{Extra: map[string]string{"ENVOY_LOG_LEVL": "debug"}}, findings: []verdict{{"ENVOY_LOG_LEVL", sidecar.FindingUnknown, W}}},
		{name: "identity", variable: "APPMESH_VIRTUAL_NODE_NAME", value: "mesh/a/virtualGateway/g",
			want:     sidecar.ContainerConfig{Resource: "mesh/a/virtualGateway/g", ResourceVariable: sidecar.EnvVirtualNodeName},
			findings: []verdict{{"APPMESH_VIRTUAL_NODE_NAME", sidecar.FindingLegacy, I}}},
		{name: "empty unsets", variable: "ENVOY_LOG_LEVEL", value: "", before: sidecar.ContainerConfig{LogLevel: ptr(sidecar.LogDebug)},
			want: sidecar.ContainerConfig{}},
		{name: "empty unsets Extra", variable: "FOO", value: "", before: sidecar.ContainerConfig{Extra: map[string]string{"FOO": "1"}},
			want: sidecar.ContainerConfig{Extra: map[string]string{}}},
		{name: "bad name", variable: "BAD-NAME", value: "1", refused: "not a valid variable name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.before
			c.Resource, c.ResourceVariable = node, ""
			want := tt.want
			if want.Resource == "" {
				want.Resource = node
			}
			if tt.refused != "" {
				want = c
			}
			findings, err := c.Set(tt.variable, tt.value)
			switch {
			case tt.refused == "" && err != nil:
				t.Fatalf("Set = %v", err)
			case tt.refused != "" && (!errors.Is(err, sidecar.ErrInvalidConfig) || !strings.Contains(err.Error(), tt.refused)):
				t.Fatalf("Set = %v, want ErrInvalidConfig saying %q", err, tt.refused)
			}
			if d := cmp.Diff(want, c); d != "" {
				t.Errorf("config (-want +got)\n%s", d)
			}
			if tt.refused == "" {
				if d := cmp.Diff(tt.findings, verdicts(findings)); d != "" {
					t.Errorf("findings (-want +got)\n%s", d)
				}
			}
		})
	}
}

// TestSetOrder: rules across variables are Validate's, so the order of Set calls does
// not matter.
func TestSetOrder(t *testing.T) {
	c := sidecar.ContainerConfig{Resource: node}
	for _, kv := range [][2]string{{"ENVOY_ADMIN_ACCESS_PORT", "9902"}, {"APPNET_AGENT_HTTP_PORT", "9903"}} {
		if _, err := c.Set(kv[0], kv[1]); err != nil {
			t.Fatalf("Set(%s): %v", kv[0], err)
		}
	}
	if err := c.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
	if _, err := c.Set("APPNET_AGENT_HTTP_PORT", ""); err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "agent's HTTP port") {
		t.Errorf("Validate = %v, want the port clash", err)
	}
}
