// Package errcode gives every error the module returns a stable, kebab-case code, such as
// "parameter-not-found" or "access-denied", that programs match instead of message text.
//
// Sentinel errors are made with [New]; an error that says more wraps one with [Wrap].
// [Of] finds the code of any error. Package appmeshenvoy re-exports the type and the
// codes for users; the CLI prints them in its JSON output.
package errcode

import (
	"context"
	"errors"
)

// Code is a stable, kebab-case error code. Codes are part of the module's API: they are
// never renamed, only added.
type Code string

// String returns the code.
func (c Code) String() string { return string(c) }

// Input reports whether the code means the caller's input is wrong (a malformed
// reference, an unsupported region, an invalid policy or configuration) rather than an
// operation that failed. The CLI exits 2 for these and 1 for the others.
func (c Code) Input() bool {
	switch c {
	case InvalidInput, InvalidImage, InvalidRegistryHost, InvalidRepository, InvalidVersion, InvalidResource,
		UnsupportedRegion, InvalidConfig, NotEnvironment, InvalidPolicy, PolicyTooLarge,
		MixedPartitions, FIPSUnavailable, NotInitialized:
		return true
	}
	return false
}

// Codes. Each names what went wrong, not where; the error message says where.
const (
	// Unknown is the code of an error that carries none (a bug: every error of the
	// module should carry one).
	Unknown Code = "unknown"
	// Canceled: the caller's context was canceled.
	Canceled Code = "canceled"
	// Timeout: a deadline (the caller's, or an operation's own) passed.
	Timeout Code = "timeout"
	// NotInitialized: a zero value was used where a constructor's result is needed.
	NotInitialized Code = "not-initialized"

	// InvalidInput: a builder's or an option's input is wrong.
	InvalidInput Code = "invalid-input"
	// InvalidImage: not an image reference (or not one this operation takes).
	InvalidImage Code = "invalid-image"
	// InvalidRegistryHost: not an ECR registry host.
	InvalidRegistryHost Code = "invalid-registry-host"
	// InvalidRepository: not an ECR repository URI or ARN.
	InvalidRepository Code = "invalid-repository"
	// InvalidVersion: not an App Mesh Envoy image version.
	InvalidVersion Code = "invalid-version"
	// InvalidResource: not an App Mesh virtual node or virtual gateway.
	InvalidResource Code = "invalid-resource"
	// UnsupportedRegion: a region (or partition) the image is not published in.
	UnsupportedRegion Code = "unsupported-region"
	// FIPSUnavailable: no FIPS image or endpoint where one was asked for.
	FIPSUnavailable Code = "fips-unavailable"

	// ParameterNotFound: the public SSM parameter is gone from the region.
	ParameterNotFound Code = "parameter-not-found"
	// RegionNotEnabled: an opt-in region the account has not enabled.
	RegionNotEnabled Code = "region-not-enabled"
	// AccessDenied: the caller lacks an IAM permission.
	AccessDenied Code = "access-denied"
	// Throttled: AWS throttled every attempt.
	Throttled Code = "throttled"
	// InvalidCredentials: AWS rejected the credentials.
	InvalidCredentials Code = "invalid-credentials"
	// NoCredentials: no credentials could be loaded.
	NoCredentials Code = "no-credentials"
	// ServerError: AWS answered with a server error on every attempt.
	ServerError Code = "server-error"
	// EndpointUnreachable: the AWS endpoint could not be reached (network, DNS, proxy).
	EndpointUnreachable Code = "endpoint-unreachable"
	// AWSError: AWS refused the request for another reason (the message has AWS's code).
	AWSError Code = "aws-error"
	// ResponseTooLarge: an endpoint answered with more bytes than any valid answer has.
	ResponseTooLarge Code = "response-too-large"

	// UntrustedImage: a parameter value that is not an image of the region's own
	// repository.
	UntrustedImage Code = "untrusted-image"
	// LegacyAccount: an image from the retired registry account.
	LegacyAccount Code = "legacy-account"
	// ImageNotFound: no image with that tag or digest (ECR's ImageNotFound,
	// RepositoryNotFound).
	ImageNotFound Code = "image-not-found"
	// DigestMismatch: a manifest that does not hash to its digest, or a tag that moved.
	DigestMismatch Code = "digest-mismatch"
	// MalformedToken: an ECR token answer that is not a usable token.
	MalformedToken Code = "malformed-token"

	// Registry codes.

	// Unauthorized: a registry refused the credential.
	Unauthorized Code = "unauthorized"
	// ManifestUnknown: a registry has no manifest for a tag or digest.
	ManifestUnknown Code = "manifest-unknown"
	// TagImmutable: a registry refused to move (or re-put) an immutable tag.
	TagImmutable Code = "tag-immutable"
	// RateLimited: a registry answered 429 on every attempt.
	RateLimited Code = "rate-limited"
	// RegistryUnreachable: a registry could not be reached.
	RegistryUnreachable Code = "registry-unreachable"
	// FallbackUsed: an answer came from a fallback source, not the SSM parameter.
	FallbackUsed Code = "fallback-used"
	// UnsupportedManifest: registry content that is not copied or read: a schema 1
	// manifest, an unknown media type, an index nested or wide beyond the bound.
	UnsupportedManifest Code = "unsupported-manifest"

	// InvalidDockerConfig: an existing docker config file that is not a docker config.
	InvalidDockerConfig Code = "invalid-docker-config"
	// CredentialHelper: a docker credential helper program failed.
	CredentialHelper Code = "credential-helper"
	// FileError: a file could not be read, locked or written.
	FileError Code = "file-error"

	// InvalidConfig: an Envoy container configuration the agent would refuse.
	InvalidConfig Code = "invalid-config"
	// NotEnvironment: input that is not a list of NAME=value variables.
	NotEnvironment Code = "not-environment"

	// InvalidPolicy: not a valid IAM policy document.
	InvalidPolicy Code = "invalid-policy"
	// PolicyTooLarge: a policy over IAM's size limit.
	PolicyTooLarge Code = "policy-too-large"
	// MixedPartitions: one policy or one run naming more than one partition.
	MixedPartitions Code = "mixed-partitions"
	// RoleNotFound: the IAM role does not exist.
	RoleNotFound Code = "role-not-found"
)

