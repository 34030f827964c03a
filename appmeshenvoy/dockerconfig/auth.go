package dockerconfig

import (
	"encoding/base64"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/errcode"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/quote"
)

// dockerHost reduces a registry given as a host, "https://host" or "host/path" to the
// key docker uses in "auths".
func dockerHost(s string) string {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "https://")
	s = strings.TrimPrefix(s, "http://")
	if i := strings.IndexByte(s, '/'); i >= 0 {
		s = s[:i]
	}
	return s
}

// checkHost returns an [ErrInvalidToken] error when host (from [dockerHost] of raw) is
// empty or holds white space or control characters, which no registry host has and which
// would reach a credential helper's input.
func checkHost(op, raw, host string) error {
	if host == "" {
		return errcode.Wrap(ErrInvalidToken, fmt.Sprintf("%s: registry %s has no host; give a host such as 111122223333.dkr.ecr.us-west-2.amazonaws.com", op, quote.Input(raw)), nil)
	}
	if strings.IndexFunc(host, func(r rune) bool { return unicode.IsSpace(r) || !unicode.IsPrint(r) }) >= 0 {
		return errcode.Wrap(ErrInvalidToken, fmt.Sprintf("%s: registry host %s holds white space or control characters; give a host name", op, quote.Input(host)), nil)
	}
	return nil
}

// checkTokens returns an [ErrInvalidToken] error for an empty list or the first token
// that cannot be written: no registry host, no password, expired at now.
func checkTokens(op string, tokens []appmeshenvoy.Token, now time.Time) error {
	if len(tokens) == 0 {
		return errcode.Wrap(ErrInvalidToken, op+": no tokens; pass at least one", nil)
	}
	for _, t := range tokens {
		host := dockerHost(t.Registry)
		if err := checkHost(op, t.Registry, host); err != nil {
			return err
		}
		if t.Password.IsZero() {
			return errcode.Wrap(ErrInvalidToken, fmt.Sprintf("%s: the token for %s has no password; get one from a token provider", op, host), nil)
		}
		if !t.ExpiresAt.IsZero() && t.Expired(now) {
			return errcode.Wrap(ErrInvalidToken, fmt.Sprintf("%s: the token for %s expired at %s; get a new one",
				op, host, t.ExpiresAt.UTC().Format(time.RFC3339)), nil)
		}
	}
	return nil
}

// username is t's user name, "AWS" when it has none (every ECR token's user).
func username(t appmeshenvoy.Token) string {
	if t.Username == "" {
		return appmeshenvoy.ECRUsername
	}
	return t.Username
}

// authValue is the value of an "auths" entry's "auth" key for t: base64 of
// "user:password", as docker writes it (encodeAuth in docker/cli
// cli/config/configfile/file.go).
func authValue(t appmeshenvoy.Token) appmeshenvoy.Secret {
	return appmeshenvoy.NewSecret(base64.StdEncoding.EncodeToString([]byte(username(t) + ":" + t.Password.Reveal())))
}
