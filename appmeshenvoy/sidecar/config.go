package sidecar

import (
	"maps"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/errcode"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/lazyregexp"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/quote"
)

// LogLevel is a value of ENVOY_LOG_LEVEL.
type LogLevel string

// Log levels the agent accepts, in any case. Images before v1.29.4.0 turn [LogWarning],
// [LogCritical] and [LogOff] into [LogInfo].
const (
	LogTrace    LogLevel = "trace"
	LogDebug    LogLevel = "debug"
	LogInfo     LogLevel = "info"
	LogWarn     LogLevel = "warn"
	LogWarning  LogLevel = "warning"
	LogError    LogLevel = "error"
	LogCritical LogLevel = "critical"
	LogOff      LogLevel = "off"
)

// AdminMode is a value of ENVOY_ADMIN_MODE and APPNET_AGENT_ADMIN_MODE: whether a
// management interface listens on TCP or on a Unix socket.
type AdminMode string

// Admin modes. The agent accepts them in any case and takes anything else as tcp.
const (
	AdminModeTCP AdminMode = "tcp"
	AdminModeUDS AdminMode = "uds"
)

// Values of JAEGER_TRACER_VERSION. The agent reads any value containing "json" (in any
// case) as JSON and everything else as PROTO.
const (
	JaegerProto = "PROTO"
	JaegerJSON  = "JSON"
)

// Ports the ECS proxy configuration and the agent use by default.
const (
	DefaultAdminPort        = 9901
	DefaultAgentHTTPPort    = 9902
	DefaultProxyIngressPort = 15000
	DefaultProxyEgressPort  = 15001
	// EnvoyUID is the user ID Envoy runs as and that the ECS proxy configuration ignores.
	EnvoyUID = 1337
)

