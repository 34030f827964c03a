package bodylimit

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/appmesh-envoy/appmesh-envoy-go/internal/errcode"
)

func TestBodyLimit(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := map[string]int{"/small": 100, "/exact": 1000, "/big": 10 << 20}[r.URL.Path]
		if r.URL.Query().Has("chunked") {
			w.(http.Flusher).Flush() // no Content-Length
		}
		chunk := strings.Repeat("x", 4096)
		for n > 0 {
			k := min(n, len(chunk))
			if _, err := io.WriteString(w, chunk[:k]); err != nil {
				return
			}
			n -= k
		}
	}))
	defer srv.Close()
	c := Client(srv.Client(), 1000)
	get := func(path string) (int, error) {
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, srv.URL+path, nil)
		resp, err := c.Do(req)
		if err != nil {
			return 0, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return len(b), err
	}
	for _, path := range []string{"/small", "/exact", "/small?chunked", "/exact?chunked"} {
		if n, err := get(path); err != nil || n == 0 {
			t.Errorf("%s: %d bytes, %v", path, n, err)
		}
	}
	for _, path := range []string{"/big", "/big?chunked"} {
		n, err := get(path)
		var tl *TooLargeError
		if !errors.As(err, &tl) || !errors.Is(err, ErrTooLarge) || errcode.Of(err) != errcode.ResponseTooLarge || n > 1000 {
			t.Errorf("%s: %d bytes, %v", path, n, err)
		}
		if tl != nil && (tl.RetryableError() || strings.Contains(tl.URL, "?")) {
			t.Errorf("%s: %+v", path, tl)
		}
	}
}
