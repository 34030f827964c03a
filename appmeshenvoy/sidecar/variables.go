package sidecar

import (
	"sort"
	"strings"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
)

// The table below is every environment variable the image's agent reads, one row each,
// with the parser that reads it, its rule, its default and the upstream file that says
// so. The agent is aws/amazon-ecs-service-connect-agent; its files are cited by path:
//
//   - agent/envoy_bootstrap/env/env.go and agent/envoy_bootstrap/envoy_bootstrap.go: the
//     bootstrap generator. Values are trimmed; empty or blank means unset; a malformed
//     integer or boolean (strconv.ParseBool) stops the agent before Envoy starts.
//   - agent/config/agent_config.go: the agent's own settings. Values are not trimmed;
//     empty means unset; a value that does not parse, and an out-of-range timer, is
//     silently replaced by the default; nothing stops startup.
//
// The App Mesh User Guide page is
// https://docs.aws.amazon.com/app-mesh/latest/userguide/envoy-config.html; the Envoy API
// files are in envoyproxy/envoy under api/envoy/config.
//
// A new variable, or a changed rule, is one row here (plus a typed field in
// ContainerConfig when users should set it from Go).

// reader says which part of the agent reads a variable, and so how it parses the value.
type reader uint8

const (
	// readBootstrap: the bootstrap generator (trimmed; a malformed value is fatal).
	readBootstrap reader = iota + 1
	// readAgent: the agent's settings (untrimmed; a malformed value becomes the default).
	readAgent
	// readBoth: both parsers, each with its own rules.
	readBoth
	// readServiceConnect: read by the agent for ECS Service Connect, not by App Mesh.
	readServiceConnect
	// readLegacy: no longer read.
	readLegacy
)

// String names the parser for messages and the documentation table.
func (r reader) String() string {
	switch r {
	case readBootstrap:
		return "bootstrap"
	case readAgent:
		return "agent"
	case readBoth:
		return "bootstrap and agent"
	case readServiceConnect:
		return "Service Connect"
	case readLegacy:
		return "no longer read"
	}
	return "unknown"
}

// valueKind is the shape of a variable's value, and so the rule that checks it (see
// rules.go).
type valueKind uint8

const (
	kString            valueKind = iota // any text
	kIdentity                           // mesh/<mesh>/virtualNode/<name> or its ARN
	kBool                               // strconv.ParseBool
	kInt                                // integer, at least min
	kPort                               // integer port
	kPositive                           // integer, used only when above 0
	kDuration                           // Go duration within Envoy's bounds [min, max) in ms
	kRate                               // X-Ray sampling rate: decimal in [0,1], two decimals
	kFloat                              // decimal number
	kLogLevel                           // Envoy log level, lower-cased by the agent
	kMode                               // tcp or uds, in any case
	kXRayAddress                        // IP, optionally with :port
	kIP                                 // literal IP address
	kMetricLevel                        // only "1" enables
	kJaegerVersion                      // JSON when it contains "json", else PROTO
	kTimer                              // integer reset to the default outside [min, max]
	kRestartCount                       // integer, negative → default, above max → max
	kAgentPort                          // agent port: 1024–65535 for a non-root agent
	kHealthPoll                         // HC_POLL_INTERVAL_MS with its readiness fallback
	kReadinessInterval                  // APPNET_AGENT_POLL_ENVOY_READINESS_INTERVAL_S
)

// variable is one row of the table.
type variable struct {
	name   string
	reader reader
	kind   valueKind
	// def is the default in the form Env writes it ("1"/"0" for booleans); "" when there
	// is none or it depends on other variables.
	def string
	// alwaysWrite makes Env write the variable even when it equals def.
	alwaysWrite bool
	// min and max bound kInt, kTimer, kRestartCount and kDuration (milliseconds).
	min, max int
	// since is the oldest image that reads it; zero for all images.
	since appmeshenvoy.Version
	// when returns "" when the agent reads the variable in the environment s, else why it
	// does not: another variable overrides it, or (a reason made by featureOff) the
	// feature it belongs to is off; nil means always.
	when func(s *state) string
	// hint is added to the message when the agent replaces a malformed value.
	hint string
	// field returns a pointer to the typed field of ContainerConfig (**string, **int,
	// **bool, **float64, **time.Duration, **LogLevel or **AdminMode); nil keeps the value
	// in Extra.
	field func(*ContainerConfig) any
	// src is the upstream file (or page) the row is taken from.
	src string
}

