package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/aws/smithy-go/logging"
)

const redactedText = "[REDACTED]"

// redactor removes secrets from text before it reaches stderr: known secret values (the
// secret access key, session token, registry passwords, and their base64 forms) and
// anything in a place where secrets live (Authorization and X-Amz-Security-Token headers,
// JSON and XML fields named like tokens, passwords and secrets, signed query strings).
//
// JSON is judged as a JSON parser reads it, not as its bytes look: every JSON object in
// the text is decoded, and a field whose decoded name is secret-like loses its value, so
// an escaped name ("authorization\u0054oken") or an escaped value cannot slip through.
//
// A redactor is safe for concurrent use: the SDK logs from many goroutines at once.
type redactor struct {
	mu      sync.Mutex
	secrets []string // longest first, so a secret containing another is removed whole
}

func newRedactor() *redactor { return &redactor{} }

// minSecretLen keeps short strings (which would redact ordinary words) out of the list.
const minSecretLen = 6

// add registers secret values: each value, its standard and URL-safe base64 forms, and
// the base64 form of "AWS:<value>" (the shape of an ECR authorization token and of a
// docker config "auth" field).
func (r *redactor) add(values ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, v := range values {
		if len(v) < minSecretLen {
			continue
		}
		for _, form := range []string{
			v,
			base64.StdEncoding.EncodeToString([]byte(v)),
			base64.RawStdEncoding.EncodeToString([]byte(v)),
			base64.URLEncoding.EncodeToString([]byte(v)),
			base64.StdEncoding.EncodeToString([]byte("AWS:" + v)),
			base64.RawStdEncoding.EncodeToString([]byte("AWS:" + v)),
		} {
			if !containsString(r.secrets, form) {
				r.secrets = append(r.secrets, form)
			}
		}
	}
	sort.Slice(r.secrets, func(i, j int) bool { return len(r.secrets[i]) > len(r.secrets[j]) })
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// redactPatterns is compiled on first use: most runs never print anything that needs
// redacting, and compiling at start-up would cost every command.
var redactPatterns = sync.OnceValue(func() []redactPattern {
	return []redactPattern{
		// HTTP headers that carry credentials, as the SDK logs them ("Authorization: AWS4-...").
		{regexp.MustCompile(`(?im)^([ \t]*(?:authorization|proxy-authorization|x-amz-security-token|x-amz-signature|cookie|set-cookie)[ \t]*:[ \t]*)[^\r\n]*`), "${1}" + redactedText},
		// JSON string fields named like secrets: "authorizationToken", "password", "auth",
		// "SecretAccessKey", "SessionToken", "identitytoken", ...
		{regexp.MustCompile(`(?i)("[^"\\]*(?:token|passw|secret|credential)[^"\\]*"[ \t\r\n]*:[ \t\r\n]*")(?:[^"\\]|\\.)*(")`), "${1}" + redactedText + "${2}"},
		{regexp.MustCompile(`(?i)("auth"[ \t\r\n]*:[ \t\r\n]*")(?:[^"\\]|\\.)*(")`), "${1}" + redactedText + "${2}"},
		// XML elements of the Query protocol (STS, IAM): <SecretAccessKey>, <SessionToken>.
		{regexp.MustCompile(`(?i)(<(?:[A-Za-z]*(?:token|password|secret)[A-Za-z]*)>)[^<]*(</)`), "${1}" + redactedText + "${2}"},
		// Query strings and form bodies: X-Amz-Security-Token=..., X-Amz-Signature=..., Password=...
		{regexp.MustCompile(`(?i)((?:x-amz-security-token|x-amz-signature|x-amz-credential|[A-Za-z]*password|[A-Za-z]*secret[A-Za-z]*|[A-Za-z]*token)=)[^&\s"]*`), "${1}" + redactedText},
	}
})

// redactPattern replaces what re matches with repl.
type redactPattern struct {
	re   *regexp.Regexp
	repl string
}

// redact returns s with every known secret and secret-shaped field replaced.
func (r *redactor) redact(s string) string {
	r.mu.Lock()
	secrets := r.secrets
	r.mu.Unlock()
	for _, v := range secrets {
		if strings.Contains(s, v) {
			s = strings.ReplaceAll(s, v, redactedText)
		}
	}
	s = redactJSON(s, secrets)
	for _, p := range redactPatterns() {
		s = p.re.ReplaceAllString(s, p.repl)
	}
	return s
}

// maxJSONAttempts bounds how many '{' redactJSON tries to decode from, so that text full
// of braces that are not JSON costs little.
const maxJSONAttempts = 256

// redactJSON decodes every JSON object in s (such as the body of an HTTP answer in an
// SDK debug log) and writes back, re-encoded, each one that held a secret: the value of
// every field whose decoded name is secret-like (see secretField) is replaced, and so is
// every known secret inside a decoded string. Objects without secrets, and text that is
// not JSON, are left as they are.
func redactJSON(s string, secrets []string) string {
	var b strings.Builder
	done := 0 // s[:done] is in b
	for i, attempts := 0, 0; attempts < maxJSONAttempts; attempts++ {
		j := strings.IndexByte(s[i:], '{')
		if j < 0 {
			break
		}
		start := i + j
		dec := json.NewDecoder(strings.NewReader(s[start:]))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			i = start + 1
			continue
		}
		end := start + int(dec.InputOffset())
		i = end
		v, changed := redactValue(v, secrets)
		if !changed {
			continue
		}
		var out bytes.Buffer
		enc := json.NewEncoder(&out)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			// Not expected for decoded JSON; never let the original through.
			out.Reset()
			out.WriteString(strconv.Quote(redactedText))
		}
		b.WriteString(s[done:start])
		b.Write(bytes.TrimRight(out.Bytes(), "\n"))
		done = end
	}
	if done == 0 {
		return s
	}
	b.WriteString(s[done:])
	return b.String()
}

