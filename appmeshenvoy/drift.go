package appmeshenvoy

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	"github.com/appmesh-envoy/appmesh-envoy-go/internal/errcode"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/quote"
	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

// DriftStatus says how a deployed image relates to the region's latest. Its text form
// ([DriftStatus.String], [DriftStatus.MarshalText]) is a stable kebab-case name, such as
// "up-to-date" or "below-minimum", which the CLI prints in its JSON output and accepts in
// "image check --fail-on". The zero value is [DriftUpToDate].
type DriftStatus int

// Drift statuses, from best to worst. [CompareDeployed] reports the worst that applies.
const (
	// DriftUpToDate ("up-to-date"): the deployed version is the latest (FIPS and
	// standard variants of a release count as the same).
	DriftUpToDate DriftStatus = iota
	// DriftNewer ("newer"): the deployed version is newer than the parameter's (a
	// pre-release, or the parameter lags behind).
	DriftNewer
	// DriftOlder ("older"): the deployed version is older than the latest but supported.
	DriftOlder
	// DriftUnknownVersion ("unknown"): the deployed tag is not an App Mesh Envoy version
	// (a custom tag such as "latest", or a digest-only reference that is not the latest
	// image's digest), so nothing can be compared.
	DriftUnknownVersion
	// DriftBelowMinimum ("below-minimum"): the deployed version is older than
	// [MinimumSupportedVersion].
	DriftBelowMinimum
	// DriftLegacyAccount ("legacy-account"): the image comes from the retired account
	// 111345817488.
	DriftLegacyAccount
)

// driftNames are the text forms of the statuses, indexed by status.
var driftNames = [...]string{
	DriftUpToDate:       "up-to-date",
	DriftNewer:          "newer",
	DriftOlder:          "older",
	DriftUnknownVersion: "unknown",
	DriftBelowMinimum:   "below-minimum",
	DriftLegacyAccount:  "legacy-account",
}

// String returns the status's stable kebab-case name: "up-to-date", "newer", "older",
// "unknown", "below-minimum" or "legacy-account"; "DriftStatus(N)" for a value that is
// none of them.
func (s DriftStatus) String() string {
	if s >= 0 && int(s) < len(driftNames) {
		return driftNames[s]
	}
	return fmt.Sprintf("DriftStatus(%d)", int(s))
}

// MarshalText returns the status's name (see [DriftStatus.String]), so that JSON and
// other text encodings carry the name rather than a number. A value that is not a
// status is an error.
func (s DriftStatus) MarshalText() ([]byte, error) {
	if s < 0 || int(s) >= len(driftNames) {
		return nil, &errcode.Error{Code: errcode.InvalidInput, Msg: "DriftStatus(" + strconv.Itoa(int(s)) + ") is not a drift status"}
	}
	return []byte(driftNames[s]), nil
}

// UnmarshalText sets s from a status name as [DriftStatus.String] writes it; letter case
// and surrounding white space do not matter. Any other text is an error with the code
// "invalid-input" ([CodeInvalidInput]) whose message lists the names.
func (s *DriftStatus) UnmarshalText(text []byte) error {
	name := strings.ToLower(strings.TrimSpace(string(text)))
	for i, n := range driftNames {
		if n == name {
			*s = DriftStatus(i)
			return nil
		}
	}
	return &errcode.Error{Code: errcode.InvalidInput, Msg: "drift status " + quote.Input(string(text)) + " is not one of " + strings.Join(driftNames[:], ", ")}
}

// Drift compares a deployed image with the latest of its region. It is a plain value.
type Drift struct {
	// Status is the verdict.
	Status DriftStatus
	// Deployed and Latest are the two images compared.
	Deployed, Latest Image
	// DeployedVersion and LatestVersion are their versions (zero when a tag does not
	// parse).
	DeployedVersion, LatestVersion Version
	// Behind names the most significant version part that differs ("major", "minor",
	// "patch", "build", "pre-release"), or "" when the versions are the same release.
	// How many releases lie in between is not knowable from two tags.
	Behind string
	// OtherRepository reports that the deployed image is not from the region's own App
	// Mesh Envoy repository: a mirror, a pull-through cache, the public gallery, or
	// another registry. Only the tag was compared then; the content is not verified.
	// The FIPS and dual-stack endpoint forms of the registry host name the same
	// registry and do not count as another repository.
	OtherRepository bool
	// LatestSource says where Latest came from: SourceSSM, the region's parameter, or
	// SourceBuiltin, the final release ([FinalRelease]) in the region's registry, when
	// the parameter is gone (see [Resolver.Check]).
	LatestSource Source
	// LatestMissing reports that the deployed image's repository, when it is not the
	// region's own (a mirror, a pull-through cache, another registry), has no image
	// with Latest's tag: there is nothing to upgrade to there until it is copied in.
	// Only [Resolver.Check] sets it, and only when comparing with the final release.
	LatestMissing bool
}

