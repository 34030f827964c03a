package registry

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"

	"github.com/appmesh-envoy/appmesh-envoy-go/internal/errcode"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/quote"
)

// MaxTokenAnswer bounds the answer of a bearer token endpoint: real ones are a few KiB.
const MaxTokenAnswer = 64 << 10

// Authentication follows the distribution spec's token flow
// (https://distribution.github.io/distribution/spec/auth/token/): a request without
// credentials, a 401 with a WWW-Authenticate challenge, then Basic credentials or a
// bearer token fetched from the challenge's realm. Hosts that [Options.BasicFirst]
// names (ECR) get Basic credentials on the first request, which saves the round trip.

// challenge is one WWW-Authenticate challenge.
type challenge struct {
	scheme string            // lower case: "basic", "bearer"
	params map[string]string // keys in lower case
}

// parseChallenge parses one WWW-Authenticate header value: a scheme, then
// comma-separated key=value or key="quoted value" parameters (RFC 9110 §11.6.1).
// Anything it cannot read ends the parameters; the scheme is still returned.
func parseChallenge(h string) challenge {
	h = strings.TrimSpace(h)
	scheme, rest, _ := strings.Cut(h, " ")
	c := challenge{scheme: strings.ToLower(scheme), params: map[string]string{}}
	rest = strings.TrimSpace(rest)
	for rest != "" && len(c.params) < 16 {
		eq := strings.IndexByte(rest, '=')
		if eq <= 0 {
			break
		}
		key := strings.ToLower(strings.TrimSpace(rest[:eq]))
		rest = strings.TrimSpace(rest[eq+1:])
		var val string
		if strings.HasPrefix(rest, `"`) {
			var b strings.Builder
			i, closed := 1, false
			for ; i < len(rest); i++ {
				ch := rest[i]
				if ch == '\\' && i+1 < len(rest) {
					i++
					b.WriteByte(rest[i])
					continue
				}
				if ch == '"' {
					closed = true
					break
				}
				b.WriteByte(ch)
			}
			if !closed {
				break
			}
			val, rest = b.String(), rest[i+1:]
		} else {
			end := strings.IndexByte(rest, ',')
			if end < 0 {
				end = len(rest)
			}
			val, rest = strings.TrimSpace(rest[:end]), rest[end:]
		}
		if key != "" {
			c.params[key] = val
		}
		rest = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(rest), ","))
	}
	return c
}

// pickChallenge returns the bearer challenge of an answer if there is one, else the
// basic one.
func pickChallenge(h http.Header) (challenge, bool) {
	var basic *challenge
	for _, v := range h.Values("WWW-Authenticate") {
		c := parseChallenge(v)
		switch c.scheme {
		case "bearer":
			return c, true
		case "basic":
			basic = &c
		}
	}
	if basic != nil {
		return *basic, true
	}
	return challenge{}, false
}

// hostAuth is what a client knows about authenticating to one registry host.
type hostAuth struct {
	mu       sync.Mutex
	auth     authn.Authenticator // resolved once from the keychain
	resolved bool
	err      error
	scheme   string // "", "basic" or "bearer": what the host asked for
	bearer   challenge
	tokens   map[string]bearerToken // by scope
}

type bearerToken struct {
	value   string
	expires time.Time
}

// resource is an authn.Resource for a registry host.
type resource string

func (r resource) String() string      { return string(r) }
func (r resource) RegistryStr() string { return string(r) }

func (c *Client) hostAuth(host string) *hostAuth {
	v, _ := c.auth.LoadOrStore(host, &hostAuth{tokens: map[string]bearerToken{}})
	return v.(*hostAuth)
}

