package appmeshenvoy

import (
	"context"
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/service/ecrpublic"

	"github.com/appmesh-envoy/appmesh-envoy-go/internal/awserr"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/bodylimit"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/errcode"
	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

// Tokens of the ECR Public Gallery. ECR Public's API lives only in us-east-1 of the aws
// partition (aws-sdk-go-v2 service/ecrpublic; ECR Public user guide, "Registry
// authentication"): ecr-public:GetAuthorizationToken, for which the caller also needs
// sts:GetServiceBearerToken, answers with one authorizationData object (base64 of
// "AWS:<password>" and its expiry; unlike ECR's, no proxy endpoint). docker logs in to
// public.ecr.aws with it as user "AWS".

// ECRPublicRegion is the only region of the ECR Public API.
const ECRPublicRegion = "us-east-1"

// publicTokenKey is the cache key region of gallery tokens: one token serves both
// gallery hosts. [TokenProvider.Invalidate] takes it as a region.
const publicTokenKey = PublicRegistryHost

// errPublicUnavailable is the error of a gallery token asked for in a partition that
// has no ECR Public. Its code (endpoint-unreachable) lets callers that read the gallery
// anonymously when no token can be had (the gallery fallback, package ecrkeychain) do
// so here too.
var errPublicUnavailable = errcode.New(errcode.EndpointUnreachable, "no ECR Public endpoint in this partition")

// publicAPI returns the ECR Public client, building the default one on first use.
func (p *TokenProvider) publicAPI() PublicGetAuthorizationTokenAPI {
	p.publicOnce.Do(func() {
		p.publicClient = p.opts.ECRPublicClient
		if p.publicClient == nil {
			p.publicClient = ecrpublic.NewFromConfig(p.baseCfg, p.ecrPublicOptions()...)
		}
	})
	return p.publicClient
}

// ecrPublicOptions are the option functions of the default ECR Public client.
func (p *TokenProvider) ecrPublicOptions() []func(*ecrpublic.Options) {
	maxAttempts, maxBackoff := p.opts.RetryMaxAttempts, p.opts.RetryMaxBackoff
	fns := []func(*ecrpublic.Options){func(o *ecrpublic.Options) {
		o.Region = ECRPublicRegion
		o.Retryer = awserr.NewRetryer(maxAttempts, maxBackoff)
	}}
	fns = append(fns, p.opts.ECRPublicOptions...)
	return append(fns, func(o *ecrpublic.Options) { o.HTTPClient = bodylimit.Client(o.HTTPClient, maxTokenAnswer) })
}

// publicEndpointOverridden reports whether the ECR Public API the provider calls is not
// real AWS's: a BaseEndpoint in the config or the options (a local endpoint). Its
// tokens may then go to an overridden gallery URL. A custom client counts as real AWS.
func (p *TokenProvider) publicEndpointOverridden() bool {
	if p == nil || p.opts.ECRPublicClient != nil {
		return false
	}
	var o ecrpublic.Options
	o.BaseEndpoint = p.baseCfg.BaseEndpoint
	for _, fn := range p.opts.ECRPublicOptions {
		fn(&o)
	}
	return o.BaseEndpoint != nil
}

// fetchPublicToken calls ecr-public:GetAuthorizationToken in us-east-1.
func (p *TokenProvider) fetchPublicToken(ctx context.Context, key cacheKey) (cachedToken, error) {
	if part, ok := region.PartitionOf(p.baseCfg.Region); ok && part.ID != region.PartitionAWS && p.opts.ECRPublicClient == nil {
		return cachedToken{}, errcode.Wrap(errPublicUnavailable, "ECR Public exists only in the aws partition, not in "+part.ID+
			" (the configured region is "+p.baseCfg.Region+"); pull from the gallery anonymously, or from a mirror in your partition", nil)
	}
	start := p.clock()
	p.logger.LogAttrs(ctx, slog.LevelDebug, "ecr-public:GetAuthorizationToken", slog.String("region", ECRPublicRegion))
	out, err := p.publicAPI().GetAuthorizationToken(ctx, &ecrpublic.GetAuthorizationTokenInput{}, func(o *ecrpublic.Options) { o.Region = ECRPublicRegion })
	if err != nil {
		return cachedToken{}, awserr.Classify(err, awserr.Call{
			Action: "ecr-public:GetAuthorizationToken (with sts:GetServiceBearerToken)", Resource: `"*"`,
			Attempts: p.opts.RetryMaxAttempts, Timeout: p.opts.Timeout,
		})
	}
	if out == nil || out.AuthorizationData == nil {
		return cachedToken{}, &MalformedTokenError{Reason: "the response has no authorizationData"}
	}
	return p.cached(ctx, key, start, out.AuthorizationData.AuthorizationToken, out.AuthorizationData.ExpiresAt)
}
