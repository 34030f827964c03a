package appmeshenvoytest_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/appmeshenvoytest"
	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

// signing describes how a test request is signed, where it differs from what the SDK
// does.
type signing struct {
	service     string    // signing name, "ssm" by default
	payloadHash string    // what is signed as the payload hash; the body's hash by default
	contentSHA  string    // X-Amz-Content-Sha256 header, none by default
	at          time.Time // signing time, time.Now() by default
	signedBody  string    // the body the payload hash is computed from, when it differs from the sent body
}

// sendSigned sends body to srv, signed as sg says, and returns the status and body of
// the answer.
func sendSigned(t *testing.T, srv *appmeshenvoytest.Server, sg signing, header http.Header, body string) (int, string) {
	t.Helper()
	if sg.service == "" {
		sg.service = "ssm"
	}
	if sg.at.IsZero() {
		sg.at = time.Now()
	}
	if sg.payloadHash == "" {
		hashed := body
		if sg.signedBody != "" {
			hashed = sg.signedBody
		}
		sum := sha256.Sum256([]byte(hashed))
		sg.payloadHash = hex.EncodeToString(sum[:])
	}
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if sg.contentSHA != "" {
		req.Header.Set("X-Amz-Content-Sha256", sg.contentSHA)
	}
	creds := aws.Credentials{AccessKeyID: appmeshenvoytest.AccessKeyID, SecretAccessKey: appmeshenvoytest.SecretAccessKey}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, sg.payloadHash, sg.service, "us-west-2", sg.at); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestSignaturePayloadHash: the signature covers the body that was received, whatever
// X-Amz-Content-Sha256 claims, and UNSIGNED-PAYLOAD is refused (the server's own rule:
// the services it serves sign their payloads).
func TestSignaturePayloadHash(t *testing.T) {
	srv := newServer(t)
	hdr := http.Header{"Content-Type": {"application/x-amz-json-1.1"}, "X-Amz-Target": {"AmazonSSM.GetParameter"}}
	good := `{"Name":"` + region.ParameterName + `"}`
	other := `{"Name":"/some/other/parameter"}`
	otherSum := sha256.Sum256([]byte(other))
	goodSum := sha256.Sum256([]byte(good))
	tests := []struct {
		name       string
		sg         signing
		wantStatus int
		want       string
	}{
		{"body hash, no header", signing{}, 200, appmeshenvoytest.DefaultTag},
		{"body hash in header", signing{contentSHA: hex.EncodeToString(goodSum[:])}, 200, appmeshenvoytest.DefaultTag},
		{"header and signature claim another body", signing{signedBody: other, contentSHA: hex.EncodeToString(otherSum[:])}, 400, "InvalidSignatureException"},
		{"signature of another body, no header", signing{signedBody: other}, 400, "InvalidSignatureException"},
		{"UNSIGNED-PAYLOAD signed as such is refused", signing{payloadHash: "UNSIGNED-PAYLOAD", contentSHA: "UNSIGNED-PAYLOAD"}, 400, "refused the request: X-Amz-Content-Sha256 UNSIGNED-PAYLOAD"},
		{"UNSIGNED-PAYLOAD header, body hash signed", signing{contentSHA: "UNSIGNED-PAYLOAD"}, 400, "refused the request: X-Amz-Content-Sha256 UNSIGNED-PAYLOAD"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := sendSigned(t, srv, tt.sg, hdr, good)
			if status != tt.wantStatus || !strings.Contains(body, tt.want) {
				t.Errorf("status %d body %s; want %d with %q", status, body, tt.wantStatus, tt.want)
			}
		})
	}
}

