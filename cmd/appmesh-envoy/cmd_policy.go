package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/sidecar"
	"github.com/appmesh-envoy/appmesh-envoy-go/iampolicy"
)

// Principals of 'policy --principal'.
const (
	principalPuller   = "puller"
	principalEnvoy    = "envoy"
	principalResolver = "resolver"
	principalAll      = "all"
)

// policyFlags are the flags of 'policy'.
type policyFlags struct {
	principal      string
	all            bool
	partition      string
	virtualNodes   stringList
	virtualGateway stringList
	meshes         stringList
	xray           bool
	mirrors        stringList
	mirrorsOnly    bool
	regionWildcard bool
	layerCheck     bool
}

func runPolicy(ctx context.Context, a *app, args []string) error {
	c := a.newCmd("policy", "--principal puller|envoy|resolver|all [--region R]... | --all-regions [--partition ID] [flags]",
		`Prints the least-privilege IAM policy (JSON, nothing else on stdout) for one principal:

  puller    the role that pulls the image: ECS task execution role, EKS node role,
            Fargate pod execution role (ecr:GetAuthorizationToken on *, pulls on each
            region's Envoy repository and on --mirror repositories)
  envoy     Envoy's own identity: ECS task role, IRSA/pod role
            (appmesh:StreamAggregatedResources on --virtual-node/--virtual-gateway/--mesh,
            X-Ray writes with --xray)
  resolver  the deployment tool that resolves the image (ssm:GetParameter on each region's
            public parameter)
  all       all three in one document, for a single role

Regions are chosen as for 'image', within one partition. The policy is built and
validated locally; no AWS call is made.`,
		`appmesh-envoy policy --principal puller --all-regions > execution-role-policy.json
appmesh-envoy policy --principal envoy --virtual-node arn:aws:appmesh:us-west-2:111122223333:mesh/shop/virtualNode/cart --xray`,
		"json", "compact")
	var pf policyFlags
	c.StringVar(&pf.principal, "principal", principalPuller, "`WHO`: puller, envoy, resolver or all")
	c.BoolVar(&pf.all, "all-regions", false, "every region of the partition")
	c.StringVar(&pf.partition, "partition", "", "partition `ID` (aws, aws-cn)")
	c.Var(&pf.virtualNodes, "virtual-node", "virtual node `ARN` Envoy runs as (repeatable)")
	c.Var(&pf.virtualGateway, "virtual-gateway", "virtual gateway `ARN` Envoy runs as (repeatable)")
	c.Var(&pf.meshes, "mesh", "mesh `ARN` whose every virtual node may be served (repeatable; broader)")
	c.BoolVar(&pf.xray, "xray", false, "add the X-Ray actions Envoy needs with ENABLE_ENVOY_XRAY_TRACING")
	c.Var(&pf.mirrors, "mirror", "your own repository holding a copy of the image: `ARN` or URI (repeatable)")
	c.BoolVar(&pf.mirrorsOnly, "mirrors-only", false, "name only the --mirror repositories, not AWS's")
	c.BoolVar(&pf.regionWildcard, "region-wildcard", false, "one ARN per registry account with * as region (shorter, broader)")
	c.BoolVar(&pf.layerCheck, "batch-check-layer-availability", false, "also allow ecr:BatchCheckLayerAvailability")
	applyRole := c.String("apply-to-role", "", "also store the policy on IAM role `NAME` (idempotent)")
	inlineName := c.String("policy-name", "", "inline policy `NAME` for --apply-to-role (default AppMeshEnvoy-<principal>)")
	managed := c.String("managed", "", "with --apply-to-role: store it as customer managed policy `NAME` and attach it, instead of inline")
	dryRun := c.Bool("dry-run", false, "with --apply-to-role: say what would change, write nothing")
	pos, err := c.parse(args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErrorf("policy takes no arguments, got %q", pos[0])
	}
	if *applyRole == "" && (*managed != "" || *dryRun || *inlineName != "") {
		return usageErrorf("--managed, --policy-name and --dry-run go with --apply-to-role ROLE")
	}
	if *managed != "" && *inlineName != "" {
		return usageErrorf("give --policy-name (inline) or --managed NAME, not both")
	}
	doc, err := a.buildPolicy(ctx, &pf)
	if err != nil {
		return err
	}
	kind := iampolicy.KindManaged
	if *applyRole != "" && *managed == "" {
		kind = iampolicy.KindInline
	}
	if err := doc.ValidateAs(kind); err != nil {
		if errors.Is(err, iampolicy.ErrTooLarge) {
			return fmt.Errorf("%v; use --region-wildcard or fewer regions", err)
		}
		return err
	}
	if *applyRole != "" {
		if err := a.applyPolicy(ctx, doc, *applyRole, *inlineName, *managed, pf.principal, *dryRun); err != nil {
			return err
		}
	}
	if a.g.output == "compact" {
		b, err := doc.MarshalJSON()
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(a.stdout, "%s\n", b)
		return err
	}
	b := doc.Indent()
	if len(b) == 0 || b[len(b)-1] != '\n' {
		b = append(b, '\n')
	}
	_, err = a.stdout.Write(b)
	return err
}