// secretField reports whether a JSON field name (decoded) is where secrets live:
// "authorizationToken", "password", "SecretAccessKey", "SessionToken", "auth", ...
func secretField(name string) bool {
	n := strings.ToLower(name)
	return n == "auth" || strings.Contains(n, "token") || strings.Contains(n, "passw") ||
		strings.Contains(n, "secret") || strings.Contains(n, "credential")
}

// redactValue returns v (decoded JSON) with the values of secret fields and the known
// secrets in strings replaced, and whether anything was.
func redactValue(v any, secrets []string) (any, bool) {
	switch x := v.(type) {
	case map[string]any:
		changed := false
		for k, val := range x {
			if secretField(k) {
				if s, ok := val.(string); !ok || s != redactedText {
					x[k] = redactedText
					changed = true
				}
				continue
			}
			var c bool
			x[k], c = redactValue(val, secrets)
			changed = changed || c
		}
		return x, changed
	case []any:
		changed := false
		for i := range x {
			var c bool
			x[i], c = redactValue(x[i], secrets)
			changed = changed || c
		}
		return x, changed
	case string:
		out := x
		for _, sec := range secrets {
			out = strings.ReplaceAll(out, sec, redactedText)
		}
		return out, out != x
	}
	return v, false
}

// writer wraps w so that everything written through it is redacted. Each Write is
// redacted on its own, so callers write whole lines or messages at a time.
func (r *redactor) writer(w io.Writer) io.Writer { return &redactWriter{r: r, w: w} }

type redactWriter struct {
	r  *redactor
	mu sync.Mutex
	w  io.Writer
}

func (w *redactWriter) Write(p []byte) (int, error) {
	out := w.r.redact(string(p))
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, err := io.WriteString(w.w, out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// sdkLogger is the smithy logging.Logger that --debug installs in aws.Config: each message
// is redacted and written to stderr as one block.
type sdkLogger struct {
	w io.Writer // a redactWriter
}

func (l sdkLogger) Logf(c logging.Classification, format string, v ...any) {
	msg := fmt.Sprintf(format, v...)
	_, _ = io.WriteString(l.w, "[debug] SDK "+string(c)+" "+strings.TrimRight(msg, "\r\n")+"\n")
}

var _ logging.Logger = sdkLogger{}
