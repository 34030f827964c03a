package appmeshenvoytest

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"strings"
	"sync"
	"time"

	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

// DefaultTag is the image tag the server's parameters point at when it starts, in the
// current tag format: the final App Mesh Envoy release, v1.39.1.0 (2026-09-09,
// github.com/aws/aws-app-mesh-roadmap/issues/513). Every region's Envoy repository and
// the public gallery hold it, and the FIPS-image regions also hold DefaultTag + "-fips".
const DefaultTag = "v1.39.1.0-prod"

// MediaTypeManifestList is the media type of the seeded Envoy images: a Docker manifest
// list (multi-architecture image), as ECR serves the App Mesh Envoy image.
const MediaTypeManifestList = "application/vnd.docker.distribution.manifest.list.v2+json"

// seedTime is when the seeded images were pushed and the seeded parameters last
// modified: the release of DefaultTag (2026-09-09).
var seedTime = time.Date(2026, 9, 9, 17, 0, 0, 0, time.UTC)

type regionState struct {
	param    *parameter // nil: deleted
	disabled bool
}

type parameter struct {
	value    string
	version  int64
	modified time.Time
}

// seed sets the default state. It runs before the server is shared.
func (s *Server) seed() {
	s.regions = map[string]*regionState{}
	s.registries = map[string]*registryState{}
	s.blobs = map[string]*blobData{}
	s.grants = map[string]map[string]tokenGrant{}
	s.publicGrants = map[string]tokenGrant{}
	s.cacheRules = map[string]map[string]*cacheRule{}
	s.uploads = map[string]*upload{}
	s.iam = map[string]*iamAccount{}
	s.password = randomPassword()
	s.tokenTTL = 12 * time.Hour

	envoy, fips := seededImages()
	for _, r := range region.All() {
		s.regions[r.Code] = &regionState{param: &parameter{
			value:    r.RepositoryURI() + ":" + DefaultTag,
			version:  1,
			modified: seedTime,
		}}
		key := registryKeyFor(r.Account, r.Code)
		s.seedEnvoyLocked(key, region.RepositoryName, envoy, fips, r.FIPS)
	}
	gallery, _ := parseRegistryHost(galleryHost)
	s.seedEnvoyLocked(gallery, galleryRepository, envoy, fips, true)
	s.envoyManifest, s.envoyMediaType = envoy.manifest, envoy.mediaType
}

// seedEnvoyLocked creates the Envoy repository name in the registry of key with the
// Envoy image under DefaultTag and, with withFIPS, the FIPS image under DefaultTag-fips.
func (s *Server) seedEnvoyLocked(key registryKey, name string, envoy, fips builtImage, withFIPS bool) {
	repo := newRepository(key, name, seedTime)
	s.registryLocked(key).repos[name] = repo
	s.envoyRepos = append(s.envoyRepos, repoRef{key, name})
	s.storeBuiltLocked(repo, envoy, DefaultTag, seedTime)
	if withFIPS {
		s.storeBuiltLocked(repo, fips, DefaultTag+"-fips", seedTime)
	}
}

// seededImages returns the Envoy image and its FIPS variant, built once per process:
// their bytes never change.
var seededImages = sync.OnceValues(func() (builtImage, builtImage) {
	return buildEnvoyImage(false), buildEnvoyImage(true)
})

// repoRef names a repository of the store.
type repoRef struct {
	key  registryKey
	name string
}

func randomPassword() string {
	var b [36]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:]) // 48 bytes, under bcrypt's 72
}

func (s *Server) regionLocked(code string) *regionState {
	rs := s.regions[code]
	if rs == nil {
		rs = &regionState{}
		s.regions[code] = rs
	}
	return rs
}

// SetParameter sets the value of the public parameter region.ParameterName in
// regionCode (creating it if it was deleted) and increases its version. When the value
// is "<registry host>/<repository>:<tag>" for a repository the server holds and the tag
// is not there yet, the tag is added to the image DefaultTag points at (DefaultTag-fips
// for a "-fips" tag), as AWS publishes an image before pointing the parameter at it;
// use [Server.DeleteTag] afterwards for a parameter that names a missing image.
func (s *Server) SetParameter(regionCode, value string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rs := s.regionLocked(regionCode)
	v := int64(1)
	if rs.param != nil {
		v = rs.param.version + 1
	}
	rs.param = &parameter{value: value, version: v, modified: s.now()}
	s.publishTagLocked(value)
}

