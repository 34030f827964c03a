package sidecar_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/sidecar"
	"github.com/google/go-cmp/cmp"
)

// ccFactsKnown is every variable FACTS §5 lists as read by the agent, copied from FACTS
// (not from the implementation's table), with a value the agent accepts.
var ccFactsKnown = map[string]string{
	// Identity.
	"APPMESH_RESOURCE_ARN":      ccNode,
	"APPMESH_RESOURCE_NAME":     ccNode,
	"APPMESH_VIRTUAL_NODE_NAME": ccNode,
	"APPMESH_RESOURCE_CLUSTER":  "cart-cluster",
	// The table.
	"ENVOY_LOG_LEVEL":                  "debug",
	"ENVOY_ADMIN_ACCESS_PORT":          "9000",
	"ENVOY_ADMIN_ACCESS_LOG_FILE":      "/tmp/admin.log",
	"ENVOY_INITIAL_FETCH_TIMEOUT":      "30",
	"ENVOY_CONCURRENCY":                "2",
	"ENABLE_ENVOY_XRAY_TRACING":        "1",
	"XRAY_DAEMON_PORT":                 "2001",
	"AWS_XRAY_DAEMON_ADDRESS":          "10.0.0.1",
	"XRAY_SAMPLING_RATE":               "0.5",
	"XRAY_SAMPLING_RULE_MANIFEST":      "/etc/xray.json",
	"XRAY_SEGMENT_NAME":                "cart",
	"ENABLE_ENVOY_DATADOG_TRACING":     "1",
	"DATADOG_TRACER_PORT":              "8127",
	"DATADOG_TRACER_ADDRESS":           "10.0.0.2",
	"DD_SERVICE":                       "cart",
	"ENABLE_ENVOY_JAEGER_TRACING":      "1",
	"JAEGER_TRACER_PORT":               "9412",
	"JAEGER_TRACER_ADDRESS":            "10.0.0.3",
	"JAEGER_TRACER_VERSION":            "PROTO",
	"ENVOY_TRACING_CFG_FILE":           "/etc/tracing.yaml",
	"ENABLE_ENVOY_STATS_TAGS":          "1",
	"ENVOY_STATS_CONFIG_FILE":          "/etc/stats.yaml",
	"ENVOY_STATS_SINKS_CFG_FILE":       "/etc/sinks.yaml",
	"ENVOY_STATS_FLUSH_INTERVAL":       "10s",
	"ENABLE_ENVOY_DOG_STATSD":          "1",
	"STATSD_PORT":                      "8126",
	"STATSD_ADDRESS":                   "10.0.0.4",
	"STATSD_SOCKET_PATH":               "/var/run/statsd.sock",
	"APPNET_ENVOY_RESTART_COUNT":       "5",
	"PID_POLL_INTERVAL_MS":             "200",
	"LISTENER_DRAIN_WAIT_TIME_S":       "30",
	"HC_POLL_INTERVAL_MS":              "5000",
	"HC_DISCONNECTED_TIMEOUT_S":        "7200",
	"APPNET_AGENT_HTTP_PORT":           "9903",
	"APPMESH_METRIC_EXTENSION_VERSION": "1",
	// "Also read by the agent and valid, though not in the table".
	"APPMESH_VIRTUAL_NODE_CLUSTER":                   "x",
	"APPMESH_DUALSTACK_ENDPOINT":                     "x",
	"APPMESH_PREVIEW":                                "x",
	"APPMESH_SIGNING_NAME":                           "x",
	"APPMESH_XDS_ENDPOINT":                           "x",
	"APPMESH_SDS_SOCKET_PATH":                        "x",
	"APPMESH_SET_TRACING_DECISION":                   "x",
	"APPMESH_PLATFORM_K8S_VERSION":                   "x",
	"APPMESH_PLATFORM_APP_MESH_CONTROLLER_VERSION":   "x",
	"APPMESH_PLATFORM_K8S_POD_UID":                   "x",
	"AWS_REGION":                                     "x",
	"ENVOY_ADMIN_MODE":                               "x",
	"ENVOY_ADMIN_ACCESS_ENABLE_IPV6":                 "x",
	"ENVOY_CONFIG_FILE":                              "x",
	"ENVOY_RESOURCES_CONFIG_FILE":                    "x",
	"ENVOY_OUTLIER_DETECTION_EVENT_LOG_PATH":         "x",
	"ENVOY_NO_EXTENSION_LOOKUP_BY_NAME":              "x",
	"ENVOY_USE_HTTP_CLIENT_TO_FETCH_AWS_CREDENTIALS": "x",
	"ENVOY_SKIP_DEPRECATED_LOGS":                     "x",
	"MAX_REQUESTS_PER_IO_CYCLE":                      "x",
	"DISABLE_HOT_RESTART":                            "x",
	"APPNET_AGENT_ADMIN_MODE":                        "x",
	"APPNET_AGENT_HTTP_BIND_ADDRESS":                 "x",
	"APPNET_AGENT_ADMIN_UDS_PATH":                    "x",
	"APPNET_AGENT_LOGGING_RESET_TIMEOUT":             "x",
	"APPNET_ENVOY_LOG_DESTINATION":                   "x",
	"APPNET_ENVOY_LOG_NAME":                          "x",
	"APPNET_AGENT_MAX_LOG_FILE_SIZE":                 "x",
	"APPNET_AGENT_MAX_RETENTION_COUNT":               "x",
	"APPNET_AGENT_POLL_ENVOY_READINESS_INTERVAL_S":   "x",
	"APPNET_AGENT_POLL_ENVOY_READINESS_TIMEOUT_S":    "x",
	"ENABLE_STATS_SNAPSHOT":                          "x",
}

