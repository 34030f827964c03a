// Package awserr turns aws-sdk-go-v2 errors into the module's errors — a sentinel to
// match, a stable code, a message that says what to do — and holds the one retryer and
// the one credentials check every AWS client of the module uses.
package awserr

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	"github.com/aws/smithy-go"

	"github.com/appmesh-envoy/appmesh-envoy-go/internal/bodylimit"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/errcode"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/quote"
)

// Sentinels of AWS call outcomes. Package appmeshenvoy re-exports them.
var (
	// ErrParameterNotFound: the public SSM parameter does not exist in the region.
	ErrParameterNotFound = errcode.New(errcode.ParameterNotFound, "parameter not found")
	// ErrRegionNotEnabled: AWS rejected the credentials in an opt-in region.
	ErrRegionNotEnabled = errcode.New(errcode.RegionNotEnabled, "region not enabled for this account")
	// ErrAccessDenied: the caller lacks a permission.
	ErrAccessDenied = errcode.New(errcode.AccessDenied, "access denied")
	// ErrThrottled: AWS throttled the request and every retry.
	ErrThrottled = errcode.New(errcode.Throttled, "throttled")
	// ErrInvalidCredentials: AWS rejected the credentials.
	ErrInvalidCredentials = errcode.New(errcode.InvalidCredentials, "invalid credentials")
	// ErrNoCredentials: no credentials could be retrieved.
	ErrNoCredentials = errcode.New(errcode.NoCredentials, "no credentials")
)

// Call describes a failed AWS call for [Classify].
type Call struct {
	// Action is the IAM action of the call, such as "ssm:GetParameter".
	Action string
	// Resource is what the action needs access to, as a policy names it (an ARN, or
	// `"*"`).
	Resource string
	// OptIn reports that the call went to an opt-in region.
	OptIn bool
	// Attempts is the number of attempts the retryer was allowed.
	Attempts int
	// Timeout is the call's own time limit, for the message when it passes.
	Timeout time.Duration
	// PolicyHint says where to get the policy that grants Action, for the access-denied
	// message; "" means the module's own builders ("appmesh-envoy policy", package
	// iampolicy).
	PolicyHint string
}

// attempts says "the attempt" or "all N attempts".
func attempts(n int) string {
	if n <= 1 {
		return "the only attempt"
	}
	return fmt.Sprintf("all %d attempts", n)
}

// Classify turns an SDK error into an error that matches one of the sentinels above
// (where one applies), carries a code, and says what to do next, keeping err reachable
// through errors.As (smithy.APIError, *retry.MaxAttemptsError). AWS's own message is
// cut and stripped of control characters before it is shown.
func Classify(err error, c Call) error {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return fmt.Errorf("%s did not finish within %s: %w", c.Action, c.Timeout, err)
	}
	var code, detail string
	var ae smithy.APIError
	if errors.As(err, &ae) {
		code = ae.ErrorCode()
		detail = " (AWS: " + quote.Text(code, 64)
		if m := ae.ErrorMessage(); m != "" {
			detail += ": " + quote.Text(m, 200)
		}
		detail += ")"
	}
	if errors.Is(err, bodylimit.ErrTooLarge) {
		return &errcode.Error{Code: errcode.ResponseTooLarge, Cause: err, Msg: c.Action + " failed: " + quote.Text(innermost(err).Error(), 300)}
	}
	if mae := (*retry.MaxAttemptsError)(nil); errors.As(err, &mae) && mae.Attempt > 0 {
		c.Attempts = mae.Attempt // the SDK options may have changed the number
	}
	k := func(kind error, msg string) error { return errcode.Wrap(kind, msg+detail, err) }
	switch {
	case code == "ParameterNotFound" || code == "ParameterVersionNotFound":
		return k(ErrParameterNotFound, "parameter /aws/service/appmesh/envoy not found: App Mesh is discontinued (end of support 2026-09-30) and AWS may remove its parameters and images at any time; pin a version or use a mirror")
	case code == "UnrecognizedClientException" || code == "InvalidClientTokenId":
		if c.OptIn {
			return k(ErrRegionNotEnabled, "AWS rejected the credentials in this opt-in region, which is what it does when the region is not enabled for the account; enable the region (AWS console, Account, AWS Regions) or leave it out, and check the credentials if it is enabled")
		}
		return k(ErrInvalidCredentials, "AWS does not recognize the access key; check the credentials (profile, environment variables) and that they belong to this partition")
	case code == "InvalidSignatureException" || code == "SignatureDoesNotMatch":
		return k(ErrInvalidCredentials, "AWS rejected the request signature: the secret access key does not match the access key; check the credentials")
	case code == "ExpiredTokenException" || code == "ExpiredToken" || code == "RequestExpired" || code == "TokenRefreshRequired":
		return k(ErrInvalidCredentials, "the session credentials have expired; refresh them (aws sso login, assume the role again)")
	case code == "AccessDeniedException" || code == "AccessDenied" || code == "UnauthorizedOperation":
		hint := c.PolicyHint
		if hint == "" {
			hint = "'appmesh-envoy policy' and package iampolicy build that policy"
		}
		return k(ErrAccessDenied, "access denied: the caller needs "+c.Action+" on "+c.Resource+" ("+hint+")")
	case isThrottleCode(code):
		return k(ErrThrottled, fmt.Sprintf("AWS throttled %s on %s; retry later, spread the calls out, or raise the RetryMaxAttempts option", c.Action, attempts(c.Attempts)))
	}
	var re interface{ HTTPStatusCode() int }
	if errors.As(err, &re) && isServerStatus(re.HTTPStatusCode()) {
		return &errcode.Error{Code: errcode.ServerError, Cause: err,
			Msg: fmt.Sprintf("AWS answered %s with a server error (HTTP %d) on %s; retry later%s", c.Action, re.HTTPStatusCode(), attempts(c.Attempts), detail)}
	}
	if detail != "" {
		return &errcode.Error{Code: errcode.AWSError, Cause: err, Msg: c.Action + " failed; check the request and the configuration" + detail}
	}
	return &errcode.Error{Code: errcode.EndpointUnreachable, Cause: err,
		Msg: c.Action + " failed (check the network, the endpoint settings and the proxy): " + quote.Text(err.Error(), 300)}
}

