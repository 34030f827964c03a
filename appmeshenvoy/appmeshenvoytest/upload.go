package appmeshenvoytest

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Blob uploads (OCI distribution spec, "Pushing blobs": end-4a, end-5, end-6, end-11,
// end-13, end-14). The bytes go to a temporary file as they arrive, hashed on the way,
// so an upload is never held in memory; a completed blob stays in that file, renamed
// after its digest, until [Server.Close].

const (
	// maxUploads bounds the uploads in progress; beyond it a new upload is refused
	// with 429 TOOMANYREQUESTS.
	maxUploads = 64
	// uploadIdle is how long an upload may wait for its next request before a new
	// upload may discard it.
	uploadIdle = 15 * time.Minute
)

// upload is one blob upload in progress.
type upload struct {
	id      string
	key     registryKey
	name    string
	owner   principal
	file    *os.File
	hash    hash.Hash
	size    int64
	busy    bool      // a request is writing to it
	touched time.Time // real clock
}

// uploadLocation returns the URL of an upload, as the client names the repository.
func uploadLocation(rq *regRequest, id string) string {
	return "/v2/" + rq.path + "/blobs/uploads/" + id
}

// uploadRange is the Range header of an upload of size bytes ("0-<last byte>").
func uploadRange(size int64) string {
	return "0-" + strconv.FormatInt(max(size-1, 0), 10)
}

// uploadAccepted writes the 202 or 204 answer that tells the client where the upload
// is and how far it got.
func uploadAccepted(rq *regRequest, u *upload, status int) {
	h := rq.w.Header()
	h.Set("Location", uploadLocation(rq, u.id))
	h.Set("Range", uploadRange(u.size))
	h.Set("Docker-Upload-UUID", u.id)
	h.Set("Content-Length", "0")
	rq.w.WriteHeader(status)
}

// abortLocked discards an upload and its file.
func (s *Server) abortLocked(u *upload) {
	_ = u.file.Close()
	_ = os.Remove(u.file.Name())
	delete(s.uploads, u.id)
}

// startUpload answers end-4a (POST /v2/<name>/blobs/uploads/) and end-11 (the same with
// ?mount=<digest>&from=<repository>). ECR refuses an upload into a repository that does
// not exist. A mount succeeds only from a repository of the same registry (same account
// and region) that holds the blob and has the same encryption (ECR User Guide, "Blob
// mounting"); otherwise the answer is a new upload, as the spec says. An upload with
// ?digest= in one POST (end-4b) is answered the same way: a new upload.
func (s *Server) startUpload(rq *regRequest) {
	if rq.arg != "" {
		s.writeRegError(rq.w, rq.r, &regError{status: http.StatusNotFound, code: "BLOB_UPLOAD_UNKNOWN", msg: "blob upload unknown to registry"})
		return
	}
	closeUnlessTiny(rq.w, rq.r) // a monolithic POST's body is not read
	q := rq.r.URL.Query()
	s.mu.Lock()
	repo := s.repositoryLocked(rq.key, rq.name)
	if repo == nil {
		s.mu.Unlock()
		s.writeRegError(rq.w, rq.r, nameUnknown(rq.key, rq.name))
		return
	}
	if d := q.Get("mount"); d != "" && digestPattern().MatchString(d) {
		if src := s.mountSourceLocked(rq, repo, d, q.Get("from")); src != nil {
			repo.blobs[d] = true
			s.mu.Unlock()
			s.recordRegistry(rq, "ecr:GetDownloadUrlForLayer", src.arn)
			h := rq.w.Header()
			h.Set("Location", "/v2/"+rq.path+"/blobs/"+d)
			h.Set("Docker-Content-Digest", d)
			h.Set("Content-Length", "0")
			rq.w.WriteHeader(http.StatusCreated)
			return
		}
	}
	u, e := s.newUploadLocked(rq)
	s.mu.Unlock()
	if e != nil {
		s.writeRegError(rq.w, rq.r, e)
		return
	}
	uploadAccepted(rq, u, http.StatusAccepted)
}

// mountSourceLocked returns the repository a blob can be mounted from into repo, or nil.
func (s *Server) mountSourceLocked(rq *regRequest, repo *repository, digest, from string) *repository {
	host, name, ok := strings.Cut(from, "/")
	if !ok {
		return nil
	}
	key, err := parseRegistryHost(host)
	if err != nil || key.host != rq.key.host {
		return nil
	}
	src := s.repositoryLocked(key, name)
	if src == nil || !src.blobs[digest] || s.blobs[digest] == nil || src.encryption != repo.encryption || src.kmsKey != repo.kmsKey {
		return nil
	}
	return src
}

// newUploadLocked starts an upload session with its temporary file.
func (s *Server) newUploadLocked(rq *regRequest) (*upload, *regError) {
	now := time.Now()
	for _, u := range s.uploads {
		if !u.busy && now.Sub(u.touched) > uploadIdle {
			s.abortLocked(u)
		}
	}
	if len(s.uploads) >= maxUploads {
		return nil, tooManyRequests()
	}
	if s.blobDir == "" {
		dir, err := os.MkdirTemp("", "appmeshenvoytest-blobs-")
		if err != nil {
			return nil, &regError{status: http.StatusInternalServerError, code: "UNKNOWN", msg: "cannot store uploads: " + err.Error()}
		}
		s.blobDir = dir
	}
	f, err := os.CreateTemp(s.blobDir, "upload-")
	if err != nil {
		return nil, &regError{status: http.StatusInternalServerError, code: "UNKNOWN", msg: "cannot store uploads: " + err.Error()}
	}
	var id [16]byte
	_, _ = rand.Read(id[:])
	u := &upload{id: hex.EncodeToString(id[:]), key: rq.key, name: rq.name, owner: rq.who, file: f, hash: sha256.New(), touched: now}
	s.uploads[u.id] = u
	return u, nil
}

// acquireUpload returns the upload a request names, marked busy, or the registry's
// answer when there is none (or it belongs to another repository or caller, or another
// request is writing to it).
func (s *Server) acquireUpload(rq *regRequest) (*upload, *regError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.uploads[rq.arg]
	if u == nil || u.key.host != rq.key.host || u.name != rq.name || u.owner != rq.who {
		return nil, &regError{status: http.StatusNotFound, code: "BLOB_UPLOAD_UNKNOWN", msg: "blob upload unknown to registry"}
	}
	if u.busy {
		return nil, &regError{status: http.StatusBadRequest, code: "BLOB_UPLOAD_INVALID", msg: "blob upload invalid: another request is writing to it"}
	}
	u.busy = true
	return u, nil
}

// releaseUpload ends a request's use of an upload.
func (s *Server) releaseUpload(u *upload) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u.busy, u.touched = false, time.Now()
}

