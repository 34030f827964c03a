package sidecar

import (
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/editdist"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/quote"
)

// Severity ranks a [Finding]. The three severities are the three verdicts on a value.
type Severity int

// Severities, from least to most serious.
const (
	// SeverityInfo: accepted. The finding is advice: a default that can go, a legacy
	// spelling, a setting that has no effect.
	SeverityInfo Severity = iota
	// SeverityWarning: Envoy starts, but not as written: the agent silently replaces the
	// value (Finding.EffectiveValue names the one it uses), ignores it, or reads it in a
	// way that is almost certainly not what was meant.
	SeverityWarning
	// SeverityError: Envoy will not start: the agent stops, or Envoy refuses the
	// bootstrap it is given. For a malformed setting of a feature that is off (a tracer,
	// DogStatsD), that happens as soon as the feature is turned on; the message says so.
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

// UnmarshalText reads the String form.
func (s *Severity) UnmarshalText(b []byte) error {
	for _, v := range []Severity{SeverityInfo, SeverityWarning, SeverityError} {
		if string(b) == v.String() {
			*s = v
			return nil
		}
	}
	return fmt.Errorf("severity %s is not info, warning or error", quote.Input(string(b)))
}

// FindingKind classifies a [Finding]. Kinds are stable strings.
type FindingKind string

// Finding kinds.
const (
	// FindingInvalid: a value that stops the agent (error), that would stop it but
	// another variable overrides it, or that the agent takes but that cannot work
	// (warning).
	FindingInvalid FindingKind = "invalid"
	// FindingMissing: a required variable (the identity) is not set.
	FindingMissing FindingKind = "missing"
	// FindingConflict: variables that clash (two tracers, two servers on one port).
	FindingConflict FindingKind = "conflict"
	// FindingReset: a value the agent silently replaces; EffectiveValue is the one it
	// uses.
	FindingReset FindingKind = "reset"
	// FindingVersion: a variable or value the target image does not read, or (info, no
	// variable) version rules that were not checked because the image is unknown.
	FindingVersion FindingKind = "version"
	// FindingDead: a variable another one makes ineffective.
	FindingDead FindingKind = "dead"
	// FindingLegacy: a variable that is no longer read, or a legacy spelling.
	FindingLegacy FindingKind = "legacy"
	// FindingUnknown: a name the agent does not read, often a typo.
	FindingUnknown FindingKind = "unknown"
	// FindingDuplicate: a variable set more than once (the last value wins).
	FindingDuplicate FindingKind = "duplicate"
	// FindingDefault: a value equal to the image's default, or empty, so it can go.
	FindingDefault FindingKind = "default"
	// FindingServiceConnect: an ECS Service Connect setting, which the agent reads but
	// App Mesh does not use.
	FindingServiceConnect FindingKind = "service-connect"
)

// Finding is one lint result about an Envoy container environment.
type Finding struct {
	// Severity is the verdict: error (Envoy will not start), warning (not as written),
	// info (accepted; advice).
	Severity Severity `json:"severity"`
	// Kind classifies it.
	Kind FindingKind `json:"kind"`
	// Variable is the environment variable it is about; empty only for the note that
	// version rules were not checked.
	Variable string `json:"variable"`
	// Message says what the agent does with the value and what to do.
	Message string `json:"message"`
	// EffectiveValue, for a replaced value (Kind reset, and version findings where an
	// old image replaces a value), is the value the agent uses instead, in the
	// variable's own syntax; empty otherwise.
	EffectiveValue string `json:"effectiveValue,omitempty"`
}

// String returns "severity: VARIABLE: message".
func (f Finding) String() string {
	if f.Variable == "" {
		return f.Severity.String() + ": " + f.Message
	}
	return f.Severity.String() + ": " + f.Variable + ": " + f.Message
}

// problem reports whether a builder must refuse the value: Envoy would not start, or
// the agent would not read it as written.
func (f Finding) problem() bool {
	if f.Severity == SeverityError {
		return true
	}
	return f.Severity == SeverityWarning && (f.Kind == FindingInvalid || f.Kind == FindingReset || f.Kind == FindingVersion)
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

// Paths and ports the agent uses (agent/config/agent_config.go) and the ECS proxy
// configuration uses.
const (
	envoyAdminSocket = "/tmp/envoy_admin.sock"
)

// state is what the agent makes of an environment before it reads any one variable:
// the modes, switches and files that decide which other variables it reads.
type state struct {
	env   map[string]string
	image *appmeshenvoy.Version

	configFile  bool // ENVOY_CONFIG_FILE: no bootstrap is generated
	adminUDS    bool // ENVOY_ADMIN_MODE=uds
	agentUDS    bool // APPNET_AGENT_ADMIN_MODE=uds
	tracingFile bool // ENVOY_TRACING_CFG_FILE
	xray        bool
	datadog     bool
	jaeger      bool
	dogStatsD   bool
	sinksFile   bool // ENVOY_STATS_SINKS_CFG_FILE
	xdsSet      bool // APPMESH_XDS_ENDPOINT (trimmed)
	xdsUnix     bool // APPMESH_XDS_ENDPOINT starts with unix:// (untrimmed, as the agent checks)
	taskSet     bool // the identity is a Service Connect task set
}

func newState(env map[string]string, image *appmeshenvoy.Version) *state {
	s := &state{env: env, image: image}
	s.configFile = env["ENVOY_CONFIG_FILE"] != ""
	s.adminUDS = strings.ToLower(env["ENVOY_ADMIN_MODE"]) == string(AdminModeUDS)
	s.agentUDS = strings.ToLower(env["APPNET_AGENT_ADMIN_MODE"]) == string(AdminModeUDS)
	s.tracingFile = s.bootSet("ENVOY_TRACING_CFG_FILE")
	if !s.tracingFile {
		s.xray = s.bootTrue("ENABLE_ENVOY_XRAY_TRACING")
		s.datadog = s.bootTrue("ENABLE_ENVOY_DATADOG_TRACING")
		s.jaeger = s.bootTrue("ENABLE_ENVOY_JAEGER_TRACING")
	}
	s.dogStatsD = s.bootTrue("ENABLE_ENVOY_DOG_STATSD")
	s.sinksFile = s.bootSet("ENVOY_STATS_SINKS_CFG_FILE")
	s.xdsSet = s.bootSet("APPMESH_XDS_ENDPOINT")
	s.xdsUnix = strings.HasPrefix(env["APPMESH_XDS_ENDPOINT"], "unix://")
	_, id := chooseIdentity(env, image)
	s.taskSet = strings.Contains(id, ":task-set/")
	return s
}

// boot returns the value as the bootstrap generator reads it (trimmed) and whether it
// is set (not empty after trimming).
func (s *state) boot(name string) (string, bool) {
	v := strings.TrimSpace(s.env[name])
	return v, v != ""
}

func (s *state) bootSet(name string) bool {
	_, ok := s.boot(name)
	return ok
}

// bootTrue reports whether the bootstrap reads name as true.
func (s *state) bootTrue(name string) bool {
	v, ok := s.boot(name)
	if !ok {
		return false
	}
	b, err := strconv.ParseBool(v)
	return err == nil && b
}

func (s *state) tracerOff(on bool, name string) string {
	switch {
	case s.tracingFile:
		return "ENVOY_TRACING_CFG_FILE replaces the built-in tracers"
	case !on:
		return featureOff(name)
	}
	return ""
}

// chooseIdentity returns the identity variable the agent reads and its trimmed value:
// the first set of APPMESH_RESOURCE_ARN (skipped by images older than v1.15.0.0),
// APPMESH_RESOURCE_NAME and APPMESH_VIRTUAL_NODE_NAME.
func chooseIdentity(env map[string]string, image *appmeshenvoy.Version) (string, string) {
	for _, name := range []string{EnvResourceARN, EnvResourceName, EnvVirtualNodeName} {
		if name == EnvResourceARN && image != nil && !image.AtLeast(sinceResourceARN) {
			continue
		}
		if v := strings.TrimSpace(env[name]); v != "" {
			return name, v
		}
	}
	return "", ""
}

// namesMode says how the linter treats names it does not know.
type namesMode int

const (
	// namesEnviron: a real environment (os.Environ, a dotenv file): names outside the
	// agent's prefixes (PATH, HOME) are someone else's, reported only when they look like
	// a typo of a known name.
	namesEnviron namesMode = iota
	// namesConfig: a configuration's Extra: every name was set on purpose.
	namesConfig
)

// linter checks one environment the way the agent reads it.
type linter struct {
	*state
	names         namesMode
	listenerPorts []int
	out           []Finding
	// unchecked are version rules that apply when the image version is unknown.
	unchecked []string
}

func newLinter(env map[string]string, image *appmeshenvoy.Version, names namesMode) *linter {
	return &linter{state: newState(env, image), names: names}
}

func (l *linter) add(f Finding) { l.out = append(l.out, f) }

func (l *linter) addf(sev Severity, kind FindingKind, variable, format string, args ...any) {
	l.add(Finding{Severity: sev, Kind: kind, Variable: variable, Message: fmt.Sprintf(format, args...)})
}

// run checks every variable and the rules across them, and returns the findings,
// sorted.
func (l *linter) run() []Finding {
	l.identity()
	names := make([]string, 0, len(l.env))
	for name := range l.env {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		l.variable(name)
	}
	l.tracers()
	l.overridden()
	l.ports()
	l.versionNote()
	sortFindings(l.out)
	return l.out
}

// variable checks one variable other than the identity.
func (l *linter) variable(name string) {
	switch name {
	case EnvResourceARN, EnvResourceName, EnvVirtualNodeName:
		return
	}
	if v := lookupVariable(name); v != nil {
		l.check(v, l.env[name])
		return
	}
	l.unknown(name)
}

// unknown reports a name the agent does not read.
func (l *linter) unknown(name string) {
	if l.names == namesConfig || agentPrefix(name) {
		msg := "not a variable the agent reads"
		if l.names == namesConfig {
			msg += "; it is passed to the container as it is"
		}
		if sug := suggest(name, 3); sug != "" {
			msg += "; did you mean " + sug + "?"
		}
		l.addf(SeverityWarning, FindingUnknown, name, "%s", msg)
		return
	}
	if sug := suggest(name, 2); sug != "" {
		l.addf(SeverityInfo, FindingUnknown, name, "not a variable the agent reads; did you mean %s?", sug)
	}
}

// agentPrefix reports whether name looks like a variable of the agent.
func agentPrefix(name string) bool {
	up := strings.ToUpper(name)
	for _, p := range []string{"APPMESH_", "ENVOY_", "APPNET_"} {
		if strings.HasPrefix(up, p) {
			return true
		}
	}
	return false
}

// suggest returns the known variable closest to name (case-insensitively) when it is
// at most maxDist edits away, else "".
func suggest(name string, maxDist int) string {
	if len(name) > 64 || len(name) < 4 {
		return ""
	}
	best, _ := editdist.Closest(strings.ToUpper(name), knownNames, maxDist, nil)
	return best
}

// unread returns why the agent does not read v in this environment ("" when it does),
// and whether the reason is the image version.
func (l *linter) unread(v *variable) (string, bool) {
	if l.configFile && (v.reader == readBootstrap || v.reader == readBoth) {
		return "ENVOY_CONFIG_FILE supplies Envoy's bootstrap, so the agent does not generate one", false
	}
	if l.image != nil && !l.image.AtLeast(v.since) {
		return fmt.Sprintf("image %s does not read it (it needs %s or newer)", l.image, v.since), true
	}
	if v.when != nil {
		return v.when(l.state), false
	}
	return "", false
}

// versionNote adds the one finding that lists the version rules that apply but were
// not checked because the image version is unknown.
func (l *linter) versionNote() {
	if l.image != nil || len(l.unchecked) == 0 {
		return
	}
	sort.Strings(l.unchecked)
	l.addf(SeverityInfo, FindingVersion, "", "image version not given, so these were not checked: %s; images older than %s are assumed not to be in use; give the image version to check them",
		strings.Join(l.unchecked, "; "), appmeshenvoy.MinimumSupportedVersion())
}

// gate records that v (or a value of it) needs image since when the image is unknown.
func (l *linter) gate(what string, since appmeshenvoy.Version) {
	if l.image == nil && since.Compare(appmeshenvoy.MinimumSupportedVersion()) > 0 {
		l.unchecked = append(l.unchecked, what+" needs "+since.String()+" or newer")
	}
}

// identity checks the identity variables (getNodeId, getMeshResourceFromNodeId and
// appendStats in agent/envoy_bootstrap/envoy_bootstrap.go).
func (l *linter) identity() {
	if l.configFile {
		for _, name := range []string{EnvResourceARN, EnvResourceName, EnvVirtualNodeName} {
			if _, ok := l.boot(name); ok {
				l.addf(SeverityInfo, FindingDead, name, "has no effect: ENVOY_CONFIG_FILE supplies Envoy's bootstrap, so the agent does not generate one (the node ID is in that file)")
			}
		}
		return
	}
	chosen, value := chooseIdentity(l.env, l.image)
	for _, name := range []string{EnvResourceARN, EnvResourceName, EnvVirtualNodeName} {
		raw, set := l.env[name]
		v := strings.TrimSpace(raw)
		switch {
		case !set || name == chosen:
		case v == "":
			l.addf(SeverityInfo, FindingDefault, name, "empty: the agent treats it as unset")
		case name == EnvResourceARN && chosen != "":
			l.addf(SeverityInfo, FindingVersion, name, "image %s does not read it (it needs %s or newer); the legacy variable %s carries the identity", l.image, sinceResourceARN, chosen)
		case name == EnvResourceARN:
			l.addf(SeverityError, FindingVersion, name, "image %s does not read it (it needs %s or newer), so the agent finds no identity and stops; use %s=mesh/<mesh>/virtualNode/<name> or upgrade the image", l.image, sinceResourceARN, EnvVirtualNodeName)
			return
		case v == value:
			l.addf(SeverityInfo, FindingDead, name, "same value as %s, which wins; needed only for images that do not read %s", chosen, chosen)
		default:
			l.addf(SeverityWarning, FindingDead, name, "ignored: %s is set and wins, and names another resource (%s, not %s)", chosen, quote.Input(value), quote.Input(v))
		}
	}
	if chosen == "" {
		l.addf(SeverityError, FindingMissing, EnvResourceARN, "no identity: the agent stops before starting Envoy; set %s to mesh/<mesh>/virtualNode/<name>, mesh/<mesh>/virtualGateway/<name> or the resource's ARN", EnvResourceARN)
		return
	}
	if chosen != EnvResourceARN {
		l.addf(SeverityInfo, FindingLegacy, chosen, "legacy identity variable, read like %s (images from %s read that one)", EnvResourceARN, sinceResourceARN)
	}
	if l.taskSet {
		l.addf(SeverityWarning, FindingInvalid, chosen, "%s is an ECS Service Connect task set, not an App Mesh virtual node or virtual gateway", quote.Input(value))
		return
	}
	if !l.bootSet("ENVOY_STATS_CONFIG_FILE") && len(strings.Split(value, "/")) < 4 {
		l.addf(SeverityError, FindingInvalid, chosen, "%s is not mesh/<mesh>/virtualNode/<name> or an ARN ending in it: the agent cannot read a mesh and a name from it and stops", quote.Input(value))
		return
	}
	r, why := parseResource(value)
	if why != "" {
		l.addf(SeverityWarning, FindingInvalid, chosen, "the agent starts Envoy with %s, but App Mesh will not recognize it as a virtual node or gateway: %s", quote.Input(value), why)
		return
	}
	if r.Service == ServiceAppMeshPreview && !l.bootTrue("APPMESH_PREVIEW") && !l.xdsSet {
		l.addf(SeverityWarning, FindingConflict, chosen, "an appmesh-preview ARN, but APPMESH_PREVIEW is not on, so the proxy asks the production endpoint, which does not know the resource; set APPMESH_PREVIEW=1")
	}
	if region, ok := l.boot("AWS_REGION"); ok && r.Region != "" && region != r.Region && !l.xdsSet {
		l.addf(SeverityWarning, FindingConflict, chosen, "the resource is in %s, but AWS_REGION is %s, so the proxy asks that region's endpoint, which does not know the resource", r.Region, quote.Input(region))
	}
}

// tracers reports more than one built-in tracer (appendTracing: "Only a single envoy
// trace driver can be configured"), once.
func (l *linter) tracers() {
	if l.configFile || l.tracingFile {
		return
	}
	var on []string
	for _, t := range []struct {
		name string
		on   bool
	}{{"ENABLE_ENVOY_XRAY_TRACING", l.xray}, {"ENABLE_ENVOY_DATADOG_TRACING", l.datadog}, {"ENABLE_ENVOY_JAEGER_TRACING", l.jaeger}} {
		if t.on {
			on = append(on, t.name)
		}
	}
	if len(on) < 2 {
		return
	}
	all := "both"
	if len(on) > 2 {
		all = "all"
	}
	l.addf(SeverityError, FindingConflict, on[len(on)-1], "%s are %s on, but the agent allows one built-in tracer and stops otherwise; turn all but one off", strings.Join(on, " and "), all)
}

// overridden reports settings that the agent parses but another setting overrides.
func (l *linter) overridden() {
	if l.configFile {
		return
	}
	if a, ok := l.boot("AWS_XRAY_DAEMON_ADDRESS"); ok && l.xray && l.bootSet("XRAY_DAEMON_PORT") {
		if _, _, withPort, why := xrayAddressPort(a); why == "" && withPort {
			l.addf(SeverityInfo, FindingDead, "XRAY_DAEMON_PORT", "has no effect: the port in AWS_XRAY_DAEMON_ADDRESS wins")
		}
	}
	if l.dogStatsD && l.sinksFile {
		l.addf(SeverityWarning, FindingDead, "ENABLE_ENVOY_DOG_STATSD", "has no effect: ENVOY_STATS_SINKS_CFG_FILE overrides every DogStatsD variable")
	}
}

// ports reports ports that two servers would bind: Envoy's admin interface, the
// agent's HTTP server, the ECS proxy's ingress and egress ports and the listener ports.
func (l *linter) ports() {
	for _, p := range l.listenerPorts {
		if p < 1 || p > 65535 {
			l.addf(SeverityError, FindingInvalid, "ListenerPorts", "listener port %d is outside 1–65535", p)
		}
	}
	if l.configFile || l.adminUDS {
		return
	}
	admin := DefaultAdminPort
	adminVar := "ENVOY_ADMIN_ACCESS_PORT"
	if s, ok := l.boot(adminVar); ok {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 65535 {
			return // reported by the variable's own rule
		}
		admin = n
	}
	if !l.agentUDS {
		agent, agentSet := DefaultAgentHTTPPort, false
		if raw, ok := l.env["APPNET_AGENT_HTTP_PORT"]; ok && raw != "" {
			if n, err := strconv.Atoi(raw); err == nil && n >= 1024 && n <= 65535 {
				agent, agentSet = n, true
			}
		}
		if admin == agent {
			if agentSet && !l.bootSet(adminVar) {
				l.addf(SeverityError, FindingConflict, "APPNET_AGENT_HTTP_PORT", "port %d is also Envoy's admin port: Envoy or the agent cannot bind it; pick another", agent)
			} else {
				l.addf(SeverityError, FindingConflict, adminVar, "port %d is also the agent's HTTP port (APPNET_AGENT_HTTP_PORT): Envoy or the agent cannot bind it; pick another", admin)
			}
		}
	}
	for _, p := range uniqueInts(append([]int{DefaultProxyIngressPort, DefaultProxyEgressPort}, l.listenerPorts...)) {
		if admin != p {
			continue
		}
		if l.bootSet(adminVar) {
			l.addf(SeverityError, FindingConflict, adminVar, "port %d is also a listener or proxy port: Envoy cannot bind both; pick another", admin)
		} else {
			l.addf(SeverityError, FindingConflict, adminVar, "the default admin port %d is also a listener port; set %s to another port", admin, adminVar)
		}
	}
}

func uniqueInts(in []int) []int {
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

// hasPort reports whether the agent reads an X-Ray daemon address as address:port: its
// pattern (?:(?:.+)|(?:::.+)):([0-9]{1,5}) finds a colon after the first character
// followed by a digit (getXRayAddressAndPort).
func hasPort(s string) bool {
	for i := 1; i+1 < len(s); i++ {
		if s[i] == ':' && s[i+1] >= '0' && s[i+1] <= '9' {
			return true
		}
	}
	return false
}

// xrayAddressPort splits an X-Ray daemon address as the agent does; why is "" when the
// agent accepts it.
func xrayAddressPort(s string) (host string, port int, hasP bool, why string) {
	host = s
	if hasPort(s) {
		h, p, err := net.SplitHostPort(s)
		if err != nil {
			return "", 0, true, "cannot be split into address and port (a bare IPv6 address such as ::1 is misread as address:port; write [::1]:2000)"
		}
		n, err := strconv.ParseInt(p, 10, 64)
		if err != nil {
			return "", 0, true, "has a port that is not a number"
		}
		host, port, hasP = h, int(n), true
	}
	if net.ParseIP(host) == nil {
		return "", 0, hasP, "is not an IP address: the X-Ray extension needs a static IP, not a host name"
	}
	return host, port, hasP, ""
}
