package appmeshenvoy

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"

	"github.com/appmesh-envoy/appmesh-envoy-go/internal/awserr"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/bodylimit"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/errcode"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/lazyregexp"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/quote"
	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

// An ECR pull-through cache of the ECR Public Gallery keeps a copy of every image pulled
// through it in the caller's own registry: a rule with repository prefix P makes
// "<account>.dkr.ecr.<region>.amazonaws.com/P/appmesh/aws-appmesh-envoy:<tag>" pull
// public.ecr.aws/appmesh/aws-appmesh-envoy:<tag> on first use (ECR User Guide, "Sync an
// upstream registry with an Amazon ECR private registry";
// https://docs.aws.amazon.com/AmazonECR/latest/userguide/pull-through-cache.html). The
// first pull creates the repository, with default settings unless a repository
// creation template matches the prefix, so the pulling principal also needs
// ecr:CreateRepository and ecr:BatchImportUpstreamImage on "repository/P/*".

// UpstreamGallery is the upstreamRegistryUrl of a pull-through cache rule whose
// upstream is the ECR Public Gallery (the API's upstreamRegistry "ecr-public").
const UpstreamGallery = PublicRegistryHost

// Errors of [CreatePullThroughCache].
var (
	// ErrInvalidCachePrefix is matched by the error of a repository prefix ECR would
	// reject (see [CheckPullThroughCachePrefix]).
	ErrInvalidCachePrefix error = errcode.New(errcode.InvalidInput, "invalid pull-through cache prefix")
	// ErrCacheRuleConflict means a rule with the prefix exists with another upstream.
	ErrCacheRuleConflict error = errcode.New(errcode.InvalidInput, "pull-through cache prefix taken")
	// ErrNoECRPublic means the region's partition has no ECR Public, the upstream.
	ErrNoECRPublic error = errcode.New(errcode.UnsupportedRegion, "no ECR Public in this partition")
)

// cachePrefixPattern is ecrRepositoryPrefix's pattern in the ECR API reference
// (CreatePullThroughCacheRule; length 2 to 30):
// https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_CreatePullThroughCacheRule.html
var cachePrefixPattern = lazyregexp.New(`^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$`)

// CheckPullThroughCachePrefix checks a pull-through cache repository prefix as ECR
// checks it: 2 to 30 characters, lower-case letters and digits in path components
// separated by "/", each component's words joined by ".", "_" or "-" (so "ecr-public"
// and "cache/public" are fine; "ECR", "-x", "a//b" and a trailing "/" are not). "ROOT",
// the prefix of registry-wide templates, is refused too: a rule needs a namespace.
// Errors match [ErrInvalidCachePrefix].
func CheckPullThroughCachePrefix(prefix string) error {
	bad := func(why string) error {
		return errcode.Wrap(ErrInvalidCachePrefix, "pull-through cache prefix "+quote.Input(prefix)+": "+why, nil)
	}
	switch {
	case len(prefix) < 2 || len(prefix) > 30:
		return bad("ECR takes 2 to 30 characters")
	case !cachePrefixPattern().MatchString(prefix):
		return bad("ECR takes lower-case letters and digits, words joined by . _ or - and path components by /, as in ecr-public")
	}
	return nil
}

// PullThroughCacheAPI is the pair of ECR operations [CreatePullThroughCache] calls.
// *ecr.Client implements it.
type PullThroughCacheAPI interface {
	CreatePullThroughCacheRule(ctx context.Context, params *ecr.CreatePullThroughCacheRuleInput, optFns ...func(*ecr.Options)) (*ecr.CreatePullThroughCacheRuleOutput, error)
	DescribePullThroughCacheRules(ctx context.Context, params *ecr.DescribePullThroughCacheRulesInput, optFns ...func(*ecr.Options)) (*ecr.DescribePullThroughCacheRulesOutput, error)
}

var _ PullThroughCacheAPI = (*ecr.Client)(nil)

// PullThroughCacheOptions configures [CreatePullThroughCache]. The defaults are filled
// in before the option functions run.
type PullThroughCacheOptions struct {
	// ECRClient, if set, makes the calls instead of an *ecr.Client built from the
	// config for the region. Default: nil.
	ECRClient PullThroughCacheAPI
	// ECROptions are applied to the *ecr.Client built from the config, after its own
	// retryer (such as a BaseEndpoint). Default: none.
	ECROptions []func(*ecr.Options)
	// RegistryID is the account whose registry gets the rule. Default "": the caller's.
	RegistryID string
	// Timeout bounds the whole call, retries included. Values <= 0 mean
	// DefaultTimeout (15 seconds).
	Timeout time.Duration
	// RetryMaxAttempts and RetryMaxBackoff configure the retryer of the built client.
	// Values out of range mean DefaultRetryMaxAttempts (8) and DefaultRetryMaxBackoff
	// (2 seconds).
	RetryMaxAttempts int
	RetryMaxBackoff  time.Duration
}

