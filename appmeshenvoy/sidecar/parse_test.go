package sidecar_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/sidecar"
)

// TestParseEnvNames: what ParseEnv makes of names, duplicates and empty values in a
// real environment.
func TestParseEnvNames(t *testing.T) {
	id := "APPMESH_RESOURCE_ARN=" + node
	tests := []struct {
		name string
		env  []string
		want []verdict
		say  string
	}{
		{"other programs' variables", []string{id, "PATH=/usr/bin", "HOME=/root"}, nil, ""},
		{"typo with suggestion", []string{id, "ENVOY_LOG_LEVL=debug"}, []verdict{{"ENVOY_LOG_LEVL", sidecar.FindingUnknown, W}}, "did you mean ENVOY_LOG_LEVEL?"},
		{"lower case", []string{id, "envoy_log_level=debug"}, []verdict{{"envoy_log_level", sidecar.FindingUnknown, W}}, "did you mean ENVOY_LOG_LEVEL?"},
		{"unknown agent-like name", []string{id, "APPNET_SOMETHING_NEW=1"}, []verdict{{"APPNET_SOMETHING_NEW", sidecar.FindingUnknown, W}}, "not a variable the agent reads"},
		{"near miss outside the agent's prefixes", []string{id, "XRAY_SAMPLING_RAT=0.1"}, []verdict{{"XRAY_SAMPLING_RAT", sidecar.FindingUnknown, I}}, "did you mean XRAY_SAMPLING_RATE?"},
		{"duplicate", []string{id, "ENVOY_LOG_LEVEL=debug", "ENVOY_LOG_LEVEL=trace"}, []verdict{{"ENVOY_LOG_LEVEL", sidecar.FindingDuplicate, W}}, "set 2 times"},
		{"empty value", []string{id, "ENVOY_LOG_LEVEL="}, []verdict{{"ENVOY_LOG_LEVEL", sidecar.FindingDefault, I}}, "unset"},
		// os.Environ() holds names the agent cannot read: a warning only when the name
		// looks like an agent variable.
		{"bash exported function", []string{id, "BASH_FUNC_which%%=() {  ( alias; declare -f ) | /usr/bin/which $@\n}", "spring.profiles.active=x"}, nil, ""},
		{"windows drive entries", []string{"=C:=C:\\Users", "=ExitCode=00000000", id}, nil, ""},
		{"invalid agent-like name", []string{id, "ENVOY-LOG-LEVEL=debug"}, []verdict{{"ENVOY-LOG-LEVEL", sidecar.FindingUnknown, W}}, "did you mean ENVOY_LOG_LEVEL?"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { wantFindings(t, tt.env, nil, tt.want, tt.say) })
	}
}

