// Package registry is the module's one client of the container registry API (the OCI
// distribution specification, https://github.com/opencontainers/distribution-spec/blob/main/spec.md):
// manifests, blobs, uploads, mounts and tag lists, for the mirror now and for the
// resolver's registry fallbacks later.
//
// It enforces the module's rules for registry traffic (DESIGN, "Registry traffic: who
// gets which credential"):
//
//   - A host's credentials go only to that host's endpoint: https, or plain http to a
//     loopback address (tests, the local endpoint of appmeshenvoytest). A bearer token
//     realm on another host gets no credentials.
//   - Redirects (ECR sends blob downloads to presigned S3 URLs) never carry the
//     Authorization header, never go from https to http, never to link-local addresses
//     (169.254.0.0/16, fe80::/10, fd00:ec2::254: instance metadata) and, from a registry
//     that is not on loopback, never to loopback; at most [DefaultMaxRedirects] hops.
//     No connection is ever dialed to a link-local address, whatever DNS answers.
//   - Sizes are bounded before reading: manifests [MaxManifestSize] (4 MiB, ECR's
//     limit), token answers [MaxTokenAnswer] (64 KiB), error bodies, tag-list pages and
//     their number; blobs are read to their descriptor's size and digest-verified.
//   - Every request has an idle timeout (no byte moved for [Options.IdleTimeout]) but no
//     overall deadline: a large copy is long by nature.
//   - 429 and 5xx answers are retried with backoff, honouring Retry-After.
//   - The debug log never shows Authorization values (Basic or Bearer), token answers
//     or the signature parts of presigned URLs.
//
// Hosts are the names references use ("111122223333.dkr.ecr.us-west-2.amazonaws.com",
// "127.0.0.1:5000"); an [Endpoint] says where a host's traffic goes: https://host by
// default, a loopback host over http, an override URL (--registry-endpoint HOST=URL),
// or, for AWS registry hosts, a local endpoint that serves every registry by path
// (<URL>/v2/<host>/<repository>/...). The path of an endpoint URL prefixes every
// repository name.
//
// The package does not import appmeshenvoy: credentials come from a go-containerregistry
// [authn.Keychain] (the ECR keychain, the docker config), and which hosts are AWS's is a
// function of [Options].
package registry
