package main

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/inventory"
)

// inventoryJSON is the output of 'inventory -o json'. The keys are stable.
type inventoryJSON struct {
	Containers []containerJSON `json:"containers"`
	Failures   []failureJSON   `json:"failures"`
	Summary    summaryJSON     `json:"summary"`
}

// containerJSON is one Envoy container. The keys are stable.
type containerJSON struct {
	Platform string `json:"platform"`
	// ECS.
	Account        string   `json:"account,omitempty"`
	Region         string   `json:"region,omitempty"`
	TaskDefinition string   `json:"taskDefinition,omitempty"`
	Services       []string `json:"services,omitempty"`
	// Kubernetes.
	File      string `json:"file,omitempty"`
	Line      int    `json:"line,omitempty"`
	Column    int    `json:"column,omitempty"`
	Namespace string `json:"namespace,omitempty"`
	Kind      string `json:"kind,omitempty"`
	Workload  string `json:"workload,omitempty"`
	Init      bool   `json:"init,omitempty"`
	// Both.
	Container    string   `json:"container"`
	Image        string   `json:"image"`
	Registry     string   `json:"registry"`
	Repository   string   `json:"repository"`
	Tag          string   `json:"tag,omitempty"`
	Digest       string   `json:"digest,omitempty"`
	Pinned       bool     `json:"pinned"`
	Source       string   `json:"source"`
	Latest       string   `json:"latest"`
	LatestSource string   `json:"latestSource"`
	Verdicts     []string `json:"verdicts"`
}

// failureJSON is one part of the inventory that could not be read. The keys are stable.
type failureJSON struct {
	Account  string `json:"account,omitempty"`
	Region   string `json:"region,omitempty"`
	Action   string `json:"action"`
	Resource string `json:"resource,omitempty"`
	Code     string `json:"code"`
	Error    string `json:"error"`
}

// summaryJSON counts what was scanned and found. The keys are stable.
type summaryJSON struct {
	Scanned    int            `json:"scanned,omitempty"`
	Services   int            `json:"services,omitempty"`
	Containers int            `json:"containers"`
	Failures   int            `json:"failures"`
	Verdicts   map[string]int `json:"verdicts"`
}

const inventoryJSONKeys = `JSON keys (stable): containers (one object per Envoy container: platform (ecs or
kubernetes); for ECS account, region, taskDefinition (ARN), services (ARNs of the services
whose deployments run it); for Kubernetes file, line, column, namespace, kind, workload,
init (an init container); then container (its name), image, registry, repository, tag,
digest, pinned, source (aws, gallery, pull-through-cache or mirror), latest (the image
compared with), latestSource (ssm, or builtin for the final release), verdicts), failures
(account, region, action (the IAM action that failed), resource, code (the stable error
code, such as access-denied, region-not-enabled, throttled), error) and summary (scanned,
services, containers, failures, verdicts: a count per verdict).

CSV: one row per container, then one per failure, with the columns type (container or
failure), platform, account, region, task_definition, services, file, line, namespace,
kind, workload, container, init, image, pinned, source, latest, verdicts, code, error;
lists are separated by spaces.`

const verdictHelp = `Verdicts: at-risk (pulls from a registry AWS controls: its App Mesh Envoy
registries or the public gallery, which AWS may empty now that App Mesh support has ended),
below-minimum (older than v1.17.2.0, or from the retired account), older (than the region's
latest, or the final release v1.39.1.0 where the SSM parameter is gone), unknown-version (a
tag that is no Envoy version, or a digest only), unpinned (no digest), ok (none of these).
A container counts as Envoy by its image repository (aws-appmesh-envoy, or a --mirror you
name), never by its name.`

