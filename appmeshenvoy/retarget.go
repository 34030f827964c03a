package appmeshenvoy

import (
	"strings"

	"github.com/appmesh-envoy/appmesh-envoy-go/internal/errcode"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/quote"
	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

// publicGalleryRepository is the repository path of the image in the ECR Public Gallery.
var publicGalleryRepository = strings.TrimPrefix(region.PublicRepository, PublicRegistryHost+"/")

// WithRepository re-targets the image to a repository of your own, such as
// "123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/envoy", keeping tag and digest
// (a copy made with a registry tool keeps the digest). The target must be an ECR
// registry host (any form [ParseRegistryHost] accepts, GovCloud included) followed by a
// repository path, without tag or digest (see [ParseRepository]). Errors match
// [ErrInvalidRepository] or [ErrInvalidRegistryHost].
func (i Image) WithRepository(repositoryURI string) (Image, error) {
	repo, err := ParseRepository(repositoryURI)
	if err != nil {
		return Image{}, err
	}
	return i.retarget(repo.Registry, repo.Name), nil
}

// Retarget returns the image in repository repo, keeping tag and digest: where a copy
// made with a registry tool (which keeps the digest) lives. See [ParseRepository].
func (i Image) Retarget(repo Repository) Image { return i.retarget(repo.Registry, repo.Name) }

// WithPullThroughCache re-targets the image to an ECR pull-through cache whose upstream
// is the ECR Public Gallery. prefixURI is the cache rule's registry and repository
// prefix, such as "123456789012.dkr.ecr.eu-west-1.amazonaws.com/ecr-public"; the result
// is "<prefixURI>/appmesh/aws-appmesh-envoy" with the same tag and digest. (For a rule
// whose upstream is a private ECR registry, the cached path is "<prefix>/aws-appmesh-envoy":
// use [Image.WithRepository].) Errors match [ErrInvalidRepository] or
// [ErrInvalidRegistryHost].
func (i Image) WithPullThroughCache(prefixURI string) (Image, error) {
	repo, err := ParseRepository(strings.TrimSuffix(strings.TrimSpace(prefixURI), "/") + "/" + publicGalleryRepository)
	if err != nil {
		return Image{}, err
	}
	return i.retarget(repo.Registry, repo.Name), nil
}

// WithPublicGallery returns the image's copy in the ECR Public Gallery,
// "public.ecr.aws/appmesh/aws-appmesh-envoy", with the same tag and digest. It needs no
// credentials (anonymous pulls are capped at 500 GB a month) but ECR VPC endpoints do
// not serve it.
func (i Image) WithPublicGallery() Image {
	return i.retarget(Registry{Host: PublicRegistryHost, Partition: region.PartitionAWS, Public: true}, publicGalleryRepository)
}

// WithFIPSEndpoint returns the image with its registry host in FIPS endpoint form
// ("dkr.ecr-fips"), such as "840364872350.dkr.ecr-fips.us-west-2.amazonaws.com". Tag and
// digest stay. It fails (matching [ErrFIPSUnavailable]) for hosts that are not ECR
// private hosts and in regions where ECR has no FIPS endpoint (see region.ECRFIPS: in
// ca-central-1 the FIPS image is pulled from the standard host). Whether the image is the
// FIPS build is a matter of its tag ("-prod-fips"), not of the host; see
// ResolverOptions.FIPS.
func (i Image) WithFIPSEndpoint() (Image, error) {
	host, err := ParseRegistryHost(i.Registry)
	if err == nil && host.FIPS && !host.DualStack {
		return i, nil
	}
	if err != nil || host.Public || host.DualStack || strings.Contains(i.Registry, ":") {
		return Image{}, errcode.Wrap(ErrFIPSUnavailable, "no FIPS endpoint form of registry "+quote.Input(i.Registry)+"; FIPS endpoints exist for standard ECR private hosts", nil)
	}
	if !region.ECRFIPS(host.Region) {
		return Image{}, errcode.Wrap(ErrFIPSUnavailable, "ECR has no FIPS endpoint in "+host.Region+
			" (only us-east-1, us-east-2, us-west-1, us-west-2 and GovCloud); pull from the standard host "+host.Host, nil)
	}
	p, _ := region.LookupPartition(host.Partition)
	fips, err := ParseRegistryHost(host.Account + ".dkr.ecr-fips." + host.Region + "." + p.DNSSuffix)
	if err != nil {
		return Image{}, err
	}
	return i.retarget(fips, i.Repository), nil
}

// WithDualStackEndpoint returns the image with its registry host in dual-stack (IPv4
// and IPv6) form, such as "840364872350.dkr-ecr.us-west-2.on.aws", or
// "ecr-public.aws.com" for the public gallery. It fails (matching
// [ErrInvalidRegistryHost]) where the partition has no dual-stack endpoints, and (matching
// [ErrFIPSUnavailable]) for a FIPS host where ECR has no FIPS endpoint.
func (i Image) WithDualStackEndpoint() (Image, error) {
	host, err := ParseRegistryHost(i.Registry)
	if err == nil && host.DualStack {
		return i, nil
	}
	if err != nil || strings.Contains(i.Registry, ":") {
		return Image{}, &ParseError{Kind: "registry host", Input: i.Registry, Reason: "not an ECR registry host", Err: ErrInvalidRegistryHost}
	}
	if host.Public {
		return i.retarget(Registry{Host: PublicDualStackRegistryHost, Partition: region.PartitionAWS, Public: true, DualStack: true}, i.Repository), nil
	}
	p, _ := region.LookupPartition(host.Partition)
	if p.DualStackDNSSuffix() == "" {
		return Image{}, &ParseError{Kind: "registry host", Input: i.Registry, Reason: "partition " + p.ID + " has no dual-stack registry endpoints", Err: ErrInvalidRegistryHost}
	}
	label := "dkr-ecr"
	if host.FIPS {
		if !region.ECRFIPS(host.Region) {
			return Image{}, errcode.Wrap(ErrFIPSUnavailable, "ECR has no FIPS endpoint in "+host.Region, nil)
		}
		label = "dkr-ecr-fips"
	}
	ds, err := ParseRegistryHost(host.Account + "." + label + "." + host.Region + "." + p.DualStackDNSSuffix())
	if err != nil {
		return Image{}, err
	}
	return i.retarget(ds, i.Repository), nil
}

func (i Image) retarget(host Registry, repository string) Image {
	i.Registry, i.Repository = host.Host, repository
	return i
}
