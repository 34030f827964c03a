package mirror

import (
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/errcode"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/registry"
)

// Errors of [Copier.Copy]. Input errors (the request itself is wrong: code
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
	// ErrUnauthorized: a registry refused the credentials (code unauthorized).
	ErrUnauthorized = registry.ErrUnauthorized
	// ErrAccessDenied: the credentials lack a permission (code access-denied).
	ErrAccessDenied = registry.ErrAccessDenied
	// ErrNotFound: no such manifest or blob (code manifest-unknown).
	ErrNotFound = registry.ErrNotFound
	// ErrRepositoryNotFound: no such repository (code image-not-found); create it with
	// [Request.Create].
	ErrRepositoryNotFound = registry.ErrRepositoryNotFound
	// ErrTagImmutable: the repository refused to write an existing tag (code
	// tag-immutable).
	ErrTagImmutable = registry.ErrTagImmutable
	// ErrDigestMismatch: content that does not match its digest or size (code
	// digest-mismatch).
	ErrDigestMismatch = registry.ErrDigestMismatch
	// ErrRateLimited: 429 on every attempt (code rate-limited).
	ErrRateLimited = registry.ErrRateLimited
	// ErrUnreachable: a registry that could not be reached, or only by breaking the
	// traffic rules (code registry-unreachable).
	ErrUnreachable = registry.ErrUnreachable
	// ErrTooLarge: an answer larger than any valid one (code response-too-large).
	ErrTooLarge = registry.ErrTooLarge
	// ErrUnsupported: content that is not copied (code unsupported-manifest).
	ErrUnsupported = registry.ErrUnsupported
)
