// Package inventory finds what still runs the AWS App Mesh Envoy image, and where it
// pulls it from: the Envoy containers of Amazon ECS services across accounts and regions
// ([Scanner.ECS]) and of Kubernetes manifests ([Kubernetes]), each with verdicts a
// pipeline can act on ([Verdict]: at-risk, below-minimum, older, unknown-version,
// unpinned, ok).
//
// A container counts as Envoy by its image repository — aws-appmesh-envoy in AWS's
// registries, the public gallery, a pull-through cache or a mirror that keeps the name,
// or a mirror named in [Matcher] — never by the container's name.
//
// AWS ended support for App Mesh on 2026-09-30 ("After September 30, 2026, you will no
// longer be able to access the AWS App Mesh console or AWS App Mesh resources", AWS App
// Mesh User Guide, https://docs.aws.amazon.com/app-mesh/latest/userguide/what-is-app-mesh.html);
// images in AWS's registries may go at any time, which is what the at-risk verdict is
// about. Versions are compared with the latest image of each region (the public SSM
// parameter /aws/service/appmesh/envoy) or, where it is gone, with the final release
// (appmeshenvoy.FinalRelease).
//
// The ECS scan calls only read operations — ecs:ListClusters, ecs:ListServices,
// ecs:DescribeServices, ecs:DescribeTaskDefinition — plus sts:AssumeRole for the roles
// it is given and ssm:GetParameter once per region; iampolicy.Inventory builds that
// policy. The Amazon ECS API Reference describes the operations:
// https://docs.aws.amazon.com/AmazonECS/latest/APIReference/.
package inventory
