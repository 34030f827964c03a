package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/smithy-go/logging"
)

func TestRedactPatterns(t *testing.T) {
	const pw = "eyJwYXlsb2FkIjoiUGFzc3dvcmQxMjMifQ" // a made-up ECR password
	tok := base64.StdEncoding.EncodeToString([]byte("AWS:" + pw))
	tests := []struct {
		name, in string
		gone     []string // substrings that must not survive
		kept     []string // substrings that must survive
	}{
		{
			name: "sigv4 header",
			in:   "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: AWS4-HMAC-SHA256 Credential=AKID/20260101/us-west-2/ssm/aws4_request, SignedHeaders=host, Signature=abcdef0123456789\r\nX-Amz-Target: AmazonSSM.GetParameter\r\n",
			gone: []string{"Signature=abcdef0123456789", "Credential=AKID"},
			kept: []string{"Authorization: [REDACTED]", "X-Amz-Target: AmazonSSM.GetParameter"},
		},
		{
			name: "security token header, any case",
			in:   "x-amz-security-token: FQoGZXIvYXdzEJr//////////wEaDOPQRSTUV\nUser-Agent: aws-sdk-go-v2",
			gone: []string{"FQoGZXIvYXdzEJr"},
			kept: []string{"User-Agent: aws-sdk-go-v2"},
		},
		{
			name: "ECR token in a JSON body",
			in:   `{"authorizationData":[{"authorizationToken":"` + tok + `","expiresAt":1.7E9,"proxyEndpoint":"https://123456789012.dkr.ecr.us-west-2.amazonaws.com"}]}`,
			gone: []string{tok},
			kept: []string{`"authorizationToken":"[REDACTED]"`, "proxyEndpoint", "expiresAt"},
		},
		{
			name: "docker config auth and credentials fields",
			in:   `{"auths":{"h":{"auth":"` + tok + `"}},"Secret":"s3cr3tvalue","SecretAccessKey":"wJalrXUtnFEMI","sessionToken":"IQoJb3JpZ2lu","password":"hunter2hunter2"}`,
			gone: []string{tok, "s3cr3tvalue", "wJalrXUtnFEMI", "IQoJb3JpZ2lu", "hunter2hunter2"},
			kept: []string{`"auths":{"h":{"auth":"[REDACTED]"}}`},
		},
		{
			name: "STS XML",
			in:   "<Credentials><AccessKeyId>ASIAX</AccessKeyId><SecretAccessKey>wJalrXUtnFEMI/K7MDENG</SecretAccessKey><SessionToken>IQoJb3JpZ2luX2Vj</SessionToken></Credentials>",
			gone: []string{"wJalrXUtnFEMI/K7MDENG", "IQoJb3JpZ2luX2Vj"},
			kept: []string{"<AccessKeyId>ASIAX</AccessKeyId>"},
		},
		{
			name: "presigned query",
			in:   "GET /?Action=GetCallerIdentity&X-Amz-Security-Token=IQoJb3JpZ2lu&X-Amz-Signature=deadbeef&Version=2011-06-15",
			gone: []string{"IQoJb3JpZ2lu", "deadbeef"},
			kept: []string{"Action=GetCallerIdentity", "Version=2011-06-15"},
		},
		{
			name: "ordinary text is untouched",
			in:   "resolve us-west-2: parameter /aws/service/appmesh/envoy not found",
			kept: []string{"resolve us-west-2: parameter /aws/service/appmesh/envoy not found"},
		},
	}
	r := newRedactor()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { checkRedacted(t, r.redact(tt.in), tt.gone, tt.kept) })
	}
}

// checkRedacted fails when redacted text got holds a string of gone or lacks one of
// kept. It never prints a secret: only its length, and got with gone blanked out.
func checkRedacted(t *testing.T, got string, gone, kept []string) {
	t.Helper()
	shown := got
	for _, g := range gone {
		if strings.Contains(got, g) {
			t.Errorf("redacted text still contains a secret (%d bytes long)", len(g))
			shown = strings.ReplaceAll(shown, g, "[SECRET]")
		}
	}
	for _, k := range kept {
		if !strings.Contains(got, k) {
			t.Errorf("redacted text lost %q: %s", k, shown)
		}
	}
}

func TestRedactKnownSecrets(t *testing.T) {
	const secret = "tHiSiSaSeCrEtAcCeSsKeY/+123"
	r := newRedactor()
	r.add(secret, "short") // short values are not registered: they would eat ordinary words
	forms := []string{
		secret,
		base64.StdEncoding.EncodeToString([]byte(secret)),
		base64.StdEncoding.EncodeToString([]byte("AWS:" + secret)),
	}
	for _, f := range forms {
		got := r.redact("error: something with " + f + " in it")
		if strings.Contains(got, f) {
			t.Errorf("a registered secret form survived redaction")
		}
		if !strings.Contains(got, "error: something with [REDACTED] in it") {
			t.Errorf("redact = %q", got)
		}
	}
	if got := r.redact("a short word"); got != "a short word" {
		t.Errorf("redact(%q) = %q", "a short word", got)
	}
}

