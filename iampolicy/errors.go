package iampolicy

import (
	"errors"
	"strings"

	"github.com/appmesh-envoy/appmesh-envoy-go/internal/quote"
)

// Sentinel errors, matched with [errors.Is].
var (
	// ErrInvalidPolicy is matched by every error about a policy document that is not
	// valid: [*ParseError] and [*ValidationError].
	ErrInvalidPolicy = errors.New("invalid policy")
	// ErrInvalidInput is matched by every error about a builder's options: bad region
	// codes, mixed partitions, malformed ARNs. See [*InputError].
	ErrInvalidInput = errors.New("invalid input")
	// ErrMixedPartitions is matched when one policy would name resources in more than one
	// partition ("aws" and "aws-cn"): one set of credentials, and so one policy, lives in
	// one partition. Build one policy per partition instead.
	ErrMixedPartitions = errors.New("mixed partitions")
	// ErrTooLarge is matched by a [*ValidationError] whose problems include a size limit.
	// Use the region-wildcard form of the builder's options or [Split].
	ErrTooLarge = errors.New("policy too large")
	// ErrRoleNotFound is matched when the role an [Applier] writes to does not exist.
	// The applier does not create roles: create the role first. See [*RoleNotFoundError].
	ErrRoleNotFound = errors.New("role not found")
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

// InputError reports a builder or applier input that cannot be used.
type InputError struct {
	// Field names the option ("Regions", "Resources", "role", ...).
	Field string
	// Value is the offending input, or "".
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

// mixedPartitions returns an input error for values from partitions a and b.
func mixedPartitions(field, value, a, b string) error {
	return &InputError{
		Field: field, Value: value,
		Msg: "partition " + b + " differs from " + a + " used elsewhere in the policy; one policy lives in one partition, so build one per partition",
		Err: ErrMixedPartitions,
	}
}
