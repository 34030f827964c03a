// Package appmeshenvoytest provides test doubles for code built on the appmeshenvoy
// package, in the spirit of net/http/httptest: fakes of the narrow AWS client
// interfaces the library uses, and a local AWS endpoint that speaks the real wire
// protocols so that the real aws-sdk-go-v2 clients, the AWS CLI and real registry
// clients (skopeo, crane, go-containerregistry) work against it.
//
// # Fakes
//
// [SSM], [ECR], [IAM] and [STS] are function-field fakes: set the XxxFunc field of an
// operation to decide its answer, then read the recorded calls with [SSM.Calls] and the
// typed accessors. They are safe for concurrent use.
//
// # Server
//
// [NewServer] starts an HTTP server on 127.0.0.1 (a random port unless [WithAddr] is
// given) that answers these operations:
//
//   - SSM, JSON 1.1 protocol (X-Amz-Target AmazonSSM.*): GetParameter, GetParameters.
//   - ECR, JSON 1.1 protocol (X-Amz-Target AmazonEC2ContainerRegistry_V20150921.*):
//     GetAuthorizationToken, BatchGetImage, DescribeImages, ListImages,
//     CreateRepository, DescribeRepositories, CreatePullThroughCacheRule and
//     DescribePullThroughCacheRules (upstream ECR Public only; see "Pull-through
//     cache" below).
//   - ECR Public, JSON 1.1 protocol (signing name ecr-public, X-Amz-Target
//     SpencerFrontendService.*), in us-east-1 only: GetAuthorizationToken. It records
//     sts:GetServiceBearerToken too, the permission AWS checks with it.
//   - IAM, Query protocol (form POST, XML answers, Version 2010-05-08): GetRole,
//     PutRolePolicy, GetRolePolicy, CreatePolicy, GetPolicy, CreatePolicyVersion,
//     ListPolicyVersions, DeletePolicyVersion, GetPolicyVersion, AttachRolePolicy,
//     ListAttachedRolePolicies.
//   - ECS, JSON 1.1 protocol (X-Amz-Target AmazonEC2ContainerServiceV20141113.*): the
//     read operations of an inventory — ListClusters, ListServices (pages of ECS's
//     sizes, with nextToken), DescribeServices, DescribeTaskDefinition — over data a
//     test loads with [Server.SeedECS] (or [Server.RegisterTaskDefinition],
//     [Server.CreateCluster], [Server.PutService]) in any account and region.
//   - STS, Query protocol (Version 2011-06-15): GetCallerIdentity, and AssumeRole for
//     roles that exist in their account: the temporary credentials sign as the role, so
//     later calls see that account's data and are recorded under the assumed-role ARN.
//   - The container registry API of every ECR registry (see "Registries" below).
//
// The service is taken from the SigV4 credential scope of each request, and the region
// too, so one server plays every region: point a client at [Server.URL] through
// aws.Config.BaseEndpoint (or the AWS CLI's --endpoint-url) and choose the region as
// usual. Every request must be signed with SigV4 by a known key: by default the key
// [AccessKeyID] with secret [SecretAccessKey], which belongs to account [AccountID];
// [Server.AddCredentials] adds more identities. An unknown key is answered with
// UnrecognizedClientException (IAM and STS: InvalidClientTokenId) and a wrong signature
// with InvalidSignatureException (IAM and STS: SignatureDoesNotMatch), as AWS does.
//
// The server's own SigV4 rules, stricter than some AWS services: the signature must
// cover the body received (an X-Amz-Content-Sha256 header that claims another body
// fails), and "UNSIGNED-PAYLOAD" is refused for the services it serves; "host" and
// "x-amz-date" must both be signed headers (else IncompleteSignatureException); the
// signing time is X-Amz-Date, which must be within 15 minutes of the server's real
// clock, else the answer is the bad-signature error with AWS's "Signature expired"
// message, which the SDK's clock-skew correction recognizes. Only the Authorization
// header form of SigV4 is implemented; a presigned (query-string) request is refused.
//
// Anything the server does not implement — another operation, another Content-Type,
// another protocol (for example a future SDK switching SSM to CBOR), a registry path or
// host it does not know — is refused with HTTP 400 (registry: 404 or 405) and a message
// that names what was refused; [Server.Refusals] lists them, so a test fails loudly
// instead of passing by accident.
//
// # Initial state
//
// In every region of region.All the public parameter region.ParameterName holds that
// region's repository URI with tag [DefaultTag], v1.39.1.0-prod, the final App Mesh
// Envoy release. The repository aws-appmesh-envoy of the region's account holds that
// tag as a real multi-architecture image: a Docker manifest list
// ([MediaTypeManifestList], the type ECR serves for this image) of linux/amd64 and
// linux/arm64 images, each with a config blob and three small gzip tar layers of
// placeholder files (not the real Envoy binaries). Every byte is deterministic, so the
// digests are the same on every run and machine. In the regions with FIPS images
// (region.Region.FIPS) the repository also holds DefaultTag + "-fips", a different
// image: that the final release has a -prod-fips tag is an assumption of this package
// (AWS announced v1.39.1.0 in App Mesh roadmap issue #513 without confirming a FIPS variant). The public gallery repository
// public.ecr.aws/appmesh/aws-appmesh-envoy holds the same tags with the same digests.
//
// Tests change the state per region ([Server.SetParameter], [Server.DeleteParameter],
// [Server.SetRegionEnabled]), the images ([Server.SetManifest], [Server.AddTag],
// [Server.DeleteTag], [Server.DeleteRepository] — "AWS removed the image" —,
// [Server.CreateRepository], [Server.PushImage]), inject faults per operation and
// region ([Server.SetLatency], [Server.FailNext], [Server.SetFailureRate],
// [Server.SetFailureRates] for several fault kinds mixed at seeded rates,
// [Server.Stall], [Server.SetGalleryRateLimit]), count requests ([Server.Requests],
// [Server.Connections]) and read the IAM actions the server authorized
// ([Server.Operations]).
//
// # Registries
//
// The server is also the container registry of every ECR registry host, addressed by
// path: the repository name a client uses begins with the registry host, so
// 127.0.0.1:PORT/840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:TAG
// is that image for any registry client, and one address serves every account and
// region. The hosts it knows are every well-formed ECR private host
// (<12 digits>.dkr.ecr.<region>.<DNS suffix of the region's partition>) and
// public.ecr.aws. FIPS (dkr.ecr-fips) and dual-stack (dkr-ecr ... on.aws) hosts are
// other endpoints of the same registry, as in ECR: they are mapped to the standard host
// where that endpoint exists (FIPS: us-east-1, us-east-2, us-west-1, us-west-2 and
// GovCloud; dual-stack: partitions with a dual-stack suffix) and refused elsewhere;
// ecr-public.aws.com maps to public.ecr.aws.
//
// It implements the OCI distribution spec's pull, push and tag-list endpoints: manifests
// by tag or digest (GET, HEAD, PUT, DELETE), blobs (GET, HEAD; DELETE answers 405 as in
// ECR), uploads (POST, monolithic PUT, chunked PATCH then PUT, status, cancel), blob
// mounts (?mount=&from=, only from a repository of the same registry with the same
// encryption, as ECR's blob mounting), and tag lists with n, last and a Link header.
// Repositories are not created by a push: ECR refuses one into a repository that does
// not exist (NAME_UNKNOWN), and so does the server; create them with ECR
// CreateRepository or [Server.CreateRepository]. A caller may write only into its own
// account's registry; the public gallery is read-only.
//
// Credentials are ECR's: a private registry takes HTTP Basic "AWS:<password>" with a
// password that GetAuthorizationToken issued in the registry's region and that has not
// expired ([Server.SetTokenTTL], on the server's clock); otherwise it answers 401 with
// `WWW-Authenticate: Basic realm="https://<host>/",service="ecr.amazonaws.com"` and an
// error body with code DENIED. The public gallery runs the anonymous Bearer flow: 401
// with `Bearer realm="<server URL>/token/",service="public.ecr.aws",scope="aws"`, and the
// token endpoint hands a token to anyone, and to a client that sends the Basic
// credentials of an ECR Public token ("AWS" and the password of ECR Public's
// GetAuthorizationToken, until it expires; [Server.GalleryLogins] counts them); other
// credentials are refused there. GET /v2/ answers with a Basic challenge, so a
// client that picks its scheme from that ping (go-containerregistry, skopeo) pulls from
// the gallery by fetching a token first and sending it as a registry token.
//
// Blob downloads are redirected, as ECR redirects them to S3: GET of a blob answers 307
// to a presigned-looking URL under /_storage/ on the other loopback host name
// ("localhost" for "127.0.0.1"), which serves the bytes and refuses (400, recorded as a
// refusal) any request that carries an Authorization header, and (403) a URL whose
// signature is forged or whose X-Amz-Expires has passed. A client that forwards the
// registry credential on redirects therefore fails, as it should.
//
// One store is behind both APIs: BatchGetImage, DescribeImages, ListImages and the
// registry API read the same repositories, and pushes through either are seen by both.
// Blobs belong to repositories: a blob pushed to one repository is not readable from
// another unless pushed or mounted there. Tag immutability is ECR's: in an IMMUTABLE
// repository a push of an existing tag is refused, even at the same digest, with
// TAG_INVALID.
//
// Every registry request is counted and fault-injected under the IAM action ECR
// authorizes it with, in the registry's region: manifest GET and HEAD
// ecr:BatchGetImage, manifest PUT ecr:PutImage, manifest DELETE ecr:BatchDeleteImage,
// blob GET ecr:GetDownloadUrlForLayer, blob HEAD ecr:BatchCheckLayerAvailability,
// upload POST ecr:InitiateLayerUpload (plus ecr:GetDownloadUrlForLayer on the source
// of a mount), PATCH, status and cancel ecr:UploadLayerPart, PUT
// ecr:CompleteLayerUpload, tag list ecr:ListImages. Gallery requests count as
// "ecr-public:<action>" in us-east-1.
//
// # Pull-through cache
//
// A pull-through cache rule ([Server.AddCacheRule], or CreatePullThroughCacheRule) with
// prefix P in a registry makes a manifest pull of "<registry>/P/<repository>:<tag>"
// import the image from the gallery's <repository> when the cache does not hold the tag,
// as ECR does: the first pull creates the repository (default settings) and is recorded
// as ecr:CreateRepository, every import as ecr:BatchImportUpstreamImage, both on the
// cached repository's ARN for the pulling principal. Until then the cache repository
// does not exist, and its tags are only those pulled.
//
// # Limits
//
// The server keeps no state for requests it refuses before authentication: requests
// with bad credentials are counted only in regions it knows, and the refusal log keeps
// the last 100 entries of at most 200 bytes. Before the caller is known it reads at
// most 16 KiB of a body (a larger Content-Length is refused unread); AWS API bodies may
// be 2 MiB, manifests 4 MiB, and a blob upload 512 MiB ([WithMaxUploadSize]), streamed
// to a temporary file. Headers must arrive within 10 seconds and each part of a body
// within 30 seconds of the last, else the connection is closed; idle keep-alive
// connections are closed after 2 minutes ([WithTimeouts]).
//
// The server only ever listens on the address it is given (127.0.0.1 by default) and
// never calls out. It is for tests and demos; it does not evaluate IAM policies.
package appmeshenvoytest
