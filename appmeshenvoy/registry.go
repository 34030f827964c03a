package appmeshenvoy

import (
	"slices"
	"strconv"
	"strings"

	"github.com/appmesh-envoy/appmesh-envoy-go/internal/quote"
	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

// Hosts of the ECR Public Gallery.
const (
	// PublicRegistryHost is the host of the ECR Public Gallery.
	PublicRegistryHost = "public.ecr.aws"
	// PublicDualStackRegistryHost is the gallery's dual-stack (IPv4 and IPv6) host. It
	// serves the same registry as [PublicRegistryHost]. Source: ECR Public user guide,
	// "Dual-stack endpoints" (2025).
	PublicDualStackRegistryHost = "ecr-public.aws.com"
)

// Registry is an ECR registry host taken apart.
//
// The zero Registry is not a registry. Registry is a plain comparable value.
type Registry struct {
	// Host is the host name in lower case, without scheme, port or path, such as
	// "840364872350.dkr.ecr.us-west-2.amazonaws.com" or "public.ecr.aws".
	Host string
	// Account is the 12-digit registry (account) ID; "" for the public gallery.
	Account string
	// Region is the region code; "" for the public gallery.
	Region string
	// Partition is the partition ID, such as "aws" or "aws-cn".
	Partition string
	// FIPS reports a FIPS endpoint host ("dkr.ecr-fips" or "dkr-ecr-fips").
	FIPS bool
	// DualStack reports a dual-stack (IPv4 and IPv6) host: "<account>.dkr-ecr.<region>.on.aws"
	// (China: "on.amazonwebservices.com.cn"), or the gallery's "ecr-public.aws.com".
	DualStack bool
	// Public reports the ECR Public Gallery: public.ecr.aws or ecr-public.aws.com.
	Public bool
}

// String returns the host.
func (r Registry) String() string { return r.Host }

// Same reports whether r and o are the same registry: equal hosts, or the same account,
// region and partition in any endpoint form (standard, FIPS, dual-stack), or both the
// public gallery (public.ecr.aws and ecr-public.aws.com).
func (r Registry) Same(o Registry) bool {
	switch {
	case r.Host == o.Host:
		return true
	case r.Public || o.Public:
		return r.Public && o.Public
	}
	return r.Account != "" && r.Account == o.Account && r.Region == o.Region && r.Partition == o.Partition
}

// ParseRegistryHost parses an ECR registry host in any of the forms AWS uses: standard
// ("<account>.dkr.ecr.<region>.amazonaws.com", ".amazonaws.com.cn" in China, the ISO and
// EU sovereign suffixes), FIPS ("dkr.ecr-fips"), dual-stack ("<account>.dkr-ecr.<region>.on.aws",
// "on.amazonwebservices.com.cn" in China) and the public gallery ("public.ecr.aws" and its
// dual-stack "ecr-public.aws.com").
//
// The partition comes from the DNS suffix; under amazonaws.com (and on.aws) a region label
// starting "us-gov-" is GovCloud and any other the commercial partition, so hosts of
// regions launched after this library's table are accepted, as the ECR credential helper
// accepts them (region.PartitionOfHost). Whether a region publishes the Envoy image is
// another question, which the resolver asks of the region table.
//
// It accepts what people paste: surrounding space, upper case, an "https://" prefix, a port
// and a path (port and path are dropped). It rejects "http://", user names, the ECR API
// endpoint ("api.ecr.<region>..."), accounts that are not 12 digits, region labels that do
// not belong to the suffix's partition, FIPS hosts in China (which has none), look-alike
// domains and empty input. Errors match [ErrInvalidRegistryHost].
func ParseRegistryHost(s string) (Registry, error) {
	fail := func(reason string) (Registry, error) {
		return Registry{}, &ParseError{Kind: "registry host", Input: s, Reason: reason, Err: ErrInvalidRegistryHost}
	}
	in := strings.TrimSpace(s)
	if in == "" {
		return fail("empty")
	}
	if len(in) > 512 {
		return fail("longer than 512 characters")
	}
	if scheme, rest, ok := strings.Cut(in, "://"); ok {
		switch strings.ToLower(scheme) {
		case "https":
			in = rest
		case "http":
			return fail("registries are reached over https, not http")
		default:
			return fail("unknown scheme " + quote.Input(scheme))
		}
	}
	if i := strings.IndexByte(in, '/'); i >= 0 {
		in = in[:i]
	}
	if in == "" {
		return fail("no host after the scheme")
	}
	if strings.ContainsAny(in, "@?#") {
		return fail("a registry host has no user name, query or fragment")
	}
	host := in
	if h, port, ok := strings.Cut(in, ":"); ok {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 || port[0] == '0' || port[0] == '+' {
			return fail("bad port " + quote.Input(port))
		}
		host = h
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	switch host {
	case PublicRegistryHost:
		return Registry{Host: host, Partition: region.PartitionAWS, Public: true}, nil
	case PublicDualStackRegistryHost:
		return Registry{Host: host, Partition: region.PartitionAWS, Public: true, DualStack: true}, nil
	}
	const want = "want <12-digit account>.dkr.ecr.<region>.<suffix>, <account>.dkr-ecr.<region>.on.aws, public.ecr.aws or ecr-public.aws.com"
	labels := strings.Split(host, ".")
	if labels[0] == "api" || labels[0] == "ecr" || labels[0] == "api-fips" || labels[0] == "ecr-fips" {
		return fail("this is the ECR API endpoint, not a registry host; " + want)
	}
	if len(labels) < 5 {
		return fail(want)
	}
	r := Registry{Host: host, Account: labels[0]}
	if !isAccountID(r.Account) {
		return fail("the account must be 12 digits; " + want)
	}
	var rest []string
	switch {
	case labels[1] == "dkr" && labels[2] == "ecr":
		rest = labels[3:]
	case labels[1] == "dkr" && labels[2] == "ecr-fips":
		r.FIPS = true
		rest = labels[3:]
	case labels[1] == "dkr-ecr":
		rest = labels[2:]
	case labels[1] == "dkr-ecr-fips":
		r.FIPS = true
		rest = labels[2:]
	default:
		return fail(want)
	}
	if len(rest) < 2 {
		return fail(want)
	}
	r.Region = rest[0]
	if !isRegionLabel(r.Region) {
		return fail("bad region " + quote.Input(r.Region) + " (letters, digits and hyphens); " + want)
	}
	suffix := strings.Join(rest[1:], ".")
	p, dual, ok := region.PartitionOfHost(r.Region, suffix)
	if !ok {
		return fail(hostSuffixProblem(r.Region, suffix))
	}
	r.Partition, r.DualStack = p.ID, dual
	if r.FIPS && p.ID == region.PartitionChina {
		return fail("the China regions have no FIPS registry endpoints")
	}
	return r, nil
}

// hostSuffixProblem says why region.PartitionOfHost refused a region label and suffix.
func hostSuffixProblem(label, suffix string) string {
	var known []string
	add := func(suffix string) {
		if suffix != "" && !slices.Contains(known, "."+suffix) {
			known = append(known, "."+suffix)
		}
	}
	for _, p := range region.Partitions() {
		if p.DNSSuffix == suffix || p.DualStackDNSSuffix() == suffix {
			shaped, ok := region.PartitionOf(label)
			if !ok {
				shaped, _ = region.LookupPartition(region.PartitionAWS)
			}
			want := "." + shaped.DNSSuffix
			if ds := shaped.DualStackDNSSuffix(); ds != "" {
				want += " (dual-stack ." + ds + ")"
			}
			return "region " + quote.Input(label) + " is in partition " + shaped.ID + ", whose registry hosts end in " + want + ", not ." + suffix
		}
		add(p.DNSSuffix)
		add(p.DualStackDNSSuffix())
	}
	return "an ECR registry host ends in a partition's domain (" + strings.Join(known, ", ") + "), not " + quote.Input("."+suffix)
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// isRegionLabel reports whether s is made of lower-case letters, digits and inner hyphens.
func isRegionLabel(s string) bool {
	if s == "" || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
			return false
		}
	}
	return true
}
