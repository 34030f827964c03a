package sidecar

import (
	"errors"
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/lazyregexp"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/quote"
)

// Identity variables of the Envoy container. The agent reads the first non-empty one in
// the order [EnvResourceARN], [EnvResourceName], [EnvVirtualNodeName].
const (
	// EnvResourceARN carries a virtual node or virtual gateway as a full ARN or as the
	// short form mesh/<mesh>/virtualNode/<name>. Images from v1.15.0.0 read it.
	EnvResourceARN = "APPMESH_RESOURCE_ARN"
	// EnvResourceName is a legacy identity variable: mesh/<mesh>/virtualNode/<name>.
	EnvResourceName = "APPMESH_RESOURCE_NAME"
	// EnvVirtualNodeName is the oldest identity variable: mesh/<mesh>/virtualNode/<name>.
	EnvVirtualNodeName = "APPMESH_VIRTUAL_NODE_NAME"
)

// ResourceKind is the kind of App Mesh resource an Envoy proxy represents.
type ResourceKind string

// Resource kinds, spelled as in resource ARNs.
const (
	KindVirtualNode    ResourceKind = "virtualNode"
	KindVirtualGateway ResourceKind = "virtualGateway"
)

// Resource is a parsed identity value: a virtual node or virtual gateway of a mesh, given
// either in short form (Partition, Region and Account empty) or as an ARN.
type Resource struct {
	// Partition, Region and Account are set only for the ARN form.
	Partition, Region, Account string
	// Mesh is the mesh name.
	Mesh string
	// Kind is [KindVirtualNode] or [KindVirtualGateway].
	Kind ResourceKind
	// Name is the virtual node or virtual gateway name.
	Name string
}

// IsARN reports whether r was given as a full ARN.
func (r Resource) IsARN() bool { return r.Partition != "" }

// String returns the ARN form when r has a partition, else the short form.
func (r Resource) String() string {
	short := "mesh/" + r.Mesh + "/" + string(r.Kind) + "/" + r.Name
	if !r.IsARN() {
		return short
	}
	return "arn:" + r.Partition + ":appmesh:" + r.Region + ":" + r.Account + ":" + short
}

// ErrInvalidResource is matched by the errors of [ParseResource].
var ErrInvalidResource = errors.New("invalid app mesh resource")

