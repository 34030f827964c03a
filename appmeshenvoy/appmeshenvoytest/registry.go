package appmeshenvoytest

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// The registry API: the OCI distribution spec v1.1 ("API", endpoints end-1 to end-14)
// for every registry the server knows, addressed by path. The repository name a client
// uses starts with the registry host, so that one address serves every account and
// region:
//
//	GET http://127.0.0.1:PORT/v2/840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy/manifests/v1.39.1.0-prod
//
// is a pull of 840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.39.1.0-prod,
// and a plain client reaches it as 127.0.0.1:PORT/840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:TAG.

// Registry routes.
const (
	routeManifest = iota + 1
	routeBlob
	routeUpload
	routeTags
)

// regRequest is one registry request being served.
type regRequest struct {
	w     http.ResponseWriter
	r     *http.Request
	route int
	key   registryKey
	name  string // repository name in the registry, such as "aws-appmesh-envoy"
	path  string // the repository as the client names it: "<host as addressed>/<name>"
	arg   string // manifest reference, blob digest or upload ID
	who   principal
	op    string // the IAM action, such as "ecr:BatchGetImage"
}

// registryOperations maps a route and method to ECR's IAM action and whether it
// writes. Source: ECR User Guide, "IAM permissions for pushing an image" (push:
// BatchCheckLayerAvailability, InitiateLayerUpload, UploadLayerPart,
// CompleteLayerUpload, PutImage, BatchGetImage) and "Repository policy examples" (pull:
// BatchGetImage, GetDownloadUrlForLayer, BatchCheckLayerAvailability); tag listing is
// ListImages and manifest deletion BatchDeleteImage, the API operations they stand for.
// The status (GET) and cancellation (DELETE) of an upload are part of the upload, under
// UploadLayerPart.
var registryOperations = map[int]map[string]struct {
	action string
	write  bool
}{
	routeManifest: {
		http.MethodGet:    {"BatchGetImage", false},
		http.MethodHead:   {"BatchGetImage", false},
		http.MethodPut:    {"PutImage", true},
		http.MethodDelete: {"BatchDeleteImage", true},
	},
	routeBlob: {
		http.MethodGet:  {"GetDownloadUrlForLayer", false},
		http.MethodHead: {"BatchCheckLayerAvailability", false},
	},
	routeUpload: {
		http.MethodPost:   {"InitiateLayerUpload", true},
		http.MethodPatch:  {"UploadLayerPart", true},
		http.MethodPut:    {"CompleteLayerUpload", true},
		http.MethodGet:    {"UploadLayerPart", true},
		http.MethodDelete: {"UploadLayerPart", true},
	},
	routeTags: {
		http.MethodGet: {"ListImages", false},
	},
}

