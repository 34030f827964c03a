package inventory

import (
	"slices"
	"strings"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/errcode"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/quote"
	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

// Verdict is one finding about an Envoy container that a pipeline can act on. A
// container gets every verdict that applies, or [VerdictOK] alone.
type Verdict string

// Verdicts, in the order a container lists them.
const (
	// VerdictAtRisk: the image is pulled from a registry AWS controls — one of AWS's
	// App Mesh Envoy registries or the public gallery (public.ecr.aws/appmesh) — which
	// AWS may empty at any time now that App Mesh support has ended (2026-09-30). Copy
	// it to a registry of your own and rewrite the reference.
	VerdictAtRisk Verdict = "at-risk"
	// VerdictBelowMinimum: the version is older than the oldest AWS supported
	// (appmeshenvoy.MinimumSupportedVersion), or the image comes from the retired
	// registry account of images before v1.11.2.0.
	VerdictBelowMinimum Verdict = "below-minimum"
	// VerdictOlder: the version is older than the latest of the region (or, where the
	// SSM parameter is gone, the final release).
	VerdictOlder Verdict = "older"
	// VerdictUnknownVersion: the tag is not an App Mesh Envoy version (a custom tag, or
	// a reference by digest only), so no version can be compared.
	VerdictUnknownVersion Verdict = "unknown-version"
	// VerdictUnpinned: the reference has no digest, so what runs can change when the
	// tag moves or disappears.
	VerdictUnpinned Verdict = "unpinned"
	// VerdictOK: none of the above.
	VerdictOK Verdict = "ok"
)

// Verdicts returns every verdict, in the order a container lists them.
func Verdicts() []Verdict {
	return []Verdict{VerdictAtRisk, VerdictBelowMinimum, VerdictOlder, VerdictUnknownVersion, VerdictUnpinned, VerdictOK}
}

// errInvalidVerdict is matched by [ParseVerdicts] errors.
var errInvalidVerdict = errcode.New(errcode.InvalidInput, "invalid verdict")

// ParseVerdicts parses a comma-separated list of verdicts, such as "at-risk,unpinned".
// "never" (alone) is the empty list. Spaces around names are ignored; an unknown name
// is an error (code invalid-input) that lists the known ones.
func ParseVerdicts(s string) ([]Verdict, error) {
	if strings.TrimSpace(s) == "never" {
		return nil, nil
	}
	var out []Verdict
	for _, p := range strings.Split(s, ",") {
		v := Verdict(strings.TrimSpace(p))
		if !slices.Contains(Verdicts(), v) {
			names := make([]string, 0, 7)
			for _, k := range Verdicts() {
				names = append(names, string(k))
			}
			return nil, errcode.Wrap(errInvalidVerdict, "unknown verdict "+quote.Input(string(v))+"; use a comma-separated list of "+strings.Join(names, ", ")+", or never", nil)
		}
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out, nil
}

// Source says where an Envoy image is pulled from.
type Source string

// Sources of an image.
const (
	// SourceAWS: one of AWS's App Mesh Envoy registries (the region table's accounts,
	// or the retired legacy account).
	SourceAWS Source = "aws"
	// SourceGallery: the ECR Public Gallery (public.ecr.aws or ecr-public.aws.com).
	SourceGallery Source = "gallery"
	// SourcePullThroughCache: an ECR pull-through cache of the public gallery in your
	// own registry ("<account>.dkr.ecr.<region>.amazonaws.com/<prefix>/appmesh/aws-appmesh-envoy").
	SourcePullThroughCache Source = "pull-through-cache"
	// SourceMirror: any other registry: a copy in your own ECR or another registry.
	SourceMirror Source = "mirror"
)

// Matcher decides which container images are Envoy images: by their repository, never
// by the container's name. The zero Matcher counts every repository whose last path
// component is aws-appmesh-envoy (AWS's registries, the public gallery, pull-through
// caches and mirrors that keep the name). A Matcher is a plain value, safe for
// concurrent use.
type Matcher struct {
	// Mirrors are repositories of your own that hold the Envoy image under another
	// name, as "host/path" without tag or digest ("registry.example.com/platform/proxy",
	// "111122223333.dkr.ecr.{region}.amazonaws.com/envoy"); "{region}" stands for any
	// region label. Default: none.
	Mirrors []string
}

// Validate checks that every mirror is a repository, "host/path" without tag or digest
// ("{region}" standing for a region label), so that a typo is an input error rather than
// a pattern that silently matches nothing. Errors match appmeshenvoy.ErrInvalidRepository.
func (m Matcher) Validate() error {
	for _, mirror := range m.Mirrors {
		uri := strings.TrimSuffix(strings.TrimSpace(mirror), "/")
		probe := strings.ReplaceAll(uri, "{region}", "us-west-2")
		fail := func(reason string) error {
			return &appmeshenvoy.ParseError{Kind: "mirror repository", Input: mirror, Reason: reason, Err: appmeshenvoy.ErrInvalidRepository}
		}
		host, path, ok := strings.Cut(probe, "/")
		switch {
		case !ok || host == "" || path == "":
			return fail("want host/path, such as registry.example.com/platform/envoy or 111122223333.dkr.ecr.{region}.amazonaws.com/envoy")
		case strings.ContainsAny(path, ":@"):
			return fail("a repository has no tag or digest")
		}
		img, err := appmeshenvoy.ParseImage(probe + ":v1.39.1.0-prod")
		if err != nil || img.RepositoryURI() != probe {
			return fail("not a repository reference (a registry host with a dot or a port, and a lower-case path)")
		}
	}
	return nil
}

// Match parses ref and reports whether it is an Envoy image. A reference without tag or
// digest (which pulls "latest") is matched too, with an empty Tag. References without a
// registry host (Docker Hub short names) never match. The error is for a value that
// names an Envoy repository but is not a valid image reference (a bad tag or digest):
// a *appmeshenvoy.ParseError matching appmeshenvoy.ErrInvalidImage.
func (m Matcher) Match(ref string) (appmeshenvoy.Image, bool, error) {
	img, err := appmeshenvoy.ParseImage(ref)
	if err != nil && !strings.Contains(ref, "@") && !strings.Contains(ref[strings.LastIndexByte(ref, '/')+1:], ":") {
		// A reference without tag or digest pulls "latest": parse it with one.
		if img, err = appmeshenvoy.ParseImage(ref + ":latest"); err == nil {
			img.Tag = ""
		}
	}
	if err != nil {
		if m.envoyRepository(repositoryPart(ref)) {
			_, err = appmeshenvoy.ParseImage(ref) // the error of the reference as written
			return appmeshenvoy.Image{}, false, err
		}
		return appmeshenvoy.Image{}, false, nil
	}
	return img, m.envoyRepository(img.RepositoryURI()), nil
}

// envoyRepository reports whether "host/path" is an Envoy repository: its last path
// component is aws-appmesh-envoy, or it is one of the mirrors.
func (m Matcher) envoyRepository(uri string) bool {
	if i := strings.IndexByte(uri, '/'); i < 0 {
		return false
	} else if repo := uri[i+1:]; repo == region.RepositoryName || strings.HasSuffix(repo, "/"+region.RepositoryName) {
		return true
	}
	for _, mirror := range m.Mirrors {
		if matchMirror(strings.TrimSuffix(strings.TrimSpace(mirror), "/"), uri) {
			return true
		}
	}
	return false
}

// repositoryPart returns ref without its digest and tag: "host/path".
func repositoryPart(ref string) string {
	ref, _, _ = strings.Cut(ref, "@")
	if i := strings.LastIndexByte(ref, ':'); i > strings.LastIndexByte(ref, '/') {
		ref = ref[:i]
	}
	return ref
}

// matchMirror reports whether uri is the mirror pattern, where "{region}" matches one
// region label (lower-case letters, digits and hyphens).
func matchMirror(pattern, uri string) bool {
	before, after, ok := strings.Cut(pattern, "{region}")
	if !ok {
		return pattern == uri
	}
	if !strings.HasPrefix(uri, before) || !strings.HasSuffix(uri, after) || len(uri) < len(before)+len(after)+1 {
		return false
	}
	label := uri[len(before) : len(uri)-len(after)]
	for i := 0; i < len(label); i++ {
		c := label[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
			return false
		}
	}
	return true
}

// SourceOf says where img is pulled from.
func SourceOf(img appmeshenvoy.Image) Source {
	reg, ok := img.ECR()
	switch {
	case !ok:
		return SourceMirror
	case reg.Public:
		return SourceGallery
	case img.Repository == region.RepositoryName && isEnvoyAccount(reg.Account):
		return SourceAWS
	case strings.HasSuffix(img.Repository, "/appmesh/"+region.RepositoryName):
		return SourcePullThroughCache
	}
	return SourceMirror
}

// isEnvoyAccount reports whether account is one of AWS's Envoy registry accounts.
func isEnvoyAccount(account string) bool {
	if account == region.LegacyAccount {
		return true
	}
	for _, r := range region.All() {
		if r.Account == account {
			return true
		}
	}
	return false
}

// Assess returns the verdicts for an Envoy image deployed as img, compared with latest
// (the latest image of its region, or the final release): see [Verdict]. It does no I/O.
func Assess(img, latest appmeshenvoy.Image) []Verdict {
	var out []Verdict
	if s := SourceOf(img); s == SourceAWS || s == SourceGallery {
		out = append(out, VerdictAtRisk)
	}
	switch appmeshenvoy.CompareDeployed(img, latest).Status {
	case appmeshenvoy.DriftBelowMinimum, appmeshenvoy.DriftLegacyAccount:
		out = append(out, VerdictBelowMinimum)
	case appmeshenvoy.DriftOlder:
		out = append(out, VerdictOlder)
	case appmeshenvoy.DriftUnknownVersion:
		out = append(out, VerdictUnknownVersion)
	}
	if img.Digest == "" {
		out = append(out, VerdictUnpinned)
	}
	if len(out) == 0 {
		out = append(out, VerdictOK)
	}
	return out
}

// FinalImage returns the final App Mesh Envoy release (appmeshenvoy.FinalRelease) in
// the Envoy repository of regionCode, the comparison point when the SSM parameter is
// gone, or of us-west-2 when regionCode is not a supported region.
func FinalImage(regionCode string) appmeshenvoy.Image {
	r, err := region.Lookup(regionCode)
	if err != nil {
		r = region.MustLookup("us-west-2")
	}
	img, _ := appmeshenvoy.ParseImage(r.RepositoryURI() + ":" + appmeshenvoy.FinalRelease().String())
	return img
}
