package registry

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/appmesh-envoy/appmesh-envoy-go/internal/errcode"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/quote"
)

// DefaultTransport returns the base transport of registry traffic for callers that have
// none from an aws.Config: the standard library's defaults, proxies from the
// environment (HTTPS_PROXY, HTTP_PROXY, NO_PROXY) and, when AWS_CA_BUNDLE names a PEM
// file, exactly the certificates in it as trusted roots, as the AWS SDK does
// (aws-sdk-go-v2 config, resolveCustomCABundle). A bundle that cannot be read or holds
// no certificate is an error, never a silent fallback to the system roots.
func DefaultTransport() (*http.Transport, error) {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = http.ProxyFromEnvironment
	if path := os.Getenv("AWS_CA_BUNDLE"); path != "" {
		pem, err := os.ReadFile(path)
		if err != nil {
			return nil, errcode.Wrap(errcode.New(errcode.FileError, "cannot read AWS_CA_BUNDLE"),
				"read AWS_CA_BUNDLE "+quote.Input(path)+": "+err.Error()+"; fix the path or unset it", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, errcode.Wrap(errcode.New(errcode.FileError, "bad AWS_CA_BUNDLE"),
				"AWS_CA_BUNDLE "+quote.Input(path)+" holds no PEM certificate; fix the file or unset it", nil)
		}
		t.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return t, nil
}

// prepareTransport returns a copy of base that dials through the link-local guard within
// dial, waits at most idle for response headers, and keeps enough idle connections per host for
// parallel blob transfers.
func prepareTransport(base *http.Transport, idle, dial time.Duration) *http.Transport {
	t := base.Clone()
	d := &net.Dialer{Timeout: dial, KeepAlive: 30 * time.Second, Control: refuseLinkLocal}
	t.DialContext = d.DialContext
	t.DialTLSContext = nil
	t.ResponseHeaderTimeout = idle
	t.ExpectContinueTimeout = time.Second
	if t.MaxIdleConnsPerHost < 16 {
		t.MaxIdleConnsPerHost = 16
	}
	if t.TLSClientConfig == nil {
		t.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	return t
}

// errLinkLocal is the dial error for a link-local address.
var errLinkLocal = errors.New("refusing to connect to a link-local address (instance metadata lives there)")

// refuseLinkLocal is the dialer's Control function: it runs after name resolution, so a
// name that resolves to 169.254.169.254 is refused too.
func refuseLinkLocal(_, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return nil
	}
	if ip, err := netip.ParseAddr(host); err == nil && isLinkLocal(ip) {
		return &policyError{msg: errLinkLocal.Error() + ": " + address}
	}
	return nil
}

// policyError is a request this package refused to make. It is never retried.
type policyError struct{ msg string }

func (e *policyError) Error() string { return e.msg }

// checkRedirect is the http.Client's redirect policy (see the package documentation).
func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	first, prev := via[0], via[len(via)-1]
	refuse := func(why string) error {
		return &policyError{msg: "refused to follow a redirect from " + redactURL(prev.URL) + " to " + redactURL(req.URL) + ": " + why}
	}
	switch {
	case len(via) > c.opts.MaxRedirects:
		return refuse("more than " + strconv.Itoa(c.opts.MaxRedirects) + " redirects")
	case req.URL.Scheme != "https" && req.URL.Scheme != "http":
		return refuse("not http(s)")
	case prev.URL.Scheme == "https" && req.URL.Scheme != "https":
		return refuse("from https to plain http")
	case req.URL.Scheme == "http" && !IsLoopback(req.URL.Host):
		return refuse("plain http to a host that is not loopback")
	case hostIsLinkLocal(req.URL.Host):
		return refuse("to a link-local address")
	case !IsLoopback(first.URL.Host) && IsLoopback(req.URL.Host):
		return refuse("from a registry on the network to loopback")
	}
	// The credential stays with the registry: presigned URLs carry their own.
	req.Header.Del("Authorization")
	req.Header.Del("Cookie")
	c.opts.Logger.LogAttrs(req.Context(), slog.LevelDebug, "registry redirect", slog.String("url", redactURL(req.URL)))
	return nil
}

// errIdle is the cause of a request cancelled by its idle timer.
var errIdle = errors.New("idle timeout")

// idleTimer cancels a request when no byte has moved for its duration.
type idleTimer struct {
	d      time.Duration
	t      *time.Timer
	cancel context.CancelCauseFunc
	once   sync.Once
}

// withIdle returns a context that is cancelled (cause errIdle) when kick has not been
// called for d, and the timer. stop releases both.
func withIdle(ctx context.Context, d time.Duration) (context.Context, *idleTimer) {
	ctx, cancel := context.WithCancelCause(ctx)
	it := &idleTimer{d: d, cancel: cancel}
	it.t = time.AfterFunc(d, func() { cancel(errIdle) })
	return ctx, it
}

func (it *idleTimer) kick() { it.t.Reset(it.d) }

func (it *idleTimer) stop() {
	it.once.Do(func() {
		it.t.Stop()
		it.cancel(nil)
	})
}

// idleReader kicks the timer on every read.
type idleReader struct {
	r  io.Reader
	it *idleTimer
}

func (r *idleReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if n > 0 {
		r.it.kick()
	}
	return n, err
}

// idleBody is a response body that kicks the timer on every read and stops it on Close.
type idleBody struct {
	idleReader
	rc io.ReadCloser
}

func newIdleBody(rc io.ReadCloser, it *idleTimer) *idleBody {
	return &idleBody{idleReader: idleReader{r: rc, it: it}, rc: rc}
}

func (b *idleBody) Close() error {
	err := b.rc.Close()
	b.it.stop()
	return err
}