// credentials returns the credentials of host from the keychain (nil for anonymous).
func (c *Client) credentials(ctx context.Context, host string) (*authn.AuthConfig, error) {
	ha := c.hostAuth(host)
	ha.mu.Lock()
	if !ha.resolved {
		ha.auth, ha.err = authn.Resolve(ctx, c.opts.Keychain, resource(host))
		// A keychain that gave up because the caller did is asked again next time.
		ha.resolved = ctx.Err() == nil
	}
	a, err := ha.auth, ha.err
	ha.mu.Unlock()
	if err != nil {
		return nil, credentialsError(host, err)
	}
	if a == nil || a == authn.Anonymous {
		return nil, nil
	}
	cfg, err := authn.Authorization(ctx, a)
	if err != nil {
		return nil, credentialsError(host, err)
	}
	if cfg == nil || (*cfg == authn.AuthConfig{}) {
		return nil, nil
	}
	if cfg.Username == "" && cfg.Password == "" && cfg.Auth != "" {
		raw, err := base64.StdEncoding.DecodeString(cfg.Auth)
		if err != nil {
			return nil, credentialsError(host, errcode.New(errcode.InvalidDockerConfig, "the auth field is not base64"))
		}
		u, p, _ := strings.Cut(string(raw), ":")
		out := *cfg
		out.Username, out.Password = u, p
		cfg = &out
	}
	return cfg, nil
}

// credentialsError is the error of a keychain that could not give credentials. The
// cause's message is kept (the keychains of this module never put secrets in errors).
func credentialsError(host string, err error) error {
	code := errcode.Of(err)
	if code == errcode.Unknown {
		code = errcode.Unauthorized
	}
	return &Error{Op: "get credentials for", Ref: host, Message: err.Error(),
		Hint: "fix the credentials of this registry (for ECR, AWS credentials; otherwise docker login)", Kind: errcode.New(code, "no credentials"), Err: err}
}

// basicValue returns the Authorization value of cfg for a registry: "Bearer <registry
// token>" when the keychain gave one, else Basic.
func basicValue(cfg *authn.AuthConfig) string {
	if cfg.RegistryToken != "" {
		return "Bearer " + cfg.RegistryToken
	}
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(cfg.Username+":"+cfg.Password))
}

// authorize sets the Authorization header of a request to ep for host, with what the
// client knows so far: nothing before the first challenge (unless the host is
// BasicFirst), Basic credentials, or a cached bearer token for the scope.
func (c *Client) authorize(ctx context.Context, req *http.Request, ep Endpoint, scope string) error {
	ha := c.hostAuth(ep.Host)
	ha.mu.Lock()
	scheme := ha.scheme
	tok, fresh := ha.tokens[scope]
	ha.mu.Unlock()
	if scheme == "" && c.opts.BasicFirst != nil && c.opts.BasicFirst(ep.Host) {
		scheme = "basic"
	}
	switch scheme {
	case "basic":
		cfg, err := c.credentials(ctx, ep.Host)
		if err != nil {
			return err
		}
		if cfg != nil {
			req.Header.Set("Authorization", basicValue(cfg))
		}
	case "bearer":
		if fresh && time.Now().Before(tok.expires) {
			req.Header.Set("Authorization", "Bearer "+tok.value)
		}
	}
	return nil
}

// answerChallenge learns from a 401 answer how host authenticates and prepares what
// the next attempt sends. It returns false when a retry cannot help (no challenge, or
// Basic credentials were sent and refused).
func (c *Client) answerChallenge(ctx context.Context, resp *http.Response, ep Endpoint, scopes []string, sentAuth bool) (bool, error) {
	ch, ok := pickChallenge(resp.Header)
	if !ok {
		return false, nil
	}
	ha := c.hostAuth(ep.Host)
	switch ch.scheme {
	case "basic":
		ha.mu.Lock()
		already := ha.scheme == "basic"
		ha.scheme = "basic"
		ha.mu.Unlock()
		if already && sentAuth {
			return false, nil
		}
		cfg, err := c.credentials(ctx, ep.Host)
		if err != nil {
			return false, err
		}
		return cfg != nil, nil
	case "bearer":
		tok, err := c.fetchToken(ctx, ep, ch, scopes)
		if err != nil {
			return false, err
		}
		ha.mu.Lock()
		ha.scheme, ha.bearer = "bearer", ch
		ha.tokens[strings.Join(scopes, " ")] = tok
		ha.mu.Unlock()
		return true, nil
	}
	return false, nil
}

