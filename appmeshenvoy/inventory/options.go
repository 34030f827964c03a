package inventory

import (
	"context"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
)

// Defaults of [Options].
const (
	// DefaultConcurrency is how many (account, region) pairs are scanned at once.
	DefaultConcurrency = 32
	// DefaultRegionConcurrency is how many ECS calls one account makes at once in one
	// region. ECS throttles per account and region; 4 stays well under its read rates.
	DefaultRegionConcurrency = 4
	// DefaultTimeout bounds the scan of one account in one region, retries included.
	DefaultTimeout = 2 * time.Minute
	// DefaultRoleSessionName is the session name of assumed roles (it appears in
	// CloudTrail as the assumed-role ARN's last part).
	DefaultRoleSessionName = "appmesh-envoy-inventory"
)

// Progress is reported after each (account, region) pair is done.
type Progress struct {
	// Done and Total count (account, region) pairs.
	Done, Total int
	// Containers and Failures are the counts so far.
	Containers, Failures int
}

// Options configures a [Scanner]. [NewScanner] fills in the defaults before it applies
// the caller's option functions.
type Options struct {
	// Roles are the ARNs of IAM roles to assume, one per account to scan
	// ("arn:aws:iam::111122223333:role/inventory"); they must be in the partition of the
	// regions scanned. Default: none, which scans the caller's own account with the
	// config's credentials.
	Roles []string
	// RoleSessionName is the session name of the assumed roles. Default:
	// DefaultRoleSessionName.
	RoleSessionName string
	// Matcher decides which containers are Envoy containers. Default: the zero Matcher
	// (repositories named aws-appmesh-envoy).
	Matcher Matcher
	// Concurrency is how many (account, region) pairs are scanned at once. Values below
	// 1 mean DefaultConcurrency (32).
	Concurrency int
	// RegionConcurrency is how many ECS calls are made at once within one account and
	// region. Values below 1 mean DefaultRegionConcurrency (4).
	RegionConcurrency int
	// Timeout bounds the scan of one account in one region; when it passes, that pair is
	// a failure (code timeout) and the others go on. Values <= 0 mean DefaultTimeout (2
	// minutes).
	Timeout time.Duration
	// RetryMaxAttempts is the number of attempts per AWS call, made by the SDK's
	// standard retryer (throttling, server errors and connection errors are retried).
	// Values below 1 mean appmeshenvoy.DefaultRetryMaxAttempts (8).
	RetryMaxAttempts int
	// RetryMaxBackoff caps the backoff between attempts. Values <= 0 mean
	// appmeshenvoy.DefaultRetryMaxBackoff (2 seconds).
	RetryMaxBackoff time.Duration
	// ECSOptions are applied to every *ecs.Client the scanner builds, after its own
	// settings (for example BaseEndpoint). Default: none.
	ECSOptions []func(*ecs.Options)
	// STSOptions are applied to the *sts.Client that assumes the roles. Default: none.
	STSOptions []func(*sts.Options)
	// SSMOptions are applied to the *ssm.Client of the default Latest. Default: none.
	SSMOptions []func(*ssm.Options)
	// ECSClient, if set, supplies the ECS client for an account ("" for the caller's
	// own) and region, and cfg (with the account's credentials and the region set) is
	// not used for ECS. Use it for mocks. Default: nil.
	ECSClient func(account, region string) ECSAPI
	// Latest, if set, returns the image a region's Envoy containers are compared with.
	// Default: nil, which reads the region's public SSM parameter with an
	// appmeshenvoy.Resolver over the config given to NewScanner (the caller's
	// credentials, once per region) and compares with the final release
	// ([FinalImage]) where the parameter is gone. [FinalRelease] compares with the
	// final release without reading SSM.
	Latest func(ctx context.Context, region string) (appmeshenvoy.Result, error)
	// Progress, if set, is called after each (account, region) pair is done, never
	// concurrently. Default: nil.
	Progress func(Progress)
	// Logger receives debug records. Default: nil, which discards.
	Logger *slog.Logger
}

func defaultOptions() Options {
	return Options{
		RoleSessionName:   DefaultRoleSessionName,
		Concurrency:       DefaultConcurrency,
		RegionConcurrency: DefaultRegionConcurrency,
		Timeout:           DefaultTimeout,
		RetryMaxAttempts:  appmeshenvoy.DefaultRetryMaxAttempts,
		RetryMaxBackoff:   appmeshenvoy.DefaultRetryMaxBackoff,
	}
}

// normalize clamps values the option functions may have set out of range.
func (o *Options) normalize() {
	d := defaultOptions()
	if o.RoleSessionName == "" {
		o.RoleSessionName = d.RoleSessionName
	}
	if o.Concurrency < 1 {
		o.Concurrency = d.Concurrency
	}
	if o.RegionConcurrency < 1 {
		o.RegionConcurrency = d.RegionConcurrency
	}
	if o.Timeout <= 0 {
		o.Timeout = d.Timeout
	}
	if o.RetryMaxAttempts < 1 {
		o.RetryMaxAttempts = d.RetryMaxAttempts
	}
	if o.RetryMaxBackoff <= 0 {
		o.RetryMaxBackoff = d.RetryMaxBackoff
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
}

// FinalRelease is a value for Options.Latest that compares every region with the final
// App Mesh Envoy release ([FinalImage]) without reading SSM.
func FinalRelease(_ context.Context, regionCode string) (appmeshenvoy.Result, error) {
	return appmeshenvoy.Result{Region: regionCode, Image: FinalImage(regionCode), Source: appmeshenvoy.SourceBuiltin}, nil
}

// awsConfigFor returns cfg for region with credentials creds (nil keeps cfg's).
func awsConfigFor(cfg aws.Config, regionCode string, creds aws.CredentialsProvider) aws.Config {
	c := cfg.Copy()
	c.Region = regionCode
	if creds != nil {
		c.Credentials = creds
	}
	return c
}
