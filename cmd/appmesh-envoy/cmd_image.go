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
	// Status is "ok", "failed", or "not-enabled" (an opt-in region the account has not
	// enabled).
	Status     string `json:"status"`
	Image      string `json:"image,omitempty"`
	Registry   string `json:"registry,omitempty"`
	Repository string `json:"repository,omitempty"`
	Tag        string `json:"tag,omitempty"`
	Digest     string `json:"digest,omitempty"`
	// Source is where the answer came from: "ssm" (the public parameter).
	Source  string `json:"source,omitempty"`
	Warning string `json:"warning,omitempty"`
	// errorJSON is the stable error code and the message of a region that is not ok.
	errorJSON
}

const (
	statusOK         = "ok"
	statusFailed     = "failed"
	statusNotEnabled = "not-enabled"
)

func runImage(ctx context.Context, a *app, args []string) error {
	c := a.newCmd("image", "[--region R]... | --all-regions [--partition ID]  [--pin] [--fips] [--mirror REPO]",
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

Every region is printed, then the exit status is 1 if any region failed.

JSON keys (stable), one object per region: region, status (ok, failed or not-enabled),
image, registry, repository, tag, digest (with --pin), source (ssm), warning (when there is
one). When status is not ok:
`+errorJSONKeys+`.

Subcommand: 'image check IMAGE' checks a deployed reference for drift.`,
		`appmesh-envoy image --all-regions --pin -o json
IMAGE=$(appmesh-envoy image --region us-west-2 --pin -o uri)`,
		"table", "json", "uri")
	all := c.Bool("all-regions", false, "every region of the partition")
	partition := c.String("partition", "", "partition `ID` for --all-regions (aws, aws-cn)")
	pin := c.Bool("pin", false, "add the manifest digest to each image")
	fips := c.Bool("fips", false, "the FIPS variant (-prod-fips tags), in the regions that publish one")
	mirror := c.String("mirror", "", "re-target each image to your own repository `REPO` (host/path, no tag), keeping tag and digest")
	pos, err := c.parse(args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErrorf("image takes no arguments, got %q (for a drift check: appmesh-envoy image check IMAGE)", pos[0])
	}
	var mirrorRepo appmeshenvoy.Repository
	if *mirror != "" {
		// Checked before any request, so a typo is a usage error.
		if mirrorRepo, err = appmeshenvoy.ParseRepository(*mirror); err != nil {
			return usageErrorf("--mirror: %v", err)
		}
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
	failed := 0
	for i, r := range results {
		if r.Err == nil && *mirror != "" {
			r.Image = r.Image.Retarget(mirrorRepo)
		}
		rows[i] = imageRow(r, *all)
		if rows[i].Status == statusFailed {
			failed++
		}
	}
	if err := a.printImages(rows); err != nil {
		return err
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d regions failed (see above); fix what their errors say, or leave those regions out with --region", failed, len(rows))
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
			if r.Status == statusOK {
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
		if r.Status != statusOK {
			what = r.Error
		}
		t.add(r.Region, r.Status, what)
	}
	return t.write(a.stdout)
}
