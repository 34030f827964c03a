package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/sidecar"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/quote"
)

// envFlag is a flag of the env command that sets one variable. A boolean flag sets it to
// 1 (or 0 with --flag=false); the others pass their value to ContainerConfig.Set, which
// reads it as the image's agent does.
type envFlag struct {
	name, variable, usage string
	boolean               bool
}

// envFlags are the env command's variable flags, in help order.
var envFlags = []envFlag{
	{"log-level", "ENVOY_LOG_LEVEL", "ENVOY_LOG_LEVEL `LEVEL`: trace, debug, info, warn, warning, error, critical, off", false},
	{"admin-port", "ENVOY_ADMIN_ACCESS_PORT", "ENVOY_ADMIN_ACCESS_PORT `N`", false},
	{"concurrency", "ENVOY_CONCURRENCY", "ENVOY_CONCURRENCY: Envoy worker threads `N`", false},
	{"initial-fetch-timeout", "ENVOY_INITIAL_FETCH_TIMEOUT", "ENVOY_INITIAL_FETCH_TIMEOUT `SECONDS`", false},
	{"xray", "ENABLE_ENVOY_XRAY_TRACING", "ENABLE_ENVOY_XRAY_TRACING=1", true},
	{"xray-daemon-address", "AWS_XRAY_DAEMON_ADDRESS", "AWS_XRAY_DAEMON_ADDRESS `IP[:PORT]`", false},
	{"xray-daemon-port", "XRAY_DAEMON_PORT", "XRAY_DAEMON_PORT `N`", false},
	{"xray-sampling-rate", "XRAY_SAMPLING_RATE", "XRAY_SAMPLING_RATE `RATE` in [0,1], two decimals", false},
	{"datadog", "ENABLE_ENVOY_DATADOG_TRACING", "ENABLE_ENVOY_DATADOG_TRACING=1", true},
	{"jaeger", "ENABLE_ENVOY_JAEGER_TRACING", "ENABLE_ENVOY_JAEGER_TRACING=1", true},
	{"dogstatsd", "ENABLE_ENVOY_DOG_STATSD", "ENABLE_ENVOY_DOG_STATSD=1", true},
	{"statsd-address", "STATSD_ADDRESS", "STATSD_ADDRESS `IP`", false},
	{"statsd-port", "STATSD_PORT", "STATSD_PORT `N`", false},
	{"stats-tags", "ENABLE_ENVOY_STATS_TAGS", "ENABLE_ENVOY_STATS_TAGS=1 (appmesh.mesh and appmesh.virtual_node tags)", true},
	{"stats-flush-interval", "ENVOY_STATS_FLUSH_INTERVAL", "ENVOY_STATS_FLUSH_INTERVAL `DURATION` such as 10s", false},
	{"restart-count", "APPNET_ENVOY_RESTART_COUNT", "APPNET_ENVOY_RESTART_COUNT `N` (0-10)", false},
	{"drain-wait", "LISTENER_DRAIN_WAIT_TIME_S", "LISTENER_DRAIN_WAIT_TIME_S `SECONDS` (5-110)", false},
}

// rawList is a repeatable flag whose values are kept as given (no splitting at commas,
// no trimming): --set values are environment values.
type rawList []string

func (s *rawList) String() string     { return strings.Join(*s, " ") }
func (s *rawList) Set(v string) error { *s = append(*s, v); return nil }

