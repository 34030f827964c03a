package iampolicy

import (
	"strings"

	"github.com/appmesh-envoy/appmesh-envoy-go/internal/errcode"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/quote"
	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

// Sentinel errors, matched with [errors.Is]. Each carries a stable code (see
// appmeshenvoy.CodeOf), also through the error types that match it.
var (
	// ErrInvalidPolicy is matched by every error about a policy document that is not
	// valid: [*ParseError] and [*ValidationError]. Code "invalid-policy".
	ErrInvalidPolicy error = errcode.New(errcode.InvalidPolicy, "invalid policy")
	// ErrInvalidInput is matched by every error about a builder's or the applier's
	// input: bad region codes, mixed partitions, malformed ARNs and names. See
	// [*InputError]. Code "invalid-input", or the more specific code of its cause (such
	// as "unsupported-region" or "mixed-partitions").
	ErrInvalidInput error = errcode.New(errcode.InvalidInput, "invalid input")
	// ErrMixedPartitions is matched when one policy would name resources in more than one
	// partition ("aws" and "aws-cn"): one set of credentials, and so one policy, lives in
	// one partition. Build one policy per partition instead. It is the same sentinel as
	// region.ErrMixedPartitions, which region selections report. Code
	// "mixed-partitions".
	ErrMixedPartitions = region.ErrMixedPartitions
	// ErrTooLarge is matched by a [*ValidationError] whose problems include a size limit.
	// Use the region-wildcard form of the builder's options or [Split]. Code
	// "policy-too-large".
	ErrTooLarge error = errcode.New(errcode.PolicyTooLarge, "policy too large")
	// ErrRoleNotFound is matched when the role an [Applier] writes to does not exist.
	// The applier does not create roles: create the role first. See [*RoleNotFoundError].
	// Code "role-not-found".
	ErrRoleNotFound error = errcode.New(errcode.RoleNotFound, "role not found")
	// ErrNotInitialized is returned by the methods of an [Applier] that was not made by
	// [NewApplier] (a zero Applier or a nil pointer). Code "not-initialized".
	ErrNotInitialized error = errcode.New(errcode.NotInitialized,
		"iampolicy: the Applier is not initialized; create it with iampolicy.NewApplier(cfg)")
)

// RoleNotFoundError reports that IAM has no role of the given name in the caller's
// account. [Applier] returns it at once, without retrying: retries for IAM's eventual
// consistency are only made for a managed policy the applier has just created.
type RoleNotFoundError struct {
	// Role is the role name as given.
	Role string
	// Err is IAM's answer, a *types.NoSuchEntityException.
	Err error
}

// Error implements error.
func (e *RoleNotFoundError) Error() string {
	return "iampolicy: role " + quote.Input(e.Role) + " not found; create it first (or check the name: give the role name, not its ARN, with credentials of the role's account)"
}

// Unwrap returns IAM's error.
func (e *RoleNotFoundError) Unwrap() error { return e.Err }

// Is reports whether target is [ErrRoleNotFound].
func (e *RoleNotFoundError) Is(target error) bool { return target == ErrRoleNotFound }

// ErrorCode returns "role-not-found".
func (e *RoleNotFoundError) ErrorCode() errcode.Code { return errcode.RoleNotFound }

// InputError reports a builder or applier input that cannot be used.
type InputError struct {
	// Field names the option ("Regions", "Resources", "role", ...).
	Field string
	// Value is the offending input, or "" when Msg already names it.
	Value string
	// Msg says what is wrong and what to do.
	Msg string
	// Err is an underlying error, such as a region lookup error, or nil.
	Err error
}

// Error implements error.
func (e *InputError) Error() string {
	var b strings.Builder
	b.WriteString("iampolicy: ")
	b.WriteString(e.Field)
	if e.Value != "" {
		b.WriteString(" ")
		b.WriteString(quote.Input(e.Value))
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}

// Unwrap returns the underlying error.
func (e *InputError) Unwrap() error { return e.Err }

// Is reports whether target is [ErrInvalidInput].
func (e *InputError) Is(target error) bool { return target == ErrInvalidInput }

// ErrorCode returns the code of Err when it has one ("unsupported-region",
// "mixed-partitions"), else "invalid-input".
func (e *InputError) ErrorCode() errcode.Code {
	if c := errcode.Of(e.Err); c != "" && c != errcode.Unknown {
		return c
	}
	return errcode.InvalidInput
}

// mixedPartitions returns an input error for values from partitions a and b.
func mixedPartitions(field, value, a, b string) error {
	return &InputError{
		Field: field, Value: value,
		Msg: "partition " + b + " differs from " + a + " used elsewhere in the policy; one policy lives in one partition, so build one per partition",
		Err: ErrMixedPartitions,
	}
}
