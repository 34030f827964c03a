// Package mirror copies the AWS App Mesh Envoy image into your own registries, exactly,
// so that deployments keep working when AWS's copies go away (AWS ended App Mesh support
// on 2026-09-30).
//
// [Mirror.Copy] reads the image of a region's AWS registry (or of the public gallery,
// public.ecr.aws/appmesh/aws-appmesh-envoy) by tag, or the region's latest when no tag
// is given, and writes it into every destination repository:
//
//   - Exact: the index and every manifest it references (attestation entries included,
//     nested indexes up to [MaxIndexDepth]) are written byte for byte, so each
//     destination digest equals the source digest. Schema 1 manifests are refused.
//     Blobs are streamed, never held in memory, read to their descriptor's size and
//     digest-verified; the source is read once for all destinations that need a blob.
//     Foreign layers are not copied and their URLs never followed.
//   - The tag is written last, after everything it references exists; an existing tag
//     is never written again: at the same digest the result is up-to-date, at another
//     digest it is an error naming both digests unless [Request.Force] moves it (ECR
//     refuses to move, or even re-put, a tag of a repository with immutable tags).
//   - Idempotent and resumable at blob granularity: blobs a destination holds are not
//     uploaded again, blobs are mounted between repositories of one registry (one ECR
//     account and region, never across accounts), and a second run that finds the tag
//     in place makes one request per destination and reports up-to-date.
//   - Destinations fail alone: each gets a [Result] with its own error code.
//
// ECR destinations get ECR tokens (an appmeshenvoy.TokenProvider); other registries the
// credentials of the docker config (go-containerregistry's default keychain). Registry
// traffic follows [Options.AWSRegistryEndpoint] (the local endpoint of appmeshenvoytest)
// and [Options.RegistryEndpoints] (one host to any URL) under the rules of DESIGN,
// "Registry traffic": credentials only to their host over https (plain http only on
// loopback), an ECR token from real AWS never to an overridden URL unless the ECR API is
// overridden too or [Options.TrustRegistryEndpoints] says so, redirects without
// credentials, never downgraded and never to link-local addresses, every answer
// bounded before it is read.
//
// Image signatures and referrers (the OCI referrers API) are not copied.
//
// The IAM permissions a mirror needs are what iampolicy.Mirror builds: pulls on the
// source, pushes plus read-back on the destinations, repository creation only when
// asked for.
package mirror
