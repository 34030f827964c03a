package appmeshenvoytest

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Registry credentials, as ECR has them:
//
//   - Private registries take HTTP Basic "AWS:<password>", the password being one that
//     ecr:GetAuthorizationToken issued in the registry's region and that has not
//     expired. Without credentials the answer is 401 with the challenge
//     `Basic realm="https://<host>/",service="ecr.amazonaws.com"` (the header ECR sends,
//     as quoted in mayflower/docker-ls#28).
//   - The public gallery takes a Bearer token from the token endpoint ("<server
//     URL>/token/", as https://public.ecr.aws/token/), which hands one to anyone; without
//     one the answer is 401 with `Bearer realm="<server URL>/token/",service="public.ecr.aws",scope="aws"`.
//
// Gallery tokens and presigned storage URLs are signed with the server's random key,
// so they are checked without keeping any state per token.

// tokenGrant is the issue of the registry password by GetAuthorizationToken in one
// region to one identity.
type tokenGrant struct {
	expires time.Time
	account string
	user    string
}

// principal is the caller of a registry request; the zero value is anonymous.
type principal struct {
	account, user string
}

func (p principal) anonymous() bool { return p.account == "" }

// grantLocked records that GetAuthorizationToken issued pw in regionCode to an identity.
// A later grant of the same password in the same region replaces the earlier one.
func (s *Server) grantLocked(pw, regionCode, account, user string, expires time.Time) {
	m := s.grants[pw]
	if m == nil {
		m = map[string]tokenGrant{}
		s.grants[pw] = m
	}
	m[regionCode] = tokenGrant{expires: expires, account: account, user: user}
}

// parseBasic returns the user and password of a Basic Authorization header.
func parseBasic(h string) (user, pw string, ok bool) {
	scheme, rest, _ := strings.Cut(h, " ")
	if !strings.EqualFold(scheme, "Basic") {
		return "", "", false
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(rest))
	if err != nil {
		return "", "", false
	}
	return strings.Cut(string(raw), ":")
}

// Registry authentication errors, as ECR words them: code DENIED, "Not Authorized"
// without credentials (as public.ecr.aws answers, quoted in
// jetstack/version-checker#122), "Your authorization token is invalid." for a bad one
// (kreuzwerker/terraform-provider-docker#666) and "Your authorization token has
// expired. Reauthenticate and try again." (aws/aws-cli#6580). ECR may send the last one
// with status 403; the server answers 401 to every credential failure, with the
// challenge, so that clients log in again.
func notAuthorized() *regError {
	return &regError{status: http.StatusUnauthorized, code: "DENIED", msg: "Not Authorized"}
}

func tokenInvalid() *regError {
	return &regError{status: http.StatusUnauthorized, code: "DENIED", msg: "Your authorization token is invalid."}
}

func tokenExpired() *regError {
	return &regError{status: http.StatusUnauthorized, code: "DENIED", msg: "Your authorization token has expired. Reauthenticate and try again."}
}

// challenge adds the WWW-Authenticate header of key's registry to e.
func (s *Server) challenge(key registryKey, e *regError) *regError {
	h := `Basic realm="https://` + key.host + `/",service="ecr.amazonaws.com"`
	if key.public {
		h = `Bearer realm="` + s.URL + `/token/",service="public.ecr.aws",scope="aws"`
	}
	e.header = map[string]string{"WWW-Authenticate": h}
	return e
}

// authenticateRegistry checks the credentials of a registry request for the registry
// of key and returns the caller.
func (s *Server) authenticateRegistry(r *http.Request, key registryKey) (principal, *regError) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return principal{}, s.challenge(key, notAuthorized())
	}
	if key.public {
		scheme, tok, _ := strings.Cut(h, " ")
		if !strings.EqualFold(scheme, "Bearer") || !s.validGalleryToken(strings.TrimSpace(tok)) {
			return principal{}, s.challenge(key, tokenInvalid())
		}
		return principal{}, nil
	}
	user, pw, ok := parseBasic(h)
	if !ok || user != "AWS" {
		return principal{}, s.challenge(key, tokenInvalid())
	}
	s.mu.Lock()
	g, issued := s.grants[pw][key.region]
	now := s.now()
	s.mu.Unlock()
	switch {
	case !issued:
		return principal{}, s.challenge(key, tokenInvalid())
	case !now.Before(g.expires):
		return principal{}, s.challenge(key, tokenExpired())
	}
	return principal{account: g.account, user: g.user}, nil
}

