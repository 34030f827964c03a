package sidecar

import (
	"fmt"
	"math"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/appmesh-envoy/appmesh-envoy-go/internal/quote"
)

// This file holds the rule of each valueKind: how the agent's parser for the variable
// reads a value, and what it does with one that does not fit. Each rule returns an
// outcome; report turns it into findings, taking into account whether the agent reads
// the variable at all in this environment.

// outcome is the verdict of one variable's own rule on one value.
type outcome struct {
	// fatal says why the bootstrap generator (or Envoy) refuses the value; the agent
	// then stops before Envoy starts.
	fatal string
	// replaced says what the agent does instead of using the value; effective is the
	// value it uses.
	replaced  string
	effective string
	// byVersion marks a replacement that only an old image makes.
	byVersion bool
	// invalid says why a value the agent takes cannot work as meant.
	invalid string
	// value is the accepted value in the form Env writes it, to compare with the
	// default; "" when it must not be compared.
	value string
	// gate is a value-level version rule that applies ("ENVOY_LOG_LEVEL=off").
	gate string
	// extra are findings beyond the verdict (the two parsers disagreeing).
	extra []Finding
}

// check checks one variable's value with its rule.
func (l *linter) check(v *variable, raw string) {
	switch v.reader {
	case readServiceConnect:
		l.serviceConnect(v, raw)
		return
	case readLegacy:
		l.legacy(v, raw)
		return
	}
	if raw == "" || (v.reader != readAgent && strings.TrimSpace(raw) == "") {
		l.addf(SeverityInfo, FindingDefault, v.name, "empty: the agent treats it as unset")
		return
	}
	if v.name == "ENVOY_ADMIN_ACCESS_PORT" && l.configFile {
		l.adminPortWithConfigFile(raw)
		return
	}
	o := l.rule(v, raw)
	why, byVersion := l.unread(v)
	shown := raw
	if v.reader != readAgent {
		shown = strings.TrimSpace(raw)
	}
	l.report(v, shown, o, why, byVersion)
}

// report turns the outcome of v's rule into findings.
// shown is the value as the variable's parser sees it.
func (l *linter) report(v *variable, shown string, o outcome, why string, byVersion bool) {
	name := v.name
	isDefault := o.value != "" && o.value == v.def && l.removable(v)
	if o.fatal != "" {
		switch {
		case why == "":
			l.addf(SeverityError, FindingInvalid, name, "%s: the agent stops before starting Envoy", o.fatal)
		case isFeatureOff(why) && !byVersion:
			// A setting of a feature that is off: Envoy does not start once it is on.
			l.addf(SeverityError, FindingInvalid, name, "%s: the agent stops before starting Envoy as soon as it reads the variable (now it does not: %s)", o.fatal, why)
		default:
			l.addf(SeverityWarning, FindingInvalid, name, "%s; harmless for now (%s), but the agent stops once it reads the variable", o.fatal, why)
		}
		return
	}
	if why != "" {
		switch {
		case byVersion && !isDefault && o.replaced == "":
			l.addf(SeverityWarning, FindingVersion, name, "%s; upgrade the image or remove the variable", why)
		case v.kind == kBool && o.value == "1":
			l.addf(SeverityWarning, FindingDead, name, "turned on, but has no effect: %s", why)
		default:
			l.addf(SeverityInfo, FindingDead, name, "has no effect: %s", why)
		}
		return
	}
	switch {
	case o.replaced != "":
		kind := FindingReset
		if o.byVersion {
			kind = FindingVersion
		}
		l.add(Finding{Severity: SeverityWarning, Kind: kind, Variable: name, Message: o.replaced, EffectiveValue: o.effective})
	case o.invalid != "":
		l.addf(SeverityWarning, FindingInvalid, name, "%s", o.invalid)
	case isDefault:
		l.addf(SeverityInfo, FindingDefault, name, "%s is the image's default; the variable can be removed", quote.Input(shown))
	default:
		if o.value != v.def {
			l.gate(name, v.since)
		}
		if o.gate != "" {
			l.gate(o.gate, sinceLogLevels)
		}
	}
	l.out = append(l.out, o.extra...)
}

