package main

import (
	"bytes"
	"encoding/base64"
	"strings"
	"sync"
	"testing"

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
		t.Run(tt.name, func(t *testing.T) {
			got := r.redact(tt.in)
			for _, g := range tt.gone {
				if strings.Contains(got, g) {
					t.Errorf("redacted text still contains a secret (%d bytes long): %s", len(g), got)
				}
			}
			for _, k := range tt.kept {
				if !strings.Contains(got, k) {
					t.Errorf("redacted text lost %q: %s", k, got)
				}
			}
		})
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
