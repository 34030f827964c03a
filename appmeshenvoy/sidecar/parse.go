package sidecar

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/editdist"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/quote"
)

// Severity ranks a [Finding].
type Severity int

// Severities, from least to most serious.
const (
	// SeverityInfo is advice: a redundant or legacy setting, a setting of a feature that
	// is off.
	SeverityInfo Severity = iota
	// SeverityWarning means the agent would silently reset, clamp or ignore something, or
	// a variable has no effect because another one overrides it.
	SeverityWarning
	// SeverityError means the agent would refuse to start (or could not start Envoy).
	SeverityError
)

// String returns "info", "warning" or "error".
func (s Severity) String() string {
	switch s {
	case SeverityInfo:
		return "info"
	case SeverityWarning:
		return "warning"
	case SeverityError:
		return "error"
	}
	return "severity(" + strconv.Itoa(int(s)) + ")"
}

// MarshalText returns the String form, so that JSON output says "error", not 2.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// FindingKind classifies a [Finding].
type FindingKind string

// Finding kinds.
const (
	// FindingInvalid: a value the agent rejects (not a number, not a bool, out of range).
	FindingInvalid FindingKind = "invalid"
	// FindingMissing: a required variable (the identity) is not set.
	FindingMissing FindingKind = "missing"
	// FindingConflict: variables that clash (two tracers, the admin port on another port).
	FindingConflict FindingKind = "conflict"
	// FindingReset: a value the agent silently resets, clamps or ignores.
	FindingReset FindingKind = "reset"
	// FindingVersion: a variable or value the target image version does not support.
	FindingVersion FindingKind = "version"
	// FindingDead: a variable made ineffective by another one.
	FindingDead FindingKind = "dead"
	// FindingLegacy: a variable that is no longer read, or a legacy spelling.
	FindingLegacy FindingKind = "legacy"
	// FindingUnknown: a name the agent does not read, often a typo.
	FindingUnknown FindingKind = "unknown"
	// FindingDuplicate: a variable set more than once (the last value wins).
	FindingDuplicate FindingKind = "duplicate"
	// FindingDefault: a value equal to the image's default or empty, so it can be removed.
	FindingDefault FindingKind = "default"
)

// Finding is one lint result about an Envoy container environment.
type Finding struct {
	// Severity says how serious it is.
	Severity Severity `json:"severity"`
	// Kind classifies it.
	Kind FindingKind `json:"kind"`
	// Variable is the environment variable it is about.
	Variable string `json:"variable"`
	// Message says what is wrong and what the agent does with it.
	Message string `json:"message"`
}

// String returns "severity: VARIABLE: message".
func (f Finding) String() string {
	return f.Severity.String() + ": " + f.Variable + ": " + f.Message
}

func sortFindings(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.Variable != b.Variable {
			return a.Variable < b.Variable
		}
		if a.Severity != b.Severity {
			return a.Severity > b.Severity
		}
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		return a.Message < b.Message
	})
}

// envSetting is one typed variable of [ContainerConfig]: its name, the image's default
// in the form Env writes it ("" when there is none or it is not stable), and the oldest
// image that reads it.
type envSetting struct {
	name  string
	def   string
	since string
	// field returns a pointer to the field: **string, **LogLevel, **int, **bool,
	// **float64 or **time.Duration.
	field func(*ContainerConfig) any
}

