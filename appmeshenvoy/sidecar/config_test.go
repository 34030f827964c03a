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

func ccPtr[T any](v T) *T { return &v }

func ccVer(t testing.TB, tag string) *appmeshenvoy.Version {
	t.Helper()
	v, err := appmeshenvoy.ParseVersion(tag)
	if err != nil {
		t.Fatalf("ParseVersion(%q): %v", tag, err)
	}
	return &v
}

const ccNode = "mesh/shop/virtualNode/cart"

func TestParseResource(t *testing.T) {
	valid := []struct {
		in   string
		want sidecar.Resource
	}{
		{"mesh/shop/virtualNode/cart", sidecar.Resource{Mesh: "shop", Kind: sidecar.KindVirtualNode, Name: "cart"}},
		{"mesh/shop/virtualGateway/gw-1", sidecar.Resource{Mesh: "shop", Kind: sidecar.KindVirtualGateway, Name: "gw-1"}},
		{"arn:aws:appmesh:us-west-2:111122223333:mesh/shop/virtualNode/cart_v2",
			sidecar.Resource{Partition: "aws", Region: "us-west-2", Account: "111122223333", Mesh: "shop", Kind: sidecar.KindVirtualNode, Name: "cart_v2"}},
		{"arn:aws-cn:appmesh:cn-north-1:111122223333:mesh/m/virtualGateway/g",
			sidecar.Resource{Partition: "aws-cn", Region: "cn-north-1", Account: "111122223333", Mesh: "m", Kind: sidecar.KindVirtualGateway, Name: "g"}},
		{"arn:aws-us-gov:appmesh:us-gov-west-1:111122223333:mesh/m/virtualNode/n",
			sidecar.Resource{Partition: "aws-us-gov", Region: "us-gov-west-1", Account: "111122223333", Mesh: "m", Kind: sidecar.KindVirtualNode, Name: "n"}},
	}
	for _, tt := range valid {
		t.Run(tt.in, func(t *testing.T) {
			got, err := sidecar.ParseResource(tt.in)
			if err != nil {
				t.Fatalf("ParseResource: %v", err)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("(-want +got)\n%s", d)
			}
			if got.String() != tt.in {
				t.Errorf("String() = %q, want %q", got.String(), tt.in)
			}
		})
	}
	invalid := map[string]string{
		"empty":          "",
		"no mesh prefix": "meshes/shop/virtualNode/cart",
		"wrong kind":     "mesh/shop/virtualService/cart",
		"too short":      "mesh/shop/virtualNode",
		"too long":       "mesh/shop/virtualNode/cart/x",
		"empty name":     "mesh/shop/virtualNode/",
		"space in name":  "mesh/shop/virtualNode/my cart",
		"bad service":    "arn:aws:ecs:us-west-2:111122223333:mesh/shop/virtualNode/cart",
		"bad account":    "arn:aws:appmesh:us-west-2:1111:mesh/shop/virtualNode/cart",
		"bad partition":  "arn:gcp:appmesh:us-west-2:111122223333:mesh/shop/virtualNode/cart",
		"bad region":     "arn:aws:appmesh:uswest2:111122223333:mesh/shop/virtualNode/cart",
		"short arn":      "arn:aws:appmesh:us-west-2",
	}
	for name, in := range invalid {
		t.Run(name, func(t *testing.T) {
			_, err := sidecar.ParseResource(in)
			if !errors.Is(err, sidecar.ErrInvalidResource) {
				t.Fatalf("ParseResource(%q) = %v, want ErrInvalidResource", in, err)
			}
		})
	}
}

// ccProblem is what a test asserts about one problem or finding.
type ccProblem struct {
	Variable string
	Kind     sidecar.FindingKind
	Severity sidecar.Severity
}

func ccProblems(fs []sidecar.Finding) []ccProblem {
	var out []ccProblem
	for _, f := range fs {
		out = append(out, ccProblem{f.Variable, f.Kind, f.Severity})
	}
	return out
}

