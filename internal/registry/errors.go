package registry

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/appmesh-envoy/appmesh-envoy-go/internal/errcode"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/quote"
)

// Sentinels for [errors.Is]. Every error of a [Client] method is an [*Error] or wraps
// one of these (or a context error).
var (
	// ErrUnauthorized: the registry refused the credentials (HTTP 401).
	ErrUnauthorized error = errcode.New(errcode.Unauthorized, "registry refused the credentials")
	// ErrAccessDenied: the credentials lack a permission (HTTP 403).
	ErrAccessDenied error = errcode.New(errcode.AccessDenied, "registry denied access")
	// ErrNotFound: no such manifest or blob (HTTP 404).
	ErrNotFound error = errcode.New(errcode.ManifestUnknown, "not found in the registry")
	// ErrRepositoryNotFound: no such repository (HTTP 404 NAME_UNKNOWN; code
	// image-not-found, as ECR's RepositoryNotFoundException).
	ErrRepositoryNotFound error = errcode.New(errcode.ImageNotFound, "repository not found")
	// ErrTagImmutable: the registry refused to write an existing tag (ECR's TAG_INVALID
	// for a repository with immutable tags).
	ErrTagImmutable error = errcode.New(errcode.TagImmutable, "tag is immutable")
	// ErrDigestMismatch: content that does not hash to its digest or does not have its
	// descriptor's size.
	ErrDigestMismatch error = errcode.New(errcode.DigestMismatch, "digest mismatch")
	// ErrRateLimited: 429 on every attempt.
	ErrRateLimited error = errcode.New(errcode.RateLimited, "rate limited")
	// ErrUnreachable: the registry could not be reached, or only by breaking a rule
	// (a redirect this package refuses to follow).
	ErrUnreachable error = errcode.New(errcode.RegistryUnreachable, "registry unreachable")
	// ErrRefused: a request this package refused to make, such as a redirect to plain
	// http or to a link-local address (code registry-unreachable). It is never retried.
	ErrRefused error = errcode.New(errcode.RegistryUnreachable, "request refused by the registry traffic rules")
	// ErrTooLarge: an answer larger than any valid one (a manifest over 4 MiB, a token
	// answer over 64 KiB).
	ErrTooLarge error = errcode.New(errcode.ResponseTooLarge, "registry answer too large")
	// ErrUnsupported: content this package does not copy (a schema 1 manifest, an
	// unknown media type, nesting beyond the bound).
	ErrUnsupported error = errcode.New(errcode.UnsupportedManifest, "unsupported manifest")
	// ErrServer: the registry answered 5xx on every attempt.
	ErrServer error = errcode.New(errcode.ServerError, "registry server error")
	// ErrProtocol: an answer that breaks the distribution API (a missing Location, an
	// upload on another host).
	ErrProtocol error = errcode.New(errcode.RegistryUnreachable, "registry protocol error")
)

// Error is a failed registry request. Its message names the operation, the reference,
// the HTTP status and the registry's error code and message (sanitized), and says what
// to do.
type Error struct {
	// Op is what was being done, such as "read manifest" or "upload blob".
	Op string
	// Ref is the reference or repository, as "host/repository[:tag|@digest]".
	Ref string
	// Status is the HTTP status, 0 when no answer arrived.
	Status int
	// RegistryCode is the first error code of the registry's error body, such as
	// "MANIFEST_UNKNOWN", or "".
	RegistryCode string
	// Message is the registry's message (sanitized, at most 200 bytes), or a
	// description of what went wrong.
	Message string
	// Hint says what to do.
	Hint string
	// Kind is the sentinel the error matches.
	Kind error
	// Err is the underlying error, if any.
	Err error
}

// Error implements error.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Op)
	if e.Ref != "" {
		b.WriteString(" " + e.Ref)
	}
	b.WriteString(": ")
	if e.Status != 0 {
		b.WriteString("HTTP " + strconv.Itoa(e.Status))
		if e.RegistryCode != "" {
			b.WriteString(" " + e.RegistryCode)
		}
		if e.Message != "" {
			b.WriteString(": ")
		}
	}
	b.WriteString(e.Message)
	if e.Hint != "" {
		b.WriteString("; " + e.Hint)
	}
	return b.String()
}

// ErrorCode returns the code of Kind.
func (e *Error) ErrorCode() errcode.Code {
	if c := errcode.Of(e.Kind); c != "" && c != errcode.Unknown {
		return c
	}
	return errcode.Of(e.Err)
}

// Unwrap returns Kind and Err.
func (e *Error) Unwrap() []error {
	var out []error
	for _, x := range []error{e.Kind, e.Err} {
		if x != nil {
			out = append(out, x)
		}
	}
	return out
}

// maxErrorBody bounds what is read of an error answer.
const maxErrorBody = 64 << 10

// statusError reads the error body of resp (at most 64 KiB) and returns the error of
// op on ref. resp's body is closed.
func statusError(op, ref string, resp *http.Response) *Error {
	defer resp.Body.Close()
	e := &Error{Op: op, Ref: ref, Status: resp.StatusCode}
	if resp.Request != nil && resp.Request.Method != http.MethodHead {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		var eb struct {
			Errors []struct {
				Code    string `json:"code"`
				Message string `json:"message"`
			} `json:"errors"`
		}
		if json.Unmarshal(body, &eb) == nil && len(eb.Errors) > 0 {
			e.RegistryCode = quote.Text(eb.Errors[0].Code, 40)
			e.Message = quote.Text(eb.Errors[0].Message, 200)
		} else if len(body) > 0 && !strings.Contains(resp.Header.Get("Content-Type"), "html") {
			e.Message = quote.Text(string(body), 200)
		}
	}
	if e.Message == "" {
		e.Message = strings.ToLower(http.StatusText(resp.StatusCode))
	}
	e.Kind, e.Hint = classify(resp.StatusCode, e.RegistryCode, e.Message)
	return e
}

// classify returns the sentinel and the advice for an HTTP status and registry code.
func classify(status int, code, msg string) (error, string) {
	switch {
	case status == http.StatusUnauthorized:
		return ErrUnauthorized, "the registry refused the credentials: for ECR check the region and that the token is fresh; for another registry log in to it (docker login HOST)"
	case status == http.StatusForbidden:
		return ErrAccessDenied, "the credentials lack a permission for this: grant it (appmesh-envoy policy --principal mirror prints the policy a mirror needs)"
	case status == http.StatusNotFound && code == "NAME_UNKNOWN":
		return ErrRepositoryNotFound, "create the repository (--create-repository) or check its name"
	case status == http.StatusNotFound:
		return ErrNotFound, "check the repository and the tag or digest"
	case code == "TAG_INVALID" && strings.Contains(strings.ToLower(msg), "immutable"):
		return ErrTagImmutable, "the repository has immutable tags: an existing tag can never be written again (not even at the same digest)"
	case status == http.StatusTooManyRequests:
		return ErrRateLimited, "the registry throttled every attempt: try again later (authenticated pulls get higher limits)"
	case status >= 500:
		return ErrServer, "the registry failed on every attempt: try again later"
	case status == http.StatusRequestEntityTooLarge:
		return ErrTooLarge, "the registry refused the size"
	}
	return ErrProtocol, "the registry refused the request"
}
