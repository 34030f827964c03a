// Package bodylimit bounds what an HTTP client reads of a response body, so that a
// hostile or broken endpoint streaming gigabytes ends a call with a clear error instead of
// filling memory: the SDK's deserializers read a whole JSON answer before they look at it.
package bodylimit

import (
	"fmt"
	"io"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/appmesh-envoy/appmesh-envoy-go/internal/errcode"
)

// ErrTooLarge is matched by the error a limited body returns once it has more bytes than
// its limit.
var ErrTooLarge error = errcode.New(errcode.ResponseTooLarge, "response too large")

// TooLargeError is the read error of a body over its limit. The SDK's retryer does not
// retry it: an endpoint that sent too much once will do so again.
type TooLargeError struct {
	// Limit is the number of bytes allowed.
	Limit int64
	// URL is the request URL without query.
	URL string
}

// Error implements error.
func (e *TooLargeError) Error() string {
	return fmt.Sprintf("the response from %s is larger than %d bytes, more than any valid answer; the endpoint (or a proxy) is broken or hostile", e.URL, e.Limit)
}

// Unwrap returns ErrTooLarge.
func (e *TooLargeError) Unwrap() error { return ErrTooLarge }

// RetryableError reports false, for the SDK's retryer.
func (e *TooLargeError) RetryableError() bool { return false }

// Client returns an aws.HTTPClient that sends requests with c (a new SDK default client
// when nil) and fails the read of any response body after limit bytes.
func Client(c aws.HTTPClient, limit int64) aws.HTTPClient {
	if c == nil {
		c = http.DefaultClient
	}
	return &client{next: c, limit: limit}
}

type client struct {
	next  aws.HTTPClient
	limit int64
}

func (c *client) Do(req *http.Request) (*http.Response, error) {
	resp, err := c.next.Do(req)
	if err != nil || resp == nil || resp.Body == nil {
		return resp, err
	}
	if resp.ContentLength > c.limit {
		resp.Body.Close()
		return nil, &TooLargeError{Limit: c.limit, URL: urlOf(req)}
	}
	resp.Body = &body{r: resp.Body, left: c.limit, limit: c.limit, url: urlOf(req)}
	return resp, nil
}

func urlOf(req *http.Request) string {
	u := *req.URL
	u.RawQuery, u.Fragment = "", ""
	return u.String()
}

// body reads at most limit bytes and then fails.
type body struct {
	r     io.ReadCloser
	left  int64
	limit int64
	url   string
}

func (b *body) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// One more byte tells a body of exactly limit bytes from a longer one.
		var one [1]byte
		n, err := b.r.Read(one[:])
		if n > 0 {
			return 0, &TooLargeError{Limit: b.limit, URL: b.url}
		}
		return 0, err
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.r.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *body) Close() error { return b.r.Close() }
