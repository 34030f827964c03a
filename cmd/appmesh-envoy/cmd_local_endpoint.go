package main

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/appmeshenvoytest"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/lazyregexp"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/quote"
	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

// defaultLocalRole is the IAM role every local endpoint has.
const defaultLocalRole = "ecsTaskExecutionRole"

// localServices are the services the local endpoint serves; fault rules are set per
// service so that each answers in its own protocol's error codes.
var localServices = [...]string{"ssm", "ecr", "iam", "sts"}

// maxLatency bounds --latency: longer waits exceed every client's timeout anyway.
const maxLatency = time.Hour

// roleName is IAM's pattern for a role name (IAM API Reference, CreateRole,
// RoleName: https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html).
var roleName = lazyregexp.New(`^[\w+=,.@-]{1,64}$`)

// localFaults are the fault flags of local-endpoint.
type localFaults struct {
	latency                        stringList // REGION=DURATION
	throttleRate, errorRate        float64
	seed                           int64
	failRegions, denyRegions       stringList
	notEnabledRegions, noParameter stringList
}

func (f *localFaults) register(c *cmdFlags) {
	c.Var(&f.latency, "latency", "delay every answer in a region: `REGION=DURATION` (REGION * for all; repeatable)")
	c.Float64Var(&f.throttleRate, "throttle-rate", 0, "answer this fraction `RATE` (0 to 1) of all requests with a throttling error")
	c.Float64Var(&f.errorRate, "error-rate", 0, "answer this fraction `RATE` (0 to 1) of all requests with an HTTP 500 server error")
	c.Int64Var(&f.seed, "seed", 1, "seed `N` of the --throttle-rate and --error-rate draws (the same seed repeats a run)")
	c.Var(&f.failRegions, "fail-region", "answer every request in `REGION` with an HTTP 500 server error (repeatable)")
	c.Var(&f.denyRegions, "deny-region", "answer every request in `REGION` with AccessDenied (repeatable)")
	c.Var(&f.notEnabledRegions, "not-enabled", "treat the opt-in `REGION` as not enabled for the account (repeatable)")
	c.Var(&f.noParameter, "no-parameter", "delete the public Envoy parameter in `REGION` (repeatable)")
}

// localFaultsHelp is the recipe per fault that 'local-endpoint --help' shows.
const localFaultsHelp = `Faults, so that every error path can be tried from a shell (start the endpoint with the
flag, then run the second command against it; see the error codes in '-o json'):

  slow region (the other regions are not held up by it):
    appmesh-envoy local-endpoint --latency eu-west-1=3s --latency '*=100ms'
    appmesh-envoy image --all-regions -o json
  throttling and server errors on a share of requests (retried; some may stay failed):
    appmesh-envoy local-endpoint --throttle-rate 0.3 --error-rate 0.1 --seed 7
    appmesh-envoy image --all-regions -o json            # code throttled / server-error
  a failing region:
    appmesh-envoy local-endpoint --fail-region ap-south-1
    appmesh-envoy image --region ap-south-1 -o json      # code server-error, exit 1
  access denied in a region:
    appmesh-envoy local-endpoint --deny-region eu-west-1
    appmesh-envoy image --region eu-west-1 -o json       # code access-denied, exit 1
  an opt-in region the account has not enabled:
    appmesh-envoy local-endpoint --not-enabled af-south-1
    appmesh-envoy image --all-regions -o json            # status not-enabled, exit 0
  a region whose public parameter is gone (App Mesh retired there):
    appmesh-envoy local-endpoint --no-parameter eu-north-1
    appmesh-envoy image --region eu-north-1 -o json      # code parameter-not-found, exit 1`