func TestParseEnvEveryKnownVariable(t *testing.T) {
	for name, value := range ccFactsKnown {
		t.Run(name, func(t *testing.T) {
			env := []string{"APPMESH_RESOURCE_ARN=" + ccNode, name + "=" + value}
			c, findings, err := sidecar.ParseEnv(env)
			if err != nil {
				t.Fatalf("ParseEnv: %v", err)
			}
			for _, f := range findings {
				if f.Variable == name && (f.Kind == sidecar.FindingUnknown || f.Severity == sidecar.SeverityError) {
					t.Errorf("finding %v for a known variable", f)
				}
			}
			// Every known variable survives the round trip through Env.
			found := false
			for _, v := range c.Env() {
				if v.Name == name && v.Value == value {
					found = true
				}
			}
			if !found && name != "APPMESH_RESOURCE_NAME" && name != "APPMESH_VIRTUAL_NODE_NAME" {
				t.Errorf("Env() = %v lacks %s=%s", c.Env(), name, value)
			}
		})
	}
	got := map[string]bool{}
	for _, n := range sidecar.KnownEnvVars() {
		got[n] = true
		if _, ok := ccFactsKnown[n]; !ok {
			t.Errorf("KnownEnvVars has %s, which FACTS §5 does not list", n)
		}
	}
	for n := range ccFactsKnown {
		if !got[n] {
			t.Errorf("KnownEnvVars lacks %s", n)
		}
	}
}

