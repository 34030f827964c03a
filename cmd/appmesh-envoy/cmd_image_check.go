package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/quote"
)

// checkJSON is the output of 'image check -o json'. The keys are stable.
type checkJSON struct {
	Image  string `json:"image"`
	Region string `json:"region,omitempty"`
	// Status is a drift status (appmeshenvoy.DriftStatus: up-to-date, newer, older,
	// unknown, below-minimum, legacy-account), or "failed" when the check could not run.
	Status          string `json:"status"`
	Gate            string `json:"gate"` // "pass" or "fail", as --fail-on decides
	Deployed        string `json:"deployed,omitempty"`
	Latest          string `json:"latest,omitempty"`
	Behind          string `json:"behind,omitempty"`
	OtherRepository bool   `json:"otherRepository,omitempty"`
	// LatestSource is "ssm", or "builtin" when the parameter is gone and the image was
	// compared with the final release; LatestMissing is true when the deployed image's
	// repository lacks it.
	LatestSource  string `json:"latestSource,omitempty"`
	LatestMissing bool   `json:"latestMissing,omitempty"`
	Message       string `json:"message,omitempty"`
	errorJSON
}

// Gate values of 'image check'.
const (
	gatePass = "pass"
	gateFail = "fail"
)

// defaultFailOn returns the verdicts that fail 'image check' unless --fail-on says
// otherwise: everything that needs an upgrade, and every reference the check cannot
// judge.
func defaultFailOn() verdicts {
	return verdicts{list: []appmeshenvoy.DriftStatus{
		appmeshenvoy.DriftOlder, appmeshenvoy.DriftBelowMinimum, appmeshenvoy.DriftLegacyAccount, appmeshenvoy.DriftUnknownVersion,
	}}
}

// driftStatuses returns every drift status name, best first.
func driftStatuses() []string {
	var names []string
	for s := appmeshenvoy.DriftUpToDate; s <= appmeshenvoy.DriftLegacyAccount; s++ {
		names = append(names, s.String())
	}
	return names
}

// verdicts is the value of --fail-on: a list of drift statuses (comma-separated or
// repeated; the first value given replaces the default), or "never" (or an empty value)
// for none.
type verdicts struct {
	list []appmeshenvoy.DriftStatus
	set  bool // a value was given: the default is gone
}

func (v *verdicts) String() string {
	if v == nil || len(v.list) == 0 {
		return "never"
	}
	names := make([]string, len(v.list))
	for i, s := range v.list {
		names[i] = s.String()
	}
	return strings.Join(names, ",")
}

func (v *verdicts) Set(s string) error {
	if !v.set {
		v.list, v.set = nil, true
	}
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		switch item {
		case "":
			continue
		case "never":
			if strings.Trim(s, ", ") != "never" {
				return errors.New("never stands alone: it means no verdict fails")
			}
			v.list = nil
			continue
		}
		var st appmeshenvoy.DriftStatus
		if err := st.UnmarshalText([]byte(item)); err != nil {
			return errors.New("unknown verdict " + quote.Input(item) + didYouMean(suggest(item, append(driftStatuses(), "never")), nil) +
				"; verdicts are " + strings.Join(driftStatuses(), ", ") + ", or never")
		}
		v.list = append(v.list, st)
	}
	return nil
}

func (v *verdicts) has(s appmeshenvoy.DriftStatus) bool {
	for _, x := range v.list {
		if x == s {
			return true
		}
	}
	return false
}

