package registry

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"

	"github.com/appmesh-envoy/appmesh-envoy-go/internal/awserr"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/errcode"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/quote"
)

// Defaults of [Options].
const (
	// DefaultIdleTimeout is the default of [Options.IdleTimeout].
	DefaultIdleTimeout = time.Minute
	// DefaultMaxRedirects is the default of [Options.MaxRedirects].
	DefaultMaxRedirects = 5
	// DefaultMaxAttempts is the default of [Options.MaxAttempts].
	DefaultMaxAttempts = 5
	// DefaultMaxBackoff is the default of [Options.MaxBackoff].
	DefaultMaxBackoff = 10 * time.Second
	// DefaultMaxRetryAfter is the default of [Options.MaxRetryAfter].
	DefaultMaxRetryAfter = time.Minute
	DefaultDialTimeout   = 30 * time.Second
)

// Options configures a [Client]. [New] fills in the defaults before it calls the option
// functions.
type Options struct {
	// Overrides sends the traffic of a registry host (the key: a host as [NormalizeHost]
	// returns it) to a URL checked by [ParseEndpointURL] (--registry-endpoint
	// HOST=URL). An override wins over AWSEndpoint. Default: none.
	Overrides map[string]*url.URL

	// AWSEndpoint, when set, is a URL that serves every AWS registry host by path, as
	// the local endpoint of appmeshenvoytest does: the traffic of a host for which
	// IsAWSHost reports true goes to <AWSEndpoint>/<host>/... . Default: nil, each host
	// is its own endpoint.
	AWSEndpoint *url.URL

	// IsAWSHost reports whether a host is an AWS registry (ECR private or public), for
	// AWSEndpoint. Default: nil, no host is.
	IsAWSHost func(host string) bool

	// BasicFirst reports hosts that take HTTP Basic credentials (ECR private
	// registries): they are sent with the first request instead of after a 401.
	// Default: nil, credentials are sent after the registry asks for them.
	BasicFirst func(host string) bool

	// Keychain gives the credentials of a registry host (the host references name, not
	// the endpoint URL). Default: anonymous for every host.
	Keychain authn.Keychain

	// Transport is the base of every connection: proxies, TLS roots. The client uses a
	// copy with its own dialer (which refuses link-local addresses) and timeouts.
	// Default: [DefaultTransport].
	Transport *http.Transport

	// IdleTimeout ends a request when no byte has moved (no answer header, no body byte
	// read or written) for this long. There is no overall deadline. Values <= 0 mean the
	// default, DefaultIdleTimeout (one minute).
	IdleTimeout time.Duration

	// DialTimeout bounds connecting to a registry (name resolution and the TCP
	// handshake). A short one makes a registry that cannot be reached (the public
	// gallery from an air-gapped cluster) fail fast. Values <= 0 mean the default,
	// DefaultDialTimeout (30 seconds).
	DialTimeout time.Duration

	// MaxRedirects bounds the redirects one request follows. Values < 1 mean the
	// default, DefaultMaxRedirects (5).
	MaxRedirects int

	// MaxAttempts is the number of attempts of a request that can be repeated (no
	// streamed body) when the registry answers 429 or 5xx or the connection fails.
	// Values < 1 mean the default, DefaultMaxAttempts (5).
	MaxAttempts int

	// MaxBackoff caps the wait between attempts when the registry gives no
	// Retry-After. Values <= 0 mean the default, DefaultMaxBackoff (10 seconds).
	MaxBackoff time.Duration

	// MaxRetryAfter caps how long one Retry-After is honoured. Values <= 0 mean the
	// default, DefaultMaxRetryAfter (one minute).
	MaxRetryAfter time.Duration

	// Logger receives debug records of every request and answer, with Authorization
	// values, cookies, token answers and the secret parts of presigned URLs redacted.
	// Default: discard.
	Logger *slog.Logger

	// OnEndpoint is called once per host whose traffic goes to a URL other than its
	// own (an override or AWSEndpoint), before the first request to it, so that the
	// caller can show it ("HOST → URL"). Default: nil.
	OnEndpoint func(Endpoint)
}