func runEnv(ctx context.Context, a *app, args []string) error {
	c := a.newCmd("env", "--virtual-node V | --virtual-gateway V [flags] [-o dotenv|ecs|k8s|docker|json]",
		`Builds the environment of the App Mesh Envoy container from flags, checks it the way the
image's agent reads it (every problem at once), and prints only what differs from the image's
defaults plus the identity:

  dotenv  NAME=value lines, for docker --env-file
  ecs     the "environment" list of an ECS container definition
  k8s     the "env" list of a Kubernetes container
  docker  -e flags for a docker run command line
  json    one JSON object {"NAME": "value"}

V is a virtual node or gateway ARN (arn:aws:appmesh:REGION:ACCOUNT:mesh/M/virtualNode/N) or
its short form mesh/M/virtualNode/N. --set NAME=VALUE reads VALUE the way the agent does
(trimmed or not, lower-cased or not, as its parser for NAME does). A value the agent would
refuse or silently replace, a port outside 1-65535 and clashing settings are input errors
(exit 2); a name the agent does not read is written as given, with a warning on stderr.
Makes no AWS call.

Subcommand: 'env lint FILE' checks an existing environment.`,
		`appmesh-envoy env --virtual-node arn:aws:appmesh:us-west-2:111122223333:mesh/shop/virtualNode/cart --xray --log-level warn -o ecs`,
		"dotenv", "ecs", "k8s", "docker", "json")
	vn := c.String("virtual-node", "", "virtual node `V` (ARN or mesh/M/virtualNode/N)")
	vg := c.String("virtual-gateway", "", "virtual gateway `V` (ARN or mesh/M/virtualGateway/N)")
	values := make([]*string, len(envFlags))
	for i, f := range envFlags {
		if f.boolean {
			values[i] = new(string)
			c.BoolFunc(f.name, f.usage, boolInto(values[i]))
			continue
		}
		values[i] = c.String(f.name, "", f.usage)
	}
	imageVersion := c.String("image-version", "", "check against image `TAG` such as v1.29.6.0-prod")
	var listenerPorts stringList
	var extra rawList
	c.Var(&listenerPorts, "listener-port", "the virtual node's listener `PORT` (repeatable; checked against the admin port)")
	c.Var(&extra, "set", "any other variable `NAME=VALUE` (repeatable; not one a flag sets; names the agent does not read are written as given)")
	pos, err := c.parse(args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErrorf("env takes no arguments, got %s (to check a file: appmesh-envoy env lint FILE)", quote.Input(pos[0]))
	}
	set := map[string]bool{}
	c.Visit(func(f *flag.Flag) { set[f.Name] = true })

	var cc sidecar.ContainerConfig
	switch {
	case *vn != "" && *vg != "":
		return usageErrorf("env: give --virtual-node or --virtual-gateway, not both")
	case *vn == "" && *vg == "":
		return usageErrorf("env needs the proxy's identity: --virtual-node V or --virtual-gateway V")
	case *vn != "":
		if err := checkKind(*vn, sidecar.KindVirtualNode, "--virtual-node"); err != nil {
			return err
		}
		cc.Resource = *vn
	default:
		if err := checkKind(*vg, sidecar.KindVirtualGateway, "--virtual-gateway"); err != nil {
			return err
		}
		cc.Resource = *vg
	}
	flagged := map[string]string{}
	for i, f := range envFlags {
		if !set[f.name] {
			continue
		}
		flagged[f.variable] = f.name
		findings, err := cc.Set(f.variable, *values[i])
		if err != nil {
			return usageErrorf("--%s: %v", f.name, err)
		}
		warn(a, findings)
	}
	for _, p := range listenerPorts {
		n, err := strconv.Atoi(p)
		if err != nil {
			return usageErrorf("--listener-port %s is not a port number", quote.Input(p))
		}
		cc.ListenerPorts = append(cc.ListenerPorts, n)
	}
	if set["image-version"] {
		v, err := appmeshenvoy.ParseVersion(*imageVersion)
		if err != nil {
			return usageErrorf("--image-version: %v", err)
		}
		cc.ImageVersion = &v
	}
	for _, kv := range extra {
		name, value, ok := strings.Cut(kv, "=")
		if !ok {
			return usageErrorf("--set %s: want NAME=VALUE", quote.Input(kv))
		}
		switch name {
		case sidecar.EnvResourceARN, sidecar.EnvResourceName, sidecar.EnvVirtualNodeName:
			return usageErrorf("--set %s: give the identity with --virtual-node or --virtual-gateway", name)
		}
		if f, ok := flagged[name]; ok {
			return usageErrorf("--set %s: the flag --%s sets it too; give it once", name, f)
		}
		findings, err := cc.Set(name, value)
		if err != nil {
			return usageErrorf("--set: %v", err)
		}
		warn(a, findings)
	}
	if err := cc.Validate(); err != nil {
		return usageError{err}
	}
	var advice []sidecar.Finding
	for _, f := range cc.Lint() {
		if f.Kind != sidecar.FindingUnknown { // Set has reported those
			advice = append(advice, f)
		}
	}
	warn(a, advice)
	return a.printEnv(cc.Env())
}

// warn prints the warnings among findings on stderr, one line each.
func warn(a *app, findings []sidecar.Finding) {
	for _, f := range findings {
		if f.Severity == sidecar.SeverityWarning {
			fmt.Fprintf(a.stderr, "%s: warning: %s: %s\n", progName, f.Variable, f.Message)
		}
	}
}

func checkKind(v string, kind sidecar.ResourceKind, flagName string) error {
	r, err := sidecar.ParseResource(v)
	if err != nil {
		return usageErrorf("%s: %v", flagName, err)
	}
	if r.Kind != kind {
		return usageErrorf("%s %s is a %s", flagName, quote.Input(v), r.Kind)
	}
	return nil
}

func (a *app) printEnv(env []sidecar.EnvVar) error {
	var out []byte
	var err error
	switch a.g.output {
	case "ecs":
		out, err = sidecar.ECSEnvironmentJSON(env)
	case "k8s":
		out, err = sidecar.KubernetesEnvYAML(env)
	case "docker":
		out = []byte(sidecar.DockerRunFlags(env))
	case "json":
		out, err = sidecar.EnvJSONObject(env)
	default:
		out = sidecar.Dotenv(env)
	}
	if err != nil {
		return err
	}
	if len(out) > 0 && out[len(out)-1] != '\n' {
		out = append(out, '\n')
	}
	_, err = a.stdout.Write(out)
	return err
}

