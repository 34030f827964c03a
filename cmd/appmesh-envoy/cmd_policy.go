package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/mirror"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/sidecar"
	"github.com/appmesh-envoy/appmesh-envoy-go/iampolicy"
	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

// Principals of 'policy --principal'.
const (
	principalPuller     = "puller"
	principalEnvoy      = "envoy"
	principalResolver   = "resolver"
	principalCacheAdmin = "cache-admin"
	principalMirror     = "mirror"
	principalInventory  = "inventory"
	principalAll        = "all"
)

// principals are the values of --principal, in the order help and completion list them.
var principals = []string{principalPuller, principalEnvoy, principalResolver, principalCacheAdmin, principalMirror, principalInventory, principalAll}

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
	applyRole      string
	inlineName     string
	managed        string
	dryRun         bool
	timeout        time.Duration
	caches         stringList
	publicGallery  bool
	fallbacks      stringList
	to             stringList     // mirror
	tags           stringList     // mirror
	fromGallery    bool           // mirror
	createRepo     bool           // mirror
	repoTags       repositoryTags // mirror
	roleARNs       stringList     // inventory
	accounts       stringList     // inventory
	finalRelease   bool           // inventory
	pin            bool           // resolver
}

// policyFlagPrincipals lists, for each flag that applies to some principals only, the
// principals it applies to; given with any other principal it is a usage error, not a
// flag silently ignored.
var policyFlagPrincipals = map[string][]string{
	"all-regions":                    {principalPuller, principalResolver, principalAll, principalMirror, principalInventory},
	"partition":                      {principalPuller, principalResolver, principalAll, principalMirror, principalInventory},
	"region-wildcard":                {principalPuller, principalResolver, principalAll, principalMirror, principalInventory},
	"mirror":                         {principalPuller, principalAll},
	"mirrors-only":                   {principalPuller, principalAll},
	"batch-check-layer-availability": {principalPuller, principalAll},
	"virtual-node":                   {principalEnvoy, principalAll},
	"virtual-gateway":                {principalEnvoy, principalAll},
	"mesh":                           {principalEnvoy, principalAll},
	"xray":                           {principalEnvoy, principalAll},
	"pull-through-cache":             {principalPuller, principalAll},
	"public-gallery":                 {principalPuller, principalAll},
	"fallback":                       {principalResolver, principalAll},
	"pin":                            {principalResolver, principalAll},
	"to":                             {principalMirror},
	"tag":                            {principalMirror},
	"from-gallery":                   {principalMirror},
	"create-repository":              {principalMirror},
	"repository-tag":                 {principalMirror},
	"role-arn":                       {principalInventory},
	"account":                        {principalInventory},
	"final-release":                  {principalInventory},
}

// applyFlags go with --apply-to-role only.
var applyFlags = []string{"policy-name", "managed", "dry-run", "timeout"}