// TestSignatureClockSkew: a request signed more than 15 minutes away from the server's
// clock is refused as AWS refuses it, in each protocol's spelling.
func TestSignatureClockSkew(t *testing.T) {
	srv := newServer(t)
	jsonHdr := http.Header{"Content-Type": {"application/x-amz-json-1.1"}, "X-Amz-Target": {"AmazonSSM.GetParameter"}}
	jsonBody := `{"Name":"` + region.ParameterName + `"}`
	formHdr := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	formBody := "Action=GetCallerIdentity&Version=2011-06-15"
	tests := []struct {
		name       string
		service    string
		skew       time.Duration
		wantStatus int
		want       []string
	}{
		{"json, now", "ssm", 0, 200, []string{appmeshenvoytest.DefaultTag}},
		{"json, 5 min late", "ssm", -5 * time.Minute, 200, []string{appmeshenvoytest.DefaultTag}},
		{"json, 20 min late", "ssm", -20 * time.Minute, 400, []string{"InvalidSignatureException", "Signature expired"}},
		{"json, 20 min early", "ssm", 20 * time.Minute, 400, []string{"InvalidSignatureException", "Signature not yet current"}},
		{"query, 5 min early", "sts", 5 * time.Minute, 200, []string{"GetCallerIdentityResult"}},
		{"query, 1 day late", "sts", -24 * time.Hour, 403, []string{"SignatureDoesNotMatch", "Signature expired"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hdr, body := jsonHdr, jsonBody
			if tt.service == "sts" {
				hdr, body = formHdr, formBody
			}
			status, got := sendSigned(t, srv, signing{service: tt.service, at: time.Now().Add(tt.skew)}, hdr, body)
			if status != tt.wantStatus {
				t.Errorf("status %d, want %d: %s", status, tt.wantStatus, got)
			}
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("answer %s does not contain %q", got, w)
				}
			}
		})
	}
}

// TestPresignedRequestRefused: SigV4 in the query string is not implemented, and the
// server says so instead of answering "missing authentication token".
func TestPresignedRequestRefused(t *testing.T) {
	srv := newServer(t)
	body := `{"Name":"` + region.ParameterName + `"}`
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "AmazonSSM.GetParameter")
	sum := sha256.Sum256([]byte(body))
	creds := aws.Credentials{AccessKeyID: appmeshenvoytest.AccessKeyID, SecretAccessKey: appmeshenvoytest.SecretAccessKey}
	u, signed, err := v4.NewSigner().PresignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "ssm", "us-west-2", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	pre, err := http.NewRequest(http.MethodPost, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range signed {
		pre.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(pre)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), "query string") {
		t.Errorf("status %d body %s; want 400 saying query-string signing is not implemented", resp.StatusCode, b)
	}
	if r := srv.Refusals(); len(r) != 1 || !strings.Contains(r[0], "presigned") {
		t.Errorf("Refusals() = %q, want one about a presigned request", r)
	}
}

// TestStartAfterClose: a closed server does not start again (it could never be closed,
// and its goroutine would leak).
func TestStartAfterClose(t *testing.T) {
	srv := appmeshenvoytest.NewUnstartedServer()
	srv.Close()
	if err := srv.Start(); err == nil {
		t.Error("Start after Close succeeded")
	}
	srv.Close()
}

// TestSignedHeadersRequired: the server's own rule that host and x-amz-date are signed.
// A signature over other headers only is refused as incomplete, in each protocol's
// spelling, before the signature is even checked.
func TestSignedHeadersRequired(t *testing.T) {
	srv := newServer(t)
	tests := []struct {
		service, body, target string
		signed                string
		code                  string
	}{
		{"ssm", `{"Name":"` + region.ParameterName + `"}`, "AmazonSSM.GetParameter", "content-type;x-amz-date;x-amz-target", "IncompleteSignatureException"},
		{"ssm", `{"Name":"` + region.ParameterName + `"}`, "AmazonSSM.GetParameter", "content-type;host;x-amz-target", "IncompleteSignatureException"},
		{"sts", "Action=GetCallerIdentity&Version=2011-06-15", "", "content-type;x-amz-date", "IncompleteSignature"},
	}
	for _, tt := range tests {
		t.Run(tt.service+" "+tt.signed, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodPost, srv.URL+"/", strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/x-amz-json-1.1")
			if tt.target == "" {
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			} else {
				req.Header.Set("X-Amz-Target", tt.target)
			}
			sum := sha256.Sum256([]byte(tt.body))
			creds := aws.Credentials{AccessKeyID: appmeshenvoytest.AccessKeyID, SecretAccessKey: appmeshenvoytest.SecretAccessKey}
			if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), tt.service, "us-west-2", time.Now()); err != nil {
				t.Fatal(err)
			}
			auth := req.Header.Get("Authorization")
			i, j := strings.Index(auth, "SignedHeaders="), strings.Index(auth, ", Signature=")
			req.Header.Set("Authorization", auth[:i]+"SignedHeaders="+tt.signed+auth[j:])
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), tt.code) || !strings.Contains(string(b), "SignedHeaders") {
				t.Errorf("status %d body %s; want 400 %s", resp.StatusCode, b, tt.code)
			}
		})
	}
}