// validPing reports whether a ping (GET /v2/) carries credentials valid for some
// registry: a password issued in any region and not expired, or a gallery token.
func (s *Server) validPing(r *http.Request) bool {
	h := r.Header.Get("Authorization")
	if scheme, tok, _ := strings.Cut(h, " "); strings.EqualFold(scheme, "Bearer") {
		return s.validGalleryToken(strings.TrimSpace(tok))
	}
	user, pw, ok := parseBasic(h)
	if !ok || user != "AWS" {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for _, g := range s.grants[pw] {
		if now.Before(g.expires) {
			return true
		}
	}
	return false
}

// sign returns the hex HMAC-SHA256 of the parts under the server's key.
func (s *Server) sign(parts ...string) string {
	m := hmac.New(sha256.New, s.key[:])
	for _, p := range parts {
		m.Write([]byte(p))
		m.Write([]byte{0})
	}
	return hex.EncodeToString(m.Sum(nil))
}

// galleryToken returns a gallery token valid until expires: "<expiry>.<signature>",
// base64url-encoded.
func (s *Server) galleryToken(expires time.Time) string {
	exp := strconv.FormatInt(expires.Unix(), 10)
	return base64.RawURLEncoding.EncodeToString([]byte("gallery:" + exp + ":" + s.sign("gallery", exp)))
}

// validGalleryToken reports whether tok is a gallery token of this server that has not
// expired.
func (s *Server) validGalleryToken(tok string) bool {
	if len(tok) > 512 {
		return false
	}
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return false
	}
	f := strings.Split(string(raw), ":")
	if len(f) != 3 || f[0] != "gallery" {
		return false
	}
	if subtle.ConstantTimeCompare([]byte(f[2]), []byte(s.sign("gallery", f[1]))) != 1 {
		return false
	}
	exp, err := strconv.ParseInt(f[1], 10, 64)
	return err == nil && s.now().Unix() < exp
}

// serveToken answers the gallery's token endpoint (GET <server URL>/token/, the realm of
// the gallery's Bearer challenge): {"token": "..."} for anyone, as the real endpoint
// answers an anonymous client, and for a client with the Basic credentials of an ECR
// Public token (ecrpublic.go); other credentials are refused. The token is valid for the token TTL ([Server.SetTokenTTL]).
func (s *Server) serveToken(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		s.writeRegError(w, r, s.refuseRegistry(http.StatusMethodNotAllowed, "UNSUPPORTED", "method %s on the token endpoint: only GET is implemented", quoteClient(r.Method)))
		return
	}
	if h := r.Header.Get("Authorization"); h != "" {
		user, pw, ok := parseBasic(h)
		if !ok || !s.galleryBasicCredentials(user, pw) {
			s.writeRegError(w, r, tokenInvalid())
			return
		}
		s.mu.Lock()
		s.galleryLogins++
		s.mu.Unlock()
	}
	s.mu.Lock()
	exp := s.now().Add(s.tokenTTL)
	s.mu.Unlock()
	body, _ := json.Marshal(struct {
		Token string `json:"token"`
	}{s.galleryToken(exp)})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		_, _ = w.Write(body)
	}
}

// SetGalleryRateLimit makes the public gallery answer 429 TOOMANYREQUESTS ("Rate
// exceeded", with a Retry-After header) to manifest requests (pulls) beyond perSecond
// in one second of the server's clock, as ECR Public throttles pulls (1 per second
// anonymous, 10 authenticated). With a fixed clock ([WithClock]) the second never ends
// until the test moves the clock. 0 (the default) or less removes the limit. The fault
// machinery applies too: registry requests to the gallery count as "ecr-public:<action>"
// in us-east-1, so FailNext("ecr-public:BatchGetImage", "us-east-1", n,
// Throttling("ecr-public:BatchGetImage")) makes the next n pulls answer 429.
func (s *Server) SetGalleryRateLimit(perSecond int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.galleryLimit = max(perSecond, 0)
	s.galleryWindow, s.galleryCount = 0, 0
}

// galleryThrottled counts one gallery pull and reports whether it is over the limit.
func (s *Server) galleryThrottled() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.galleryLimit == 0 {
		return false
	}
	sec := s.now().Unix()
	if sec != s.galleryWindow {
		s.galleryWindow, s.galleryCount = sec, 0
	}
	s.galleryCount++
	return s.galleryCount > s.galleryLimit
}

// tooManyRequests is the registry's throttling answer.
func tooManyRequests() *regError {
	return &regError{status: http.StatusTooManyRequests, code: "TOOMANYREQUESTS", msg: "Rate exceeded", header: map[string]string{"Retry-After": "1"}}
}