func (a *app) buildPolicy(ctx context.Context, pf *policyFlags) (iampolicy.Document, error) {
	switch pf.principal {
	case principalPuller, principalEnvoy, principalResolver, principalAll:
	default:
		return iampolicy.Document{}, usageErrorf("--principal %q is not one of puller, envoy, resolver, all", pf.principal)
	}
	wantRegions := pf.principal != principalEnvoy
	var regs iampolicy.Regions
	if wantRegions {
		configured := ""
		if len(a.g.regions) == 0 && !pf.all {
			cfg, err := a.loadConfig(ctx, "")
			if err != nil {
				return iampolicy.Document{}, err
			}
			configured = cfg.Region
		} else if pf.all && len(a.g.regions) == 0 && pf.partition == "" {
			configured = envRegion()
		}
		codes, err := a.selectRegions(configured, pf.all, pf.partition)
		if err != nil {
			return iampolicy.Document{}, err
		}
		regs = iampolicy.Regions{Codes: codes, RegionWildcard: pf.regionWildcard}
	}
	var resources []string
	for _, list := range []struct {
		vals stringList
		kind sidecar.ResourceKind
		flag string
	}{{pf.virtualNodes, sidecar.KindVirtualNode, "--virtual-node"}, {pf.virtualGateway, sidecar.KindVirtualGateway, "--virtual-gateway"}} {
		for _, v := range list.vals {
			r, err := sidecar.ParseResource(v)
			if err != nil {
				return iampolicy.Document{}, usageErrorf("%s: %v", list.flag, err)
			}
			if !r.IsARN() {
				return iampolicy.Document{}, usageErrorf("%s %q: a policy needs the full ARN, arn:aws:appmesh:REGION:ACCOUNT:%s", list.flag, v, r.String())
			}
			if r.Service == sidecar.ServiceAppMeshPreview {
				return iampolicy.Document{}, usageErrorf("%s %q: a preview-channel (appmesh-preview) resource; the policy grants appmesh:StreamAggregatedResources for appmesh ARNs only", list.flag, v)
			}
			if r.Kind != list.kind {
				return iampolicy.Document{}, usageErrorf("%s %q is a %s", list.flag, v, r.Kind)
			}
			resources = append(resources, r.String())
		}
	}
	mirrors := make([]string, 0, len(pf.mirrors))
	for _, m := range pf.mirrors {
		arn, err := repositoryARN(m)
		if err != nil {
			return iampolicy.Document{}, usageErrorf("--mirror: %v", err)
		}
		mirrors = append(mirrors, arn)
	}
	if pf.mirrorsOnly && len(mirrors) == 0 {
		return iampolicy.Document{}, usageErrorf("--mirrors-only needs at least one --mirror REPOSITORY")
	}
	wantProxy := pf.principal == principalEnvoy || pf.principal == principalAll
	if wantProxy && len(resources) == 0 && len(pf.meshes) == 0 {
		return iampolicy.Document{}, usageErrorf("--principal %s needs the proxy's identity: --virtual-node ARN, --virtual-gateway ARN or --mesh ARN", pf.principal)
	}
	var docs []iampolicy.Document
	build := func(doc iampolicy.Document, err error) error {
		if err != nil {
			if errors.Is(err, iampolicy.ErrInvalidInput) {
				return usageError{err}
			}
			return err
		}
		docs = append(docs, doc)
		return nil
	}
	if pf.principal == principalPuller || pf.principal == principalAll {
		if err := build(iampolicy.ImagePull(iampolicy.PullOptions{Regions: regs, BatchCheckLayerAvailability: pf.layerCheck, Mirrors: mirrors, MirrorsOnly: pf.mirrorsOnly})); err != nil {
			return iampolicy.Document{}, err
		}
	}
	if wantProxy {
		if err := build(iampolicy.ProxyAuthorization(iampolicy.ProxyOptions{Resources: resources, Meshes: pf.meshes, Tracing: pf.xray})); err != nil {
			return iampolicy.Document{}, err
		}
	}
	if pf.principal == principalResolver || pf.principal == principalAll {
		if err := build(iampolicy.ParameterRead(iampolicy.ParameterOptions{Regions: regs})); err != nil {
			return iampolicy.Document{}, err
		}
	}
	if len(docs) == 1 {
		return docs[0], nil
	}
	doc, err := iampolicy.Combined(docs...)
	if err != nil {
		if errors.Is(err, iampolicy.ErrInvalidInput) || errors.Is(err, iampolicy.ErrMixedPartitions) {
			return iampolicy.Document{}, usageError{err}
		}
		return iampolicy.Document{}, err
	}
	return doc, nil
}