func runPolicy(ctx context.Context, a *app, args []string) error {
	c := a.newCmd("policy", "--principal puller|envoy|resolver|cache-admin|mirror|inventory|all [--region R]... | --all-regions [--partition ID] [flags]",
		`Prints the least-privilege IAM policy (JSON, nothing else on stdout) for one principal:

  puller    the role that pulls the image: ECS task execution role, EKS node role,
            Fargate pod execution role (ecr:GetAuthorizationToken on *, pulls on each
            region's Envoy repository and on --mirror repositories)
  envoy     Envoy's own identity: ECS task role, IRSA/pod role
            (appmesh:StreamAggregatedResources on --virtual-node/--virtual-gateway/--mesh,
            X-Ray writes with --xray)
  resolver  the deployment tool that resolves the image (ssm:GetParameter on each region's
            public parameter; with --fallback repository=URI, ecr:GetAuthorizationToken
            and ecr:DescribeImages, ecr:ListImages, ecr:BatchGetImage on those ECR
            repositories, {region} standing for each region; with --pin,
            ecr:BatchGetImage on each region's Envoy repository, as 'image --pin' reads
            the digest)
  cache-admin  whoever runs 'pull-through-cache create'
            (ecr:CreatePullThroughCacheRule, ecr:DescribePullThroughCacheRules on *)
  mirror    whoever runs 'mirror' (pulls on each region's Envoy repository unless
            --from-gallery, ssm:GetParameter unless --tag names the tags, push, read-back
            and tag checks on exactly the ECR repositories of --to, {region} expanded;
            ecr:CreateRepository and ecr:DescribeRepositories with --create-repository,
            ecr:TagResource with --repository-tag). Give it the flags of the mirror run.
  inventory whoever runs 'inventory' (ECS reads, ecs:DescribeServices on the services of
            each region and account, ssm:GetParameter unless --final-release,
            sts:AssumeRole on exactly the --role-arn roles; --account limits the services
            to those accounts, default the accounts of --role-arn)
  all       puller, envoy and resolver in one document, for a single role

--pull-through-cache PREFIX_URI (puller) adds the pulls on the cached Envoy repository and
what the first pull needs: ecr:BatchImportUpstreamImage and ecr:CreateRepository on
repository/PREFIX/*. --public-gallery (puller) adds a login to public.ecr.aws:
ecr-public:GetAuthorizationToken on * and sts:GetServiceBearerToken on * only for the
service ecr-public.amazonaws.com (the sts:AWSServiceName condition; AWS's managed policy
grants it without one).

Regions are chosen as for 'image', within one partition. The policy is built and
validated locally; no AWS call is made unless --apply-to-role stores it (IAM calls end
after --timeout). A flag that does not apply to the principal is an error.`,
		`appmesh-envoy policy --principal puller --all-regions > execution-role-policy.json
appmesh-envoy policy --principal envoy --virtual-node arn:aws:appmesh:us-west-2:111122223333:mesh/shop/virtualNode/cart --xray
appmesh-envoy policy --principal puller --region us-west-2 --pull-through-cache 111122223333.dkr.ecr.us-west-2.amazonaws.com/ecr-public
appmesh-envoy policy --principal cache-admin
appmesh-envoy policy --principal mirror --all-regions --to 111122223333.dkr.ecr.{region}.amazonaws.com/platform/envoy --create-repository
appmesh-envoy policy --principal inventory --all-regions --role-arn arn:aws:iam::111122223333:role/inventory`,
		"json", "compact")
	var pf policyFlags
	c.StringVar(&pf.principal, "principal", principalPuller, "`WHO`: puller, envoy, resolver, cache-admin, mirror, inventory or all")
	c.Var(&pf.caches, "pull-through-cache", "the image is pulled through your ECR pull-through cache `PREFIX_URI` (registry/prefix; repeatable)")
	c.BoolVar(&pf.publicGallery, "public-gallery", false, "also allow a login to the ECR Public Gallery (ECR Public token)")
	c.BoolVar(&pf.pin, "pin", false, "resolver: the tool also pins the image to its digest (image --pin)")
	c.Var(&pf.fallbacks, "fallback", "the resolver's fallback `SOURCE` (as for 'image'; repeatable): its ECR repositories may be read")
	c.Var(&pf.to, "to", "mirror: destination `REPOSITORY`, as for 'mirror' (repeatable; {region} allowed)")
	c.Var(&pf.tags, "tag", "mirror: the run names its Envoy `TAG`s, so it reads no SSM parameter (repeatable)")
	c.BoolVar(&pf.fromGallery, "from-gallery", false, "mirror: the run copies from the public gallery (no source pulls)")
	c.BoolVar(&pf.createRepo, "create-repository", false, "mirror: the run creates missing destination repositories")
	c.Var(&pf.repoTags, "repository-tag", "mirror: the run tags created repositories with `KEY=VALUE` (repeatable)")
	c.Var(&pf.roleARNs, "role-arn", "inventory: the run assumes role `ARN` (repeatable)")
	c.Var(&pf.accounts, "account", "inventory: services of account `ID` may be described (repeatable; default the accounts of --role-arn)")
	c.BoolVar(&pf.finalRelease, "final-release", false, "inventory: the run compares with the final release (no SSM read)")
	c.BoolVar(&pf.all, "all-regions", false, "every region of the partition")
	c.StringVar(&pf.partition, "partition", "", "partition `ID` (aws, aws-cn)")
	c.Var(&pf.virtualNodes, "virtual-node", "virtual node `ARN` Envoy runs as (repeatable)")
	c.Var(&pf.virtualGateway, "virtual-gateway", "virtual gateway `ARN` Envoy runs as (repeatable)")
	c.Var(&pf.meshes, "mesh", "mesh `ARN` whose every virtual node may be served (repeatable; broader)")
	c.BoolVar(&pf.xray, "xray", false, "add the X-Ray actions Envoy needs with ENABLE_ENVOY_XRAY_TRACING")
	c.Var(&pf.mirrors, "mirror", "your own `REPOSITORY` holding a copy of the image: URI or ARN (repeatable; an ARN may end in * for a prefix)")
	c.BoolVar(&pf.mirrorsOnly, "mirrors-only", false, "name only the --mirror repositories, not AWS's")
	c.BoolVar(&pf.regionWildcard, "region-wildcard", false, "one ARN per registry account with * as region (shorter, broader)")
	c.BoolVar(&pf.layerCheck, "batch-check-layer-availability", false, "also allow ecr:BatchCheckLayerAvailability")
	c.StringVar(&pf.applyRole, "apply-to-role", "", "also store the policy on IAM role `NAME` (idempotent)")
	c.StringVar(&pf.inlineName, "policy-name", "", "inline policy `NAME` for --apply-to-role (default AppMeshEnvoy-<principal>)")
	c.StringVar(&pf.managed, "managed", "", "with --apply-to-role: store it as customer managed policy `NAME` and attach it, instead of inline")
	c.BoolVar(&pf.dryRun, "dry-run", false, "with --apply-to-role: say what would change, write nothing")
	c.DurationVar(&pf.timeout, "timeout", iampolicy.DefaultApplyTimeout, "with --apply-to-role: give up on IAM after `DURATION`")
	pos, err := c.parse(args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErrorf("policy takes no arguments, got %q", pos[0])
	}
	if err := checkPolicyFlags(c, &pf); err != nil {
		return err
	}
	doc, err := a.buildPolicy(ctx, &pf)
	if err != nil {
		return err
	}
	kind := iampolicy.KindManaged
	if pf.applyRole != "" && pf.managed == "" {
		kind = iampolicy.KindInline
	}
	if err := doc.ValidateAs(kind); err != nil {
		if errors.Is(err, iampolicy.ErrTooLarge) {
			return usageError{fmt.Errorf("%w; use --region-wildcard or fewer regions", err)}
		}
		return inputError(err)
	}
	if pf.applyRole != "" {
		if err := a.applyPolicy(ctx, doc, &pf); err != nil {
			return err
		}
	}
	if a.g.output == "compact" {
		_, err = fmt.Fprintf(a.stdout, "%s\n", doc.String())
		return err
	}
	_, err = a.stdout.Write(doc.Indent())
	return err
}