// apply checks the fault flags and sets them on srv. It returns one line per fault for
// stderr, or a usage error before anything is set.
func (f *localFaults) apply(srv *appmeshenvoytest.Server) ([]string, error) {
	type latency struct {
		region string
		d      time.Duration
	}
	var latencies []latency
	for _, l := range f.latency {
		code, ds, ok := strings.Cut(l, "=")
		if !ok {
			return nil, usageErrorf("--latency %s: want REGION=DURATION, such as eu-west-1=2s or '*=100ms'", quote.Input(l))
		}
		code = strings.TrimSpace(code)
		if code != "*" {
			r, err := region.Lookup(code)
			if err != nil {
				return nil, usageErrorf("--latency: %v", err)
			}
			code = r.Code
		}
		d, err := time.ParseDuration(strings.TrimSpace(ds))
		if err != nil || d <= 0 || d > maxLatency {
			return nil, usageErrorf("--latency %s: %s is not a duration between 1ns and 1h, such as 2s or 150ms", quote.Input(l), quote.Input(ds))
		}
		latencies = append(latencies, latency{code, d})
	}
	for _, r := range []struct {
		flag string
		v    float64
	}{{"--throttle-rate", f.throttleRate}, {"--error-rate", f.errorRate}} {
		if !(r.v >= 0 && r.v <= 1) {
			return nil, usageErrorf("%s %v is not a fraction between 0 and 1", r.flag, r.v)
		}
	}
	if f.throttleRate+f.errorRate > 1 {
		return nil, usageErrorf("--throttle-rate %v and --error-rate %v add up to more than 1", f.throttleRate, f.errorRate)
	}
	lists := []struct {
		flag   string
		codes  []string
		optIn  bool
		action string
	}{
		{"--fail-region", f.failRegions, false, "every request fails with HTTP 500"},
		{"--deny-region", f.denyRegions, false, "every request is denied"},
		{"--not-enabled", f.notEnabledRegions, true, "not enabled for the account"},
		{"--no-parameter", f.noParameter, false, "no public Envoy parameter"},
	}
	regionsOf := make([][]string, len(lists))
	for i, l := range lists {
		for _, code := range l.codes {
			r, err := region.Lookup(code)
			if err != nil {
				return nil, usageErrorf("%s: %v", l.flag, err)
			}
			if l.optIn && !r.OptIn {
				return nil, usageErrorf("%s %s: not an opt-in region, so every account has it; opt-in regions are listed by 'appmesh-envoy regions' (OPT-IN yes)", l.flag, r.Code)
			}
			regionsOf[i] = append(regionsOf[i], r.Code)
		}
		regionsOf[i] = dedupe(regionsOf[i])
	}

	var notes []string
	for _, l := range latencies {
		srv.SetLatency("*", l.region, l.d)
		notes = append(notes, fmt.Sprintf("latency %s in %s", l.d, l.region))
	}
	for _, svc := range localServices {
		op := svc + ":*"
		srv.SetFailureRates(op, "*", f.seed,
			appmeshenvoytest.RateFault{Rate: f.throttleRate, Fault: appmeshenvoytest.Throttling(op)},
			appmeshenvoytest.RateFault{Rate: f.errorRate, Fault: appmeshenvoytest.InternalError(op)})
		// A region rule is more specific than the service-wide rates, so it wins there.
		for _, code := range regionsOf[0] {
			srv.SetFailureRate(op, code, 1, appmeshenvoytest.InternalError(op), f.seed)
		}
		for _, code := range regionsOf[1] {
			srv.SetFailureRate(op, code, 1, appmeshenvoytest.AccessDenied(op), f.seed)
		}
	}
	if f.throttleRate > 0 || f.errorRate > 0 {
		notes = append(notes, fmt.Sprintf("%g of requests throttled, %g answered with HTTP 500 (seed %d)", f.throttleRate, f.errorRate, f.seed))
	}
	for _, code := range regionsOf[2] {
		srv.SetRegionEnabled(code, false)
	}
	for _, code := range regionsOf[3] {
		srv.DeleteParameter(code)
	}
	for i, l := range lists {
		if len(regionsOf[i]) > 0 {
			notes = append(notes, strings.Join(regionsOf[i], ", ")+": "+l.action)
		}
	}
	return notes, nil
}

