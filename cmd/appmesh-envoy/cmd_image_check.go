package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

// checkJSON is the output of 'image check -o json'. The keys are stable.
type checkJSON struct {
	Image           string `json:"image"`
	Region          string `json:"region"`
	Status          string `json:"status"`
	Deployed        string `json:"deployed"`
	Latest          string `json:"latest"`
	Behind          string `json:"behind,omitempty"`
	OtherRepository bool   `json:"otherRepository,omitempty"`
	// LatestSource is "ssm", or "builtin" when the parameter is gone and the image was
	// compared with the final release; LatestMissing is true when the deployed image's
	// repository lacks it.
	LatestSource  string `json:"latestSource,omitempty"`
	LatestMissing bool   `json:"latestMissing,omitempty"`
	Message       string `json:"message"`
}

func runImageCheck(ctx context.Context, a *app, args []string) error {
	c := a.newCmd("image check", "IMAGE [--fail-on older|below-minimum|never] [-o table|json]",
		`Compares a deployed image reference with the latest image of its region (the region is
read from the registry host, so mirrors in your own ECR work too; for the public gallery,
public.ecr.aws, it is --region or the configured region): up to date, newer,
older (and by which version part), below the supported minimum, an unknown tag, or an
image from the retired legacy account.

Exit status: 1 when the image is older than the latest (--fail-on older, the default) or
below the minimum / from the legacy account (always, unless --fail-on never).

Without the SSM parameter (AWS ended App Mesh support on 2026-09-30) the latest image is
the final release, v1.39.1.0-prod, and a mirror that lacks it is reported (latestMissing).

JSON keys (stable): image, region, status, deployed, latest, behind (the version part
that differs), otherRepository (true for a mirror or another registry), latestSource (ssm,
or builtin for the final release), latestMissing, message.`,
		`appmesh-envoy image check 840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.27.3.0-prod`,
		"table", "json")
	failOn := c.String("fail-on", "older", "exit 1 from this drift on: `WHEN` older, below-minimum or never")
	pos, err := c.parse(args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErrorf("image check takes one IMAGE reference, got %d arguments", len(pos))
	}
	switch *failOn {
	case "older", "below-minimum", "never":
	default:
		return usageErrorf("--fail-on %q is not one of older, below-minimum, never", *failOn)
	}
	img, err := appmeshenvoy.ParseImage(pos[0])
	if err != nil {
		return usageError{err}
	}
	// A reference without a region in its host (the public gallery, public.ecr.aws) is
	// compared with the latest image of --region / the configured region.
	regionCode := img.Region()
	if regionCode == "" {
		reg, err := appmeshenvoy.ParseRegistryHost(img.Registry)
		if err != nil || !reg.Public {
			return usageErrorf("image check: %s names no region (not an ECR registry host); check an ECR reference such as 840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:TAG", img.Registry)
		}
		if len(a.g.regions) > 1 {
			return usageErrorf("image check: give one --region to compare %s with", img.Registry)
		}
		if len(a.g.regions) == 1 {
			regionCode = a.g.regions[0]
		}
	}
	cfg, err := a.loadConfig(ctx, regionCode)
	if err != nil {
		return err
	}
	if regionCode == "" {
		regionCode = cfg.Region
	}
	if regionCode == "" {
		return usageErrorf("image check: %s names no region; compare it with a region's latest image by giving --region (or AWS_REGION)", img.Registry)
	}
	if _, err := region.Lookup(regionCode); err != nil {
		return usageError{err}
	}
	if err := a.checkCredentials(ctx, cfg); err != nil {
		return err
	}
	res := appmeshenvoy.NewResolver(cfg, func(o *appmeshenvoy.ResolverOptions) {
		o.CacheTTL = 0
		o.SSMOptions = a.ssmOptions()
		o.ECROptions = a.ecrOptions()
	})
	var d appmeshenvoy.Drift
	if img.Region() == "" {
		var latest appmeshenvoy.Image
		if latest, err = res.Latest(ctx, regionCode); err == nil {
			d = appmeshenvoy.CompareDeployed(img, latest)
		}
	} else {
		d, err = res.Check(ctx, pos[0])
	}
	if err != nil {
		var pe *appmeshenvoy.ParseError
		if errors.As(err, &pe) {
			return usageError{err}
		}
		return err
	}
	out := checkJSON{
		Image: pos[0], Region: regionCode, Status: d.Status.String(),
		Deployed: d.Deployed.String(), Latest: d.Latest.String(),
		Behind: d.Behind, OtherRepository: d.OtherRepository, Message: d.String(),
		LatestSource: string(d.LatestSource), LatestMissing: d.LatestMissing,
	}
	if d.LatestSource == appmeshenvoy.SourceBuiltin {
		fmt.Fprintf(a.stderr, "%s: note: the SSM parameter is gone from %s: compared with the final release %s\n", progName, regionCode, d.Latest.Tag)
	}
	if a.g.output == "json" {
		err = writeJSON(a.stdout, out)
	} else {
		t := newTable("REGION", "STATUS", "DEPLOYED", "LATEST")
		t.add(out.Region, out.Status, out.Deployed, out.Latest)
		err = t.write(a.stdout)
	}
	if err != nil {
		return err
	}
	bad := false
	switch d.Status {
	case appmeshenvoy.DriftBelowMinimum, appmeshenvoy.DriftLegacyAccount:
		bad = *failOn != "never"
	case appmeshenvoy.DriftOlder:
		bad = *failOn == "older"
	}
	if bad {
		return fmt.Errorf("image check: %s", d.String())
	}
	return nil
}
