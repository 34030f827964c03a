package mirror

import (
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/errcode"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/registry"
)

// Errors of [Mirror.Copy]. Input errors (the request itself is wrong: code
// invalid-input, invalid-repository, invalid-version, mixed-partitions,
// fips-unavailable, unsupported-region) are returned before any request is made;
// operation errors are in each [Result].
var (
	// ErrInvalidRequest is matched by errors for a request that cannot be run as given.
	ErrInvalidRequest error = errcode.New(errcode.InvalidInput, "invalid mirror request")
	// ErrInvalidDestination is matched by errors for a destination that is not a
	// repository (or a template in the wrong place).
	ErrInvalidDestination error = errcode.New(errcode.InvalidRepository, "invalid destination")
	// ErrUntrustedEndpoint is matched by the error for an ECR token from real AWS that
	// would go to an overridden registry URL without the caller's consent.
	ErrUntrustedEndpoint error = errcode.New(errcode.InvalidInput, "ECR token for an overridden registry endpoint")
	// ErrTagExists is matched by the error of a destination whose tag points at another
	// digest than the source's (code digest-mismatch): use [Request.Force] to move it.
	ErrTagExists error = errcode.New(errcode.DigestMismatch, "the destination tag points at another digest")
	// ErrVerify is matched by the error of a destination that --verify found
	// incomplete or different (code digest-mismatch).
	ErrVerify error = errcode.New(errcode.DigestMismatch, "verification failed")
)

// Registry sentinels, for errors.Is on a [Result]'s error: a refused credential, a
// missing manifest, an immutable tag, a digest mismatch, throttling on every attempt,
// an unreachable registry.
var (
	ErrUnauthorized   = registry.ErrUnauthorized
	ErrAccessDenied   = registry.ErrAccessDenied
	ErrNotFound       = registry.ErrNotFound
	ErrTagImmutable   = registry.ErrTagImmutable
	ErrDigestMismatch = registry.ErrDigestMismatch
	ErrRateLimited    = registry.ErrRateLimited
	ErrUnreachable    = registry.ErrUnreachable
	ErrTooLarge       = registry.ErrTooLarge
	ErrUnsupported    = registry.ErrUnsupported
)