func runEnvLint(_ context.Context, a *app, args []string) error {
	c := a.newCmd("env lint", "FILE|- [--image-version TAG] [--fail-on-warning] [-o table|json]",
		`Checks an Envoy container environment (a dotenv file: NAME=value lines, as for docker
--env-file, the value taken as written, white space included, unless quoted; '-' reads
stdin) the way the image's agent reads it. Its two parsers differ: the
bootstrap generator trims values and stops on a malformed number or boolean; the agent's own
settings (timers, ports, modes, the log level) are not trimmed, and a value that does not
parse or is out of range silently becomes the default.

Each finding carries a verdict:
  error    Envoy will not start (exit status 2); for a malformed setting of a feature that is
           off, such as XRAY_DAEMON_PORT without X-Ray, as soon as the feature is on
  warning  Envoy starts, but a value is not used as written: silently replaced (the message
           and effectiveValue name the value used), ignored, or read differently than meant
           (exit status 0, or 2 with --fail-on-warning)
  info     accepted; advice (a default that can go, a legacy spelling, a setting with no effect)
The verdict on the whole environment goes to stderr. Without --image-version, rules that
depend on the image version are not checked; one info finding lists them.

JSON keys (stable), one object per finding: severity (error, warning or info), kind
(invalid, missing, conflict, reset, version, dead, legacy, unknown, duplicate, default,
service-connect), variable (empty only for the note on unchecked version rules), message,
effectiveValue (only where the agent replaces the value: the value it uses instead).`,
		`appmesh-envoy env lint envoy.env
docker inspect -f '{{range .Config.Env}}{{println .}}{{end}}' envoy | appmesh-envoy env lint --image-version v1.29.6.0-prod -`,
		"table", "json")
	imageVersion := c.String("image-version", "", "check against image `TAG` such as v1.29.6.0-prod")
	failOnWarning := c.Bool("fail-on-warning", false, "exit 2 when any finding is a warning too")
	pos, err := c.parse(args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErrorf("env lint takes one FILE (or - for stdin), got %d arguments", len(pos))
	}
	var opts []func(*sidecar.ParseOptions)
	if *imageVersion != "" {
		v, err := appmeshenvoy.ParseVersion(*imageVersion)
		if err != nil {
			return usageErrorf("--image-version: %v", err)
		}
		opts = append(opts, func(o *sidecar.ParseOptions) { o.ImageVersion = &v })
	}
	var r io.Reader = a.stdin
	name := "stdin"
	if pos[0] != "-" {
		f, err := os.Open(pos[0])
		if err != nil {
			return usageErrorf("env lint: %v", err)
		}
		defer f.Close()
		r, name = f, quote.Input(pos[0])
	}
	_, findings, err := sidecar.ParseEnvFile(r, opts...)
	if err != nil {
		if appmeshenvoy.CodeOf(err).Input() {
			return usageErrorf("env lint %s: %v", name, err)
		}
		return fmt.Errorf("env lint %s: %w", name, err)
	}
	var errs, warnings int
	for _, f := range findings {
		switch f.Severity {
		case sidecar.SeverityError:
			errs++
		case sidecar.SeverityWarning:
			warnings++
		}
	}
	if a.g.output == "json" {
		if findings == nil {
			findings = []sidecar.Finding{}
		}
		if err := writeJSON(a.stdout, findings); err != nil {
			return err
		}
	} else if len(findings) > 0 {
		t := newTable("SEVERITY", "VARIABLE", "MESSAGE")
		for _, f := range findings {
			t.add(f.Severity.String(), f.Variable, f.Message)
		}
		if err := t.write(a.stdout); err != nil {
			return err
		}
	} else {
		fmt.Fprintln(a.stdout, "no findings")
	}
	switch {
	case errs > 0:
		fmt.Fprintf(a.stderr, "%s: env lint %s: Envoy will not start: %s; fix the errors above\n", progName, name, count(errs, "error"))
		return quietError{exitUsage}
	case warnings > 0:
		fmt.Fprintf(a.stderr, "%s: env lint %s: Envoy starts, but not as written: %s above\n", progName, name, count(warnings, "warning"))
		if *failOnWarning {
			return quietError{exitUsage}
		}
	default:
		fmt.Fprintf(a.stderr, "%s: env lint %s: accepted: the agent reads every value as written\n", progName, name)
	}
	return nil
}

func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// boolInto is the Set function of a boolean flag (--xray, --xray=false) that stores "1"
// or "0" in *dst.
func boolInto(dst *string) func(string) error {
	return func(v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return err
		}
		*dst = "0"
		if b {
			*dst = "1"
		}
		return nil
	}
}