// ContainerConfig is the environment of an App Mesh Envoy container, typed: one field
// per variable the image's agent reads (see [KnownEnvVars]). Each pointer field is one
// variable: nil means unset, so the image's default applies; a non-nil field is an
// explicit value. Booleans are written as 1 and 0. The zero value has no identity and
// so does not validate; everything else in it means "image defaults".
//
// Build one with a struct literal or with [ContainerConfig.Set], which reads a value the
// way the agent does; read one with [ParseEnv]. A ContainerConfig is a plain value: safe
// for concurrent reads, not for concurrent writes.
type ContainerConfig struct {
	// Resource is the virtual node or virtual gateway: mesh/<mesh>/virtualNode/<name>,
	// mesh/<mesh>/virtualGateway/<name>, mesh/<mesh>@<owner>/... or the ARN form (see
	// [ParseResource]). Required unless ConfigFile is set.
	Resource string
	// ResourceVariable is the variable that carries Resource: [EnvResourceARN] (the
	// default when empty), or the legacy [EnvResourceName] or [EnvVirtualNodeName],
	// which images before v1.15.0.0 need.
	ResourceVariable string
	// ResourceCluster is APPMESH_RESOURCE_CLUSTER: Envoy's node.cluster (default: the
	// identity); images from v1.15.0.0 read it.
	ResourceCluster *string
	// VirtualNodeCluster is APPMESH_VIRTUAL_NODE_CLUSTER, the legacy spelling of
	// ResourceCluster, which wins over it.
	VirtualNodeCluster *string

	// LogLevel is ENVOY_LOG_LEVEL (default info).
	LogLevel *LogLevel
	// Concurrency is ENVOY_CONCURRENCY, Envoy's worker thread count (default -1: Envoy
	// picks); used only when above 0; images from v1.24.0.0 read it.
	Concurrency *int
	// AdminMode is ENVOY_ADMIN_MODE (default tcp): uds puts Envoy's admin interface on
	// the Unix socket /tmp/envoy_admin.sock.
	AdminMode *AdminMode
	// AdminPort is ENVOY_ADMIN_ACCESS_PORT (default 9901); it must differ from the
	// listener ports and the agent's port.
	AdminPort *int
	// AdminAccessLogFile is ENVOY_ADMIN_ACCESS_LOG_FILE (default /tmp/envoy_admin_access.log).
	AdminAccessLogFile *string
	// AdminIPv6 is ENVOY_ADMIN_ACCESS_ENABLE_IPV6 (default off): the admin interface
	// listens on :: instead of 0.0.0.0; images from v1.22.0.0 read it.
	AdminIPv6 *bool
	// InitialFetchTimeout is ENVOY_INITIAL_FETCH_TIMEOUT in seconds (default 0: wait
	// forever).
	InitialFetchTimeout *int

	// Region is AWS_REGION (default: asked from EC2 instance metadata): the region of the
	// App Mesh endpoint.
	Region *string
	// XDSEndpoint is APPMESH_XDS_ENDPOINT (default: the region's App Mesh endpoint):
	// host:port of an xDS server, or unix:///path of a relay socket.
	XDSEndpoint *string
	// Preview is APPMESH_PREVIEW (default off): use the App Mesh preview channel.
	Preview *bool
	// DualStack is APPMESH_DUALSTACK_ENDPOINT (default off): use the dual-stack
	// endpoint; images from v1.22.0.0 read it.
	DualStack *bool
	// SigningName is APPMESH_SIGNING_NAME (default appmesh, or appmesh-preview).
	SigningName *string
	// SDSSocketPath is APPMESH_SDS_SOCKET_PATH: a Unix socket for SDS-based TLS.
	SDSSocketPath *string

	// XRayTracing is ENABLE_ENVOY_XRAY_TRACING (default off).
	XRayTracing *bool
	// XRayDaemonPort is XRAY_DAEMON_PORT (default 2000).
	XRayDaemonPort *int
	// XRayDaemonAddress is AWS_XRAY_DAEMON_ADDRESS (default 127.0.0.1): a literal IP,
	// optionally with :port (an IPv6 address then in brackets), which wins over
	// XRayDaemonPort. Host names are rejected.
	XRayDaemonAddress *string
	// XRaySamplingRate is XRAY_SAMPLING_RATE in [0,1], rounded to two decimals (default
	// 0.05); images from v1.19.1.1 read it.
	XRaySamplingRate *float64
	// XRaySamplingRuleManifest is XRAY_SAMPLING_RULE_MANIFEST: path to a version-2
	// sampling rule manifest, which wins over XRaySamplingRate; images from v1.19.1.0
	// read it.
	XRaySamplingRuleManifest *string
	// XRaySegmentName is XRAY_SEGMENT_NAME (default mesh/resource); images from v1.23.1.0
	// read it.
	XRaySegmentName *string

	// DatadogTracing is ENABLE_ENVOY_DATADOG_TRACING (default off).
	DatadogTracing *bool
	// DatadogTracerPort is DATADOG_TRACER_PORT (default 8126).
	DatadogTracerPort *int
	// DatadogTracerAddress is DATADOG_TRACER_ADDRESS (default 127.0.0.1), an IP or host.
	DatadogTracerAddress *string
	// DatadogService is DD_SERVICE (default envoy-mesh/resource); images from v1.18.3.0
	// read it.
	DatadogService *string

	// JaegerTracing is ENABLE_ENVOY_JAEGER_TRACING (default off).
	JaegerTracing *bool
	// JaegerTracerPort is JAEGER_TRACER_PORT (default 9411).
	JaegerTracerPort *int
	// JaegerTracerAddress is JAEGER_TRACER_ADDRESS (default 127.0.0.1), an IP or host.
	JaegerTracerAddress *string
	// JaegerTracerVersion is JAEGER_TRACER_VERSION (default [JaegerProto]): [JaegerProto]
	// or [JaegerJSON]; images from v1.23.1.0 read it.
	JaegerTracerVersion *string

	// TracingConfigFile is ENVOY_TRACING_CFG_FILE: a custom tracing YAML file. It turns
	// the three built-in tracers off.
	TracingConfigFile *string

	// StatsTags is ENABLE_ENVOY_STATS_TAGS (default off): adds the tags appmesh.mesh and
	// appmesh.virtual_node or appmesh.virtual_gateway.
	StatsTags *bool
	// StatsConfigFile is ENVOY_STATS_CONFIG_FILE: replaces the stats configuration, and
	// with it the tags of StatsTags.
	StatsConfigFile *string
	// StatsSinksConfigFile is ENVOY_STATS_SINKS_CFG_FILE: a custom sinks file that
	// overrides every DogStatsD variable.
	StatsSinksConfigFile *string
	// StatsFlushInterval is ENVOY_STATS_FLUSH_INTERVAL (default: Envoy's, 5s), written as
	// a Go duration such as 10s; Envoy takes 1ms up to, not including, 5m.
	StatsFlushInterval *time.Duration

	// DogStatsD is ENABLE_ENVOY_DOG_STATSD (default off): UDP to 127.0.0.1:8125.
	DogStatsD *bool
	// StatsDPort is STATSD_PORT (default 8125).
	StatsDPort *int
	// StatsDAddress is STATSD_ADDRESS (default 127.0.0.1), an IP; images from v1.15.0.0
	// read it.
	StatsDAddress *string
	// StatsDSocketPath is STATSD_SOCKET_PATH: a Unix socket that wins over address and
	// port; images from v1.19.1.0 read it.
	StatsDSocketPath *string
	// MetricExtensionVersion is APPMESH_METRIC_EXTENSION_VERSION (default 0): only the
	// exact string 1 enables the metric extension.
	MetricExtensionVersion *string

	// SetTracingDecision is APPMESH_SET_TRACING_DECISION (default on): whether Envoy
	// changes the x-request-id of requests from clients.
	SetTracingDecision *bool
	// NoExtensionLookupByName is ENVOY_NO_EXTENSION_LOOKUP_BY_NAME (default on): Envoy
	// needs a type URL to find an extension.
	NoExtensionLookupByName *bool
	// UseHTTPClientForCredentials is ENVOY_USE_HTTP_CLIENT_TO_FETCH_AWS_CREDENTIALS
	// (default off): Envoy fetches AWS credentials with its HTTP client, not libcurl.
	UseHTTPClientForCredentials *bool
	// MaxRequestsPerIOCycle is MAX_REQUESTS_PER_IO_CYCLE (default unset: no limit): the
	// HTTP requests Envoy handles per connection and I/O cycle; used when above 0.
	MaxRequestsPerIOCycle *int

	// ConfigFile is ENVOY_CONFIG_FILE: a complete Envoy bootstrap to run instead of the
	// one the agent generates (then the identity and the bootstrap variables are not
	// read).
	ConfigFile *string
	// ResourcesConfigFile is ENVOY_RESOURCES_CONFIG_FILE: resources merged into the
	// generated bootstrap.
	ResourcesConfigFile *string
	// OutlierDetectionEventLogPath is ENVOY_OUTLIER_DETECTION_EVENT_LOG_PATH (default
	// /dev/stdout).
	OutlierDetectionEventLogPath *string

	// RestartCount is APPNET_ENVOY_RESTART_COUNT: how often the agent restarts Envoy,
	// 0–10; larger values are clamped to 10. The agent's default is 3 (the user guide
	// says 0), so Env always writes it when set.
	RestartCount *int
	// PIDPollIntervalMS is PID_POLL_INTERVAL_MS: 100–1000 (default 100).
	PIDPollIntervalMS *int
	// ListenerDrainWaitS is LISTENER_DRAIN_WAIT_TIME_S: 5–110 (default 20).
	ListenerDrainWaitS *int
	// HealthPollIntervalMS is HC_POLL_INTERVAL_MS: 2000–30000 (default 10000, or
	// ReadinessIntervalS when that is set).
	HealthPollIntervalMS *int
	// HealthDisconnectedTimeoutS is HC_DISCONNECTED_TIMEOUT_S: 3600–604800 (default 604800).
	HealthDisconnectedTimeoutS *int
	// ReadinessIntervalS is APPNET_AGENT_POLL_ENVOY_READINESS_INTERVAL_S (default 5):
	// seconds between readiness polls, and the health-check poll interval when
	// HealthPollIntervalMS is unset.
	ReadinessIntervalS *int
	// ReadinessTimeoutS is APPNET_AGENT_POLL_ENVOY_READINESS_TIMEOUT_S (default 180).
	ReadinessTimeoutS *int
	// DisableHotRestart is DISABLE_HOT_RESTART (default on).
	DisableHotRestart *bool
	// SkipDeprecatedLogs is ENVOY_SKIP_DEPRECATED_LOGS (default on).
	SkipDeprecatedLogs *bool
	// StatsSnapshot is ENABLE_STATS_SNAPSHOT (default off).
	StatsSnapshot *bool
	// AgentAdminMode is APPNET_AGENT_ADMIN_MODE (default tcp): where the agent's
	// management interface listens.
	AgentAdminMode *AdminMode
	// AgentAdminUDSPath is APPNET_AGENT_ADMIN_UDS_PATH (default
	// /var/run/ecs/appnet_admin.sock), used in uds mode.
	AgentAdminUDSPath *string
	// AgentHTTPPort is APPNET_AGENT_HTTP_PORT (default 9902), used in tcp mode: 1024–65535
	// unless the agent runs as root.
	AgentHTTPPort *int
	// AgentHTTPBindAddress is APPNET_AGENT_HTTP_BIND_ADDRESS (default [::]), used in tcp
	// mode.
	AgentHTTPBindAddress *string
	// LoggingResetTimeoutS is APPNET_AGENT_LOGGING_RESET_TIMEOUT (default 300): seconds
	// before a log level set through the agent goes back.
	LoggingResetTimeoutS *int
	// LogDestination is APPNET_ENVOY_LOG_DESTINATION (default: stdout and stderr): a
	// directory for the log file.
	LogDestination *string
	// LogFileName is APPNET_ENVOY_LOG_NAME (default appnet_envoy.log).
	LogFileName *string
	// MaxLogFileSizeMB is APPNET_AGENT_MAX_LOG_FILE_SIZE in MB (default 1).
	MaxLogFileSizeMB *float64
	// MaxLogFiles is APPNET_AGENT_MAX_RETENTION_COUNT (default 5).
	MaxLogFiles *int

	// PlatformK8sVersion is APPMESH_PLATFORM_K8S_VERSION, which the App Mesh controller
	// for Kubernetes sets.
	PlatformK8sVersion *string
	// PlatformControllerVersion is APPMESH_PLATFORM_APP_MESH_CONTROLLER_VERSION, which
	// the controller sets.
	PlatformControllerVersion *string
	// PlatformPodUID is APPMESH_PLATFORM_K8S_POD_UID, which the controller sets.
	PlatformPodUID *string

	// Extra holds other variables, written as they are: variables the agent reads that
	// have no field here (ECS Service Connect settings, Envoy runtime flags such as
	// ENVOY_SANITIZE_ORIGINAL_PATH) and names the agent does not read. Keys must not be
	// variables that have a field.
	Extra map[string]string

	// ListenerPorts are the virtual node's listener ports. Not an environment variable:
	// Validate uses them to check that the admin port differs from them.
	ListenerPorts []int
	// ImageVersion, when set, is the image version the configuration targets; Validate
	// and Lint then report variables and values that image does not read. When nil,
	// Lint says which version rules it did not check.
	ImageVersion *appmeshenvoy.Version
}

