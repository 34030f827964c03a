package mirror

import (
	"sort"
	"strings"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/errcode"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/lazyregexp"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/quote"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/registry"
)

// RegionPlaceholder in a destination stands for the source region's code, so that one
// destination names a repository in every region ([Request.Regions]), such as
// "111122223333.dkr.ecr.{region}.amazonaws.com/platform/envoy".
const RegionPlaceholder = "{region}"

// Request is one mirror run. The zero Request is invalid: it names no destination.
type Request struct {
	// Regions are the source regions: the Envoy image of each region's AWS registry is
	// copied (or, with FromGallery, the gallery's), and {region} in the destinations
	// is that region. More than one region needs every destination to carry
	// {region}: regional copies are separate repositories. All must be in one
	// partition, the one the credentials belong to. Empty is allowed only with
	// FromGallery, Tags and no {region}.
	Regions []string

	// Tags are the Envoy tags to copy, such as "v1.39.1.0-prod". Empty means the latest
	// image of each region (the public SSM parameter, read with the resolver).
	Tags []string

	// FIPS adds the FIPS variant ("-prod-fips") of each tag, in the regions that
	// publish FIPS images; a region named alone that has none is an input error.
	FIPS bool

	// FromGallery copies from the public gallery,
	// public.ecr.aws/appmesh/aws-appmesh-envoy (anonymous pulls, capped at 500 GB a
	// month), instead of the regions' AWS registries.
	FromGallery bool

	// Destinations are repositories "host/path", optionally with {region} in the host
	// or path: ECR repositories ("111122223333.dkr.ecr.us-west-2.amazonaws.com/envoy")
	// or any registry ("registry.example.com/platform/envoy", "127.0.0.1:5000/envoy").
	Destinations []string

	// Create, when set, creates ECR destination repositories that do not exist, with
	// these settings (ecr:DescribeRepositories, ecr:CreateRepository). Other
	// registries create repositories on the first push. Default nil: a missing
	// repository is an error.
	Create *RepositorySettings

	// Force moves a destination tag that points at another digest. ECR refuses that in
	// a repository with immutable tags. Default false: such a tag is an error that
	// names both digests.
	Force bool

	// Verify re-reads every manifest and blob from each destination after the copy
	// (or when it is up to date) and checks sizes and digests. Default false: only the
	// tag's digest is checked (one request per destination when up to date).
	Verify bool

	// DryRun reads the source and the destinations and reports what a copy would do
	// (repository to create, blobs and bytes to copy, tag to write) without writing.
	DryRun bool
}

// RepositorySettings are the settings of the repositories [Request.Create] creates.
// The zero value is immutable tags, AES256 encryption, no tags and no repository-level
// scan on push (ECR has deprecated it for registry-level scanning).
type RepositorySettings struct {
	// MutableTags makes tags mutable (ECR's MUTABLE). Default false: IMMUTABLE, so that
	// no one can move a mirrored release tag; [Request.Force] then cannot move one either.
	MutableTags bool
	// KMSKey, when set, encrypts with KMS under this key (an ARN, key ID or alias, or
	// "aws/ecr" for the AWS managed key) instead of AES256 (ECR's default).
	KMSKey string
	// Tags are resource tags of the repository. Tagging on creation needs
	// ecr:TagResource besides ecr:CreateRepository.
	Tags map[string]string
}

// destination is one repository to write, parsed.
type destination struct {
	repo registry.Repo
	ecr  *appmeshenvoy.Registry // for ECR private registries
}

// repositoryNamePattern is the repository name grammar of the OCI distribution spec
// ("Pulling manifests", <name>), whose components ECR's own pattern also matches.
var repositoryNamePattern = lazyregexp.New(`^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$`)

// ExpandDestination returns the repository a destination names for a source region:
// {region} replaced by regionCode (which may be "" when the destination has none). It
// checks the result as a repository: "host/path" with a registry host (a DNS name with
// a dot, an IP address, localhost, or a port), a lower-case path, no tag or digest, no
// other placeholder; an ECR host must be a well-formed ECR private registry host.
// Errors match [ErrInvalidDestination].
func ExpandDestination(template, regionCode string) (string, error) {
	d, err := parseDestination(template, regionCode)
	if err != nil {
		return "", err
	}
	return d.repo.String(), nil
}