func TestParseEnvFindings(t *testing.T) {
	const (
		E = sidecar.SeverityError
		W = sidecar.SeverityWarning
		I = sidecar.SeverityInfo
	)
	id := "APPMESH_RESOURCE_ARN=" + ccNode
	type want struct {
		ccProblem
		contains string
	}
	tests := []struct {
		name  string
		env   []string
		image string
		want  []want
	}{
		{"clean", []string{id, "ENVOY_LOG_LEVEL=debug", "PATH=/usr/bin"}, "", nil},
		{"not an integer", []string{id, "ENVOY_ADMIN_ACCESS_PORT=99o1"}, "", []want{{ccProblem{"ENVOY_ADMIN_ACCESS_PORT", sidecar.FindingInvalid, E}, "not an integer"}}},
		{"not a bool", []string{id, "ENABLE_ENVOY_XRAY_TRACING=yes"}, "", []want{{ccProblem{"ENABLE_ENVOY_XRAY_TRACING", sidecar.FindingInvalid, E}, "not a boolean"}}},
		{"not a float", []string{id, "ENABLE_ENVOY_XRAY_TRACING=1", "XRAY_SAMPLING_RATE=5%"}, "", []want{{ccProblem{"XRAY_SAMPLING_RATE", sidecar.FindingInvalid, E}, "not a number"}}},
		{"NaN", []string{id, "ENABLE_ENVOY_XRAY_TRACING=1", "XRAY_SAMPLING_RATE=NaN"}, "", []want{{ccProblem{"XRAY_SAMPLING_RATE", sidecar.FindingInvalid, E}, "not a number"}}},
		{"not a duration", []string{id, "ENVOY_STATS_FLUSH_INTERVAL=10"}, "", []want{{ccProblem{"ENVOY_STATS_FLUSH_INTERVAL", sidecar.FindingInvalid, E}, "Go duration"}}},
		{"bools as ParseBool", []string{id, "ENABLE_ENVOY_STATS_TAGS=T", "ENABLE_ENVOY_DOG_STATSD=TRUE"}, "", nil},
		{"drain reset", []string{id, "LISTENER_DRAIN_WAIT_TIME_S=200"}, "", []want{{ccProblem{"LISTENER_DRAIN_WAIT_TIME_S", sidecar.FindingReset, W}, "resets it to the default 20"}}},
		{"restart clamp", []string{id, "APPNET_ENVOY_RESTART_COUNT=50"}, "", []want{{ccProblem{"APPNET_ENVOY_RESTART_COUNT", sidecar.FindingReset, W}, "clamps it to 10"}}},
		{"two tracers", []string{id, "ENABLE_ENVOY_XRAY_TRACING=1", "ENABLE_ENVOY_DATADOG_TRACING=true"}, "", []want{
			{ccProblem{"ENABLE_ENVOY_DATADOG_TRACING", sidecar.FindingConflict, E}, "at most one tracer"},
			{ccProblem{"ENABLE_ENVOY_XRAY_TRACING", sidecar.FindingConflict, E}, "at most one tracer"}}},
		{"sinks file overrides dogstatsd", []string{id, "ENVOY_STATS_SINKS_CFG_FILE=/s.yaml", "ENABLE_ENVOY_DOG_STATSD=1", "STATSD_PORT=9125"}, "", []want{
			{ccProblem{"ENABLE_ENVOY_DOG_STATSD", sidecar.FindingDead, W}, "ENVOY_STATS_SINKS_CFG_FILE"},
			{ccProblem{"STATSD_PORT", sidecar.FindingDead, W}, "ENVOY_STATS_SINKS_CFG_FILE"}}},
		{"tracing file turns tracers off", []string{id, "ENVOY_TRACING_CFG_FILE=/t.yaml", "ENABLE_ENVOY_JAEGER_TRACING=1"}, "", []want{
			{ccProblem{"ENABLE_ENVOY_JAEGER_TRACING", sidecar.FindingDead, W}, "ENVOY_TRACING_CFG_FILE"}}},
		{"stats config drops tags", []string{id, "ENVOY_STATS_CONFIG_FILE=/s.yaml", "ENABLE_ENVOY_STATS_TAGS=1"}, "", []want{
			{ccProblem{"ENABLE_ENVOY_STATS_TAGS", sidecar.FindingDead, W}, "ENVOY_STATS_CONFIG_FILE"}}},
		{"sub-setting of a disabled tracer", []string{id, "XRAY_DAEMON_PORT=3000"}, "", []want{
			{ccProblem{"XRAY_DAEMON_PORT", sidecar.FindingDead, I}, "unless ENABLE_ENVOY_XRAY_TRACING"}}},
		{"address port wins", []string{id, "ENABLE_ENVOY_XRAY_TRACING=1", "AWS_XRAY_DAEMON_ADDRESS=10.0.0.1:3000", "XRAY_DAEMON_PORT=3001"}, "", []want{
			{ccProblem{"XRAY_DAEMON_PORT", sidecar.FindingDead, I}, "AWS_XRAY_DAEMON_ADDRESS wins"}}},
		{"socket path wins", []string{id, "ENABLE_ENVOY_DOG_STATSD=1", "STATSD_SOCKET_PATH=/s.sock", "STATSD_PORT=9125"}, "", []want{
			{ccProblem{"STATSD_PORT", sidecar.FindingDead, I}, "STATSD_SOCKET_PATH wins"}}},
		{"legacy fips", []string{id, "APPMESH_FIPS_ENDPOINT=1"}, "", []want{{ccProblem{"APPMESH_FIPS_ENDPOINT", sidecar.FindingLegacy, W}, "no longer read"}}},
		{"legacy tcp pool", []string{id, "ENVOY_ENABLE_TCP_POOL_IDLE_TIMEOUT=true"}, "", []want{{ccProblem{"ENVOY_ENABLE_TCP_POOL_IDLE_TIMEOUT", sidecar.FindingLegacy, W}, "no longer reads it"}}},
		{"legacy identity", []string{"APPMESH_VIRTUAL_NODE_NAME=" + ccNode}, "", []want{{ccProblem{"APPMESH_VIRTUAL_NODE_NAME", sidecar.FindingLegacy, I}, "APPMESH_RESOURCE_ARN"}}},
		{"identity order", []string{"APPMESH_VIRTUAL_NODE_NAME=mesh/a/virtualNode/b", id}, "", []want{{ccProblem{"APPMESH_VIRTUAL_NODE_NAME", sidecar.FindingDead, W}, "APPMESH_RESOURCE_ARN is set and wins"}}},
		{"no identity", []string{"ENVOY_LOG_LEVEL=debug"}, "", []want{{ccProblem{"APPMESH_RESOURCE_ARN", sidecar.FindingMissing, E}, "required"}}},
		{"empty identity counts as unset", []string{"APPMESH_RESOURCE_ARN= ", "APPMESH_RESOURCE_NAME=" + ccNode}, "", []want{
			{ccProblem{"APPMESH_RESOURCE_ARN", sidecar.FindingDefault, I}, "unset"},
			{ccProblem{"APPMESH_RESOURCE_NAME", sidecar.FindingLegacy, I}, "legacy"}}},
		{"typo with suggestion", []string{id, "ENVOY_LOG_LEVL=debug"}, "", []want{{ccProblem{"ENVOY_LOG_LEVL", sidecar.FindingUnknown, W}, "did you mean ENVOY_LOG_LEVEL?"}}},
		{"lower case", []string{id, "envoy_log_level=debug"}, "", []want{{ccProblem{"envoy_log_level", sidecar.FindingUnknown, W}, "did you mean ENVOY_LOG_LEVEL?"}}},
		{"unknown without suggestion", []string{id, "APPNET_SOMETHING_NEW=1"}, "", []want{{ccProblem{"APPNET_SOMETHING_NEW", sidecar.FindingUnknown, W}, "not a variable the agent reads"}}},
		{"near miss outside agent prefixes", []string{id, "XRAY_SAMPLING_RAT=0.1"}, "", []want{{ccProblem{"XRAY_SAMPLING_RAT", sidecar.FindingUnknown, I}, "did you mean XRAY_SAMPLING_RATE?"}}},
		{"duplicate", []string{id, "ENVOY_LOG_LEVEL=debug", "ENVOY_LOG_LEVEL=trace"}, "", []want{{ccProblem{"ENVOY_LOG_LEVEL", sidecar.FindingDuplicate, W}, "set 2 times"}}},
		{"default value", []string{id, "ENVOY_ADMIN_ACCESS_PORT=9901"}, "", []want{{ccProblem{"ENVOY_ADMIN_ACCESS_PORT", sidecar.FindingDefault, I}, "default"}}},
		{"empty value", []string{id, "ENVOY_LOG_LEVEL=  "}, "", []want{{ccProblem{"ENVOY_LOG_LEVEL", sidecar.FindingDefault, I}, "unset"}}},
		{"version: concurrency", []string{id, "ENVOY_CONCURRENCY=4"}, "v1.23.1.0-prod", []want{{ccProblem{"ENVOY_CONCURRENCY", sidecar.FindingVersion, W}, "needs v1.24.0.0-prod"}}},
		{"version: log level off", []string{id, "ENVOY_LOG_LEVEL=off"}, "v1.29.3.0-prod", []want{{ccProblem{"ENVOY_LOG_LEVEL", sidecar.FindingVersion, W}, "into info"}}},
		{"version: new enough", []string{id, "ENVOY_LOG_LEVEL=off", "ENVOY_CONCURRENCY=4"}, "v1.29.4.0-prod", nil},
		{"version: ARN", []string{id}, "v1.14.1.0-prod", []want{{ccProblem{"APPMESH_RESOURCE_ARN", sidecar.FindingVersion, E}, "does not read it"}}},
		// An old image reads the legacy variable set next to the ARN one: no error.
		{"version: ARN with legacy fallback", []string{id, "APPMESH_VIRTUAL_NODE_NAME=" + ccNode}, "v1.14.1.0-prod", []want{
			{ccProblem{"APPMESH_RESOURCE_ARN", sidecar.FindingVersion, I}, "the legacy variable carries the identity"},
			{ccProblem{"APPMESH_VIRTUAL_NODE_NAME", sidecar.FindingLegacy, I}, "legacy"}}},
		{"version: ARN with legacy on a new image", []string{id, "APPMESH_VIRTUAL_NODE_NAME=" + ccNode}, "v1.15.0.0-prod", []want{
			{ccProblem{"APPMESH_VIRTUAL_NODE_NAME", sidecar.FindingDead, I}, "same value as APPMESH_RESOURCE_ARN"}}},
		{"identity: same value twice", []string{id, "APPMESH_RESOURCE_NAME=" + ccNode}, "", []want{
			{ccProblem{"APPMESH_RESOURCE_NAME", sidecar.FindingDead, I}, "same value as APPMESH_RESOURCE_ARN"}}},
		{"identity: different values", []string{"APPMESH_RESOURCE_NAME=mesh/a/virtualNode/b", "APPMESH_VIRTUAL_NODE_NAME=mesh/a/virtualNode/c"}, "", []want{
			{ccProblem{"APPMESH_RESOURCE_NAME", sidecar.FindingLegacy, I}, "legacy"},
			{ccProblem{"APPMESH_VIRTUAL_NODE_NAME", sidecar.FindingDead, W}, `APPMESH_RESOURCE_NAME is set and wins, and names another resource ("mesh/a/virtualNode/b", not "mesh/a/virtualNode/c")`}}},
		// os.Environ() holds names the agent cannot read: not an error, a warning only
		// when the name looks like an agent variable.
		{"bash exported function", []string{id, "BASH_FUNC_which%%=() {  ( alias; declare -f ) | /usr/bin/which $@\n}", "spring.profiles.active=x"}, "", nil},
		{"windows drive entries", []string{"=C:=C:\\Users", "=ExitCode=00000000", id}, "", nil},
		{"invalid agent-like name", []string{id, "ENVOY-LOG-LEVEL=debug"}, "", []want{
			{ccProblem{"ENVOY-LOG-LEVEL", sidecar.FindingUnknown, W}, "did you mean ENVOY_LOG_LEVEL?"}}},
		{"xray address: bracketed IPv6 with port", []string{id, "ENABLE_ENVOY_XRAY_TRACING=1", "AWS_XRAY_DAEMON_ADDRESS=[fd00::1]:2000"}, "", nil},
		{"xray address: bracketed IPv6 without port", []string{id, "ENABLE_ENVOY_XRAY_TRACING=1", "AWS_XRAY_DAEMON_ADDRESS=[fd00::1]"}, "", []want{
			{ccProblem{"AWS_XRAY_DAEMON_ADDRESS", sidecar.FindingInvalid, E}, "brackets but no port"}}},
		{"statsd address: bracketed IPv6", []string{id, "ENABLE_ENVOY_DOG_STATSD=1", "STATSD_ADDRESS=[fd00::1]"}, "", []want{
			{ccProblem{"STATSD_ADDRESS", sidecar.FindingInvalid, E}, "brackets"}}},
		{"statsd address: IPv6", []string{id, "ENABLE_ENVOY_DOG_STATSD=1", "STATSD_ADDRESS=fd00::1"}, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var findings []sidecar.Finding
			var err error
			if tt.image != "" {
				var c sidecar.ContainerConfig
				c, findings, err = sidecar.ParseEnvFor(tt.env, *ccVer(t, tt.image))
				if c.ImageVersion == nil || c.ImageVersion.String() != tt.image {
					t.Errorf("ImageVersion = %v, want %s", c.ImageVersion, tt.image)
				}
			} else {
				_, findings, err = sidecar.ParseEnv(tt.env)
			}
			if err != nil {
				t.Fatalf("ParseEnv: %v", err)
			}
			var wantP []ccProblem
			for _, w := range tt.want {
				wantP = append(wantP, w.ccProblem)
			}
			if d := cmp.Diff(wantP, ccProblems(findings)); d != "" {
				t.Fatalf("findings (-want +got)\n%s\n%v", d, findings)
			}
			for i, w := range tt.want {
				if !strings.Contains(findings[i].Message, w.contains) {
					t.Errorf("finding %v does not say %q", findings[i], w.contains)
				}
			}
		})
	}
}