// repositoryARN accepts a repository ARN as is, or turns a repository URI
// ("111122223333.dkr.ecr.us-west-2.amazonaws.com/envoy") into its ARN.
func repositoryARN(s string) (string, error) {
	if strings.HasPrefix(s, "arn:") {
		return s, nil
	}
	host, path, ok := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(s, "https://"), "http://"), "/")
	path = strings.TrimRight(path, "/")
	if !ok || path == "" {
		return "", fmt.Errorf("%q is neither a repository ARN nor a repository URI (HOST/REPOSITORY)", s)
	}
	if strings.ContainsAny(path, ":@") {
		// An image reference pasted whole: IAM grants on the repository, whatever the tag.
		return "", fmt.Errorf("%q is an image reference; give the repository without tag or digest, such as %s/%s", s, host, strings.FieldsFunc(path, func(r rune) bool { return r == ':' || r == '@' })[0])
	}
	reg, err := appmeshenvoy.ParseRegistryHost(host)
	if err != nil {
		return "", err
	}
	if reg.Public || reg.Account == "" {
		return "", fmt.Errorf("%q is not a private ECR repository; IAM does not govern public pulls", s)
	}
	return "arn:" + reg.Partition + ":ecr:" + reg.Region + ":" + reg.Account + ":repository/" + path, nil
}

// applyPolicy stores doc on role, inline or managed, and reports the change on stderr.
func (a *app) applyPolicy(ctx context.Context, doc iampolicy.Document, role, inlineName, managed, principal string, dryRun bool) error {
	cfg, err := a.loadConfig(ctx, "")
	if err != nil {
		return err
	}
	if cfg.Region == "" {
		// IAM is global; any region of the partition signs its requests.
		cfg.Region = "us-east-1"
		if len(a.g.regions) > 0 {
			cfg.Region = a.g.regions[0]
		}
	}
	if err := a.checkCredentials(ctx, cfg); err != nil {
		return err
	}
	ap := iampolicy.NewApplier(cfg, func(o *iampolicy.ApplierOptions) {
		o.DryRun = dryRun
		o.IAM = a.iamClient(cfg)
		o.STS = a.stsClient(cfg)
	})
	var change iampolicy.Change
	if managed != "" {
		change, err = ap.PutManaged(ctx, role, managed, doc)
	} else {
		if inlineName == "" {
			inlineName = "AppMeshEnvoy-" + principal
		}
		change, err = ap.PutInline(ctx, role, inlineName, doc)
	}
	if err != nil {
		if errors.Is(err, iampolicy.ErrInvalidInput) {
			return usageError{err}
		}
		return err
	}
	fmt.Fprintln(a.stderr, change.String())
	return nil
}