func runInventory(ctx context.Context, a *app, args []string) error {
	if len(args) > 0 && (args[0] == "kubernetes" || args[0] == "k8s") {
		return runInventoryKubernetes(a, args[1:])
	}
	c := a.newCmd("inventory", "[--region R]... | --all-regions [--partition ID]  [--role-arn ARN]... [--fail-on VERDICTS] [-o table|json|csv]",
		`Lists the ECS services of one or more accounts in one or more regions, the task
definitions their deployments run, and in each the Envoy containers: the image, whether it
is pinned by digest, where it pulls from, its verdicts and the services that use it.

Accounts: --role-arn (repeatable, or a comma-separated list) names a role to assume in each
account; without it the caller's own account is scanned. Regions: --region (repeatable),
or every region of a partition with --all-regions. Versions are compared with each region's
latest image (the public SSM parameter, read once per region with the caller's
credentials) or, where the parameter is gone or with --final-release, with the final
release.

What cannot be read (a role that cannot be assumed, a region without ECS access) is listed
with its error code next to everything that could be read. Progress goes to stderr when it
is a terminal. 'policy --principal inventory' prints the IAM policy this command needs.

`+verdictHelp+`

Exit status: 1 when a container has a verdict of --fail-on (default at-risk,below-minimum;
"never" to turn it off) or when a part of the inventory failed (with --all-regions, an
opt-in region the account has not enabled does not count), 2 for bad usage or input.

Subcommand: 'inventory kubernetes FILE...' reads Kubernetes manifests instead.

`+inventoryJSONKeys,
		`appmesh-envoy inventory --all-regions --role-arn arn:aws:iam::111122223333:role/inventory -o json
appmesh-envoy inventory --region us-west-2 --fail-on at-risk,unpinned -o csv > envoy.csv`,
		"table", "json", "csv")
	all := c.Bool("all-regions", false, "every region of the partition")
	partition := c.String("partition", "", "partition `ID` for --all-regions (aws, aws-cn)")
	var roles, mirrors stringList
	c.Var(&roles, "role-arn", "assume the role `ARN` to scan its account (repeatable)")
	c.Var(&mirrors, "mirror", "also count images of your repository `REPO` (host/path; {region} allowed) as Envoy (repeatable)")
	failOn := c.String("fail-on", "at-risk,below-minimum", "exit 1 when a container has one of `VERDICTS` (comma-separated), or never")
	final := c.Bool("final-release", false, "compare with the final release v1.39.1.0 instead of reading SSM")
	concurrency := c.Int("concurrency", inventory.DefaultConcurrency, "scan `N` account-region pairs at once")
	regionConcurrency := c.Int("region-concurrency", inventory.DefaultRegionConcurrency, "make at most `N` ECS calls at once per account and region")
	pos, err := c.parse(args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErrorf("inventory takes no arguments, got %q (for manifests: appmesh-envoy inventory kubernetes FILE...)", pos[0])
	}
	failVerdicts, err := inventory.ParseVerdicts(*failOn)
	if err != nil {
		return usageErrorf("--fail-on: %v", err)
	}
	if *concurrency < 1 || *regionConcurrency < 1 {
		return usageErrorf("--concurrency and --region-concurrency must be at least 1")
	}
	cfg, err := a.loadConfig(ctx, "")
	if err != nil {
		return err
	}
	codes, err := a.selectRegions(cfg.Region, *all, *partition)
	if err != nil {
		return err
	}
	cfg.Region = codes[0]
	if err := a.checkCredentials(ctx, cfg); err != nil {
		return err
	}
	progress := a.progressLine()
	s := inventory.NewScanner(cfg, func(o *inventory.Options) {
		o.Roles = roles
		o.Matcher = inventory.Matcher{Mirrors: mirrors}
		o.Concurrency = *concurrency
		o.RegionConcurrency = *regionConcurrency
		o.ECSOptions = a.ecsOptions()
		o.STSOptions = a.stsOptions()
		o.SSMOptions = a.ssmOptions()
		if *final {
			o.Latest = inventory.FinalRelease
		}
		o.Progress = progress.update
	})
	rep, err := s.ECS(ctx, codes)
	progress.clear()
	if err != nil {
		if appmeshenvoy.CodeOf(err).Input() {
			return usageError{err}
		}
		return err
	}
	return a.finishInventory(rep, failVerdicts, func(f inventory.Failure) bool {
		return *all && errors.Is(f.Err, appmeshenvoy.ErrRegionNotEnabled)
	})
}

// finishInventory prints the report and returns the command's error: failures (those
// tolerated excepted), then containers with a --fail-on verdict.
func (a *app) finishInventory(rep inventory.Report, failOn []inventory.Verdict, tolerated func(inventory.Failure) bool) error {
	if err := a.printInventory(rep); err != nil {
		return err
	}
	failed := 0
	for _, f := range rep.Failures {
		if !tolerated(f) {
			failed++
		}
	}
	flagged := 0
	for _, c := range rep.Containers {
		if c.Has(failOn...) {
			flagged++
		}
	}
	var msgs []string
	if failed > 0 {
		msgs = append(msgs, fmt.Sprintf("%d part(s) of the inventory could not be read (see failures above; their code says why)", failed))
	}
	if flagged > 0 {
		names := make([]string, len(failOn))
		for i, v := range failOn {
			names[i] = string(v)
		}
		msgs = append(msgs, fmt.Sprintf("%d of %d Envoy containers are %s (--fail-on); copy the image to your own registry and pin it: appmesh-envoy rewrite --to REPO",
			flagged, len(rep.Containers), strings.Join(names, " or ")))
	}
	if len(msgs) > 0 {
		return errors.New(strings.Join(msgs, "; "))
	}
	return nil
}