// Upstream sources of the rows.
const (
	srcBootstrap = "agent/envoy_bootstrap/envoy_bootstrap.go"
	srcAgent     = "agent/config/agent_config.go"
	srcMetric    = "agent/envoy_bootstrap/metric_filter/metric_filter.go"
	srcPlatform  = "agent/envoy_bootstrap/platforminfo/platform_info_collector.go"
	srcGuide     = "https://docs.aws.amazon.com/app-mesh/latest/userguide/envoy-config.html"
	srcReadme    = "README.md of aws/amazon-ecs-service-connect-agent"
)

// ver is an image version.
func ver(major, minor, patch, build int) appmeshenvoy.Version {
	return appmeshenvoy.Version{Major: major, Minor: minor, Patch: patch, Build: build}
}

// Image versions that changed how the agent reads the environment (user guide variable
// pages and release notes).
var (
	sinceResourceARN = ver(1, 15, 0, 0)
	sinceLogLevels   = ver(1, 29, 4, 0)
)

// variables is the table. Keep it sorted by topic; lookups go through [lookupVariable].
var variables = []variable{
	// Identity: getNodeId and getNodeCluster.
	{name: EnvResourceARN, reader: readBootstrap, kind: kIdentity, since: sinceResourceARN, src: srcBootstrap},
	{name: EnvResourceName, reader: readBootstrap, kind: kIdentity, src: srcBootstrap},
	{name: EnvVirtualNodeName, reader: readBootstrap, kind: kIdentity, src: srcBootstrap},
	{name: "APPMESH_RESOURCE_CLUSTER", reader: readBootstrap, kind: kString, since: ver(1, 15, 0, 0), src: srcBootstrap,
		field: func(c *ContainerConfig) any { return &c.ResourceCluster }},
	{name: "APPMESH_VIRTUAL_NODE_CLUSTER", reader: readBootstrap, kind: kString, when: whenNoResourceCluster, src: srcBootstrap,
		field: func(c *ContainerConfig) any { return &c.VirtualNodeCluster }},

	// Envoy's command line: ParseFlags, SetDefaults, validateEnvoyLogLevel.
	{name: "ENVOY_LOG_LEVEL", reader: readAgent, kind: kLogLevel, def: "info", src: srcAgent,
		field: func(c *ContainerConfig) any { return &c.LogLevel }},
	{name: "ENVOY_CONCURRENCY", reader: readAgent, kind: kPositive, def: "-1", since: ver(1, 24, 0, 0), src: srcAgent,
		field: func(c *ContainerConfig) any { return &c.Concurrency }},

	// Envoy's admin interface: buildAdmin, buildAdminAccessLogConfig, getAdminModeFromEnv.
	{name: "ENVOY_ADMIN_MODE", reader: readAgent, kind: kMode, def: "tcp", src: srcAgent,
		field: func(c *ContainerConfig) any { return &c.AdminMode }},
	{name: "ENVOY_ADMIN_ACCESS_PORT", reader: readBoth, kind: kPort, def: "9901", when: whenAdminTCP, src: srcBootstrap + ", " + srcAgent,
		field: func(c *ContainerConfig) any { return &c.AdminPort }},
	{name: "ENVOY_ADMIN_ACCESS_LOG_FILE", reader: readBootstrap, kind: kString, def: "/tmp/envoy_admin_access.log", src: srcBootstrap,
		field: func(c *ContainerConfig) any { return &c.AdminAccessLogFile }},
	{name: "ENVOY_ADMIN_ACCESS_ENABLE_IPV6", reader: readBootstrap, kind: kBool, def: "0", since: ver(1, 22, 0, 0), when: whenAdminTCP, src: srcBootstrap,
		field: func(c *ContainerConfig) any { return &c.AdminIPv6 }},

	// The xDS connection: buildAdsConfigSource, getRegion, getRegionalXdsEndpoint,
	// getSigningName, appendSdsSocketCluster.
	{name: "ENVOY_INITIAL_FETCH_TIMEOUT", reader: readBootstrap, kind: kInt, def: "0", min: 0, src: srcBootstrap,
		field: func(c *ContainerConfig) any { return &c.InitialFetchTimeout }},
	{name: "AWS_REGION", reader: readBootstrap, kind: kString, when: whenRegionalXDS, src: srcBootstrap,
		field: func(c *ContainerConfig) any { return &c.Region }},
	{name: "APPMESH_XDS_ENDPOINT", reader: readBoth, kind: kString, src: srcBootstrap + ", " + srcAgent,
		field: func(c *ContainerConfig) any { return &c.XDSEndpoint }},
	{name: "APPMESH_PREVIEW", reader: readBootstrap, kind: kBool, def: "0", when: whenPreviewRead, src: srcBootstrap,
		field: func(c *ContainerConfig) any { return &c.Preview }},
	{name: "APPMESH_DUALSTACK_ENDPOINT", reader: readBootstrap, kind: kBool, def: "0", since: ver(1, 22, 0, 0), when: whenDefaultXDS, src: srcBootstrap,
		field: func(c *ContainerConfig) any { return &c.DualStack }},
	{name: "APPMESH_SIGNING_NAME", reader: readBootstrap, kind: kString, when: whenRegionalXDS, src: srcBootstrap,
		field: func(c *ContainerConfig) any { return &c.SigningName }},
	{name: "APPMESH_SDS_SOCKET_PATH", reader: readBootstrap, kind: kString, src: srcBootstrap,
		field: func(c *ContainerConfig) any { return &c.SDSSocketPath }},

	// Envoy runtime flags: getRuntimeConfigLayer0.
	{name: "APPMESH_SET_TRACING_DECISION", reader: readBootstrap, kind: kBool, def: "1", src: srcBootstrap,
		field: func(c *ContainerConfig) any { return &c.SetTracingDecision }},
	{name: "ENVOY_NO_EXTENSION_LOOKUP_BY_NAME", reader: readBootstrap, kind: kBool, def: "1", src: srcBootstrap,
		field: func(c *ContainerConfig) any { return &c.NoExtensionLookupByName }},
	// The user guide's variable list calls it no longer read, but the bootstrap still
	// parses it as a boolean (default true), so a malformed value stops the agent.
	{name: "ENVOY_ENABLE_TCP_POOL_IDLE_TIMEOUT", reader: readBootstrap, kind: kBool, def: "1", src: srcBootstrap},
	{name: "ENVOY_SANITIZE_ORIGINAL_PATH", reader: readBootstrap, kind: kBool, def: "1", src: srcBootstrap},
	{name: "ENVOY_ACTIVE_HEALTH_CHECK_UNEJECT_HOST", reader: readBootstrap, kind: kBool, def: "0", src: srcBootstrap},
	{name: "ENVOY_USE_HTTP_CLIENT_TO_FETCH_AWS_CREDENTIALS", reader: readBoth, kind: kBool, def: "0", src: srcBootstrap + ", " + srcAgent,
		field: func(c *ContainerConfig) any { return &c.UseHTTPClientForCredentials }},
	{name: "MAX_REQUESTS_PER_IO_CYCLE", reader: readBootstrap, kind: kPositive, src: srcReadme,
		field: func(c *ContainerConfig) any { return &c.MaxRequestsPerIOCycle }},

	// Custom configuration: CreateBootstrapYamlFile, mergeCustomConfigs, buildClusterManager.
	{name: "ENVOY_CONFIG_FILE", reader: readAgent, kind: kString, src: srcAgent,
		field: func(c *ContainerConfig) any { return &c.ConfigFile }},
	{name: "ENVOY_RESOURCES_CONFIG_FILE", reader: readBootstrap, kind: kString, src: srcBootstrap,
		field: func(c *ContainerConfig) any { return &c.ResourcesConfigFile }},
	{name: "ENVOY_OUTLIER_DETECTION_EVENT_LOG_PATH", reader: readBootstrap, kind: kString, def: "/dev/stdout", src: srcBootstrap,
		field: func(c *ContainerConfig) any { return &c.OutlierDetectionEventLogPath }},

	// Tracing: appendTracing, getXRayAddressAndPort, getXraySamplingRuleManifest,
	// appendXRayTracing, appendDataDogTracing, appendJaegerTracing.
	{name: "ENVOY_TRACING_CFG_FILE", reader: readBootstrap, kind: kString, src: srcBootstrap,
		field: func(c *ContainerConfig) any { return &c.TracingConfigFile }},
	{name: "ENABLE_ENVOY_XRAY_TRACING", reader: readBootstrap, kind: kBool, def: "0", when: whenBuiltInTracing, src: srcBootstrap,
		field: func(c *ContainerConfig) any { return &c.XRayTracing }},
	{name: "XRAY_DAEMON_PORT", reader: readBootstrap, kind: kPort, def: "2000", when: whenXRay, src: srcBootstrap,
		field: func(c *ContainerConfig) any { return &c.XRayDaemonPort }},
	{name: "AWS_XRAY_DAEMON_ADDRESS", reader: readBootstrap, kind: kXRayAddress, def: "127.0.0.1", when: whenXRay, src: srcBootstrap,
		field: func(c *ContainerConfig) any { return &c.XRayDaemonAddress }},
	{name: "XRAY_SAMPLING_RATE", reader: readBootstrap, kind: kRate, def: "0.05", since: ver(1, 19, 1, 1), when: whenSamplingRate, src: srcBootstrap,
		field: func(c *ContainerConfig) any { return &c.XRaySamplingRate }},
	{name: "XRAY_SAMPLING_RULE_MANIFEST", reader: readBootstrap, kind: kString, since: ver(1, 19, 1, 0), when: whenXRay, src: srcBootstrap,
		field: func(c *ContainerConfig) any { return &c.XRaySamplingRuleManifest }},
	{name: "XRAY_SEGMENT_NAME", reader: readBootstrap, kind: kString, since: ver(1, 23, 1, 0), when: whenXRay, src: srcBootstrap,
		field: func(c *ContainerConfig) any { return &c.XRaySegmentName }},
	{name: "ENABLE_ENVOY_DATADOG_TRACING", reader: readBootstrap, kind: kBool, def: "0", when: whenBuiltInTracing, src: srcBootstrap,
		field: func(c *ContainerConfig) any { return &c.DatadogTracing }},
	{name: "DATADOG_TRACER_PORT", reader: readBootstrap, kind: kPort, def: "8126", when: whenDatadog, src: srcBootstrap,
		field: func(c *ContainerConfig) any { return &c.DatadogTracerPort }},
	// A host name is fine: the datadog_agent cluster is STRICT_DNS.
	{name: "DATADOG_TRACER_ADDRESS", reader: readBootstrap, kind: kString, def: "127.0.0.1", when: whenDatadog, src: srcBootstrap,
		field: func(c *ContainerConfig) any { return &c.DatadogTracerAddress }},
	{name: "DD_SERVICE", reader: readBootstrap, kind: kString, since: ver(1, 18, 3, 0), when: whenDatadog, src: srcBootstrap,
		field: func(c *ContainerConfig) any { return &c.DatadogService }},
	{name: "ENABLE_ENVOY_JAEGER_TRACING", reader: readBootstrap, kind: kBool, def: "0", when: whenBuiltInTracing, src: srcBootstrap,
		field: func(c *ContainerConfig) any { return &c.JaegerTracing }},
	{name: "JAEGER_TRACER_PORT", reader: readBootstrap, kind: kPort, def: "9411", since: ver(1, 16, 1, 0), when: whenJaeger, src: srcBootstrap,
		field: func(c *ContainerConfig) any { return &c.JaegerTracerPort }},
	// A host name is fine: the jaeger cluster is STRICT_DNS.
	{name: "JAEGER_TRACER_ADDRESS", reader: readBootstrap, kind: kString, def: "127.0.0.1", since: ver(1, 16, 1, 0), when: whenJaeger, src: srcBootstrap,
		field: func(c *ContainerConfig) any { return &c.JaegerTracerAddress }},
	{name: "JAEGER_TRACER_VERSION", reader: readBootstrap, kind: kJaegerVersion, def: "PROTO", since: ver(1, 23, 1, 0), when: whenJaeger, src: srcBootstrap,
		field: func(c *ContainerConfig) any { return &c.JaegerTracerVersion }},

	// Stats: appendStats, appendStatsFlushInterval, appendDogStatsDSinks, bootstrap.
	{name: "ENABLE_ENVOY_STATS_TAGS", reader: readBootstrap, kind: kBool, def: "0", when: whenStatsTags, src: srcBootstrap,
		field: func(c *ContainerConfig) any { return &c.StatsTags }},
	{name: "ENVOY_STATS_CONFIG_FILE", reader: readBootstrap, kind: kString, src: srcBootstrap,
		field: func(c *ContainerConfig) any { return &c.StatsConfigFile }},
	{name: "ENVOY_STATS_SINKS_CFG_FILE", reader: readBootstrap, kind: kString, src: srcBootstrap,
		field: func(c *ContainerConfig) any { return &c.StatsSinksConfigFile }},
	// Envoy bounds stats_flush_interval to [1ms, 300s) (bootstrap/v3/bootstrap.proto).
	{name: "ENVOY_STATS_FLUSH_INTERVAL", reader: readBootstrap, kind: kDuration, min: 1, max: 300000, src: srcBootstrap,
		field: func(c *ContainerConfig) any { return &c.StatsFlushInterval }},
	{name: "ENABLE_ENVOY_DOG_STATSD", reader: readBootstrap, kind: kBool, def: "0", src: srcBootstrap,
		field: func(c *ContainerConfig) any { return &c.DogStatsD }},
	{name: "STATSD_PORT", reader: readBootstrap, kind: kPort, def: "8125", when: whenStatsDAddress, src: srcBootstrap,
		field: func(c *ContainerConfig) any { return &c.StatsDPort }},
	// Envoy resolves the DogStatsD sink's socket address as an IP, not a host name.
	{name: "STATSD_ADDRESS", reader: readBootstrap, kind: kIP, def: "127.0.0.1", since: ver(1, 15, 0, 0), when: whenStatsDAddress, src: srcBootstrap,
		field: func(c *ContainerConfig) any { return &c.StatsDAddress }},
	{name: "STATSD_SOCKET_PATH", reader: readBootstrap, kind: kString, since: ver(1, 19, 1, 0), when: whenDogStatsD, src: srcBootstrap,
		field: func(c *ContainerConfig) any { return &c.StatsDSocketPath }},
	{name: "APPMESH_METRIC_EXTENSION_VERSION", reader: readBootstrap, kind: kMetricLevel, def: "0", src: srcMetric,
		field: func(c *ContainerConfig) any { return &c.MetricExtensionVersion }},

	// Platform metadata the App Mesh controller for Kubernetes injects.
	{name: "APPMESH_PLATFORM_K8S_VERSION", reader: readBootstrap, kind: kString, src: srcPlatform,
		field: func(c *ContainerConfig) any { return &c.PlatformK8sVersion }},
	{name: "APPMESH_PLATFORM_APP_MESH_CONTROLLER_VERSION", reader: readBootstrap, kind: kString, src: srcPlatform,
		field: func(c *ContainerConfig) any { return &c.PlatformControllerVersion }},
	{name: "APPMESH_PLATFORM_K8S_POD_UID", reader: readBootstrap, kind: kString, src: srcPlatform,
		field: func(c *ContainerConfig) any { return &c.PlatformPodUID }},

	// The agent's process management: SetDefaults, getHcPollInterval, validateTimers.
	// The user guide gives 0 as the restart count's default; the agent's is 3, so Env
	// always writes it.
	{name: "APPNET_ENVOY_RESTART_COUNT", reader: readAgent, kind: kRestartCount, def: "3", alwaysWrite: true, min: 0, max: 10, src: srcAgent,
		field: func(c *ContainerConfig) any { return &c.RestartCount }},
	{name: "PID_POLL_INTERVAL_MS", reader: readAgent, kind: kTimer, def: "100", min: 100, max: 1000, src: srcAgent,
		field: func(c *ContainerConfig) any { return &c.PIDPollIntervalMS }},
	{name: "LISTENER_DRAIN_WAIT_TIME_S", reader: readAgent, kind: kTimer, def: "20", min: 5, max: 110, src: srcAgent,
		field: func(c *ContainerConfig) any { return &c.ListenerDrainWaitS }},
	{name: "HC_POLL_INTERVAL_MS", reader: readAgent, kind: kHealthPoll, def: "10000", min: 2000, max: 30000, src: srcAgent,
		field: func(c *ContainerConfig) any { return &c.HealthPollIntervalMS }},
	{name: "HC_DISCONNECTED_TIMEOUT_S", reader: readAgent, kind: kTimer, def: "604800", min: 3600, max: 604800, src: srcAgent,
		field: func(c *ContainerConfig) any { return &c.HealthDisconnectedTimeoutS }},
	{name: "APPNET_AGENT_POLL_ENVOY_READINESS_INTERVAL_S", reader: readAgent, kind: kReadinessInterval, def: "5", src: srcAgent,
		field: func(c *ContainerConfig) any { return &c.ReadinessIntervalS }},
	{name: "APPNET_AGENT_POLL_ENVOY_READINESS_TIMEOUT_S", reader: readAgent, kind: kInt, def: "180", min: minUnbounded, src: srcAgent,
		field: func(c *ContainerConfig) any { return &c.ReadinessTimeoutS }},
	{name: "DISABLE_HOT_RESTART", reader: readAgent, kind: kBool, def: "1", hint: "so hot restart stays disabled", src: srcAgent,
		field: func(c *ContainerConfig) any { return &c.DisableHotRestart }},
	{name: "ENVOY_SKIP_DEPRECATED_LOGS", reader: readAgent, kind: kBool, def: "1", hint: "so deprecation logs stay skipped", src: srcAgent,
		field: func(c *ContainerConfig) any { return &c.SkipDeprecatedLogs }},
	{name: "ENABLE_STATS_SNAPSHOT", reader: readAgent, kind: kBool, def: "0", hint: "so stats snapshots stay off", src: srcAgent,
		field: func(c *ContainerConfig) any { return &c.StatsSnapshot }},

	// The agent's management interface: SetDefaults.
	{name: "APPNET_AGENT_ADMIN_MODE", reader: readAgent, kind: kMode, def: "tcp", src: srcAgent,
		field: func(c *ContainerConfig) any { return &c.AgentAdminMode }},
	{name: "APPNET_AGENT_ADMIN_UDS_PATH", reader: readAgent, kind: kString, def: "/var/run/ecs/appnet_admin.sock", when: whenAgentUDS, src: srcAgent,
		field: func(c *ContainerConfig) any { return &c.AgentAdminUDSPath }},
	{name: "APPNET_AGENT_HTTP_PORT", reader: readAgent, kind: kAgentPort, def: "9902", when: whenAgentTCP, src: srcAgent,
		field: func(c *ContainerConfig) any { return &c.AgentHTTPPort }},
	// The user guide gives 127.0.0.1 as the default; the agent's is [::], so no default
	// is assumed.
	{name: "APPNET_AGENT_HTTP_BIND_ADDRESS", reader: readAgent, kind: kString, when: whenAgentTCP, src: srcAgent,
		field: func(c *ContainerConfig) any { return &c.AgentHTTPBindAddress }},

	// The agent's logging: SetDefaults.
	{name: "APPNET_AGENT_LOGGING_RESET_TIMEOUT", reader: readAgent, kind: kInt, def: "300", min: minUnbounded, src: srcAgent,
		field: func(c *ContainerConfig) any { return &c.LoggingResetTimeoutS }},
	{name: "APPNET_ENVOY_LOG_DESTINATION", reader: readAgent, kind: kString, src: srcAgent,
		field: func(c *ContainerConfig) any { return &c.LogDestination }},
	{name: "APPNET_ENVOY_LOG_NAME", reader: readAgent, kind: kString, def: "appnet_envoy.log", src: srcAgent,
		field: func(c *ContainerConfig) any { return &c.LogFileName }},
	{name: "APPNET_AGENT_MAX_LOG_FILE_SIZE", reader: readAgent, kind: kFloat, def: "1", src: srcAgent,
		field: func(c *ContainerConfig) any { return &c.MaxLogFileSizeMB }},
	{name: "APPNET_AGENT_MAX_RETENTION_COUNT", reader: readAgent, kind: kInt, def: "5", min: minUnbounded, src: srcAgent,
		field: func(c *ContainerConfig) any { return &c.MaxLogFiles }},

	// ECS Service Connect (relay mode and the ECS agent's mappings): known, not App Mesh
	// settings.
	{name: "APPNET_ENABLE_RELAY_MODE_FOR_XDS", reader: readServiceConnect, kind: kBool, def: "0", src: srcAgent},
	{name: "APPNET_RELAY_LISTENER_UDS_PATH", reader: readServiceConnect, src: srcAgent},
	{name: "APPNET_FIPS_MODE_ENABLED", reader: readServiceConnect, src: srcGuide},
	{name: "APPNET_CONTAINER_IP_MAPPING", reader: readServiceConnect, src: srcAgent},
	{name: "APPNET_LISTENER_PORT_MAPPING", reader: readServiceConnect, src: srcAgent},

	// No longer read: FIPS endpoints follow the image variant (getRegionalXdsEndpoint asks
	// envoy --version).
	{name: "APPMESH_FIPS_ENDPOINT", reader: readLegacy, kind: kBool, def: "0", src: srcBootstrap},
}

