package appmeshenvoy

import "github.com/appmesh-envoy/appmesh-envoy-go/internal/errcode"

// Code is the stable, kebab-case code every error of this module carries, such as
// "parameter-not-found", "access-denied" or "throttled". Programs (and the CLI's JSON
// output, key "code") tell failures apart by it instead of by message text. [CodeOf]
// finds the code of any error; codes are never renamed, only added.
type Code = errcode.Code

// CodeOf returns the code of err: the code of the first error in its chain that carries
// one, [CodeTimeout] or [CodeCanceled] for context errors, "" for nil, and [CodeUnknown]
// for an error from outside the module. It works on the errors of every package of this
// module (region, iampolicy, appmeshenvoy/... included).
func CodeOf(err error) Code { return errcode.Of(err) }

// Error codes. Each names what went wrong; the message says where and what to do. Those
// for which [Code.Input] is true mean the caller's input is wrong (the CLI exits 2), the
// others that an operation failed (the CLI exits 1).
const (
	// CodeUnknown: every error of the module should carry one).
	CodeUnknown = errcode.Unknown
	// CodeCanceled: the caller's context was canceled.
	CodeCanceled = errcode.Canceled
	// CodeTimeout: a deadline (the caller's, or an operation's own) passed.
	CodeTimeout = errcode.Timeout
	// CodeNotInitialized: a zero value was used where a constructor's result is needed.
	CodeNotInitialized = errcode.NotInitialized
	// CodeInvalidInput: a builder's or an option's input is wrong.
	CodeInvalidInput = errcode.InvalidInput
	// CodeInvalidImage: not an image reference (or not one this operation takes).
	CodeInvalidImage = errcode.InvalidImage
	// CodeInvalidRegistryHost: not an ECR registry host.
	CodeInvalidRegistryHost = errcode.InvalidRegistryHost
	// CodeInvalidRepository: not an ECR repository URI or ARN.
	CodeInvalidRepository = errcode.InvalidRepository
	// CodeInvalidVersion: not an App Mesh Envoy image version.
	CodeInvalidVersion = errcode.InvalidVersion
	// CodeInvalidResource: not an App Mesh virtual node or virtual gateway.
	CodeInvalidResource = errcode.InvalidResource
	// CodeUnsupportedRegion: a region (or partition) the image is not published in.
	CodeUnsupportedRegion = errcode.UnsupportedRegion
	// CodeFIPSUnavailable: no FIPS image or endpoint where one was asked for.
	CodeFIPSUnavailable = errcode.FIPSUnavailable
	// CodeParameterNotFound: the public SSM parameter is gone from the region.
	CodeParameterNotFound = errcode.ParameterNotFound
	// CodeRegionNotEnabled: an opt-in region the account has not enabled.
	CodeRegionNotEnabled = errcode.RegionNotEnabled
	// CodeAccessDenied: the caller lacks an IAM permission.
	CodeAccessDenied = errcode.AccessDenied
	// CodeThrottled: AWS throttled every attempt.
	CodeThrottled = errcode.Throttled
	// CodeInvalidCredentials: AWS rejected the credentials.
	CodeInvalidCredentials = errcode.InvalidCredentials
	// CodeNoCredentials: no credentials could be loaded.
	CodeNoCredentials = errcode.NoCredentials
	// CodeServerError: AWS answered with a server error on every attempt.
	CodeServerError = errcode.ServerError
	// CodeEndpointUnreachable: the AWS endpoint could not be reached (network, DNS, proxy).
	CodeEndpointUnreachable = errcode.EndpointUnreachable
	// CodeAWSError: AWS refused the request for another reason (the message has AWS's code).
	CodeAWSError = errcode.AWSError
	// CodeResponseTooLarge: an endpoint answered with more bytes than any valid answer has.
	CodeResponseTooLarge = errcode.ResponseTooLarge
	// CodeUntrustedImage: a parameter value that is not an image of the region's own repository.
	CodeUntrustedImage = errcode.UntrustedImage
	// CodeLegacyAccount: an image from the retired registry account.
	CodeLegacyAccount = errcode.LegacyAccount
	// CodeImageNotFound: no image with that tag or digest (ECR's ImageNotFound, RepositoryNotFound).
	CodeImageNotFound = errcode.ImageNotFound
	// CodeDigestMismatch: a manifest that does not hash to its digest, or a tag that moved.
	CodeDigestMismatch = errcode.DigestMismatch
	// CodeMalformedToken: an ECR token answer that is not a usable token.
	CodeMalformedToken = errcode.MalformedToken
	// CodeUnauthorized: a registry refused the credential.
	CodeUnauthorized = errcode.Unauthorized
	// CodeManifestUnknown: a registry has no manifest for a tag or digest.
	CodeManifestUnknown = errcode.ManifestUnknown
	// CodeTagImmutable: a registry refused to move (or re-put) an immutable tag.
	CodeTagImmutable = errcode.TagImmutable
	// CodeRateLimited: a registry answered 429 on every attempt.
	CodeRateLimited = errcode.RateLimited
	// CodeRegistryUnreachable: a registry could not be reached.
	CodeRegistryUnreachable = errcode.RegistryUnreachable
	// CodeFallbackUsed: an answer came from a fallback source, not the SSM parameter.
	CodeFallbackUsed = errcode.FallbackUsed
	// CodeUnsupportedManifest: registry content that is not copied or read (a schema 1
	// manifest, an unknown media type, an index nested or wide beyond the bound).
	CodeUnsupportedManifest = errcode.UnsupportedManifest
	// CodeInvalidDockerConfig: an existing docker config file that is not a docker config.
	CodeInvalidDockerConfig = errcode.InvalidDockerConfig
	// CodeCredentialHelper: a docker credential helper program failed.
	CodeCredentialHelper = errcode.CredentialHelper
	// CodeFileError: a file could not be read, locked or written.
	CodeFileError = errcode.FileError
	// CodeInvalidConfig: an Envoy container configuration the agent would refuse.
	CodeInvalidConfig = errcode.InvalidConfig
	// CodeNotEnvironment: input that is not a list of NAME=value variables.
	CodeNotEnvironment = errcode.NotEnvironment
	// CodeInvalidPolicy: not a valid IAM policy document.
	CodeInvalidPolicy = errcode.InvalidPolicy
	// CodePolicyTooLarge: a policy over IAM's size limit.
	CodePolicyTooLarge = errcode.PolicyTooLarge
	// CodeMixedPartitions: one policy or one run naming more than one partition.
	CodeMixedPartitions = errcode.MixedPartitions
	// CodeRoleNotFound: the IAM role does not exist.
	CodeRoleNotFound = errcode.RoleNotFound
)