// Client talks to container registries. Create it with [New]; the zero value is not
// usable. A Client is safe for concurrent use; it caches credentials and bearer tokens
// per host.
type Client struct {
	opts Options
	http *http.Client
	auth sync.Map // host → *hostAuth
	seen sync.Map // host → true once OnEndpoint was called
}

// New returns a client with the options applied.
func New(optFns ...func(*Options)) (*Client, error) {
	o := Options{IdleTimeout: DefaultIdleTimeout, DialTimeout: DefaultDialTimeout, MaxRedirects: DefaultMaxRedirects,
		MaxAttempts: DefaultMaxAttempts, MaxBackoff: DefaultMaxBackoff, MaxRetryAfter: DefaultMaxRetryAfter}
	for _, fn := range optFns {
		fn(&o)
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = DefaultIdleTimeout
	}
	if o.DialTimeout <= 0 {
		o.DialTimeout = DefaultDialTimeout
	}
	if o.MaxRedirects < 1 {
		o.MaxRedirects = DefaultMaxRedirects
	}
	if o.MaxAttempts < 1 {
		o.MaxAttempts = DefaultMaxAttempts
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = DefaultMaxBackoff
	}
	if o.MaxRetryAfter <= 0 {
		o.MaxRetryAfter = DefaultMaxRetryAfter
	}
	if o.Keychain == nil {
		o.Keychain = authn.NewMultiKeychain()
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	overrides := make(map[string]*url.URL, len(o.Overrides))
	for h, u := range o.Overrides {
		host, err := NormalizeHost(h)
		if err != nil {
			return nil, err
		}
		if u == nil {
			return nil, errcode.Wrap(ErrInvalidEndpoint, "registry endpoint for "+host+": no URL", nil)
		}
		checked, err := ParseEndpointURL(u.String())
		if err != nil {
			return nil, err
		}
		overrides[host] = checked
	}
	o.Overrides = overrides
	if o.AWSEndpoint != nil {
		checked, err := ParseEndpointURL(o.AWSEndpoint.String())
		if err != nil {
			return nil, err
		}
		o.AWSEndpoint = checked
	}
	base := o.Transport
	if base == nil {
		t, err := DefaultTransport()
		if err != nil {
			return nil, err
		}
		base = t
	}
	c := &Client{opts: o}
	c.http = &http.Client{Transport: prepareTransport(base, o.IdleTimeout, o.DialTimeout), CheckRedirect: c.checkRedirect}
	return c, nil
}

// CloseIdleConnections closes the connections the client keeps open for reuse. The
// client stays usable.
func (c *Client) CloseIdleConnections() { c.http.CloseIdleConnections() }

// Repo is a repository as references name it: a registry host and a repository name
// (path) inside it.
type Repo struct {
	// Host is the registry host, such as "111122223333.dkr.ecr.us-west-2.amazonaws.com".
	Host string
	// Name is the repository name, such as "platform/envoy".
	Name string
}

// String returns "host/name".
func (r Repo) String() string { return r.Host + "/" + r.Name }

// Endpoint returns where the traffic of host goes (see [Options]).
func (c *Client) Endpoint(host string) (Endpoint, error) {
	h, err := NormalizeHost(host)
	if err != nil {
		return Endpoint{}, err
	}
	var ep Endpoint
	switch u, ok := c.opts.Overrides[h]; {
	case ok:
		ep = Endpoint{Host: h, URL: u, Overridden: true}
	case c.opts.AWSEndpoint != nil && c.opts.IsAWSHost != nil && c.opts.IsAWSHost(h):
		u := *c.opts.AWSEndpoint
		u.Path = strings.TrimRight(u.Path, "/") + "/" + h
		ep = Endpoint{Host: h, URL: &u, Overridden: true}
	case IsLoopback(h):
		ep = Endpoint{Host: h, URL: &url.URL{Scheme: "http", Host: h}}
	default:
		ep = Endpoint{Host: h, URL: &url.URL{Scheme: "https", Host: h}}
	}
	if ep.Overridden && c.opts.OnEndpoint != nil {
		if _, dup := c.seen.LoadOrStore(h, true); !dup {
			c.opts.OnEndpoint(ep)
		}
	}
	return ep, nil
}

// call describes one request of the registry API.
type call struct {
	op, ref string // for errors: "read manifest", "host/repo:tag"
	method  string
	repo    Repo
	path    string   // below /v2/<repository>/, such as "manifests/v1"
	abs     *url.URL // or an absolute URL on the same endpoint (upload locations, pages)
	query   url.Values
	header  http.Header
	body    func() io.Reader // nil: no body
	size    int64            // body length
	replay  bool             // the body can be made again: the request may be retried
	push    bool             // the bearer scope includes push
	from    *Repo            // a mount source: its pull scope is added
}

// canRetry reports whether the request may be sent again.
func (cl *call) canRetry() bool { return cl.body == nil || cl.replay }

// wireName returns the repository name the endpoint serves repo under.
func wireName(ep Endpoint, name string) string { return ep.prefix() + name }

// repoURL returns the URL of a path below the repository on the endpoint: the
// endpoint URL's path is a prefix of repository names, inside /v2/.
func repoURL(ep Endpoint, name, path string) *url.URL {
	u := *ep.URL
	u.Path = "/v2/" + ep.prefix() + name + "/" + path
	return &u
}

// do sends a request: it adds credentials, answers an authentication challenge once,
// and repeats the request (when it can be) after 429, 5xx and connection failures,
// honouring Retry-After. The answer's body is watched by the idle timer; the caller
// closes it. An error is an [*Error] or wraps a context error.
func (c *Client) do(ctx context.Context, cl call) (*http.Response, error) {
	ep, err := c.Endpoint(cl.repo.Host)
	if err != nil {
		return nil, err
	}
	var u *url.URL
	if cl.abs != nil {
		if cl.abs.Scheme != ep.URL.Scheme || !strings.EqualFold(cl.abs.Host, ep.URL.Host) {
			return nil, &Error{Op: cl.op, Ref: cl.ref, Message: "the registry pointed to " + quote.Input(redactURL(cl.abs)) + ", another host than its endpoint " + ep.URL.Host,
				Hint: "the registry or a proxy is misconfigured; credentials are not sent elsewhere", Kind: ErrProtocol}
		}
		cp := *cl.abs
		u = &cp
	} else {
		u = repoURL(ep, cl.repo.Name, cl.path)
	}
	if len(cl.query) > 0 {
		q := u.Query()
		for k, vs := range cl.query {
			for _, v := range vs {
				q.Add(k, v)
			}
		}
		u.RawQuery = q.Encode()
	}
	actions := "pull"
	if cl.push {
		actions = "pull,push"
	}
	scopes := []string{"repository:" + wireName(ep, cl.repo.Name) + ":" + actions}
	if cl.from != nil {
		scopes = append(scopes, "repository:"+wireName(ep, cl.from.Name)+":pull")
	}
	scopeKey := strings.Join(scopes, " ")
	challenged := false
	for attempt := 1; ; attempt++ {
		rctx, it := withIdle(ctx, c.opts.IdleTimeout)
		var body io.Reader
		if cl.body != nil {
			body = &idleReader{r: cl.body(), it: it}
		}
		req, err := http.NewRequestWithContext(rctx, cl.method, u.String(), body)
		if err != nil {
			it.stop()
			return nil, &Error{Op: cl.op, Ref: cl.ref, Message: "bad request: " + err.Error(), Kind: ErrProtocol}
		}
		if cl.body != nil {
			req.ContentLength = cl.size
			if cl.size == 0 {
				req.Body = http.NoBody
			}
		}
		for k, vs := range cl.header {
			req.Header[k] = vs
		}
		req.Header.Set("User-Agent", userAgent)
		if err := c.authorize(ctx, req, ep, scopeKey); err != nil {
			it.stop()
			return nil, err
		}
		sentAuth := req.Header.Get("Authorization") != ""
		c.logRequest(ctx, req)
		resp, err := c.http.Do(req)
		if err != nil {
			terr := c.transportError(cl.op, cl.ref, ctx, rctx, err)
			it.stop()
			if terr.retry && cl.canRetry() && attempt < c.opts.MaxAttempts {
				if err := c.sleep(ctx, c.backoff(attempt)); err != nil {
					return nil, err
				}
				continue
			}
			return nil, terr.err
		}
		c.logResponse(ctx, resp)
		resp.Body = newIdleBody(resp.Body, it)
		if resp.StatusCode == http.StatusUnauthorized && !challenged && cl.canRetry() {
			challenged = true
			ok, err := c.answerChallenge(ctx, resp, ep, scopes, sentAuth)
			if err != nil {
				drain(resp)
				return nil, err
			}
			if ok {
				drain(resp)
				attempt--
				continue
			}
			return resp, nil
		}
		if retryStatus(resp.StatusCode) && cl.canRetry() && attempt < c.opts.MaxAttempts {
			wait, ok := c.retryAfter(resp.Header.Get("Retry-After"))
			if !ok {
				wait = c.backoff(attempt)
			}
			drain(resp)
			if err := c.sleep(ctx, wait); err != nil {
				return nil, err
			}
			continue
		}
		return resp, nil
	}
}

// userAgent identifies the module to registries.
const userAgent = "appmesh-envoy-go (+https://github.com/appmesh-envoy/appmesh-envoy-go)"

// retryStatus reports answers worth another attempt.
func retryStatus(status int) bool {
	switch status {
	case http.StatusRequestTimeout, http.StatusTooManyRequests, http.StatusInternalServerError,
		http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// retryAfter reads a Retry-After header (seconds or an HTTP date), capped at
// MaxRetryAfter.
func (c *Client) retryAfter(h string) (time.Duration, bool) {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0, false
	}
	var d time.Duration
	if n, err := strconv.Atoi(h); err == nil && n >= 0 {
		d = time.Duration(n) * time.Second
	} else if t, err := http.ParseTime(h); err == nil {
		d = time.Until(t)
	} else {
		return 0, false
	}
	return min(max(d, 0), c.opts.MaxRetryAfter), true
}

func (c *Client) backoff(attempt int) time.Duration {
	d, _ := awserr.Backoff(c.opts.MaxBackoff).BackoffDelay(attempt, nil)
	return d
}

// sleep waits d or until ctx is done.
func (c *Client) sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// drain reads a little of an answer's body, so that its connection can be reused, and
// closes it.
func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
}

// transportErr is an [*Error] for a request that got no answer, and whether another
// attempt may help.
type transportErr struct {
	err   *Error
	retry bool
}

// transportError turns the error of http.Client.Do (or of reading a body) into an
// [*Error]: a refused redirect or dial (never retried), the caller's context, the idle
// timeout, or an unreachable registry.
func (c *Client) transportError(op, ref string, parent, rctx context.Context, err error) transportErr {
	var pe *policyError
	switch {
	case errors.As(err, &pe):
		return transportErr{err: &Error{Op: op, Ref: ref, Message: pe.msg, Kind: ErrRefused,
			Hint: "the registry (or something between) sent the request where credentials or data must not go"}}
	case parent.Err() != nil:
		return transportErr{err: &Error{Op: op, Ref: ref, Message: "stopped: " + parent.Err().Error(), Err: parent.Err()}}
	case errors.Is(err, errIdle) || rctx != nil && errors.Is(context.Cause(rctx), errIdle):
		return transportErr{err: &Error{Op: op, Ref: ref, Message: "no data moved for " + c.opts.IdleTimeout.String(),
			Hint: "the registry or the network stalled", Kind: errcode.New(errcode.Timeout, "idle timeout"), Err: err}, retry: true}
	}
	return transportErr{err: &Error{Op: op, Ref: ref, Message: quote.Text(err.Error(), 300), Kind: ErrUnreachable, Err: err,
		Hint: "check the registry address, the network and any proxy (HTTPS_PROXY, NO_PROXY)"}, retry: true}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