// coder is implemented by errors that carry a code.
type coder interface{ ErrorCode() Code }

// Sentinel is an error with a code and a fixed message, for [errors.Is]. Make one with
// [New].
type Sentinel struct {
	code Code
	msg  string
}

// New returns a sentinel error: its message is msg and its code is code.
func New(code Code, msg string) *Sentinel { return &Sentinel{code: code, msg: msg} }

// Error returns the message.
func (e *Sentinel) Error() string { return e.msg }

// ErrorCode returns the code.
func (e *Sentinel) ErrorCode() Code { return e.code }

// Error carries a sentinel (Kind), a message that says what happened and what to do, and
// the underlying cause (such as an SDK error), so that errors.Is(err, Kind) and
// errors.As(err, &apiErr) both work. A nil Kind means no sentinel; Code then gives the
// code.
type Error struct {
	Kind  error
	Code  Code
	Msg   string
	Cause error
}

// Wrap returns an *Error with kind, msg and cause (either may be nil).
func Wrap(kind error, msg string, cause error) error {
	return &Error{Kind: kind, Msg: msg, Cause: cause}
}

// Error returns the message.
func (e *Error) Error() string { return e.Msg }

// ErrorCode returns Code when set, else the code of Kind, else the code of Cause.
func (e *Error) ErrorCode() Code {
	if e.Code != "" {
		return e.Code
	}
	if e.Kind != nil {
		if c := Of(e.Kind); c != Unknown {
			return c
		}
	}
	return Of(e.Cause)
}

// Unwrap returns Kind and Cause.
func (e *Error) Unwrap() []error {
	switch {
	case e.Kind == nil && e.Cause == nil:
		return nil
	case e.Kind == nil:
		return []error{e.Cause}
	case e.Cause == nil:
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Cause}
}

// Of returns the code of err: the code of the first error in its chain that has one (in
// the order of [errors.As]), [Canceled] or [Timeout] for context errors, "" for nil, and
// [Unknown] otherwise.
func Of(err error) Code {
	if err == nil {
		return ""
	}
	var c coder
	if errors.As(err, &c) {
		if code := c.ErrorCode(); code != "" {
			return code
		}
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return Timeout
	case errors.Is(err, context.Canceled):
		return Canceled
	}
	return Unknown
}
