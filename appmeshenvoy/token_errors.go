package appmeshenvoy

import (
	"fmt"
	"time"

	"github.com/appmesh-envoy/appmesh-envoy-go/internal/awserr"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/errcode"
	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

// ErrMalformedToken means ECR answered ecr:GetAuthorizationToken with something that is
// not a usable token. Errors matching it never contain the token.
var ErrMalformedToken error = errcode.New(errcode.MalformedToken, "malformed ecr authorization token")

// MalformedTokenError says what is wrong with an ECR authorization token without
// showing any part of it. It matches [ErrMalformedToken].
type MalformedTokenError struct {
	// Reason describes the problem, such as "the user is not \"AWS\"".
	Reason string
}

// Error implements error. It never contains the token or password.
func (e *MalformedTokenError) Error() string {
	return "malformed ecr authorization token: " + e.Reason
}

// Is makes a MalformedTokenError match [ErrMalformedToken].
func (e *MalformedTokenError) Is(target error) bool { return target == ErrMalformedToken }

// ErrorCode returns "malformed-token".
func (e *MalformedTokenError) ErrorCode() Code { return CodeMalformedToken }

// TokenError is the error of a [TokenProvider] call. It names the region and registry
// host and wraps the cause, which errors.Is and errors.As reach through Unwrap: one of
// [ErrAccessDenied] (the message names the missing permission, ecr:GetAuthorizationToken
// on "*"), [ErrInvalidCredentials], [ErrRegionNotEnabled], [ErrThrottled],
// [ErrNoCredentials], [ErrMalformedToken] or a context error, and the SDK's
// smithy.APIError when AWS answered.
type TokenError struct {
	// Region is the region the token was asked for.
	Region string
	// Host is the registry host the token was asked for.
	Host string
	// Err is the cause.
	Err error
}

// Error implements error. It never contains the token or password.
func (e *TokenError) Error() string {
	return fmt.Sprintf("ecr token for %s in %s: %v", e.Host, e.Region, e.Err)
}

// Unwrap returns the cause.
func (e *TokenError) Unwrap() error { return e.Err }

// classifyTokenError turns an ecr:GetAuthorizationToken error into one that says what to
// do next, with the classification the resolver uses (see classify): the action cannot
// be scoped, so the policy it needs names "*". The SDK error stays reachable through
// errors.As.
func classifyTokenError(regionCode string, err error, attempts int, timeout time.Duration) error {
	optIn := false
	if r, lerr := region.Lookup(regionCode); lerr == nil {
		optIn = r.OptIn
	}
	return awserr.Classify(err, awserr.Call{
		Action: "ecr:GetAuthorizationToken", Resource: `"*"`, OptIn: optIn,
		Attempts: attempts, Timeout: timeout,
	})
}
