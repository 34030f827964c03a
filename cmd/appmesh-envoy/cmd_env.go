package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/sidecar"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/quote"
)

// envFlagVariables maps the env command's flags to the variables they set, so that
// --set cannot set one of them a second time.
var envFlagVariables = map[string]string{
	"log-level": "ENVOY_LOG_LEVEL", "admin-port": "ENVOY_ADMIN_ACCESS_PORT", "concurrency": "ENVOY_CONCURRENCY",
	"initial-fetch-timeout": "ENVOY_INITIAL_FETCH_TIMEOUT", "xray": "ENABLE_ENVOY_XRAY_TRACING",
	"xray-daemon-address": "AWS_XRAY_DAEMON_ADDRESS", "xray-daemon-port": "XRAY_DAEMON_PORT",
	"xray-sampling-rate": "XRAY_SAMPLING_RATE", "datadog": "ENABLE_ENVOY_DATADOG_TRACING",
	"jaeger": "ENABLE_ENVOY_JAEGER_TRACING", "dogstatsd": "ENABLE_ENVOY_DOG_STATSD", "statsd-address": "STATSD_ADDRESS",
	"statsd-port": "STATSD_PORT", "stats-tags": "ENABLE_ENVOY_STATS_TAGS", "stats-flush-interval": "ENVOY_STATS_FLUSH_INTERVAL",
	"restart-count": "APPNET_ENVOY_RESTART_COUNT", "drain-wait": "LISTENER_DRAIN_WAIT_TIME_S",
}

// rawList is a repeatable flag whose values are kept as given (no splitting at commas,
// no trimming): --set values are environment values.
type rawList []string

func (s *rawList) String() string     { return strings.Join(*s, " ") }
func (s *rawList) Set(v string) error { *s = append(*s, v); return nil }

func runEnv(ctx context.Context, a *app, args []string) error {
	if len(args) > 0 && args[0] == "lint" {
		return runEnvLint(ctx, a, args[1:])
	}
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
	var (
		vn, vg        = c.String("virtual-node", "", "virtual node `V` (ARN or mesh/M/virtualNode/N)"), c.String("virtual-gateway", "", "virtual gateway `V` (ARN or mesh/M/virtualGateway/N)")
		logLevel      = c.String("log-level", "", "ENVOY_LOG_LEVEL: trace, debug, info, warn, warning, error, critical, off")
		adminPort     = c.Int("admin-port", 0, "ENVOY_ADMIN_ACCESS_PORT `N`")
		concurrency   = c.Int("concurrency", 0, "ENVOY_CONCURRENCY: Envoy worker threads `N`")
		fetchTimeout  = c.Int("initial-fetch-timeout", 0, "ENVOY_INITIAL_FETCH_TIMEOUT `SECONDS`")
		xray          = c.Bool("xray", false, "ENABLE_ENVOY_XRAY_TRACING=1")
		xrayAddr      = c.String("xray-daemon-address", "", "AWS_XRAY_DAEMON_ADDRESS `IP[:PORT]`")
		xrayPort      = c.Int("xray-daemon-port", 0, "XRAY_DAEMON_PORT `N`")
		xrayRate      = c.Float64("xray-sampling-rate", 0, "XRAY_SAMPLING_RATE `RATE` in [0,1], two decimals")
		datadog       = c.Bool("datadog", false, "ENABLE_ENVOY_DATADOG_TRACING=1")
		jaeger        = c.Bool("jaeger", false, "ENABLE_ENVOY_JAEGER_TRACING=1")
		dogstatsd     = c.Bool("dogstatsd", false, "ENABLE_ENVOY_DOG_STATSD=1")
		statsdAddr    = c.String("statsd-address", "", "STATSD_ADDRESS `IP`")
		statsdPort    = c.Int("statsd-port", 0, "STATSD_PORT `N`")
		statsTags     = c.Bool("stats-tags", false, "ENABLE_ENVOY_STATS_TAGS=1 (appmesh.mesh and appmesh.virtual_node tags)")
		flushInterval = c.Duration("stats-flush-interval", 0, "ENVOY_STATS_FLUSH_INTERVAL `DURATION` such as 10s")
		restartCount  = c.Int("restart-count", 0, "APPNET_ENVOY_RESTART_COUNT `N` (0-10)")
		drainWait     = c.Int("drain-wait", 0, "LISTENER_DRAIN_WAIT_TIME_S `SECONDS` (5-110)")
		imageVersion  = c.String("image-version", "", "check against image `TAG` such as v1.29.6.0-prod")
		listenerPorts stringList
		extra         rawList
	)
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
	if set["log-level"] {
		if _, err := cc.Set("ENVOY_LOG_LEVEL", *logLevel); err != nil {
			return usageErrorf("--log-level: %v", err)
		}
	}
	setFlag(set, "admin-port", adminPort, &cc.AdminPort)
	setFlag(set, "concurrency", concurrency, &cc.Concurrency)
	setFlag(set, "initial-fetch-timeout", fetchTimeout, &cc.InitialFetchTimeout)
	setFlag(set, "xray", xray, &cc.XRayTracing)
	setFlag(set, "xray-daemon-address", xrayAddr, &cc.XRayDaemonAddress)
	setFlag(set, "xray-daemon-port", xrayPort, &cc.XRayDaemonPort)
	setFlag(set, "xray-sampling-rate", xrayRate, &cc.XRaySamplingRate)
	setFlag(set, "datadog", datadog, &cc.DatadogTracing)
	setFlag(set, "jaeger", jaeger, &cc.JaegerTracing)
	setFlag(set, "dogstatsd", dogstatsd, &cc.DogStatsD)
	setFlag(set, "statsd-address", statsdAddr, &cc.StatsDAddress)
	setFlag(set, "statsd-port", statsdPort, &cc.StatsDPort)
	setFlag(set, "stats-tags", statsTags, &cc.StatsTags)
	if set["stats-flush-interval"] {
		d := time.Duration(*flushInterval)
		cc.StatsFlushInterval = &d
	}
	setFlag(set, "restart-count", restartCount, &cc.RestartCount)
	setFlag(set, "drain-wait", drainWait, &cc.ListenerDrainWaitS)
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
	flagged := map[string]string{}
	for f, variable := range envFlagVariables {
		if set[f] {
			flagged[variable] = f
		}
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

// setFlag points *dst at a copy of *v when the flag name was given on the command line,
// so that flags left out keep the image's defaults.
func setFlag[T any](set map[string]bool, name string, v *T, dst **T) {
	if set[name] {
		x := *v
		*dst = &x
	}
}
