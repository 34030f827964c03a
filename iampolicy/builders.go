package iampolicy

import (
	"errors"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/arn"

	"github.com/appmesh-envoy/appmesh-envoy-go/internal/lazyregexp"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/quote"
	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

// Sids of the builders' statements. They are stable: tools may key on them.
const (
	SidRegistryAuth       = "EnvoyRegistryAuth"       // ecr:GetAuthorizationToken on "*"
	SidImagePull          = "EnvoyImagePull"          // ecr pulls on the repositories
	SidLayerBuckets       = "EnvoyLayerBuckets"       // s3:GetObject on ECR's layer buckets (endpoint policy)
	SidProxyAuthorization = "EnvoyProxyAuthorization" // appmesh:StreamAggregatedResources
	SidXRayTracing        = "EnvoyXRayTracing"        // X-Ray writes on "*"
	SidParameterRead      = "EnvoyParameterRead"      // ssm:GetParameter(s) on the parameters
	SidFallbackRead       = "EnvoyFallbackRead"       // ecr reads of the resolver's fallback repositories
	SidDigestRead         = "EnvoyDigestRead"         // ecr:BatchGetImage for the resolver's pins
	SidCacheImport        = "EnvoyCacheImport"        // first pull through a pull-through cache
	SidCacheAdmin         = "EnvoyCacheAdmin"         // pull-through cache rules on "*"
	SidGalleryAuth        = "EnvoyGalleryAuth"        // ecr-public:GetAuthorizationToken on "*"
	SidGalleryBearerToken = "EnvoyGalleryBearerToken" // sts:GetServiceBearerToken for ECR Public only
)

// Regions selects the regions of one partition a policy covers. The zero value means
// every region of the "aws" partition that the Envoy image is published in, each named
// one by one.
type Regions struct {
	// Codes lists region codes ("us-west-2"), all in one partition and all supported by
	// region.Lookup. Empty means every supported region of Partition.
	Codes []string
	// Partition is the partition ID ("aws", "aws-cn") used when Codes is empty; when
	// both are set they must agree. Default "aws".
	Partition string
	// RegionWildcard writes one ARN per distinct registry account with "*" as the
	// region ("arn:aws:ecr:*:840364872350:repository/aws-appmesh-envoy") instead of one
	// ARN per region. It keeps policies short when they cover many regions, and also
	// grants the same repository name of that account in regions not listed (including
	// regions added later) — broader, but still only AWS's Envoy repositories. Opt-in
	// regions have their own accounts, so they still appear (one ARN per account).
	RegionWildcard bool
}

// resolve returns the regions, sorted by code, and their partition. The selection is
// region.Select's; its errors become input errors that keep their codes
// ("unsupported-region", "mixed-partitions").
func (o Regions) resolve() ([]region.Region, region.Partition, error) {
	rs, err := region.Select(region.Selection{Codes: o.Codes, All: len(o.Codes) == 0, Partition: o.Partition})
	if err != nil {
		field := "Regions"
		var ue *region.UnsupportedError
		if len(o.Codes) == 0 || (errors.As(err, &ue) && ue.Kind == "partition") {
			field = "Partition"
		}
		return nil, region.Partition{}, &InputError{Field: field, Msg: err.Error(), Err: err}
	}
	rs = slices.Clone(rs)
	slices.SortFunc(rs, func(a, b region.Region) int { return strings.Compare(a.Code, b.Code) })
	return rs, rs[0].Partition, nil
}

// PullOptions configures [ImagePull]. The zero value allows pulls of the Envoy image in
// every region of the "aws" partition.
type PullOptions struct {
	// Regions selects the regions whose Envoy repositories may be pulled.
	Regions Regions
	// BatchCheckLayerAvailability adds ecr:BatchCheckLayerAvailability, which tells
	// whether layers exist. Pushes use it; pulls do not need it (AWS's
	// AmazonEC2ContainerRegistryPullOnly omits it, AmazonECSTaskExecutionRolePolicy
	// has it). Default off.
	BatchCheckLayerAvailability bool
	// Mirrors lists repository ARNs of the user's own ECR repositories that hold a copy
	// of the image ("arn:aws:ecr:us-west-2:111122223333:repository/envoy"); they must be
	// in the partition of Regions. A trailing "*" in the repository name is allowed
	// ("repository/mirror/*"). Default none.
	Mirrors []string
	// MirrorsOnly leaves out AWS's Envoy repositories and names only Mirrors and
	// PullThroughCaches (for clusters that never reach AWS's registries). Default off.
	MirrorsOnly bool
	// PullThroughCaches lists ECR pull-through caches of the public gallery the image is
	// pulled through, each as the repository ARN of its prefix
	// ("arn:aws:ecr:us-west-2:111122223333:repository/ecr-public"), in the aws partition
	// (the only one with ECR Public). Each adds the pulls on its cached Envoy repository
	// ("repository/ecr-public/appmesh/aws-appmesh-envoy") and [SidCacheImport]: what the
	// first pull of a tag needs, ecr:BatchImportUpstreamImage and ecr:CreateRepository on
	// "repository/ecr-public/*" (ECR User Guide, "IAM permissions required to sync an
	// upstream registry with an Amazon ECR private registry"). Default none.
	PullThroughCaches []string
	// PublicGallery adds what a login to the ECR Public Gallery needs (an authenticated
	// pull: higher rate limits, no anonymous monthly cap): [SidGalleryAuth],
	// ecr-public:GetAuthorizationToken on "*", and [SidGalleryBearerToken],
	// sts:GetServiceBearerToken on "*" only where sts:AWSServiceName is
	// ecr-public.amazonaws.com (see [GalleryBearerTokenService]). The aws partition
	// only. Default off: the gallery serves anonymous pulls.
	PublicGallery bool
}

// GalleryBearerTokenService is the value of the sts:AWSServiceName condition key that
// scopes sts:GetServiceBearerToken to ECR Public: the service principal of ECR Public.
// AWS's own AmazonElasticContainerRegistryPublicFullAccess grants the action on "*"
// without a condition
// (https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AmazonElasticContainerRegistryPublicFullAccess.html);
// the condition keeps the permission from minting bearer tokens for other services
// (CodeArtifact, for one). The key is the one the Service Authorization Reference lists
// for the action (STS, "sts:AWSServiceName"); [Evaluate] answers [Unsupported] for the
// statement, as it does for every condition.
const GalleryBearerTokenService = "ecr-public.amazonaws.com"

// ImagePull returns the identity policy an image puller needs: the ECS task execution
// role, an EKS node role, a Fargate pod execution role or an EC2 instance role.
//
// It has these statements:
//
//   - [SidRegistryAuth]: ecr:GetAuthorizationToken on "*" (the action supports no
//     resource-level permissions);
//   - [SidImagePull]: ecr:BatchGetImage and ecr:GetDownloadUrlForLayer (and, if asked,
//     ecr:BatchCheckLayerAvailability) on exactly the Envoy repository ARN of each chosen
//     region (see [Regions.RegionWildcard] for the short form), on the Mirrors and on the
//     Envoy repository of each pull-through cache;
//   - with PullThroughCaches, [SidCacheImport]: what the first pull through a cache
//     needs;
//   - with PublicGallery, [SidGalleryAuth] and [SidGalleryBearerToken]: a login to the
//     public gallery.
//
// AWS's Envoy repositories already allow pulls from any principal by their repository
// policy, so this identity policy is all a puller needs.
func ImagePull(opts PullOptions) (Document, error) {
	regions, part, err := opts.Regions.resolve()
	if err != nil {
		return Document{}, err
	}
	var repos, caches []string
	if !opts.MirrorsOnly {
		repos = repositoryARNs(regions, opts.Regions.RegionWildcard)
	}
	for _, m := range opts.Mirrors {
		if err := checkMirror(m, part.ID); err != nil {
			return Document{}, err
		}
		repos = append(repos, m)
	}
	for _, c := range opts.PullThroughCaches {
		if err := checkCachePrefix(c, part.ID); err != nil {
			return Document{}, err
		}
		repos = append(repos, c+"/"+galleryRepositoryName)
		caches = append(caches, c+"/*")
	}
	if len(repos) == 0 {
		return Document{}, &InputError{Field: "Mirrors", Msg: "MirrorsOnly is set but no mirror repository or pull-through cache is listed"}
	}
	if opts.PublicGallery && part.ID != region.PartitionAWS {
		return Document{}, &InputError{Field: "PublicGallery", Msg: "ECR Public exists only in the aws partition, not in " + part.ID + "; pull from a mirror in your partition"}
	}
	actions := []string{"ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"}
	if opts.BatchCheckLayerAvailability {
		actions = append(actions, "ecr:BatchCheckLayerAvailability")
	}
	doc := Document{Version: Version, Statement: []Statement{
		{Sid: SidRegistryAuth, Effect: EffectAllow, Action: []string{"ecr:GetAuthorizationToken"}, Resource: []string{"*"}},
		{Sid: SidImagePull, Effect: EffectAllow, Action: actions, Resource: sortedSet(repos)},
	}}
	if len(caches) > 0 {
		doc.Statement = append(doc.Statement, Statement{Sid: SidCacheImport, Effect: EffectAllow,
			Action: []string{"ecr:BatchImportUpstreamImage", "ecr:CreateRepository"}, Resource: sortedSet(caches)})
	}
	if opts.PublicGallery {
		doc.Statement = append(doc.Statement, galleryStatements()...)
	}
	return doc.Normalize(), nil
}

// galleryRepositoryName is the image's repository in the public gallery, which a
// pull-through cache keeps under its prefix.
const galleryRepositoryName = "appmesh/" + region.RepositoryName

// galleryStatements are what a login to the public gallery needs: neither action
// supports resource-level permissions (Service Authorization Reference, ECR Public and
// STS), so both name "*"; the bearer token is scoped to ECR Public by its condition.
func galleryStatements() []Statement {
	return []Statement{
		{Sid: SidGalleryAuth, Effect: EffectAllow, Action: []string{"ecr-public:GetAuthorizationToken"}, Resource: []string{"*"}},
		{Sid: SidGalleryBearerToken, Effect: EffectAllow, Action: []string{"sts:GetServiceBearerToken"}, Resource: []string{"*"},
			Condition: Condition{"StringEquals": {"sts:AWSServiceName": {GalleryBearerTokenService}}}},
	}
}

// checkCachePrefix checks the repository ARN of a pull-through cache prefix: an ECR
// repository of the aws partition whose name is a prefix ECR accepts (2 to 30
// characters, no wildcard).
func checkCachePrefix(c, partition string) error {
	a, ok := splitARN(c)
	bad := func(msg string) error { return &InputError{Field: "PullThroughCaches", Value: c, Msg: msg} }
	if !ok || a.Service != "ecr" || !strings.HasPrefix(a.Resource, "repository/") {
		return bad(`not an ECR repository ARN of a cache prefix; write "arn:aws:ecr:REGION:ACCOUNT:repository/PREFIX"`)
	}
	if a.Partition != region.PartitionAWS {
		return bad("pull-through caches of the public gallery exist only in the aws partition (ECR Public)")
	}
	if err := checkRegionAccount(a, "PullThroughCaches", c, partition); err != nil {
		return err
	}
	name := strings.TrimPrefix(a.Resource, "repository/")
	if len(name) < 2 || len(name) > 30 || strings.Contains(name, "*") || !repoNamePattern().MatchString(name) {
		return bad("the prefix must be lower-case letters, digits and . _ - / without wildcards, 2 to 30 characters")
	}
	return nil
}

func repositoryARNs(regions []region.Region, wildcard bool) []string {
	var out []string
	for _, r := range regions {
		if wildcard {
			out = append(out, arn.ARN{Partition: r.Partition.ID, Service: "ecr", Region: "*", AccountID: r.Account,
				Resource: "repository/" + region.RepositoryName}.String())
		} else {
			out = append(out, r.RepositoryARN())
		}
	}
	return sortedSet(out)
}

var (
	repoNamePattern = lazyregexp.New(`^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/?\*)?$`)
	meshNamePattern = lazyregexp.New(`^[A-Za-z0-9_-]{1,255}$`)
)

func checkMirror(m, partition string) error {
	a, ok := splitARN(m)
	bad := func(msg string) error { return &InputError{Field: "Mirrors", Value: m, Msg: msg} }
	if !ok || a.Service != "ecr" || !strings.HasPrefix(a.Resource, "repository/") {
		return bad(`not an ECR repository ARN; write "arn:aws:ecr:REGION:ACCOUNT:repository/NAME"`)
	}
	if err := checkRegionAccount(a, "Mirrors", m, partition); err != nil {
		return err
	}
	name := strings.TrimPrefix(a.Resource, "repository/")
	if len(name) < 2 || len(name) > 256 || !repoNamePattern().MatchString(name) {
		return bad("repository name must be lower-case letters, digits and . _ - / (a trailing * is allowed), 2 to 256 characters")
	}
	return nil
}

// checkRegionAccount checks the partition, region and account of a user-supplied ARN
// (arn.Parse checks none of them): a known partition, the one the policy already uses,
// a literal region code of that partition (no wildcard) and a 12-digit account.
func checkRegionAccount(a arn.ARN, field, value, partition string) error {
	bad := func(msg string) error { return &InputError{Field: field, Value: value, Msg: msg} }
	p, err := region.LookupPartition(a.Partition)
	if err != nil || p.ID != a.Partition {
		return bad("unknown partition " + quote.Input(a.Partition) + "; use aws, aws-cn or aws-us-gov")
	}
	if partition != "" && p.ID != partition {
		return mixedPartitions(field, value, partition, p.ID)
	}
	rp, ok := region.PartitionOf(a.Region)
	if !ok || a.Region != strings.ToLower(a.Region) {
		return bad(quote.Input(a.Region) + " is not a region code")
	}
	if rp.ID != p.ID {
		return bad("region " + a.Region + " is in partition " + rp.ID + ", not " + p.ID)
	}
	if !accountPattern().MatchString(a.AccountID) {
		return bad(quote.Input(a.AccountID) + " is not a 12-digit account ID")
	}
	return nil
}

// EndpointPolicy returns the S3 gateway endpoint policy statement a private cluster (no
// internet egress) needs so that image layers can be downloaded: ECR serves layers from
// AWS-owned S3 buckets named prod-REGION-starport-layer-bucket, reached through the VPC's
// S3 gateway endpoint. It grants s3:GetObject on "arn:PARTITION:s3:::prod-REGION-starport-
// layer-bucket/*" for each chosen region (with [Regions.RegionWildcard],
// "prod-*-starport-layer-bucket/*") to Principal "*".
//
// The document belongs in the S3 gateway VPC endpoint's policy (a resource-based
// policy: validate it with ValidateAs([KindEndpoint])), not on a role: the role fetches
// layers through pre-signed URLs and needs no S3 permission. Merge its statement into an
// existing endpoint policy rather than replacing what other workloads need.
// [Evaluate] answers [Unsupported] for it, because of the Principal.
func EndpointPolicy(r Regions) (Document, error) {
	regions, _, err := r.resolve()
	if err != nil {
		return Document{}, err
	}
	var res []string
	for _, rg := range regions {
		code := rg.Code
		if r.RegionWildcard {
			code = "*"
		}
		// S3 bucket and object ARNs have empty region and account parts.
		res = append(res, arn.ARN{Partition: rg.Partition.ID, Service: "s3", Resource: "prod-" + code + "-starport-layer-bucket/*"}.String())
	}
	return Document{Version: Version, Statement: []Statement{
		{Sid: SidLayerBuckets, Effect: EffectAllow, Principal: PrincipalAll(), Action: []string{"s3:GetObject"}, Resource: sortedSet(res)},
	}}.Normalize(), nil
}

// ProxyOptions configures [ProxyAuthorization]. The zero value names no resource and so
// is an input error: Resources or Meshes must be set.
type ProxyOptions struct {
	// Resources lists the virtual node and virtual gateway ARNs the Envoy proxies run
	// as: "arn:aws:appmesh:us-west-2:111122223333:mesh/shop/virtualNode/cart" or
	// ".../mesh/shop/virtualGateway/ingress". The account is the mesh owner's, which may
	// differ from the caller's (shared meshes). All must be in one partition.
	Resources []string
	// Meshes lists mesh ARNs ("arn:aws:appmesh:us-west-2:111122223333:mesh/shop") whose
	// every virtual node may be served: "mesh/shop/virtualNode/*". This is broader than
	// Resources — any node of the mesh, including nodes created later — and is meant for
	// roles shared by many services of one mesh. Virtual gateways are not included; list
	// them in Resources.
	Meshes []string
	// Tracing adds the X-Ray write actions Envoy uses when ENABLE_ENVOY_XRAY_TRACING is
	// on (they support no resource-level permissions, so their resource is "*").
	Tracing bool
}

// xrayActions are the actions the X-Ray daemon next to Envoy uses when Envoy traces
// (X-Ray Developer Guide, "Amazon EC2 and AWS App Mesh",
// https://docs.aws.amazon.com/xray/latest/devguide/xray-services-appmesh.html): the
// actions of the AWSXRayDaemonWriteAccess managed policy
// (https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSXRayDaemonWriteAccess.html),
// none of which supports resource-level permissions.
var xrayActions = []string{
	"xray:GetSamplingRules",
	"xray:GetSamplingStatisticSummaries",
	"xray:GetSamplingTargets",
	"xray:PutTelemetryRecords",
	"xray:PutTraceSegments",
}

// ProxyAuthorization returns the identity policy of Envoy's own identity (the ECS task
// role, an IRSA or EKS Pod Identity role, or the EC2 instance role when the proxy runs
// with the node's identity):
//
//   - [SidProxyAuthorization]: appmesh:StreamAggregatedResources on exactly the given
//     virtual nodes and gateways (and whole meshes, when asked);
//   - [SidXRayTracing], with Tracing: xray:PutTraceSegments, xray:PutTelemetryRecords,
//     xray:GetSamplingRules, xray:GetSamplingTargets and
//     xray:GetSamplingStatisticSummaries on "*".
func ProxyAuthorization(opts ProxyOptions) (Document, error) {
	var res []string
	partition := ""
	for _, r := range opts.Resources {
		a, err := checkMeshResource(r, "Resources", partition, false)
		if err != nil {
			return Document{}, err
		}
		partition = a.Partition
		res = append(res, r)
	}
	for _, m := range opts.Meshes {
		a, err := checkMeshResource(m, "Meshes", partition, true)
		if err != nil {
			return Document{}, err
		}
		partition = a.Partition
		res = append(res, strings.TrimSuffix(m, "/")+"/virtualNode/*")
	}
	if len(res) == 0 {
		return Document{}, &InputError{Field: "Resources", Msg: "no virtual node, virtual gateway or mesh given; list the ARN of each virtual node or gateway the proxies run as"}
	}
	doc := Document{Version: Version, Statement: []Statement{
		{Sid: SidProxyAuthorization, Effect: EffectAllow, Action: []string{"appmesh:StreamAggregatedResources"}, Resource: sortedSet(res)},
	}}
	if opts.Tracing {
		doc.Statement = append(doc.Statement, Statement{Sid: SidXRayTracing, Effect: EffectAllow, Action: xrayActions, Resource: []string{"*"}})
	}
	return doc.Normalize(), nil
}

func checkMeshResource(s, field, partition string, mesh bool) (arn.ARN, error) {
	bad := func(msg string) error { return &InputError{Field: field, Value: s, Msg: msg} }
	want := `"arn:aws:appmesh:REGION:ACCOUNT:mesh/MESH/virtualNode/NAME" or ".../virtualGateway/NAME"`
	if mesh {
		want = `"arn:aws:appmesh:REGION:ACCOUNT:mesh/MESH"`
	}
	a, ok := splitARN(s)
	if !ok || a.Service != "appmesh" {
		return arn.ARN{}, bad("not an App Mesh ARN; write " + want)
	}
	if err := checkRegionAccount(a, field, s, partition); err != nil {
		return arn.ARN{}, err
	}
	parts := strings.Split(strings.TrimSuffix(a.Resource, "/"), "/")
	if mesh {
		if len(parts) != 2 || parts[0] != "mesh" || !meshNamePattern().MatchString(parts[1]) {
			return arn.ARN{}, bad("not a mesh ARN; write " + want)
		}
		return a, nil
	}
	if len(parts) != 4 || parts[0] != "mesh" || (parts[2] != "virtualNode" && parts[2] != "virtualGateway") ||
		!meshNamePattern().MatchString(parts[1]) || !meshNamePattern().MatchString(parts[3]) {
		return arn.ARN{}, bad("not a virtual node or virtual gateway ARN (names are letters, digits, - and _); write " + want +
			", or use Meshes for every node of a mesh")
	}
	return a, nil
}

// ParameterOptions configures [ParameterRead]. The zero value allows reading the
// parameter in every region of the "aws" partition.
type ParameterOptions struct {
	// Regions selects the regions whose public Envoy parameter may be read.
	Regions Regions
	// FallbackRepositories lists the ECR repositories the resolver reads when the
	// parameter is gone (its repository fallbacks: mirrors, pull-through caches), as
	// repository ARNs in the partition of Regions; a trailing "*" is allowed. They add
	// [SidRegistryAuth] and [SidFallbackRead]: ecr:DescribeImages and ecr:ListImages
	// (the tags) and ecr:BatchGetImage (the digest of a pin) on those repositories. The
	// gallery and the built-in release need no permission. Default none.
	FallbackRepositories []string
	// Pin adds [SidDigestRead]: ecr:BatchGetImage on each chosen region's Envoy
	// repository, the ECR API call with which Resolver.Pin (appmesh-envoy image --pin)
	// reads the digest. It needs no registry token. Default false.
	Pin bool
}

// ParameterRead returns the identity policy of a deployment tool that resolves the
// latest image ([SidParameterRead]): ssm:GetParameter and ssm:GetParameters on exactly
// the public parameter /aws/service/appmesh/envoy of each chosen region
// ("arn:aws:ssm:us-west-2::parameter/aws/service/appmesh/envoy"; with
// [Regions.RegionWildcard], "arn:aws:ssm:*::parameter/aws/service/appmesh/envoy").
func ParameterRead(opts ParameterOptions) (Document, error) {
	regions, part, err := opts.Regions.resolve()
	if err != nil {
		return Document{}, err
	}
	var res []string
	if opts.Regions.RegionWildcard {
		res = []string{arn.ARN{Partition: part.ID, Service: "ssm", Region: "*", Resource: "parameter" + region.ParameterName}.String()}
	} else {
		for _, r := range regions {
			res = append(res, r.ParameterARN())
		}
	}
	doc := Document{Version: Version, Statement: []Statement{
		{Sid: SidParameterRead, Effect: EffectAllow, Action: []string{"ssm:GetParameter", "ssm:GetParameters"}, Resource: sortedSet(res)},
	}}
	if opts.Pin {
		doc.Statement = append(doc.Statement, Statement{Sid: SidDigestRead, Effect: EffectAllow,
			Action: []string{"ecr:BatchGetImage"}, Resource: repositoryARNs(regions, opts.Regions.RegionWildcard)})
	}
	var fallbacks []string
	for _, f := range opts.FallbackRepositories {
		if err := checkMirror(f, part.ID); err != nil {
			var ie *InputError
			if errors.As(err, &ie) {
				ie.Field = "FallbackRepositories"
			}
			return Document{}, err
		}
		fallbacks = append(fallbacks, f)
	}
	if len(fallbacks) > 0 {
		doc.Statement = append(doc.Statement,
			Statement{Sid: SidRegistryAuth, Effect: EffectAllow, Action: []string{"ecr:GetAuthorizationToken"}, Resource: []string{"*"}},
			Statement{Sid: SidFallbackRead, Effect: EffectAllow, Action: []string{"ecr:BatchGetImage", "ecr:DescribeImages", "ecr:ListImages"}, Resource: sortedSet(fallbacks)})
	}
	return doc.Normalize(), nil
}

// CacheAdmin returns the identity policy of whoever creates the pull-through cache of
// the public gallery ('appmesh-envoy pull-through-cache create', or
// appmeshenvoy.CreatePullThroughCache): [SidCacheAdmin], ecr:CreatePullThroughCacheRule
// and ecr:DescribePullThroughCacheRules on "*", as neither action supports
// resource-level permissions (Service Authorization Reference, Amazon ECR).
func CacheAdmin() Document {
	return Document{Version: Version, Statement: []Statement{
		{Sid: SidCacheAdmin, Effect: EffectAllow, Action: []string{"ecr:CreatePullThroughCacheRule", "ecr:DescribePullThroughCacheRules"}, Resource: []string{"*"}},
	}}.Normalize()
}

// Combined merges documents into one, for users who run everything under one role.
// Statements keep their order; a statement equal to an earlier one is dropped; two
// different statements with the same Sid, or resources from different partitions, are
// an error. The result is normalized; check its size with [Document.Validate] (a
// combined document of every region in full can be split with [Split]).
func Combined(docs ...Document) (Document, error) {
	out := Document{Version: Version}
	bySid := map[string]int{}
	seen := map[string]bool{}
	partition := ""
	for _, d := range docs {
		for _, s := range d.Statement {
			n := s.normalize()
			key := Document{Statement: []Statement{n}}.String()
			if seen[key] {
				continue
			}
			seen[key] = true
			if n.Sid != "" {
				if _, dup := bySid[n.Sid]; dup {
					return Document{}, &InputError{Field: "Statement", Value: n.Sid, Msg: "two different statements share this Sid; rename one"}
				}
				bySid[n.Sid] = len(out.Statement)
			}
			for _, r := range append(append([]string{}, n.Resource...), n.NotResource...) {
				a, ok := splitARN(r)
				if !ok || strings.ContainsAny(a.Partition, "*?") {
					continue
				}
				if partition == "" {
					partition = a.Partition
				} else if a.Partition != partition {
					return Document{}, mixedPartitions("Resource", r, partition, a.Partition)
				}
			}
			out.Statement = append(out.Statement, n)
		}
	}
	if len(out.Statement) == 0 {
		return Document{}, &InputError{Field: "Statement", Msg: "nothing to combine"}
	}
	return out, nil
}

// Split divides d into documents of at most limit characters each (white space not
// counted; use [Kind.Limit]), moving statements, and the resources of a statement that
// alone is too large, into further documents. Each part is a valid policy on its own;
// together they grant exactly what d grants (for Allow statements; Deny statements are
// copied into every part so that no part grants what d denies). Sids of split statements
// get a numeric suffix ("EnvoyImagePull2", or the next number no other statement of d
// uses), counted in each part's size, so every part keeps its Sids unique. It returns an error when one resource ARN
// with the statement around it exceeds the limit.
func Split(d Document, limit int) ([]Document, error) {
	d = d.Normalize()
	if Size(d) <= limit {
		return []Document{d}, nil
	}
	var denies, allows []Statement
	for _, s := range d.Statement {
		if s.Effect == EffectDeny {
			denies = append(denies, s)
		} else {
			allows = append(allows, s)
		}
	}
	base := Document{Version: d.Version, ID: d.ID, Statement: denies}
	if Size(base) > limit {
		return nil, &InputError{Field: "limit", Msg: "the Deny statements alone exceed the limit"}
	}
	used := map[string]bool{}
	for _, s := range d.Statement {
		used[s.Sid] = true
	}
	// Break statements whose resources do not fit into several, each as large as fits.
	var pieces []Statement
	for _, s := range allows {
		if Size(withStatements(base, s)) <= limit || len(s.Resource) <= 1 {
			pieces = append(pieces, s)
			continue
		}
		// The first piece keeps the Sid; each further one gets its final, numbered Sid
		// before it is filled, so that the suffix counts towards its size.
		n := 1
		cur := s
		cur.Resource = nil
		for _, r := range s.Resource {
			next := cur
			next.Resource = append(append([]string{}, cur.Resource...), r)
			if len(cur.Resource) > 0 && Size(withStatements(base, next)) > limit {
				pieces = append(pieces, cur)
				n, cur.Sid = nextSid(s.Sid, n, used)
				cur.Resource = []string{r}
				continue
			}
			cur = next
		}
		pieces = append(pieces, cur)
	}
	var out []Document
	cur := base
	cur.Statement = append([]Statement{}, denies...)
	for _, p := range pieces {
		next := withStatements(cur, p)
		if Size(next) <= limit {
			cur = next
			continue
		}
		if len(cur.Statement) == len(denies) {
			return nil, &InputError{Field: "limit", Msg: "statement " + quote.Input(p.Sid) + " does not fit even alone; raise the limit"}
		}
		out = append(out, cur)
		cur = withStatements(base, p)
		if Size(cur) > limit {
			return nil, &InputError{Field: "limit", Msg: "statement " + quote.Input(p.Sid) + " does not fit even alone; raise the limit"}
		}
	}
	out = append(out, cur)
	return out, nil
}

func withStatements(d Document, ss ...Statement) Document {
	out := d
	out.Statement = append(append([]Statement{}, d.Statement...), ss...)
	return out
}

// nextSid returns the number after n, and sid with that number appended, skipping
// (and then reserving in used) Sids the document already has: "Pull" is followed by
// "Pull2", or by "Pull3" when the document has a "Pull2" of its own. An empty sid stays
// empty.
func nextSid(sid string, n int, used map[string]bool) (int, string) {
	if sid == "" {
		return n + 1, ""
	}
	for {
		n++
		if c := sid + itoa(n); !used[c] {
			used[c] = true
			return n, c
		}
	}
}

func itoa(n int) string {
	const digits = "0123456789"
	if n < 10 {
		return digits[n : n+1]
	}
	return itoa(n/10) + digits[n%10:n%10+1]
}