// checkPolicyFlags refuses flag combinations that would otherwise be ignored or
// misread: an empty value given explicitly (such as --apply-to-role "$ROLE" with ROLE
// unset), a flag that does not apply to the principal, --apply-to-role's companions
// without it.
func checkPolicyFlags(c *cmdFlags, pf *policyFlags) error {
	if !slices.Contains(principals, pf.principal) {
		return usageErrorf("--principal %q is not one of %s", pf.principal, strings.Join(principals, ", "))
	}
	var errs []error
	c.Visit(func(f *flag.Flag) {
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); !(ok && b.IsBoolFlag()) && strings.TrimSpace(f.Value.String()) == "" {
			errs = append(errs, usageErrorf("--%s was given an empty value (an unset shell variable?); give a value or leave the flag out", f.Name))
			return
		}
		if ps, ok := policyFlagPrincipals[f.Name]; ok && !slices.Contains(ps, pf.principal) {
			errs = append(errs, usageErrorf("--%s does not apply to --principal %s (it is for %s)", f.Name, pf.principal, strings.Join(ps, ", ")))
			return
		}
		if pf.applyRole == "" && slices.Contains(applyFlags, f.Name) {
			errs = append(errs, usageErrorf("--%s goes with --apply-to-role ROLE", f.Name))
		}
	})
	if len(errs) > 0 {
		return errs[0]
	}
	switch {
	case pf.managed != "" && pf.inlineName != "":
		return usageErrorf("give --policy-name (inline) or --managed NAME, not both")
	case pf.timeout <= 0:
		return usageErrorf("--timeout %s: give a positive duration such as 30s", pf.timeout)
	case pf.principal == principalMirror && len(pf.to) == 0:
		return usageErrorf("--principal mirror needs the run's destinations: --to REPOSITORY (repeatable)")
	case len(pf.repoTags) > 0 && !pf.createRepo:
		return usageErrorf("--repository-tag goes with --create-repository")
	case pf.mirrorsOnly && len(pf.mirrors) == 0 && len(pf.caches) == 0:
		return usageErrorf("--mirrors-only needs at least one --mirror REPOSITORY or --pull-through-cache PREFIX_URI")
	}
	return nil
}