// String describes the drift in one line that starts with the status name, such as
// "older: v1.27.3.0-prod is behind the latest v1.29.6.0-prod by a minor version".
func (d Drift) String() string {
	s := d.Status.String() + ": "
	switch d.Status {
	case DriftLegacyAccount:
		s += d.Deployed.String() + " is from the retired account " + region.LegacyAccount + "; deploy " + d.Latest.String()
	case DriftUnknownVersion:
		s += "tag " + quote.Input(d.Deployed.Tag) + " is not an App Mesh Envoy version; the latest is " + d.Latest.Tag
	case DriftBelowMinimum:
		s += d.DeployedVersion.String() + " is below the supported minimum " + MinimumSupportedVersion().String() + "; upgrade to " + d.Latest.Tag
	case DriftOlder:
		s += d.DeployedVersion.String() + " is behind the latest " + d.LatestVersion.String() + " by " + behindPhrase(d.Behind)
	case DriftNewer:
		s += d.DeployedVersion.String() + " is ahead of the latest " + d.LatestVersion.String() + " by " + behindPhrase(d.Behind)
	default:
		s += d.DeployedVersion.String()
	}
	if d.OtherRepository {
		s += "; deployed from " + d.Deployed.RepositoryURI() + ", not " + d.Latest.RepositoryURI()
	}
	if d.LatestSource == SourceBuiltin {
		s += "; compared with the final App Mesh release " + d.Latest.Tag + " because the SSM parameter is gone"
	}
	if d.LatestMissing {
		s += "; " + d.Deployed.RepositoryURI() + " has no " + d.Latest.Tag + ": copy it there before upgrading"
	}
	return s
}

// behindPhrase turns a Drift.Behind value into words.
func behindPhrase(part string) string {
	switch part {
	case "major":
		return "a major version"
	case "minor":
		return "a minor version"
	case "patch":
		return "a patch release"
	case "build":
		return "an App Mesh rebuild (CVE and agent fixes)"
	case "pre-release":
		return "its pre-release label"
	}
	return part
}

// CompareDeployed compares a deployed image with latest (normally from
// [Resolver.Latest] for the deployed image's region). It does no I/O.
func CompareDeployed(deployed, latest Image) Drift {
	d := Drift{Deployed: deployed, Latest: latest}
	d.LatestVersion, _ = latest.Version()
	d.OtherRepository = !sameRegistry(deployed.Registry, latest.Registry) || deployed.Repository != latest.Repository
	if deployed.Account() == region.LegacyAccount {
		d.Status = DriftLegacyAccount
		d.DeployedVersion, _ = deployed.Version()
		d.Behind = d.DeployedVersion.Difference(d.LatestVersion)
		return d
	}
	v, err := deployed.Version()
	if err != nil {
		d.Status = DriftUnknownVersion
		return d
	}
	d.DeployedVersion = v
	d.Behind = v.Difference(d.LatestVersion)
	switch c := v.Compare(d.LatestVersion); {
	case !v.AtLeast(MinimumSupportedVersion()):
		d.Status = DriftBelowMinimum
	case c < 0:
		d.Status = DriftOlder
	case c > 0:
		d.Status = DriftNewer
	default:
		d.Status = DriftUpToDate
	}
	return d
}

// Check parses a deployed image reference, resolves the latest image of its region with
// [Resolver.Resolve], and compares them with [CompareDeployed]. The reference must name
// an ECR host with a region (a mirror in your own account counts); for a reference of
// the public gallery, which names no region, use [Resolver.CheckIn]; for other hosts,
// call Latest for the region yourself and use CompareDeployed.
//
// When the region's SSM parameter is gone, Check compares with the final release
// ([FinalRelease], in the region's registry; Drift.LatestSource is SourceBuiltin),
// whatever ResolverOptions.Fallbacks say: the highest tag of your own mirror would make
// every deployment from it "up to date". If the deployed image comes from another
// repository, Check then also asks that repository for the final release's tag (with
// [Resolver.Pin]) and sets Drift.LatestMissing when it is not there.
//
// A digest-only reference (repository@sha256:...) of the owner's repository is compared
// with the latest image's digest, read with [Resolver.Pin]: the same digest is up to
// date, any other is DriftUnknownVersion (a digest says nothing about a version). Errors
// are a [*ParseError] for the reference or Resolve's [*RegionError].
func (r *Resolver) Check(ctx context.Context, ref string) (Drift, error) {
	return r.CheckIn(ctx, ref, "")
}