func runImageCheck(ctx context.Context, a *app, args []string) error {
	c := a.newCmd("image check", "IMAGE [--fail-on VERDICT,...] [--region R] [-o table|json]",
		`Compares a deployed image reference with the latest image of its region, for a CI gate.
The region is read from the registry host, so mirrors in your own ECR work too; a public
gallery reference (public.ecr.aws) is compared with --region or the configured region.

Verdicts (the status): up-to-date, newer (ahead of the parameter), older (and by which
version part), unknown (a tag that is not an App Mesh Envoy version, such as :latest, or a
digest that is not the latest image's: nothing to compare), below-minimum (older than the
supported minimum), legacy-account (from the retired registry account).

Exit status: 1 when the verdict is one of --fail-on (default older, below-minimum,
legacy-account, unknown: a reference the check cannot judge fails it), or when the check
could not run; 2 for a reference or region that is not valid. Relax the gate with, for
example, --fail-on below-minimum,legacy-account; --fail-on never only reports.

Without the SSM parameter (AWS ended App Mesh support on 2026-09-30) the latest image is
the final release, v1.39.1.0-prod, and a mirror that lacks it is reported (latestMissing).

JSON keys (stable): image, region, status (a verdict above, or failed when the check could
not run), gate (pass or fail), deployed, latest, behind (the version part that differs:
major, minor, patch, build, pre-release), otherRepository (true for a mirror or another
registry), latestSource (ssm, or builtin for the final release), latestMissing, message.
When status is failed:
`+errorJSONKeys+`.`,
		`appmesh-envoy image check 840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.27.3.0-prod
appmesh-envoy image check public.ecr.aws/appmesh/aws-appmesh-envoy:v1.29.6.0-prod --region eu-west-1 --fail-on below-minimum -o json`,
		"table", "json")
	failOn := defaultFailOn()
	c.Var(&failOn, "fail-on", "exit 1 on these `VERDICT`s (comma-separated): "+strings.Join(driftStatuses(), ", ")+", or never")
	pos, err := c.parse(args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErrorf("image check takes one IMAGE reference, got %d arguments", len(pos))
	}
	ref := pos[0]
	// Parsed here as well as in CheckIn so that a malformed reference is a usage error
	// before any credential is loaded.
	if _, err := appmeshenvoy.ParseImage(ref); err != nil {
		return usageError{err}
	}
	regionCode, err := a.oneRegion("image check")
	if err != nil {
		return err
	}
	cfg, err := a.loadConfig(ctx, regionCode)
	if err != nil {
		return err
	}
	if err := a.checkCredentials(ctx, cfg); err != nil {
		return err
	}
	res := appmeshenvoy.NewResolver(cfg, func(o *appmeshenvoy.ResolverOptions) {
		o.CacheTTL = 0
		o.SSMOptions = a.ssmOptions()
		o.ECROptions = a.ecrOptions()
	})
	d, err := res.CheckIn(ctx, ref, cfg.Region)
	if err != nil {
		if appmeshenvoy.CodeOf(err).Input() {
			return usageErrorf("image check: %v; a public gallery reference is compared with --region R (or AWS_REGION)", err)
		}
		out := checkJSON{Image: ref, Status: statusFailed, Gate: gateFail, errorJSON: newErrorJSON(err)}
		var re *appmeshenvoy.RegionError
		if errors.As(err, &re) {
			out.Region = re.Region
		}
		if a.g.output == "json" {
			if werr := writeJSON(a.stdout, out); werr != nil {
				return werr
			}
		}
		return fmt.Errorf("image check: %w", err)
	}
	out := checkJSON{
		Image: ref, Region: d.Latest.Region(), Status: d.Status.String(), Gate: gatePass,
		Deployed: d.Deployed.String(), Latest: d.Latest.String(),
		Behind: d.Behind, OtherRepository: d.OtherRepository, Message: d.String(),
		LatestSource: string(d.LatestSource), LatestMissing: d.LatestMissing,
	}
	fail := failOn.has(d.Status)
	// When the gate fails, the error line says the same (d.String() names the
	// final release), and stderr stays one line.
	if d.LatestSource == appmeshenvoy.SourceBuiltin && !fail {
		fmt.Fprintf(a.stderr, "%s: note: the SSM parameter is gone from %s: compared with the final release %s\n", progName, out.Region, d.Latest.Tag)
	}
	if fail {
		out.Gate = gateFail
	}
	if a.g.output == "json" {
		err = writeJSON(a.stdout, out)
	} else {
		t := newTable("REGION", "STATUS", "GATE", "DEPLOYED", "LATEST")
		t.add(out.Region, out.Status, out.Gate, out.Deployed, out.Latest)
		err = t.write(a.stdout)
	}
	if err != nil {
		return err
	}
	if fail {
		return fmt.Errorf("image check: %s (--fail-on %s)", d.String(), failOn.String())
	}
	return nil
}
