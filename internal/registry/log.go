package registry

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// redacted replaces secrets in the debug log.
const redacted = "[REDACTED]"

// secretQueryWords mark query parameters whose values are secrets: the signature parts
// of presigned S3 URLs (X-Amz-Signature, X-Amz-Credential, X-Amz-Security-Token), and
// tokens, keys and signatures in general.
var secretQueryWords = []string{"signature", "credential", "token", "secret", "password", "sig", "key", "policy", "state"}

// redactURL returns u as text with the values of secret-looking query parameters and
// any user information replaced.
func redactURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	c := *u
	c.User = nil
	if c.RawQuery != "" {
		q := c.Query()
		for k := range q {
			lk := strings.ToLower(k)
			for _, w := range secretQueryWords {
				if strings.Contains(lk, w) {
					q[k] = []string{redacted}
					break
				}
			}
		}
		c.RawQuery = strings.ReplaceAll(q.Encode(), url.QueryEscape(redacted), redacted)
	}
	return c.String()
}

// redactHeader returns the header as sorted "Name: value" lines with Authorization
// (keeping the scheme, as "Basic [REDACTED]"), cookies and the URLs of Location headers
// redacted.
func redactHeader(h http.Header) []string {
	out := make([]string, 0, len(h))
	for k, vs := range h {
		for _, v := range vs {
			switch strings.ToLower(k) {
			case "authorization", "proxy-authorization":
				scheme, _, _ := strings.Cut(v, " ")
				v = scheme + " " + redacted
			case "cookie", "set-cookie", "x-amz-security-token":
				v = redacted
			case "location":
				if u, err := url.Parse(v); err == nil {
					v = redactURL(u)
				} else {
					v = redacted
				}
			}
			out = append(out, k+": "+v)
		}
	}
	sort.Strings(out)
	return out
}

// logRequest writes a debug record of a request about to be sent.
func (c *Client) logRequest(ctx context.Context, req *http.Request) {
	if !c.opts.Logger.Enabled(ctx, slog.LevelDebug) {
		return
	}
	c.opts.Logger.LogAttrs(ctx, slog.LevelDebug, "registry request",
		slog.String("method", req.Method), slog.String("url", redactURL(req.URL)),
		slog.Any("header", redactHeader(req.Header)))
}

// logResponse writes a debug record of an answer (its body is never logged).
func (c *Client) logResponse(ctx context.Context, resp *http.Response) {
	if !c.opts.Logger.Enabled(ctx, slog.LevelDebug) {
		return
	}
	c.opts.Logger.LogAttrs(ctx, slog.LevelDebug, "registry response",
		slog.String("method", resp.Request.Method), slog.String("url", redactURL(resp.Request.URL)),
		slog.Int("status", resp.StatusCode), slog.Any("header", redactHeader(resp.Header)))
}