// HasRegion reports whether a destination carries {region}.
func HasRegion(template string) bool { return strings.Contains(template, RegionPlaceholder) }

func parseDestination(template, regionCode string) (destination, error) {
	fail := func(why string) (destination, error) {
		return destination{}, errcode.Wrap(ErrInvalidDestination, "destination "+quote.Input(template)+": "+why, nil)
	}
	s := strings.TrimSpace(template)
	if rest, ok := strings.CutPrefix(s, "https://"); ok {
		s = rest
	} else if strings.Contains(s, "://") {
		return fail("give the repository as host/path without a scheme; to reach a registry over plain http on loopback, use --registry-endpoint HOST=http://127.0.0.1:PORT")
	}
	if tplHost, _, _ := strings.Cut(s, "/"); strings.Contains(hostPort(tplHost), RegionPlaceholder) {
		return fail(RegionPlaceholder + " in the port: put it in the host name or the path")
	}
	if HasRegion(s) {
		if regionCode == "" {
			return fail("has " + RegionPlaceholder + " but no source region is named")
		}
		s = strings.ReplaceAll(s, RegionPlaceholder, regionCode)
	}
	if strings.ContainsAny(s, "{}") {
		return fail("the only placeholder is " + RegionPlaceholder + " (in the host or path)")
	}
	host, name, ok := strings.Cut(s, "/")
	name = strings.TrimRight(name, "/")
	if !ok || host == "" || name == "" {
		return fail("want host/repository, as in 111122223333.dkr.ecr.us-west-2.amazonaws.com/platform/envoy")
	}
	if i := strings.IndexAny(name, ":@"); i >= 0 {
		return fail("a destination is a repository, without tag or digest (the tags come from the source): " + host + "/" + name[:i])
	}
	if !strings.ContainsAny(host, ".:") && host != "localhost" {
		return fail(quote.Input(host) + " is not a registry host (a registry host has a dot or a port, or is localhost)")
	}
	h, err := registry.NormalizeHost(host)
	if err != nil {
		return fail(err.Error())
	}
	if len(name) > 255 || !repositoryNamePattern().MatchString(name) {
		return fail("bad repository name " + quote.Input(name) + " (lower-case letters and digits, separated by . _ - and /)")
	}
	d := destination{repo: registry.Repo{Host: h, Name: name}}
	if reg, err := appmeshenvoy.ParseRegistryHost(h); err == nil {
		if reg.Public {
			return fail("the public gallery is not a destination (it is AWS's, and read-only)")
		}
		if strings.Contains(h, ":") {
			return fail("an ECR registry host has no port")
		}
		if len(name) < 2 || len(name) > 256 {
			return fail("an ECR repository name has 2 to 256 characters")
		}
		reg := reg
		d.ecr = &reg
	} else if looksLikeECR(h) {
		return fail(err.Error())
	}
	return d, nil
}

// hostPort returns the port of host:port, or "".
func hostPort(h string) string {
	if i := strings.LastIndexByte(h, ':'); i >= 0 && !strings.HasSuffix(h, "]") {
		return h[i+1:]
	}
	return ""
}

// looksLikeECR reports a host meant as an ECR registry, parseable or not.
func looksLikeECR(h string) bool {
	return strings.Contains(h, ".dkr.ecr") || strings.Contains(h, ".dkr-ecr") || strings.HasSuffix(h, ".amazonaws.com") ||
		strings.HasSuffix(h, ".amazonaws.com.cn") || h == "ecr-public.aws.com"
}

// sortedTags returns the keys and values of tags sorted by key.
func sortedTags(tags map[string]string) [][2]string {
	out := make([][2]string, 0, len(tags))
	for k, v := range tags {
		out = append(out, [2]string{k, v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i][0] < out[j][0] })
	return out
}