// CheckIn is [Resolver.Check] with the region to compare with when the reference's
// registry names none: a reference of the public gallery (public.ecr.aws, or its
// dual-stack host) is compared with the latest image of regionCode, because the
// gallery serves the same releases as every region's registry. A reference whose ECR
// host names a region is compared with that region's latest image and regionCode is not
// used: a mirror is judged where it lives. The result's Latest image names the region
// compared with.
//
// Errors are a [*ParseError] matching [ErrInvalidImage] for a reference that is not an
// ECR reference, or a gallery reference with an empty regionCode; a [*RegionError]
// matching region.ErrUnsupported for a regionCode the image is not published in (both
// before any request, and both with an input code: [Code.Input] is true); otherwise
// Resolve's [*RegionError].
func (r *Resolver) CheckIn(ctx context.Context, ref, regionCode string) (Drift, error) {
	if err := r.usable(); err != nil {
		return Drift{}, err
	}
	img, err := ParseImage(ref)
	if err != nil {
		return Drift{}, err
	}
	code := img.Region()
	if code == "" {
		reg, ok := img.ECR()
		switch {
		case !ok || !reg.Public:
			return Drift{}, &ParseError{Kind: "image reference", Input: ref, Err: ErrInvalidImage,
				Reason: "the registry " + quote.Input(img.Registry) + " is not an ECR registry; check an ECR reference such as " +
					region.MustLookup("us-west-2").RepositoryURI() + ":TAG, or resolve the latest image with Resolver.Latest and use CompareDeployed"}
		case strings.TrimSpace(regionCode) == "":
			return Drift{}, &ParseError{Kind: "image reference", Input: ref, Err: ErrInvalidImage,
				Reason: "the public gallery names no region; give the region whose latest image to compare with"}
		}
		code = regionCode
	}
	latest, source, err := r.checkLatest(ctx, code)
	if err != nil {
		return Drift{}, err
	}
	if img.Tag == "" && img.Digest != "" && sameRegistry(img.Registry, latest.Registry) && img.Repository == latest.Repository {
		// A digest-only reference carries no version. If it is the latest image's
		// digest, it is that release; otherwise the status stays "unknown".
		if pinned, err := r.Pin(ctx, latest); err == nil && pinned.Digest == img.Digest {
			img.Tag = latest.Tag
			d := CompareDeployed(img, pinned)
			d.LatestSource = source
			return d, nil
		}
	}
	d := CompareDeployed(img, latest)
	d.LatestSource = source
	if source == SourceBuiltin && d.OtherRepository {
		there := Image{Registry: img.Registry, Repository: img.Repository, Tag: latest.Tag}
		_, err := r.Pin(ctx, there)
		switch {
		case CodeOf(err) == CodeImageNotFound, CodeOf(err) == CodeManifestUnknown:
			d.LatestMissing = true
		case err != nil:
			r.opts.Logger.LogAttrs(ctx, slog.LevelWarn, "appmeshenvoy: cannot tell whether "+there.String()+" exists", slog.Any("error", err))
		}
	}
	return d, nil
}

// checkLatest is the image Check compares with: the parameter's, or the final release
// in the region's registry when the parameter is gone (never a fallback's answer).
func (r *Resolver) checkLatest(ctx context.Context, code string) (Image, Source, error) {
	res, err := r.Resolve(ctx, code)
	switch {
	case err == nil && res.Source == SourceSSM:
		return res.Image, SourceSSM, nil
	case err != nil && !errors.Is(err, ErrParameterNotFound):
		return Image{}, "", err
	}
	reg, err := region.Lookup(code)
	if err != nil {
		return Image{}, "", err
	}
	return Image{Registry: reg.RegistryHost(), Repository: region.RepositoryName, Tag: FinalRelease().String()}, SourceBuiltin, nil
}

// sameRegistry reports whether two registry hosts name the same registry (see
// [Registry.Same]); hosts that are not ECR hosts are the same only when equal.
func sameRegistry(a, b string) bool {
	if a == b {
		return true
	}
	ra, errA := ParseRegistryHost(a)
	rb, errB := ParseRegistryHost(b)
	return errA == nil && errB == nil && ra.Same(rb)
}
