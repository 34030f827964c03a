package appmeshenvoy

import (
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/awserr"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/errcode"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/quote"
)

// Parse errors. Every error from [ParseVersion], [ParseRegistryHost] and [ParseImage] is
// a [*ParseError] that matches one of these with [errors.Is].
var (
	// ErrInvalidVersion is matched by errors for tags that are not App Mesh Envoy versions.
	ErrInvalidVersion error = errcode.New(errcode.InvalidVersion, "invalid image version")
	// ErrInvalidRegistryHost is matched by errors for strings that are not ECR registry
	// hosts.
	ErrInvalidRegistryHost error = errcode.New(errcode.InvalidRegistryHost, "invalid registry host")
	// ErrInvalidImage is matched by errors for strings that are not image references.
	ErrInvalidImage error = errcode.New(errcode.InvalidImage, "invalid image reference")
)

// Resolver errors. Errors from [Resolver] methods are [*RegionError] values that name the
// region and match one of these (or [region.ErrUnsupported], or a context error) with
// [errors.Is].
var (
	// ErrParameterNotFound means the public parameter does not exist in the region: App
	// Mesh is unavailable there or has been discontinued (AWS ended support on
	// 2026-09-30). Pin a version or use a mirror.
	ErrParameterNotFound error = awserr.ErrParameterNotFound
	// ErrRegionNotEnabled means AWS rejected the credentials in an opt-in region, which is
	// what it does when the account has not enabled the region.
	ErrRegionNotEnabled error = awserr.ErrRegionNotEnabled
	// ErrAccessDenied means the caller lacks ssm:GetParameter on the parameter ARN (or
	// ecr:BatchGetImage on the repository ARN for [Resolver.Pin]).
	ErrAccessDenied error = awserr.ErrAccessDenied
	// ErrThrottled means AWS throttled the request and every retry.
	ErrThrottled error = awserr.ErrThrottled
	// ErrInvalidCredentials means AWS rejected the credentials: unknown access key, wrong
	// secret, or an expired session token.
	ErrInvalidCredentials error = awserr.ErrInvalidCredentials
	// ErrNoCredentials means no credentials could be retrieved from the configuration.
	ErrNoCredentials error = awserr.ErrNoCredentials
	// ErrFIPSUnavailable means no FIPS variant of the image is published in the region.
	ErrFIPSUnavailable error = errcode.New(errcode.FIPSUnavailable, "no FIPS image in this region")
	// ErrUntrustedImage means the parameter value is not an image of the region's own
	// App Mesh Envoy repository (wrong host, region, repository or account, or not an
	// image at all). It is never returned as a result.
	ErrUntrustedImage error = errcode.New(errcode.UntrustedImage, "untrusted image")
	// ErrLegacyAccount means the image comes from the retired account 111345817488
	// (images before v1.11.2.0).
	ErrLegacyAccount error = errcode.New(errcode.LegacyAccount, "image from the retired legacy account")
	// ErrImageNotFound means the registry has no image with that tag.
	ErrImageNotFound error = errcode.New(errcode.ImageNotFound, "image not found")
	// ErrDigestMismatch means a manifest's sha256 does not match the digest the registry
	// reported, or a pinned digest no longer matches the tag.
	ErrDigestMismatch error = errcode.New(errcode.DigestMismatch, "digest mismatch")
)

// ParseError describes input that [ParseVersion], [ParseRegistryHost] or [ParseImage]
// rejected. It matches its Err sentinel with [errors.Is].
type ParseError struct {
	// Kind is what was being parsed: "version", "registry host" or "image reference".
	Kind string
	// Input is the rejected input, as given.
	Input string
	// Reason says what is wrong with it.
	Reason string
	// Err is ErrInvalidVersion, ErrInvalidRegistryHost or ErrInvalidImage.
	Err error
}

// Error implements error. The input is quoted, shortened and stripped of control
// characters.
func (e *ParseError) Error() string {
	return "invalid " + e.Kind + " " + quote.Input(e.Input) + ": " + e.Reason
}

// Unwrap returns the sentinel.
func (e *ParseError) Unwrap() error { return e.Err }

// RegionError is the error of a [Resolver] operation in one region. Its message starts
// with the operation and the region ("resolve us-west-2: ..."); Err matches the sentinels
// above with [errors.Is], and the AWS SDK's error (a smithy.APIError) with [errors.As]
// when AWS answered.
type RegionError struct {
	// Region is the region code.
	Region string
	// Op is the operation: "resolve", "pin" or "check".
	Op string
	// Err is the cause.
	Err error
}

// Error implements error.
func (e *RegionError) Error() string {
	op := e.Op
	if op == "" {
		op = "resolve"
	}
	r := e.Region
	switch {
	case r == "":
		return op + ": " + e.Err.Error()
	case !isRegionLabel(r):
		r = quote.Input(r)
	}
	return op + " " + r + ": " + e.Err.Error()
}

// Unwrap returns the cause.
func (e *RegionError) Unwrap() error { return e.Err }

// VerificationError describes a parameter value that failed verification against the
// region table. It matches ErrUntrustedImage or ErrLegacyAccount with [errors.Is].
type VerificationError struct {
	// Region is the region whose parameter was read.
	Region string
	// Value is the parameter value, shortened to at most 256 bytes.
	Value string
	// Reason says what is wrong.
	Reason string
	// Err is ErrUntrustedImage or ErrLegacyAccount.
	Err error
}

// Error implements error.
func (e *VerificationError) Error() string {
	return "parameter value " + quote.Input(e.Value) + " is not a trusted App Mesh Envoy image: " +
		e.Reason + "; do not deploy it: check the parameter in the Systems Manager console, or pin a known image"
}

// Unwrap returns the sentinel.
func (e *VerificationError) Unwrap() error { return e.Err }