// ErrInvalidConfig is matched (with errors.Is) by the errors of
// [ContainerConfig.Validate] and [ContainerConfig.Set]. Its code is invalid-config.
var ErrInvalidConfig = errcode.New(errcode.InvalidConfig, "invalid envoy container configuration")

// ConfigError lists every problem [ContainerConfig.Validate] or [ContainerConfig.Set]
// found: values that stop Envoy, that the agent would silently replace, or that the
// target image does not read. Each names its variable and says what to do.
type ConfigError struct {
	Problems []Finding
}

// Error implements error.
func (e *ConfigError) Error() string {
	var b strings.Builder
	b.WriteString("invalid envoy container configuration: ")
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteString("; ")
		}
		if p.Variable != "" {
			b.WriteString(p.Variable + ": ")
		}
		b.WriteString(p.Message)
	}
	return b.String()
}

// Is reports whether target is [ErrInvalidConfig].
func (e *ConfigError) Is(target error) bool { return target == ErrInvalidConfig }

// ErrorCode returns invalid-config.
func (e *ConfigError) ErrorCode() errcode.Code { return errcode.InvalidConfig }

// Validate checks c the way the image's agent reads the environment and returns a
// [*ConfigError] listing every problem at once, or nil. Problems are what a builder must
// not write: values that stop Envoy, values the agent would silently replace, variables
// the target image does not read, clashing ports and tracers, a missing or malformed
// identity, bad Extra names, listener ports outside 1–65535. Advisory findings (dead or
// redundant variables, unknown names) are not problems; [ContainerConfig.Lint] reports
// those too.
func (c ContainerConfig) Validate() error {
	var problems []Finding
	for _, f := range c.Lint() {
		if f.problem() {
			problems = append(problems, f)
		}
	}
	if len(problems) == 0 {
		return nil
	}
	return &ConfigError{Problems: problems}
}

