package appmeshenvoytest_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/google/go-cmp/cmp"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/appmeshenvoytest"
	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

// rawResponse is one answer of the server as it is on the wire.
type rawResponse struct {
	status int
	header http.Header
	body   []byte
}

// rawCall sends one SigV4-signed request with client (a plain net/http client, so that
// nothing of the SDK is involved) and reads the whole answer.
func rawCall(t *testing.T, client *http.Client, srv *appmeshenvoytest.Server, service, regionCode string, header http.Header, body string) rawResponse {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	sum := sha256.Sum256([]byte(body))
	creds := aws.Credentials{AccessKeyID: appmeshenvoytest.AccessKeyID, SecretAccessKey: appmeshenvoytest.SecretAccessKey}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), service, regionCode, time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return rawResponse{resp.StatusCode, resp.Header, b}
}

func jsonHeader(target string) http.Header {
	return http.Header{"Content-Type": {"application/x-amz-json-1.1"}, "X-Amz-Target": {target}}
}

var formHeader = http.Header{"Content-Type": {"application/x-www-form-urlencoded; charset=utf-8"}}

// TestWireShapes checks the bytes the server sends against the shapes AWS uses (as the
// SDK's deserializers read them), independently of the SDK.
func TestWireShapes(t *testing.T) {
	srv := newServer(t)
	srv.AddRole("envoy-task")
	hc := &http.Client{Transport: &http.Transport{}}
	t.Cleanup(hc.CloseIdleConnections)

	checkJSONHeaders := func(t *testing.T, r rawResponse) {
		t.Helper()
		if ct := r.header.Get("Content-Type"); ct != "application/x-amz-json-1.1" {
			t.Errorf("Content-Type = %q", ct)
		}
		if r.header.Get("X-Amzn-Requestid") == "" {
			t.Error("no x-amzn-RequestId header")
		}
		if r.header.Get("Content-Length") == "" {
			t.Error("no Content-Length")
		}
	}

	t.Run("ssm GetParameter", func(t *testing.T) {
		r := rawCall(t, hc, srv, "ssm", "eu-west-1", jsonHeader("AmazonSSM.GetParameter"), `{"Name":"`+region.ParameterName+`"}`)
		checkJSONHeaders(t, r)
		var out map[string]map[string]any
		if err := json.Unmarshal(r.body, &out); err != nil || r.status != 200 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		p := out["Parameter"]
		want := map[string]any{
			"ARN":              region.MustLookup("eu-west-1").ParameterARN(),
			"DataType":         "text",
			"LastModifiedDate": p["LastModifiedDate"],
			"Name":             region.ParameterName,
			"Type":             "String",
			"Value":            region.MustLookup("eu-west-1").RepositoryURI() + ":" + appmeshenvoytest.DefaultTag,
			"Version":          float64(1),
		}
		if diff := cmp.Diff(want, p); diff != "" {
			t.Errorf("Parameter (-want +got):\n%s", diff)
		}
		if _, ok := p["LastModifiedDate"].(float64); !ok {
			t.Errorf("LastModifiedDate = %#v, want epoch seconds (a JSON number)", p["LastModifiedDate"])
		}
	})
	t.Run("ecr GetAuthorizationToken", func(t *testing.T) {
		r := rawCall(t, hc, srv, "ecr", "us-west-2", jsonHeader("AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken"), `{}`)
		checkJSONHeaders(t, r)
		var out struct {
			AuthorizationData []map[string]any `json:"authorizationData"`
		}
		if err := json.Unmarshal(r.body, &out); err != nil || len(out.AuthorizationData) != 1 {
			t.Fatalf("%d: %v", r.status, err)
		}
		d := out.AuthorizationData[0]
		if _, ok := d["expiresAt"].(float64); !ok {
			t.Errorf("expiresAt = %#v, want epoch seconds (a JSON number)", d["expiresAt"])
		}
		if _, ok := d["authorizationToken"].(string); !ok || d["proxyEndpoint"] != "https://"+appmeshenvoytest.AccountID+".dkr.ecr.us-west-2.amazonaws.com" {
			t.Errorf("keys: authorizationToken present %v, proxyEndpoint %v", ok, d["proxyEndpoint"])
		}
	})
	t.Run("json error", func(t *testing.T) {
		r := rawCall(t, hc, srv, "ssm", "eu-west-1", jsonHeader("AmazonSSM.GetParameter"), `{"Name":"/nope"}`)
		checkJSONHeaders(t, r)
		var out map[string]string
		if err := json.Unmarshal(r.body, &out); err != nil {
			t.Fatal(err)
		}
		if r.status != 400 || out["__type"] != "ParameterNotFound" || out["message"] == "" || r.header.Get("X-Amzn-Errortype") != "ParameterNotFound" {
			t.Errorf("%d %s", r.status, r.body)
		}
	})

	type responseMetadata struct {
		RequestID string `xml:"ResponseMetadata>RequestId"`
	}
	t.Run("iam GetRolePolicy", func(t *testing.T) {
		doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ecr:GetAuthorizationToken","Resource":"*"}]}`
		form := url.Values{"Action": {"PutRolePolicy"}, "Version": {"2010-05-08"}, "RoleName": {"envoy-task"}, "PolicyName": {"p"}, "PolicyDocument": {doc}}
		if r := rawCall(t, hc, srv, "iam", "us-east-1", formHeader, form.Encode()); r.status != 200 {
			t.Fatalf("PutRolePolicy: %d %s", r.status, r.body)
		}
		form = url.Values{"Action": {"GetRolePolicy"}, "Version": {"2010-05-08"}, "RoleName": {"envoy-task"}, "PolicyName": {"p"}}
		r := rawCall(t, hc, srv, "iam", "us-east-1", formHeader, form.Encode())
		var out struct {
			XMLName        xml.Name
			PolicyDocument string `xml:"GetRolePolicyResult>PolicyDocument"`
			RoleName       string `xml:"GetRolePolicyResult>RoleName"`
			responseMetadata
		}
		if err := xml.Unmarshal(r.body, &out); err != nil || r.status != 200 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		if out.XMLName != (xml.Name{Space: "https://iam.amazonaws.com/doc/2010-05-08/", Local: "GetRolePolicyResponse"}) {
			t.Errorf("root element = %v", out.XMLName)
		}
		if out.RequestID == "" || out.RequestID != r.header.Get("X-Amzn-Requestid") {
			t.Errorf("ResponseMetadata/RequestId = %q, header %q", out.RequestID, r.header.Get("X-Amzn-Requestid"))
		}
		if strings.Contains(out.PolicyDocument, "{") || !strings.HasPrefix(out.PolicyDocument, "%7B") {
			t.Errorf("PolicyDocument %q is not URL-encoded", out.PolicyDocument)
		}
		if dec, err := url.QueryUnescape(out.PolicyDocument); err != nil || dec != doc {
			t.Errorf("decoded PolicyDocument = %q, %v", dec, err)
		}
	})
	t.Run("sts GetCallerIdentity", func(t *testing.T) {
		r := rawCall(t, hc, srv, "sts", "us-east-1", formHeader, "Action=GetCallerIdentity&Version=2011-06-15")
		var out struct {
			XMLName xml.Name
			Account string `xml:"GetCallerIdentityResult>Account"`
			responseMetadata
		}
		if err := xml.Unmarshal(r.body, &out); err != nil || r.status != 200 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		if out.XMLName.Space != "https://sts.amazonaws.com/doc/2011-06-15/" || out.Account != appmeshenvoytest.AccountID || out.RequestID == "" {
			t.Errorf("%+v", out)
		}
	})
	t.Run("query error", func(t *testing.T) {
		form := url.Values{"Action": {"GetRole"}, "Version": {"2010-05-08"}, "RoleName": {"missing"}}
		r := rawCall(t, hc, srv, "iam", "us-east-1", formHeader, form.Encode())
		var out struct {
			XMLName   xml.Name
			Type      string `xml:"Error>Type"`
			Code      string `xml:"Error>Code"`
			Message   string `xml:"Error>Message"`
			RequestID string `xml:"RequestId"`
		}
		if err := xml.Unmarshal(r.body, &out); err != nil {
			t.Fatal(err)
		}
		want := xml.Name{Space: "https://iam.amazonaws.com/doc/2010-05-08/", Local: "ErrorResponse"}
		if r.status != 404 || out.XMLName != want || out.Type != "Sender" || out.Code != "NoSuchEntity" || out.Message == "" || out.RequestID == "" {
			t.Errorf("%d %s", r.status, r.body)
		}
		srv.FailNext("iam:GetRole", "", 1, appmeshenvoytest.InternalError("iam:GetRole"))
		r = rawCall(t, hc, srv, "iam", "us-east-1", formHeader, form.Encode())
		if err := xml.Unmarshal(r.body, &out); err != nil || r.status != 500 || out.Type != "Receiver" || out.Code != "ServiceFailure" {
			t.Errorf("%d %s", r.status, r.body)
		}
	})
	if rf := srv.Refusals(); len(rf) != 0 {
		t.Errorf("refusals: %q", rf)
	}
}