// envSettings is the table of FACTS §5 (source: the App Mesh User Guide's Envoy
// configuration variables and the image's agent source, as collected in FACTS §5).
var envSettings = []envSetting{
	{"APPMESH_RESOURCE_CLUSTER", "", "", func(c *ContainerConfig) any { return &c.ResourceCluster }},
	// ENVOY_LOG_LEVEL: default info; warning/critical/off need v1.29.4.0 (checked by value).
	{"ENVOY_LOG_LEVEL", "info", "", func(c *ContainerConfig) any { return &c.LogLevel }},
	{"ENVOY_ADMIN_ACCESS_PORT", "9901", "", func(c *ContainerConfig) any { return &c.AdminPort }},
	{"ENVOY_ADMIN_ACCESS_LOG_FILE", "/tmp/envoy_admin_access.log", "", func(c *ContainerConfig) any { return &c.AdminAccessLogFile }},
	{"ENVOY_INITIAL_FETCH_TIMEOUT", "0", "", func(c *ContainerConfig) any { return &c.InitialFetchTimeout }},
	{"ENVOY_CONCURRENCY", "", "v1.24.0.0", func(c *ContainerConfig) any { return &c.Concurrency }},
	{"ENABLE_ENVOY_XRAY_TRACING", "0", "", func(c *ContainerConfig) any { return &c.XRayTracing }},
	{"XRAY_DAEMON_PORT", "2000", "", func(c *ContainerConfig) any { return &c.XRayDaemonPort }},
	{"AWS_XRAY_DAEMON_ADDRESS", "127.0.0.1", "", func(c *ContainerConfig) any { return &c.XRayDaemonAddress }},
	{"XRAY_SAMPLING_RATE", "0.05", "v1.19.1.1", func(c *ContainerConfig) any { return &c.XRaySamplingRate }},
	{"XRAY_SAMPLING_RULE_MANIFEST", "", "", func(c *ContainerConfig) any { return &c.XRaySamplingRuleManifest }},
	{"XRAY_SEGMENT_NAME", "", "v1.23.1.0", func(c *ContainerConfig) any { return &c.XRaySegmentName }},
	{"ENABLE_ENVOY_DATADOG_TRACING", "0", "", func(c *ContainerConfig) any { return &c.DatadogTracing }},
	{"DATADOG_TRACER_PORT", "8126", "", func(c *ContainerConfig) any { return &c.DatadogTracerPort }},
	{"DATADOG_TRACER_ADDRESS", "127.0.0.1", "", func(c *ContainerConfig) any { return &c.DatadogTracerAddress }},
	{"DD_SERVICE", "", "", func(c *ContainerConfig) any { return &c.DatadogService }},
	{"ENABLE_ENVOY_JAEGER_TRACING", "0", "", func(c *ContainerConfig) any { return &c.JaegerTracing }},
	{"JAEGER_TRACER_PORT", "9411", "", func(c *ContainerConfig) any { return &c.JaegerTracerPort }},
	{"JAEGER_TRACER_ADDRESS", "127.0.0.1", "", func(c *ContainerConfig) any { return &c.JaegerTracerAddress }},
	{"JAEGER_TRACER_VERSION", "", "", func(c *ContainerConfig) any { return &c.JaegerTracerVersion }},
	{"ENVOY_TRACING_CFG_FILE", "", "", func(c *ContainerConfig) any { return &c.TracingConfigFile }},
	{"ENABLE_ENVOY_STATS_TAGS", "0", "", func(c *ContainerConfig) any { return &c.StatsTags }},
	{"ENVOY_STATS_CONFIG_FILE", "", "", func(c *ContainerConfig) any { return &c.StatsConfigFile }},
	{"ENVOY_STATS_SINKS_CFG_FILE", "", "", func(c *ContainerConfig) any { return &c.StatsSinksConfigFile }},
	{"ENVOY_STATS_FLUSH_INTERVAL", "", "", func(c *ContainerConfig) any { return &c.StatsFlushInterval }},
	{"ENABLE_ENVOY_DOG_STATSD", "0", "", func(c *ContainerConfig) any { return &c.DogStatsD }},
	{"STATSD_PORT", "8125", "", func(c *ContainerConfig) any { return &c.StatsDPort }},
	{"STATSD_ADDRESS", "127.0.0.1", "v1.15.0.0", func(c *ContainerConfig) any { return &c.StatsDAddress }},
	{"STATSD_SOCKET_PATH", "", "v1.19.1.0", func(c *ContainerConfig) any { return &c.StatsDSocketPath }},
	// APPNET_ENVOY_RESTART_COUNT: agent default 3, user guide says 0, so no stable default.
	{"APPNET_ENVOY_RESTART_COUNT", "", "", func(c *ContainerConfig) any { return &c.RestartCount }},
	{"PID_POLL_INTERVAL_MS", "100", "", func(c *ContainerConfig) any { return &c.PIDPollIntervalMS }},
	{"LISTENER_DRAIN_WAIT_TIME_S", "20", "", func(c *ContainerConfig) any { return &c.ListenerDrainWaitS }},
	{"HC_POLL_INTERVAL_MS", "10000", "", func(c *ContainerConfig) any { return &c.HealthPollIntervalMS }},
	{"HC_DISCONNECTED_TIMEOUT_S", "604800", "", func(c *ContainerConfig) any { return &c.HealthDisconnectedTimeoutS }},
	{"APPNET_AGENT_HTTP_PORT", "9902", "", func(c *ContainerConfig) any { return &c.AgentHTTPPort }},
	{"APPMESH_METRIC_EXTENSION_VERSION", "0", "", func(c *ContainerConfig) any { return &c.MetricExtensionVersion }},
}