func TestValidateRules(t *testing.T) {
	const (
		E = sidecar.SeverityError
		W = sidecar.SeverityWarning
	)
	inv, conf, reset, ver, miss := sidecar.FindingInvalid, sidecar.FindingConflict, sidecar.FindingReset, sidecar.FindingVersion, sidecar.FindingMissing
	tests := []struct {
		name string
		mod  func(c *sidecar.ContainerConfig)
		want []ccProblem
	}{
		{"valid minimal", func(c *sidecar.ContainerConfig) {}, nil},
		{"valid everything", func(c *sidecar.ContainerConfig) {
			c.Resource = "arn:aws:appmesh:eu-west-1:111122223333:mesh/shop/virtualGateway/gw"
			c.LogLevel = ccPtr(sidecar.LogDebug)
			c.AdminPort = ccPtr(9000)
			c.XRayTracing = ccPtr(true)
			c.XRayDaemonAddress = ccPtr("10.0.0.1:3000")
			c.XRaySamplingRate = ccPtr(1.0)
			c.DogStatsD = ccPtr(true)
			c.StatsDAddress = ccPtr("::1")
			c.StatsFlushInterval = ccPtr(10 * time.Second)
			c.JaegerTracerVersion = ccPtr("JSON")
			c.RestartCount = ccPtr(10)
			c.PIDPollIntervalMS = ccPtr(1000)
			c.ListenerDrainWaitS = ccPtr(5)
			c.HealthPollIntervalMS = ccPtr(30000)
			c.HealthDisconnectedTimeoutS = ccPtr(3600)
			c.MetricExtensionVersion = ccPtr("1")
			c.ListenerPorts = []int{8080}
			c.ImageVersion = ccVer(t, "v1.29.6.0-prod")
			c.Extra = map[string]string{"AWS_REGION": "eu-west-1"}
		}, nil},
		{"no identity", func(c *sidecar.ContainerConfig) { c.Resource = "" }, []ccProblem{{"APPMESH_RESOURCE_ARN", miss, E}}},
		{"bad identity", func(c *sidecar.ContainerConfig) { c.Resource = "mesh/shop/cart" }, []ccProblem{{"APPMESH_RESOURCE_ARN", inv, E}}},
		{"legacy variable with gateway", func(c *sidecar.ContainerConfig) {
			c.ResourceVariable = sidecar.EnvVirtualNodeName
			c.Resource = "mesh/shop/virtualGateway/gw"
		}, []ccProblem{{"APPMESH_VIRTUAL_NODE_NAME", inv, E}}},
		{"legacy variable with ARN", func(c *sidecar.ContainerConfig) {
			c.ResourceVariable = sidecar.EnvResourceName
			c.Resource = "arn:aws:appmesh:us-west-2:111122223333:mesh/shop/virtualNode/cart"
		}, []ccProblem{{"APPMESH_RESOURCE_NAME", inv, E}}},
		{"not an identity variable", func(c *sidecar.ContainerConfig) { c.ResourceVariable = "NODE" }, []ccProblem{{"NODE", inv, E}}},
		{"log level", func(c *sidecar.ContainerConfig) { c.LogLevel = ccPtr(sidecar.LogLevel("verbose")) }, []ccProblem{{"ENVOY_LOG_LEVEL", inv, E}}},
		{"admin port 0", func(c *sidecar.ContainerConfig) { c.AdminPort = ccPtr(0) }, []ccProblem{{"ENVOY_ADMIN_ACCESS_PORT", inv, E}}},
		{"ports above 65535", func(c *sidecar.ContainerConfig) {
			c.XRayDaemonPort = ccPtr(65536)
			c.DatadogTracerPort = ccPtr(70000)
			c.JaegerTracerPort = ccPtr(-1)
			c.StatsDPort = ccPtr(100000)
			c.XRayTracing, c.DogStatsD = ccPtr(true), ccPtr(true)
		}, []ccProblem{{"DATADOG_TRACER_PORT", inv, E}, {"JAEGER_TRACER_PORT", inv, E}, {"STATSD_PORT", inv, E}, {"XRAY_DAEMON_PORT", inv, E}}},
		{"agent port range", func(c *sidecar.ContainerConfig) { c.AgentHTTPPort = ccPtr(70000) }, []ccProblem{{"APPNET_AGENT_HTTP_PORT", inv, E}}},
		{"agent port below 1024", func(c *sidecar.ContainerConfig) { c.AgentHTTPPort = ccPtr(80) }, []ccProblem{{"APPNET_AGENT_HTTP_PORT", reset, W}}},
		{"negative fetch timeout", func(c *sidecar.ContainerConfig) { c.InitialFetchTimeout = ccPtr(-1) }, []ccProblem{{"ENVOY_INITIAL_FETCH_TIMEOUT", inv, E}}},
		{"negative concurrency", func(c *sidecar.ContainerConfig) { c.Concurrency = ccPtr(-2) }, []ccProblem{{"ENVOY_CONCURRENCY", inv, E}}},
		{"sampling rate above 1", func(c *sidecar.ContainerConfig) { c.XRayTracing = ccPtr(true); c.XRaySamplingRate = ccPtr(1.5) }, []ccProblem{{"XRAY_SAMPLING_RATE", inv, E}}},
		{"sampling rate negative", func(c *sidecar.ContainerConfig) { c.XRayTracing = ccPtr(true); c.XRaySamplingRate = ccPtr(-0.1) }, []ccProblem{{"XRAY_SAMPLING_RATE", inv, E}}},
		{"sampling rate NaN", func(c *sidecar.ContainerConfig) {
			c.XRayTracing = ccPtr(true)
			c.XRaySamplingRate = ccPtr(math.NaN())
		}, []ccProblem{{"XRAY_SAMPLING_RATE", inv, E}}},
		{"two tracers", func(c *sidecar.ContainerConfig) { c.XRayTracing = ccPtr(true); c.JaegerTracing = ccPtr(true) },
			[]ccProblem{{"ENABLE_ENVOY_JAEGER_TRACING", conf, E}, {"ENABLE_ENVOY_XRAY_TRACING", conf, E}}},
		{"x-ray host name", func(c *sidecar.ContainerConfig) {
			c.XRayTracing = ccPtr(true)
			c.XRayDaemonAddress = ccPtr("xray.local")
		}, []ccProblem{{"AWS_XRAY_DAEMON_ADDRESS", inv, E}}},
		{"x-ray host name with port", func(c *sidecar.ContainerConfig) {
			c.XRayTracing = ccPtr(true)
			c.XRayDaemonAddress = ccPtr("xray.local:2000")
		}, []ccProblem{{"AWS_XRAY_DAEMON_ADDRESS", inv, E}}},
		{"x-ray bad port", func(c *sidecar.ContainerConfig) {
			c.XRayTracing = ccPtr(true)
			c.XRayDaemonAddress = ccPtr("10.0.0.1:0")
		}, []ccProblem{{"AWS_XRAY_DAEMON_ADDRESS", inv, E}}},
		{"statsd address with port", func(c *sidecar.ContainerConfig) {
			c.DogStatsD = ccPtr(true)
			c.StatsDAddress = ccPtr("10.0.0.1:8125")
		}, []ccProblem{{"STATSD_ADDRESS", inv, E}}},
		{"pid poll interval", func(c *sidecar.ContainerConfig) { c.PIDPollIntervalMS = ccPtr(99) }, []ccProblem{{"PID_POLL_INTERVAL_MS", reset, W}}},
		{"drain wait", func(c *sidecar.ContainerConfig) { c.ListenerDrainWaitS = ccPtr(200) }, []ccProblem{{"LISTENER_DRAIN_WAIT_TIME_S", reset, W}}},
		{"hc poll", func(c *sidecar.ContainerConfig) { c.HealthPollIntervalMS = ccPtr(1999) }, []ccProblem{{"HC_POLL_INTERVAL_MS", reset, W}}},
		{"hc disconnected", func(c *sidecar.ContainerConfig) { c.HealthDisconnectedTimeoutS = ccPtr(604801) }, []ccProblem{{"HC_DISCONNECTED_TIMEOUT_S", reset, W}}},
		{"restart count clamp", func(c *sidecar.ContainerConfig) { c.RestartCount = ccPtr(50) }, []ccProblem{{"APPNET_ENVOY_RESTART_COUNT", reset, W}}},
		{"restart count negative", func(c *sidecar.ContainerConfig) { c.RestartCount = ccPtr(-1) }, []ccProblem{{"APPNET_ENVOY_RESTART_COUNT", reset, W}}},
		{"admin equals agent port", func(c *sidecar.ContainerConfig) { c.AdminPort = ccPtr(9902) }, []ccProblem{{"ENVOY_ADMIN_ACCESS_PORT", conf, E}}},
		{"agent port equals default admin", func(c *sidecar.ContainerConfig) { c.AgentHTTPPort = ccPtr(9901) }, []ccProblem{{"APPNET_AGENT_HTTP_PORT", conf, E}}},
		{"admin equals listener port", func(c *sidecar.ContainerConfig) { c.AdminPort = ccPtr(8080); c.ListenerPorts = []int{8080} }, []ccProblem{{"ENVOY_ADMIN_ACCESS_PORT", conf, E}}},
		{"admin equals proxy ingress", func(c *sidecar.ContainerConfig) { c.AdminPort = ccPtr(15000) }, []ccProblem{{"ENVOY_ADMIN_ACCESS_PORT", conf, E}}},
		{"default admin is a listener port", func(c *sidecar.ContainerConfig) { c.ListenerPorts = []int{9901} }, []ccProblem{{"ENVOY_ADMIN_ACCESS_PORT", conf, E}}},
		{"flush interval", func(c *sidecar.ContainerConfig) { c.StatsFlushInterval = ccPtr(time.Duration(0)) }, []ccProblem{{"ENVOY_STATS_FLUSH_INTERVAL", inv, E}}},
		{"jaeger version", func(c *sidecar.ContainerConfig) {
			c.JaegerTracing = ccPtr(true)
			c.JaegerTracerVersion = ccPtr("proto")
		}, []ccProblem{{"JAEGER_TRACER_VERSION", inv, E}}},
		{"metric extension", func(c *sidecar.ContainerConfig) { c.MetricExtensionVersion = ccPtr("true") }, []ccProblem{{"APPMESH_METRIC_EXTENSION_VERSION", reset, W}}},
		{"NUL in value", func(c *sidecar.ContainerConfig) { c.DatadogService = ccPtr("a\x00b") }, []ccProblem{{"DD_SERVICE", inv, E}}},
		{"extra bad name", func(c *sidecar.ContainerConfig) { c.Extra = map[string]string{"BAD-NAME": "x"} }, []ccProblem{{"BAD-NAME", inv, E}}},
		{"extra shadows a field", func(c *sidecar.ContainerConfig) { c.Extra = map[string]string{"ENVOY_LOG_LEVEL": "debug"} }, []ccProblem{{"ENVOY_LOG_LEVEL", conf, E}}},
		{"extra empty value", func(c *sidecar.ContainerConfig) { c.Extra = map[string]string{"AWS_REGION": " "} }, []ccProblem{{"AWS_REGION", inv, E}}},
		{"version: resource ARN before 1.15", func(c *sidecar.ContainerConfig) { c.ImageVersion = ccVer(t, "v1.14.1.0-prod") },
			[]ccProblem{{"APPMESH_RESOURCE_ARN", ver, E}}},
		{"version: legacy variable before 1.15 is fine", func(c *sidecar.ContainerConfig) {
			c.ImageVersion = ccVer(t, "v1.14.1.0-prod")
			c.ResourceVariable = sidecar.EnvVirtualNodeName
		}, nil},
		{"version: log level off", func(c *sidecar.ContainerConfig) {
			c.ImageVersion = ccVer(t, "v1.29.3.0-prod")
			c.LogLevel = ccPtr(sidecar.LogOff)
		}, []ccProblem{{"ENVOY_LOG_LEVEL", ver, W}}},
		{"version: log level off supported", func(c *sidecar.ContainerConfig) {
			c.ImageVersion = ccVer(t, "v1.29.4.0-prod")
			c.LogLevel = ccPtr(sidecar.LogOff)
		}, nil},
		{"version: concurrency", func(c *sidecar.ContainerConfig) {
			c.ImageVersion = ccVer(t, "v1.23.1.0-prod")
			c.Concurrency = ccPtr(2)
		}, []ccProblem{{"ENVOY_CONCURRENCY", ver, W}}},
		{"version: x-ray sampling and segment", func(c *sidecar.ContainerConfig) {
			c.ImageVersion = ccVer(t, "v1.19.1.0-prod")
			c.XRayTracing = ccPtr(true)
			c.XRaySamplingRate = ccPtr(0.5)
			c.XRaySegmentName = ccPtr("cart")
		}, []ccProblem{{"XRAY_SAMPLING_RATE", ver, W}, {"XRAY_SEGMENT_NAME", ver, W}}},
		{"version: statsd", func(c *sidecar.ContainerConfig) {
			c.ImageVersion = ccVer(t, "v1.15.0.0-prod")
			c.ResourceVariable = sidecar.EnvVirtualNodeName
			c.DogStatsD = ccPtr(true)
			c.StatsDAddress = ccPtr("10.0.0.2")
			c.StatsDSocketPath = ccPtr("/var/run/statsd.sock")
		}, []ccProblem{{"STATSD_SOCKET_PATH", ver, W}}},
		{"version: statsd address before 1.15", func(c *sidecar.ContainerConfig) {
			c.ImageVersion = ccVer(t, "v1.14.1.0-prod")
			c.ResourceVariable = sidecar.EnvVirtualNodeName
			c.DogStatsD = ccPtr(true)
			c.StatsDAddress = ccPtr("10.0.0.2")
		}, []ccProblem{{"STATSD_ADDRESS", ver, W}}},
		{"all at once", func(c *sidecar.ContainerConfig) {
			c.Resource = ""
			c.LogLevel = ccPtr(sidecar.LogLevel("loud"))
			c.ListenerDrainWaitS = ccPtr(1)
		}, []ccProblem{{"APPMESH_RESOURCE_ARN", miss, E}, {"ENVOY_LOG_LEVEL", inv, E}, {"LISTENER_DRAIN_WAIT_TIME_S", reset, W}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := sidecar.ContainerConfig{Resource: ccNode}
			tt.mod(&c)
			err := c.Validate()
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, sidecar.ErrInvalidConfig) {
				t.Fatalf("Validate() = %v, want ErrInvalidConfig", err)
			}
			var ce *sidecar.ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("Validate() = %T, want *ConfigError", err)
			}
			if d := cmp.Diff(tt.want, ccProblems(ce.Problems)); d != "" {
				t.Errorf("problems (-want +got)\n%s\nerror: %v", d, err)
			}
			for _, p := range ce.Problems {
				if !strings.Contains(err.Error(), p.Variable+": "+p.Message) {
					t.Errorf("error %q does not name %s", err, p.Variable)
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
		{func(c *sidecar.ContainerConfig) { c.ListenerDrainWaitS = ccPtr(200) }, "resets it to the default 20"},
		{func(c *sidecar.ContainerConfig) { c.RestartCount = ccPtr(50) }, "clamps it to 10"},
		{func(c *sidecar.ContainerConfig) { c.PIDPollIntervalMS = ccPtr(5) }, "resets it to the default 100"},
		{func(c *sidecar.ContainerConfig) { c.HealthPollIntervalMS = ccPtr(1) }, "resets it to the default 10000"},
		{func(c *sidecar.ContainerConfig) { c.HealthDisconnectedTimeoutS = ccPtr(1) }, "resets it to the default 604800"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			c := sidecar.ContainerConfig{Resource: ccNode}
			tt.mod(&c)
			if err := c.Validate(); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Validate() = %v, want it to say %q", err, tt.want)
			}
		})
	}
}

