package sidecar

import (
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
)

// want is one expected finding of a rule case.
type want struct {
	sev       Severity
	kind      FindingKind
	effective string
}

var (
	fatal    = want{SeverityError, FindingInvalid, ""}
	harmless = want{SeverityWarning, FindingInvalid, ""} // malformed, but overridden
	nonsense = want{SeverityWarning, FindingInvalid, ""}
	isDef    = want{SeverityInfo, FindingDefault, ""}
	deadInfo = want{SeverityInfo, FindingDead, ""}
	deadWarn = want{SeverityWarning, FindingDead, ""}
)

func reset(effective string) want { return want{SeverityWarning, FindingReset, effective} }

// ruleCase is one value of one variable and what the agent does with it. The identity
// APPMESH_RESOURCE_ARN=mesh/shop/virtualNode/cart is added to env. The findings about
// variable must be exactly want (none for an accepted value); findings about other
// variables are not checked here.
type ruleCase struct {
	variable string
	value    string
	env      []string // other variables
	image    string
	want     []want
}

// ruleCases hold at least one case for every rule of every variable in the table (see
// TestRuleCasesCoverTheTable). Sources: the rows' src files.
var ruleCases = []ruleCase{
	// Bootstrap booleans: strconv.ParseBool of the trimmed value, or the agent stops.
	{variable: "APPMESH_PREVIEW", value: "yes", want: []want{fatal}},
	{variable: "APPMESH_PREVIEW", value: " TRUE ", want: nil},
	{variable: "APPMESH_PREVIEW", value: "0", want: []want{isDef}},
	{variable: "APPMESH_PREVIEW", value: "   ", want: []want{isDef}},
	{variable: "APPMESH_PREVIEW", value: "yes", env: []string{"APPMESH_XDS_ENDPOINT=xds.local:443", "APPMESH_SIGNING_NAME=appmesh"}, want: []want{harmless}},
	{variable: "APPMESH_PREVIEW", value: "yes", env: []string{"APPMESH_XDS_ENDPOINT=xds.local:443"}, want: []want{fatal}},
	{variable: "APPMESH_DUALSTACK_ENDPOINT", value: "enabled", want: []want{fatal}},
	{variable: "APPMESH_DUALSTACK_ENDPOINT", value: "1", image: "v1.21.0.0-prod", want: []want{{SeverityWarning, FindingVersion, ""}}},
	{variable: "APPMESH_DUALSTACK_ENDPOINT", value: "1", env: []string{"APPMESH_XDS_ENDPOINT=xds.local:443"}, want: []want{deadWarn}},
	{variable: "ENVOY_ADMIN_ACCESS_ENABLE_IPV6", value: "yes", want: []want{fatal}},
	{variable: "ENVOY_ADMIN_ACCESS_ENABLE_IPV6", value: "yes", env: []string{"ENVOY_ADMIN_MODE=uds"}, want: []want{harmless}},
	{variable: "ENVOY_ADMIN_ACCESS_ENABLE_IPV6", value: "false", want: []want{isDef}},
	{variable: "APPMESH_SET_TRACING_DECISION", value: "off", want: []want{fatal}},
	{variable: "ENVOY_NO_EXTENSION_LOOKUP_BY_NAME", value: "2", want: []want{fatal}},
	{variable: "ENVOY_NO_EXTENSION_LOOKUP_BY_NAME", value: "false", want: nil},
	{variable: "ENVOY_ENABLE_TCP_POOL_IDLE_TIMEOUT", value: "false", want: nil},
	{variable: "ENVOY_ENABLE_TCP_POOL_IDLE_TIMEOUT", value: "maybe", want: []want{fatal}},
	{variable: "ENVOY_SANITIZE_ORIGINAL_PATH", value: "no", want: []want{fatal}},
	{variable: "ENVOY_ACTIVE_HEALTH_CHECK_UNEJECT_HOST", value: "true", want: nil},
	{variable: "ENABLE_ENVOY_STATS_TAGS", value: "on", want: []want{fatal}},
	{variable: "ENABLE_ENVOY_STATS_TAGS", value: "1", env: []string{"ENVOY_STATS_CONFIG_FILE=/etc/stats.yaml"}, want: []want{deadWarn}},
	{variable: "ENABLE_ENVOY_DOG_STATSD", value: "Y", want: []want{fatal}},
	{variable: "ENABLE_ENVOY_DOG_STATSD", value: "Y", env: []string{"ENVOY_STATS_SINKS_CFG_FILE=/etc/sinks.yaml"}, want: []want{fatal}},
	{variable: "ENABLE_ENVOY_DOG_STATSD", value: "1", env: []string{"ENVOY_STATS_SINKS_CFG_FILE=/etc/sinks.yaml"}, want: []want{deadWarn}},
	{variable: "ENABLE_ENVOY_XRAY_TRACING", value: "yes", want: []want{fatal}},
	{variable: "ENABLE_ENVOY_XRAY_TRACING", value: "yes", env: []string{"ENVOY_TRACING_CFG_FILE=/etc/tracing.yaml"}, want: []want{harmless}},
	{variable: "ENABLE_ENVOY_XRAY_TRACING", value: "1", env: []string{"ENVOY_TRACING_CFG_FILE=/etc/tracing.yaml"}, want: []want{deadWarn}},
	{variable: "ENABLE_ENVOY_DATADOG_TRACING", value: "enable", want: []want{fatal}},
	{variable: "ENABLE_ENVOY_JAEGER_TRACING", value: "True", want: nil},
	// Read by both parsers: the bootstrap's boolean rule, and the agent's untrimmed one.
	{variable: "ENVOY_USE_HTTP_CLIENT_TO_FETCH_AWS_CREDENTIALS", value: "yes", want: []want{fatal}},
	{variable: "ENVOY_USE_HTTP_CLIENT_TO_FETCH_AWS_CREDENTIALS", value: " true", want: []want{reset("false")}},
	{variable: "ENVOY_USE_HTTP_CLIENT_TO_FETCH_AWS_CREDENTIALS", value: "true", want: nil},
	{variable: "ENVOY_USE_HTTP_CLIENT_TO_FETCH_AWS_CREDENTIALS", value: "false ", want: []want{isDef}},

	// Bootstrap integers.
	{variable: "ENVOY_INITIAL_FETCH_TIMEOUT", value: "6notaninteger", want: []want{fatal}},
	{variable: "ENVOY_INITIAL_FETCH_TIMEOUT", value: " 30 ", want: nil},
	{variable: "ENVOY_INITIAL_FETCH_TIMEOUT", value: "-1", want: []want{fatal}},
	{variable: "ENVOY_INITIAL_FETCH_TIMEOUT", value: "0", want: []want{isDef}},
	{variable: "MAX_REQUESTS_PER_IO_CYCLE", value: "many", want: []want{fatal}},
	{variable: "MAX_REQUESTS_PER_IO_CYCLE", value: "0", want: []want{nonsense}},
	{variable: "MAX_REQUESTS_PER_IO_CYCLE", value: "1", want: nil},

	// Ports of the tracers and DogStatsD: read only when their feature is on.
	{variable: "XRAY_DAEMON_PORT", value: "6notaninteger", env: []string{"ENABLE_ENVOY_XRAY_TRACING=1"}, want: []want{fatal}},
	{variable: "XRAY_DAEMON_PORT", value: "6notaninteger", want: []want{fatal}}, // stops Envoy once X-Ray is on
	{variable: "XRAY_DAEMON_PORT", value: "70000", env: []string{"ENABLE_ENVOY_XRAY_TRACING=1"}, want: []want{fatal}},
	{variable: "XRAY_DAEMON_PORT", value: "0", env: []string{"ENABLE_ENVOY_XRAY_TRACING=1"}, want: []want{nonsense}},
	{variable: "XRAY_DAEMON_PORT", value: "2000", env: []string{"ENABLE_ENVOY_XRAY_TRACING=1"}, want: []want{isDef}},
	{variable: "XRAY_DAEMON_PORT", value: "3000", want: []want{deadInfo}},
	{variable: "XRAY_DAEMON_PORT", value: "3001", env: []string{"ENABLE_ENVOY_XRAY_TRACING=1", "AWS_XRAY_DAEMON_ADDRESS=10.0.0.1:3000"}, want: []want{deadInfo}},
	{variable: "DATADOG_TRACER_PORT", value: "notaport", env: []string{"ENABLE_ENVOY_DATADOG_TRACING=1"}, want: []want{fatal}},
	{variable: "JAEGER_TRACER_PORT", value: "-1", env: []string{"ENABLE_ENVOY_JAEGER_TRACING=1"}, want: []want{fatal}},
	{variable: "STATSD_PORT", value: "x", env: []string{"ENABLE_ENVOY_DOG_STATSD=1"}, want: []want{fatal}},
	{variable: "STATSD_PORT", value: "9125", env: []string{"ENABLE_ENVOY_DOG_STATSD=1", "STATSD_SOCKET_PATH=/run/statsd.sock"}, want: []want{deadInfo}},

	// ENVOY_ADMIN_ACCESS_PORT: the bootstrap (trimmed, fatal) and the agent (untrimmed,
	// 9901 when it does not parse).
	{variable: "ENVOY_ADMIN_ACCESS_PORT", value: "abc", want: []want{fatal}},
	{variable: "ENVOY_ADMIN_ACCESS_PORT", value: " 9903", want: []want{reset("9901")}},
	{variable: "ENVOY_ADMIN_ACCESS_PORT", value: "70000", want: []want{fatal}},
	{variable: "ENVOY_ADMIN_ACCESS_PORT", value: "9000", want: nil},
	{variable: "ENVOY_ADMIN_ACCESS_PORT", value: " 9901", want: []want{isDef}},
	{variable: "ENVOY_ADMIN_ACCESS_PORT", value: "abc", env: []string{"ENVOY_ADMIN_MODE=UDS"}, want: []want{harmless}},
	{variable: "ENVOY_ADMIN_ACCESS_PORT", value: "9000", env: []string{"ENVOY_ADMIN_MODE=UDS"}, want: []want{deadInfo}},
	{variable: "ENVOY_ADMIN_ACCESS_PORT", value: " 9903", env: []string{"ENVOY_CONFIG_FILE=/etc/envoy.yaml"}, want: []want{reset("9901")}},
	{variable: "ENVOY_ADMIN_ACCESS_PORT", value: "9903", env: []string{"ENVOY_CONFIG_FILE=/etc/envoy.yaml"}, want: []want{deadInfo}},

	// ENVOY_CONCURRENCY (agent, used when above 0).
	{variable: "ENVOY_CONCURRENCY", value: "abc", want: []want{reset("-1")}},
	{variable: "ENVOY_CONCURRENCY", value: " 2", want: []want{reset("-1")}},
	{variable: "ENVOY_CONCURRENCY", value: "0", want: []want{nonsense}},
	{variable: "ENVOY_CONCURRENCY", value: "-1", want: []want{isDef}},
	{variable: "ENVOY_CONCURRENCY", value: "2", image: "v1.24.0.0-prod", want: nil},
	{variable: "ENVOY_CONCURRENCY", value: "2", image: "v1.23.1.0-prod", want: []want{{SeverityWarning, FindingVersion, ""}}},

	// ENVOY_STATS_FLUSH_INTERVAL: a Go duration Envoy bounds to [1ms, 300s).
	{variable: "ENVOY_STATS_FLUSH_INTERVAL", value: "10", want: []want{fatal}},
	{variable: "ENVOY_STATS_FLUSH_INTERVAL", value: "0s", want: []want{fatal}},
	{variable: "ENVOY_STATS_FLUSH_INTERVAL", value: "5m", want: []want{fatal}},
	{variable: "ENVOY_STATS_FLUSH_INTERVAL", value: "5000ms", want: nil},
	{variable: "ENVOY_STATS_FLUSH_INTERVAL", value: "299s", want: nil},

	// XRAY_SAMPLING_RATE: a decimal in [0,1], rounded to two decimals.
	{variable: "XRAY_SAMPLING_RATE", value: "notanumber", env: []string{"ENABLE_ENVOY_XRAY_TRACING=1"}, want: []want{fatal}},
	{variable: "XRAY_SAMPLING_RATE", value: "5.49", env: []string{"ENABLE_ENVOY_XRAY_TRACING=1"}, want: []want{fatal}},
	{variable: "XRAY_SAMPLING_RATE", value: "-0.01", env: []string{"ENABLE_ENVOY_XRAY_TRACING=1"}, want: []want{fatal}},
	{variable: "XRAY_SAMPLING_RATE", value: "NaN", env: []string{"ENABLE_ENVOY_XRAY_TRACING=1"}, want: []want{fatal}},
	{variable: "XRAY_SAMPLING_RATE", value: "0.1451", env: []string{"ENABLE_ENVOY_XRAY_TRACING=1"}, want: []want{reset("0.15")}},
	{variable: "XRAY_SAMPLING_RATE", value: "0.01", env: []string{"ENABLE_ENVOY_XRAY_TRACING=1"}, want: nil},
	{variable: "XRAY_SAMPLING_RATE", value: "0.05", env: []string{"ENABLE_ENVOY_XRAY_TRACING=1"}, want: []want{isDef}},
	{variable: "XRAY_SAMPLING_RATE", value: "0.5", env: []string{"ENABLE_ENVOY_XRAY_TRACING=1", "XRAY_SAMPLING_RULE_MANIFEST=/etc/rules.json"}, want: []want{deadInfo}},
	{variable: "XRAY_SAMPLING_RATE", value: "notanumber", want: []want{fatal}}, // stops Envoy once X-Ray is on
	{variable: "XRAY_SAMPLING_RATE", value: "notanumber", env: []string{"ENABLE_ENVOY_XRAY_TRACING=1", "XRAY_SAMPLING_RULE_MANIFEST=/etc/rules.json"}, want: []want{harmless}},

	// AWS_XRAY_DAEMON_ADDRESS: a static IP, with an optional port the agent finds with a
	// pattern that misreads a bare IPv6 address.
	{variable: "AWS_XRAY_DAEMON_ADDRESS", value: "xray-daemon:1234", env: []string{"ENABLE_ENVOY_XRAY_TRACING=1"}, want: []want{fatal}},
	{variable: "AWS_XRAY_DAEMON_ADDRESS", value: "::1", env: []string{"ENABLE_ENVOY_XRAY_TRACING=1"}, want: []want{fatal}},
	{variable: "AWS_XRAY_DAEMON_ADDRESS", value: "[fd00::1]", env: []string{"ENABLE_ENVOY_XRAY_TRACING=1"}, want: []want{fatal}},
	{variable: "AWS_XRAY_DAEMON_ADDRESS", value: "[::1]:2000", env: []string{"ENABLE_ENVOY_XRAY_TRACING=1"}, want: nil},
	{variable: "AWS_XRAY_DAEMON_ADDRESS", value: "fd00::abcd", env: []string{"ENABLE_ENVOY_XRAY_TRACING=1"}, want: nil},
	{variable: "AWS_XRAY_DAEMON_ADDRESS", value: "1.2.3.4:1234", env: []string{"ENABLE_ENVOY_XRAY_TRACING=1"}, want: nil},
	{variable: "AWS_XRAY_DAEMON_ADDRESS", value: "1.2.3.4:123456", env: []string{"ENABLE_ENVOY_XRAY_TRACING=1"}, want: []want{fatal}},
	{variable: "AWS_XRAY_DAEMON_ADDRESS", value: "1.2.3.4:0", env: []string{"ENABLE_ENVOY_XRAY_TRACING=1"}, want: []want{nonsense}},
	{variable: "AWS_XRAY_DAEMON_ADDRESS", value: "1.2.3.4", env: []string{"ENABLE_ENVOY_XRAY_TRACING=1"}, want: nil},

	// STATSD_ADDRESS: Envoy needs an IP for the DogStatsD sink.
	{variable: "STATSD_ADDRESS", value: "statsd.local", env: []string{"ENABLE_ENVOY_DOG_STATSD=1"}, want: []want{fatal}},
	{variable: "STATSD_ADDRESS", value: "fd00::1", env: []string{"ENABLE_ENVOY_DOG_STATSD=1"}, want: nil},
	{variable: "STATSD_ADDRESS", value: "statsd.local", env: []string{"ENABLE_ENVOY_DOG_STATSD=1", "STATSD_SOCKET_PATH=/run/statsd.sock"}, want: []want{harmless}},

	// APPMESH_METRIC_EXTENSION_VERSION: only "1" turns the extension on.
	{variable: "APPMESH_METRIC_EXTENSION_VERSION", value: "1", want: nil},
	{variable: "APPMESH_METRIC_EXTENSION_VERSION", value: "true", want: []want{reset("0")}},
	{variable: "APPMESH_METRIC_EXTENSION_VERSION", value: "0", want: []want{isDef}},

	// JAEGER_TRACER_VERSION: JSON when it contains "json", else PROTO.
	{variable: "JAEGER_TRACER_VERSION", value: "json", env: []string{"ENABLE_ENVOY_JAEGER_TRACING=1"}, want: nil},
	{variable: "JAEGER_TRACER_VERSION", value: "v2-json", env: []string{"ENABLE_ENVOY_JAEGER_TRACING=1"}, want: []want{reset("JSON")}},
	{variable: "JAEGER_TRACER_VERSION", value: "thrift", env: []string{"ENABLE_ENVOY_JAEGER_TRACING=1"}, want: []want{reset("PROTO")}},
	{variable: "JAEGER_TRACER_VERSION", value: "proto", env: []string{"ENABLE_ENVOY_JAEGER_TRACING=1"}, want: []want{isDef}},

	// The agent's timers: reset to the default (not the bound) outside their range.
	{variable: "PID_POLL_INTERVAL_MS", value: "99", want: []want{reset("100")}},
	{variable: "PID_POLL_INTERVAL_MS", value: " 300", want: []want{reset("100")}},
	{variable: "PID_POLL_INTERVAL_MS", value: "1000", want: nil},
	{variable: "LISTENER_DRAIN_WAIT_TIME_S", value: "200", want: []want{reset("20")}},
	{variable: "LISTENER_DRAIN_WAIT_TIME_S", value: "4", want: []want{reset("20")}},
	{variable: "LISTENER_DRAIN_WAIT_TIME_S", value: "20", want: []want{isDef}},
	{variable: "HC_DISCONNECTED_TIMEOUT_S", value: "100", want: []want{reset("604800")}},
	{variable: "HC_DISCONNECTED_TIMEOUT_S", value: "3600", want: nil},
	{variable: "APPNET_ENVOY_RESTART_COUNT", value: "-1", want: []want{reset("3")}},
	{variable: "APPNET_ENVOY_RESTART_COUNT", value: "11", want: []want{reset("10")}},
	{variable: "APPNET_ENVOY_RESTART_COUNT", value: "three", want: []want{reset("3")}},
	{variable: "APPNET_ENVOY_RESTART_COUNT", value: "3", want: nil},
	{variable: "APPNET_AGENT_HTTP_PORT", value: "80", want: []want{reset("9902")}},
	{variable: "APPNET_AGENT_HTTP_PORT", value: "70000", want: []want{reset("9902")}},
	{variable: "APPNET_AGENT_HTTP_PORT", value: "x", want: []want{reset("9902")}},
	{variable: "APPNET_AGENT_HTTP_PORT", value: "9903", want: nil},
	{variable: "APPNET_AGENT_HTTP_PORT", value: "80", env: []string{"APPNET_AGENT_ADMIN_MODE=uds"}, want: []want{deadInfo}},

	// HC_POLL_INTERVAL_MS and its fallback APPNET_AGENT_POLL_ENVOY_READINESS_INTERVAL_S.
	{variable: "HC_POLL_INTERVAL_MS", value: "1999", want: []want{reset("10000")}},
	{variable: "HC_POLL_INTERVAL_MS", value: "30001", want: []want{reset("10000")}},
	{variable: "HC_POLL_INTERVAL_MS", value: "x", want: []want{reset("10000")}},
	{variable: "HC_POLL_INTERVAL_MS", value: "x", env: []string{"APPNET_AGENT_POLL_ENVOY_READINESS_INTERVAL_S=6"}, want: []want{reset("6000")}},
	{variable: "HC_POLL_INTERVAL_MS", value: "10000", want: []want{isDef}},
	{variable: "HC_POLL_INTERVAL_MS", value: "10000", env: []string{"APPNET_AGENT_POLL_ENVOY_READINESS_INTERVAL_S=6"}, want: nil},
	{variable: "APPNET_AGENT_POLL_ENVOY_READINESS_INTERVAL_S", value: "6", want: nil},
	{variable: "APPNET_AGENT_POLL_ENVOY_READINESS_INTERVAL_S", value: "60", want: []want{reset("10")}},
	{variable: "APPNET_AGENT_POLL_ENVOY_READINESS_INTERVAL_S", value: "60", env: []string{"HC_POLL_INTERVAL_MS=5000"}, want: nil},
	{variable: "APPNET_AGENT_POLL_ENVOY_READINESS_INTERVAL_S", value: "soon", want: []want{reset("5")}},
	{variable: "APPNET_AGENT_POLL_ENVOY_READINESS_TIMEOUT_S", value: "3m", want: []want{reset("180")}},
	{variable: "APPNET_AGENT_POLL_ENVOY_READINESS_TIMEOUT_S", value: "0", want: nil},

	// The agent's booleans: Go booleans, untrimmed; anything else keeps the default.
	{variable: "DISABLE_HOT_RESTART", value: "no", want: []want{reset("true")}},
	{variable: "DISABLE_HOT_RESTART", value: "false", want: nil},
	{variable: "ENABLE_STATS_SNAPSHOT", value: "yes", want: []want{reset("false")}},
	{variable: "ENABLE_STATS_SNAPSHOT", value: " true", want: []want{reset("false")}},
	{variable: "ENVOY_SKIP_DEPRECATED_LOGS", value: "invalid", want: []want{reset("true")}},
	{variable: "ENVOY_SKIP_DEPRECATED_LOGS", value: "true", want: []want{isDef}},

	// The agent's other numbers.
	{variable: "APPNET_AGENT_LOGGING_RESET_TIMEOUT", value: "5m", want: []want{reset("300")}},
	{variable: "APPNET_AGENT_LOGGING_RESET_TIMEOUT", value: "600", want: nil},
	{variable: "APPNET_AGENT_MAX_RETENTION_COUNT", value: "x", want: []want{reset("5")}},
	{variable: "APPNET_AGENT_MAX_LOG_FILE_SIZE", value: "1MB", want: []want{reset("1")}},
	{variable: "APPNET_AGENT_MAX_LOG_FILE_SIZE", value: "2.5", want: nil},

	// ENVOY_LOG_LEVEL: lower-cased, not trimmed, unknown levels become info.
	{variable: "ENVOY_LOG_LEVEL", value: "DEBUG", want: nil},
	{variable: "ENVOY_LOG_LEVEL", value: " debug", want: []want{reset("info")}},
	{variable: "ENVOY_LOG_LEVEL", value: "verbose", want: []want{reset("info")}},
	{variable: "ENVOY_LOG_LEVEL", value: "info", want: []want{isDef}},
	{variable: "ENVOY_LOG_LEVEL", value: "off", image: "v1.29.3.0-prod", want: []want{{SeverityWarning, FindingVersion, "info"}}},
	{variable: "ENVOY_LOG_LEVEL", value: "Critical", image: "v1.29.4.0-prod", want: nil},

	// The admin modes: tcp or uds in any case, else tcp.
	{variable: "ENVOY_ADMIN_MODE", value: "UDS", want: nil},
	{variable: "ENVOY_ADMIN_MODE", value: "unix", want: []want{reset("tcp")}},
	{variable: "APPNET_AGENT_ADMIN_MODE", value: " uds", want: []want{reset("tcp")}},
	{variable: "APPNET_AGENT_ADMIN_MODE", value: "tcp", want: []want{isDef}},
	{variable: "APPNET_AGENT_ADMIN_UDS_PATH", value: "/tmp/agent.sock", env: []string{"APPNET_AGENT_ADMIN_MODE=uds"}, want: nil},
	{variable: "APPNET_AGENT_ADMIN_UDS_PATH", value: "/tmp/agent.sock", want: []want{deadInfo}},
	{variable: "APPNET_AGENT_HTTP_BIND_ADDRESS", value: "127.0.0.1", want: nil},

	// Text the agent takes as it is, and text both parsers read.
	{variable: "APPNET_ENVOY_LOG_DESTINATION", value: " /var/log/envoy", want: []want{nonsense}},
	{variable: "APPNET_ENVOY_LOG_NAME", value: "envoy.log", want: nil},
	{variable: "ENVOY_CONFIG_FILE", value: "/etc/envoy.yaml", want: nil},
	{variable: "APPMESH_XDS_ENDPOINT", value: " unix:///tmp/xds.sock", want: []want{nonsense}},
	{variable: "APPMESH_XDS_ENDPOINT", value: "unix:///tmp/xds.sock", want: nil},
	{variable: "APPMESH_XDS_ENDPOINT", value: " xds.local:15000 ", want: nil},

	// Bootstrap text: any value; some only while a feature is on or without an override.
	{variable: "APPMESH_RESOURCE_CLUSTER", value: "cart", want: nil},
	{variable: "APPMESH_VIRTUAL_NODE_CLUSTER", value: "cart", env: []string{"APPMESH_RESOURCE_CLUSTER=cart-v2"}, want: []want{deadInfo}},
	{variable: "APPMESH_SIGNING_NAME", value: "appmesh", env: []string{"APPMESH_XDS_ENDPOINT=unix:///tmp/xds.sock"}, want: []want{deadInfo}},
	{variable: "XRAY_SEGMENT_NAME", value: "cart", env: []string{"ENABLE_ENVOY_XRAY_TRACING=1"}, image: "v1.23.0.0-prod", want: []want{{SeverityWarning, FindingVersion, ""}}},
	{variable: "AWS_REGION", value: "us-west-2", want: nil},
	{variable: "AWS_REGION", value: "us-west-2", env: []string{"APPMESH_XDS_ENDPOINT=unix:///tmp/xds.sock"}, want: []want{deadInfo}},
	{variable: "XRAY_SAMPLING_RULE_MANIFEST", value: "/etc/rules.json", env: []string{"ENABLE_ENVOY_XRAY_TRACING=1"}, want: nil},
	{variable: "XRAY_SAMPLING_RULE_MANIFEST", value: "/etc/rules.json", env: []string{"ENABLE_ENVOY_XRAY_TRACING=1"}, image: "v1.19.0.0-prod", want: []want{{SeverityWarning, FindingVersion, ""}}},
	{variable: "JAEGER_TRACER_ADDRESS", value: "jaeger.tracing.svc", env: []string{"ENABLE_ENVOY_JAEGER_TRACING=1"}, want: nil},
	{variable: "JAEGER_TRACER_ADDRESS", value: "jaeger.tracing.svc", want: []want{deadInfo}},
	{variable: "STATSD_SOCKET_PATH", value: "/run/statsd.sock", env: []string{"ENABLE_ENVOY_DOG_STATSD=1"}, want: nil},
	{variable: "STATSD_SOCKET_PATH", value: "/run/statsd.sock", env: []string{"ENABLE_ENVOY_DOG_STATSD=1", "ENVOY_STATS_SINKS_CFG_FILE=/etc/sinks.yaml"}, want: []want{deadInfo}},
	{variable: "DD_SERVICE", value: "cart", env: []string{"ENABLE_ENVOY_DATADOG_TRACING=1"}, want: nil},
	{variable: "DATADOG_TRACER_ADDRESS", value: "datadog.monitoring.svc", env: []string{"ENABLE_ENVOY_DATADOG_TRACING=1"}, want: nil},
	{variable: "ENVOY_ADMIN_ACCESS_LOG_FILE", value: "/dev/stdout", want: nil},
	{variable: "ENVOY_OUTLIER_DETECTION_EVENT_LOG_PATH", value: "/dev/stdout", want: []want{isDef}},
	{variable: "ENVOY_OUTLIER_DETECTION_EVENT_LOG_PATH", value: "/tmp/x", env: []string{"ENVOY_CONFIG_FILE=/etc/envoy.yaml"}, want: []want{deadInfo}},

	// Service Connect: known, not App Mesh settings.
	{variable: "APPNET_CONTAINER_IP_MAPPING", value: `{"app":"10.0.0.2"}`, want: []want{{SeverityInfo, FindingServiceConnect, ""}}},
	{variable: "APPNET_ENABLE_RELAY_MODE_FOR_XDS", value: "1", want: []want{{SeverityWarning, FindingServiceConnect, ""}}},
	{variable: "RELAY_BUFFER_LIMIT_BYTES", value: "32768", want: []want{{SeverityInfo, FindingServiceConnect, ""}}},
	{variable: "APPNET_RELAY_LISTENER_UDS_PATH", value: "/tmp/relay.sock", want: []want{{SeverityInfo, FindingServiceConnect, ""}}},
	{variable: "APPNET_FIPS_MODE_ENABLED", value: "1", want: []want{{SeverityInfo, FindingServiceConnect, ""}}},
	{variable: "APPNET_LISTENER_PORT_MAPPING", value: `{"l":15000}`, want: []want{{SeverityInfo, FindingServiceConnect, ""}}},
	{variable: "APPNET_MANAGEMENT_PORT", value: "443", want: []want{{SeverityInfo, FindingServiceConnect, ""}}},

	// No longer read.
	{variable: "APPMESH_FIPS_ENDPOINT", value: "1", want: []want{{SeverityWarning, FindingLegacy, ""}}},
	{variable: "APPMESH_FIPS_ENDPOINT", value: "0", want: []want{{SeverityInfo, FindingLegacy, ""}}},
	{variable: "APPMESH_FIPS_ENDPOINT", value: "maybe", want: []want{{SeverityWarning, FindingLegacy, ""}}},
}