// removable reports whether a value equal to v's default can go without changing what
// the agent does.
func (l *linter) removable(v *variable) bool {
	if v.alwaysWrite {
		return false
	}
	if v.kind == kHealthPoll {
		// Without HC_POLL_INTERVAL_MS the readiness interval would take over.
		_, ok := l.env["APPNET_AGENT_POLL_ENVOY_READINESS_INTERVAL_S"]
		return !ok
	}
	return true
}

// rule applies v's rule to raw (set, and not blank for the bootstrap).
func (l *linter) rule(v *variable, raw string) outcome {
	s := raw
	if v.reader == readBootstrap || v.reader == readBoth {
		s = strings.TrimSpace(raw)
	}
	switch v.kind {
	case kString:
		return l.stringRule(v, raw, s)
	case kBool:
		return l.boolRule(v, raw, s)
	case kInt:
		return l.intRule(v, raw, s)
	case kPort:
		return l.portRule(v, raw, s)
	case kPositive:
		return l.positiveRule(v, raw, s)
	case kDuration:
		return durationRule(v, s)
	case kRate:
		return rateRule(s)
	case kFloat:
		return floatRule(v, raw)
	case kLogLevel:
		return l.logLevelRule(raw)
	case kMode:
		return modeRule(raw)
	case kXRayAddress:
		_, port, withPort, why := xrayAddressPort(s)
		switch {
		case why != "":
			return outcome{fatal: quote.Input(s) + " " + why}
		case withPort && (port < 0 || port > 65535):
			return outcome{fatal: fmt.Sprintf("port %d of %s is outside 0–65535, so Envoy refuses the bootstrap", port, quote.Input(s))}
		case withPort && port == 0:
			return outcome{value: s, invalid: "port 0 is not a port anything can be reached on; use 1–65535"}
		}
		return outcome{value: s}
	case kIP:
		if net.ParseIP(s) == nil {
			return outcome{fatal: quote.Input(s) + " is not an IP address: Envoy takes only an IP for the DogStatsD sink (use STATSD_SOCKET_PATH for a socket) and refuses the bootstrap"}
		}
		return outcome{value: s}
	case kMetricLevel:
		if s != "1" && s != "0" {
			return outcome{replaced: quote.Input(s) + " leaves the metric extension off: only 1 turns it on", effective: "0"}
		}
		return outcome{value: s}
	case kJaegerVersion:
		return jaegerVersionRule(s)
	case kTimer:
		return timerRule(v, raw)
	case kRestartCount:
		return restartCountRule(v, raw)
	case kAgentPort:
		return agentPortRule(v, raw)
	case kHealthPoll:
		return l.healthPollRule(v, raw)
	case kReadinessInterval:
		return l.readinessIntervalRule(v, raw)
	}
	return outcome{value: s}
}

// notTrimmed explains an agent value that would parse without its white space.
func notTrimmed(raw string) string {
	if raw != strings.TrimSpace(raw) {
		return " (the agent does not trim white space)"
	}
	return ""
}

func (l *linter) stringRule(v *variable, raw, s string) outcome {
	switch v.reader {
	case readAgent:
		if raw != strings.TrimSpace(raw) {
			return outcome{invalid: quote.Input(raw) + " has leading or trailing white space, which the agent keeps (it does not trim); remove it"}
		}
	case readBoth:
		// APPMESH_XDS_ENDPOINT: the agent recognizes a unix:// relay socket on the
		// untrimmed value, the bootstrap uses the trimmed one.
		if strings.HasPrefix(s, "unix://") && !strings.HasPrefix(raw, "unix://") {
			return outcome{invalid: quote.Input(raw) + " starts with white space: the bootstrap trims it and sees a unix:// relay socket, but the agent does not trim and treats it as a regional endpoint; remove the white space"}
		}
	}
	return outcome{value: s}
}

// boolWord is a default in Env's form ("1"/"0") as the agent holds it.
func boolWord(def string) string {
	if def == "1" {
		return "true"
	}
	return "false"
}