// parseContentRange parses a chunk's Content-Range: "<start>-<end>" as the spec writes
// it, or the HTTP form "bytes <start>-<end>/<total or *>".
func parseContentRange(h string) (start, end int64, ok bool) {
	h = strings.TrimPrefix(strings.TrimPrefix(h, "bytes "), "bytes=")
	h, _, _ = strings.Cut(h, "/")
	a, b, ok := strings.Cut(h, "-")
	if !ok {
		return 0, 0, false
	}
	start, err1 := strconv.ParseInt(a, 10, 64)
	end, err2 := strconv.ParseInt(b, 10, 64)
	return start, end, err1 == nil && err2 == nil && start >= 0 && end >= start-1
}

// errUploadTooLarge is returned by appendUpload for an upload over the size limit.
var errUploadTooLarge = errors.New("upload too large")

// appendUpload streams the request body into the upload. A Content-Range must start
// where the upload is (else the answer is 416 with the current Range, and nothing is
// read).
func (s *Server) appendUpload(rq *regRequest, u *upload) (*regError, error) {
	if cr := rq.r.Header.Get("Content-Range"); cr != "" {
		if start, _, ok := parseContentRange(cr); !ok || start != u.size {
			rq.w.Header().Set("Location", uploadLocation(rq, u.id))
			rq.w.Header().Set("Range", uploadRange(u.size))
			return &regError{status: http.StatusRequestedRangeNotSatisfiable, code: "BLOB_UPLOAD_INVALID", msg: "Content-Range " + quoteClient(cr) +
				" does not continue the upload at byte " + strconv.FormatInt(u.size, 10)}, nil
		}
	}
	room := s.opts.maxUpload - u.size
	if rq.r.ContentLength > room {
		return nil, errUploadTooLarge
	}
	n, err := io.Copy(io.MultiWriter(u.file, u.hash), io.LimitReader(s.body(rq.w, rq.r), room+1))
	u.size += n
	if err != nil {
		return nil, err
	}
	if u.size > s.opts.maxUpload {
		return nil, errUploadTooLarge
	}
	return nil, nil
}