// serveRegistry answers /v2/...: it parses the path, authenticates the caller, counts
// and records the operation, applies faults and dispatches.
func (s *Server) serveRegistry(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Docker-Distribution-API-Version", "registry/2.0")
	if r.URL.Path == "/v2" || r.URL.Path == "/v2/" {
		s.servePing(w, r)
		return
	}
	rq, e := s.parseRegistryPath(w, r)
	if e != nil {
		s.writeRegError(w, r, e)
		return
	}
	if rq.who, e = s.authenticateRegistry(r, rq.key); e != nil {
		s.writeRegError(w, r, e)
		return
	}
	op, ok := registryOperations[rq.route][r.Method]
	switch {
	case rq.route == routeBlob && r.Method == http.MethodDelete:
		// ECR keeps layers as long as an image needs them (end-10 answers 405).
		s.writeRegError(w, r, &regError{status: http.StatusMethodNotAllowed, code: "UNSUPPORTED", msg: "The operation is unsupported."})
		return
	case !ok:
		s.writeRegError(w, r, s.refuseRegistry(http.StatusMethodNotAllowed, "UNSUPPORTED", "registry request %s %s: not implemented by this server",
			quoteClient(r.Method), quoteClient(r.URL.Path)))
		return
	case rq.key.public && op.write:
		s.writeRegError(w, r, s.refuseRegistry(http.StatusForbidden, "DENIED", "%s %s: the public gallery is read-only here (pushing to ECR Public is not implemented)",
			r.Method, quoteClient(r.URL.Path)))
		return
	}
	service := "ecr"
	if rq.key.public {
		service = "ecr-public"
	}
	rq.op = service + ":" + op.action

	s.mu.Lock()
	s.countLocked(rq.op, rq.key.region, true)
	s.mu.Unlock()
	if op.write && rq.who.account != rq.key.account {
		s.writeRegError(w, r, s.notAllowed(rq, rq.op, rq.key.repositoryARN(rq.name)))
		return
	}
	s.recordRegistry(rq, rq.op, rq.key.repositoryARN(rq.name))
	if rq.key.public && rq.route == routeManifest && s.galleryThrottled() {
		s.writeRegError(w, r, tooManyRequests())
		return
	}
	if f := s.applyFaults(r.Context(), rq.op, rq.key.region); f != nil {
		if f.stalled {
			panic(http.ErrAbortHandler)
		}
		s.writeRegError(w, r, registryFault(f.err))
		return
	}

	switch rq.route {
	case routeManifest:
		switch r.Method {
		case http.MethodGet, http.MethodHead:
			s.pullThrough(rq)
			s.getManifest(rq)
		case http.MethodPut:
			s.putManifest(rq)
		case http.MethodDelete:
			s.deleteManifest(rq)
		}
	case routeBlob:
		s.getBlob(rq)
	case routeUpload:
		switch r.Method {
		case http.MethodPost:
			s.startUpload(rq)
		case http.MethodPatch:
			s.patchUpload(rq)
		case http.MethodPut:
			s.finishUpload(rq)
		case http.MethodGet:
			s.uploadStatus(rq)
		case http.MethodDelete:
			s.cancelUpload(rq)
		}
	case routeTags:
		s.listTags(rq)
	}
}

// servePing answers end-1 (GET /v2/): 200 with valid credentials for some registry, else
// 401 with a Basic challenge, so that clients that choose their authentication scheme
// from the ping (go-containerregistry, containers/image) send Basic credentials. A
// client of the public gallery fetches a token first (see [Server.SetGalleryRateLimit]
// and the package documentation).
func (s *Server) servePing(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		s.writeRegError(w, r, &regError{status: http.StatusMethodNotAllowed, code: "UNSUPPORTED", msg: "The operation is unsupported."})
		return
	}
	if !s.validPing(r) {
		s.writeRegError(w, r, &regError{status: http.StatusUnauthorized, code: "DENIED", msg: "Not Authorized",
			header: map[string]string{"WWW-Authenticate": `Basic realm="` + s.URL + `/",service="ecr.amazonaws.com"`}})
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", "2")
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		_, _ = w.Write([]byte("{}"))
	}
}

// parseRegistryPath splits /v2/<host>/<name>/<route>/<arg> and checks the host and the
// repository name.
func (s *Server) parseRegistryPath(w http.ResponseWriter, r *http.Request) (*regRequest, *regError) {
	rq := &regRequest{w: w, r: r}
	segs := strings.Split(strings.TrimPrefix(r.URL.Path, "/v2/"), "/")
	n, cut := len(segs), 0 // cut: the segments of the route, after the repository
	switch {
	case n >= 3 && segs[n-2] == "tags" && segs[n-1] == "list":
		rq.route, cut = routeTags, 2
	case n >= 3 && segs[n-2] == "manifests":
		rq.route, rq.arg, cut = routeManifest, segs[n-1], 2
	case n >= 3 && segs[n-2] == "blobs" && segs[n-1] == "uploads":
		rq.route, cut = routeUpload, 2
	case n >= 4 && segs[n-3] == "blobs" && segs[n-2] == "uploads":
		rq.route, rq.arg, cut = routeUpload, segs[n-1], 3
	case n >= 3 && segs[n-2] == "blobs":
		rq.route, rq.arg, cut = routeBlob, segs[n-1], 2
	default:
		return nil, s.refuseRegistry(http.StatusNotFound, "UNSUPPORTED", "registry path %s: not an endpoint this server implements (manifests, blobs, blob uploads, tags/list)",
			quoteClient(r.URL.Path))
	}
	full := strings.Join(segs[:n-cut], "/")
	host, name, ok := strings.Cut(full, "/")
	if !ok {
		return nil, s.refuseRegistry(http.StatusNotFound, "NAME_UNKNOWN", "registry path %s: the repository must start with its registry host, as in "+
			"/v2/<registry host>/<repository>/...", quoteClient(r.URL.Path))
	}
	key, err := parseRegistryHost(host)
	if err != nil {
		return nil, s.refuseRegistry(http.StatusNotFound, "NAME_UNKNOWN", "%v", err)
	}
	if !validRepositoryName(name) {
		return nil, &regError{status: http.StatusBadRequest, code: "NAME_INVALID", msg: "invalid repository name " + quoteClient(name)}
	}
	rq.key, rq.name, rq.path = key, name, host+"/"+name
	return rq, nil
}