// Env returns the variables to set on the container, sorted by name: the identity
// always, every other field set to a value different from the image's default (and
// RestartCount whenever it is set, since the agent's default differs from the user
// guide's), plus Extra. Env does not validate; call [ContainerConfig.Validate].
func (c ContainerConfig) Env() []EnvVar {
	var out []EnvVar
	if c.Resource != "" {
		out = append(out, EnvVar{Name: c.resourceVariable(), Value: c.Resource})
	}
	for i := range variables {
		v := &variables[i]
		if v.field == nil {
			continue
		}
		s, ok := v.get(&c)
		if !ok || (s == v.def && !v.alwaysWrite && !(v.kind == kHealthPoll && c.ReadinessIntervalS != nil)) {
			continue
		}
		out = append(out, EnvVar{Name: v.name, Value: s})
	}
	for k, v := range c.Extra {
		out = append(out, EnvVar{Name: k, Value: v})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].Value < out[j].Value
	})
	return out
}

func (c *ContainerConfig) resourceVariable() string {
	if c.ResourceVariable == "" {
		return EnvResourceARN
	}
	return c.ResourceVariable
}

var envNameRe = lazyregexp.New(`^[A-Za-z_][A-Za-z0-9_]*$`)

// Lint returns every finding about c, sorted by variable: the problems
// [ContainerConfig.Validate] reports and advisory ones (dead variables, settings of a
// feature that is off, unknown names with a did-you-mean, and, without ImageVersion,
// the version rules that were not checked).
func (c ContainerConfig) Lint() []Finding {
	env := map[string]string{}
	for _, v := range c.Env() {
		env[v.Name] = v.Value
	}
	var pre []Finding
	switch c.resourceVariable() {
	case EnvResourceARN, EnvResourceName, EnvVirtualNodeName:
	default:
		pre = append(pre, Finding{Severity: SeverityError, Kind: FindingInvalid, Variable: c.ResourceVariable,
			Message: "not an identity variable; use " + EnvResourceARN + " (or the legacy " + EnvResourceName + " or " + EnvVirtualNodeName + ")"})
		delete(env, c.ResourceVariable)
	}
	for k, v := range c.Extra {
		switch {
		case !envNameRe().MatchString(k):
			pre = append(pre, Finding{Severity: SeverityError, Kind: FindingInvalid, Variable: k, Message: "not a valid variable name (letters, digits and _, not starting with a digit)"})
			delete(env, k)
			continue
		case k == EnvResourceARN || k == EnvResourceName || k == EnvVirtualNodeName:
			pre = append(pre, Finding{Severity: SeverityError, Kind: FindingConflict, Variable: k, Message: "set in Extra, but the identity has its own fields; set Resource and ResourceVariable instead"})
		case lookupVariable(k) != nil && lookupVariable(k).field != nil:
			pre = append(pre, Finding{Severity: SeverityError, Kind: FindingConflict, Variable: k, Message: "set in Extra, but it has its own field; set the field instead"})
		}
		if strings.TrimSpace(v) == "" {
			pre = append(pre, Finding{Severity: SeverityError, Kind: FindingInvalid, Variable: k, Message: "an empty value counts as unset; remove it from Extra"})
		}
	}
	for k, v := range env {
		if strings.ContainsRune(v, 0) {
			pre = append(pre, Finding{Severity: SeverityError, Kind: FindingInvalid, Variable: k, Message: "the value contains a NUL byte, which no environment can hold"})
			delete(env, k)
		}
	}
	l := newLinter(env, c.ImageVersion, namesConfig)
	l.listenerPorts = c.ListenerPorts
	out := append(pre, l.run()...)
	sortFindings(out)
	return out
}