// isServerStatus reports the HTTP statuses the SDK's retryer retries (500, 502, 503, 504).
func isServerStatus(status int) bool {
	_, ok := retry.DefaultRetryableHTTPStatusCodes[status]
	return ok
}

func isThrottleCode(code string) bool {
	switch code {
	case "ThrottlingException", "Throttling", "ThrottledException", "TooManyRequestsException",
		"RequestLimitExceeded", "RequestThrottled", "RequestThrottledException",
		"ProvisionedThroughputExceededException", "SlowDown", "PriorRequestNotComplete":
		return true
	}
	return false
}

// IsCode reports whether err is an AWS API error with one of codes.
func IsCode(err error, codes ...string) bool {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return false
	}
	for _, c := range codes {
		if ae.ErrorCode() == c {
			return true
		}
	}
	return false
}

// NewRetryer is the retryer of every AWS client the module builds: the SDK's standard
// retryer with maxAttempts attempts, full-jitter exponential backoff from 50 ms capped at
// maxBackoff (see [Backoff]), and no client-side retry quota (ratelimit.None). The quota
// is shared by a client's calls and, under sustained throttling, fails calls with "retry
// quota exceeded" long before their attempts are spent; bounded attempts, capped backoff
// and each caller's own timeout keep every call bounded instead. The standard retryer
// retries throttling codes, HTTP 500/502/503/504 and connection errors.
func NewRetryer(maxAttempts int, maxBackoff time.Duration) aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = maxAttempts
		o.MaxBackoff = maxBackoff
		o.RateLimiter = ratelimit.None
		o.Backoff = Backoff(maxBackoff)
	})
}

// Backoff is full-jitter exponential backoff ("Exponential Backoff And Jitter", AWS
// Architecture Blog, 2015): before attempt n+1 it waits a random time in
// (0, min(max, 50ms·2^(n-1))]. The SDK's own ExponentialJitterBackoff starts at one
// second, which would spend most of a 15-second budget on the first few waits.
func Backoff(max time.Duration) retry.BackoffDelayer {
	return retry.BackoffDelayerFunc(func(attempt int, _ error) (time.Duration, error) {
		d := 50 * time.Millisecond
		for i := 1; i < attempt && d < max; i++ {
			d *= 2
		}
		d = min(d, max)
		if d <= 0 {
			return 0, nil
		}
		return time.Duration(rand.Int64N(int64(d)) + 1), nil
	})
}

// missingProvider stands for a nil credentials provider.
type missingProvider struct{}

func (missingProvider) Retrieve(context.Context) (aws.Credentials, error) {
	return aws.Credentials{}, errors.New("the aws.Config has no credentials provider")
}

// ProviderOrMissing returns p, or a provider that always fails when p is nil.
func ProviderOrMissing(p aws.CredentialsProvider) aws.CredentialsProvider {
	if p == nil {
		return missingProvider{}
	}
	return p
}

// Credentials retrieves credentials from p (cached providers answer from memory) and
// turns a failure into an error matching [ErrNoCredentials], or into ctx's error when
// the caller gave up. A nil p gives ErrNoCredentials.
func Credentials(ctx context.Context, p aws.CredentialsProvider) (aws.Credentials, error) {
	creds, err := ProviderOrMissing(p).Retrieve(ctx)
	if err != nil {
		return aws.Credentials{}, CredentialsError(ctx, err)
	}
	return creds, nil
}

// CredentialsError turns a failure of a credentials provider's Retrieve into an error
// matching [ErrNoCredentials] that says how to provide credentials, or into ctx's error
// when the caller gave up. When err is the SDK's "no provider in the chain worked" error
// (long, naming every provider it tried), only the advice is shown; otherwise the
// innermost cause is added, cut and cleaned.
func CredentialsError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("retrieve credentials: %w", ctx.Err())
	}
	msg := "no usable AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, pass a profile (AWS_PROFILE, --profile), or run 'aws sso login'"
	if !isEmptyChain(err) {
		msg += "; the credential source said: " + quote.Text(innermost(err).Error(), 200)
	}
	return errcode.Wrap(ErrNoCredentials, msg, err)
}

// isEmptyChain reports whether err means that no credential source was configured at
// all: the default chain fell through to EC2 instance metadata (the last provider it
// tries), which failed (disabled with AWS_EC2_METADATA_DISABLED, unreachable off EC2, or
// no role), or static credentials are empty. It looks at the SDK's typed errors, not at
// their text.
func isEmptyChain(err error) bool {
	var opErr *smithy.OperationError
	if errors.As(err, &opErr) && opErr.ServiceID == imds.ServiceID {
		return true
	}
	var empty *credentials.StaticCredentialsEmptyError
	return errors.As(err, &empty)
}

// innermost returns the last error of err's Unwrap chain.
func innermost(err error) error {
	for {
		u := errors.Unwrap(err)
		if u == nil {
			return err
		}
		err = u
	}
}