// minUnbounded marks a kInt without a lower bound.
const minUnbounded = -1 << 31

// serviceConnectPrefixes are families of Service Connect variables (relay mode and the
// management endpoint), read in agent/config/agent_config.go.
var serviceConnectPrefixes = []string{"APPNET_MANAGEMENT_", "RELAY_"}

var variableIndex = func() map[string]*variable {
	m := make(map[string]*variable, len(variables))
	for i := range variables {
		m[variables[i].name] = &variables[i]
	}
	return m
}()

// serviceConnectFamily is the row that stands for every variable with one of
// serviceConnectPrefixes.
var serviceConnectFamily = variable{reader: readServiceConnect, src: srcAgent}

// lookupVariable returns the row of name, or nil when the agent does not read it.
func lookupVariable(name string) *variable {
	if v := variableIndex[name]; v != nil {
		return v
	}
	for _, p := range serviceConnectPrefixes {
		if strings.HasPrefix(name, p) && len(name) > len(p) {
			v := serviceConnectFamily
			v.name = name
			return &v
		}
	}
	return nil
}

// KnownEnvVars returns every variable name the image's agent reads, App Mesh settings
// and ECS Service Connect ones alike (families such as RELAY_* are given by their
// prefix followed by "*"), sorted. Variables that are no longer read are not included.
func KnownEnvVars() []string {
	out := make([]string, 0, len(variables)+len(serviceConnectPrefixes))
	for _, v := range variables {
		if v.reader != readLegacy {
			out = append(out, v.name)
		}
	}
	for _, p := range serviceConnectPrefixes {
		out = append(out, p+"*")
	}
	sort.Strings(out)
	return out
}