// TestParseEnvValues: each value is read by its own parser into the configuration.
func TestParseEnvValues(t *testing.T) {
	c, _, err := sidecar.ParseEnv([]string{
		"APPMESH_RESOURCE_ARN=  " + node + "  ",
		"ENVOY_LOG_LEVEL=debug",
		"ENVOY_LOG_LEVEL=TRACE", // the last wins; the agent lower-cases it
		"ENABLE_ENVOY_XRAY_TRACING= t ",
		"XRAY_SAMPLING_RATE=0.5",
		"ENVOY_STATS_FLUSH_INTERVAL=5000ms",
		"DD_SERVICE=a=b",
		"ENVOY_INITIAL_FETCH_TIMEOUT= 30",     // the bootstrap trims
		"LISTENER_DRAIN_WAIT_TIME_S= 30",      // the agent does not: its default applies
		"PID_POLL_INTERVAL_MS=5",              // kept as written; Lint says it is reset
		"ENVOY_ADMIN_MODE=UDS",                // lower-cased
		"DISABLE_HOT_RESTART=no",              // not a boolean: the default applies
		"APPMESH_XDS_ENDPOINT=localhost:1500", // a field now
		"ENVOY_SANITIZE_ORIGINAL_PATH=false",  // read, no field
		"APPNET_ENABLE_RELAY_MODE_FOR_XDS=0",  // Service Connect
		"ENVOY_NEW_THING=1",                   // unknown, agent prefix
		"ENVOY_ADMIN_ACCESS_PORT=9901",        // the default
		"HOME=/root",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := sidecar.ContainerConfig{
		Resource:            node,
		LogLevel:            ptr(sidecar.LogTrace),
		XRayTracing:         ptr(true),
		XRaySamplingRate:    ptr(0.5),
		StatsFlushInterval:  ptr(5 * time.Second),
		DatadogService:      ptr("a=b"),
		InitialFetchTimeout: ptr(30),
		PIDPollIntervalMS:   ptr(5),
		AdminMode:           ptr(sidecar.AdminModeUDS),
		XDSEndpoint:         ptr("localhost:1500"),
		Extra: map[string]string{
			"ENVOY_SANITIZE_ORIGINAL_PATH":     "false",
			"APPNET_ENABLE_RELAY_MODE_FOR_XDS": "0",
			"ENVOY_NEW_THING":                  "1",
		},
	}
	if d := cmp.Diff(want, c); d != "" {
		t.Errorf("config (-want +got)\n%s", d)
	}
}

func TestParseEnvImageVersion(t *testing.T) {
	v := version(t, "v1.29.6.0-prod")
	c, _, err := sidecar.ParseEnv([]string{"APPMESH_RESOURCE_ARN=" + node}, imageOpt(v))
	if err != nil {
		t.Fatal(err)
	}
	if c.ImageVersion == nil || *c.ImageVersion != *v {
		t.Errorf("ImageVersion = %v, want %v", c.ImageVersion, v)
	}
	// An image older than v1.15.0.0 takes the legacy variable next to the ARN one.
	c, _, err = sidecar.ParseEnv([]string{"APPMESH_RESOURCE_ARN=mesh/a/virtualNode/new", "APPMESH_VIRTUAL_NODE_NAME=mesh/a/virtualNode/old"}, imageOpt(version(t, "v1.14.1.0-prod")))
	if err != nil {
		t.Fatal(err)
	}
	if c.Resource != "mesh/a/virtualNode/old" || c.ResourceVariable != sidecar.EnvVirtualNodeName {
		t.Errorf("identity = %s=%s, want the legacy one", c.ResourceVariable, c.Resource)
	}
}

func TestParseEnvNotAnEnvironment(t *testing.T) {
	tests := []struct {
		name  string
		env   []string
		entry int
	}{
		{"no equals", []string{"A=1", "JUSTANAME"}, 2},
		{"NUL byte", []string{"A=1\x00"}, 1},
		{"empty name", []string{"A=1", "=value"}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := sidecar.ParseEnv(tt.env)
			if !errors.Is(err, sidecar.ErrNotEnvironment) || appmeshenvoy.CodeOf(err) != appmeshenvoy.CodeNotEnvironment {
				t.Fatalf("ParseEnv = %v, want ErrNotEnvironment with its code", err)
			}
			var se *sidecar.EnvSyntaxError
			if !errors.As(err, &se) || se.Entry != tt.entry {
				t.Errorf("error %v: want entry %d", err, tt.entry)
			}
		})
	}
}

// roundTripConfigs are configurations without explicit default values, which survive
// Env → dotenv → ParseEnvFile unchanged.
func roundTripConfigs() map[string]sidecar.ContainerConfig {
	return map[string]sidecar.ContainerConfig{
		"minimal": {Resource: node},
		"legacy":  {Resource: node, ResourceVariable: sidecar.EnvVirtualNodeName},
		"full": {
			Resource:                     "arn:aws:appmesh:us-west-2:111122223333:mesh/shop/virtualGateway/gw",
			ResourceCluster:              ptr("gw cluster"),
			VirtualNodeCluster:           ptr("old cluster"),
			LogLevel:                     ptr(sidecar.LogOff),
			Concurrency:                  ptr(2),
			AdminMode:                    ptr(sidecar.AdminModeUDS),
			AdminPort:                    ptr(9000),
			AdminAccessLogFile:           ptr("/dev/stdout"),
			AdminIPv6:                    ptr(true),
			InitialFetchTimeout:          ptr(30),
			Region:                       ptr("us-west-2"),
			XDSEndpoint:                  ptr("xds.local:15000"),
			Preview:                      ptr(true),
			DualStack:                    ptr(true),
			SigningName:                  ptr("appmesh"),
			SDSSocketPath:                ptr("/run/sds.sock"),
			XRayTracing:                  ptr(true),
			XRayDaemonPort:               ptr(3000),
			XRayDaemonAddress:            ptr("10.0.0.1"),
			XRaySamplingRate:             ptr(0.125),
			XRaySamplingRuleManifest:     ptr("/etc/xray rules.json"),
			XRaySegmentName:              ptr(`shop "gw" $1`),
			DatadogTracing:               ptr(false),
			DatadogTracerPort:            ptr(8127),
			DatadogTracerAddress:         ptr("dd.local"),
			DatadogService:               ptr("it's #1"),
			JaegerTracing:                ptr(false),
			JaegerTracerPort:             ptr(9412),
			JaegerTracerAddress:          ptr("10.0.0.3"),
			JaegerTracerVersion:          ptr("JSON"),
			TracingConfigFile:            ptr("/etc/t.yaml"),
			StatsTags:                    ptr(true),
			StatsConfigFile:              ptr("/etc/s.yaml"),
			StatsSinksConfigFile:         ptr("/etc/k.yaml"),
			StatsFlushInterval:           ptr(1500 * time.Millisecond),
			DogStatsD:                    ptr(true),
			StatsDPort:                   ptr(9125),
			StatsDAddress:                ptr("10.0.0.4"),
			StatsDSocketPath:             ptr("/run/statsd.sock"),
			MetricExtensionVersion:       ptr("1"),
			SetTracingDecision:           ptr(false),
			NoExtensionLookupByName:      ptr(false),
			UseHTTPClientForCredentials:  ptr(true),
			MaxRequestsPerIOCycle:        ptr(1),
			ConfigFile:                   ptr("/etc/envoy.yaml"),
			ResourcesConfigFile:          ptr("/etc/resources.yaml"),
			OutlierDetectionEventLogPath: ptr("/tmp/outliers.log"),
			RestartCount:                 ptr(3),
			PIDPollIntervalMS:            ptr(500),
			ListenerDrainWaitS:           ptr(200),
			HealthPollIntervalMS:         ptr(20000),
			HealthDisconnectedTimeoutS:   ptr(3600),
			ReadinessIntervalS:           ptr(6),
			ReadinessTimeoutS:            ptr(60),
			DisableHotRestart:            ptr(false),
			SkipDeprecatedLogs:           ptr(false),
			StatsSnapshot:                ptr(true),
			AgentAdminMode:               ptr(sidecar.AdminModeUDS),
			AgentAdminUDSPath:            ptr("/tmp/agent.sock"),
			AgentHTTPPort:                ptr(9903),
			AgentHTTPBindAddress:         ptr("127.0.0.1"),
			LoggingResetTimeoutS:         ptr(60),
			LogDestination:               ptr("/var/log/envoy"),
			LogFileName:                  ptr("envoy.log"),
			MaxLogFileSizeMB:             ptr(2.5),
			MaxLogFiles:                  ptr(3),
			PlatformK8sVersion:           ptr("v1.29"),
			PlatformControllerVersion:    ptr("v1.13.0"),
			PlatformPodUID:               ptr("0f1e"),
			Extra: map[string]string{
				"ENVOY_SANITIZE_ORIGINAL_PATH": "false",
				"APPMESH_FIPS_ENDPOINT":        "1",
				"ENVOY_NEW_THING":              "multi\nline\ttab\\",
			},
		},
	}
}

func TestRoundTrip(t *testing.T) {
	for name, c := range roundTripConfigs() {
		t.Run(name, func(t *testing.T) {
			dotenv := sidecar.Dotenv(c.Env())
			got, _, err := sidecar.ParseEnvFile(strings.NewReader(string(dotenv)))
			if err != nil {
				t.Fatalf("ParseEnvFile: %v\n%s", err, dotenv)
			}
			// DatadogTracing and JaegerTracing are explicit defaults (false): Env leaves
			// them out, so they come back unset.
			want := c
			want.DatadogTracing, want.JaegerTracing = nil, nil
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("round trip (-want +got)\n%s\ndotenv:\n%s", d, dotenv)
			}
			got2, _, err := sidecar.ParseEnv(environ(c.Env()))
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(want, got2); d != "" {
				t.Errorf("environ round trip (-want +got)\n%s", d)
			}
		})
	}
}
