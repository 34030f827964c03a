package appmeshenvoytest

import (
	"bytes"
	"crypto/subtle"
	"encoding/xml"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// Blob downloads go through a separate storage path, as ECR sends them to presigned S3
// URLs: GET /v2/<name>/blobs/<digest> answers 307 with a Location of the form
//
//	http://<other loopback name>:<port>/_storage/<registry host>/sha256/<hex>?X-Amz-Algorithm=AWS4-HMAC-SHA256
//	    &X-Amz-Credential=...&X-Amz-Date=...&X-Amz-Expires=900&X-Amz-SignedHeaders=host&X-Amz-Signature=<hex>
//
// The host is the other name of the loopback address the client used ("localhost" for
// "127.0.0.1" and the other way round), served by the same listener: S3 is another
// host, and real clients drop credentials on a redirect to another host name (Go's
// net/http compares host names without the port, so another port would not do). The
// storage path refuses any request that carries an Authorization header (as S3 does:
// one auth mechanism only), which is how a test proves that a client does not forward
// the registry credential on redirects, and a URL whose signature does not match or
// whose X-Amz-Expires has passed on the server's clock.

const (
	storagePrefix = "/_storage/"
	// storageURLTTL is how long a storage URL is valid.
	storageURLTTL = 15 * time.Minute
)

// storageHost returns the host of storage URLs for a request that came to requestHost.
func (s *Server) storageHost(requestHost string) string {
	host, port, err := net.SplitHostPort(requestHost)
	if err != nil {
		host, port = requestHost, ""
	}
	switch host {
	case "127.0.0.1", "[::1]", "::1":
		host = "localhost"
	case "localhost":
		host = "127.0.0.1"
	}
	if port == "" {
		return host
	}
	return net.JoinHostPort(host, port)
}

// storageURL returns a presigned-looking URL of the blob digest in the registry of key.
func (s *Server) storageURL(r *http.Request, key registryKey, digest string) string {
	path := storagePrefix + key.host + "/" + strings.Replace(digest, ":", "/", 1)
	s.mu.Lock()
	now := s.now()
	s.mu.Unlock()
	date := now.Format(amzDateFormat)
	expires := strconv.Itoa(int(storageURLTTL / time.Second))
	q := url.Values{
		"X-Amz-Algorithm":     {"AWS4-HMAC-SHA256"},
		"X-Amz-Credential":    {"ASIAAPPMESHENVOYTEST/" + date[:8] + "/" + key.region + "/s3/aws4_request"},
		"X-Amz-Date":          {date},
		"X-Amz-Expires":       {expires},
		"X-Amz-SignedHeaders": {"host"},
		"X-Amz-Signature":     {s.sign("storage", path, date, expires)},
	}
	return "http://" + s.storageHost(r.Host) + path + "?" + q.Encode()
}

// s3Error writes an S3-style XML error.
func s3Error(w http.ResponseWriter, status int, code, msg string) {
	var b bytes.Buffer
	b.WriteString("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + code + "</Code><Message>")
	_ = xml.EscapeText(&b, []byte(msg))
	b.WriteString("</Message></Error>")
	w.Header().Set("Content-Type", "application/xml")
	w.Header().Set("Content-Length", strconv.Itoa(b.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}

// serveStorage answers the storage path (see the comment at the top of this file).
func (s *Server) serveStorage(w http.ResponseWriter, r *http.Request) {
	closeUnlessTiny(w, r)
	refuse := func(status int, code, msg string) {
		s3Error(w, status, code, s.logRefusal("storage "+msg))
	}
	if r.Header.Get("Authorization") != "" {
		refuse(http.StatusBadRequest, "InvalidArgument", "request with an Authorization header (a client forwarded the registry credential on a redirect): "+
			"only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified")
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		refuse(http.StatusMethodNotAllowed, "MethodNotAllowed", "method "+quoteClient(r.Method)+": only GET and HEAD are implemented")
		return
	}
	q := r.URL.Query()
	date, expires, sig := q.Get("X-Amz-Date"), q.Get("X-Amz-Expires"), q.Get("X-Amz-Signature")
	if len(sig) != 64 || !hmacEqual(sig, s.sign("storage", r.URL.Path, date, expires)) {
		refuse(http.StatusForbidden, "SignatureDoesNotMatch", "URL "+quoteClient(r.URL.Path)+": the request signature we calculated does not match the signature you provided")
		return
	}
	t, err1 := time.Parse(amzDateFormat, date)
	ttl, err2 := strconv.Atoi(expires)
	s.mu.Lock()
	now := s.now()
	s.mu.Unlock()
	if err1 != nil || err2 != nil || !now.Before(t.Add(time.Duration(ttl)*time.Second)) {
		refuse(http.StatusForbidden, "AccessDenied", "URL "+quoteClient(r.URL.Path)+": Request has expired")
		return
	}
	rest := strings.TrimPrefix(r.URL.Path, storagePrefix)
	i := strings.LastIndex(rest, "/sha256/")
	if i < 0 {
		refuse(http.StatusNotFound, "NoSuchKey", "URL "+quoteClient(r.URL.Path)+": The specified key does not exist.")
		return
	}
	digest := "sha256:" + rest[i+len("/sha256/"):]
	s.mu.Lock()
	b := s.blobs[digest]
	s.mu.Unlock()
	if b == nil {
		s3Error(w, http.StatusNotFound, "NoSuchKey", "The specified key does not exist.")
		return
	}
	var content io.ReadSeeker
	if b.path != "" {
		f, err := os.Open(b.path)
		if err != nil {
			s3Error(w, http.StatusInternalServerError, "InternalError", "We encountered an internal error. Please try again.")
			return
		}
		defer f.Close()
		content = f
	} else {
		content = bytes.NewReader(b.data)
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("ETag", `"`+strings.TrimPrefix(digest, "sha256:")+`"`)
	http.ServeContent(w, r, "", time.Time{}, content)
}

func hmacEqual(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