// notAllowed is ECR's answer to a write into another account's registry.
func (s *Server) notAllowed(rq *regRequest, action, resource string) *regError {
	return &regError{status: http.StatusForbidden, code: "DENIED", msg: "User: " + principalARN(rq.who.account, rq.who.user, rq.key.region) +
		" is not authorized to perform: " + action + " on resource: " + resource + " because no resource-based policy allows the " + action + " action"}
}

// recordRegistry records one registry operation of an authenticated caller.
func (s *Server) recordRegistry(rq *regRequest, action, resource string) {
	if rq.who.anonymous() {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.recordLocked(Operation{Action: action, Resource: resource, Region: rq.key.region,
		Principal: principalARN(rq.who.account, rq.who.user, rq.key.region)})
}

// registryFault turns an injected AWS error into the registry's answer: throttling is
// 429 TOOMANYREQUESTS, access and token errors 403 DENIED, server errors keep their
// status.
func registryFault(f AWSError) *regError {
	status := f.Status
	if status == 0 {
		status = http.StatusBadRequest
	}
	switch {
	case strings.HasPrefix(f.Code, "Throttling") || status == http.StatusTooManyRequests:
		return tooManyRequests()
	case status >= 500:
		return &regError{status: status, code: "UNKNOWN", msg: f.Code + ": " + f.Message}
	case strings.Contains(f.Code, "AccessDenied") || strings.Contains(f.Code, "ExpiredToken") || status == http.StatusForbidden:
		return &regError{status: http.StatusForbidden, code: "DENIED", msg: f.Message}
	}
	return &regError{status: status, code: "UNKNOWN", msg: f.Code + ": " + f.Message}
}

// refuseRegistry logs a refusal and returns it as a registry error.
func (s *Server) refuseRegistry(status int, code, format string, args ...any) *regError {
	return &regError{status: status, code: code, msg: s.logRefusal(fmt.Sprintf(format, args...))}
}

// writeRegError writes e as the OCI distribution spec's error body ("Error codes").
// When the request announced a body over the pre-authentication limit, the connection
// is closed after the answer: the body may not have been read.
func (s *Server) writeRegError(w http.ResponseWriter, r *http.Request, e *regError) {
	type item struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Detail  any    `json:"detail,omitempty"`
	}
	body, _ := json.Marshal(struct {
		Errors []item `json:"errors"`
	}{[]item{{e.code, e.msg, e.detail}}})
	for k, v := range e.header {
		w.Header().Set(k, v)
	}
	closeUnlessTiny(w, r)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(e.status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

// checkReference checks a manifest reference: a tag or a sha256 digest.
func checkReference(ref string) *regError {
	if strings.Contains(ref, ":") {
		if !digestPattern().MatchString(ref) {
			return &regError{status: http.StatusBadRequest, code: "DIGEST_INVALID", msg: "invalid digest " + quoteClient(ref)}
		}
		return nil
	}
	if !tagPattern().MatchString(ref) {
		return &regError{status: http.StatusBadRequest, code: "TAG_INVALID", msg: "invalid tag " + quoteClient(ref)}
	}
	return nil
}

// getManifest answers end-3 (GET and HEAD /v2/<name>/manifests/<reference>). The
// stored media type is served whatever the Accept header says.
func (s *Server) getManifest(rq *regRequest) {
	if e := checkReference(rq.arg); e != nil {
		s.writeRegError(rq.w, rq.r, e)
		return
	}
	s.mu.Lock()
	repo := s.repositoryLocked(rq.key, rq.name)
	var img *image
	if repo != nil {
		img = repo.resolve(rq.arg)
	}
	s.mu.Unlock()
	switch {
	case repo == nil:
		s.writeRegError(rq.w, rq.r, nameUnknown(rq.key, rq.name))
		return
	case img == nil:
		s.writeRegError(rq.w, rq.r, &regError{status: http.StatusNotFound, code: "MANIFEST_UNKNOWN", msg: "Requested image not found"})
		return
	}
	h := rq.w.Header()
	h.Set("Content-Type", img.mediaType)
	h.Set("Content-Length", strconv.Itoa(len(img.body)))
	h.Set("Docker-Content-Digest", img.digest)
	h.Set("ETag", `"`+img.digest+`"`)
	rq.w.WriteHeader(http.StatusOK)
	if rq.r.Method == http.MethodGet {
		_, _ = rq.w.Write(img.body)
	}
}

// putManifest answers end-7 (PUT /v2/<name>/manifests/<reference>): the manifest's
// blobs, or an index's manifests, must be in the repository; a tag of an immutable
// repository cannot be pushed again; a digest reference must match the body.
func (s *Server) putManifest(rq *regRequest) {
	if e := checkReference(rq.arg); e != nil {
		s.writeRegError(rq.w, rq.r, e)
		return
	}
	if rq.r.ContentLength > maxManifestSize {
		s.writeRegError(rq.w, rq.r, &regError{status: http.StatusRequestEntityTooLarge, code: "MANIFEST_INVALID", msg: "manifest over 4 MiB"})
		return
	}
	body, err := s.readBody(rq.w, rq.r, maxManifestSize)
	switch {
	case err == errBodyTooLarge:
		s.writeRegError(rq.w, rq.r, &regError{status: http.StatusRequestEntityTooLarge, code: "MANIFEST_INVALID", msg: "manifest over 4 MiB"})
		return
	case err != nil:
		s.bodyFailed(rq.w, err, func() { s.writeRegError(rq.w, rq.r, requestTimeout()) })
		return
	}
	m, mt, e := parseManifest(body, rq.r.Header.Get("Content-Type"))
	if e != nil {
		s.writeRegError(rq.w, rq.r, e)
		return
	}
	digest, tag := digestOf(body), rq.arg
	if strings.HasPrefix(rq.arg, "sha256:") {
		if rq.arg != digest {
			s.writeRegError(rq.w, rq.r, &regError{status: http.StatusBadRequest, code: "DIGEST_INVALID", msg: "provided digest did not match uploaded content"})
			return
		}
		tag = ""
	}
	s.mu.Lock()
	repo := s.repositoryLocked(rq.key, rq.name)
	if repo == nil {
		s.mu.Unlock()
		s.writeRegError(rq.w, rq.r, nameUnknown(rq.key, rq.name))
		return
	}
	e = missingLocked(repo, m)
	if e == nil {
		e = putImageLocked(repo, newImageLocked(repo, body, mt, m, s.now()), tag, true)
	}
	s.mu.Unlock()
	if e != nil {
		s.writeRegError(rq.w, rq.r, e)
		return
	}
	h := rq.w.Header()
	h.Set("Location", "/v2/"+rq.path+"/manifests/"+digest)
	h.Set("Docker-Content-Digest", digest)
	h.Set("Content-Length", "0")
	rq.w.WriteHeader(http.StatusCreated)
}

// deleteManifest answers end-9 (DELETE /v2/<name>/manifests/<reference>): a digest
// deletes the image and its tags, as ECR's BatchDeleteImage does; a tag deletes the tag.
func (s *Server) deleteManifest(rq *regRequest) {
	if e := checkReference(rq.arg); e != nil {
		s.writeRegError(rq.w, rq.r, e)
		return
	}
	s.mu.Lock()
	repo := s.repositoryLocked(rq.key, rq.name)
	found := false
	if repo != nil {
		if img := repo.resolve(rq.arg); img != nil {
			found = true
			if strings.HasPrefix(rq.arg, "sha256:") {
				delete(repo.images, img.digest)
				maps.DeleteFunc(repo.tags, func(_, d string) bool { return d == img.digest })
			} else {
				delete(repo.tags, rq.arg)
			}
		}
	}
	s.mu.Unlock()
	switch {
	case repo == nil:
		s.writeRegError(rq.w, rq.r, nameUnknown(rq.key, rq.name))
	case !found:
		s.writeRegError(rq.w, rq.r, &regError{status: http.StatusNotFound, code: "MANIFEST_UNKNOWN", msg: "Requested image not found"})
	default:
		rq.w.Header().Set("Content-Length", "0")
		rq.w.WriteHeader(http.StatusAccepted)
	}
}

// getBlob answers end-2 (GET and HEAD /v2/<name>/blobs/<digest>) for a blob of this
// repository: HEAD with its size, GET with a 307 redirect to a presigned storage URL.
func (s *Server) getBlob(rq *regRequest) {
	if !digestPattern().MatchString(rq.arg) {
		s.writeRegError(rq.w, rq.r, &regError{status: http.StatusBadRequest, code: "DIGEST_INVALID", msg: "invalid digest " + quoteClient(rq.arg)})
		return
	}
	s.mu.Lock()
	repo := s.repositoryLocked(rq.key, rq.name)
	var b *blobData
	if repo != nil && repo.blobs[rq.arg] {
		b = s.blobs[rq.arg]
	}
	s.mu.Unlock()
	switch {
	case repo == nil:
		s.writeRegError(rq.w, rq.r, nameUnknown(rq.key, rq.name))
		return
	case b == nil:
		s.writeRegError(rq.w, rq.r, &regError{status: http.StatusNotFound, code: "BLOB_UNKNOWN", msg: "blob unknown to registry", detail: map[string]string{"digest": rq.arg}})
		return
	}
	h := rq.w.Header()
	h.Set("Docker-Content-Digest", rq.arg)
	if rq.r.Method == http.MethodHead {
		h.Set("Content-Type", "application/octet-stream")
		h.Set("Content-Length", strconv.FormatInt(b.size, 10))
		rq.w.WriteHeader(http.StatusOK)
		return
	}
	h.Set("Location", s.storageURL(rq.r, rq.key, rq.arg))
	h.Set("Content-Length", "0")
	rq.w.WriteHeader(http.StatusTemporaryRedirect)
}

// maxTagsPage is the largest page of a tag list.
const maxTagsPage = 1000

// listTags answers end-8a and end-8b (GET /v2/<name>/tags/list[?n=<int>&last=<tag>]):
// the tags in lexical order, after last, at most n of them (at most 1,000), with a Link
// header to the next page when there are more ("Listing Tags").
func (s *Server) listTags(rq *regRequest) {
	q := rq.r.URL.Query()
	n := maxTagsPage
	if q.Has("n") {
		v, err := strconv.Atoi(q.Get("n"))
		if err != nil || v < 0 {
			s.writeRegError(rq.w, rq.r, &regError{status: http.StatusBadRequest, code: "PAGINATION_NUMBER_INVALID", msg: "invalid number of results requested"})
			return
		}
		n = min(v, maxTagsPage)
	}
	last := q.Get("last")
	s.mu.Lock()
	repo := s.repositoryLocked(rq.key, rq.name)
	var tags []string
	if repo != nil {
		tags = slices.Sorted(maps.Keys(repo.tags))
	}
	s.mu.Unlock()
	if repo == nil {
		s.writeRegError(rq.w, rq.r, nameUnknown(rq.key, rq.name))
		return
	}
	if last != "" {
		i, _ := slices.BinarySearch(tags, last)
		for i < len(tags) && tags[i] <= last {
			i++
		}
		tags = tags[i:]
	}
	if len(tags) > n {
		tags = tags[:n]
		if n > 0 {
			next := "/v2/" + rq.path + "/tags/list?n=" + strconv.Itoa(n) + "&last=" + tags[n-1]
			rq.w.Header().Set("Link", "<"+next+`>; rel="next"`)
		}
	}
	body, _ := json.Marshal(struct {
		Name string   `json:"name"`
		Tags []string `json:"tags"`
	}{rq.path, append([]string{}, tags...)})
	rq.w.Header().Set("Content-Type", "application/json; charset=utf-8")
	rq.w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	rq.w.WriteHeader(http.StatusOK)
	_, _ = rq.w.Write(body)
}

// requestTimeout is the registry's answer to a body that stopped arriving.
func requestTimeout() *regError {
	return &regError{status: http.StatusRequestTimeout, code: "UNKNOWN", msg: "request body timeout"}
}
