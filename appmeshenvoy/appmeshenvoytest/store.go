package appmeshenvoytest

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/arn"

	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

// The store behind both the ECR JSON operations and the registry API: registries by
// canonical host, repositories in them, images (manifests and indexes) and blob
// membership per repository, and the blob contents, shared by digest.

// Errors of the Go-level store methods ([Server.CreateRepository] and others).
var (
	// ErrRepositoryNotFound is returned for a repository that does not exist.
	ErrRepositoryNotFound = errors.New("appmeshenvoytest: repository not found")
	// ErrRepositoryExists is returned by [Server.CreateRepository] for a repository
	// that already exists.
	ErrRepositoryExists = errors.New("appmeshenvoytest: repository already exists")
	// ErrImageNotFound is returned for a tag or digest a repository does not hold.
	ErrImageNotFound = errors.New("appmeshenvoytest: image not found")
)

const (
	// galleryHost is the ECR Public Gallery registry host.
	galleryHost = "public.ecr.aws"
	// galleryRegion is the region ECR Public lives in.
	galleryRegion = "us-east-1"
	// galleryRepository is the Envoy repository in the gallery (alias "appmesh").
	galleryRepository = "appmesh/" + region.RepositoryName
	// maxManifestSize is the largest manifest ECR accepts.
	maxManifestSize = 4 << 20
)

var (
	ecrHostPattern = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^([0-9]{12})\.(dkr\.ecr|dkr\.ecr-fips|dkr-ecr|dkr-ecr-fips)\.([a-z]+(?:-[a-z]+)*-[0-9]+)\.([a-z0-9.-]+)$`)
	})
	// repositoryNamePattern is ECR's repository name pattern (API reference,
	// CreateRepository repositoryName).
	repositoryNamePattern = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$`)
	})
	// tagPattern is the tag grammar of the OCI distribution spec ("Pulling manifests").
	tagPattern = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$`)
	})
	digestPattern = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^sha256:[a-f0-9]{64}$`)
	})
)

// registryKey identifies one registry: an account's private registry in one region,
// or the public gallery.
type registryKey struct {
	host      string // canonical host, such as "840364872350.dkr.ecr.us-west-2.amazonaws.com"
	account   string // "" for the gallery
	region    string
	partition string
	public    bool
}

// repositoryARN returns the ARN of repository name in the registry.
func (k registryKey) repositoryARN(name string) string {
	if k.public {
		return arn.ARN{Partition: "aws", Service: "ecr-public", Resource: "repository/" + name}.String()
	}
	return arn.ARN{Partition: k.partition, Service: "ecr", Region: k.region, AccountID: k.account, Resource: "repository/" + name}.String()
}

// registryKeyFor returns the key of account's private registry in regionCode.
func registryKeyFor(account, regionCode string) registryKey {
	p, ok := region.PartitionOf(regionCode)
	if !ok {
		p = region.Partition{ID: region.PartitionAWS, DNSSuffix: "amazonaws.com"}
	}
	return registryKey{host: account + ".dkr.ecr." + regionCode + "." + p.DNSSuffix, account: account, region: regionCode, partition: p.ID}
}

// registryKey returns the registry a JSON request names by its registryId in the
// call's region: the caller's own registry when the request names none.
func (c *call) registryKey(registryID string) registryKey {
	if registryID == "" {
		registryID = c.account
	}
	return registryKeyFor(registryID, c.region)
}

