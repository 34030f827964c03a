// Package appmeshenvoy is the AWS App Mesh Envoy image: its references ([Image],
// [Registry], [Repository], [Version]), the latest one of each region as the public SSM
// parameter /aws/service/appmesh/envoy names it ([Resolver]) or, once the parameter is
// gone, as a fallback finds it ([Fallback]: your repository, the public gallery, the
// final release), its digest ([Resolver.Pin]), how far a deployed one is behind
// ([CompareDeployed]), a pull-through cache of it in your registry
// ([CreatePullThroughCache]), and the ECR credential that pulls it ([TokenProvider]).
//
// A [Resolver] verifies every parameter value against the region table of package region
// (the trust model): the registry host, region and repository must be the region's own,
// and the account the one the table names, unless the caller opts in to trusting the
// parameter (the [Result] then carries a warning). Results are cached per region (15
// minutes by default), concurrent callers share one request, and each AWS call is retried
// by the SDK's standard retryer (8 attempts by default); see [ResolverOptions]. Many
// regions at once: [Resolver.LatestAll] and [Resolver.PinAll].
//
// A [TokenProvider] calls ecr:GetAuthorizationToken in the registry's region (for the
// public gallery, ecr-public:GetAuthorizationToken in us-east-1) and caches the token per
// region and caller identity; tokens never print ([Secret]). Package dockerconfig
// writes them into a docker config.json, package ecrkeychain hands them to
// go-containerregistry, and package sidecar configures the Envoy container.
//
// # Errors
//
// Every error of this module carries a stable kebab-case [Code] (see [CodeOf]), and the
// sentinels here ([ErrParameterNotFound], [ErrAccessDenied], ...) match with errors.Is.
// AWS ended support for App Mesh on 2026-09-30 and says that after that date the App Mesh
// console and App Mesh resources are no longer accessible
// (https://docs.aws.amazon.com/app-mesh/latest/userguide/what-is-app-mesh.html). Its public
// parameters, registries and images may go at any time while task definitions and pod
// specs still name them: a missing parameter is [ErrParameterNotFound]
// (parameter-not-found), a removed image [ErrImageNotFound] (image-not-found), each saying
// to pin a version you run or use a copy in your own registry. [FinalRelease] is the last
// release AWS published.
//
// # Credentials
//
// Everything here takes an [github.com/aws/aws-sdk-go-v2/aws.Config]; load it with
// config.LoadDefaultConfig. Set aws.Config.BaseEndpoint to point every client at a local
// endpoint (see package appmeshenvoytest). Tests must use static credentials and
// AWS_EC2_METADATA_DISABLED=true so that the SDK never probes instance metadata.
package appmeshenvoy
