package appmeshenvoytest

import (
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

// Pull-through cache rules, as ECR has them (Amazon ECR API Reference,
// CreatePullThroughCacheRule, DescribePullThroughCacheRules; ECR User Guide, "Sync an
// upstream registry with an Amazon ECR private registry"). Only the ECR Public upstream
// (upstreamRegistryUrl public.ecr.aws) is implemented, served from the server's own
// gallery; a rule for any other upstream is refused and recorded as a refusal.
//
// A pull (manifest GET or HEAD) of "<prefix>/<upstream repository>:<tag>" from the
// registry of a rule's account and region imports the image from the gallery when the
// cache does not hold the tag: the first pull creates the repository (recorded as
// ecr:CreateRepository on it) and every import is recorded as
// ecr:BatchImportUpstreamImage, the permissions ECR checks on the pulling principal.
// Tags already cached are served as they are, so the cache's tags are those someone
// pulled.

// cacheRule is one pull-through cache rule.
type cacheRule struct {
	prefix, upstreamURL, upstream string
	account                       string
	created                       time.Time
}

// cachePrefixPattern is ecrRepositoryPrefix's pattern; its length is 2 to 30 (API
// reference, CreatePullThroughCacheRule).
var cachePrefixPattern = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$`)
})

func validCachePrefix(p string) bool {
	return len(p) >= 2 && len(p) <= 30 && cachePrefixPattern().MatchString(p)
}

// cacheRuleJSON is a rule as ECR describes it.
type cacheRuleJSON struct {
	EcrRepositoryPrefix string  `json:"ecrRepositoryPrefix"`
	UpstreamRegistryURL string  `json:"upstreamRegistryUrl"`
	UpstreamRegistry    string  `json:"upstreamRegistry,omitempty"`
	RegistryID          string  `json:"registryId"`
	CreatedAt           float64 `json:"createdAt"`
}

func (r *cacheRule) json() cacheRuleJSON {
	return cacheRuleJSON{EcrRepositoryPrefix: r.prefix, UpstreamRegistryURL: r.upstreamURL, UpstreamRegistry: r.upstream,
		RegistryID: r.account, CreatedAt: epoch(r.created)}
}

func (s *Server) ecrCreatePullThroughCacheRule(c *call) (any, *AWSError) {
	var in struct {
		RegistryID          string `json:"registryId"`
		EcrRepositoryPrefix string `json:"ecrRepositoryPrefix"`
		UpstreamRegistryURL string `json:"upstreamRegistryUrl"`
		UpstreamRegistry    string `json:"upstreamRegistry"`
		CredentialArn       string `json:"credentialArn"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return nil, err
	}
	key := c.registryKey(in.RegistryID)
	registryID := key.account
	c.resources = []string{key.repositoryARN(in.EcrRepositoryPrefix + "/*")}
	switch {
	case !validCachePrefix(in.EcrRepositoryPrefix):
		return nil, &AWSError{Code: "ValidationException", Status: http.StatusBadRequest,
			Message: "1 validation error detected: Value '" + clip(in.EcrRepositoryPrefix, 64) + "' at 'ecrRepositoryPrefix' failed to satisfy constraint: " +
				"Member must satisfy regular expression pattern: (?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)* and have length between 2 and 30"}
	case in.UpstreamRegistryURL == "":
		return nil, invalidParameter("upstreamRegistryUrl is required")
	case registryID != c.account:
		return nil, &AWSError{Code: "AccessDeniedException", Status: http.StatusBadRequest, Message: "User: " + principalARN(c.account, c.user, c.region) +
			" is not authorized to perform: ecr:CreatePullThroughCacheRule on resource: " + key.repositoryARN(in.EcrRepositoryPrefix+"/*")}
	case partitionID(c.region) != region.PartitionAWS:
		return nil, &AWSError{Code: "UnsupportedUpstreamRegistryException", Status: http.StatusBadRequest,
			Message: "The upstream registry " + clip(in.UpstreamRegistryURL, 64) + " is not supported in " + c.region}
	case in.UpstreamRegistryURL != galleryHost || (in.UpstreamRegistry != "" && in.UpstreamRegistry != "ecr-public"):
		return nil, &AWSError{Code: "UnknownOperationException", Status: http.StatusBadRequest,
			Message: s.logRefusal("ecr:CreatePullThroughCacheRule with upstream " + quoteClient(in.UpstreamRegistryURL) + ": only ECR Public (public.ecr.aws) is implemented by this server")}
	case in.CredentialArn != "":
		return nil, invalidParameter("ECR Public upstream rules take no credentialArn")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rules := s.cacheRules[key.host]
	if rules == nil {
		rules = map[string]*cacheRule{}
		s.cacheRules[key.host] = rules
	}
	if rules[in.EcrRepositoryPrefix] != nil {
		return nil, &AWSError{Code: "PullThroughCacheRuleAlreadyExistsException", Status: http.StatusBadRequest,
			Message: "A pull through cache rule with ecrRepositoryPrefix '" + in.EcrRepositoryPrefix + "' already exists in the registry with id '" + registryID + "'"}
	}
	r := &cacheRule{prefix: in.EcrRepositoryPrefix, upstreamURL: in.UpstreamRegistryURL, upstream: "ecr-public", account: registryID, created: s.now()}
	rules[r.prefix] = r
	return r.json(), nil
}