// publishTagLocked adds the tag of an image reference to the repository it names (see
// [Server.SetParameter]).
func (s *Server) publishTagLocked(ref string) {
	i := strings.LastIndexByte(ref, ':')
	if i < 0 || strings.Contains(ref[i:], "/") || len(ref) > 1024 {
		return
	}
	tag := ref[i+1:]
	key, name, err := splitRepository(ref[:i])
	if err != nil || !tagPattern().MatchString(tag) {
		return
	}
	repo := s.repositoryLocked(key, name)
	if repo == nil {
		return
	}
	if _, ok := repo.tags[tag]; ok {
		return
	}
	from := DefaultTag
	if strings.HasSuffix(tag, "-fips") {
		from += "-fips"
	}
	if d, ok := repo.tags[from]; ok {
		repo.tags[tag] = d
	}
}

// DeleteParameter removes the public parameter in regionCode: GetParameter answers
// ParameterNotFound there, as when App Mesh is unavailable in a region.
func (s *Server) DeleteParameter(regionCode string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.regionLocked(regionCode).param = nil
}

// Parameter returns the value of the public parameter in regionCode and whether it
// exists.
func (s *Server) Parameter(regionCode string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rs := s.regions[regionCode]
	if rs == nil || rs.param == nil {
		return "", false
	}
	return rs.param.value, true
}

// SetRegionEnabled enables or disables regionCode for every identity. A disabled
// region answers every request with UnrecognizedClientException ("The security token
// included in the request is invalid"; IAM and STS: InvalidClientTokenId), as AWS does
// in an opt-in region the account has not enabled. Every region starts enabled.
func (s *Server) SetRegionEnabled(regionCode string, enabled bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.regionLocked(regionCode).disabled = !enabled
}

// SetPassword sets the registry password that ECR GetAuthorizationToken issues from now
// on. Passwords issued before stay valid for the registry API until they expire. Keep
// it under 72 bytes if a bcrypt htpasswd file will check it.
func (s *Server) SetPassword(pw string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.password = pw
}

// Password returns the registry password ECR GetAuthorizationToken issues: the part
// after "AWS:" in the decoded authorizationToken. The default is random, 48 bytes. The
// registry API accepts it (user "AWS") only for registries of a region where
// GetAuthorizationToken issued it, until it expires (see [Server.SetTokenTTL]).
func (s *Server) Password() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.password
}

// SetTokenTTL sets how long issued ECR tokens are valid (expiresAt = now + ttl, on the
// clock of [WithClock]), and gallery tokens from the token endpoint too. The default is
// 12 hours, as in ECR. The registry API answers 401 to a token past its expiry.
func (s *Server) SetTokenTTL(ttl time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokenTTL = ttl
}

// SetManifest replaces the image of every tag of every seeded Envoy repository (every
// region's and the public gallery's, DefaultTag-fips included) with manifest, of media
// type mediaType: BatchGetImage, DescribeImages and the registry API then serve it
// under each of those tags. The digest is the sha256 of exactly these bytes. The blobs
// or child manifests it references are not required to exist (a registry client that
// follows them gets BLOB_UNKNOWN or MANIFEST_UNKNOWN).
func (s *Server) SetManifest(manifest []byte, mediaType string) {
	body := append([]byte(nil), manifest...)
	var m manifestJSON
	_ = json.Unmarshal(body, &m)
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for _, ref := range s.envoyRepos {
		repo := s.repositoryLocked(ref.key, ref.name)
		if repo == nil {
			continue
		}
		img := newImageLocked(repo, body, mediaType, m, now)
		for tag := range repo.tags {
			_ = putImageLocked(repo, img, tag, false)
		}
	}
	s.envoyManifest, s.envoyMediaType = body, mediaType
}

// Manifest returns the Envoy manifest the server holds — the seeded manifest list of
// DefaultTag until [Server.SetManifest] replaces it — with its media type and digest
// ("sha256:<hex>").
func (s *Server) Manifest() (manifest []byte, mediaType, digest string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]byte(nil), s.envoyManifest...), s.envoyMediaType, digestOf(s.envoyManifest)
}

// AddTag adds tag, pointing at the image DefaultTag points at, to the Envoy repository
// of every region and of the public gallery (where DefaultTag is still there).
func (s *Server) AddTag(tag string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ref := range s.envoyRepos {
		if repo := s.repositoryLocked(ref.key, ref.name); repo != nil {
			if d, ok := repo.tags[DefaultTag]; ok {
				repo.tags[tag] = d
			}
		}
	}
}

func digestOf(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}
