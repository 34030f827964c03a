// Package appmeshenvoy finds, pins, pulls and configures the AWS App Mesh Envoy proxy image.
//
// # Which image
//
// A [Resolver] reads the public SSM parameter /aws/service/appmesh/envoy in each region and
// verifies the value against the region table of package region: the registry host,
// region and repository must be the region's own, and the account must be the one the
// table names (unless the caller opts in to trusting the parameter). [Resolver.Pin] adds
// the multi-arch manifest digest read with ecr:BatchGetImage. Results are cached per
// region (15 minutes by default), concurrent callers share one request, and each AWS call
// is retried by the SDK's standard retryer (8 attempts by default); see [ResolverOptions].
// With ResolverOptions.FIPS the resolver returns the "-prod-fips" images. Images can be
// re-targeted to mirrors ([Image.WithRepository], [Image.WithPullThroughCache],
// [Image.WithPublicGallery]), and [CompareDeployed] and [Resolver.Check] report how far a
// deployed image is from the latest.
//
// # Logging in
//
// A [TokenProvider] calls ecr:GetAuthorizationToken in the image's region and caches the
// token per region and caller identity. Package dockerconfig writes tokens into a docker
// config.json the way docker login does; package ecrkeychain hands them to
// go-containerregistry.
//
// The Envoy container's environment lives in package sidecar.
//
// # AWS end of support
//
// AWS ended support for App Mesh on 2026-09-30 and says that after that date the App Mesh
// console and App Mesh resources are no longer accessible
// (https://docs.aws.amazon.com/app-mesh/latest/userguide/what-is-app-mesh.html). Its public
// parameters, registries and images may go at any time while task definitions and pod
// specs still name them. Each of those becomes a typed error with a stable code — a
// missing parameter is [ErrParameterNotFound] (parameter-not-found), a removed image
// [ErrImageNotFound] (image-not-found) — that says to pin a version you run or use a copy
// in your own registry (package mirror).
//
// # Credentials
//
// Everything here takes an [github.com/aws/aws-sdk-go-v2/aws.Config]; load it with
// config.LoadDefaultConfig. Set aws.Config.BaseEndpoint to point every client at a local
// endpoint (see package appmeshenvoytest). Tests must use static credentials and
// AWS_EC2_METADATA_DISABLED=true so that the SDK never probes instance metadata.
package appmeshenvoy
