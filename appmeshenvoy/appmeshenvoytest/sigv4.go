package appmeshenvoytest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// protoError is one authentication failure in the spelling of each protocol family.
type protoError struct{ json, query AWSError }

func (e protoError) forProto(p protocol) AWSError {
	if p == protoJSON {
		return e.json
	}
	return e.query
}

var (
	errUnknownKey = protoError{
		json:  AWSError{Code: "UnrecognizedClientException", Status: 400, Message: "The security token included in the request is invalid."},
		query: AWSError{Code: "InvalidClientTokenId", Status: 403, Message: "The security token included in the request is invalid."},
	}
	errBadSignature = protoError{
		json: AWSError{Code: "InvalidSignatureException", Status: 400, Message: "The request signature we calculated does not match the signature you provided. " +
			"Check your AWS Secret Access Key and signing method. Consult the service documentation for details."},
		query: AWSError{Code: "SignatureDoesNotMatch", Status: 403, Message: "The request signature we calculated does not match the signature you provided. " +
			"Check your AWS Secret Access Key and signing method. Consult the service documentation for details."},
	}
	errMissingAuth = protoError{
		json:  AWSError{Code: "MissingAuthenticationTokenException", Status: 400, Message: "Missing Authentication Token"},
		query: AWSError{Code: "MissingAuthenticationToken", Status: 403, Message: "Request is missing Authentication Token"},
	}
	errUnsignedHeaders = protoError{
		json: AWSError{Code: "IncompleteSignatureException", Status: 400, Message: "'Host' and 'X-Amz-Date' must be SignedHeaders in the AWS Authorization " +
			"(appmeshenvoytest requires both, and takes the signing time from X-Amz-Date only)."},
		query: AWSError{Code: "IncompleteSignature", Status: 400, Message: "'Host' and 'X-Amz-Date' must be SignedHeaders in the AWS Authorization " +
			"(appmeshenvoytest requires both, and takes the signing time from X-Amz-Date only)."},
	}
	errIncompleteSignature = protoError{
		json:  AWSError{Code: "IncompleteSignatureException", Status: 400, Message: "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' in the AWS4-HMAC-SHA256 format."},
		query: AWSError{Code: "IncompleteSignature", Status: 400, Message: "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' in the AWS4-HMAC-SHA256 format."},
	}
)

// unsignedPayload is the X-Amz-Content-Sha256 value of a request whose body is not
// signed. The server refuses it: the services it serves sign their payloads.
const unsignedPayload = "UNSIGNED-PAYLOAD"

// signsRequiredHeaders reports whether a's signed headers include host and x-amz-date,
// which this server requires.
func signsRequiredHeaders(a authorization) bool {
	var host, date bool
	for _, h := range a.signedHeaders {
		host = host || h == "host"
		date = date || h == "x-amz-date"
	}
	return host && date
}

// authorization is a parsed SigV4 Authorization header.
type authorization struct {
	accessKeyID   string
	date          string // yyyymmdd of the credential scope
	region        string
	service       string
	signedHeaders []string
	signature     string
}

func (a authorization) scope() string {
	return a.date + "/" + a.region + "/" + a.service + "/aws4_request"
}

// parseAuthorization parses an "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=...,
// Signature=..." header.
func parseAuthorization(h string) (authorization, *protoError) {
	var a authorization
	if h == "" {
		return a, &errMissingAuth
	}
	rest, ok := strings.CutPrefix(h, "AWS4-HMAC-SHA256 ")
	if !ok {
		return a, &errIncompleteSignature
	}
	for _, part := range strings.Split(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return a, &errIncompleteSignature
		}
		switch k {
		case "Credential":
			f := strings.Split(v, "/")
			if len(f) != 5 || f[4] != "aws4_request" || f[0] == "" || f[2] == "" || f[3] == "" {
				return a, &errIncompleteSignature
			}
			a.accessKeyID, a.date, a.region, a.service = f[0], f[1], f[2], f[3]
		case "SignedHeaders":
			a.signedHeaders = strings.Split(v, ";")
		case "Signature":
			a.signature = v
		}
	}
	if a.accessKeyID == "" || len(a.signedHeaders) == 0 || a.signature == "" {
		return a, &errIncompleteSignature
	}
	return a, nil
}