func boolValue(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

const goBools = "1, t, T, TRUE, true, True, 0, f, F, FALSE, false, False"

func (l *linter) boolRule(v *variable, raw, s string) outcome {
	if v.reader == readAgent {
		b, err := strconv.ParseBool(raw)
		if err != nil {
			hint := ""
			if v.hint != "" {
				hint = ", " + v.hint
			}
			return outcome{
				replaced:  fmt.Sprintf("%s is not a Go boolean (%s)%s: the agent silently keeps the default %s%s", quote.Input(raw), goBools, notTrimmed(raw), boolWord(v.def), hint),
				effective: boolWord(v.def),
			}
		}
		return outcome{value: boolValue(b)}
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		return outcome{fatal: fmt.Sprintf("%s is not a boolean (%s)", quote.Input(s), goBools)}
	}
	o := outcome{value: boolValue(b)}
	if v.reader == readBoth && o.value != v.def {
		if _, err := strconv.ParseBool(raw); err != nil {
			o.extra = append(o.extra, Finding{Severity: SeverityWarning, Kind: FindingReset, Variable: v.name, EffectiveValue: boolWord(v.def),
				Message: fmt.Sprintf("the bootstrap reads %t (it trims white space), but the agent does not trim and keeps its default %s; remove the white space", b, boolWord(v.def))})
		}
	}
	return o
}

func (l *linter) intRule(v *variable, raw, s string) outcome {
	if v.reader == readAgent {
		n, err := strconv.Atoi(raw)
		if err != nil {
			return outcome{replaced: fmt.Sprintf("%s is not an integer%s: the agent silently uses the default %s", quote.Input(raw), notTrimmed(raw), v.def), effective: v.def}
		}
		return outcome{value: strconv.Itoa(n)}
	}
	n, err := strconv.ParseInt(s, 10, strconv.IntSize)
	if err != nil {
		return outcome{fatal: quote.Input(s) + " is not an integer"}
	}
	if n < int64(v.min) {
		return outcome{fatal: fmt.Sprintf("%d is negative: Envoy refuses a negative duration", n)}
	}
	return outcome{value: strconv.FormatInt(n, 10)}
}

func (l *linter) portRule(v *variable, raw, s string) outcome {
	n, err := strconv.ParseInt(s, 10, strconv.IntSize)
	if err != nil {
		return outcome{fatal: quote.Input(s) + " is not a port number"}
	}
	if n < 0 || n > 65535 {
		return outcome{fatal: fmt.Sprintf("port %d is outside 0–65535, so Envoy refuses the bootstrap", n)}
	}
	o := outcome{value: strconv.FormatInt(n, 10)}
	if n == 0 {
		o.invalid = "port 0 is not a port anything can be reached on; use 1–65535"
	}
	if v.reader == readBoth && o.value != v.def {
		// ENVOY_ADMIN_ACCESS_PORT: the agent polls the admin interface on the untrimmed value.
		if _, err := strconv.Atoi(raw); err != nil {
			o.extra = append(o.extra, Finding{Severity: SeverityWarning, Kind: FindingReset, Variable: v.name, EffectiveValue: v.def,
				Message: fmt.Sprintf("Envoy listens on %d (the bootstrap trims white space), but the agent does not trim, so to it %s is not a number and it polls %s; remove the white space", n, quote.Input(raw), v.def)})
		}
	}
	return o
}

// adminPortWithConfigFile: with ENVOY_CONFIG_FILE the admin port is in that file, and
// the agent still polls ENVOY_ADMIN_ACCESS_PORT.
func (l *linter) adminPortWithConfigFile(raw string) {
	const name = "ENVOY_ADMIN_ACCESS_PORT"
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 || n > 65535 {
		l.add(Finding{Severity: SeverityWarning, Kind: FindingReset, Variable: name, EffectiveValue: strconv.Itoa(DefaultAdminPort),
			Message: fmt.Sprintf("%s is not a port the agent can poll%s: it polls %d; set the admin port of ENVOY_CONFIG_FILE here", quote.Input(raw), notTrimmed(raw), DefaultAdminPort)})
		return
	}
	l.addf(SeverityInfo, FindingDead, name, "ENVOY_CONFIG_FILE sets Envoy's admin port; the agent polls %d, so the two must match", n)
}

func (l *linter) positiveRule(v *variable, raw, s string) outcome {
	if v.reader == readAgent {
		// ENVOY_CONCURRENCY: passed to Envoy as --concurrency only when above 0.
		n, err := strconv.Atoi(raw)
		if err != nil {
			return outcome{replaced: fmt.Sprintf("%s is not an integer%s: the agent silently uses the default %s, so Envoy picks its worker count itself", quote.Input(raw), notTrimmed(raw), v.def), effective: v.def}
		}
		o := outcome{value: strconv.Itoa(n)}
		if n <= 0 && strconv.Itoa(n) != v.def {
			o.invalid = fmt.Sprintf("%d has no effect: the agent passes it to Envoy only when it is above 0", n)
		}
		return o
	}
	n, err := strconv.ParseInt(s, 10, strconv.IntSize)
	if err != nil {
		return outcome{fatal: quote.Input(s) + " is not an integer"}
	}
	o := outcome{value: strconv.FormatInt(n, 10)}
	if n <= 0 {
		o.invalid = fmt.Sprintf("%d has no effect: the agent sets it only when it is above 0", n)
	}
	return o
}

func durationRule(v *variable, s string) outcome {
	d, err := time.ParseDuration(s)
	if err != nil {
		return outcome{fatal: quote.Input(s) + " is not a Go duration such as 10s or 5000ms"}
	}
	lo, hi := time.Duration(v.min)*time.Millisecond, time.Duration(v.max)*time.Millisecond
	if d < lo || d >= hi {
		return outcome{fatal: fmt.Sprintf("%s is outside the %s to %s (exclusive) Envoy allows, so Envoy refuses the bootstrap", d, lo, hi)}
	}
	return outcome{value: d.String()}
}

// rateRule: getXraySamplingRuleManifest parses a 32-bit float in [0,1] and rounds it to
// two decimals.
func rateRule(s string) outcome {
	f, err := strconv.ParseFloat(s, 32)
	if err != nil || math.IsNaN(f) || f < 0 || f > 1 {
		return outcome{fatal: quote.Input(s) + " is not a decimal between 0 and 1.00"}
	}
	exact, _ := strconv.ParseFloat(s, 64)
	rounded := math.Round(f*100) / 100
	if math.Abs(exact-rounded) > 1e-9 {
		eff := strconv.FormatFloat(rounded, 'f', -1, 64)
		return outcome{replaced: fmt.Sprintf("%s has more than two decimals: the agent rounds it to %s", quote.Input(s), eff), effective: eff}
	}
	return outcome{value: strconv.FormatFloat(exact, 'g', -1, 64)}
}

func floatRule(v *variable, raw string) outcome {
	f, err := strconv.ParseFloat(raw, 64)
	if err != nil {
		return outcome{replaced: fmt.Sprintf("%s is not a number%s: the agent silently uses the default %s", quote.Input(raw), notTrimmed(raw), v.def), effective: v.def}
	}
	return outcome{value: strconv.FormatFloat(f, 'g', -1, 64)}
}

// logLevelRule: validateEnvoyLogLevel after strings.ToLower, with no trimming.
func (l *linter) logLevelRule(raw string) outcome {
	lv := LogLevel(strings.ToLower(raw))
	switch lv {
	case LogTrace, LogDebug, LogInfo, LogWarn, LogError:
		return outcome{value: string(lv)}
	case LogWarning, LogCritical, LogOff:
		o := outcome{value: string(lv)}
		switch {
		case l.image == nil:
			o.gate = "ENVOY_LOG_LEVEL=" + string(lv)
		case !l.image.AtLeast(sinceLogLevels):
			o.replaced = fmt.Sprintf("image %s turns %s into info (images from %s honour it); use warn or error, or upgrade", l.image, lv, sinceLogLevels)
			o.effective, o.byVersion = string(LogInfo), true
		}
		return o
	}
	return outcome{
		replaced:  fmt.Sprintf("%s is not a log level (trace, debug, info, warn, warning, error, critical, off; the agent lower-cases the value but does not trim it): the agent uses info", quote.Input(raw)),
		effective: string(LogInfo),
	}
}

// modeRule: getAdminModeFromEnv lower-cases the value; anything but tcp or uds is tcp.
func modeRule(raw string) outcome {
	m := strings.ToLower(raw)
	if m == string(AdminModeTCP) || m == string(AdminModeUDS) {
		return outcome{value: m}
	}
	return outcome{replaced: fmt.Sprintf("%s is neither tcp nor uds (in any case, without white space): the agent uses tcp", quote.Input(raw)), effective: string(AdminModeTCP)}
}

// jaegerVersionRule: appendJaegerTracing picks JSON when the value contains "json" in
// any case, else PROTO.
func jaegerVersionRule(s string) outcome {
	switch {
	case strings.EqualFold(s, JaegerJSON):
		return outcome{value: JaegerJSON}
	case strings.EqualFold(s, JaegerProto):
		return outcome{value: JaegerProto}
	case strings.Contains(strings.ToLower(s), "json"):
		return outcome{replaced: quote.Input(s) + " contains json, so the agent reads it as JSON", effective: JaegerJSON}
	}
	return outcome{replaced: quote.Input(s) + " is neither PROTO nor JSON: the agent uses PROTO", effective: JaegerProto}
}

// timerRule: validateTimers resets an out-of-range timer to its default, not to the
// nearest bound.
func timerRule(v *variable, raw string) outcome {
	n, err := strconv.Atoi(raw)
	if err != nil {
		return outcome{replaced: fmt.Sprintf("%s is not an integer%s: the agent silently uses the default %s", quote.Input(raw), notTrimmed(raw), v.def), effective: v.def}
	}
	if n < v.min || n > v.max {
		return outcome{replaced: fmt.Sprintf("%d is outside %d–%d: the agent silently resets it to the default %s (not to the nearest bound)", n, v.min, v.max, v.def), effective: v.def}
	}
	return outcome{value: strconv.Itoa(n)}
}

// restartCountRule: validateTimers resets a negative count to the default and clamps one
// above the maximum.
func restartCountRule(v *variable, raw string) outcome {
	n, err := strconv.Atoi(raw)
	switch {
	case err != nil:
		return outcome{replaced: fmt.Sprintf("%s is not an integer%s: the agent silently uses the default %s", quote.Input(raw), notTrimmed(raw), v.def), effective: v.def}
	case n < v.min:
		return outcome{replaced: fmt.Sprintf("%d is negative: the agent uses the default %s", n, v.def), effective: v.def}
	case n > v.max:
		return outcome{replaced: fmt.Sprintf("%d is above %d: the agent clamps it to %d", n, v.max, v.max), effective: strconv.Itoa(v.max)}
	}
	return outcome{value: strconv.Itoa(n)}
}

// agentPortRule: SetDefaults replaces a port above 65535, or below 1024 when the agent
// is not root, with the default.
func agentPortRule(v *variable, raw string) outcome {
	n, err := strconv.Atoi(raw)
	switch {
	case err != nil:
		return outcome{replaced: fmt.Sprintf("%s is not an integer%s: the agent silently uses the default %s", quote.Input(raw), notTrimmed(raw), v.def), effective: v.def}
	case n > 65535:
		return outcome{replaced: fmt.Sprintf("port %d is above 65535: the agent uses the default %s", n, v.def), effective: v.def}
	case n < 1024:
		return outcome{replaced: fmt.Sprintf("port %d is below 1024: an agent that is not root (the sidecar runs as UID %d) uses the default %s", n, EnvoyUID, v.def), effective: v.def}
	}
	return outcome{value: strconv.Itoa(n)}
}

// readinessSeconds returns APPNET_AGENT_POLL_ENVOY_READINESS_INTERVAL_S as the agent
// reads it, and whether it is set and parses.
func (l *linter) readinessSeconds() (int, bool) {
	raw, ok := l.env["APPNET_AGENT_POLL_ENVOY_READINESS_INTERVAL_S"]
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(raw)
	return n, err == nil
}

// healthPollRule: getHcPollInterval takes HC_POLL_INTERVAL_MS when it parses, else
// APPNET_AGENT_POLL_ENVOY_READINESS_INTERVAL_S in seconds when that parses, else the
// default; validateTimers then resets a value outside the range to the default.
func (l *linter) healthPollRule(v *variable, raw string) outcome {
	n, err := strconv.Atoi(raw)
	if err != nil {
		if r, ok := l.readinessSeconds(); ok {
			if ms := r * 1000; ms >= v.min && ms <= v.max {
				return outcome{replaced: fmt.Sprintf("%s is not an integer%s: the agent falls back to APPNET_AGENT_POLL_ENVOY_READINESS_INTERVAL_S and polls every %d ms", quote.Input(raw), notTrimmed(raw), ms), effective: strconv.Itoa(ms)}
			}
		}
		return outcome{replaced: fmt.Sprintf("%s is not an integer%s: the agent silently uses the default %s", quote.Input(raw), notTrimmed(raw), v.def), effective: v.def}
	}
	if n < v.min || n > v.max {
		return outcome{replaced: fmt.Sprintf("%d is outside %d–%d: the agent silently resets it to the default %s (not to the nearest bound)", n, v.min, v.max, v.def), effective: v.def}
	}
	return outcome{value: strconv.Itoa(n)}
}

// readinessIntervalRule: the readiness poll interval (default 5 s), which is also the
// health-check poll interval when HC_POLL_INTERVAL_MS is unset or does not parse.
func (l *linter) readinessIntervalRule(v *variable, raw string) outcome {
	n, err := strconv.Atoi(raw)
	if err != nil {
		return outcome{replaced: fmt.Sprintf("%s is not an integer%s: the agent silently uses the default %s", quote.Input(raw), notTrimmed(raw), v.def), effective: v.def}
	}
	o := outcome{value: strconv.Itoa(n)}
	hc := variableIndex["HC_POLL_INTERVAL_MS"]
	if _, err := strconv.Atoi(l.env[hc.name]); err == nil {
		return o // HC_POLL_INTERVAL_MS decides the health-check interval
	}
	if ms := n * 1000; ms < hc.min || ms > hc.max {
		o.replaced = fmt.Sprintf("HC_POLL_INTERVAL_MS is unset or not a number, so this is also the health-check poll interval, and %d s is outside %d–%d s: the agent polls health every %s ms (and keeps %d s between readiness polls)",
			n, hc.min/1000, hc.max/1000, hc.def, n)
		o.effective = strconv.Itoa(hcDefaultSeconds)
	}
	return o
}

// hcDefaultSeconds is HC_POLL_INTERVAL_MS's default in seconds.
const hcDefaultSeconds = 10

// serviceConnect notes a Service Connect setting.
func (l *linter) serviceConnect(v *variable, raw string) {
	if v.name == "APPNET_ENABLE_RELAY_MODE_FOR_XDS" {
		if b, err := strconv.ParseBool(raw); err == nil && b {
			l.addf(SeverityWarning, FindingServiceConnect, v.name, "turns on ECS Service Connect's xDS relay mode: Envoy then starts from the relay's own bootstrap and is no App Mesh proxy; remove it")
			return
		}
	}
	l.addf(SeverityInfo, FindingServiceConnect, v.name, "an ECS Service Connect setting: the agent reads it, but it is not an App Mesh setting; remove it from App Mesh sidecars")
}

// legacy notes a variable that is no longer read.
func (l *linter) legacy(v *variable, raw string) {
	s := strings.TrimSpace(raw)
	if s == "" {
		l.addf(SeverityInfo, FindingDefault, v.name, "empty: the agent treats it as unset")
		return
	}
	b, err := strconv.ParseBool(s)
	switch {
	case err != nil:
		l.addf(SeverityWarning, FindingLegacy, v.name, "%s is not a boolean: images that still read it stop, and current ones ignore it; remove it and use a -prod-fips image for FIPS endpoints", quote.Input(s))
	case b:
		l.addf(SeverityWarning, FindingLegacy, v.name, "no longer read: the FIPS endpoint follows the image variant; use a -prod-fips image and remove the variable")
	default:
		l.addf(SeverityInfo, FindingLegacy, v.name, "no longer read (the FIPS endpoint follows the image variant); remove it")
	}
}