func toJSON(rep inventory.Report) inventoryJSON {
	out := inventoryJSON{Containers: []containerJSON{}, Failures: []failureJSON{},
		Summary: summaryJSON{Scanned: rep.Scanned, Services: rep.Services, Containers: len(rep.Containers), Failures: len(rep.Failures), Verdicts: map[string]int{}}}
	for _, c := range rep.Containers {
		row := containerJSON{
			Platform: string(c.Platform), Account: c.Account, Region: c.Region, TaskDefinition: c.TaskDefinition, Services: c.Services,
			File: c.File, Line: c.Line, Column: c.Column, Namespace: c.Namespace, Kind: c.Kind, Workload: c.Workload, Init: c.Init,
			Container: c.Name, Image: c.Reference, Registry: c.Image.Registry, Repository: c.Image.Repository, Tag: c.Image.Tag,
			Digest: c.Image.Digest, Pinned: c.Pinned(), Source: string(c.Source), Latest: c.Latest.String(), LatestSource: string(c.LatestSource),
		}
		for _, v := range c.Verdicts {
			row.Verdicts = append(row.Verdicts, string(v))
			out.Summary.Verdicts[string(v)]++
		}
		out.Containers = append(out.Containers, row)
	}
	for _, f := range rep.Failures {
		out.Failures = append(out.Failures, failureJSON{Account: f.Account, Region: f.Region, Action: f.Action, Resource: f.Resource,
			Code: string(appmeshenvoy.CodeOf(f.Err)), Error: oneLine(f.Err.Error())})
	}
	return out
}

func (a *app) printInventory(rep inventory.Report) error {
	out := toJSON(rep)
	switch a.g.output {
	case "json":
		return writeJSON(a.stdout, out)
	case "csv":
		w := csv.NewWriter(a.stdout)
		_ = w.Write([]string{"type", "platform", "account", "region", "task_definition", "services", "file", "line", "namespace", "kind", "workload",
			"container", "init", "image", "pinned", "source", "latest", "verdicts", "code", "error"})
		for _, c := range out.Containers {
			line := ""
			if c.Line > 0 {
				line = strconv.Itoa(c.Line)
			}
			_ = w.Write([]string{"container", c.Platform, c.Account, c.Region, c.TaskDefinition, strings.Join(c.Services, " "), c.File, line,
				c.Namespace, c.Kind, c.Workload, c.Container, strconv.FormatBool(c.Init), c.Image, strconv.FormatBool(c.Pinned), c.Source, c.Latest,
				strings.Join(c.Verdicts, " "), "", ""})
		}
		for _, f := range out.Failures {
			_ = w.Write([]string{"failure", "", f.Account, f.Region, "", "", "", "", "", "", "", "", "", "", "", "", "", "", f.Code, f.Error})
		}
		w.Flush()
		return w.Error()
	}
	if len(rep.Containers) == 0 {
		fmt.Fprintln(a.stdout, "no Envoy containers found")
	} else if rep.Containers[0].Platform == inventory.PlatformKubernetes {
		t := newTable("FILE", "NAMESPACE", "WORKLOAD", "CONTAINER", "IMAGE", "SOURCE", "VERDICTS")
		for _, c := range out.Containers {
			name := c.Container
			if c.Init {
				name += " (init)"
			}
			t.add(c.File+":"+strconv.Itoa(c.Line), c.Namespace, c.Kind+"/"+c.Workload, name, c.Image, c.Source, strings.Join(c.Verdicts, ","))
		}
		if err := t.write(a.stdout); err != nil {
			return err
		}
	} else {
		t := newTable("ACCOUNT", "REGION", "TASK DEFINITION", "CONTAINER", "IMAGE", "SOURCE", "VERDICTS", "SERVICES")
		for _, c := range out.Containers {
			var svcs []string
			for _, s := range c.Services {
				svcs = append(svcs, shortService(s))
			}
			t.add(c.Account, c.Region, shortTaskDefinition(c.TaskDefinition), c.Container, c.Image, c.Source, strings.Join(c.Verdicts, ","), strings.Join(svcs, ","))
		}
		if err := t.write(a.stdout); err != nil {
			return err
		}
	}
	if len(out.Failures) > 0 {
		fmt.Fprintln(a.stdout)
		t := newTable("FAILED", "ACCOUNT", "REGION", "CODE", "ERROR")
		for _, f := range out.Failures {
			t.add(f.Action, f.Account, f.Region, f.Code, f.Error)
		}
		return t.write(a.stdout)
	}
	return nil
}

// shortService turns "arn:aws:ecs:us-west-2:111122223333:service/prod/web" into
// "prod/web".
func shortService(s string) string {
	if i := strings.Index(s, ":service/"); i >= 0 {
		return s[i+len(":service/"):]
	}
	return s
}