func (a *app) buildPolicy(ctx context.Context, pf *policyFlags) (iampolicy.Document, error) {
	if pf.principal == principalCacheAdmin {
		// Neither action has resource-level permissions: no region is involved.
		return iampolicy.CacheAdmin(), nil
	}
	var regs iampolicy.Regions
	if pf.principal != principalEnvoy {
		sel := region.Selection{Codes: a.g.regions, All: pf.all, Partition: pf.partition}
		switch {
		case len(a.g.regions) == 0 && !pf.all:
			cfg, err := a.loadConfig(ctx, "")
			if err != nil {
				return iampolicy.Document{}, err
			}
			sel.Default = cfg.Region
		case pf.all && len(a.g.regions) == 0 && pf.partition == "":
			sel.Default = envRegion() // picks the partition of --all-regions
		}
		rs, err := region.Select(sel)
		if err != nil {
			return iampolicy.Document{}, usageError{err}
		}
		regs = iampolicy.Regions{Codes: region.Codes(rs), RegionWildcard: pf.regionWildcard}
	}
	switch pf.principal {
	case principalMirror:
		return a.mirrorPolicy(pf, regs)
	case principalInventory:
		doc, err := iampolicy.Inventory(iampolicy.InventoryOptions{Regions: regs, Roles: pf.roleARNs, Accounts: pf.accounts, FinalRelease: pf.finalRelease})
		if err != nil {
			return iampolicy.Document{}, inputError(err)
		}
		return doc, nil
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
		arn, err := mirrorARN(m)
		if err != nil {
			return iampolicy.Document{}, err
		}
		mirrors = append(mirrors, arn)
	}
	caches := make([]string, 0, len(pf.caches))
	for _, c := range pf.caches {
		arn, err := cachePrefixARN(c)
		if err != nil {
			return iampolicy.Document{}, err
		}
		caches = append(caches, arn)
	}
	fallbacks, err := fallbackARNs(pf.fallbacks, regs.Codes)
	if err != nil {
		return iampolicy.Document{}, err
	}
	wantProxy := pf.principal == principalEnvoy || pf.principal == principalAll
	if wantProxy && len(resources) == 0 && len(pf.meshes) == 0 {
		return iampolicy.Document{}, usageErrorf("--principal %s needs the proxy's identity: --virtual-node ARN, --virtual-gateway ARN or --mesh ARN", pf.principal)
	}
	var docs []iampolicy.Document
	build := func(doc iampolicy.Document, err error) error {
		if err != nil {
			return inputError(err)
		}
		docs = append(docs, doc)
		return nil
	}
	if pf.principal == principalPuller || pf.principal == principalAll {
		if err := build(iampolicy.ImagePull(iampolicy.PullOptions{Regions: regs, BatchCheckLayerAvailability: pf.layerCheck, Mirrors: mirrors, MirrorsOnly: pf.mirrorsOnly,
			PullThroughCaches: caches, PublicGallery: pf.publicGallery})); err != nil {
			return iampolicy.Document{}, err
		}
	}
	if wantProxy {
		if err := build(iampolicy.ProxyAuthorization(iampolicy.ProxyOptions{Resources: resources, Meshes: pf.meshes, Tracing: pf.xray})); err != nil {
			return iampolicy.Document{}, err
		}
	}
	if pf.principal == principalResolver || pf.principal == principalAll {
		if err := build(iampolicy.ParameterRead(iampolicy.ParameterOptions{Regions: regs, FallbackRepositories: fallbacks, Pin: pf.pin})); err != nil {
			return iampolicy.Document{}, err
		}
	}
	if len(docs) == 1 {
		return docs[0], nil
	}
	doc, err := iampolicy.Combined(docs...)
	if err != nil {
		return iampolicy.Document{}, inputError(err)
	}
	return doc, nil
}

// mirrorPolicy builds the policy of --principal mirror from the flags of the mirror run.
// A --to outside ECR needs no IAM permission (its registry has its own credentials): it
// is named on stderr and left out.
func (a *app) mirrorPolicy(pf *policyFlags, regs iampolicy.Regions) (iampolicy.Document, error) {
	var dests, other []string
	for _, t := range pf.to {
		codes := []string{""}
		if mirror.HasRegion(t) {
			codes = regs.Codes
		}
		for _, code := range codes {
			uri, err := mirror.ExpandDestination(t, code)
			if err != nil {
				return iampolicy.Document{}, usageErrorf("--to: %v", err)
			}
			// ExpandDestination refuses a malformed ECR host, so a host that is not ECR's
			// is another registry.
			host, name, _ := strings.Cut(uri, "/")
			reg, err := appmeshenvoy.ParseRegistryHost(host)
			if err != nil {
				if !slices.Contains(other, uri) {
					other = append(other, uri)
				}
				continue
			}
			if arn := (appmeshenvoy.Repository{Registry: reg, Name: name}).ARN(); !slices.Contains(dests, arn) {
				dests = append(dests, arn)
			}
		}
	}
	if len(dests) == 0 {
		return iampolicy.Document{}, usageErrorf("--to names no private ECR repository (%s); IAM governs ECR only: other registries take the docker config's credentials", strings.Join(other, ", "))
	}
	for _, o := range other {
		fmt.Fprintf(a.stderr, "%s: note: --to %s is not in ECR; the policy does not cover it\n", progName, o)
	}
	doc, err := iampolicy.Mirror(iampolicy.MirrorOptions{Regions: regs, FromGallery: pf.fromGallery, Destinations: dests,
		CreateRepository: pf.createRepo, RepositoryTags: len(pf.repoTags) > 0, PinnedTags: len(pf.tags) > 0})
	if err != nil {
		return iampolicy.Document{}, inputError(err)
	}
	return doc, nil
}