var (
	ccPartitionRe = lazyregexp.New(`^aws(-[a-z]+)*$`)
	ccRegionRe    = lazyregexp.New(`^[a-z]{2}(-[a-z]+)+-\d+$`)
	ccAccountRe   = lazyregexp.New(`^\d{12}$`)
	ccNameRe      = lazyregexp.New(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$`)
	ccEnvNameRe   = lazyregexp.New(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

// ParseResource parses an identity value: mesh/<mesh>/virtualNode/<name>,
// mesh/<mesh>/virtualGateway/<name>, or the ARN form
// arn:<partition>:appmesh:<region>:<account>:mesh/<mesh>/virtualNode/<name> in any
// partition. Errors match [ErrInvalidResource].
func ParseResource(s string) (Resource, error) {
	var r Resource
	rest := s
	if strings.HasPrefix(s, "arn:") {
		parts := strings.SplitN(s, ":", 6)
		if len(parts) != 6 {
			return Resource{}, ccResourceErr(s, "an ARN has six colon-separated fields: arn:<partition>:appmesh:<region>:<account>:mesh/<mesh>/virtualNode/<name>")
		}
		r.Partition, r.Region, r.Account = parts[1], parts[3], parts[4]
		switch {
		case !ccPartitionRe().MatchString(r.Partition):
			return Resource{}, ccResourceErr(s, "partition "+quote.Input(r.Partition)+" is not an AWS partition such as aws or aws-cn")
		case parts[2] != "appmesh":
			return Resource{}, ccResourceErr(s, "service "+quote.Input(parts[2])+" is not appmesh")
		case !ccRegionRe().MatchString(r.Region):
			return Resource{}, ccResourceErr(s, "region "+quote.Input(r.Region)+" is not a region code such as us-west-2")
		case !ccAccountRe().MatchString(r.Account):
			return Resource{}, ccResourceErr(s, "account "+quote.Input(r.Account)+" is not a 12-digit account ID")
		}
		rest = parts[5]
	}
	parts := strings.Split(rest, "/")
	if len(parts) != 4 || parts[0] != "mesh" {
		return Resource{}, ccResourceErr(s, "want mesh/<mesh>/virtualNode/<name> or mesh/<mesh>/virtualGateway/<name>")
	}
	r.Mesh, r.Kind, r.Name = parts[1], ResourceKind(parts[2]), parts[3]
	if r.Kind != KindVirtualNode && r.Kind != KindVirtualGateway {
		return Resource{}, ccResourceErr(s, "resource type "+quote.Input(parts[2])+" is neither virtualNode nor virtualGateway")
	}
	if !ccNameRe().MatchString(r.Mesh) {
		return Resource{}, ccResourceErr(s, "mesh name "+quote.Input(r.Mesh)+" is empty or has characters App Mesh names cannot have")
	}
	if !ccNameRe().MatchString(r.Name) {
		return Resource{}, ccResourceErr(s, string(r.Kind)+" name "+quote.Input(r.Name)+" is empty or has characters App Mesh names cannot have")
	}
	return r, nil
}

func ccResourceErr(s, why string) error {
	return fmt.Errorf("%w %s: %s", ErrInvalidResource, quote.Input(s), why)
}

// LogLevel is a value of ENVOY_LOG_LEVEL.
type LogLevel string

// Log levels the agent accepts. Images before v1.29.4.0 turn [LogWarning],
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

// Values of JAEGER_TRACER_VERSION.
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

// EnvVar is one environment variable. Its JSON form is the one of an ECS container
// definition's environment list: {"name": ..., "value": ...}.
type EnvVar struct {
	Name  string `json:"name" yaml:"name"`
	Value string `json:"value" yaml:"value"`
}

// String returns NAME=value.
func (v EnvVar) String() string { return v.Name + "=" + v.Value }

// ContainerConfig is the environment of an App Mesh Envoy container, typed. Each pointer
// field is one variable: nil means unset, so the image's default applies; a non-nil
// field is an explicit value. Booleans are written as 1 and 0 and read the way the agent
// reads them ([strconv.ParseBool]). The zero value has no identity and so does not
// validate; everything else in it means "image defaults".
//
// A ContainerConfig is a plain value: safe for concurrent reads, not for concurrent
// writes.
type ContainerConfig struct {
	// Resource is the virtual node or virtual gateway: mesh/<mesh>/virtualNode/<name>,
	// mesh/<mesh>/virtualGateway/<name> or the ARN form (see [ParseResource]). Required.
	Resource string
	// ResourceVariable is the variable that carries Resource: [EnvResourceARN] (the
	// default when empty), or the legacy [EnvResourceName] or [EnvVirtualNodeName], which
	// take only the short virtualNode form.
	ResourceVariable string
	// ResourceCluster is APPMESH_RESOURCE_CLUSTER: overrides Envoy's node.cluster.
	ResourceCluster *string

	// LogLevel is ENVOY_LOG_LEVEL (default info).
	LogLevel *LogLevel
	// AdminPort is ENVOY_ADMIN_ACCESS_PORT (default 9901); it must differ from the
	// listener ports and the agent's port.
	AdminPort *int
	// AdminAccessLogFile is ENVOY_ADMIN_ACCESS_LOG_FILE (default /tmp/envoy_admin_access.log).
	AdminAccessLogFile *string
	// InitialFetchTimeout is ENVOY_INITIAL_FETCH_TIMEOUT in seconds (default 0).
	InitialFetchTimeout *int
	// Concurrency is ENVOY_CONCURRENCY, Envoy's worker thread count (default unset);
	// images from v1.24.0.0 read it.
	Concurrency *int

	// XRayTracing is ENABLE_ENVOY_XRAY_TRACING (default off).
	XRayTracing *bool
	// XRayDaemonPort is XRAY_DAEMON_PORT (default 2000).
	XRayDaemonPort *int
	// XRayDaemonAddress is AWS_XRAY_DAEMON_ADDRESS (default 127.0.0.1): a literal IP,
	// optionally with :port, which then wins over XRayDaemonPort. Host names are rejected.
	XRayDaemonAddress *string
	// XRaySamplingRate is XRAY_SAMPLING_RATE in [0,1] (default 0.05); images from
	// v1.19.1.1 read it.
	XRaySamplingRate *float64
	// XRaySamplingRuleManifest is XRAY_SAMPLING_RULE_MANIFEST: path to a version-2
	// sampling rule manifest.
	XRaySamplingRuleManifest *string
	// XRaySegmentName is XRAY_SEGMENT_NAME (default mesh/resource); images from v1.23.1.0
	// read it.
	XRaySegmentName *string

	// DatadogTracing is ENABLE_ENVOY_DATADOG_TRACING (default off).
	DatadogTracing *bool
	// DatadogTracerPort is DATADOG_TRACER_PORT (default 8126).
	DatadogTracerPort *int
	// DatadogTracerAddress is DATADOG_TRACER_ADDRESS (default 127.0.0.1).
	DatadogTracerAddress *string
	// DatadogService is DD_SERVICE.
	DatadogService *string

	// JaegerTracing is ENABLE_ENVOY_JAEGER_TRACING (default off).
	JaegerTracing *bool
	// JaegerTracerPort is JAEGER_TRACER_PORT (default 9411).
	JaegerTracerPort *int
	// JaegerTracerAddress is JAEGER_TRACER_ADDRESS (default 127.0.0.1).
	JaegerTracerAddress *string
	// JaegerTracerVersion is JAEGER_TRACER_VERSION: [JaegerProto] or [JaegerJSON].
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
	// StatsFlushInterval is ENVOY_STATS_FLUSH_INTERVAL (default: Envoy's), written as a
	// Go duration such as 10s.
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

	// RestartCount is APPNET_ENVOY_RESTART_COUNT: 0–10, larger values are clamped to 10.
	// The agent's default is 3 (the user guide says 0), so Env always writes it when set.
	RestartCount *int
	// PIDPollIntervalMS is PID_POLL_INTERVAL_MS: 100–1000 (default 100).
	PIDPollIntervalMS *int
	// ListenerDrainWaitS is LISTENER_DRAIN_WAIT_TIME_S: 5–110 (default 20).
	ListenerDrainWaitS *int
	// HealthPollIntervalMS is HC_POLL_INTERVAL_MS: 2000–30000 (default 10000).
	HealthPollIntervalMS *int
	// HealthDisconnectedTimeoutS is HC_DISCONNECTED_TIMEOUT_S: 3600–604800 (default 604800).
	HealthDisconnectedTimeoutS *int
	// AgentHTTPPort is APPNET_AGENT_HTTP_PORT (default 9902): at least 1024 unless the
	// container runs as root.
	AgentHTTPPort *int
	// MetricExtensionVersion is APPMESH_METRIC_EXTENSION_VERSION (default 0): only the
	// exact string 1 enables the metric extension.
	MetricExtensionVersion *string

	// Extra holds other variables, written as they are: variables the agent reads that
	// have no field here (FACTS lists them, e.g. APPMESH_XDS_ENDPOINT, AWS_REGION), and
	// unknown APPMESH_*, ENVOY_* and APPNET_* names that [ParseEnv] found. Keys must not
	// be variables that have a field.
	Extra map[string]string

	// ListenerPorts are the virtual node's listener ports. Not an environment variable:
	// Validate uses them to check that the admin port differs from them.
	ListenerPorts []int
	// ImageVersion, when set, is the image version the configuration targets; Validate
	// and ParseEnv then report variables and values that image does not support.
	ImageVersion *appmeshenvoy.Version
}

// ErrInvalidConfig is matched (with [errors.Is]) by the error of
// [ContainerConfig.Validate].
var ErrInvalidConfig = errors.New("invalid envoy container configuration")

// ConfigError lists every problem [ContainerConfig.Validate] found. Each problem names
// its variable and the rule it breaks.
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

// Validate checks c the way the image's agent reads the environment and returns a
// [*ConfigError] listing every problem at once, or nil: the identity's shape, log level,
// ports 1–65535, the sampling rate, at most one tracer, an IP-only X-Ray daemon address,
// the agent's timer ranges (which the agent would silently reset), the admin port against
// the listener and agent ports, the Jaeger version, the metric extension version, the
// Extra names, and, when ImageVersion is set, values that image does not support.
// Advisory findings (dead or redundant variables) are not problems; [ParseEnv] and
// [ContainerConfig.Lint] report those.
func (c ContainerConfig) Validate() error {
	var problems []Finding
	for _, f := range c.Lint() {
		switch f.Kind {
		case FindingInvalid, FindingMissing, FindingConflict, FindingReset, FindingVersion:
			problems = append(problems, f)
		}
	}
	if len(problems) == 0 {
		return nil
	}
	return &ConfigError{Problems: problems}
}

// Env returns the variables to set on the container, sorted by name: the identity always,
// and every other field that is set to a value different from the image's default
// (RestartCount whenever it is set, since its default differs between the agent and the
// user guide), plus Extra. Env does not validate; call [ContainerConfig.Validate].
func (c ContainerConfig) Env() []EnvVar {
	var out []EnvVar
	if c.Resource != "" {
		out = append(out, EnvVar{Name: c.resourceVariable(), Value: c.Resource})
	}
	for _, s := range envSettings {
		if v, ok := s.get(&c); ok && v != s.def {
			out = append(out, EnvVar{Name: s.name, Value: v})
		}
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

// Lint returns every finding about c, sorted: the problems [ContainerConfig.Validate]
// reports and advisory ones (dead variables, sub-settings of a disabled feature).
func (c ContainerConfig) Lint() []Finding {
	l := &ccLinter{}
	l.identity(&c)
	l.values(&c)
	l.crossRules(&c)
	l.version(&c)
	sortFindings(l.out)
	return l.out
}

type ccLinter struct{ out []Finding }

func (l *ccLinter) add(sev Severity, kind FindingKind, variable, format string, args ...any) {
	l.out = append(l.out, Finding{Severity: sev, Kind: kind, Variable: variable, Message: fmt.Sprintf(format, args...)})
}

func (l *ccLinter) identity(c *ContainerConfig) {
	variable := c.resourceVariable()
	switch variable {
	case EnvResourceARN, EnvResourceName, EnvVirtualNodeName:
	default:
		l.add(SeverityError, FindingInvalid, variable, "not an identity variable; use %s (or the legacy %s or %s)", EnvResourceARN, EnvResourceName, EnvVirtualNodeName)
		return
	}
	if c.Resource == "" {
		l.add(SeverityError, FindingMissing, variable, "the identity is required: set %s to mesh/<mesh>/virtualNode/<name>, mesh/<mesh>/virtualGateway/<name> or its ARN", EnvResourceARN)
		return
	}
	r, err := ParseResource(c.Resource)
	if err != nil {
		l.add(SeverityError, FindingInvalid, variable, "%s", strings.TrimPrefix(err.Error(), ErrInvalidResource.Error()+" "))
		return
	}
	if variable != EnvResourceARN && (r.IsARN() || r.Kind != KindVirtualNode) {
		l.add(SeverityError, FindingInvalid, variable, "the legacy variable takes only mesh/<mesh>/virtualNode/<name>; put ARNs and virtual gateways in %s", EnvResourceARN)
	}
}

func (l *ccLinter) values(c *ContainerConfig) {
	if c.LogLevel != nil {
		switch *c.LogLevel {
		case LogTrace, LogDebug, LogInfo, LogWarn, LogWarning, LogError, LogCritical, LogOff:
		default:
			l.add(SeverityError, FindingInvalid, "ENVOY_LOG_LEVEL", "%s is not a log level; use trace, debug, info, warn, warning, error, critical or off", quote.Input(string(*c.LogLevel)))
		}
	}
	for _, p := range []struct {
		name string
		v    *int
	}{
		{"ENVOY_ADMIN_ACCESS_PORT", c.AdminPort},
		{"XRAY_DAEMON_PORT", c.XRayDaemonPort},
		{"DATADOG_TRACER_PORT", c.DatadogTracerPort},
		{"JAEGER_TRACER_PORT", c.JaegerTracerPort},
		{"STATSD_PORT", c.StatsDPort},
	} {
		if p.v != nil && (*p.v < 1 || *p.v > 65535) {
			l.add(SeverityError, FindingInvalid, p.name, "port %d is outside 1–65535", *p.v)
		}
	}
	if c.AgentHTTPPort != nil {
		switch p := *c.AgentHTTPPort; {
		case p < 1 || p > 65535:
			l.add(SeverityError, FindingInvalid, "APPNET_AGENT_HTTP_PORT", "port %d is outside 1–65535", p)
		case p < 1024:
			l.add(SeverityWarning, FindingReset, "APPNET_AGENT_HTTP_PORT", "port %d is below 1024: the agent can bind it only when the container runs as root, and the sidecar runs as UID %d", p, EnvoyUID)
		}
	}
	if c.InitialFetchTimeout != nil && *c.InitialFetchTimeout < 0 {
		l.add(SeverityError, FindingInvalid, "ENVOY_INITIAL_FETCH_TIMEOUT", "%d is negative; use 0 (wait forever) or a number of seconds", *c.InitialFetchTimeout)
	}
	if c.Concurrency != nil && *c.Concurrency < 0 {
		l.add(SeverityError, FindingInvalid, "ENVOY_CONCURRENCY", "%d is negative; use the number of worker threads", *c.Concurrency)
	}
	if c.XRaySamplingRate != nil {
		if r := *c.XRaySamplingRate; !(r >= 0 && r <= 1) {
			l.add(SeverityError, FindingInvalid, "XRAY_SAMPLING_RATE", "%s is outside [0,1]; use a fraction such as 0.05", strconv.FormatFloat(r, 'g', -1, 64))
		}
	}
	if c.XRayDaemonAddress != nil {
		if err := ccCheckIPPort(*c.XRayDaemonAddress, true); err != "" {
			l.add(SeverityError, FindingInvalid, "AWS_XRAY_DAEMON_ADDRESS", "%s %s; the agent takes a literal IP, optionally with :port, not a host name", quote.Input(*c.XRayDaemonAddress), err)
		}
	}
	if c.StatsDAddress != nil {
		if err := ccCheckIPPort(*c.StatsDAddress, false); err != "" {
			l.add(SeverityError, FindingInvalid, "STATSD_ADDRESS", "%s %s; use a literal IP such as 127.0.0.1", quote.Input(*c.StatsDAddress), err)
		}
	}
	if c.StatsFlushInterval != nil && *c.StatsFlushInterval <= 0 {
		l.add(SeverityError, FindingInvalid, "ENVOY_STATS_FLUSH_INTERVAL", "%s is not a positive duration; use a Go duration such as 10s or 5000ms", c.StatsFlushInterval.String())
	}
	if c.JaegerTracerVersion != nil && *c.JaegerTracerVersion != JaegerProto && *c.JaegerTracerVersion != JaegerJSON {
		l.add(SeverityError, FindingInvalid, "JAEGER_TRACER_VERSION", "%s is neither PROTO nor JSON", quote.Input(*c.JaegerTracerVersion))
	}
	if c.MetricExtensionVersion != nil && *c.MetricExtensionVersion != "0" && *c.MetricExtensionVersion != "1" {
		l.add(SeverityWarning, FindingReset, "APPMESH_METRIC_EXTENSION_VERSION", "%s leaves the metric extension off: only the exact string 1 enables it", quote.Input(*c.MetricExtensionVersion))
	}
	for _, r := range ccRanges {
		v := r.field(c)
		if v == nil {
			continue
		}
		switch {
		case r.name == "APPNET_ENVOY_RESTART_COUNT" && *v > r.max:
			l.add(SeverityWarning, FindingReset, r.name, "%d is above %d: the agent clamps it to %d", *v, r.max, r.max)
		case r.name == "APPNET_ENVOY_RESTART_COUNT" && *v < r.min:
			l.add(SeverityWarning, FindingReset, r.name, "%d is below %d; use %d–%d (the agent's handling of negative counts is not documented)", *v, r.min, r.min, r.max)
		case *v < r.min || *v > r.max:
			l.add(SeverityWarning, FindingReset, r.name, "%d is outside %d–%d: the agent silently resets it to the default %d", *v, r.min, r.max, r.def)
		}
	}
	for _, s := range envSettings {
		if v, ok := s.get(c); ok && strings.ContainsRune(v, 0) {
			l.add(SeverityError, FindingInvalid, s.name, "the value contains a NUL byte")
		}
	}
	if c.Resource != "" && strings.ContainsRune(c.Resource, 0) {
		l.add(SeverityError, FindingInvalid, c.resourceVariable(), "the value contains a NUL byte")
	}
	for k, v := range c.Extra {
		switch {
		case !ccEnvNameRe().MatchString(k):
			l.add(SeverityError, FindingInvalid, k, "not a valid variable name (letters, digits and _, not starting with a digit)")
		case envSettingIndex[k] != nil || k == EnvResourceARN || k == EnvResourceName || k == EnvVirtualNodeName:
			l.add(SeverityError, FindingConflict, k, "set in Extra, but it has its own field; set the field instead")
		}
		if strings.TrimSpace(v) == "" {
			l.add(SeverityError, FindingInvalid, k, "an empty value counts as unset; remove it from Extra")
		} else if strings.ContainsRune(v, 0) {
			l.add(SeverityError, FindingInvalid, k, "the value contains a NUL byte")
		}
	}
}

type ccRange struct {
	name          string
	min, max, def int
	field         func(*ContainerConfig) *int
}

// ccRanges are the agent timers that are reset to their default when out of range
// (FACTS §5, from the image's agent source), and the restart count that is clamped.
var ccRanges = []ccRange{
	{"APPNET_ENVOY_RESTART_COUNT", 0, 10, 3, func(c *ContainerConfig) *int { return c.RestartCount }},
	{"PID_POLL_INTERVAL_MS", 100, 1000, 100, func(c *ContainerConfig) *int { return c.PIDPollIntervalMS }},
	{"LISTENER_DRAIN_WAIT_TIME_S", 5, 110, 20, func(c *ContainerConfig) *int { return c.ListenerDrainWaitS }},
	{"HC_POLL_INTERVAL_MS", 2000, 30000, 10000, func(c *ContainerConfig) *int { return c.HealthPollIntervalMS }},
	{"HC_DISCONNECTED_TIMEOUT_S", 3600, 604800, 604800, func(c *ContainerConfig) *int { return c.HealthDisconnectedTimeoutS }},
}

// ccCheckIPPort returns "" when s is a literal IP (IPv6 without brackets), or (withPort)
// IP:port with an IPv6 address in brackets, else why not.
func ccCheckIPPort(s string, withPort bool) string {
	if net.ParseIP(s) != nil {
		return ""
	}
	if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") && net.ParseIP(s[1:len(s)-1]) != nil {
		// Brackets belong to [IPv6]:port only; without a port the value is not an IP.
		if withPort {
			return "has brackets but no port; write the IPv6 address without brackets, or as [address]:port"
		}
		return "has brackets; write the IPv6 address without them"
	}
	host, port, err := net.SplitHostPort(s)
	if err != nil || !withPort {
		return "is not an IP address"
	}
	if net.ParseIP(host) == nil {
		return "is not an IP address"
	}
	if p, err := strconv.Atoi(port); err != nil || p < 1 || p > 65535 {
		return "has a port outside 1–65535"
	}
	return ""
}

// ccHasPort reports whether addr is host:port.
func ccHasPort(addr string) bool {
	_, _, err := net.SplitHostPort(addr)
	return err == nil
}

func ccBool(b *bool) bool { return b != nil && *b }

func (l *ccLinter) crossRules(c *ContainerConfig) {
	var tracers []string
	if ccBool(c.XRayTracing) {
		tracers = append(tracers, "ENABLE_ENVOY_XRAY_TRACING")
	}
	if ccBool(c.DatadogTracing) {
		tracers = append(tracers, "ENABLE_ENVOY_DATADOG_TRACING")
	}
	if ccBool(c.JaegerTracing) {
		tracers = append(tracers, "ENABLE_ENVOY_JAEGER_TRACING")
	}
	if len(tracers) > 1 {
		for _, t := range tracers {
			l.add(SeverityError, FindingConflict, t, "at most one tracer may be enabled, but %s are: the proxy fails to start", strings.Join(tracers, ", "))
		}
	}
	if c.TracingConfigFile != nil {
		for _, t := range tracers {
			l.add(SeverityWarning, FindingDead, t, "has no effect: ENVOY_TRACING_CFG_FILE replaces the built-in tracers")
		}
	} else {
		l.subSettings(c.XRayTracing, "ENABLE_ENVOY_XRAY_TRACING", map[string]bool{
			"XRAY_DAEMON_PORT": c.XRayDaemonPort != nil, "AWS_XRAY_DAEMON_ADDRESS": c.XRayDaemonAddress != nil,
			"XRAY_SAMPLING_RATE": c.XRaySamplingRate != nil, "XRAY_SAMPLING_RULE_MANIFEST": c.XRaySamplingRuleManifest != nil,
			"XRAY_SEGMENT_NAME": c.XRaySegmentName != nil,
		})
		l.subSettings(c.DatadogTracing, "ENABLE_ENVOY_DATADOG_TRACING", map[string]bool{
			"DATADOG_TRACER_PORT": c.DatadogTracerPort != nil, "DATADOG_TRACER_ADDRESS": c.DatadogTracerAddress != nil,
		})
		l.subSettings(c.JaegerTracing, "ENABLE_ENVOY_JAEGER_TRACING", map[string]bool{
			"JAEGER_TRACER_PORT": c.JaegerTracerPort != nil, "JAEGER_TRACER_ADDRESS": c.JaegerTracerAddress != nil,
			"JAEGER_TRACER_VERSION": c.JaegerTracerVersion != nil,
		})
	}
	if c.XRayDaemonAddress != nil && c.XRayDaemonPort != nil && ccHasPort(*c.XRayDaemonAddress) {
		l.add(SeverityInfo, FindingDead, "XRAY_DAEMON_PORT", "has no effect: the port in AWS_XRAY_DAEMON_ADDRESS wins")
	}
	if c.StatsSinksConfigFile != nil {
		for name, set := range map[string]bool{
			"ENABLE_ENVOY_DOG_STATSD": c.DogStatsD != nil, "STATSD_PORT": c.StatsDPort != nil,
			"STATSD_ADDRESS": c.StatsDAddress != nil, "STATSD_SOCKET_PATH": c.StatsDSocketPath != nil,
		} {
			if set {
				l.add(SeverityWarning, FindingDead, name, "has no effect: ENVOY_STATS_SINKS_CFG_FILE overrides every DogStatsD variable")
			}
		}
	} else {
		l.subSettings(c.DogStatsD, "ENABLE_ENVOY_DOG_STATSD", map[string]bool{
			"STATSD_PORT": c.StatsDPort != nil, "STATSD_ADDRESS": c.StatsDAddress != nil, "STATSD_SOCKET_PATH": c.StatsDSocketPath != nil,
		})
		if c.StatsDSocketPath != nil && ccBool(c.DogStatsD) {
			for name, set := range map[string]bool{"STATSD_PORT": c.StatsDPort != nil, "STATSD_ADDRESS": c.StatsDAddress != nil} {
				if set {
					l.add(SeverityInfo, FindingDead, name, "has no effect: STATSD_SOCKET_PATH wins over address and port")
				}
			}
		}
	}
	if c.StatsConfigFile != nil && ccBool(c.StatsTags) {
		l.add(SeverityWarning, FindingDead, "ENABLE_ENVOY_STATS_TAGS", "has no effect: ENVOY_STATS_CONFIG_FILE replaces the stats configuration and its tags")
	}
	if c.AdminPort != nil {
		admin := *c.AdminPort
		agent := DefaultAgentHTTPPort
		if c.AgentHTTPPort != nil {
			agent = *c.AgentHTTPPort
		}
		if admin == agent {
			l.add(SeverityError, FindingConflict, "ENVOY_ADMIN_ACCESS_PORT", "port %d is also the agent's port (APPNET_AGENT_HTTP_PORT); pick another", admin)
		}
		for _, p := range ccUniqueInts(append([]int{DefaultProxyIngressPort, DefaultProxyEgressPort}, c.ListenerPorts...)) {
			if admin == p {
				l.add(SeverityError, FindingConflict, "ENVOY_ADMIN_ACCESS_PORT", "port %d is also a listener or proxy port; pick another", admin)
			}
		}
	} else if c.AgentHTTPPort != nil && *c.AgentHTTPPort == DefaultAdminPort {
		l.add(SeverityError, FindingConflict, "APPNET_AGENT_HTTP_PORT", "port %d is also Envoy's admin port; pick another", DefaultAdminPort)
	}
	if c.AdminPort == nil {
		for _, p := range c.ListenerPorts {
			if p == DefaultAdminPort {
				l.add(SeverityError, FindingConflict, "ENVOY_ADMIN_ACCESS_PORT", "the default admin port %d is also a listener port; set ENVOY_ADMIN_ACCESS_PORT to another port", p)
				break
			}
		}
	}
}

func ccUniqueInts(in []int) []int {
	seen := map[int]bool{}
	var out []int
	for _, v := range in {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// subSettings reports settings of a feature that is not enabled.
func (l *ccLinter) subSettings(enabled *bool, enable string, set map[string]bool) {
	if ccBool(enabled) {
		return
	}
	for name, ok := range set {
		if ok {
			l.add(SeverityInfo, FindingDead, name, "has no effect unless %s is on", enable)
		}
	}
}

// Image versions that changed how the agent reads the environment (FACTS §5).
var (
	ccResourceARNSince = ccVersion("v1.15.0.0")
	ccLogLevelsSince   = ccVersion("v1.29.4.0")
)

func ccVersion(tag string) appmeshenvoy.Version {
	v, err := appmeshenvoy.ParseVersion(tag)
	if err != nil {
		panic("appmeshenvoy: bad version constant " + tag)
	}
	return v
}

func (l *ccLinter) version(c *ContainerConfig) {
	img := c.ImageVersion
	if img == nil {
		return
	}
	if c.Resource != "" && c.resourceVariable() == EnvResourceARN && !img.AtLeast(ccResourceARNSince) {
		l.add(SeverityError, FindingVersion, EnvResourceARN, "image %s does not read it (needs %s or newer), so the proxy has no identity; use %s with mesh/<mesh>/virtualNode/<name>", img, ccResourceARNSince, EnvVirtualNodeName)
	}
	if c.LogLevel != nil && !img.AtLeast(ccLogLevelsSince) {
		switch *c.LogLevel {
		case LogWarning, LogCritical, LogOff:
			l.add(SeverityWarning, FindingVersion, "ENVOY_LOG_LEVEL", "image %s turns %q into info (needs %s or newer); upgrade, or use warn or error", img, string(*c.LogLevel), ccLogLevelsSince)
		}
	}
	for i := range envSettings {
		s := &envSettings[i]
		if s.since == "" {
			continue
		}
		if _, ok := s.get(c); !ok {
			continue
		}
		if since := ccVersion(s.since); !img.AtLeast(since) {
			l.add(SeverityWarning, FindingVersion, s.name, "image %s ignores it (needs %s or newer); upgrade the image or remove the variable", img, since)
		}
	}
}