// parseRegistryHost parses a registry host as a client addresses it. FIPS
// ("dkr.ecr-fips") and dual-stack ("dkr-ecr", "dkr-ecr-fips") hosts are other endpoints
// of the same registry, as in ECR: they map to the standard host, where the endpoint
// exists (FIPS: region.ECRFIPS; dual-stack: a partition with a dual-stack DNS suffix). "ecr-public.aws.com" (the gallery's dual-stack name) maps to public.ecr.aws.
func parseRegistryHost(h string) (registryKey, error) {
	switch h {
	case galleryHost, "ecr-public.aws.com":
		return registryKey{host: galleryHost, region: galleryRegion, partition: region.PartitionAWS, public: true}, nil
	}
	m := ecrHostPattern().FindStringSubmatch(h)
	if m == nil {
		return registryKey{}, fmt.Errorf("registry host %s is not an ECR registry host (<12 digits>.dkr.ecr.<region>.<DNS suffix>, or public.ecr.aws)", quoteClient(h))
	}
	_, form, code, suffix := m[1], m[2], m[3], m[4]
	account := m[1]
	// The partition comes from the DNS suffix, as in appmeshenvoy.ParseRegistryHost.
	if _, _, ok := region.PartitionOfHost(code, suffix); !ok {
		return registryKey{}, fmt.Errorf("registry host %s: region %s does not belong under the DNS suffix %s", quoteClient(h), quoteClient(code), quoteClient(suffix))
	}
	if strings.HasSuffix(form, "-fips") && !region.ECRFIPS(code) {
		return registryKey{}, fmt.Errorf("registry host %s: %s has no ECR FIPS endpoint", quoteClient(h), code)
	}
	return registryKeyFor(account, code), nil
}

// validRepositoryName reports whether name is an ECR repository name.
func validRepositoryName(name string) bool {
	return len(name) >= 2 && len(name) <= 256 && repositoryNamePattern().MatchString(name)
}

// splitRepository splits "<registry host>/<repository name>".
func splitRepository(repository string) (registryKey, string, error) {
	host, name, ok := strings.Cut(repository, "/")
	if !ok {
		return registryKey{}, "", fmt.Errorf("appmeshenvoytest: repository %s: want <registry host>/<name>", quoteClient(repository))
	}
	key, err := parseRegistryHost(host)
	if err != nil {
		return registryKey{}, "", fmt.Errorf("appmeshenvoytest: %w", err)
	}
	if !validRepositoryName(name) {
		return registryKey{}, "", fmt.Errorf("appmeshenvoytest: repository name %s is not a valid ECR repository name", quoteClient(name))
	}
	return key, name, nil
}

// blobData is the content of one blob, kept once however many repositories hold it.
type blobData struct {
	size int64
	data []byte // in memory, or
	path string // a file in the server's blob directory
}

// image is one manifest or index in a repository.
type image struct {
	digest    string
	mediaType string
	body      []byte
	pushedAt  time.Time
	size      int64  // imageSizeInBytes
	artifact  string // artifactMediaType: the config's media type
	parsed    manifestJSON
}

// ecrTag is a resource tag of a repository.
type ecrTag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

// repository is one repository of a registry.
type repository struct {
	name       string
	arn        string
	created    time.Time
	immutable  bool
	encryption string // "AES256" or "KMS"
	kmsKey     string
	scanOnPush bool
	tags       map[string]string // tag → digest
	images     map[string]*image // digest → image
	blobs      map[string]bool   // digests this repository holds
	resTags    []ecrTag
}

func newRepository(key registryKey, name string, created time.Time) *repository {
	return &repository{name: name, arn: key.repositoryARN(name), created: created, encryption: "AES256",
		tags: map[string]string{}, images: map[string]*image{}, blobs: map[string]bool{}}
}

// tagsOf returns the tags that point at digest, sorted.
func (r *repository) tagsOf(digest string) []string {
	var out []string
	for t, d := range r.tags {
		if d == digest {
			out = append(out, t)
		}
	}
	slices.Sort(out)
	return out
}

// resolve returns the image reference (a tag or a digest) names.
func (r *repository) resolve(reference string) *image {
	if strings.HasPrefix(reference, "sha256:") {
		return r.images[reference]
	}
	if d, ok := r.tags[reference]; ok {
		return r.images[d]
	}
	return nil
}

// registryState is one registry's repositories.
type registryState struct {
	key   registryKey
	repos map[string]*repository
}

// registryLocked returns the registry of key, creating it.
func (s *Server) registryLocked(key registryKey) *registryState {
	rs := s.registries[key.host]
	if rs == nil {
		rs = &registryState{key: key, repos: map[string]*repository{}}
		s.registries[key.host] = rs
	}
	return rs
}

