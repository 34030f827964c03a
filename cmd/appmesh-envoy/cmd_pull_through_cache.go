package main

import (
	"context"
	"strconv"
	"time"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
)

// pullThroughCacheJSON is the output of 'pull-through-cache create -o json'. The keys
// are stable.
type pullThroughCacheJSON struct {
	Region    string `json:"region"`
	Registry  string `json:"registry"`
	Prefix    string `json:"prefix"`
	PrefixURI string `json:"prefixUri"`
	// Status is "created" or "up-to-date" (the rule existed with the gallery as
	// upstream).
	Status              string `json:"status"`
	UpstreamRegistryURL string `json:"upstreamRegistryUrl"`
	// Repository is where the Envoy image is cached: PREFIX_URI/appmesh/aws-appmesh-envoy.
	Repository string `json:"repository"`
	CreatedAt  string `json:"createdAt,omitempty"`
}

func runPullThroughCache(ctx context.Context, a *app, args []string) error {
	if len(args) > 0 && args[0] == "create" {
		return runPullThroughCacheCreate(ctx, a, args[1:])
	}
	c := a.newCmd("pull-through-cache", "create --region R --prefix P",
		`Manages the ECR pull-through cache of the public gallery in your registry. Subcommand:
'pull-through-cache create' (see 'appmesh-envoy pull-through-cache create --help').`,
		`appmesh-envoy pull-through-cache create --region us-west-2 --prefix ecr-public`)
	pos, err := c.parse(args)
	if err != nil {
		return err
	}
	what := "nothing"
	if len(pos) > 0 {
		what = strconv.Quote(pos[0])
	}
	return usageErrorf("pull-through-cache takes the subcommand create, got %s; run '%s pull-through-cache create --help'", what, progName)
}

func runPullThroughCacheCreate(ctx context.Context, a *app, args []string) error {
	c := a.newCmd("pull-through-cache create", "--region R --prefix P [-o table|json]",
		`Creates an ECR pull-through cache rule in your registry of region R whose upstream is the
ECR Public Gallery (public.ecr.aws): the first pull of
<account>.dkr.ecr.R.amazonaws.com/P/appmesh/aws-appmesh-envoy:TAG copies
public.ecr.aws/appmesh/aws-appmesh-envoy:TAG into your registry, and later pulls come from
there. Idempotent: a rule with prefix P and the gallery as upstream is up-to-date; one with
another upstream is an error (choose another prefix).

P is checked as ECR checks it (2 to 30 characters: lower-case letters and digits, words
joined by . _ or -, path components by /). The aws partition only: aws-cn and GovCloud
have no ECR Public (copy the image with 'appmesh-envoy mirror' there).

The cached repository is created on the first pull with default settings (mutable tags,
AES256, no scanning) unless an ECR repository creation template applies to the prefix:
create one (aws ecr create-repository-creation-template --prefix P --applied-for
PULL_THROUGH_CACHE ...) for immutable tags, KMS or lifecycle policies.

Who needs what: this command ecr:CreatePullThroughCacheRule and
ecr:DescribePullThroughCacheRules ('policy --principal cache-admin'); the role that pulls,
ecr:BatchImportUpstreamImage and ecr:CreateRepository on repository/P/* as well
('policy --principal puller --pull-through-cache P'). Print the image reference with
'image --pull-through-cache <account>.dkr.ecr.R.amazonaws.com/P'.

JSON keys (stable): region, registry, prefix, prefixUri, status (created or up-to-date),
upstreamRegistryUrl, repository (where the Envoy image is cached), createdAt (RFC 3339).`,
		`appmesh-envoy pull-through-cache create --region us-west-2 --prefix ecr-public`,
		"table", "json")
	prefix := c.String("prefix", "", "repository `PREFIX` of the rule, such as ecr-public")
	timeout := c.Duration("timeout", appmeshenvoy.DefaultTimeout, "give up after `DURATION`")
	pos, err := c.parse(args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErrorf("pull-through-cache create takes no arguments, got %q", pos[0])
	}
	if *prefix == "" {
		return usageErrorf("pull-through-cache create needs --prefix P, such as --prefix ecr-public")
	}
	if err := appmeshenvoy.CheckPullThroughCachePrefix(*prefix); err != nil {
		return usageError{err}
	}
	code, err := a.oneRegion("pull-through-cache create")
	if err != nil {
		return err
	}
	cfg, err := a.loadConfig(ctx, code)
	if err != nil {
		return err
	}
	if cfg.Region == "" {
		return usageErrorf("no region: pass --region R (the region of your registry), or set AWS_REGION")
	}
	if err := a.checkCredentials(ctx, cfg); err != nil {
		return err
	}
	rule, err := appmeshenvoy.CreatePullThroughCache(ctx, cfg, cfg.Region, *prefix, func(o *appmeshenvoy.PullThroughCacheOptions) {
		o.ECROptions = a.ecrOptions()
		o.Timeout = *timeout
	})
	if err != nil {
		return inputError(err)
	}
	out := pullThroughCacheJSON{
		Region: rule.Registry.Region, Registry: rule.Registry.Host, Prefix: rule.Prefix, PrefixURI: rule.PrefixURI(),
		Status: "created", UpstreamRegistryURL: rule.UpstreamRegistryURL, Repository: rule.Repository().URI(),
	}
	if !rule.Created {
		out.Status = "up-to-date"
	}
	if !rule.CreatedAt.IsZero() {
		out.CreatedAt = rule.CreatedAt.UTC().Format(time.RFC3339)
	}
	if a.g.output == "json" {
		return writeJSON(a.stdout, out)
	}
	t := newTable("REGION", "PREFIX URI", "STATUS", "UPSTREAM", "ENVOY IMAGE REPOSITORY")
	t.add(out.Region, out.PrefixURI, out.Status, out.UpstreamRegistryURL, out.Repository)
	return t.write(a.stdout)
}