func TestParseEnvFindingsSorted(t *testing.T) {
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

func TestParseEnvValues(t *testing.T) {
	c, _, err := sidecar.ParseEnv([]string{
		"APPMESH_RESOURCE_ARN=  " + ccNode + "  ",
		"ENVOY_LOG_LEVEL=debug",
		"ENVOY_LOG_LEVEL=trace", // last wins
		"ENABLE_ENVOY_XRAY_TRACING=t",
		"XRAY_SAMPLING_RATE=0.5",
		"ENVOY_STATS_FLUSH_INTERVAL=5000ms",
		"DD_SERVICE=a=b",
		"APPMESH_XDS_ENDPOINT=localhost:15000",
		"HOME=/root",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := sidecar.ContainerConfig{
		Resource:           ccNode,
		LogLevel:           ccPtr(sidecar.LogTrace),
		XRayTracing:        ccPtr(true),
		XRaySamplingRate:   ccPtr(0.5),
		StatsFlushInterval: ccPtr(5 * time.Second),
		DatadogService:     ccPtr("a=b"),
		Extra:              map[string]string{"APPMESH_XDS_ENDPOINT": "localhost:15000"},
	}
	if d := cmp.Diff(want, c); d != "" {
		t.Errorf("config (-want +got)\n%s", d)
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
			if !errors.Is(err, sidecar.ErrNotEnvironment) {
				t.Fatalf("ParseEnv = %v, want ErrNotEnvironment", err)
			}
			var se *sidecar.EnvSyntaxError
			if !errors.As(err, &se) || se.Entry != tt.entry {
				t.Errorf("error %v: want entry %d", err, tt.entry)
			}
		})
	}
}

func TestSplitEnvLines(t *testing.T) {
	in := "\xef\xbb\xbf# comment\r\n" +
		"\r\n" +
		"   \n" +
		"export ENVOY_LOG_LEVEL=debug\r\n" +
		"A = spaced # inline comment\n" +
		"B='single #quoted $x \\n'\n" +
		"C=\"double \\\"quoted\\\" \\$HOME \\\\ \\n end\" # comment\n" +
		"D=a#b\n" +
		"E=\n" +
		"exported=1\n" +
		"\tF=tab\n"
	got, err := sidecar.SplitEnvLines([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"ENVOY_LOG_LEVEL=debug",
		"A=spaced",
		"B=single #quoted $x \\n",
		"C=double \"quoted\" $HOME \\ \n end",
		"D=a#b",
		"E=",
		"exported=1",
		"F=tab",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got)\n%s", d)
	}

	bad := []struct {
		name, in string
		line     int
	}{
		{"no equals", "A=1\nexport B\n", 2},
		{"NUL", "A=1\nB=2\nC=\x00\n", 3},
		{"invalid name", "# c\nMY-VAR=1\n", 2},
		{"unterminated double", "A=\"abc\n", 1},
		{"unterminated single", "\nA='abc\n", 2},
		{"text after quote", "A=\"abc\"def\n", 1},
		{"CRLF no equals", "A=1\r\nB\r\n", 2},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := sidecar.SplitEnvLines([]byte(tt.in))
			var se *sidecar.EnvSyntaxError
			if !errors.As(err, &se) || se.Line != tt.line || !errors.Is(err, sidecar.ErrNotEnvironment) {
				t.Fatalf("SplitEnvLines = %v, want a syntax error on line %d", err, tt.line)
			}
			if !strings.Contains(err.Error(), "line ") {
				t.Errorf("error %q does not name the line", err)
			}
		})
	}
}

