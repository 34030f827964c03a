package mirror

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/google/go-containerregistry/pkg/authn"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
)

// Defaults of [Options].
const (
	// DefaultConcurrency is the default number of blobs transferred at once.
	DefaultConcurrency = 4
	// DefaultIdleTimeout is the default idle timeout of one registry request.
	DefaultIdleTimeout = time.Minute
	// MaxIndexDepth bounds the nesting of indexes: an index, an index in it, and the
	// manifests in that.
	MaxIndexDepth = 3
	// MaxManifests bounds the manifests of one image (the index and all its children).
	MaxManifests = 1024
)

// Options configures a [Mirror]. [New] fills in the defaults before it calls the option
// functions.
type Options struct {
	// Resolver finds the latest image of a region when a request names no tag.
	// Default: appmeshenvoy.NewResolver(cfg) with SSMOptions and ECROptions.
	Resolver *appmeshenvoy.Resolver

	// TokenProvider gets the ECR tokens of the source and the ECR destinations.
	// Default: appmeshenvoy.NewTokenProvider(cfg) with ECROptions.
	TokenProvider *appmeshenvoy.TokenProvider

	// ECRClientForRegion supplies the client that creates destination repositories in
	// a region ([Request.Create]). Default: an *ecr.Client per region from cfg, with
	// ECROptions.
	ECRClientForRegion func(region string) RepositoryAPI

	// SSMOptions and ECROptions are applied to the SSM and ECR clients this package
	// builds (the resolver's, the token provider's and the repository client's), such
	// as a BaseEndpoint. Default: none.
	SSMOptions []func(*ssm.Options)
	ECROptions []func(*ecr.Options)

	// Keychain gives the credentials of destinations that are not ECR registries.
	// Default: authn.DefaultKeychain, the docker config ($DOCKER_CONFIG/config.json or
	// ~/.docker/config.json, and its credential helpers).
	Keychain authn.Keychain

	// AWSRegistryEndpoint is the URL of an endpoint that serves every AWS registry host
	// by path, as the local endpoint of appmeshenvoytest does (the CLI's --endpoint-url):
	// the traffic of "<host>/<repository>" goes to <URL>/v2/<host>/<repository>/...
	// Default "": AWS registries are reached at their own hosts.
	AWSRegistryEndpoint string

	// RegistryEndpoints sends the traffic of one registry host to a URL (the CLI's
	// --registry-endpoint HOST=URL), which wins over AWSRegistryEndpoint: https, or plain
	// http to a loopback address; the URL's path prefixes repository names. Default: none.
	RegistryEndpoints map[string]string

	// TrustRegistryEndpoints lets an ECR token from real AWS go to a URL of
	// RegistryEndpoints or AWSRegistryEndpoint. Without it, an ECR host may be
	// overridden only when the ECR API is overridden too (a BaseEndpoint in the
	// aws.Config or ECROptions, as with a local endpoint), so that a real 12-hour
	// credential never leaves for an address that is not AWS's by accident. Default false.
	TrustRegistryEndpoints bool

	// Concurrency is the number of blobs transferred at once, across all destinations
	// (one source read feeds every destination that needs the blob). Values < 1 mean
	// the default, DefaultConcurrency (4).
	Concurrency int

	// IdleTimeout ends a registry request when no byte has moved for this long; there
	// is no overall deadline (pass a context with one). Values <= 0 mean the default,
	// DefaultIdleTimeout (one minute).
	IdleTimeout time.Duration

	// Transport is the base HTTP transport of registry traffic (proxies, TLS roots).
	// Default: the transport of cfg.HTTPClient when it is the SDK's buildable client
	// (so AWS_CA_BUNDLE and the proxy variables apply as they do to AWS calls), else
	// one with proxies from the environment and AWS_CA_BUNDLE's roots.
	Transport *http.Transport

	// Progress receives progress reports, one call at a time (never concurrently).
	// Default nil.
	Progress func(Progress)

	// OnEndpoint is called once for every registry host whose traffic goes to another
	// URL than its own (an override or AWSRegistryEndpoint), before the first request
	// to it, so that the caller can show it. Default nil.
	OnEndpoint func(host, url string)

	// Logger receives debug records of registry requests (credentials, token answers
	// and presigned-URL signatures redacted) and of each step. Default: discard.
	Logger *slog.Logger
}