// knownNames are the exact names for did-you-mean suggestions.
var knownNames = func() []string {
	var out []string
	for _, v := range variables {
		out = append(out, v.name)
	}
	sort.Strings(out)
	return out
}()

// Read conditions: each returns "" when the agent reads the variable, else why not.

// offSuffix ends the reason featureOff makes.
const offSuffix = " is off"

// featureOff is the reason a setting is not read when the switch of its feature is off.
func featureOff(switchName string) string { return switchName + offSuffix }

// isFeatureOff reports whether why is a reason made by featureOff: the value is read as
// soon as the feature is turned on.
func isFeatureOff(why string) bool { return strings.HasSuffix(why, offSuffix) }

func whenNoResourceCluster(s *state) string {
	if s.bootSet("APPMESH_RESOURCE_CLUSTER") {
		return "APPMESH_RESOURCE_CLUSTER is set and wins"
	}
	return ""
}

func whenAdminTCP(s *state) string {
	if s.adminUDS {
		return "ENVOY_ADMIN_MODE is uds, so Envoy's admin interface is the Unix socket " + envoyAdminSocket
	}
	return ""
}

func whenAgentTCP(s *state) string {
	if s.agentUDS {
		return "APPNET_AGENT_ADMIN_MODE is uds, so the agent serves on a Unix socket"
	}
	return ""
}