// maxSkew is how far a request's signing time (X-Amz-Date) may be from the server's
// clock, as AWS allows.
const maxSkew = 15 * time.Minute

// checkSigningTime answers a request whose X-Amz-Date is more than [maxSkew] away from
// now with AWS's "Signature expired" (or "not yet current") error, in the error code of
// a bad signature, which the SDK reads as clock skew (it compares its clock with the
// answer's Date header, corrects its signing time and retries). A missing or malformed
// X-Amz-Date is left to the signature check, which fails it.
func checkSigningTime(amzDate string, now time.Time, p protocol) *AWSError {
	t, err := time.Parse(amzDateFormat, amzDate)
	if err != nil {
		return nil
	}
	now = now.UTC()
	var msg string
	switch {
	case t.Before(now.Add(-maxSkew)):
		msg = fmt.Sprintf("Signature expired: %s is now earlier than %s (%s - 15 min.)",
			amzDate, now.Add(-maxSkew).Format(amzDateFormat), now.Format(amzDateFormat))
	case t.After(now.Add(maxSkew)):
		msg = fmt.Sprintf("Signature not yet current: %s is still later than %s (%s + 15 min.)",
			amzDate, now.Add(maxSkew).Format(amzDateFormat), now.Format(amzDateFormat))
	default:
		return nil
	}
	e := errBadSignature.forProto(p)
	e.Message = msg
	return &e
}

// amzDateFormat is the layout of X-Amz-Date.
const amzDateFormat = "20060102T150405Z"

// verifySignature rebuilds the canonical request of r from the headers a lists, derives
// the signing key from secret and compares signatures.
func verifySignature(r *http.Request, a authorization, body []byte, secret string) bool {
	amzDate := r.Header.Get("X-Amz-Date")
	if len(amzDate) < 8 || amzDate[:8] != a.date {
		return false
	}
	// The canonical request ends with the hash of the body that was received. An
	// X-Amz-Content-Sha256 header that claims the hash of some other body fails, so that
	// the signature always covers the body that was received (UNSIGNED-PAYLOAD is
	// refused before this check).
	sum := sha256.Sum256(body)
	payloadHash := hex.EncodeToString(sum[:])
	if h := r.Header.Get("X-Amz-Content-Sha256"); h != "" && !strings.EqualFold(h, payloadHash) {
		return false
	}

	var cr strings.Builder
	cr.WriteString(r.Method + "\n")
	path := r.URL.EscapedPath()
	if path == "" {
		path = "/"
	}
	cr.WriteString(path + "\n")
	cr.WriteString(canonicalQuery(r.URL.Query()) + "\n")
	signed := append([]string(nil), a.signedHeaders...)
	sort.Strings(signed)
	for _, name := range signed {
		cr.WriteString(name + ":" + canonicalHeaderValue(r, name) + "\n")
	}
	cr.WriteString("\n" + strings.Join(signed, ";") + "\n" + payloadHash)

	crHash := sha256.Sum256([]byte(cr.String()))
	toSign := "AWS4-HMAC-SHA256\n" + amzDate + "\n" + a.scope() + "\n" + hex.EncodeToString(crHash[:])

	key := hmacSHA256([]byte("AWS4"+secret), a.date)
	key = hmacSHA256(key, a.region)
	key = hmacSHA256(key, a.service)
	key = hmacSHA256(key, "aws4_request")
	want := hex.EncodeToString(hmacSHA256(key, toSign))
	return hmac.Equal([]byte(want), []byte(a.signature))
}

func canonicalHeaderValue(r *http.Request, name string) string {
	switch name {
	case "host":
		return r.Host
	case "content-length":
		if v := r.Header.Get("Content-Length"); v != "" {
			return v
		}
		return strconv.FormatInt(r.ContentLength, 10)
	}
	vals := r.Header.Values(name)
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = strings.Join(strings.Fields(v), " ")
	}
	return strings.Join(out, ",")
}

func canonicalQuery(q url.Values) string {
	if len(q) == 0 {
		return ""
	}
	var pairs []string
	for k, vs := range q {
		for _, v := range vs {
			pairs = append(pairs, uriEncode(k)+"="+uriEncode(v))
		}
	}
	sort.Strings(pairs)
	return strings.Join(pairs, "&")
}

// uriEncode percent-encodes everything but the RFC 3986 unreserved characters.
func uriEncode(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}