// mirrorARN returns the repository ARN of a --mirror value. A URI goes through
// appmeshenvoy.ParseRepository; an ARN is left to the policy builder, which checks it
// and also takes the prefix form ("repository/team/*").
func mirrorARN(m string) (string, error) {
	if strings.HasPrefix(strings.TrimSpace(m), "arn:") {
		return strings.TrimSpace(m), nil
	}
	repo, err := appmeshenvoy.ParseRepository(m)
	if err != nil {
		return "", usageErrorf("--mirror: %v", err)
	}
	arn := repo.ARN()
	if arn == "" {
		return "", usageErrorf("--mirror %q is not a private ECR repository; IAM does not govern public pulls", m)
	}
	return arn, nil
}

// cachePrefixARN returns the repository ARN of a --pull-through-cache PREFIX_URI
// ("111122223333.dkr.ecr.us-west-2.amazonaws.com/ecr-public", as 'pull-through-cache
// create' prints it), checked as ECR checks a cache prefix.
func cachePrefixARN(uri string) (string, error) {
	repo, err := appmeshenvoy.ParseRepository(uri)
	if err != nil {
		if !strings.Contains(uri, "/") {
			return "", usageErrorf("--pull-through-cache %q: give the cache's prefix URI, ACCOUNT.dkr.ecr.REGION.amazonaws.com/PREFIX, as 'pull-through-cache create' prints it", uri)
		}
		return "", usageErrorf("--pull-through-cache: %v", err)
	}
	if err := appmeshenvoy.CheckPullThroughCachePrefix(repo.Name); err != nil {
		return "", usageErrorf("--pull-through-cache: %v", err)
	}
	arn := repo.ARN()
	if arn == "" {
		return "", usageErrorf("--pull-through-cache %q is not in a private ECR registry", uri)
	}
	return arn, nil
}

// fallbackARNs returns the ECR repository ARNs the resolver's --fallback sources read in
// the regions (a {region} in a repository gives one per region), each once. Other
// sources need no permission.
func fallbackARNs(values stringList, codes []string) ([]string, error) {
	var out []string
	for _, v := range values {
		f, err := appmeshenvoy.ParseFallback(v)
		if err != nil {
			return nil, usageErrorf("--fallback: %v", err)
		}
		for _, code := range codes {
			repo, ok, err := f.ECRRepository(code)
			if err != nil {
				return nil, usageErrorf("--fallback: %v", err)
			}
			if ok && !slices.Contains(out, repo.ARN()) {
				out = append(out, repo.ARN())
			}
		}
	}
	return out, nil
}

// inputError marks errors about the user's input (codes such as invalid-input,
// mixed-partitions, unsupported-region) as usage errors (exit 2).
func inputError(err error) error {
	if appmeshenvoy.CodeOf(err).Input() {
		return usageError{err}
	}
	return err
}

// applyPolicy stores doc on the role of --apply-to-role, inline or managed, and reports
// the change on stderr.
func (a *app) applyPolicy(ctx context.Context, doc iampolicy.Document, pf *policyFlags) error {
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
		o.DryRun = pf.dryRun
		o.Timeout = pf.timeout
		o.IAM = a.iamClient(cfg)
		o.STS = a.stsClient(cfg)
	})
	var change iampolicy.Change
	if pf.managed != "" {
		change, err = ap.PutManaged(ctx, pf.applyRole, pf.managed, doc)
	} else {
		name := pf.inlineName
		if name == "" {
			name = "AppMeshEnvoy-" + pf.principal
		}
		change, err = ap.PutInline(ctx, pf.applyRole, name, doc)
	}
	if err != nil {
		return inputError(err)
	}
	fmt.Fprintln(a.stderr, change.String())
	return nil
}