func TestRules(t *testing.T) {
	for _, tc := range ruleCases {
		name := tc.variable + "=" + tc.value
		if len(tc.env) > 0 {
			name += " with " + strings.Join(tc.env, ",")
		}
		if tc.image != "" {
			name += " on " + tc.image
		}
		t.Run(name, func(t *testing.T) {
			env := append([]string{EnvResourceARN + "=mesh/shop/virtualNode/cart", tc.variable + "=" + tc.value}, tc.env...)
			var opts []func(*ParseOptions)
			if tc.image != "" {
				v, err := appmeshenvoy.ParseVersion(tc.image)
				if err != nil {
					t.Fatal(err)
				}
				opts = append(opts, func(o *ParseOptions) { o.ImageVersion = &v })
			}
			_, findings, err := ParseEnv(env, opts...)
			if err != nil {
				t.Fatal(err)
			}
			var got []want
			for _, f := range findings {
				if f.Variable != tc.variable {
					continue
				}
				got = append(got, want{f.Severity, f.Kind, f.EffectiveValue})
				if f.Kind == FindingReset && f.EffectiveValue == "" {
					t.Errorf("reset finding without the value used: %v", f)
				}
				if f.Message == "" || strings.ContainsAny(f.Message, "\n\r") {
					t.Errorf("finding message is empty or not one line: %q", f.Message)
				}
			}
			if d := cmp.Diff(tc.want, got, cmp.AllowUnexported(want{})); d != "" {
				t.Errorf("findings (-want +got)\n%s\nall findings: %v", d, findings)
			}
		})
	}
}