// fetchToken gets a bearer token from the challenge's realm. Credentials are sent only
// when the realm is on the registry's own endpoint host; the realm must be https (or
// http on loopback), never link-local, and not on loopback for a registry that is not.
func (c *Client) fetchToken(ctx context.Context, ep Endpoint, ch challenge, scopes []string) (bearerToken, error) {
	fail := func(kind error, msg string, cause error) (bearerToken, error) {
		return bearerToken{}, &Error{Op: "get a token for", Ref: ep.Host, Message: msg, Kind: kind, Err: cause,
			Hint: "check the registry's token service"}
	}
	realm, err := url.Parse(ch.params["realm"])
	switch {
	case err != nil || ch.params["realm"] == "" || realm.Host == "":
		return fail(ErrProtocol, "the bearer challenge has no usable realm "+quote.Input(ch.params["realm"]), nil)
	case realm.Scheme != "https" && !(realm.Scheme == "http" && IsLoopback(realm.Host)):
		return fail(ErrRefused, "the token realm "+quote.Input(redactURL(realm))+" is not https (plain http only on loopback)", nil)
	case hostIsLinkLocal(realm.Host):
		return fail(ErrRefused, "the token realm is a link-local address", nil)
	case !IsLoopback(ep.URL.Host) && IsLoopback(realm.Host):
		return fail(ErrRefused, "the token realm of a registry on the network is on loopback", nil)
	}
	q := realm.Query()
	if s := ch.params["service"]; s != "" {
		q.Set("service", s)
	}
	for _, s := range scopes {
		q.Add("scope", s)
	}
	realm.RawQuery = q.Encode()
	var cfg *authn.AuthConfig
	if strings.EqualFold(realm.Host, ep.URL.Host) && realm.Scheme == ep.URL.Scheme {
		if cfg, err = c.credentials(ctx, ep.Host); err != nil {
			return bearerToken{}, err
		}
	}
	rctx, it := withIdle(ctx, c.opts.IdleTimeout)
	defer it.stop()
	var req *http.Request
	if cfg != nil && cfg.IdentityToken != "" {
		form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {cfg.IdentityToken}, "client_id": {"appmesh-envoy"}}
		if s := ch.params["service"]; s != "" {
			form.Set("service", s)
		}
		form.Set("scope", strings.Join(scopes, " "))
		req, err = http.NewRequestWithContext(rctx, http.MethodPost, (&url.URL{Scheme: realm.Scheme, Host: realm.Host, Path: realm.Path}).String(), strings.NewReader(form.Encode()))
		if err == nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
	} else {
		req, err = http.NewRequestWithContext(rctx, http.MethodGet, realm.String(), nil)
		if err == nil && cfg != nil && (cfg.Username != "" || cfg.Password != "") {
			req.SetBasicAuth(cfg.Username, cfg.Password)
		}
	}
	if err != nil {
		return fail(ErrProtocol, "bad token request: "+err.Error(), err)
	}
	c.logRequest(ctx, req)
	resp, err := c.http.Do(req)
	if err != nil {
		return bearerToken{}, c.transportError("get a token for", ep.Host, ctx, rctx, err).err
	}
	c.logResponse(ctx, resp)
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		e := statusError("get a token for", ep.Host, resp)
		if e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden {
			e.Kind = ErrUnauthorized
		}
		return bearerToken{}, e
	}
	if resp.ContentLength > MaxTokenAnswer {
		return fail(ErrTooLarge, "the token answer announces "+itoa(resp.ContentLength)+" bytes, over the 64 KiB bound", nil)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxTokenAnswer+1))
	if err != nil {
		return bearerToken{}, c.transportError("get a token for", ep.Host, ctx, rctx, err).err
	}
	if len(body) > MaxTokenAnswer {
		return fail(ErrTooLarge, "the token answer is over the 64 KiB bound", nil)
	}
	c.opts.Logger.LogAttrs(ctx, slog.LevelDebug, "registry token answer", slog.Int("bytes", len(body)), slog.String("body", redacted))
	var ta struct {
		Token       string `json:"token"`
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
	}
	if err := json.Unmarshal(body, &ta); err != nil {
		return fail(ErrProtocol, "the token answer is not JSON", nil)
	}
	tok := ta.Token
	if tok == "" {
		tok = ta.AccessToken
	}
	if tok == "" || strings.ContainsAny(tok, " \r\n\t") {
		return fail(ErrProtocol, "the token answer has no usable token", nil)
	}
	life := time.Duration(ta.ExpiresIn) * time.Second
	if life <= 0 {
		life = time.Minute // the token spec's default
	}
	life = min(life, time.Hour)
	// Refresh a little early, so that a token does not expire in flight.
	return bearerToken{value: tok, expires: time.Now().Add(life - min(10*time.Second, life/2))}, nil
}