// repositoryLocked returns the repository name of the registry key, or nil.
func (s *Server) repositoryLocked(key registryKey, name string) *repository {
	if rs := s.registries[key.host]; rs != nil {
		return rs.repos[name]
	}
	return nil
}

// regError is an answer of the registry API: an HTTP status and one error of the OCI
// distribution spec's error body ("Error codes").
type regError struct {
	status int
	code   string
	msg    string
	detail any
	header map[string]string
}

func (e *regError) Error() string { return e.code + ": " + e.msg }

func nameUnknown(key registryKey, name string) *regError {
	return &regError{status: 404, code: "NAME_UNKNOWN", msg: "The repository with name '" + name + "' does not exist in the registry with id '" + registryID(key) + "'"}
}

// registryID is the registry ID ECR names in its messages: the account.
func registryID(key registryKey) string {
	if key.public {
		return "public"
	}
	return key.account
}

// parseManifest checks a manifest or index body and returns it parsed with its media
// type: contentType when the client sent one, else the body's mediaType. The OCI and
// Docker image manifest and index types are accepted.
func parseManifest(body []byte, contentType string) (manifestJSON, string, *regError) {
	invalid := func(msg string) (manifestJSON, string, *regError) {
		return manifestJSON{}, "", &regError{status: 400, code: "MANIFEST_INVALID", msg: "manifest invalid: " + msg}
	}
	var m manifestJSON
	if err := json.Unmarshal(body, &m); err != nil {
		return invalid("not JSON")
	}
	if m.SchemaVersion != 2 {
		return invalid("schemaVersion " + strconv.Itoa(m.SchemaVersion) + " (only schema 2 is implemented)")
	}
	mt := contentType
	if i := strings.IndexByte(mt, ';'); i >= 0 {
		mt = strings.TrimSpace(mt[:i])
	}
	if mt == "" || mt == "application/json" || mt == "application/octet-stream" {
		mt = m.MediaType
	}
	if mt == "" && m.Config != nil {
		mt = mediaTypeOCIManifest
	}
	if m.MediaType != "" && m.MediaType != mt {
		return invalid("Content-Type " + quoteClient(mt) + " differs from the manifest's mediaType " + quoteClient(m.MediaType))
	}
	switch mt {
	case mediaTypeDockerManifest, mediaTypeOCIManifest:
		if m.Config == nil {
			return invalid("an image manifest without config")
		}
	case MediaTypeManifestList, mediaTypeOCIIndex:
		if m.Config != nil || len(m.Layers) > 0 {
			return invalid("an index with config or layers")
		}
	default:
		return invalid("media type " + quoteClient(mt) + " is not an image manifest or index type this server implements")
	}
	for _, d := range append(append(slices.Clone(m.Layers), m.Manifests...), configOf(m)...) {
		if !digestPattern().MatchString(d.Digest) || d.Size < 0 {
			return invalid("descriptor with digest " + quoteClient(d.Digest) + " and size " + strconv.FormatInt(d.Size, 10))
		}
	}
	return m, mt, nil
}

func configOf(m manifestJSON) []descriptor {
	if m.Config == nil {
		return nil
	}
	return []descriptor{*m.Config}
}

// foreign reports whether a layer descriptor is one registries do not hold.
func foreign(d descriptor) bool {
	return d.MediaType == mediaTypeDockerForeign || strings.HasPrefix(d.MediaType, "application/vnd.oci.image.layer.nondistributable.")
}

// newImageLocked makes the image record of a parsed manifest in repo: its size is the
// sum of its layers, or for an index the largest of its children this repository holds
// (ECR API reference, ImageDetail imageSizeInBytes).
func newImageLocked(repo *repository, body []byte, mt string, m manifestJSON, now time.Time) *image {
	img := &image{digest: digestOf(body), mediaType: mt, body: body, pushedAt: now, parsed: m}
	for _, l := range m.Layers {
		img.size += l.Size
	}
	if m.Config != nil {
		img.artifact = m.Config.MediaType
	}
	for _, c := range m.Manifests {
		if ci := repo.images[c.Digest]; ci != nil {
			img.size = max(img.size, ci.size)
		}
	}
	return img
}