// TestRuleCasesCoverTheTable: every variable of the table has a rule case, and every
// kind of value rule has one that it refuses or replaces.
func TestRuleCasesCoverTheTable(t *testing.T) {
	cased := map[string]bool{}
	flagged := map[valueKind]bool{}
	for _, tc := range ruleCases {
		cased[tc.variable] = true
		if len(tc.want) > 0 && tc.want[0].sev != SeverityInfo {
			if v := lookupVariable(tc.variable); v != nil {
				flagged[v.kind] = true
			}
		}
	}
	for _, v := range variables {
		switch v.kind {
		case kIdentity:
			continue // TestIdentity
		case kString:
			if v.reader == readBootstrap && v.when == nil && v.since == (appmeshenvoy.Version{}) && v.def == "" {
				continue // any text, always read: nothing to check
			}
		}
		if !cased[v.name] {
			t.Errorf("%s (%s, %s) has no rule case", v.name, v.reader, kindName(v.kind))
		}
		if v.kind != kString && !flagged[v.kind] {
			t.Errorf("the %s rule of %s has no case it refuses or replaces", kindName(v.kind), v.name)
		}
	}
}

func kindName(k valueKind) string {
	return [...]string{"string", "identity", "bool", "int", "port", "positive", "duration", "rate", "float", "log level", "mode",
		"X-Ray address", "IP", "metric level", "Jaeger version", "timer", "restart count", "agent port", "health poll", "readiness interval"}[k]
}