// Set sets the variable name to value the way the agent reads it: into its typed field
// (trimmed for the variables the bootstrap generator reads, as it is for the agent's own
// settings; ENVOY_LOG_LEVEL and the admin modes lower-cased), into Resource for the
// identity variables, and into Extra for other names. An empty value unsets the
// variable.
//
// Set returns the findings about the variable: a warning with a did-you-mean for a name
// the agent does not read, advice such as "this is the default". When the agent would
// refuse the value or silently replace it, Set leaves c unchanged and returns a
// [*ConfigError] (matching [ErrInvalidConfig]) that says what the agent would do. Rules
// across variables (two tracers, clashing ports) are left to
// [ContainerConfig.Validate], so that the order of Set calls does not matter.
func (c *ContainerConfig) Set(name, value string) ([]Finding, error) {
	if !envNameRe().MatchString(name) {
		return nil, &ConfigError{Problems: []Finding{{Severity: SeverityError, Kind: FindingInvalid, Variable: quote.Input(name),
			Message: "not a valid variable name (letters, digits and _, not starting with a digit)"}}}
	}
	if strings.ContainsRune(value, 0) {
		return nil, &ConfigError{Problems: []Finding{{Severity: SeverityError, Kind: FindingInvalid, Variable: name,
			Message: "the value contains a NUL byte, which no environment can hold"}}}
	}
	saved := *c
	saved.Extra = maps.Clone(c.Extra)
	c.apply(name, value)
	if value == "" {
		return nil, nil
	}

	env := map[string]string{}
	for _, v := range c.Env() {
		env[v.Name] = v.Value
	}
	env[name] = value
	l := newLinter(env, c.ImageVersion, namesConfig)
	switch name {
	case EnvResourceARN, EnvResourceName, EnvVirtualNodeName:
		l.identity()
	default:
		l.variable(name)
	}
	var findings, problems []Finding
	for _, f := range l.out {
		if f.Variable != name {
			continue
		}
		findings = append(findings, f)
		if f.problem() {
			problems = append(problems, f)
		}
	}
	if len(problems) > 0 {
		*c = saved
		return findings, &ConfigError{Problems: problems}
	}
	sortFindings(findings)
	return findings, nil
}

