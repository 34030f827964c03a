package appmeshenvoy

import (
	"strconv"
	"strings"

	"github.com/appmesh-envoy/appmesh-envoy-go/internal/quote"
)

// Version is the version in an App Mesh Envoy image tag such as "v1.29.6.0-prod": the
// Envoy release (Major.Minor.Patch), App Mesh's rebuild counter (Build), whether it is
// the FIPS variant ("-prod-fips"), and a pre-release label for the old "-beta" tags.
//
// The zero Version is "v0.0.0.0-prod", which sorts before every real release. Version is
// a plain comparable value.
type Version struct {
	// Major, Minor and Patch are the Envoy release.
	Major, Minor, Patch int
	// Build is App Mesh's rebuild counter for that Envoy release (CVE and agent fixes).
	Build int
	// FIPS reports the FIPS variant of the image (a "-fips" tag suffix).
	FIPS bool
	// Pre is the pre-release label of old tags ("beta"); "" for release ("-prod") tags.
	Pre string
}

// MinimumSupportedVersion returns the oldest image version AWS supported (v1.17.2.0, from
// 2023-06-30 until the end of support). Deployments below it should be upgraded; see
// [Drift]. Source: App Mesh User Guide, "Envoy image" (version support policy).
func MinimumSupportedVersion() Version { return Version{Major: 1, Minor: 17, Patch: 2, Build: 0} }

// FinalRelease returns the last App Mesh Envoy release AWS published before the end of
// support, v1.39.1.0-prod (2026-09-09, in every region of the table, China included:
// github.com/aws/aws-app-mesh-roadmap/issues/513). It is what a deployment can compare
// with once the SSM parameter is gone. AWS has not confirmed a -prod-fips tag of it.
func FinalRelease() Version { return Version{Major: 1, Minor: 39, Patch: 1, Build: 0} }

// maxVersionNumber bounds each number so that parsing never overflows and String
// round-trips.
const maxVersionNumber = 999999999

// ParseVersion parses an image tag such as "v1.29.6.0-prod", "v1.29.6.0-prod-fips",
// "1.29.6.0-prod" or the old "v1.9.1.0-beta". The leading "v" is optional; so is the
// "-prod" suffix ("v1.29.6.0" means the release). Numbers must be decimal without
// leading zeros. Errors match [ErrInvalidVersion].
func ParseVersion(tag string) (Version, error) {
	fail := func(reason string) (Version, error) {
		return Version{}, &ParseError{Kind: "version", Input: tag, Reason: reason, Err: ErrInvalidVersion}
	}
	if tag == "" {
		return fail("empty tag")
	}
	if len(tag) > 128 {
		return fail("longer than 128 characters")
	}
	s := strings.TrimPrefix(tag, "v")
	nums, suffix, hasSuffix := strings.Cut(s, "-")
	var v Version
	parts := strings.Split(nums, ".")
	if len(parts) != 4 {
		return fail("want four dot-separated numbers, as in v1.29.6.0-prod")
	}
	dst := [4]*int{&v.Major, &v.Minor, &v.Patch, &v.Build}
	for i, p := range parts {
		n, ok := parseVersionNumber(p)
		if !ok {
			return fail("bad number " + quote.Input(p) + " (decimal without leading zeros)")
		}
		*dst[i] = n
	}
	if hasSuffix {
		label, rest, hasRest := strings.Cut(suffix, "-")
		switch {
		case !hasRest:
		case rest == "fips":
			v.FIPS = true
		default:
			return fail("unknown suffix " + quote.Input(suffix) + " (want -prod, -prod-fips or -beta)")
		}
		switch {
		case label == "prod":
		case label == "fips":
			// "v1.29.6.0-fips" is no App Mesh tag; reading "fips" as a pre-release label
			// would make it a non-FIPS version older than the release.
			return fail("unknown suffix " + quote.Input(suffix) + " (the FIPS variant is -prod-fips)")
		case label != "" && isLowerAlnum(label) && len(label) <= 32:
			v.Pre = label
		default:
			return fail("unknown suffix " + quote.Input(suffix) + " (want -prod, -prod-fips or -beta)")
		}
	}
	return v, nil
}

func parseVersionNumber(s string) (int, bool) {
	if s == "" || len(s) > 9 || (len(s) > 1 && s[0] == '0') {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n <= maxVersionNumber
}

func isLowerAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// String returns the version as an image tag: "v1.29.6.0-prod", "v1.29.6.0-prod-fips" or
// "v1.9.1.0-beta". ParseVersion(v.String()) == v for every parsed v.
func (v Version) String() string {
	b := make([]byte, 0, 32)
	b = append(b, 'v')
	b = strconv.AppendInt(b, int64(v.Major), 10)
	b = append(b, '.')
	b = strconv.AppendInt(b, int64(v.Minor), 10)
	b = append(b, '.')
	b = strconv.AppendInt(b, int64(v.Patch), 10)
	b = append(b, '.')
	b = strconv.AppendInt(b, int64(v.Build), 10)
	if v.Pre != "" {
		b = append(b, '-')
		b = append(b, v.Pre...)
	} else {
		b = append(b, "-prod"...)
	}
	if v.FIPS {
		b = append(b, "-fips"...)
	}
	return string(b)
}

// Compare returns -1, 0 or +1 as v is older than, the same release as, or newer than w.
// Numbers compare numerically (1.29.10.0 is newer than 1.29.9.3); a pre-release ("beta")
// is older than the release with the same numbers. FIPS is not part of the order: the
// FIPS and standard variants of a release compare equal (use == for exact equality).
func (v Version) Compare(w Version) int {
	for _, d := range [4][2]int{{v.Major, w.Major}, {v.Minor, w.Minor}, {v.Patch, w.Patch}, {v.Build, w.Build}} {
		if d[0] != d[1] {
			if d[0] < d[1] {
				return -1
			}
			return 1
		}
	}
	switch {
	case v.Pre == w.Pre:
		return 0
	case v.Pre == "":
		return 1
	case w.Pre == "":
		return -1
	case v.Pre < w.Pre:
		return -1
	default:
		return 1
	}
}

// AtLeast reports whether v is w or newer (v.Compare(w) >= 0).
func (v Version) AtLeast(w Version) bool { return v.Compare(w) >= 0 }

// Difference names the most significant part in which v and w differ: "major",
// "minor", "patch", "build", "pre-release", or "" when they are the same release.
func (v Version) Difference(w Version) string {
	switch {
	case v.Major != w.Major:
		return "major"
	case v.Minor != w.Minor:
		return "minor"
	case v.Patch != w.Patch:
		return "patch"
	case v.Build != w.Build:
		return "build"
	case v.Pre != w.Pre:
		return "pre-release"
	}
	return ""
}

// WithFIPS returns v with FIPS set to fips.
func (v Version) WithFIPS(fips bool) Version {
	v.FIPS = fips
	return v
}