// TestTable checks the table itself: unique names, a source and a parser per row, typed
// fields used once, defaults that their own rule accepts, and Env's form for each field
// type.
func TestTable(t *testing.T) {
	seen := map[string]bool{}
	fields := map[any]string{}
	var c ContainerConfig
	for i := range variables {
		v := &variables[i]
		if seen[v.name] {
			t.Errorf("%s: two rows", v.name)
		}
		seen[v.name] = true
		if v.src == "" || v.reader == 0 {
			t.Errorf("%s: no source or no parser", v.name)
		}
		if v.field != nil {
			p := v.field(&c)
			if other, ok := fields[p]; ok {
				t.Errorf("%s and %s share a field", v.name, other)
			}
			fields[p] = v.name
		}
		if v.def == "" || v.kind == kIdentity || v.reader == readServiceConnect || v.reader == readLegacy {
			continue
		}
		// A default must be accepted by its own rule (and reported as the default).
		l := newLinter(map[string]string{EnvResourceARN: "mesh/a/virtualNode/b", v.name: v.def}, nil, namesEnviron)
		if o := l.rule(v, v.def); o.fatal != "" || o.replaced != "" || o.invalid != "" || o.value != v.def {
			t.Errorf("%s: default %q gives %+v", v.name, v.def, o)
		}
	}
	for _, name := range []string{"ENVOY_CONCURRENCY", "APPMESH_PREVIEW", "XRAY_SAMPLING_RATE", "ENVOY_STATS_FLUSH_INTERVAL", "ENVOY_LOG_LEVEL", "ENVOY_ADMIN_MODE", "APPNET_AGENT_MAX_LOG_FILE_SIZE", "DD_SERVICE"} {
		v := lookupVariable(name)
		raw := map[string]string{"ENVOY_CONCURRENCY": "4", "APPMESH_PREVIEW": "true", "XRAY_SAMPLING_RATE": "0.25", "ENVOY_STATS_FLUSH_INTERVAL": "1500ms",
			"ENVOY_LOG_LEVEL": "WARN", "ENVOY_ADMIN_MODE": "UDS", "APPNET_AGENT_MAX_LOG_FILE_SIZE": "2.5", "DD_SERVICE": " cart "}[name]
		wantEnv := map[string]string{"ENVOY_CONCURRENCY": "4", "APPMESH_PREVIEW": "1", "XRAY_SAMPLING_RATE": "0.25", "ENVOY_STATS_FLUSH_INTERVAL": "1.5s",
			"ENVOY_LOG_LEVEL": "warn", "ENVOY_ADMIN_MODE": "uds", "APPNET_AGENT_MAX_LOG_FILE_SIZE": "2.5", "DD_SERVICE": "cart"}[name]
		var c ContainerConfig
		v.parseInto(&c, raw)
		if got, ok := v.get(&c); !ok || got != wantEnv {
			t.Errorf("%s=%q is written as %q (set %v), want %q", name, raw, got, ok, wantEnv)
		}
		v.clear(&c)
		if _, ok := v.get(&c); ok {
			t.Errorf("%s: clear left it set", name)
		}
	}
}