func TestEnv(t *testing.T) {
	c := sidecar.ContainerConfig{
		Resource:           ccNode,
		LogLevel:           ccPtr(sidecar.LogInfo), // the default: left out
		AdminPort:          ccPtr(9901),            // the default: left out
		XRayTracing:        ccPtr(true),
		XRaySamplingRate:   ccPtr(0.25),
		DogStatsD:          ccPtr(false), // the default: left out
		RestartCount:       ccPtr(3),     // always written
		StatsFlushInterval: ccPtr(5 * time.Second),
		Extra:              map[string]string{"AWS_REGION": "us-west-2"},
	}
	want := []sidecar.EnvVar{
		{Name: "APPMESH_RESOURCE_ARN", Value: ccNode},
		{Name: "APPNET_ENVOY_RESTART_COUNT", Value: "3"},
		{Name: "AWS_REGION", Value: "us-west-2"},
		{Name: "ENABLE_ENVOY_XRAY_TRACING", Value: "1"},
		{Name: "ENVOY_STATS_FLUSH_INTERVAL", Value: "5s"},
		{Name: "XRAY_SAMPLING_RATE", Value: "0.25"},
	}
	if d := cmp.Diff(want, c.Env()); d != "" {
		t.Errorf("Env() (-want +got)\n%s", d)
	}
	legacy := sidecar.ContainerConfig{Resource: ccNode, ResourceVariable: sidecar.EnvVirtualNodeName}
	if d := cmp.Diff([]sidecar.EnvVar{{Name: "APPMESH_VIRTUAL_NODE_NAME", Value: ccNode}}, legacy.Env()); d != "" {
		t.Errorf("legacy Env() (-want +got)\n%s", d)
	}
	if got := (sidecar.ContainerConfig{}).Env(); len(got) != 0 {
		t.Errorf("zero Env() = %v, want empty", got)
	}
}

func TestLintAdvisory(t *testing.T) {
	c := sidecar.ContainerConfig{
		Resource:             ccNode,
		XRayTracing:          ccPtr(true),
		TracingConfigFile:    ccPtr("/etc/tracing.yaml"),
		StatsSinksConfigFile: ccPtr("/etc/sinks.yaml"),
		DogStatsD:            ccPtr(true),
		StatsConfigFile:      ccPtr("/etc/stats.yaml"),
		StatsTags:            ccPtr(true),
		JaegerTracerPort:     ccPtr(9412),
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("advisory findings must not fail Validate: %v", err)
	}
	want := []ccProblem{
		{"ENABLE_ENVOY_DOG_STATSD", sidecar.FindingDead, sidecar.SeverityWarning},
		{"ENABLE_ENVOY_STATS_TAGS", sidecar.FindingDead, sidecar.SeverityWarning},
		{"ENABLE_ENVOY_XRAY_TRACING", sidecar.FindingDead, sidecar.SeverityWarning},
	}
	if d := cmp.Diff(want, ccProblems(c.Lint())); d != "" {
		t.Errorf("Lint (-want +got)\n%s", d)
	}
}
