package main

import (
	"encoding/base64"
	"fmt"
	"io"
	"regexp"
	"sort"
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
	for _, p := range redactPatterns() {
		s = p.re.ReplaceAllString(s, p.repl)
	}
	return s
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