func runLocalEndpoint(ctx context.Context, a *app, args []string) error {
	c := a.newCmd("local-endpoint", "[--port N] [--role NAME]... [fault flags]",
		`Serves a local AWS endpoint (SSM, ECR, IAM and STS wire protocols, SigV4-verified) on
127.0.0.1 until interrupted (Ctrl-C or SIGTERM). Every region's public Envoy parameter and
image are there, so every command of this tool, the examples and the AWS CLI work against
it without an AWS account.

It is also the container registry of every ECR registry host, addressed by path:
127.0.0.1:PORT/<registry host>/<repository>:<tag>, with ECR's Basic login (user AWS, the
password of 'aws ecr get-login-password' against this endpoint). The public gallery is
there too, as 127.0.0.1:PORT/public.ecr.aws/appmesh/aws-appmesh-envoy.

IAM roles: ecsTaskExecutionRole exists, plus every --role NAME, in the test account, so
'policy --apply-to-role' works against it too.

ECS: --ecs-data FILE loads clusters, services and task definitions in any accounts and regions,
and roles STS AssumeRole lets you assume into those accounts, so 'inventory' runs against
it. The file is JSON: {"roles": [ROLE ARN...], "regions": [{"account": "111122223333",
"region": "us-west-2", "clusters": [NAME...], "taskDefinitions": [register-task-definition
input...], "services": [{"cluster": "prod", "name": "web", "taskDefinition": "web:1",
"deploying": "web:2"}]}]}.

The first line of stdout is the URL to pass as --endpoint-url; the next lines are shell
'export' lines: the test credentials it accepts (they work only against this server),
AWS_REGION and AWS_DEFAULT_REGION (--region, default us-west-2; AWS CLI v1 reads only the
latter) and AWS_ENDPOINT_URL, which this tool, current AWS SDKs and the AWS CLI from 2.13
(v2) or 1.29 (v1) honour, so that after eval no --endpoint-url is needed. Older AWS CLIs
ignore AWS_ENDPOINT_URL: give them --endpoint-url. Notes go to stderr.

`+localFaultsHelp,
		`appmesh-envoy local-endpoint --port 4566 > endpoint.txt &
eval "$(tail -n +2 endpoint.txt)"
appmesh-envoy image --all-regions`)
	port := c.Int("port", 0, "listen on 127.0.0.1:`N` (default: a free port)")
	var roles stringList
	c.Var(&roles, "role", "also create the IAM role `NAME` (repeatable)")
	var faults localFaults
	faults.register(c)
	seedFile := c.String("ecs-data", "", "load ECS services, task definitions and assumable roles from JSON `FILE` (appmeshenvoytest.ECSSeed)")
	pos, err := c.parse(args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErrorf("local-endpoint takes no arguments, got %s", quote.Input(pos[0]))
	}
	if *port < 0 || *port > 65535 {
		return usageErrorf("--port %d is not a TCP port (0-65535)", *port)
	}
	for _, r := range roles {
		if !roleName().MatchString(r) {
			return usageErrorf("--role %s is not an IAM role name (1 to 64 letters, digits and +=,.@_-)", quote.Input(r))
		}
	}
	regionCode, err := a.oneRegion("local-endpoint")
	if err != nil {
		return err
	}
	if regionCode == "" {
		regionCode = "us-west-2"
	}
	reg, err := region.Lookup(regionCode)
	if err != nil {
		return usageError{err}
	}
	var opts []appmeshenvoytest.Option
	if *port != 0 {
		opts = append(opts, appmeshenvoytest.WithAddr(net.JoinHostPort("127.0.0.1", strconv.Itoa(*port))))
	}
	srv := appmeshenvoytest.NewUnstartedServer(opts...)
	notes, err := faults.apply(srv)
	if err != nil {
		return err
	}
	if *seedFile != "" {
		data, err := a.readInput(*seedFile, 64<<20)
		if err != nil {
			return err
		}
		seed, err := appmeshenvoytest.ParseECSSeed(data)
		if err == nil {
			err = srv.SeedECS(seed)
		}
		if err != nil {
			return usageErrorf("--ecs-data %s: %v", *seedFile, err)
		}
	}
	if err := srv.Start(); err != nil {
		return fmt.Errorf("start the local endpoint on port %d: %w; choose another --port or 0 for a free one", *port, err)
	}
	defer srv.Close()
	roles = append([]string{defaultLocalRole}, roles...)
	for _, r := range dedupe(roles) {
		srv.AddRole(r)
	}

	// One write, so that a reader waiting for a non-empty file sees every line.
	fmt.Fprintf(a.stdout, "%[1]s\nexport AWS_ACCESS_KEY_ID=%[2]s\nexport AWS_SECRET_ACCESS_KEY=%[3]s\nexport AWS_REGION=%[4]s\nexport AWS_DEFAULT_REGION=%[4]s\nexport AWS_ENDPOINT_URL=%[1]s\n",
		srv.URL, appmeshenvoytest.AccessKeyID, appmeshenvoytest.SecretAccessKey, reg.Code)
	if f, ok := a.stdout.(interface{ Sync() error }); ok {
		_ = f.Sync()
	}
	fmt.Fprintf(a.stderr, "local AWS endpoint (SSM, ECR, IAM, STS, and the ECR registries at %s/<registry host>/...; test credentials only) serving at %s until interrupted\n",
		strings.TrimPrefix(srv.URL, "http://"), srv.URL)
	fmt.Fprintf(a.stderr, "use it: eval the export lines above, then run %s without --endpoint-url; an AWS CLI older than 2.13 (v2) or 1.29 (v1) ignores AWS_ENDPOINT_URL: give it --endpoint-url %s\n", progName, srv.URL)
	fmt.Fprintf(a.stderr, "IAM roles: %s\n", strings.Join(dedupe(roles), ", "))
	for _, n := range notes {
		fmt.Fprintf(a.stderr, "fault: %s\n", n)
	}
	<-ctx.Done()
	fmt.Fprintln(a.stderr, "local AWS endpoint stopped")
	return nil
}
