package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// loadConfig loads the AWS configuration the way the AWS CLI does (environment, shared
// files, --profile, --region) and applies --debug. region, when not empty, overrides the
// configured region. (The global flags were checked when they were parsed.)
//
// --endpoint-url is not applied here but per client (see ssmOptions, ecrOptions,
// iamClient, stsClient): a client option function that sets BaseEndpoint runs after the
// SDK has read AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_<SERVICE> and the profile's endpoint_url
// and services settings, so it beats all of them, for every service and region. Without
// --endpoint-url those settings work as usual.
func (a *app) loadConfig(ctx context.Context, region string) (aws.Config, error) {
	var opts []func(*config.LoadOptions) error
	if region != "" {
		opts = append(opts, config.WithRegion(region))
	}
	if a.g.profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(a.g.profile))
	}
	if a.g.debug {
		opts = append(opts,
			config.WithClientLogMode(aws.LogRequestWithBody|aws.LogResponseWithBody|aws.LogRetries),
			config.WithLogger(sdkLogger{w: a.stderr}))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		var pe config.SharedConfigProfileNotExistError
		if errors.As(err, &pe) {
			return aws.Config{}, usageErrorf("profile %q is not in the shared AWS config files; check --profile or AWS_PROFILE", pe.Profile)
		}
		return aws.Config{}, fmt.Errorf("load AWS configuration: %w; check AWS_* environment variables and ~/.aws/config", err)
	}
	if region == "" && cfg.Region == "" {
		// The AWS CLI reads AWS_DEFAULT_REGION too; the Go SDK only AWS_REGION.
		cfg.Region = os.Getenv("AWS_DEFAULT_REGION")
	}
	return cfg, nil
}

// endpoint returns --endpoint-url without a trailing slash, or nil when it is not set.
func (a *app) endpoint() *string {
	if a.g.endpointURL == "" {
		return nil
	}
	return aws.String(strings.TrimRight(a.g.endpointURL, "/"))
}

// awsEndpoint is the one endpoint for every AWS service of this invocation, which
// registry traffic for AWS's registry hosts follows too: --endpoint-url, else the
// aws.Config's BaseEndpoint (AWS_ENDPOINT_URL or the profile's endpoint_url, which the SDK
// has read), else "" (the real registries).
func (a *app) awsEndpoint(cfg aws.Config) string {
	if a.g.endpointURL != "" {
		return a.g.endpointURL
	}
	return aws.ToString(cfg.BaseEndpoint)
}

// ssmOptions returns the SSM client options of this invocation: BaseEndpoint from
// --endpoint-url.
func (a *app) ssmOptions() []func(*ssm.Options) {
	if e := a.endpoint(); e != nil {
		return []func(*ssm.Options){func(o *ssm.Options) { o.BaseEndpoint = e }}
	}
	return nil
}

// ecrOptions returns the ECR client options of this invocation: BaseEndpoint from
// --endpoint-url.
func (a *app) ecrOptions() []func(*ecr.Options) {
	if e := a.endpoint(); e != nil {
		return []func(*ecr.Options){func(o *ecr.Options) { o.BaseEndpoint = e }}
	}
	return nil
}

// iamClient returns an IAM client for cfg with BaseEndpoint from --endpoint-url.
func (a *app) iamClient(cfg aws.Config) *iam.Client {
	e := a.endpoint()
	return iam.NewFromConfig(cfg, func(o *iam.Options) {
		if e != nil {
			o.BaseEndpoint = e
		}
	})
}

// stsClient returns an STS client for cfg with BaseEndpoint from --endpoint-url.
func (a *app) stsClient(cfg aws.Config) *sts.Client {
	e := a.endpoint()
	return sts.NewFromConfig(cfg, func(o *sts.Options) {
		if e != nil {
			o.BaseEndpoint = e
		}
	})
}

// checkCredentials retrieves the credentials once, up front, so that a missing or broken
// credential source is one clear line instead of one error per region. It registers the
// secret key and session token with the redactor.
func (a *app) checkCredentials(ctx context.Context, cfg aws.Config) error {
	if cfg.Credentials == nil {
		return errNoCredentials(nil)
	}
	creds, err := cfg.Credentials.Retrieve(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return errNoCredentials(err)
	}
	a.redact.add(creds.SecretAccessKey, creds.SessionToken)
	return nil
}

func errNoCredentials(cause error) error {
	msg := "no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, pass --profile NAME, or run 'aws configure' (or 'aws sso login')"
	if cause != nil && !isNoCredentialsChain(cause) {
		return fmt.Errorf("%s; the credential source said: %s", msg, shortCause(cause))
	}
	return errors.New(msg)
}

// isNoCredentialsChain reports whether err is the SDK's "no credential provider worked"
// error (which is long and names every provider it tried).
func isNoCredentialsChain(err error) bool {
	s := err.Error()
	return strings.Contains(s, "failed to refresh cached credentials, no EC2 IMDS role found") ||
		strings.Contains(s, "static credentials are empty") ||
		strings.Contains(s, "no EC2 IMDS role found") ||
		strings.Contains(s, "EC2 IMDS access disabled") ||
		strings.Contains(s, "AWS_EC2_METADATA_DISABLED")
}

// shortCause returns the innermost message of err, cut to a readable length.
func shortCause(err error) string {
	for {
		u := errors.Unwrap(err)
		if u == nil {
			break
		}
		err = u
	}
	s := oneLine(err.Error())
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}

// envRegion is the region of the environment (AWS_REGION, else AWS_DEFAULT_REGION)
// without loading any configuration.
func envRegion() string {
	if r := os.Getenv("AWS_REGION"); r != "" {
		return r
	}
	return os.Getenv("AWS_DEFAULT_REGION")
}
