package appmeshenvoy

import (
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/arn"

	"github.com/appmesh-envoy/appmesh-envoy-go/internal/errcode"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/quote"
	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

// ErrInvalidRepository is matched by the errors of [ParseRepository].
var ErrInvalidRepository error = errcode.New(errcode.InvalidRepository, "invalid repository")

// Repository is an ECR repository: a registry and a repository name (path), such as a
// mirror of the image in your own account,
// "111122223333.dkr.ecr.eu-west-1.amazonaws.com/platform/envoy". It is a plain comparable
// value; the zero Repository is not a repository.
type Repository struct {
	// Registry is the registry, as [ParseRegistryHost] reads it.
	Registry Registry
	// Name is the repository name (path) inside the registry, such as "platform/envoy".
	Name string
}

// ParseRepository parses an ECR repository given as a URI, "host/name" (an "https://"
// prefix and surrounding space are accepted, as pasted from the console), or as a
// repository ARN, "arn:aws:ecr:eu-west-1:111122223333:repository/platform/envoy". The host
// may be any ECR private host form [ParseRegistryHost] accepts (FIPS, dual-stack, China,
// GovCloud) but has no port; the public gallery (public.ecr.aws) is accepted too. An image
// reference (with a tag or digest) is refused with a message that shows the repository
// it names. Errors match [ErrInvalidRepository] (or [ErrInvalidRegistryHost]).
func ParseRepository(s string) (Repository, error) {
	fail := func(reason string) (Repository, error) {
		return Repository{}, &ParseError{Kind: "repository", Input: s, Reason: reason, Err: ErrInvalidRepository}
	}
	in := strings.TrimSpace(s)
	if len(in) > maxImageRefLen {
		return fail("longer than 1024 characters")
	}
	if strings.HasPrefix(in, "arn:") {
		return parseRepositoryARN(s, in)
	}
	if scheme, rest, ok := strings.Cut(in, "://"); ok {
		if !strings.EqualFold(scheme, "https") {
			return fail("registries are reached over https; give the repository without a scheme, as in 111122223333.dkr.ecr.eu-west-1.amazonaws.com/platform/envoy")
		}
		in = rest
	}
	host, name, ok := strings.Cut(in, "/")
	name = strings.TrimRight(name, "/")
	switch {
	case !ok || host == "" || name == "":
		return fail("want <registry host>/<repository>, as in 111122223333.dkr.ecr.eu-west-1.amazonaws.com/platform/envoy, or a repository ARN")
	case strings.Contains(host, ":"):
		return fail("an ECR registry host has no port")
	}
	reg, err := ParseRegistryHost(host)
	if err != nil {
		return Repository{}, err
	}
	if i := strings.IndexAny(name, ":@"); i >= 0 {
		if base := name[:i]; isRepository(base) {
			return fail("this is an image reference; give the repository without tag or digest: " + host + "/" + base)
		}
		return fail("a repository has no tag or digest")
	}
	if !isRepository(name) {
		return fail("bad repository name " + quote.Input(name) + " (lower-case path components of letters and digits, separated by . _ - and /)")
	}
	return Repository{Registry: reg, Name: name}, nil
}

func parseRepositoryARN(orig, in string) (Repository, error) {
	fail := func(reason string) (Repository, error) {
		return Repository{}, &ParseError{Kind: "repository ARN", Input: orig, Reason: reason, Err: ErrInvalidRepository}
	}
	a, err := arn.Parse(in)
	if err != nil {
		return fail("want arn:<partition>:ecr:<region>:<account>:repository/<name>")
	}
	// arn.Parse checks only the number of fields; the parts are checked here.
	name, ok := strings.CutPrefix(a.Resource, "repository/")
	switch {
	case a.Service != "ecr":
		return fail("service " + quote.Input(a.Service) + " is not ecr (public gallery repositories are not governed by IAM pull permissions)")
	case !ok || !isRepository(name):
		return fail("the resource must be repository/<name> with a valid repository name")
	case !isAccountID(a.AccountID):
		return fail("the account must be 12 digits")
	case !isRegionLabel(a.Region):
		return fail("bad region " + quote.Input(a.Region))
	}
	p, ok := region.PartitionOf(a.Region)
	if !ok || p.ID != a.Partition {
		return fail("region " + quote.Input(a.Region) + " is not in partition " + quote.Input(a.Partition))
	}
	reg, err := ParseRegistryHost(a.AccountID + ".dkr.ecr." + a.Region + "." + p.DNSSuffix)
	if err != nil {
		return Repository{}, err
	}
	return Repository{Registry: reg, Name: name}, nil
}

// URI returns "host/name".
func (r Repository) URI() string { return r.Registry.Host + "/" + r.Name }

// String returns the URI.
func (r Repository) String() string { return r.URI() }

// ARN returns the repository's ARN, "arn:<partition>:ecr:<region>:<account>:repository/<name>",
// which IAM policies name. It is "" for the public gallery, whose pulls IAM does not
// govern.
func (r Repository) ARN() string {
	if r.Registry.Public || r.Registry.Account == "" {
		return ""
	}
	return arn.ARN{Partition: r.Registry.Partition, Service: "ecr", Region: r.Registry.Region,
		AccountID: r.Registry.Account, Resource: "repository/" + r.Name}.String()
}

// Image returns the image of this repository with the given tag.
func (r Repository) Image(tag string) Image {
	return Image{Registry: r.Registry.Host, Repository: r.Name, Tag: tag}
}
