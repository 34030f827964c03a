package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

// imageJSON is one element of 'image -o json'. The keys are stable.
type imageJSON struct {
	Region string `json:"region"`
	// Status is "ok", "fallback-used" (a fallback answered: the SSM parameter did not),
	// "failed", or "not-enabled" (an opt-in region the account has not enabled).
	Status     string `json:"status"`
	Image      string `json:"image,omitempty"`
	Registry   string `json:"registry,omitempty"`
	Repository string `json:"repository,omitempty"`
	Tag        string `json:"tag,omitempty"`
	Digest     string `json:"digest,omitempty"`
	// Source is where the answer came from: "ssm" (the public parameter), or the
	// fallback that answered: "repository", "gallery" or "builtin".
	Source  string `json:"source,omitempty"`
	Warning string `json:"warning,omitempty"`
	// Unverified is true for the built-in final release before it is pinned.
	Unverified bool `json:"unverified,omitempty"`
	// errorJSON is the stable error code and the message of a region that is not ok.
	errorJSON
}

const (
	statusOK           = "ok"
	statusFallbackUsed = string(appmeshenvoy.CodeFallbackUsed)
	statusFailed       = "failed"
	statusNotEnabled   = "not-enabled"
)

func runImage(ctx context.Context, a *app, args []string) error {
	c := a.newCmd("image", "[--region R]... | --all-regions [--partition ID]  [--pin] [--fips] [--mirror REPO | --pull-through-cache PREFIX_URI] [--fallback SOURCE]... [--fail-on-fallback]",
		`Prints the latest App Mesh Envoy image of each region, read from the public SSM parameter
/aws/service/appmesh/envoy there and verified against the region table (registry account,
host and repository).

--region may be repeated (or given a comma-separated list); without it the configured
region (AWS_REGION or the profile's) is used. --all-regions means every region of one
partition: --partition, else the partition of --region or AWS_REGION, else aws. An opt-in
region the account has not enabled is reported as not-enabled and does not fail
--all-regions.

--pin adds the manifest digest (ecr:BatchGetImage), so deployments pull exactly this image;
each region is resolved and pinned on its own, so a slow region delays no other.

--fallback names where to look when the SSM parameter is gone from a region (AWS ended
App Mesh support on 2026-09-30) and, with --pin, when the image it names is gone; it is
repeatable, and the sources are asked in order until one answers:
  repository=URI  the highest release tag (-prod; -prod-fips with --fips) in your
                  repository (ECR: ecr:DescribeImages; another registry: its tag list);
                  {region} in URI stands for each region. For a pull-through cache this
                  is the highest tag someone has already pulled through it.
  gallery         the highest release tag in public.ecr.aws/appmesh/aws-appmesh-envoy,
                  read anonymously (or with --gallery-login) with a short connect timeout
  builtin         the final release v1.39.1.0-prod in the region's AWS registry,
                  unverified until pinned (none with --fips)
A source without an answer (no repository, no release tag, an unreachable gallery) passes
on to the next; access denied, throttling and network errors stay errors. A fallback
answer exits 0 with status fallback-used and a note on stderr saying which source
answered and why; --fail-on-fallback makes it exit 1 instead.

--pull-through-cache prints where each image is in your ECR pull-through cache of the
gallery (see 'appmesh-envoy pull-through-cache create'): PREFIX_URI/appmesh/aws-appmesh-envoy.

Every region is printed, then the exit status is 1 if any region failed.

JSON keys (stable), one object per region: region, status (ok, fallback-used, failed or
not-enabled), image, registry, repository, tag, digest (with --pin), source (ssm,
repository, gallery or builtin), warning (when there is one), unverified (true for the
built-in final release before it is pinned). When status is failed or not-enabled:
`+errorJSONKeys+`.

Subcommand: 'image check IMAGE' checks a deployed reference for drift.`,
		`appmesh-envoy image --all-regions --pin -o json
IMAGE=$(appmesh-envoy image --region us-west-2 --pin -o uri)
appmesh-envoy image --region us-west-2 --fallback repository=111122223333.dkr.ecr.{region}.amazonaws.com/envoy --fallback builtin --pin`,
		"table", "json", "uri")
	all := c.Bool("all-regions", false, "every region of the partition")
	partition := c.String("partition", "", "partition `ID` for --all-regions (aws, aws-cn)")
	pin := c.Bool("pin", false, "add the manifest digest to each image")
	fips := c.Bool("fips", false, "the FIPS variant (-prod-fips tags), in the regions that publish one")
	mirror := c.String("mirror", "", "re-target each image to your own repository `REPO` (host/path, no tag), keeping tag and digest")
	ptc := c.String("pull-through-cache", "", "print each image as pulled through your ECR pull-through cache `PREFIX_URI` (registry/prefix)")
	var fallbackFlags stringList
	c.Var(&fallbackFlags, "fallback", "`SOURCE` to ask when the SSM parameter is gone: repository=URI, gallery or builtin (repeatable, in order)")
	failOnFallback := c.Bool("fail-on-fallback", false, "exit 1 when a fallback answered for any region")
	galleryLogin := c.Bool("gallery-login", false, "read the gallery with an ECR Public token (anonymously when it cannot be had)")
	pos, err := c.parse(args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErrorf("image takes no arguments, got %q (for a drift check: appmesh-envoy image check IMAGE)", pos[0])
	}
	if *mirror != "" && *ptc != "" {
		return usageErrorf("give --mirror or --pull-through-cache, not both")
	}
	var retarget func(appmeshenvoy.Image) (appmeshenvoy.Image, error)
	// Checked before any request, so a typo is a usage error.
	switch {
	case *mirror != "":
		mirrorRepo, err := appmeshenvoy.ParseRepository(*mirror)
		if err != nil {
			return usageErrorf("--mirror: %v", err)
		}
		retarget = func(img appmeshenvoy.Image) (appmeshenvoy.Image, error) { return img.Retarget(mirrorRepo), nil }
	case *ptc != "":
		if _, err := (appmeshenvoy.Image{}).WithPullThroughCache(*ptc); err != nil {
			return usageErrorf("--pull-through-cache: %v", err)
		}
		retarget = func(img appmeshenvoy.Image) (appmeshenvoy.Image, error) { return img.WithPullThroughCache(*ptc) }
	}
	fallbacks := make([]appmeshenvoy.Fallback, 0, len(fallbackFlags))
	for _, v := range fallbackFlags {
		f, err := appmeshenvoy.ParseFallback(v)
		if err != nil {
			return usageErrorf("--fallback: %v", err)
		}
		fallbacks = append(fallbacks, f)
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
	res := appmeshenvoy.NewResolver(cfg, func(o *appmeshenvoy.ResolverOptions) {
		o.FIPS = *fips
		o.CacheTTL = 0
		o.SSMOptions = a.ssmOptions()
		o.ECROptions = a.ecrOptions()
		o.Fallbacks = fallbacks
		a.registryOptions(o)
		if *galleryLogin {
			o.GalleryTokens = a.tokenProvider(cfg)
		}
	})
	resolve := res.LatestAll
	if *pin {
		resolve = res.PinAll
	}
	results, err := resolve(ctx, codes)
	if err != nil {
		return err
	}
	rows := make([]imageJSON, len(results))
	failed, fellBack := 0, 0
	for i, r := range results {
		if r.Err == nil && retarget != nil {
			if r.Image, err = retarget(r.Image); err != nil {
				return usageError{err}
			}
		}
		rows[i] = imageRow(r, *all)
		switch rows[i].Status {
		case statusFailed:
			failed++
		case statusFallbackUsed:
			fellBack++
		}
	}
	if err := a.printImages(rows); err != nil {
		return err
	}
	for _, r := range rows {
		if r.Status == statusFallbackUsed {
			fmt.Fprintf(a.stderr, "%s: note: %s: %s answered, not the SSM parameter: %s\n", progName, r.Region, r.Source, r.Warning)
		}
	}
	switch {
	case failed > 0:
		return fmt.Errorf("%d of %d regions failed (see above); fix what their errors say, or leave those regions out with --region", failed, len(rows))
	case fellBack > 0 && *failOnFallback:
		return fmt.Errorf("%d of %d regions were answered by a fallback, not the SSM parameter (--fail-on-fallback); pin the image you run, or drop --fail-on-fallback", fellBack, len(rows))
	}
	return nil
}

// selectRegions returns the region codes a command works on: --region values, or every
// region of one partition with --all-regions (see region.Select); a selection error is a
// usage error.
func (a *app) selectRegions(configured string, all bool, partition string) ([]string, error) {
	regs, err := region.Select(region.Selection{Codes: a.g.regions, All: all, Partition: partition, Default: configured})
	if err != nil {
		if errors.Is(err, region.ErrNoRegion) {
			return nil, usageErrorf("no region: pass --region R (repeatable) or --all-regions, or set AWS_REGION")
		}
		return nil, usageError{err}
	}
	return region.Codes(regs), nil
}

// imageRow turns a result into its output row. With allRegions, an opt-in region that
// is not enabled is "not-enabled" rather than "failed".
func imageRow(r appmeshenvoy.Result, allRegions bool) imageJSON {
	row := imageJSON{Region: r.Region}
	if r.Err != nil {
		row.Status = statusFailed
		if allRegions && errors.Is(r.Err, appmeshenvoy.ErrRegionNotEnabled) {
			row.Status = statusNotEnabled
		}
		row.errorJSON = newErrorJSON(r.Err)
		return row
	}
	img := r.Image
	row.Status = statusOK
	if r.Fallback() {
		row.Status = statusFallbackUsed
	}
	row.Unverified = r.Unverified
	row.Image = img.String()
	row.Registry = img.Registry
	row.Repository = img.Repository
	row.Tag = img.Tag
	row.Digest = img.Digest
	row.Source = string(r.Source)
	row.Warning = r.Warning
	return row
}

func (a *app) printImages(rows []imageJSON) error {
	switch a.g.output {
	case "json":
		return writeJSON(a.stdout, rows)
	case "uri":
		var b strings.Builder
		for _, r := range rows {
			if r.Status == statusOK || r.Status == statusFallbackUsed {
				b.WriteString(r.Image + "\n")
			} else {
				fmt.Fprintf(a.stderr, "%s: %s: %s\n", progName, r.Region, r.Error)
			}
		}
		_, err := a.stdout.Write([]byte(b.String()))
		return err
	}
	t := newTable("REGION", "STATUS", "IMAGE")
	for _, r := range rows {
		what := r.Image
		if r.Error != "" {
			what = r.Error
		}
		t.add(r.Region, r.Status, what)
	}
	return t.write(a.stdout)
}

// registryOptions applies the registry flags to a resolver (fallback reads and pins
// from registries): registry traffic follows --endpoint-url and --registry-endpoint,
// and every override is printed on stderr as HOST → URL.
func (a *app) registryOptions(o *appmeshenvoy.ResolverOptions) {
	o.AWSRegistryEndpoint = a.g.endpointURL
	o.RegistryEndpoints = a.g.registryEndpoints
	o.OnRegistryEndpoint = func(host, url string) { fmt.Fprintf(a.stderr, "%s → %s\n", host, url) }
}