func TestSDKLoggerRedactsAndIsConcurrencySafe(t *testing.T) {
	var buf bytes.Buffer
	r := newRedactor()
	r.add("theSecretAccessKeyValue")
	l := sdkLogger{w: r.writer(&buf)}
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l.Logf(logging.Debug, "Request\nAuthorization: AWS4-HMAC-SHA256 Signature=%s\nbody %s", "0123abcd", "theSecretAccessKeyValue")
		}()
	}
	wg.Wait()
	out := buf.String()
	if strings.Contains(out, "0123abcd") || strings.Contains(out, "theSecretAccessKeyValue") {
		t.Errorf("SDK log contains a secret")
	}
	if n := strings.Count(out, "[debug] SDK DEBUG Request"); n != 20 {
		t.Errorf("%d log messages, want 20:\n%s", n, out)
	}
}

func FuzzRedact(f *testing.F) {
	for _, s := range []string{
		"Authorization: AWS4-HMAC-SHA256 Signature=abc",
		`{"authorizationToken":"QVdTOnBhc3N3b3Jk"}`,
		`{"a\"token":"x\\"}`,
		`{"authorization\u0054oken":"QVdTOng="}`,
		"<SessionToken>x</SessionToken>",
		"X-Amz-Security-Token=abc&b=c",
		"plain text",
		"",
	} {
		f.Add(s)
	}
	const secret = "fuzz-known-secret-value"
	r := newRedactor()
	r.add(secret)
	f.Fuzz(func(t *testing.T, s string) {
		out := r.redact(s + secret + s)
		if strings.Contains(out, secret) {
			t.Fatalf("known secret survived redaction")
		}
	})
}

// TestRedactDecodedJSON: JSON is redacted as a parser reads it, so escapes in a field
// name or value do not hide a secret.
func TestRedactDecodedJSON(t *testing.T) {
	const tok = "QVdTOnNlY3JldC1wYXNzd29yZC12YWx1ZQ=="
	const known = "known/secret+value"
	tests := []struct {
		name, in string
		gone     []string
		kept     []string
	}{
		{"escaped field name", `{"authorizationData":[{"authorization\u0054oken":"` + tok + `","proxyEndpoint":"https://h"}]}`,
			[]string{tok}, []string{`"proxyEndpoint":"https://h"`}},
		{"escaped field name, all escapes", `{"\u0070\u0061\u0073\u0073\u0077\u006f\u0072\u0064":"hunter2hunter2"}`,
			[]string{"hunter2hunter2"}, nil},
		{"escaped value of a known secret", `{"note":"known\/secret\u002bvalue"}`,
			[]string{`known\/secret\u002bvalue`}, []string{`"note":"[REDACTED]"`}},
		{"secret nested in an object value", `{"Credentials":{"AccessKeyId":"ASIA","SecretAccessKey":"wJalrXUtnFEMI"}}`,
			[]string{"wJalrXUtnFEMI"}, nil},
		{"JSON after HTTP headers", "HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.1\r\n\r\n{\"authorization\\u0054oken\":\"" + tok + "\"}\n",
			[]string{tok}, []string{"HTTP/1.1 200 OK", "Content-Type: application/x-amz-json-1.1"}},
		{"not JSON is kept", `{not json} {"a":1} {`, nil, []string{`{not json} {"a":1} {`}},
	}
	r := newRedactor()
	r.add(known)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { checkRedacted(t, r.redact(tt.in), tt.gone, tt.kept) })
	}
}

// TestDebugRedactsEscapedTokenAnswer runs 'login --debug' against an ECR endpoint whose
// token answer names its field with an escape ("authorization\u0054oken"), as any JSON
// encoder may: the SDK decodes it, so the login works, and --debug must not print the
// token.
func TestDebugRedactsEscapedTokenAnswer(t *testing.T) {
	const password = "escaped-key-password-0123456789"
	token := base64.StdEncoding.EncodeToString([]byte("AWS:" + password))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if r.Header.Get("X-Amz-Target") != "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken" {
			http.Error(w, `{"__type":"UnknownOperationException"}`, http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		fmt.Fprintf(w, `{"authorizationData":[{"authorization\u0054oken":%q,"expiresAt":%d,"proxyEndpoint":"https://840364872350.dkr.ecr.us-west-2.amazonaws.com"}]}`,
			token, time.Now().Add(12*time.Hour).Unix())
	}))
	defer srv.Close()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"--endpoint-url", srv.URL, "--debug", "login", "--region", "us-west-2", "--password-stdout"},
		strings.NewReader(""), &stdout, &stderr)
	if code != exitOK || strings.TrimSpace(stdout.String()) != password {
		t.Fatalf("login against the escaped answer: exit %d, stdout %d bytes, stderr:\n%s", code, stdout.Len(), secRedact(stderr.String(), map[string]string{"password": password, "token": token}))
	}
	if !strings.Contains(stderr.String(), "[debug] SDK") || !strings.Contains(stderr.String(), "authorizationData") {
		t.Fatalf("--debug did not log the answer:\n%s", stderr.String())
	}
	for name, s := range map[string]string{"password": password, "token": token, "token without padding": strings.TrimRight(token, "=")} {
		if strings.Contains(stderr.String(), s) {
			t.Errorf("--debug output contains the %s", name)
		}
	}
}