var envSettingIndex = func() map[string]*envSetting {
	m := make(map[string]*envSetting, len(envSettings))
	for i := range envSettings {
		m[envSettings[i].name] = &envSettings[i]
	}
	return m
}()

// envOtherKnown are variables the agent reads that have no typed field (FACTS §5, "also
// read by the agent", from the image's agent source). They pass through in Extra.
var envOtherKnown = []string{
	"APPMESH_VIRTUAL_NODE_CLUSTER", "APPMESH_DUALSTACK_ENDPOINT", "APPMESH_PREVIEW",
	"APPMESH_SIGNING_NAME", "APPMESH_XDS_ENDPOINT", "APPMESH_SDS_SOCKET_PATH",
	"APPMESH_SET_TRACING_DECISION", "APPMESH_PLATFORM_K8S_VERSION",
	"APPMESH_PLATFORM_APP_MESH_CONTROLLER_VERSION", "APPMESH_PLATFORM_K8S_POD_UID", "AWS_REGION",
	"ENVOY_ADMIN_MODE", "ENVOY_ADMIN_ACCESS_ENABLE_IPV6", "ENVOY_CONFIG_FILE",
	"ENVOY_RESOURCES_CONFIG_FILE", "ENVOY_OUTLIER_DETECTION_EVENT_LOG_PATH",
	"ENVOY_NO_EXTENSION_LOOKUP_BY_NAME", "ENVOY_USE_HTTP_CLIENT_TO_FETCH_AWS_CREDENTIALS",
	"ENVOY_SKIP_DEPRECATED_LOGS", "MAX_REQUESTS_PER_IO_CYCLE", "DISABLE_HOT_RESTART",
	"APPNET_AGENT_ADMIN_MODE", "APPNET_AGENT_HTTP_BIND_ADDRESS", "APPNET_AGENT_ADMIN_UDS_PATH",
	"APPNET_AGENT_LOGGING_RESET_TIMEOUT", "APPNET_ENVOY_LOG_DESTINATION", "APPNET_ENVOY_LOG_NAME",
	"APPNET_AGENT_MAX_LOG_FILE_SIZE", "APPNET_AGENT_MAX_RETENTION_COUNT",
	"APPNET_AGENT_POLL_ENVOY_READINESS_INTERVAL_S", "APPNET_AGENT_POLL_ENVOY_READINESS_TIMEOUT_S",
	"ENABLE_STATS_SNAPSHOT",
}

// envLegacy are variables that are no longer read, with what to do instead (FACTS §5).
var envLegacy = map[string]string{
	// Removed from the agent: FIPS comes from the image variant.
	"APPMESH_FIPS_ENDPOINT": "no longer read: FIPS endpoints come from the image variant; use a -prod-fips image",
	// Still in the user guide, but the agent no longer reads it.
	"ENVOY_ENABLE_TCP_POOL_IDLE_TIMEOUT": "still documented, but the agent no longer reads it; remove it",
}