// documentedVariables is every variable the user guide and the agent's README list, copied from
// those pages (not from the table).
var documentedVariables = []string{
	"APPMESH_RESOURCE_ARN", "APPMESH_RESOURCE_NAME", "APPMESH_VIRTUAL_NODE_NAME", "APPMESH_RESOURCE_CLUSTER",
	"ENVOY_LOG_LEVEL", "ENVOY_ADMIN_ACCESS_PORT", "ENVOY_ADMIN_ACCESS_LOG_FILE", "ENVOY_INITIAL_FETCH_TIMEOUT",
	"ENVOY_CONCURRENCY", "ENABLE_ENVOY_XRAY_TRACING", "XRAY_DAEMON_PORT", "AWS_XRAY_DAEMON_ADDRESS",
	"XRAY_SAMPLING_RATE", "XRAY_SAMPLING_RULE_MANIFEST", "XRAY_SEGMENT_NAME", "ENABLE_ENVOY_DATADOG_TRACING",
	"DATADOG_TRACER_PORT", "DATADOG_TRACER_ADDRESS", "DD_SERVICE", "ENABLE_ENVOY_JAEGER_TRACING",
	"JAEGER_TRACER_PORT", "JAEGER_TRACER_ADDRESS", "JAEGER_TRACER_VERSION", "ENVOY_TRACING_CFG_FILE",
	"ENABLE_ENVOY_STATS_TAGS", "ENVOY_STATS_CONFIG_FILE", "ENVOY_STATS_SINKS_CFG_FILE", "ENVOY_STATS_FLUSH_INTERVAL",
	"ENABLE_ENVOY_DOG_STATSD", "STATSD_PORT", "STATSD_ADDRESS", "STATSD_SOCKET_PATH", "APPNET_ENVOY_RESTART_COUNT",
	"PID_POLL_INTERVAL_MS", "LISTENER_DRAIN_WAIT_TIME_S", "HC_POLL_INTERVAL_MS", "HC_DISCONNECTED_TIMEOUT_S",
	"APPNET_AGENT_HTTP_PORT", "APPNET_AGENT_POLL_ENVOY_READINESS_INTERVAL_S", "APPMESH_METRIC_EXTENSION_VERSION",
	"ENVOY_SKIP_DEPRECATED_LOGS", "DISABLE_HOT_RESTART", "ENABLE_STATS_SNAPSHOT", "APPNET_AGENT_LOGGING_RESET_TIMEOUT",
	"APPNET_AGENT_MAX_LOG_FILE_SIZE", "APPNET_AGENT_HTTP_BIND_ADDRESS", "ENVOY_OUTLIER_DETECTION_EVENT_LOG_PATH",
	"APPMESH_VIRTUAL_NODE_CLUSTER", "APPMESH_DUALSTACK_ENDPOINT", "APPMESH_PREVIEW", "APPMESH_SIGNING_NAME",
	"APPMESH_XDS_ENDPOINT", "APPMESH_SDS_SOCKET_PATH", "APPMESH_SET_TRACING_DECISION", "APPMESH_PLATFORM_K8S_VERSION",
	"APPMESH_PLATFORM_APP_MESH_CONTROLLER_VERSION", "APPMESH_PLATFORM_K8S_POD_UID", "AWS_REGION", "ENVOY_ADMIN_MODE",
	"ENVOY_ADMIN_ACCESS_ENABLE_IPV6", "ENVOY_CONFIG_FILE", "ENVOY_RESOURCES_CONFIG_FILE",
	"ENVOY_NO_EXTENSION_LOOKUP_BY_NAME", "ENVOY_USE_HTTP_CLIENT_TO_FETCH_AWS_CREDENTIALS", "MAX_REQUESTS_PER_IO_CYCLE",
	"APPNET_AGENT_ADMIN_MODE", "APPNET_AGENT_ADMIN_UDS_PATH", "APPNET_ENVOY_LOG_DESTINATION", "APPNET_ENVOY_LOG_NAME",
	"APPNET_AGENT_MAX_RETENTION_COUNT", "APPNET_AGENT_POLL_ENVOY_READINESS_TIMEOUT_S",
	// ECS Service Connect.
	"APPNET_ENABLE_RELAY_MODE_FOR_XDS", "APPNET_FIPS_MODE_ENABLED", "APPNET_MANAGEMENT_DOMAIN_NAME",
	"APPNET_MANAGEMENT_PORT", "RELAY_STREAM_IDLE_TIMEOUT", "RELAY_BUFFER_LIMIT_BYTES", "APPNET_CONTAINER_IP_MAPPING",
	"APPNET_LISTENER_PORT_MAPPING",
}