// apply stores value (already checked as an environment value) as name's.
func (c *ContainerConfig) apply(name, value string) {
	switch name {
	case EnvResourceARN, EnvResourceName, EnvVirtualNodeName:
		c.Resource = strings.TrimSpace(value)
		c.ResourceVariable = name
		if name == EnvResourceARN {
			c.ResourceVariable = ""
		}
		return
	}
	if v := lookupVariable(name); v != nil && v.field != nil {
		v.clear(c)
		if value != "" {
			v.parseInto(c, value)
		}
		return
	}
	if value == "" {
		delete(c.Extra, name)
		return
	}
	if c.Extra == nil {
		c.Extra = map[string]string{}
	}
	c.Extra[name] = value
}

// get returns v's field in c as Env writes it, and whether it is set.
func (v *variable) get(c *ContainerConfig) (string, bool) {
	switch p := v.field(c).(type) {
	case **string:
		if *p != nil {
			return **p, true
		}
	case **LogLevel:
		if *p != nil {
			return string(**p), true
		}
	case **AdminMode:
		if *p != nil {
			return string(**p), true
		}
	case **int:
		if *p != nil {
			return strconv.Itoa(**p), true
		}
	case **bool:
		if *p != nil {
			return boolValue(**p), true
		}
	case **float64:
		if *p != nil {
			return strconv.FormatFloat(**p, 'g', -1, 64), true
		}
	case **time.Duration:
		if *p != nil {
			return (**p).String(), true
		}
	default:
		panic("sidecar: bad field type for " + v.name)
	}
	return "", false
}

// parseInto stores raw into v's field of c as v's parser reads it: trimmed for the
// bootstrap, as it is for the agent; a value that does not parse leaves the field unset.
func (v *variable) parseInto(c *ContainerConfig, raw string) {
	s := raw
	if v.reader != readAgent {
		s = strings.TrimSpace(raw)
	}
	if s == "" {
		return
	}
	switch p := v.field(c).(type) {
	case **string:
		*p = &s
	case **LogLevel:
		l := LogLevel(strings.ToLower(s))
		*p = &l
	case **AdminMode:
		m := AdminMode(strings.ToLower(s))
		*p = &m
	case **int:
		if n, err := strconv.ParseInt(s, 10, strconv.IntSize); err == nil {
			i := int(n)
			*p = &i
		}
	case **bool:
		if b, err := strconv.ParseBool(s); err == nil {
			*p = &b
		}
	case **float64:
		if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsNaN(f) && !math.IsInf(f, 0) {
			*p = &f
		}
	case **time.Duration:
		if d, err := time.ParseDuration(s); err == nil {
			*p = &d
		}
	}
}

// clear unsets v's field in c.
func (v *variable) clear(c *ContainerConfig) {
	switch p := v.field(c).(type) {
	case **string:
		*p = nil
	case **LogLevel:
		*p = nil
	case **AdminMode:
		*p = nil
	case **int:
		*p = nil
	case **bool:
		*p = nil
	case **float64:
		*p = nil
	case **time.Duration:
		*p = nil
	}
}
