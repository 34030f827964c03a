// Package rewrite points the AWS App Mesh Envoy images of Kubernetes manifests and
// Amazon ECS task definitions at a mirror — a copy in a registry of your own — pinned by
// the digest read from that mirror.
//
// Only the bytes of each Envoy image value change: the value is located through the
// parsed document and replaced in the source, so YAML comments, anchors, key order,
// quoting and formatting stay, and strings that merely look like the reference
// elsewhere (annotations, environment values) are never touched. A task definition is
// returned ready for "aws ecs register-task-definition --cli-input-json" (read-only
// fields dropped). The digest is never guessed: [Pinner] reads it from the mirror, and a
// mirror without the image is an error that names it. *appmeshenvoy.Resolver is the
// Pinner for ECR mirrors (ecr:BatchGetImage on the mirror repository); other registries
// plug in a [PinFunc].
//
// Which containers are Envoy containers is decided by their image repository (see
// inventory.Matcher), as in package inventory.
package rewrite