func TestParseEnvFile(t *testing.T) {
	c, findings, err := sidecar.ParseEnvFile(strings.NewReader("APPMESH_RESOURCE_ARN=" + ccNode + "\r\nENVOY_LOG_LEVEL=debug\r\nENVOY_LOG_LEVEL=info\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Resource != ccNode || c.LogLevel != nil {
		t.Errorf("config = %+v; want the node and the default log level (the last, info, wins)", c)
	}
	if d := cmp.Diff([]ccProblem{
		{"ENVOY_LOG_LEVEL", sidecar.FindingDuplicate, sidecar.SeverityWarning},
		{"ENVOY_LOG_LEVEL", sidecar.FindingDefault, sidecar.SeverityInfo},
	}, ccProblems(findings)); d != "" {
		t.Errorf("findings (-want +got)\n%s", d)
	}
	if _, _, err := sidecar.ParseEnvFile(strings.NewReader(strings.Repeat("#", 1<<20+1))); !errors.Is(err, sidecar.ErrNotEnvironment) {
		t.Errorf("oversized file: %v, want ErrNotEnvironment", err)
	}
}

// ccRoundTripConfigs are configurations without explicit default values, which
// survive Env → dotenv → ParseEnvFile unchanged.
func ccRoundTripConfigs() map[string]sidecar.ContainerConfig {
	return map[string]sidecar.ContainerConfig{
		"minimal": {Resource: ccNode},
		"legacy":  {Resource: ccNode, ResourceVariable: sidecar.EnvVirtualNodeName},
		"full": {
			Resource:                   "arn:aws:appmesh:us-west-2:111122223333:mesh/shop/virtualGateway/gw",
			ResourceCluster:            ccPtr("gw cluster"),
			LogLevel:                   ccPtr(sidecar.LogOff),
			AdminPort:                  ccPtr(9000),
			AdminAccessLogFile:         ccPtr("/dev/stdout"),
			InitialFetchTimeout:        ccPtr(30),
			Concurrency:                ccPtr(2),
			XRayTracing:                ccPtr(true),
			XRayDaemonPort:             ccPtr(3000),
			XRayDaemonAddress:          ccPtr("10.0.0.1"),
			XRaySamplingRate:           ccPtr(0.125),
			XRaySamplingRuleManifest:   ccPtr("/etc/xray rules.json"),
			XRaySegmentName:            ccPtr(`shop "gw" $1`),
			DatadogTracing:             ccPtr(false),
			DatadogTracerPort:          ccPtr(8127),
			DatadogTracerAddress:       ccPtr("dd.local"),
			DatadogService:             ccPtr("it's #1"),
			JaegerTracing:              ccPtr(false),
			JaegerTracerPort:           ccPtr(9412),
			JaegerTracerAddress:        ccPtr("10.0.0.3"),
			JaegerTracerVersion:        ccPtr("JSON"),
			TracingConfigFile:          ccPtr("/etc/t.yaml"),
			StatsTags:                  ccPtr(true),
			StatsConfigFile:            ccPtr("/etc/s.yaml"),
			StatsSinksConfigFile:       ccPtr("/etc/k.yaml"),
			StatsFlushInterval:         ccPtr(1500 * time.Millisecond),
			DogStatsD:                  ccPtr(true),
			StatsDPort:                 ccPtr(9125),
			StatsDAddress:              ccPtr("10.0.0.4"),
			StatsDSocketPath:           ccPtr("/run/statsd.sock"),
			RestartCount:               ccPtr(3),
			PIDPollIntervalMS:          ccPtr(500),
			ListenerDrainWaitS:         ccPtr(200),
			HealthPollIntervalMS:       ccPtr(20000),
			HealthDisconnectedTimeoutS: ccPtr(3600),
			AgentHTTPPort:              ccPtr(9903),
			MetricExtensionVersion:     ccPtr("1"),
			Extra: map[string]string{
				"AWS_REGION":            "us-west-2",
				"APPMESH_FIPS_ENDPOINT": "1",
				"ENVOY_NEW_THING":       "multi\nline\ttab\\",
			},
		},
	}
}

func TestRoundTrip(t *testing.T) {
	for name, c := range ccRoundTripConfigs() {
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
			got2, _, err := sidecar.ParseEnv(ccEnviron(c.Env()))
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(want, got2); d != "" {
				t.Errorf("environ round trip (-want +got)\n%s", d)
			}
		})
	}
}

func ccEnviron(env []sidecar.EnvVar) []string {
	out := make([]string, len(env))
	for i, v := range env {
		out[i] = v.String()
	}
	return out
}
