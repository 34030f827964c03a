package appmeshenvoytest

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzParseAuthorization checks that any Authorization header is either rejected or
// parsed into a complete credential scope, and that the server answers any signed-looking
// request without panicking.
func FuzzParseAuthorization(f *testing.F) {
	f.Add("AWS4-HMAC-SHA256 Credential=AKIDAPPMESHENVOYTEST/20260102/us-west-2/ssm/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=0123abcd", `{"Name":"/aws/service/appmesh/envoy"}`)
	f.Add("AWS4-HMAC-SHA256 Credential=AKID/20260102/us-east-1/iam/aws4_request,SignedHeaders=host,Signature=00", "Action=GetRole&Version=2010-05-08&RoleName=x")
	f.Add("AWS4-HMAC-SHA256 Credential=a/b/c", "")
	f.Add("Basic dXNlcjpwdw==", "{}")
	f.Add("", "")
	f.Add("AWS4-HMAC-SHA256 Credential=AKID//r/sts/aws4_request, SignedHeaders=;;, Signature=", "Action=GetCallerIdentity&Version=2011-06-15")
	srv := NewUnstartedServer()
	defer srv.Close()
	f.Fuzz(func(t *testing.T, header, body string) {
		a, err := parseAuthorization(header)
		if err == nil && (a.accessKeyID == "" || a.region == "" || a.service == "" || a.signature == "" || len(a.signedHeaders) == 0) {
			t.Fatalf("accepted an incomplete header: %+v", a)
		}
		for _, ct := range []string{"application/x-amz-json-1.1", "application/x-www-form-urlencoded"} {
			req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
			req.Header.Set("Authorization", header)
			req.Header.Set("Content-Type", ct)
			req.Header.Set("X-Amz-Target", "AmazonSSM.GetParameter")
			req.Header.Set("X-Amz-Date", "20260102T030405Z")
			rec := httptest.NewRecorder()
			srv.serveHTTP(rec, req)
			if rec.Code == http.StatusOK {
				t.Fatalf("unsigned fuzz request accepted: %s", rec.Body.String())
			}
		}
	})
}