func whenAgentUDS(s *state) string {
	if !s.agentUDS {
		return "APPNET_AGENT_ADMIN_MODE is not uds"
	}
	return ""
}

// whenRegionalXDS: the regional endpoint, signing name and region are not used when
// APPMESH_XDS_ENDPOINT is a unix:// relay socket.
func whenRegionalXDS(s *state) string {
	if s.xdsUnix {
		return "APPMESH_XDS_ENDPOINT is a unix:// relay socket"
	}
	return ""
}

// whenDefaultXDS: the endpoint switches matter only when the agent builds the endpoint.
func whenDefaultXDS(s *state) string {
	if s.xdsSet {
		return "APPMESH_XDS_ENDPOINT is set and names the endpoint"
	}
	return ""
}

// whenPreviewRead: APPMESH_PREVIEW picks the endpoint and the signing name.
func whenPreviewRead(s *state) string {
	switch {
	case s.xdsUnix:
		return "APPMESH_XDS_ENDPOINT is a unix:// relay socket"
	case s.xdsSet && s.bootSet("APPMESH_SIGNING_NAME"):
		return "APPMESH_XDS_ENDPOINT and APPMESH_SIGNING_NAME are both set"
	}
	return ""
}

func whenBuiltInTracing(s *state) string {
	if s.tracingFile {
		return "ENVOY_TRACING_CFG_FILE replaces the built-in tracers"
	}
	return ""
}