// missingLocked returns the first blob or child manifest m references that repo does
// not hold, as the OCI distribution spec's MANIFEST_BLOB_UNKNOWN ("Pushing manifests").
func missingLocked(repo *repository, m manifestJSON) *regError {
	for _, d := range append(configOf(m), m.Layers...) {
		if !foreign(d) && !repo.blobs[d.Digest] {
			return &regError{status: 400, code: "MANIFEST_BLOB_UNKNOWN", msg: "blob unknown to registry", detail: map[string]string{"digest": d.Digest}}
		}
	}
	for _, d := range m.Manifests {
		if repo.images[d.Digest] == nil {
			return &regError{status: 400, code: "MANIFEST_BLOB_UNKNOWN", msg: "manifest unknown to registry", detail: map[string]string{"digest": d.Digest}}
		}
	}
	return nil
}

// tagImmutable is ECR's answer to a push of an existing tag in a repository with
// immutable tags, even at the same digest: registry API "TAG_INVALID" (as ECR sends it,
// quoted in osscontainertools/kaniko#204 and moby/buildkit#3776).
func tagImmutable(repo *repository, tag string) *regError {
	return &regError{status: 400, code: "TAG_INVALID", msg: "The image tag '" + tag + "' already exists in the '" + repo.name +
		"' repository and cannot be overwritten because the tag is immutable."}
}

// putImageLocked stores img in repo and, when tag is not empty, points tag at it. With
// checkTag, an immutable repository refuses an existing tag.
func putImageLocked(repo *repository, img *image, tag string, checkTag bool) *regError {
	if tag != "" {
		if _, exists := repo.tags[tag]; exists && checkTag && repo.immutable {
			return tagImmutable(repo, tag)
		}
	}
	if old := repo.images[img.digest]; old != nil {
		img = old // pushing the same manifest again keeps its push time
	} else {
		repo.images[img.digest] = img
	}
	if tag != "" {
		repo.tags[tag] = img.digest
	}
	return nil
}

// storeBuiltLocked adds the content of b to repo: its blobs (to the shared contents and
// to the repository), its child manifests, then its top manifest under tag.
func (s *Server) storeBuiltLocked(repo *repository, b builtImage, tag string, now time.Time) {
	for d, data := range b.blobs {
		if s.blobs[d] == nil {
			s.blobs[d] = &blobData{size: int64(len(data)), data: data}
		}
		repo.blobs[d] = true
	}
	for _, c := range b.children {
		m, mt, _ := parseManifest(c, "")
		_ = putImageLocked(repo, newImageLocked(repo, c, mt, m, now), "", false)
	}
	m, _, _ := parseManifest(b.manifest, b.mediaType)
	_ = putImageLocked(repo, newImageLocked(repo, b.manifest, b.mediaType, m, now), tag, false)
}

// RepositoryOptions configures a repository made by [Server.CreateRepository]. The zero
// value is ECR's default: mutable tags, AES256 encryption.
type RepositoryOptions struct {
	// ImmutableTags makes tags immutable (ECR's IMMUTABLE tag mutability): a push of
	// an existing tag is refused, even at the same digest.
	ImmutableTags bool
	// KMSKey, when not empty, encrypts the repository with KMS under this key instead
	// of AES256. Blobs are mounted only between repositories with the same encryption,
	// as in ECR.
	KMSKey string
}

// CreateRepository creates the repository "<registry host>/<name>" (such as
// "123456789012.dkr.ecr.us-west-2.amazonaws.com/mirror/envoy"), as ecr:CreateRepository
// does for the caller's own registry. ECR refuses pushes to a repository that does not
// exist, and so does the server. It returns an error wrapping [ErrRepositoryExists] if
// the repository exists, or an error for a host or name ECR would not accept.
func (s *Server) CreateRepository(repository string, opts RepositoryOptions) error {
	key, name, err := splitRepository(repository)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rs := s.registryLocked(key)
	if rs.repos[name] != nil {
		return fmt.Errorf("%w: %s", ErrRepositoryExists, key.host+"/"+name)
	}
	r := newRepository(key, name, s.now())
	r.immutable = opts.ImmutableTags
	if opts.KMSKey != "" {
		r.encryption, r.kmsKey = "KMS", opts.KMSKey
	}
	rs.repos[name] = r
	return nil
}

