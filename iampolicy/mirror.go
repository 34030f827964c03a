package iampolicy

import (
	"strings"

	awsarn "github.com/aws/aws-sdk-go-v2/aws/arn"

	"github.com/appmesh-envoy/appmesh-envoy-go/internal/lazyregexp"
	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

// Sids of the [Mirror] builder's statements (besides [SidRegistryAuth] and
// [SidParameterRead]). They are stable: tools may key on them.
const (
	SidMirrorSource = "EnvoyMirrorSource" // pulls on the source regions' Envoy repositories
	SidMirrorPush   = "EnvoyMirrorPush"   // push, read-back and tag checks on the destinations
	SidMirrorCreate = "EnvoyMirrorCreate" // repository creation on the destinations
)

// mirrorPushActions are what a mirror does to a destination repository, as ECR
// authorizes its registry requests (ECR User Guide, "IAM permissions for pushing an
// image", and the registry API's actions): the tag check and read-back of manifests
// (BatchGetImage), blob existence checks (BatchCheckLayerAvailability), uploads
// (InitiateLayerUpload, UploadLayerPart, CompleteLayerUpload), manifest writes
// (PutImage), and blob reads — verification, and the source side of a blob mount from
// another destination of the same registry (GetDownloadUrlForLayer).
var mirrorPushActions = []string{
	"ecr:BatchCheckLayerAvailability",
	"ecr:BatchGetImage",
	"ecr:CompleteLayerUpload",
	"ecr:GetDownloadUrlForLayer",
	"ecr:InitiateLayerUpload",
	"ecr:PutImage",
	"ecr:UploadLayerPart",
}

// MirrorOptions configures [Mirror]. The zero value is invalid: Destinations must name
// at least one repository.
type MirrorOptions struct {
	// Regions selects the source regions: their Envoy repositories are pulled from
	// and, unless PinnedTags, their public parameter read for the latest tag. The
	// zero value is every region of "aws". RegionWildcard gives the short form, as for
	// [ImagePull].
	Regions Regions

	// FromGallery: the mirror copies from the public gallery (public.ecr.aws), whose
	// anonymous pulls need no IAM permission; no source statement is written. Default
	// false.
	FromGallery bool

	// Destinations are the ARNs of the repositories the mirror writes, {region}
	// expanded, such as "arn:aws:ecr:eu-west-1:111122223333:repository/platform/envoy",
	// in the partition of Regions. No wildcards: the policy names exactly the
	// repositories written. Required.
	Destinations []string

	// CreateRepository allows creating the destination repositories
	// (ecr:DescribeRepositories, ecr:CreateRepository), for --create-repository.
	// Default false.
	CreateRepository bool

	// RepositoryTags allows the resource tags given on creation (ecr:TagResource,
	// which ECR checks for tags on CreateRepository). Needs CreateRepository. Default
	// false.
	RepositoryTags bool

	// PinnedTags: the mirror always names its tags (--tag), so it never reads the
	// public parameter; ssm:GetParameter is left out. Default false: the mirror
	// resolves the latest tag.
	PinnedTags bool
}

// Mirror returns the identity policy of the principal that runs a mirror (package
// appmeshenvoy/mirror, 'appmesh-envoy mirror'), allowing what a mirror run does and
// nothing more:
//
//   - [SidRegistryAuth]: ecr:GetAuthorizationToken on "*" (no resource-level
//     permissions);
//   - [SidMirrorSource], unless FromGallery: ecr:BatchGetImage and
//     ecr:GetDownloadUrlForLayer on each source region's Envoy repository;
//   - [SidParameterRead], unless PinnedTags: ssm:GetParameter on each source region's
//     public parameter /aws/service/appmesh/envoy (the latest tag);
//   - [SidMirrorPush]: ecr:BatchCheckLayerAvailability, ecr:BatchGetImage,
//     ecr:CompleteLayerUpload, ecr:GetDownloadUrlForLayer, ecr:InitiateLayerUpload,
//     ecr:PutImage and ecr:UploadLayerPart on exactly the Destinations;
//   - [SidMirrorCreate], with CreateRepository: ecr:DescribeRepositories and
//     ecr:CreateRepository (and ecr:TagResource with RepositoryTags) on the
//     Destinations.
//
// A destination encrypted with a customer managed KMS key also needs the key's
// permissions (kms:CreateGrant, kms:DescribeKey, kms:RetireGrant, granted in the key
// policy or here by you); they are not part of this document.
func Mirror(opts MirrorOptions) (Document, error) {
	sel := region.Selection{Codes: opts.Regions.Codes, All: len(opts.Regions.Codes) == 0, Partition: opts.Regions.Partition}
	if sel.All && sel.Partition == "" {
		sel.Partition = region.PartitionAWS
	}
	regions, err := region.Select(sel)
	if err != nil {
		return Document{}, &InputError{Field: "Regions", Value: strings.Join(opts.Regions.Codes, ","), Msg: err.Error(), Err: err}
	}
	partition := regions[0].Partition.ID
	if len(opts.Destinations) == 0 {
		return Document{}, &InputError{Field: "Destinations", Msg: "no destination repository; list the ARN of each repository the mirror writes"}
	}
	if opts.RepositoryTags && !opts.CreateRepository {
		return Document{}, &InputError{Field: "RepositoryTags", Msg: "tags are given on creation: set CreateRepository too"}
	}
	var dests []string
	for _, d := range opts.Destinations {
		if err := checkDestinationARN(d, partition); err != nil {
			return Document{}, err
		}
		dests = append(dests, d)
	}
	doc := Document{Version: Version, Statement: []Statement{
		{Sid: SidRegistryAuth, Effect: EffectAllow, Action: []string{"ecr:GetAuthorizationToken"}, Resource: []string{"*"}},
	}}
	if !opts.FromGallery {
		var src []string
		for _, r := range regions {
			if opts.Regions.RegionWildcard {
				src = append(src, awsarn.ARN{Partition: partition, Service: "ecr", Region: "*", AccountID: r.Account, Resource: "repository/" + region.RepositoryName}.String())
			} else {
				src = append(src, r.RepositoryARN())
			}
		}
		doc.Statement = append(doc.Statement, Statement{Sid: SidMirrorSource, Effect: EffectAllow,
			Action: []string{"ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"}, Resource: src})
	}
	if !opts.PinnedTags {
		var params []string
		for _, r := range regions {
			if opts.Regions.RegionWildcard {
				params = []string{awsarn.ARN{Partition: partition, Service: "ssm", Region: "*", Resource: "parameter" + region.ParameterName}.String()}
				break
			}
			params = append(params, r.ParameterARN())
		}
		doc.Statement = append(doc.Statement, Statement{Sid: SidParameterRead, Effect: EffectAllow, Action: []string{"ssm:GetParameter"}, Resource: params})
	}
	doc.Statement = append(doc.Statement, Statement{Sid: SidMirrorPush, Effect: EffectAllow, Action: mirrorPushActions, Resource: dests})
	if opts.CreateRepository {
		actions := []string{"ecr:CreateRepository", "ecr:DescribeRepositories"}
		if opts.RepositoryTags {
			actions = append(actions, "ecr:TagResource")
		}
		doc.Statement = append(doc.Statement, Statement{Sid: SidMirrorCreate, Effect: EffectAllow, Action: actions, Resource: dests})
	}
	return doc.Normalize(), nil
}

// mirrorRepositoryName is ECR's repository name pattern (API reference,
// CreateRepository repositoryName), without wildcards.
var mirrorRepositoryName = lazyregexp.New(`^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$`)

// checkDestinationARN checks the ARN of a mirror destination: an ECR repository in
// partition, with a region of that partition, a 12-digit account and a repository
// name without wildcards.
func checkDestinationARN(s, partition string) error {
	bad := func(msg string) error { return &InputError{Field: "Destinations", Value: s, Msg: msg} }
	a, err := awsarn.Parse(s)
	if err != nil || a.Service != "ecr" || !strings.HasPrefix(a.Resource, "repository/") {
		return bad(`not an ECR repository ARN; write "arn:aws:ecr:REGION:ACCOUNT:repository/NAME"`)
	}
	if a.Partition != partition {
		return mixedPartitions("Destinations", s, partition, a.Partition)
	}
	if p, ok := region.PartitionOf(a.Region); !ok || p.ID != partition || a.Region != strings.ToLower(a.Region) {
		return bad("region " + a.Region + " is not a region of partition " + partition)
	}
	if len(a.AccountID) != 12 || strings.Trim(a.AccountID, "0123456789") != "" {
		return bad("the account must be 12 digits")
	}
	name := strings.TrimPrefix(a.Resource, "repository/")
	if len(name) < 2 || len(name) > 256 || !mirrorRepositoryName().MatchString(name) {
		return bad("the repository name must be lower-case letters, digits and . _ - /, 2 to 256 characters, without wildcards (the policy names exactly what the mirror writes)")
	}
	return nil
}