func (s *Server) ecrDescribePullThroughCacheRules(c *call) (any, *AWSError) {
	var in struct {
		RegistryID            string   `json:"registryId"`
		EcrRepositoryPrefixes []string `json:"ecrRepositoryPrefixes"`
		NextToken             string   `json:"nextToken"`
		MaxResults            int      `json:"maxResults"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return nil, err
	}
	key := c.registryKey(in.RegistryID)
	registryID := key.account
	c.resources = []string{key.repositoryARN("*")}
	s.mu.Lock()
	defer s.mu.Unlock()
	rules := s.cacheRules[key.host]
	out := struct {
		PullThroughCacheRules []cacheRuleJSON `json:"pullThroughCacheRules"`
		NextToken             string          `json:"nextToken,omitempty"`
	}{PullThroughCacheRules: []cacheRuleJSON{}}
	if len(in.EcrRepositoryPrefixes) > 0 {
		for _, p := range in.EcrRepositoryPrefixes {
			r := rules[p]
			if r == nil {
				return nil, &AWSError{Code: "PullThroughCacheRuleNotFoundException", Status: http.StatusBadRequest,
					Message: "The pull through cache rule with ecrRepositoryPrefix '" + clip(p, 64) + "' does not exist in the registry with id '" + registryID + "'"}
			}
			out.PullThroughCacheRules = append(out.PullThroughCacheRules, r.json())
		}
		return out, nil
	}
	var all []*cacheRule
	for _, r := range rules {
		all = append(all, r)
	}
	items, next, aerr := page(all, func(r *cacheRule) string { return r.prefix }, in.NextToken, in.MaxResults)
	if aerr != nil {
		return nil, aerr
	}
	for _, r := range items {
		out.PullThroughCacheRules = append(out.PullThroughCacheRules, r.json())
	}
	out.NextToken = next
	return out, nil
}

// pullThrough imports the image a manifest pull asks for from the gallery when the
// repository is under a pull-through cache rule of its registry and the cache does not
// hold the reference yet. It does nothing for other requests.
func (s *Server) pullThrough(rq *regRequest) {
	if rq.key.public || rq.who.anonymous() || rq.route != routeManifest || (rq.r.Method != http.MethodGet && rq.r.Method != http.MethodHead) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var rule *cacheRule
	for p, r := range s.cacheRules[rq.key.host] {
		if strings.HasPrefix(rq.name, p+"/") {
			rule = r
		}
	}
	if rule == nil || rule.upstreamURL != galleryHost {
		return
	}
	gallery, _ := parseRegistryHost(galleryHost)
	up := s.repositoryLocked(gallery, strings.TrimPrefix(rq.name, rule.prefix+"/"))
	if up == nil {
		return
	}
	img := up.resolve(rq.arg)
	repo := s.repositoryLocked(rq.key, rq.name)
	if img == nil || (repo != nil && repo.resolve(rq.arg) != nil) {
		return
	}
	arn := rq.key.repositoryARN(rq.name)
	principal := principalARN(rq.who.account, rq.who.user, rq.key.region)
	if repo == nil {
		// The first pull creates the repository with default settings (a repository
		// creation template would set others; the server implements none).
		repo = newRepository(rq.key, rq.name, s.now())
		s.registryLocked(rq.key).repos[rq.name] = repo
		s.recordLocked(Operation{Action: "ecr:CreateRepository", Resource: arn, Region: rq.key.region, Principal: principal})
	}
	s.recordLocked(Operation{Action: "ecr:BatchImportUpstreamImage", Resource: arn, Region: rq.key.region, Principal: principal})
	tag := ""
	if !strings.HasPrefix(rq.arg, "sha256:") {
		tag = rq.arg
	}
	s.copyImageLocked(up, repo, img, tag)
}

// copyImageLocked copies img (with its children and blobs) from src to dst, under tag
// when it is not empty.
func (s *Server) copyImageLocked(src, dst *repository, img *image, tag string) {
	var children []*image
	for _, c := range img.parsed.Manifests {
		if ci := src.images[c.Digest]; ci != nil {
			children = append(children, ci)
		}
	}
	for _, m := range append(children, img) {
		for _, d := range append(configOf(m.parsed), m.parsed.Layers...) {
			if !foreign(d) && src.blobs[d.Digest] {
				dst.blobs[d.Digest] = true
			}
		}
	}
	for _, ci := range children {
		_ = putImageLocked(dst, ci, "", false)
	}
	_ = putImageLocked(dst, img, tag, false)
}

// CacheRules returns the prefixes of the pull-through cache rules of the registry of
// account in regionCode, sorted.
func (s *Server) CacheRules(account, regionCode string) []string {
	key := registryKeyFor(account, regionCode)
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for p := range s.cacheRules[key.host] {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

// AddCacheRule adds a pull-through cache rule to the registry of account in regionCode
// without the API's checks, for tests of rules the API does not create here (another
// upstream, such as "registry-1.docker.io"). Pulls through a rule whose upstream is not
// public.ecr.aws import nothing. It replaces a rule with the same prefix.
func (s *Server) AddCacheRule(account, regionCode, prefix, upstreamURL string) {
	key := registryKeyFor(account, regionCode)
	upstream := "ecr-public"
	if upstreamURL != galleryHost {
		upstream = ""
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cacheRules[key.host] == nil {
		s.cacheRules[key.host] = map[string]*cacheRule{}
	}
	s.cacheRules[key.host][prefix] = &cacheRule{prefix: prefix, upstreamURL: upstreamURL, upstream: upstream, account: account, created: s.now()}
}
