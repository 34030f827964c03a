// Package appmeshenvoytest provides test doubles for code built on the appmeshenvoy
// package, in the spirit of net/http/httptest: fakes of the narrow AWS client
// interfaces the library uses, and a local AWS endpoint that speaks the real wire
// protocols so that the real aws-sdk-go-v2 clients (and the AWS CLI) work against it.
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
//     GetAuthorizationToken, BatchGetImage.
//   - IAM, Query protocol (form POST, XML answers, Version 2010-05-08): GetRole,
//     PutRolePolicy, GetRolePolicy, CreatePolicy, GetPolicy, CreatePolicyVersion,
//     ListPolicyVersions, DeletePolicyVersion, GetPolicyVersion, AttachRolePolicy,
//     ListAttachedRolePolicies.
//   - STS, Query protocol (Version 2011-06-15): GetCallerIdentity.
//
// The service is taken from the SigV4 credential scope of each request, and the region
// too, so one server plays every region: point a client at [Server.URL] through
// aws.Config.BaseEndpoint (or the AWS CLI's --endpoint-url) and choose the region as
// usual. Every request must be signed with SigV4 by a known key: by default the key
// [AccessKeyID] with secret [SecretAccessKey], which belongs to account [AccountID];
// [Server.AddCredentials] adds more identities. An unknown key is answered with
// UnrecognizedClientException (IAM and STS: InvalidClientTokenId) and a wrong signature
// with InvalidSignatureException (IAM and STS: SignatureDoesNotMatch), as AWS does. The
// signature must cover the body received (an X-Amz-Content-Sha256 header that claims
// another body fails; "UNSIGNED-PAYLOAD" is signed as that literal), and its X-Amz-Date
// must be within 15 minutes of the server's real clock, else the answer is the same
// error with AWS's "Signature expired" message, which the SDK's clock-skew correction
// recognizes. Only the Authorization header form of SigV4 is implemented; a presigned
// (query-string) request is refused.
//
// Anything the server does not implement — another operation, another Content-Type,
// another protocol (for example a future SDK switching SSM to CBOR) — is refused with
// HTTP 400 and a message that names what was refused; [Server.Refusals] lists them, so a
// test fails loudly instead of passing by accident.
//
// The server starts with a realistic state: in every region of region.All the public
// parameter region.ParameterName holds that region's repository URI with tag
// [DefaultTag], and ECR serves a multi-arch manifest list under that tag. Tests change
// the state per region ([Server.SetParameter], [Server.DeleteParameter],
// [Server.SetRegionEnabled], ...), inject faults per operation and region
// ([Server.SetLatency], [Server.FailNext], [Server.SetFailureRate],
// [Server.SetFailureRates] for several fault kinds mixed at seeded rates, [Server.Stall])
// and count requests ([Server.Requests], [Server.Connections]).
//
// The server only ever listens on the address it is given (127.0.0.1 by default) and
// never calls out. It is for tests and demos; it does not implement authorization.
package appmeshenvoytest