// uploadFailed answers an upload request whose body could not be taken: too large (the
// upload is discarded, 413), a body timeout (408), or a client gone.
func (s *Server) uploadFailed(rq *regRequest, u *upload, err error) {
	if errors.Is(err, errUploadTooLarge) {
		s.mu.Lock()
		s.abortLocked(u)
		s.mu.Unlock()
		s.writeRegError(rq.w, rq.r, &regError{status: http.StatusRequestEntityTooLarge, code: "SIZE_INVALID",
			msg: "blob over the upload limit of " + strconv.FormatInt(s.opts.maxUpload, 10) + " bytes"})
		return
	}
	s.bodyFailed(rq.w, err, func() { s.writeRegError(rq.w, rq.r, requestTimeout()) })
}

// patchUpload answers end-5 (PATCH <upload URL>): one chunk, in order.
func (s *Server) patchUpload(rq *regRequest) {
	u, e := s.acquireUpload(rq)
	if e != nil {
		s.writeRegError(rq.w, rq.r, e)
		return
	}
	defer s.releaseUpload(u)
	e, err := s.appendUpload(rq, u)
	switch {
	case e != nil:
		s.writeRegError(rq.w, rq.r, e)
	case err != nil:
		s.uploadFailed(rq, u, err)
	default:
		uploadAccepted(rq, u, http.StatusAccepted)
	}
}

// finishUpload answers end-6 (PUT <upload URL>?digest=<digest>, with the last chunk or
// none): the content must have that digest; the blob then belongs to the repository.
func (s *Server) finishUpload(rq *regRequest) {
	u, e := s.acquireUpload(rq)
	if e != nil {
		s.writeRegError(rq.w, rq.r, e)
		return
	}
	digest := rq.r.URL.Query().Get("digest")
	if !digestPattern().MatchString(digest) {
		s.releaseUpload(u)
		s.writeRegError(rq.w, rq.r, &regError{status: http.StatusBadRequest, code: "DIGEST_INVALID", msg: "invalid digest " + quoteClient(digest)})
		return
	}
	if e, err := s.appendUpload(rq, u); e != nil || err != nil {
		s.releaseUpload(u)
		if e != nil {
			s.writeRegError(rq.w, rq.r, e)
		} else {
			s.uploadFailed(rq, u, err)
		}
		return
	}
	got := "sha256:" + hex.EncodeToString(u.hash.Sum(nil))

	s.mu.Lock()
	if got != digest {
		s.abortLocked(u)
		s.mu.Unlock()
		s.writeRegError(rq.w, rq.r, &regError{status: http.StatusBadRequest, code: "DIGEST_INVALID", msg: "provided digest did not match uploaded content"})
		return
	}
	_ = u.file.Close()
	delete(s.uploads, u.id)
	if s.blobs[digest] == nil {
		path := filepath.Join(s.blobDir, "sha256-"+strings.TrimPrefix(digest, "sha256:"))
		if err := os.Rename(u.file.Name(), path); err != nil {
			_ = os.Remove(u.file.Name())
			s.mu.Unlock()
			s.writeRegError(rq.w, rq.r, &regError{status: http.StatusInternalServerError, code: "UNKNOWN", msg: "cannot store the blob: " + err.Error()})
			return
		}
		s.blobs[digest] = &blobData{size: u.size, path: path}
	} else {
		_ = os.Remove(u.file.Name())
	}
	repo := s.repositoryLocked(rq.key, rq.name)
	if repo != nil {
		repo.blobs[digest] = true
	}
	s.mu.Unlock()
	if repo == nil {
		s.writeRegError(rq.w, rq.r, nameUnknown(rq.key, rq.name))
		return
	}
	h := rq.w.Header()
	h.Set("Location", "/v2/"+rq.path+"/blobs/"+digest)
	h.Set("Docker-Content-Digest", digest)
	h.Set("Content-Length", "0")
	rq.w.WriteHeader(http.StatusCreated)
}

// uploadStatus answers end-13 (GET <upload URL>): 204 with the Range received.
func (s *Server) uploadStatus(rq *regRequest) {
	u, e := s.acquireUpload(rq)
	if e != nil {
		s.writeRegError(rq.w, rq.r, e)
		return
	}
	defer s.releaseUpload(u)
	uploadAccepted(rq, u, http.StatusNoContent)
}

// cancelUpload answers end-14 (DELETE <upload URL>): the upload is discarded.
func (s *Server) cancelUpload(rq *regRequest) {
	u, e := s.acquireUpload(rq)
	if e != nil {
		s.writeRegError(rq.w, rq.r, e)
		return
	}
	s.mu.Lock()
	s.abortLocked(u)
	s.mu.Unlock()
	rq.w.Header().Set("Content-Length", "0")
	rq.w.WriteHeader(http.StatusNoContent)
}