// DeleteRepository deletes a repository with all its images and tags, as when AWS
// removes a region's Envoy repository: ECR and the registry API then answer that it
// does not exist. It returns an error wrapping [ErrRepositoryNotFound] if there is no
// such repository.
func (s *Server) DeleteRepository(repository string) error {
	key, name, err := splitRepository(repository)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rs := s.registries[key.host]
	if rs == nil || rs.repos[name] == nil {
		return fmt.Errorf("%w: %s", ErrRepositoryNotFound, key.host+"/"+name)
	}
	delete(rs.repos, name)
	return nil
}

// DeleteTag removes tag from a repository (the image stays, reachable by digest), as
// when AWS removes a release from a region: a pull of the tag then fails with
// MANIFEST_UNKNOWN and BatchGetImage reports ImageNotFound. It returns an error
// wrapping [ErrRepositoryNotFound] or [ErrImageNotFound].
func (s *Server) DeleteTag(repository, tag string) error {
	key, name, err := splitRepository(repository)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	repo := s.repositoryLocked(key, name)
	if repo == nil {
		return fmt.Errorf("%w: %s", ErrRepositoryNotFound, key.host+"/"+name)
	}
	if _, ok := repo.tags[tag]; !ok {
		return fmt.Errorf("%w: %s:%s", ErrImageNotFound, key.host+"/"+name, tag)
	}
	delete(repo.tags, tag)
	return nil
}

// ImageDigest returns the digest of the manifest (or index) that reference — a tag or a
// digest — names in a repository, and whether there is one.
func (s *Server) ImageDigest(repository, reference string) (string, bool) {
	key, name, err := splitRepository(repository)
	if err != nil {
		return "", false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if repo := s.repositoryLocked(key, name); repo != nil {
		if img := repo.resolve(reference); img != nil {
			return img.digest, true
		}
	}
	return "", false
}

// Tags returns the tags of a repository, sorted, or an error wrapping
// [ErrRepositoryNotFound].
func (s *Server) Tags(repository string) ([]string, error) {
	key, name, err := splitRepository(repository)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	repo := s.repositoryLocked(key, name)
	if repo == nil {
		return nil, fmt.Errorf("%w: %s", ErrRepositoryNotFound, key.host+"/"+name)
	}
	return slices.Sorted(maps.Keys(repo.tags)), nil
}

// PushImage stores a new single-platform (linux/amd64) Docker image in an existing
// repository under tag ("" for none) and returns its manifest digest. It has one gzip
// tar layer per entry of layerSizes, each holding one file of that many pseudo-random
// bytes (distinct on every call), plus its config blob. It is the Go-level shortcut
// for content a test needs; it bypasses tag immutability and records no operation.
// It returns an error wrapping [ErrRepositoryNotFound] if the repository does not
// exist.
func (s *Server) PushImage(repository, tag string, layerSizes ...int) (string, error) {
	key, name, err := splitRepository(repository)
	if err != nil {
		return "", err
	}
	if tag != "" && !tagPattern().MatchString(tag) {
		return "", fmt.Errorf("appmeshenvoytest: tag %s is not a valid tag", quoteClient(tag))
	}
	s.mu.Lock()
	s.pushes++
	seed := key.host + "/" + name + ":" + tag + "#" + strconv.Itoa(s.pushes)
	now := s.now()
	s.mu.Unlock()

	b := buildRandomImage(seed, now, layerSizes) // outside the lock: it hashes every byte

	s.mu.Lock()
	defer s.mu.Unlock()
	repo := s.repositoryLocked(key, name)
	if repo == nil {
		return "", fmt.Errorf("%w: %s", ErrRepositoryNotFound, key.host+"/"+name)
	}
	s.storeBuiltLocked(repo, b, tag, now)
	return b.digest, nil
}