// KnownEnvVars returns every variable name the image's agent is known to read (the
// identity variables, every typed field of [ContainerConfig] and the others FACTS §5
// lists), sorted. Legacy variables that are no longer read are not included.
func KnownEnvVars() []string {
	out := []string{EnvResourceARN, EnvResourceName, EnvVirtualNodeName}
	for _, s := range envSettings {
		out = append(out, s.name)
	}
	out = append(out, envOtherKnown...)
	sort.Strings(out)
	return out
}

var envKnownSet = func() map[string]bool {
	m := map[string]bool{}
	for _, n := range KnownEnvVars() {
		m[n] = true
	}
	return m
}()

// get returns the value of s in c as Env writes it, and whether it is set.
func (s *envSetting) get(c *ContainerConfig) (string, bool) {
	switch p := s.field(c).(type) {
	case **string:
		if *p != nil {
			return **p, true
		}
	case **LogLevel:
		if *p != nil {
			return string(**p), true
		}
	case **int:
		if *p != nil {
			return strconv.Itoa(**p), true
		}
	case **bool:
		if *p != nil {
			if **p {
				return "1", true
			}
			return "0", true
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
		panic("appmeshenvoy: bad envSetting field type for " + s.name)
	}
	return "", false
}

// set parses raw (trimmed, non-empty) into s's field of c the way the agent parses it.
// It returns a message when the agent would reject the value.
func (s *envSetting) set(c *ContainerConfig, raw string) string {
	switch p := s.field(c).(type) {
	case **string:
		*p = &raw
	case **LogLevel:
		l := LogLevel(raw)
		*p = &l
	case **int:
		n, err := strconv.Atoi(raw)
		if err != nil {
			return quote.Input(raw) + " is not an integer: the agent fails to start"
		}
		*p = &n
	case **bool:
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return quote.Input(raw) + " is not a boolean (use 1 or 0, true or false): the agent fails to start"
		}
		*p = &b
	case **float64:
		f, err := strconv.ParseFloat(raw, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return quote.Input(raw) + " is not a number in [0,1]"
		}
		*p = &f
	case **time.Duration:
		d, err := time.ParseDuration(raw)
		if err != nil {
			return quote.Input(raw) + " is not a Go duration such as 10s or 5000ms"
		}
		*p = &d
	}
	return ""
}