// TestKeepAlive checks that the server keeps a connection usable after every kind of
// answer, success, AWS error and refusal alike: sequential requests over one client use
// one connection.
func TestKeepAlive(t *testing.T) {
	t.Run("net/http client", func(t *testing.T) {
		srv := newServer(t)
		srv.AddRole("r")
		hc := &http.Client{Transport: &http.Transport{}}
		defer hc.CloseIdleConnections()
		srv.FailNext("ssm:GetParameter", "", 3, appmeshenvoytest.Throttling("ssm:GetParameter"))
		for range 10 {
			rawCall(t, hc, srv, "ssm", "us-west-2", jsonHeader("AmazonSSM.GetParameter"), `{"Name":"`+region.ParameterName+`"}`)
			rawCall(t, hc, srv, "ssm", "us-west-2", jsonHeader("AmazonSSM.GetParameter"), `{"Name":"/missing"}`)
			rawCall(t, hc, srv, "ssm", "us-west-2", jsonHeader("AmazonSSM.PutParameter"), `{}`) // refused
			rawCall(t, hc, srv, "iam", "us-east-1", formHeader, "Action=GetRole&Version=2010-05-08&RoleName=r")
			rawCall(t, hc, srv, "iam", "us-east-1", formHeader, "Action=GetRole&Version=2010-05-08&RoleName=missing")
		}
		// An unsigned request is answered before the signature can be checked.
		resp, err := hc.Post(srv.URL, "application/x-amz-json-1.1", strings.NewReader(`{"Name":"x"}`))
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		rawCall(t, hc, srv, "ssm", "us-west-2", jsonHeader("AmazonSSM.GetParameter"), `{"Name":"`+region.ParameterName+`"}`)
		if got := srv.Connections(); got != 1 {
			t.Errorf("connections = %d, want 1", got)
		}
	})

	// The real SDK clients, with one HTTP client shared by the four services. The SDK
	// wraps each request body in a closer whose WriteTo reports io.EOF once closed, and
	// closes it as soon as the response arrives; net/http, after sending Content-Length
	// bytes, reads the body once more (to detect an over-long body). When the response
	// wins that race — over loopback it sometimes does — net/http counts the request
	// write as failed and drops the connection. That is a client-side race
	// (smithy-go's safeWriteToReadCloser with net/http's transferWriter), not the server:
	// hiding WriteTo from net/http removes it, and then the count is exact.
	t.Run("SDK clients", func(t *testing.T) {
		srv := newServer(t)
		srv.AddRole("r")
		base := awshttp.NewBuildableClient()
		defer base.GetTransport().CloseIdleConnections()
		cfg := srv.Config("us-west-2")
		cfg.HTTPClient = bodyWithoutWriterTo{base}
		ctx := context.Background()
		ssmc, ecrc, iamc, stsc := ssm.NewFromConfig(cfg), ecr.NewFromConfig(cfg), iam.NewFromConfig(cfg), sts.NewFromConfig(cfg)
		const n = 25
		for range n {
			if _, err := ssmc.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(region.ParameterName)}); err != nil {
				t.Fatal(err)
			}
			if _, err := ssmc.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/missing")}); err == nil {
				t.Fatal("missing parameter found")
			}
			if _, err := ecrc.GetAuthorizationToken(ctx, &ecr.GetAuthorizationTokenInput{}); err != nil {
				t.Fatal(err)
			}
			if _, err := iamc.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("missing")}); err == nil {
				t.Fatal("missing role found")
			}
			if _, err := stsc.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
				t.Fatal(err)
			}
		}
		if got := srv.Requests("*", "*"); got != 5*n {
			t.Errorf("requests = %d, want %d", got, 5*n)
		}
		if got := srv.Connections(); got != 1 {
			t.Errorf("connections = %d, want 1 for %d sequential calls", got, 5*n)
		}
	})
}

// bodyWithoutWriterTo is an aws.HTTPClient that hides the request body's WriteTo
// method from net/http (see TestKeepAlive).
type bodyWithoutWriterTo struct{ c *awshttp.BuildableClient }

func (h bodyWithoutWriterTo) Do(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		r.Body = struct{ io.ReadCloser }{r.Body}
	}
	return h.c.Do(r)
}