func whenXRay(s *state) string    { return s.tracerOff(s.xray, "ENABLE_ENVOY_XRAY_TRACING") }
func whenDatadog(s *state) string { return s.tracerOff(s.datadog, "ENABLE_ENVOY_DATADOG_TRACING") }
func whenJaeger(s *state) string  { return s.tracerOff(s.jaeger, "ENABLE_ENVOY_JAEGER_TRACING") }
func whenDogStatsD(s *state) string {
	switch {
	case s.sinksFile:
		return "ENVOY_STATS_SINKS_CFG_FILE overrides every DogStatsD variable"
	case !s.dogStatsD:
		return featureOff("ENABLE_ENVOY_DOG_STATSD")
	}
	return ""
}

func whenStatsDAddress(s *state) string {
	if why := whenDogStatsD(s); why != "" {
		return why
	}
	if s.bootSet("STATSD_SOCKET_PATH") {
		return "STATSD_SOCKET_PATH wins over address and port"
	}
	return ""
}

func whenSamplingRate(s *state) string {
	if why := whenXRay(s); why != "" {
		return why
	}
	if s.bootSet("XRAY_SAMPLING_RULE_MANIFEST") {
		return "XRAY_SAMPLING_RULE_MANIFEST is set and wins"
	}
	return ""
}

func whenStatsTags(s *state) string {
	switch {
	case s.bootSet("ENVOY_STATS_CONFIG_FILE"):
		return "ENVOY_STATS_CONFIG_FILE replaces the stats configuration and its tags"
	case s.taskSet:
		return "the identity is an ECS task set, which gets Service Connect's tags"
	}
	return ""
}