// clear unsets s's field in c.
func (s *envSetting) clear(c *ContainerConfig) {
	switch p := s.field(c).(type) {
	case **string:
		*p = nil
	case **LogLevel:
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

// ErrNotEnvironment is matched by the errors of [ParseEnv], [ParseEnvFile] and
// [SplitEnvLines]: input that is not a list of NAME=value variables.
var ErrNotEnvironment = errors.New("not an environment")

// EnvSyntaxError describes an entry or line that is not NAME=value. It matches
// [ErrNotEnvironment].
type EnvSyntaxError struct {
	// Line is the 1-based line number in a file ([SplitEnvLines], [ParseEnvFile]), or 0.
	Line int
	// Entry is the 1-based index in the environ slice ([ParseEnv]), or 0.
	Entry int
	// Reason says what is wrong.
	Reason string
}

// Error implements error.
func (e *EnvSyntaxError) Error() string {
	where := "entry " + strconv.Itoa(e.Entry)
	if e.Line > 0 {
		where = "line " + strconv.Itoa(e.Line)
	}
	return "environment " + where + ": " + e.Reason
}

// Is reports whether target is [ErrNotEnvironment].
func (e *EnvSyntaxError) Is(target error) bool { return target == ErrNotEnvironment }

// ParseEnv reads an environment in os.Environ form (each entry NAME=value, the value
// taken verbatim up to the end of the entry) and returns the configuration it describes
// and lint findings, sorted by variable, then severity.
//
// Values are trimmed and an empty value counts as unset, as the agent does. The identity
// is the first non-empty of APPMESH_RESOURCE_ARN, APPMESH_RESOURCE_NAME and
// APPMESH_VIRTUAL_NODE_NAME. A variable set twice is reported and the last value wins
// (as with docker --env-file). Values equal to the image's default are reported and left
// unset. Variables the agent reads that have no field, and unknown APPMESH_*, ENVOY_* and
// APPNET_* names, go to Extra; other names (PATH, HOME) are ignored, unless they are one
// typo away from a known variable.
//
// The error is only for input that is not an environment ([*EnvSyntaxError]): an entry
// without "=", an empty name, or a NUL byte. Names the agent cannot read because they
// are not letters, digits and _ (bash's exported functions, BASH_FUNC_f%%) are skipped,
// with a warning when they look like an agent variable, and so are the "=C:=C:\dir"
// entries of a Windows environment. Values the agent would reject are
// findings of [SeverityError]. ParseEnv(c.Env()) gives back c when c has no explicit
// default values.
func ParseEnv(environ []string) (ContainerConfig, []Finding, error) {
	return parseEnv(environ, nil)
}

// ParseEnvFor is [ParseEnv] for a given image version: the returned configuration has
// ImageVersion set, and findings include variables and values that image does not
// support (e.g. ENVOY_CONCURRENCY before v1.24.0.0, ENVOY_LOG_LEVEL=off before v1.29.4.0).
// An image older than v1.15.0.0 does not read APPMESH_RESOURCE_ARN: when a legacy
// identity variable is set too, the configuration's identity is the legacy one, as that
// image sees it.
func ParseEnvFor(environ []string, image appmeshenvoy.Version) (ContainerConfig, []Finding, error) {
	return parseEnv(environ, &image)
}

// ParseEnvFile reads a dotenv file (see [SplitEnvLines]) of at most 1 MiB and parses it
// with [ParseEnv].
func ParseEnvFile(r io.Reader) (ContainerConfig, []Finding, error) {
	const limit = 1 << 20
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return ContainerConfig{}, nil, fmt.Errorf("read environment file: %w", err)
	}
	if len(b) > limit {
		return ContainerConfig{}, nil, fmt.Errorf("%w: environment file larger than 1 MiB", ErrNotEnvironment)
	}
	environ, err := SplitEnvLines(b)
	if err != nil {
		return ContainerConfig{}, nil, err
	}
	return ParseEnv(environ)
}

func parseEnv(environ []string, image *appmeshenvoy.Version) (ContainerConfig, []Finding, error) {
	values := map[string]string{}
	counts := map[string]int{}
	var order, invalidNames []string
	for i, e := range environ {
		if strings.IndexByte(e, 0) >= 0 {
			return ContainerConfig{}, nil, &EnvSyntaxError{Entry: i + 1, Reason: "contains a NUL byte"}
		}
		name, value, ok := strings.Cut(e, "=")
		if !ok {
			return ContainerConfig{}, nil, &EnvSyntaxError{Entry: i + 1, Reason: "no \"=\" between name and value"}
		}
		if name == "" {
			if strings.Contains(value, "=") {
				// Windows keeps per-drive directories as "=C:=C:\dir" in os.Environ.
				continue
			}
			return ContainerConfig{}, nil, &EnvSyntaxError{Entry: i + 1, Reason: "empty variable name"}
		}
		if !ccEnvNameRe().MatchString(name) {
			// Real environments hold such names (bash's exported functions, BASH_FUNC_f%%;
			// names with '.' or '-'); the agent cannot read them.
			invalidNames = append(invalidNames, name)
			continue
		}
		if counts[name] == 0 {
			order = append(order, name)
		}
		counts[name]++
		values[name] = strings.TrimSpace(value)
	}

	var c ContainerConfig
	c.ImageVersion = image
	var out []Finding
	add := func(sev Severity, kind FindingKind, variable, format string, args ...any) {
		out = append(out, Finding{Severity: sev, Kind: kind, Variable: variable, Message: fmt.Sprintf(format, args...)})
	}
	for _, name := range order {
		if counts[name] > 1 {
			add(SeverityWarning, FindingDuplicate, name, "set %d times; the last value wins", counts[name])
		}
	}
	for _, name := range invalidNames {
		sug := envSuggest(name, 3)
		if sug == "" && !ccAgentPrefix(strings.NewReplacer("-", "_", ".", "_").Replace(name)) {
			continue
		}
		msg := "not a valid variable name (letters, digits and _), so the agent cannot read it"
		if sug != "" {
			msg += "; did you mean " + sug + "?"
		}
		add(SeverityWarning, FindingUnknown, name, "%s", msg)
	}

	// Identity: the first non-empty wins. An image older than v1.15.0.0 does not read
	// APPMESH_RESOURCE_ARN, so for it a legacy variable carries the identity if one is set.
	identityVars := []string{EnvResourceARN, EnvResourceName, EnvVirtualNodeName}
	if image != nil && !image.AtLeast(ccResourceARNSince) && values[EnvResourceARN] != "" &&
		(values[EnvResourceName] != "" || values[EnvVirtualNodeName] != "") {
		identityVars = identityVars[1:]
		add(SeverityInfo, FindingVersion, EnvResourceARN, "image %s does not read it (needs %s or newer); the legacy variable carries the identity", image, ccResourceARNSince)
	}
	for _, name := range identityVars {
		v := values[name]
		if v == "" {
			continue
		}
		if c.Resource != "" {
			if v == c.Resource {
				add(SeverityInfo, FindingDead, name, "same value as %s, which wins; needed only for images that do not read %s", c.resourceVariable(), c.resourceVariable())
			} else {
				add(SeverityWarning, FindingDead, name, "ignored: %s is set and wins, and names another resource (%s, not %s)", c.resourceVariable(), quote.Input(c.Resource), quote.Input(v))
			}
			continue
		}
		c.Resource = v
		if name != EnvResourceARN {
			c.ResourceVariable = name
			add(SeverityInfo, FindingLegacy, name, "legacy identity variable; images from v1.15.0.0 read %s, which also takes ARNs and virtual gateways", EnvResourceARN)
		}
	}

	for _, name := range order {
		v := values[name]
		switch name {
		case EnvResourceARN, EnvResourceName, EnvVirtualNodeName:
			if v == "" {
				add(SeverityInfo, FindingDefault, name, "empty: the agent treats it as unset")
			}
			continue
		}
		s := envSettingIndex[name]
		isKnown := s != nil || envKnownSet[name]
		if v == "" {
			if isKnown || envLegacy[name] != "" {
				add(SeverityInfo, FindingDefault, name, "empty: the agent treats it as unset")
			}
			continue
		}
		if s != nil {
			if msg := s.set(&c, v); msg != "" {
				add(SeverityError, FindingInvalid, name, "%s", msg)
				continue
			}
			if got, _ := s.get(&c); s.def != "" && got == s.def {
				add(SeverityInfo, FindingDefault, name, "%s is the image's default; the variable can be removed", quote.Input(v))
				s.clear(&c)
			}
			continue
		}
		switch {
		case envKnownSet[name]:
			ccSetExtra(&c, name, v)
		case envLegacy[name] != "":
			ccSetExtra(&c, name, v)
			add(SeverityWarning, FindingLegacy, name, "%s", envLegacy[name])
		case ccAgentPrefix(name):
			ccSetExtra(&c, name, v)
			msg := "not a variable the agent reads"
			if sug := envSuggest(name, 3); sug != "" {
				msg += "; did you mean " + sug + "?"
			}
			add(SeverityWarning, FindingUnknown, name, "%s", msg)
		default:
			if sug := envSuggest(name, 2); sug != "" {
				add(SeverityInfo, FindingUnknown, name, "not a variable the agent reads; did you mean %s?", sug)
			}
		}
	}
	out = append(out, c.Lint()...)
	sortFindings(out)
	return c, out, nil
}

func ccSetExtra(c *ContainerConfig, name, v string) {
	if c.Extra == nil {
		c.Extra = map[string]string{}
	}
	c.Extra[name] = v
}

func ccAgentPrefix(name string) bool {
	for _, p := range []string{"APPMESH_", "ENVOY_", "APPNET_"} {
		if strings.HasPrefix(strings.ToUpper(name), p) {
			return true
		}
	}
	return false
}

// envSuggest returns the known variable closest to name (case-insensitively) when it is
// at most maxDist edits away, else "".
func envSuggest(name string, maxDist int) string {
	if len(name) > 64 || len(name) < 4 {
		return ""
	}
	up := strings.ToUpper(name)
	best, bestDist := "", maxDist+1
	for _, k := range KnownEnvVars() {
		if d := editdist.Distance(up, k, bestDist); d < bestDist {
			best, bestDist = k, d
		}
	}
	return best
}

// SplitEnvLines splits a dotenv file into NAME=value entries for [ParseEnv]. It accepts
// blank lines, comment lines starting with #, an optional "export " prefix, spaces
// around "=", CRLF line ends and a leading UTF-8 byte order mark. Values may be
// unquoted (an inline comment starts at " #"), single-quoted (taken literally) or
// double-quoted (with the escapes \n \r \t \" \\ and \$). A NUL byte, a line without
// "=", an invalid name or a broken quote is an [*EnvSyntaxError] naming the line.
func SplitEnvLines(b []byte) ([]string, error) {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	var out []string
	for i, raw := range strings.Split(string(b), "\n") {
		n := i + 1
		line := strings.TrimSuffix(raw, "\r")
		if strings.IndexByte(line, 0) >= 0 {
			return nil, &EnvSyntaxError{Line: n, Reason: "contains a NUL byte"}
		}
		line = strings.TrimLeft(line, " \t")
		if line == "" || line[0] == '#' {
			continue
		}
		if rest, ok := strings.CutPrefix(line, "export"); ok && rest != "" && (rest[0] == ' ' || rest[0] == '\t') {
			line = strings.TrimLeft(rest, " \t")
		}
		name, value, ok := strings.Cut(line, "=")
		if !ok {
			return nil, &EnvSyntaxError{Line: n, Reason: "no \"=\" between name and value"}
		}
		name = strings.TrimRight(name, " \t")
		if !ccEnvNameRe().MatchString(name) {
			return nil, &EnvSyntaxError{Line: n, Reason: "invalid variable name " + quote.Input(name) + " (letters, digits and _, not starting with a digit)"}
		}
		v, err := dotenvValue(strings.TrimLeft(value, " \t"))
		if err != "" {
			return nil, &EnvSyntaxError{Line: n, Reason: err}
		}
		out = append(out, name+"="+v)
	}
	return out, nil
}

// dotenvValue decodes the value part of a dotenv line.
func dotenvValue(s string) (string, string) {
	if s == "" {
		return "", ""
	}
	var v, rest string
	switch s[0] {
	case '\'':
		end := strings.IndexByte(s[1:], '\'')
		if end < 0 {
			return "", "unterminated single quote"
		}
		v, rest = s[1:1+end], s[2+end:]
	case '"':
		var b strings.Builder
		i := 1
		closed := false
		for i < len(s) {
			ch := s[i]
			if ch == '"' {
				closed = true
				i++
				break
			}
			if ch == '\\' && i+1 < len(s) {
				switch s[i+1] {
				case 'n':
					b.WriteByte('\n')
				case 'r':
					b.WriteByte('\r')
				case 't':
					b.WriteByte('\t')
				case '"', '\\', '$':
					b.WriteByte(s[i+1])
				default:
					b.WriteByte('\\')
					b.WriteByte(s[i+1])
				}
				i += 2
				continue
			}
			b.WriteByte(ch)
			i++
		}
		if !closed {
			return "", "unterminated double quote"
		}
		v, rest = b.String(), s[i:]
	default:
		for i := 0; i < len(s); i++ {
			if s[i] == '#' && i > 0 && (s[i-1] == ' ' || s[i-1] == '\t') {
				return strings.TrimRight(s[:i], " \t"), ""
			}
		}
		return strings.TrimRight(s, " \t"), ""
	}
	rest = strings.TrimLeft(rest, " \t")
	if rest != "" && rest[0] != '#' {
		return "", "text after the closing quote (start a comment with #)"
	}
	return v, ""
}