// PullThroughCacheRule is a pull-through cache rule of the gallery. It is a plain value.
type PullThroughCacheRule struct {
	// Registry is the cache's registry (account and region).
	Registry Registry
	// Prefix is the rule's repository prefix, such as "ecr-public".
	Prefix string
	// UpstreamRegistryURL is the upstream, UpstreamGallery.
	UpstreamRegistryURL string
	// CreatedAt is when ECR created the rule.
	CreatedAt time.Time
	// Created is true when this call created the rule, false when it existed already
	// with the gallery as upstream (up to date).
	Created bool
}

// PrefixURI returns "<registry host>/<prefix>", what [Image.WithPullThroughCache] takes.
func (r PullThroughCacheRule) PrefixURI() string { return r.Registry.Host + "/" + r.Prefix }

// Repository returns the cached repository of the App Mesh Envoy image,
// "<registry host>/<prefix>/appmesh/aws-appmesh-envoy".
func (r PullThroughCacheRule) Repository() Repository {
	return Repository{Registry: r.Registry, Name: r.Prefix + "/" + publicGalleryRepository}
}

// CreatePullThroughCache makes sure the caller's registry in regionCode has a
// pull-through cache rule with repository prefix prefix and the ECR Public Gallery as
// upstream: it creates the rule (ecr:CreatePullThroughCacheRule) unless
// ecr:DescribePullThroughCacheRules finds it. A rule with that prefix and another
// upstream is an error matching [ErrCacheRuleConflict]; a prefix ECR would reject one
// matching [ErrInvalidCachePrefix], checked before any call; a region outside the aws
// partition (aws-cn, GovCloud: no ECR Public there) one matching [ErrNoECRPublic].
//
// regionCode may be any region label of the aws partition, including regions newer
// than the region table (the cache is in your registry, not AWS's). Cached repositories
// are created with default settings unless an ECR repository creation template applies
// to the prefix.
func CreatePullThroughCache(ctx context.Context, cfg aws.Config, regionCode, prefix string, optFns ...func(*PullThroughCacheOptions)) (PullThroughCacheRule, error) {
	o := PullThroughCacheOptions{Timeout: DefaultTimeout, RetryMaxAttempts: DefaultRetryMaxAttempts, RetryMaxBackoff: DefaultRetryMaxBackoff}
	for _, fn := range optFns {
		fn(&o)
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.RetryMaxAttempts < 1 {
		o.RetryMaxAttempts = DefaultRetryMaxAttempts
	}
	if o.RetryMaxBackoff <= 0 {
		o.RetryMaxBackoff = DefaultRetryMaxBackoff
	}
	code := strings.ToLower(strings.TrimSpace(regionCode))
	part, ok := region.PartitionOf(code)
	switch {
	case !isRegionLabel(code) || !ok:
		return PullThroughCacheRule{}, &RegionError{Region: normalizedInput(regionCode), Op: "create pull-through cache", Err: errcode.Wrap(errInvalidOption,
			"not a region code; give the region of your registry, such as us-west-2", nil)}
	case part.ID != region.PartitionAWS:
		return PullThroughCacheRule{}, &RegionError{Region: code, Op: "create pull-through cache", Err: errcode.Wrap(ErrNoECRPublic,
			"ECR Public, the cache's upstream, exists only in the aws partition, not in "+part.ID+"; copy the image into your registry instead (appmesh-envoy mirror)", nil)}
	case o.RegistryID != "" && !isAccountID(o.RegistryID):
		return PullThroughCacheRule{}, errcode.Wrap(errInvalidOption, "PullThroughCacheOptions.RegistryID "+quote.Input(o.RegistryID)+" is not a 12-digit account ID", nil)
	}
	if err := CheckPullThroughCachePrefix(prefix); err != nil {
		return PullThroughCacheRule{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	c := o.ECRClient
	if c == nil {
		cfg = cfg.Copy()
		cfg.Region = code
		if _, err := awserr.Credentials(ctx, cfg.Credentials); err != nil {
			return PullThroughCacheRule{}, &RegionError{Region: code, Op: "create pull-through cache", Err: err}
		}
		fns := append([]func(*ecr.Options){func(eo *ecr.Options) {
			eo.Retryer = awserr.NewRetryer(o.RetryMaxAttempts, o.RetryMaxBackoff)
			eo.RetryMaxAttempts = 0
		}}, o.ECROptions...)
		fns = append(fns, func(eo *ecr.Options) { eo.HTTPClient = bodylimit.Client(eo.HTTPClient, maxParameterAnswer) })
		c = ecr.NewFromConfig(cfg, fns...)
	}
	rule, err := ensureCacheRule(ctx, c, code, prefix, o)
	if err != nil {
		return PullThroughCacheRule{}, &RegionError{Region: code, Op: "create pull-through cache", Err: err}
	}
	return rule, nil
}

// ensureCacheRule describes the rule and creates it when it is missing; a rule created
// by someone else in between is described again.
func ensureCacheRule(ctx context.Context, c PullThroughCacheAPI, code, prefix string, o PullThroughCacheOptions) (PullThroughCacheRule, error) {
	account := o.RegistryID
	if account == "" {
		account = "*" // the caller's: unknown without an STS call
	}
	resource := arn.ARN{Partition: region.PartitionAWS, Service: "ecr", Region: code, AccountID: account, Resource: "repository/" + prefix + "/*"}.String()
	call := func(action string) awserr.Call {
		return awserr.Call{Action: action, Resource: resource, Attempts: o.RetryMaxAttempts, Timeout: o.Timeout}
	}
	for attempt := 0; ; attempt++ {
		rule, found, err := describeCacheRule(ctx, c, code, prefix, o.RegistryID)
		if err != nil {
			return PullThroughCacheRule{}, awserr.Classify(err, call("ecr:DescribePullThroughCacheRules"))
		}
		if found {
			return rule, checkUpstream(rule)
		}
		out, err := c.CreatePullThroughCacheRule(ctx, &ecr.CreatePullThroughCacheRuleInput{
			EcrRepositoryPrefix: aws.String(prefix),
			UpstreamRegistryUrl: aws.String(UpstreamGallery),
			UpstreamRegistry:    ecrtypes.UpstreamRegistryEcrPublic,
			RegistryId:          registryID(o.RegistryID),
		}, ecrRegion(code))
		switch {
		case err == nil:
			return cacheRule(code, aws.ToString(out.RegistryId), aws.ToString(out.EcrRepositoryPrefix), aws.ToString(out.UpstreamRegistryUrl), out.CreatedAt, true)
		case awserr.IsCode(err, "PullThroughCacheRuleAlreadyExistsException") && attempt == 0:
			continue // created in between: describe it
		case awserr.IsCode(err, "ValidationException", "InvalidParameterException"):
			return PullThroughCacheRule{}, errcode.Wrap(ErrInvalidCachePrefix, "ECR refused the rule: "+quote.Text(errorMessage(err), 300), err)
		case awserr.IsCode(err, "UnsupportedUpstreamRegistryException"):
			return PullThroughCacheRule{}, errcode.Wrap(ErrNoECRPublic, "ECR does not support the ECR Public upstream in "+code+"; copy the image into your registry instead (appmesh-envoy mirror)", err)
		}
		return PullThroughCacheRule{}, awserr.Classify(err, call("ecr:CreatePullThroughCacheRule"))
	}
}

func describeCacheRule(ctx context.Context, c PullThroughCacheAPI, code, prefix, registry string) (PullThroughCacheRule, bool, error) {
	out, err := c.DescribePullThroughCacheRules(ctx, &ecr.DescribePullThroughCacheRulesInput{
		EcrRepositoryPrefixes: []string{prefix}, RegistryId: registryID(registry),
	}, ecrRegion(code))
	if awserr.IsCode(err, "PullThroughCacheRuleNotFoundException") {
		return PullThroughCacheRule{}, false, nil
	}
	if err != nil {
		return PullThroughCacheRule{}, false, err
	}
	for _, r := range out.PullThroughCacheRules {
		if aws.ToString(r.EcrRepositoryPrefix) == prefix {
			rule, err := cacheRule(code, aws.ToString(r.RegistryId), prefix, aws.ToString(r.UpstreamRegistryUrl), r.CreatedAt, false)
			return rule, err == nil, err
		}
	}
	return PullThroughCacheRule{}, false, nil
}

// checkUpstream refuses a rule whose upstream is not the gallery.
func checkUpstream(r PullThroughCacheRule) error {
	if r.UpstreamRegistryURL == UpstreamGallery {
		return nil
	}
	return errcode.Wrap(ErrCacheRuleConflict, "the prefix "+quote.Input(r.Prefix)+" is already a pull-through cache of "+quote.Input(r.UpstreamRegistryURL)+
		", not of "+UpstreamGallery+"; choose another prefix", nil)
}

func cacheRule(code, account, prefix, upstream string, created *time.Time, isNew bool) (PullThroughCacheRule, error) {
	part, _ := region.PartitionOf(code)
	reg, err := ParseRegistryHost(account + ".dkr.ecr." + code + "." + part.DNSSuffix)
	if err != nil {
		return PullThroughCacheRule{}, errcode.Wrap(ErrUntrustedImage, "ECR answered with registry ID "+quote.Input(account)+", not an account", err)
	}
	return PullThroughCacheRule{Registry: reg, Prefix: prefix, UpstreamRegistryURL: upstream, CreatedAt: aws.ToTime(created), Created: isNew}, nil
}

func registryID(id string) *string {
	if id == "" {
		return nil
	}
	return aws.String(id)
}

// errorMessage returns the message of an AWS error.
func errorMessage(err error) string {
	var ae interface{ ErrorMessage() string }
	if errors.As(err, &ae) {
		return ae.ErrorMessage()
	}
	return err.Error()
}
