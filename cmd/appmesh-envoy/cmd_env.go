package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/sidecar"
)

func runEnv(ctx context.Context, a *app, args []string) error {
	if len(args) > 0 && args[0] == "lint" {
		return runEnvLint(ctx, a, args[1:])
	}
	c := a.newCmd("env", "--virtual-node V | --virtual-gateway V [flags] [-o dotenv|ecs|k8s|docker|json]",
		`Builds the environment of the App Mesh Envoy container from flags, validates it the way the
image's agent does (every problem at once), and prints only what differs from the image's
defaults plus the identity:

  dotenv  NAME=value lines, for docker --env-file
  ecs     the "environment" list of an ECS container definition
  k8s     the "env" list of a Kubernetes container
  docker  -e flags for a docker run command line
  json    one JSON object {"NAME": "value"}

V is a virtual node or gateway ARN (arn:aws:appmesh:REGION:ACCOUNT:mesh/M/virtualNode/N) or
its short form mesh/M/virtualNode/N. Makes no AWS call.

Subcommand: 'env lint FILE' checks an existing environment.`,
		`appmesh-envoy env --virtual-node arn:aws:appmesh:us-west-2:111122223333:mesh/shop/virtualNode/cart --xray --log-level warn -o ecs`,
		"dotenv", "ecs", "k8s", "docker", "json")
	var (
		vn, vg        = c.String("virtual-node", "", "virtual node `V` (ARN or mesh/M/virtualNode/N)"), c.String("virtual-gateway", "", "virtual gateway `V` (ARN or mesh/M/virtualGateway/N)")
		logLevel      = c.String("log-level", "", "ENVOY_LOG_LEVEL: trace, debug, info, warn, error, critical, off")
		adminPort     = c.Int("admin-port", 0, "ENVOY_ADMIN_ACCESS_PORT `N`")
		concurrency   = c.Int("concurrency", 0, "ENVOY_CONCURRENCY: Envoy worker threads `N`")
		fetchTimeout  = c.Int("initial-fetch-timeout", 0, "ENVOY_INITIAL_FETCH_TIMEOUT `SECONDS`")
		xray          = c.Bool("xray", false, "ENABLE_ENVOY_XRAY_TRACING=1")
		xrayAddr      = c.String("xray-daemon-address", "", "AWS_XRAY_DAEMON_ADDRESS `IP[:PORT]`")
		xrayPort      = c.Int("xray-daemon-port", 0, "XRAY_DAEMON_PORT `N`")
		xrayRate      = c.Float64("xray-sampling-rate", 0, "XRAY_SAMPLING_RATE `RATE` in [0,1]")
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
		extra         stringList
	)
	c.Var(&listenerPorts, "listener-port", "the virtual node's listener `PORT` (repeatable; checked against the admin port)")
	c.Var(&extra, "set", "any other variable `NAME=VALUE` (repeatable; not one a flag sets; names the agent does not read are written as given)")
	pos, err := c.parse(args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErrorf("env takes no arguments, got %q (to check a file: appmesh-envoy env lint FILE)", pos[0])
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
		l := sidecar.LogLevel(strings.ToLower(*logLevel))
		cc.LogLevel = &l
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
			return usageErrorf("--listener-port %q is not a port number", p)
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
	if len(extra) > 0 {
		environ := make([]string, 0, len(extra)+1)
		environ = append(environ, sidecar.EnvResourceARN+"="+cc.Resource)
		environ = append(environ, extra...)
		parsed, findings, err := sidecar.ParseEnv(environ)
		if err != nil {
			return usageErrorf("--set: %v", err)
		}
		for _, f := range findings {
			if f.Severity == sidecar.SeverityError {
				return usageErrorf("--set: %s", f.String())
			}
		}
		if err := mergeSet(&cc, parsed, extra); err != nil {
			return err
		}
	}
	if err := cc.Validate(); err != nil {
		return usageError{err}
	}
	return a.printEnv(cc.Env())
}

// mergeSet copies into cc the variables that --set gave, as ParseEnv typed them.
func mergeSet(cc *sidecar.ContainerConfig, parsed sidecar.ContainerConfig, extra []string) error {
	// Re-emit the parsed config and keep only the names --set named, so typed fields and
	// Extra are both covered without listing every field here.
	named := map[string]bool{}
	for _, kv := range extra {
		name, _, _ := strings.Cut(kv, "=")
		named[strings.TrimSpace(name)] = true
	}
	known := map[string]bool{}
	for _, n := range sidecar.KnownEnvVars() {
		known[n] = true
	}
	var environ []string
	for _, v := range cc.Env() {
		if v.Name == cc.ResourceVariable || v.Name == sidecar.EnvResourceARN {
			environ = append(environ, v.String())
			continue
		}
		if named[v.Name] {
			return usageErrorf("--set %s: a flag of this command sets it too; give it once", v.Name)
		}
		environ = append(environ, v.String())
	}
	for _, v := range parsed.Env() {
		if named[v.Name] {
			environ = append(environ, v.String())
		}
	}
	var passThrough []sidecar.EnvVar
	for _, kv := range extra {
		name, value, _ := strings.Cut(kv, "=")
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		switch name {
		case sidecar.EnvResourceARN, sidecar.EnvResourceName, sidecar.EnvVirtualNodeName:
			return usageErrorf("--set %s: give the identity with --virtual-node or --virtual-gateway", name)
		}
		if known[name] || value == "" || envHas(parsed.Env(), name) {
			continue
		}
		// A name the agent does not read (ParseEnv drops those): the user asked for it,
		// so it is written as given rather than silently lost.
		passThrough = append(passThrough, sidecar.EnvVar{Name: name, Value: value})
	}
	merged, findings, err := sidecar.ParseEnv(environ)
	if err != nil {
		return usageErrorf("--set: %v", err)
	}
	for _, f := range findings {
		if f.Severity == sidecar.SeverityError {
			return usageErrorf("--set: %s", f.String())
		}
	}
	merged.Resource, merged.ResourceVariable = cc.Resource, cc.ResourceVariable
	merged.ListenerPorts, merged.ImageVersion = cc.ListenerPorts, cc.ImageVersion
	for _, v := range passThrough {
		if merged.Extra == nil {
			merged.Extra = map[string]string{}
		}
		merged.Extra[v.Name] = v.Value
	}
	*cc = merged
	return nil
}

func envHas(env []sidecar.EnvVar, name string) bool {
	for _, v := range env {
		if v.Name == name {
			return true
		}
	}
	return false
}

func checkKind(v string, kind sidecar.ResourceKind, flagName string) error {
	r, err := sidecar.ParseResource(v)
	if err != nil {
		return usageErrorf("%s: %v", flagName, err)
	}
	if r.Kind != kind {
		return usageErrorf("%s %q is a %s", flagName, v, r.Kind)
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

// maxEnvFile bounds what env lint reads.
const maxEnvFile = 1 << 20

func runEnvLint(_ context.Context, a *app, args []string) error {
	c := a.newCmd("env lint", "FILE|- [--image-version TAG] [-o table|json]",
		`Checks an Envoy container environment (a dotenv file: NAME=value lines, as for docker
--env-file; '-' reads stdin) the way the image's agent reads it: values it would reject,
values it would silently reset or clamp, variables another one overrides, typos of known
names, settings the given image version does not support.

Prints every finding on stdout. Exit status 2 when any finding is an error (the proxy
would not start), else 0 (warnings included).

JSON keys (stable), one object per finding: severity (error, warning or info), kind,
variable, message.`,
		`appmesh-envoy env lint envoy.env
docker inspect -f '{{range .Config.Env}}{{println .}}{{end}}' envoy | appmesh-envoy env lint -`,
		"table", "json")
	imageVersion := c.String("image-version", "", "check against image `TAG` such as v1.29.6.0-prod")
	pos, err := c.parse(args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErrorf("env lint takes one FILE (or - for stdin), got %d arguments", len(pos))
	}
	var r io.Reader = a.stdin
	name := "stdin"
	if pos[0] != "-" {
		f, err := os.Open(pos[0])
		if err != nil {
			return usageErrorf("env lint: %v", err)
		}
		defer f.Close()
		r, name = f, pos[0]
	}
	data, err := io.ReadAll(io.LimitReader(r, maxEnvFile+1))
	if err != nil {
		return fmt.Errorf("read %s: %w", name, err)
	}
	if len(data) > maxEnvFile {
		return usageErrorf("env lint: %s is larger than 1 MiB; that is not an environment file", name)
	}
	lines, err := sidecar.SplitEnvLines(data)
	if err != nil {
		return usageErrorf("env lint %s: %v", name, err)
	}
	var findings []sidecar.Finding
	if *imageVersion != "" {
		v, verr := appmeshenvoy.ParseVersion(*imageVersion)
		if verr != nil {
			return usageErrorf("--image-version: %v", verr)
		}
		_, findings, err = sidecar.ParseEnvFor(lines, v)
	} else {
		_, findings, err = sidecar.ParseEnv(lines)
	}
	if err != nil {
		var se *sidecar.EnvSyntaxError
		if errors.As(err, &se) || errors.Is(err, sidecar.ErrNotEnvironment) {
			return usageErrorf("env lint %s: %v", name, err)
		}
		return err
	}
	errorsFound := 0
	for _, f := range findings {
		if f.Severity == sidecar.SeverityError {
			errorsFound++
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
	if errorsFound > 0 {
		fmt.Fprintf(a.stderr, "%s: env lint %s: %d error(s): the proxy would not start with this environment; fix the errors above\n", progName, name, errorsFound)
		return quietError{exitUsage}
	}
	return nil
}

// setFlag points *dst at a copy of *v when the flag name was given on the command line,
// so that flags left out keep the image's defaults.
func setFlag[T any](set map[string]bool, name string, v *T, dst **T) {
	if set[name] {
		x := *v
		*dst = &x
	}
}
