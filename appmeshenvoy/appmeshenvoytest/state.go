package appmeshenvoytest

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

// DefaultTag is the image tag the server's parameters point at when it starts, in the
// current tag format.
const DefaultTag = "v1.29.12.0-prod"

// MediaTypeManifestList is the media type of the default manifest: a Docker manifest
// list (multi-architecture image).
const MediaTypeManifestList = "application/vnd.docker.distribution.manifest.list.v2+json"

// seedTime is the LastModifiedDate of the seeded parameters.
var seedTime = time.Date(2025, 3, 4, 18, 30, 0, 0, time.UTC)

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
	for _, r := range region.All() {
		s.regions[r.Code] = &regionState{param: &parameter{
			value:    r.RepositoryURI() + ":" + DefaultTag,
			version:  1,
			modified: seedTime,
		}}
	}
	s.password = randomPassword()
	s.tokenTTL = 12 * time.Hour
	s.manifest = defaultManifest()
	s.manifestMT = MediaTypeManifestList
	s.tags = map[string]bool{DefaultTag: true}
	s.iam = map[string]*iamAccount{}
}

func randomPassword() string {
	var b [36]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:]) // 48 bytes, under bcrypt's 72
}

func fakeDigest(seed string) string {
	sum := sha256.Sum256([]byte(seed))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// defaultManifest returns a realistic Docker manifest list for linux/amd64 and
// linux/arm64.
func defaultManifest() []byte {
	const tmpl = `{
   "schemaVersion": 2,
   "mediaType": "application/vnd.docker.distribution.manifest.list.v2+json",
   "manifests": [
      {
         "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
         "size": 2403,
         "digest": "%s",
         "platform": {
            "architecture": "amd64",
            "os": "linux"
         }
      },
      {
         "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
         "size": 2403,
         "digest": "%s",
         "platform": {
            "architecture": "arm64",
            "os": "linux",
            "variant": "v8"
         }
      }
   ]
}`
	return []byte(fmt.Sprintf(tmpl, fakeDigest("appmeshenvoytest amd64"), fakeDigest("appmeshenvoytest arm64")))
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
// regionCode (creating it if it was deleted) and increases its version. The tag of a
// value of the form "<host>/<repository>:<tag>" is then also served by ECR BatchGetImage.
func (s *Server) SetParameter(regionCode, value string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rs := s.regionLocked(regionCode)
	v := int64(1)
	if rs.param != nil {
		v = rs.param.version + 1
	}
	rs.param = &parameter{value: value, version: v, modified: s.now()}
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
// on. Keep it under 72 bytes if a bcrypt htpasswd file will check it.
func (s *Server) SetPassword(pw string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.password = pw
}

// Password returns the registry password ECR GetAuthorizationToken issues: the part
// after "AWS:" in the decoded authorizationToken. The default is random, 48 bytes.
func (s *Server) Password() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.password
}

// SetTokenTTL sets how long issued ECR tokens are valid (expiresAt = now + ttl). The
// default is 12 hours, as in ECR.
func (s *Server) SetTokenTTL(ttl time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokenTTL = ttl
}

// SetManifest sets the manifest BatchGetImage returns for every known tag, and its media
// type. The reported digest is the sha256 of exactly these bytes.
func (s *Server) SetManifest(manifest []byte, mediaType string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.manifest = append([]byte(nil), manifest...)
	s.manifestMT = mediaType
}

// Manifest returns the manifest BatchGetImage returns, its media type and its digest
// ("sha256:<hex>").
func (s *Server) Manifest() (manifest []byte, mediaType, digest string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]byte(nil), s.manifest...), s.manifestMT, digestOf(s.manifest)
}

// AddTag makes BatchGetImage serve the manifest under tag in every region, in addition
// to [DefaultTag] and the tag of each region's current parameter value.
func (s *Server) AddTag(tag string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tags[tag] = true
}

func digestOf(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// tagKnownLocked reports whether tag is served in regionCode.
func (s *Server) tagKnownLocked(regionCode, tag string) bool {
	if s.tags[tag] {
		return true
	}
	if rs := s.regions[regionCode]; rs != nil && rs.param != nil {
		v := rs.param.value
		if i := strings.LastIndex(v, ":"); i >= 0 && !strings.Contains(v[i:], "/") {
			return v[i+1:] == tag
		}
	}
	return false
}
