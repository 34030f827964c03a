package appmeshenvoy

import (
	"strconv"
	"strings"

	"github.com/appmesh-envoy/appmesh-envoy-go/internal/quote"
	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

// PublicRegistryHost is the host of the ECR Public Gallery.
const PublicRegistryHost = "public.ecr.aws"

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
	// DualStack reports a dual-stack (IPv4 and IPv6) host ("dkr-ecr...on.aws").
	DualStack bool
	// Public reports the ECR Public Gallery, public.ecr.aws.
	Public bool
}

// String returns the host.
func (r Registry) String() string { return r.Host }

// ParseRegistryHost parses an ECR registry host in any of the forms AWS uses: standard
// ("<account>.dkr.ecr.<region>.amazonaws.com", ".amazonaws.com.cn" in China, the ISO and
// EU sovereign suffixes), FIPS ("dkr.ecr-fips"), dual-stack ("<account>.dkr-ecr.<region>.on.aws",
// "on.amazonwebservices.com.cn" in China) and the public gallery "public.ecr.aws". It
// accepts what people paste: surrounding space, upper case, an "https://" prefix, a port
// and a path (port and path are dropped). It rejects "http://", the ECR API endpoint
// ("api.ecr.<region>..."), accounts that are not 12 digits, regions whose partition does
// not match the suffix, look-alike domains and empty input. Errors match
// [ErrInvalidRegistryHost].
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
	if host == PublicRegistryHost {
		return Registry{Host: host, Partition: region.PartitionAWS, Public: true}, nil
	}
	const want = "want <12-digit account>.dkr.ecr.<region>.<suffix>, <account>.dkr-ecr.<region>.on.aws or public.ecr.aws"
	labels := strings.Split(host, ".")
	if len(labels) > 0 && (labels[0] == "api" || labels[0] == "ecr" || labels[0] == "api-fips" || labels[0] == "ecr-fips") {
		return fail("this is the ECR API endpoint, not a registry host; " + want)
	}
	if len(labels) < 4 {
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
		r.DualStack = true
		rest = labels[2:]
	case labels[1] == "dkr-ecr-fips":
		r.DualStack, r.FIPS = true, true
		rest = labels[2:]
	default:
		return fail(want)
	}
	if len(rest) < 2 {
		return fail(want)
	}
	r.Region = rest[0]
	p, ok := region.PartitionOf(r.Region)
	if !ok || !isRegionLabel(r.Region) {
		return fail("unknown region " + quote.Input(r.Region) + "; " + want)
	}
	r.Partition = p.ID
	suffix := strings.Join(rest[1:], ".")
	wantSuffix := p.DNSSuffix
	if r.DualStack {
		wantSuffix = p.DualStackDNSSuffix()
		if wantSuffix == "" {
			return fail("partition " + p.ID + " has no dual-stack registry endpoints")
		}
	}
	if suffix != wantSuffix {
		return fail("region " + r.Region + " is in partition " + p.ID + ", whose registry hosts end in ." + wantSuffix + ", not " + quote.Input("."+suffix))
	}
	if r.FIPS && p.ID == region.PartitionChina {
		return fail("the China regions have no FIPS registry endpoints")
	}
	return r, nil
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