func TestEveryDocumentedVariableIsKnown(t *testing.T) {
	for _, name := range documentedVariables {
		v := lookupVariable(name)
		if v == nil {
			t.Errorf("%s is not in the table", name)
			continue
		}
		if v.reader == readLegacy {
			t.Errorf("%s is marked no longer read", name)
		}
		// Never "not a variable the agent reads".
		_, findings, err := ParseEnv([]string{EnvResourceARN + "=" + "mesh/a/virtualNode/b", name + "=x"})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range findings {
			if f.Variable == name && f.Kind == FindingUnknown {
				t.Errorf("%s reported unknown: %v", name, f)
			}
		}
	}
	known := KnownEnvVars()
	if !sort.StringsAreSorted(known) {
		t.Errorf("KnownEnvVars is not sorted")
	}
	for _, p := range serviceConnectPrefixes {
		if i := sort.SearchStrings(known, p+"*"); i == len(known) || known[i] != p+"*" {
			t.Errorf("KnownEnvVars lacks %s*", p)
		}
	}
}

// TestEveryFieldRoundTrips: each typed field is written by Env under its variable and
// read back by ParseEnv into the same field.
func TestEveryFieldRoundTrips(t *testing.T) {
	samples := map[string]string{"string": "x", "int": "7", "bool": "1", "float": "0.25", "duration": "1.5s", "level": "debug", "mode": "uds"}
	for i := range variables {
		v := &variables[i]
		if v.field == nil {
			continue
		}
		var c ContainerConfig
		var kind string
		switch v.field(&c).(type) {
		case **string:
			kind = "string"
		case **int:
			kind = "int"
		case **bool:
			kind = "bool"
		case **float64:
			kind = "float"
		case **LogLevel:
			kind = "level"
		case **AdminMode:
			kind = "mode"
		default:
			kind = "duration"
		}
		sample := samples[kind]
		if kind == "bool" && v.def == "1" {
			sample = "0"
		}
		v.parseInto(&c, sample)
		env := c.Env()
		if len(env) != 1 || env[0].Name != v.name || env[0].Value != sample {
			t.Errorf("%s: Env() = %v, want %s=%s", v.name, env, v.name, sample)
			continue
		}
		got, _, err := ParseEnv([]string{env[0].String()})
		if err != nil {
			t.Fatal(err)
		}
		if s, ok := v.get(&got); !ok || s != sample {
			t.Errorf("%s: ParseEnv gives %q (set %v)", v.name, s, ok)
		}
	}
}