// shortTaskDefinition turns a task definition ARN into "family:revision".
func shortTaskDefinition(s string) string {
	if i := strings.Index(s, ":task-definition/"); i >= 0 {
		return s[i+len(":task-definition/"):]
	}
	return s
}

// progressLine writes "scanned N/M account-region pairs" on stderr, over itself, when
// stderr is a terminal; otherwise it does nothing.
type progressLine struct {
	a  *app
	on bool
}

func (a *app) progressLine() *progressLine {
	on := false
	if rw, ok := a.stderr.(*redactWriter); ok {
		if f, ok := rw.w.(*os.File); ok {
			if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
				on = true
			}
		}
	}
	return &progressLine{a: a, on: on}
}

func (p *progressLine) update(pr inventory.Progress) {
	if p.on {
		fmt.Fprintf(p.a.stderr, "\rscanned %d/%d account-region pairs: %d Envoy containers, %d failures ", pr.Done, pr.Total, pr.Containers, pr.Failures)
	}
}

func (p *progressLine) clear() {
	if p.on {
		fmt.Fprint(p.a.stderr, "\r\033[K")
	}
}

// ecsOptions returns the ECS client options of this invocation: BaseEndpoint from
// --endpoint-url.
func (a *app) ecsOptions() []func(*ecs.Options) {
	if e := a.endpoint(); e != nil {
		return []func(*ecs.Options){func(o *ecs.Options) { o.BaseEndpoint = e }}
	}
	return nil
}

// stsOptions returns the STS client options of this invocation: BaseEndpoint from
// --endpoint-url.
func (a *app) stsOptions() []func(*sts.Options) {
	if e := a.endpoint(); e != nil {
		return []func(*sts.Options){func(o *sts.Options) { o.BaseEndpoint = e }}
	}
	return nil
}

func runInventoryKubernetes(a *app, args []string) error {
	c := a.newCmd("inventory kubernetes", "FILE... | - [--fail-on VERDICTS] [-o table|json|csv]",
		`Reads Kubernetes manifests — YAML or JSON, any number of documents, List kinds such as
the output of 'kubectl get pods,deployments,daemonsets,statefulsets,cronjobs -A -o json' —
from files or standard input ("-"), and lists the Envoy containers and init containers of
every workload (namespace, kind, name, container) with their verdicts. No cluster access and
no AWS call: versions are compared with the final release v1.39.1.0.

`+verdictHelp+`

Exit status: 1 when a container has a verdict of --fail-on (default at-risk,below-minimum;
"never" to turn it off), 2 for bad usage or input (a file that is not YAML or JSON: the
error names the file, line and column).

`+inventoryJSONKeys,
		`kubectl get pods,deployments,daemonsets,statefulsets,cronjobs -A -o json | appmesh-envoy inventory kubernetes -
helm template ./chart | appmesh-envoy inventory kubernetes - -o json`,
		"table", "json", "csv")
	var mirrors stringList
	c.Var(&mirrors, "mirror", "also count images of your repository `REPO` (host/path; {region} allowed) as Envoy (repeatable)")
	failOn := c.String("fail-on", "at-risk,below-minimum", "exit 1 when a container has one of `VERDICTS` (comma-separated), or never")
	files, err := c.parse(args)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return usageErrorf("inventory kubernetes: name the manifest files, or - for standard input")
	}
	failVerdicts, err := inventory.ParseVerdicts(*failOn)
	if err != nil {
		return usageErrorf("--fail-on: %v", err)
	}
	var rep inventory.Report
	m := inventory.Matcher{Mirrors: mirrors}
	for _, f := range files {
		data, err := a.readInput(f, inventory.MaxManifestSize)
		if err != nil {
			return err
		}
		found, err := inventory.Kubernetes(f, data, m)
		if err != nil {
			return usageError{err}
		}
		rep.Containers = append(rep.Containers, found...)
	}
	return a.finishInventory(rep, failVerdicts, func(inventory.Failure) bool { return false })
}

// readInput reads a file named on the command line ("-": standard input), at most limit
// bytes; failures are input errors.
func (a *app) readInput(name string, limit int64) ([]byte, error) {
	var r io.Reader
	if name == "-" {
		r = a.stdin
	} else {
		f, err := os.Open(name)
		if err != nil {
			return nil, usageErrorf("read %s: %v", name, errors.Unwrap(err))
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, usageErrorf("read %s: %v", name, err)
	}
	if int64(len(data)) > limit {
		return nil, usageErrorf("%s is larger than %d MiB", name, limit>>20)
	}
	return data, nil
}
