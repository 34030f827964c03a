package appmeshenvoytest_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	"github.com/google/go-cmp/cmp"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/appmeshenvoytest"
	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

func newServer(t *testing.T, opts ...appmeshenvoytest.Option) *appmeshenvoytest.Server {
	t.Helper()
	srv := appmeshenvoytest.NewServer(opts...)
	t.Cleanup(srv.Close)
	return srv
}

// apiCode returns the AWS error code of err, or "" if it is not an API error.
func apiCode(t *testing.T, err error) string {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("error is not an API error: %v", err)
	}
	return ae.ErrorCode()
}

func httpStatus(err error) int {
	var re interface{ HTTPStatusCode() int }
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

func TestSSMGetParameterEveryRegion(t *testing.T) {
	srv := newServer(t)
	ctx := context.Background()
	for _, r := range region.All() {
		t.Run(r.Code, func(t *testing.T) {
			client := ssm.NewFromConfig(srv.Config(r.Code))
			out, err := client.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(region.ParameterName)})
			if err != nil {
				t.Fatal(err)
			}
			if got, want := aws.ToString(out.Parameter.Value), r.RepositoryURI()+":"+appmeshenvoytest.DefaultTag; got != want {
				t.Errorf("value = %q, want %q", got, want)
			}
			if got, want := aws.ToString(out.Parameter.ARN), r.ParameterARN(); got != want {
				t.Errorf("ARN = %q, want %q", got, want)
			}
			if out.Parameter.Version != 1 || out.Parameter.LastModifiedDate == nil || out.Parameter.Type != "String" {
				t.Errorf("parameter = %+v", out.Parameter)
			}
		})
	}
	if got := srv.Requests("ssm:GetParameter", "*"); got != len(region.All()) {
		t.Errorf("Requests = %d, want %d", got, len(region.All()))
	}
	if got := srv.Requests("*", "eu-south-2"); got != 1 {
		t.Errorf("Requests(*, eu-south-2) = %d, want 1", got)
	}
}

func TestSSMStateChanges(t *testing.T) {
	srv := newServer(t)
	ctx := context.Background()
	client := ssm.NewFromConfig(srv.Config("us-west-2"))
	get := func() (*ssm.GetParameterOutput, error) {
		return client.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(region.ParameterName)})
	}

	srv.SetParameter("us-west-2", "example.invalid/x:v1")
	out, err := get()
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.Parameter.Value) != "example.invalid/x:v1" || out.Parameter.Version != 2 {
		t.Errorf("after SetParameter: %q version %d", aws.ToString(out.Parameter.Value), out.Parameter.Version)
	}

	srv.DeleteParameter("us-west-2")
	_, err = get()
	var nf *ssmtypes.ParameterNotFound
	if !errors.As(err, &nf) {
		t.Errorf("after DeleteParameter: err = %v, want ParameterNotFound", err)
	}
	if httpStatus(err) != 400 {
		t.Errorf("status = %d, want 400", httpStatus(err))
	}

	// GetParameters reports the missing name as invalid, and finds it by ARN elsewhere.
	client2 := ssm.NewFromConfig(srv.Config("eu-west-1"))
	arn := region.MustLookup("eu-west-1").ParameterARN()
	outs, err := client2.GetParameters(ctx, &ssm.GetParametersInput{Names: []string{arn, "/nope"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(outs.Parameters) != 1 || aws.ToString(outs.Parameters[0].Name) != arn {
		t.Errorf("Parameters = %+v", outs.Parameters)
	}
	if diff := cmp.Diff([]string{"/nope"}, outs.InvalidParameters); diff != "" {
		t.Errorf("InvalidParameters (-want +got):\n%s", diff)
	}
}

func TestRegionNotEnabled(t *testing.T) {
	srv := newServer(t)
	srv.SetRegionEnabled("me-south-1", false)
	ctx := context.Background()
	_, err := ssm.NewFromConfig(srv.Config("me-south-1")).GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(region.ParameterName)})
	if code := apiCode(t, err); code != "UnrecognizedClientException" {
		t.Errorf("code = %q, want UnrecognizedClientException", code)
	}
	if !strings.Contains(err.Error(), "The security token included in the request is invalid") {
		t.Errorf("error = %v", err)
	}
	_, err = ecr.NewFromConfig(srv.Config("me-south-1")).GetAuthorizationToken(ctx, &ecr.GetAuthorizationTokenInput{})
	if code := apiCode(t, err); code != "UnrecognizedClientException" {
		t.Errorf("ecr code = %q", code)
	}
	// Other regions still answer.
	if _, err := ssm.NewFromConfig(srv.Config("us-east-1")).GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(region.ParameterName)}); err != nil {
		t.Error(err)
	}
	srv.SetRegionEnabled("me-south-1", true)
	if _, err := ssm.NewFromConfig(srv.Config("me-south-1")).GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(region.ParameterName)}); err != nil {
		t.Error(err)
	}
}

func TestSignatureFailures(t *testing.T) {
	srv := newServer(t)
	srv.AddCredentials("AKIDOTHER", "other-secret", "210987654321")
	ctx := context.Background()
	tests := []struct {
		name                 string
		key, secret          string
		jsonCode, queryCode  string
		jsonStatus, qeStatus int
	}{
		{"unknown key", "AKIDUNKNOWN", appmeshenvoytest.SecretAccessKey, "UnrecognizedClientException", "InvalidClientTokenId", 400, 403},
		{"wrong secret", appmeshenvoytest.AccessKeyID, "wrong-secret", "InvalidSignatureException", "SignatureDoesNotMatch", 400, 403},
		{"other identity", "AKIDOTHER", "other-secret", "", "", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := srv.Config("us-west-2")
			cfg.Credentials = credentials.NewStaticCredentialsProvider(tt.key, tt.secret, "")
			_, err := ssm.NewFromConfig(cfg).GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(region.ParameterName)})
			if tt.jsonCode == "" {
				if err != nil {
					t.Fatal(err)
				}
			} else {
				if code := apiCode(t, err); code != tt.jsonCode || httpStatus(err) != tt.jsonStatus {
					t.Errorf("ssm: %s %d, want %s %d", code, httpStatus(err), tt.jsonCode, tt.jsonStatus)
				}
			}
			out, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
			if tt.queryCode == "" {
				if err != nil {
					t.Fatal(err)
				}
				if aws.ToString(out.Account) != "210987654321" || aws.ToString(out.Arn) != "arn:aws:iam::210987654321:user/akidother" {
					t.Errorf("identity = %s %s", aws.ToString(out.Account), aws.ToString(out.Arn))
				}
				return
			}
			if code := apiCode(t, err); code != tt.queryCode || httpStatus(err) != tt.qeStatus {
				t.Errorf("sts: %s %d, want %s %d", code, httpStatus(err), tt.queryCode, tt.qeStatus)
			}
			if strings.Contains(err.Error(), tt.secret) {
				t.Error("error contains the secret")
			}
		})
	}
}

func TestSTSGetCallerIdentity(t *testing.T) {
	srv := newServer(t)
	out, err := sts.NewFromConfig(srv.Config("cn-north-1")).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.Account) != appmeshenvoytest.AccountID ||
		aws.ToString(out.Arn) != "arn:aws-cn:iam::"+appmeshenvoytest.AccountID+":user/"+appmeshenvoytest.UserName ||
		!strings.HasPrefix(aws.ToString(out.UserId), "AIDA") {
		t.Errorf("identity = %+v", out)
	}
}

func TestECRGetAuthorizationToken(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	srv := newServer(t, appmeshenvoytest.WithClock(func() time.Time { return now }))
	srv.SetPassword("pw-for-test")
	for _, code := range []string{"us-west-2", "cn-northwest-1"} {
		t.Run(code, func(t *testing.T) {
			out, err := ecr.NewFromConfig(srv.Config(code)).GetAuthorizationToken(context.Background(), &ecr.GetAuthorizationTokenInput{})
			if err != nil {
				t.Fatal(err)
			}
			if len(out.AuthorizationData) != 1 {
				t.Fatalf("%d authorization data", len(out.AuthorizationData))
			}
			d := out.AuthorizationData[0]
			raw, err := base64.StdEncoding.DecodeString(aws.ToString(d.AuthorizationToken))
			if err != nil {
				t.Fatal(err)
			}
			if string(raw) != "AWS:"+srv.Password() {
				t.Error("token is not base64 of AWS:<Password()>")
			}
			suffix := region.MustLookup(code).Partition.DNSSuffix
			if got, want := aws.ToString(d.ProxyEndpoint), "https://"+appmeshenvoytest.AccountID+".dkr.ecr."+code+"."+suffix; got != want {
				t.Errorf("proxy endpoint = %q, want %q", got, want)
			}
			if !d.ExpiresAt.Equal(now.Add(12 * time.Hour)) {
				t.Errorf("expires at %v, want %v", d.ExpiresAt, now.Add(12*time.Hour))
			}
		})
	}
	if len(srv.Password()) >= 72 {
		t.Error("default password too long for bcrypt")
	}
}

func TestECRBatchGetImage(t *testing.T) {
	srv := newServer(t)
	ctx := context.Background()
	r := region.MustLookup("af-south-1")
	client := ecr.NewFromConfig(srv.Config(r.Code))
	manifest, mt, digest := srv.Manifest()
	sum := sha256.Sum256(manifest)
	if digest != "sha256:"+hex.EncodeToString(sum[:]) {
		t.Fatalf("Manifest digest %s is not the sha256 of the manifest", digest)
	}

	out, err := client.BatchGetImage(ctx, &ecr.BatchGetImageInput{
		RegistryId:         aws.String(r.Account),
		RepositoryName:     aws.String(region.RepositoryName),
		ImageIds:           []ecrtypes.ImageIdentifier{{ImageTag: aws.String(appmeshenvoytest.DefaultTag)}, {ImageTag: aws.String("v0.0.0.0-prod")}},
		AcceptedMediaTypes: []string{mt, "application/vnd.oci.image.index.v1+json"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Images) != 1 || len(out.Failures) != 1 {
		t.Fatalf("images %d failures %d", len(out.Images), len(out.Failures))
	}
	img := out.Images[0]
	got := sha256.Sum256([]byte(aws.ToString(img.ImageManifest)))
	if "sha256:"+hex.EncodeToString(got[:]) != aws.ToString(img.ImageId.ImageDigest) || aws.ToString(img.ImageId.ImageDigest) != digest {
		t.Error("reported digest is not the sha256 of the returned manifest")
	}
	if aws.ToString(img.ImageManifestMediaType) != mt || aws.ToString(img.RegistryId) != r.Account {
		t.Errorf("image = %+v", img)
	}
	if out.Failures[0].FailureCode != "ImageNotFound" {
		t.Errorf("failure = %+v", out.Failures[0])
	}

	// By digest; and a tag that only the parameter names.
	srv.SetParameter(r.Code, r.RepositoryURI()+":v1.34.13.0-prod")
	out, err = client.BatchGetImage(ctx, &ecr.BatchGetImageInput{
		RegistryId:     aws.String(r.Account),
		RepositoryName: aws.String(region.RepositoryName),
		ImageIds:       []ecrtypes.ImageIdentifier{{ImageDigest: aws.String(digest)}, {ImageTag: aws.String("v1.34.13.0-prod")}},
	})
	if err != nil || len(out.Images) != 2 {
		t.Fatalf("by digest: %v, %+v", err, out)
	}

	// Media type not accepted.
	out, err = client.BatchGetImage(ctx, &ecr.BatchGetImageInput{
		RegistryId: aws.String(r.Account), RepositoryName: aws.String(region.RepositoryName),
		ImageIds:           []ecrtypes.ImageIdentifier{{ImageTag: aws.String(appmeshenvoytest.DefaultTag)}},
		AcceptedMediaTypes: []string{"application/vnd.docker.distribution.manifest.v2+json"},
	})
	if err != nil || len(out.Images) != 0 || len(out.Failures) != 1 {
		t.Errorf("unaccepted media type: %v, %+v", err, out)
	}

	// Another region's registry, or the caller's own.
	for _, reg := range []*string{aws.String(region.MustLookup("us-west-2").Account), nil} {
		_, err = client.BatchGetImage(ctx, &ecr.BatchGetImageInput{
			RegistryId: reg, RepositoryName: aws.String(region.RepositoryName),
			ImageIds: []ecrtypes.ImageIdentifier{{ImageTag: aws.String(appmeshenvoytest.DefaultTag)}},
		})
		if code := apiCode(t, err); code != "RepositoryNotFoundException" {
			t.Errorf("registry %v: code %s", aws.ToString(reg), code)
		}
	}
}

func TestFailNextThenSuccess(t *testing.T) {
	srv := newServer(t)
	ctx := context.Background()
	tests := []struct {
		op    string
		fault appmeshenvoytest.AWSError
		call  func(cfg aws.Config) (any, error)
	}{
		{"ssm:GetParameter", appmeshenvoytest.Throttling("ssm:GetParameter"), func(cfg aws.Config) (any, error) {
			return ssm.NewFromConfig(cfg).GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(region.ParameterName)})
		}},
		{"ecr:GetAuthorizationToken", appmeshenvoytest.InternalError("ecr:GetAuthorizationToken"), func(cfg aws.Config) (any, error) {
			return ecr.NewFromConfig(cfg).GetAuthorizationToken(ctx, &ecr.GetAuthorizationTokenInput{})
		}},
		{"sts:GetCallerIdentity", appmeshenvoytest.Throttling("sts:GetCallerIdentity"), func(cfg aws.Config) (any, error) {
			return sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.op, func(t *testing.T) {
			srv.ResetCounts()
			srv.FailNext(tt.op, "eu-west-3", 2, tt.fault)
			out, err := tt.call(srv.Config("eu-west-3"))
			if err != nil {
				t.Fatal(err)
			}
			if got := srv.Requests(tt.op, "eu-west-3"); got != 3 {
				t.Errorf("requests = %d, want 3 (2 faults + 1 success)", got)
			}
			attempts, ok := retry.GetAttemptResults(resultMetadata(out))
			if !ok || len(attempts.Results) != 3 {
				t.Errorf("attempt results = %d, want 3", len(attempts.Results))
			}
			// Exhausted: the next call succeeds at once.
			if _, err := tt.call(srv.Config("eu-west-3")); err != nil || srv.Requests(tt.op, "eu-west-3") != 4 {
				t.Errorf("after the faults: err %v, requests %d", err, srv.Requests(tt.op, "eu-west-3"))
			}
		})
	}
}

func TestFaultCodes(t *testing.T) {
	srv := newServer(t)
	ctx := context.Background()
	cfg := srv.Config("us-east-2")
	cfg.RetryMaxAttempts = 1
	tests := []struct {
		op     string
		fault  appmeshenvoytest.AWSError
		code   string
		status int
	}{
		{"ssm:GetParameter", appmeshenvoytest.Throttling("ssm:GetParameter"), "ThrottlingException", 400},
		{"ssm:GetParameter", appmeshenvoytest.InternalError("ssm:GetParameter"), "InternalServerError", 500},
		{"ssm:GetParameter", appmeshenvoytest.AccessDenied("ssm:GetParameter"), "AccessDeniedException", 400},
		{"ssm:GetParameter", appmeshenvoytest.ExpiredToken("ssm:GetParameter"), "ExpiredTokenException", 400},
		{"ecr:GetAuthorizationToken", appmeshenvoytest.InternalError("ecr:GetAuthorizationToken"), "ServerException", 500},
		{"sts:GetCallerIdentity", appmeshenvoytest.ExpiredToken("sts:GetCallerIdentity"), "ExpiredToken", 403},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			srv.FailNext(tt.op, "", 1, tt.fault)
			var err error
			switch tt.op {
			case "ssm:GetParameter":
				_, err = ssm.NewFromConfig(cfg).GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(region.ParameterName)})
			case "ecr:GetAuthorizationToken":
				_, err = ecr.NewFromConfig(cfg).GetAuthorizationToken(ctx, &ecr.GetAuthorizationTokenInput{})
			case "sts:GetCallerIdentity":
				_, err = sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
			}
			if code := apiCode(t, err); code != tt.code || httpStatus(err) != tt.status {
				t.Errorf("got %s %d, want %s %d", code, httpStatus(err), tt.code, tt.status)
			}
		})
	}
}

func TestFailureRateIsSeeded(t *testing.T) {
	run := func() []bool {
		srv := appmeshenvoytest.NewServer()
		defer srv.Close()
		srv.SetFailureRate("ssm:*", "*", 0.5, appmeshenvoytest.AccessDenied("ssm:GetParameter"), 42)
		cfg := srv.Config("us-west-1")
		cfg.RetryMaxAttempts = 1
		client := ssm.NewFromConfig(cfg)
		var got []bool
		for range 20 {
			_, err := client.GetParameter(context.Background(), &ssm.GetParameterInput{Name: aws.String(region.ParameterName)})
			got = append(got, err == nil)
		}
		return got
	}
	a, b := run(), run()
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("same seed, different outcomes (-first +second):\n%s", diff)
	}
	fails := 0
	for _, ok := range a {
		if !ok {
			fails++
		}
	}
	if fails == 0 || fails == len(a) {
		t.Errorf("%d of %d failed at rate 0.5", fails, len(a))
	}
}

func TestStallEndsWithClientContext(t *testing.T) {
	srv := newServer(t)
	srv.Stall("ssm:GetParameter", "ap-south-1")
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := ssm.NewFromConfig(srv.Config("ap-south-1")).GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(region.ParameterName)})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want a deadline error", err)
	}
	// Other regions are not stalled.
	if _, err := ssm.NewFromConfig(srv.Config("ap-south-2x")).GetParameter(context.Background(), &ssm.GetParameterInput{Name: aws.String(region.ParameterName)}); apiCode(t, err) != "ParameterNotFound" {
		t.Errorf("unknown region: %v", err)
	}
}

func TestStallEndsWithClose(t *testing.T) {
	srv := appmeshenvoytest.NewServer()
	srv.Stall("*", "*")
	srv.SetLatency("*", "*", time.Hour)
	cfg := srv.Config("us-west-2")
	cfg.RetryMaxAttempts = 1
	done := make(chan error, 1)
	go func() {
		_, err := ssm.NewFromConfig(cfg).GetParameter(context.Background(), &ssm.GetParameterInput{Name: aws.String(region.ParameterName)})
		done <- err
	}()
	for i := 0; i < 500 && srv.Requests("*", "*") == 0; i++ {
		time.Sleep(5 * time.Millisecond)
	}
	srv.Close()
	if err := <-done; err == nil {
		t.Error("stalled call succeeded after Close")
	}
}

func TestLatencyAndClearFaults(t *testing.T) {
	srv := newServer(t)
	srv.SetLatency("ssm:GetParameter", "", 30*time.Millisecond)
	srv.Stall("ssm:GetParameter", "us-east-1")
	srv.ClearFaults()
	if _, err := ssm.NewFromConfig(srv.Config("us-east-1")).GetParameter(context.Background(), &ssm.GetParameterInput{Name: aws.String(region.ParameterName)}); err != nil {
		t.Fatal(err)
	}
	srv.SetLatency("ssm:GetParameter", "", 20*time.Millisecond)
	start := time.Now()
	if _, err := ssm.NewFromConfig(srv.Config("us-east-1")).GetParameter(context.Background(), &ssm.GetParameterInput{Name: aws.String(region.ParameterName)}); err != nil {
		t.Fatal(err)
	}
	// A lower bound only: the latency is added, never skipped.
	if time.Since(start) < 20*time.Millisecond {
		t.Errorf("answered in %v, before the injected latency", time.Since(start))
	}
}

func TestCountsAndConnections(t *testing.T) {
	srv := newServer(t)
	cfg := srv.Config("us-west-2")
	// Without keep-alive every request is a new connection.
	cfg.HTTPClient = awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) { tr.DisableKeepAlives = true })
	client := ssm.NewFromConfig(cfg)
	for range 5 {
		if _, err := client.GetParameter(context.Background(), &ssm.GetParameterInput{Name: aws.String(region.ParameterName)}); err != nil {
			t.Fatal(err)
		}
	}
	if got := srv.Requests("ssm:GetParameter", "us-west-2"); got != 5 {
		t.Errorf("requests = %d", got)
	}
	if got := srv.Requests("ecr:*", "*"); got != 0 {
		t.Errorf("ecr requests = %d", got)
	}
	if got := srv.Connections(); got != 5 {
		t.Errorf("connections = %d, want 5 (keep-alive disabled)", got)
	}
	srv.ResetCounts()
	if srv.Requests("", "") != 0 || srv.Connections() != 0 {
		t.Error("ResetCounts left counts")
	}
	// Keep-alive: see TestKeepAlive.
}

// signedRequest sends a request signed like the SDK would, with the given headers.
func signedRequest(t *testing.T, srv *appmeshenvoytest.Server, service string, header http.Header, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	sum := sha256.Sum256([]byte(body))
	signer := v4.NewSigner()
	creds := aws.Credentials{AccessKeyID: appmeshenvoytest.AccessKeyID, SecretAccessKey: appmeshenvoytest.SecretAccessKey}
	if err := signer.SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), service, "us-west-2", time.Now()); err != nil {
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

func TestProtocolRefusal(t *testing.T) {
	srv := newServer(t)
	tests := []struct {
		name    string
		service string
		header  http.Header
		body    string
		want    string
	}{
		{"cbor", "ssm", http.Header{"Content-Type": {"application/cbor"}, "Smithy-Protocol": {"rpc-v2-cbor"}}, "\xa0", `application/cbor`},
		{"json 1.0", "ssm", http.Header{"Content-Type": {"application/x-amz-json-1.0"}, "X-Amz-Target": {"AmazonSSM.GetParameter"}}, "{}", "awsJson1_1"},
		{"unknown target", "ssm", http.Header{"Content-Type": {"application/x-amz-json-1.1"}, "X-Amz-Target": {"AmazonSSM.PutParameter"}}, "{}", "unknown operation ssm:PutParameter"},
		{"wrong prefix", "ecr", http.Header{"Content-Type": {"application/x-amz-json-1.1"}, "X-Amz-Target": {"AmazonSSM.GetParameter"}}, "{}", "AmazonEC2ContainerRegistry_V20150921"},
		{"unknown action", "iam", http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, "Action=DeleteRole&Version=2010-05-08", "unknown operation iam:DeleteRole"},
		{"query as json", "iam", http.Header{"Content-Type": {"application/json"}}, "{}", "awsQuery"},
		{"wrong version", "sts", http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, "Action=GetCallerIdentity&Version=2099-01-01", "2011-06-15"},
		{"unknown service", "s3", http.Header{"Content-Type": {"application/xml"}}, "", `s3`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := signedRequest(t, srv, tt.service, tt.header, tt.body)
			if status != http.StatusBadRequest || !strings.Contains(body, tt.want) || !strings.Contains(body, "refused") {
				t.Errorf("status %d body %s; want 400 naming %q", status, body, tt.want)
			}
		})
	}
	if got := len(srv.Refusals()); got != len(tests) {
		t.Errorf("Refusals() has %d entries, want %d", got, len(tests))
	}
	// A correct raw request is accepted, so the refusals above are about the protocol.
	status, body := signedRequest(t, srv, "ssm", http.Header{"Content-Type": {"application/x-amz-json-1.1"}, "X-Amz-Target": {"AmazonSSM.GetParameter"}},
		`{"Name":"`+region.ParameterName+`"}`)
	if status != 200 || !bytes.Contains([]byte(body), []byte(appmeshenvoytest.DefaultTag)) {
		t.Errorf("valid raw request: %d %s", status, body)
	}
}

func TestUnsignedRequest(t *testing.T) {
	srv := newServer(t)
	resp, err := http.Post(srv.URL, "application/x-amz-json-1.1", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 400 || !strings.Contains(string(b), "MissingAuthenticationToken") {
		t.Errorf("%d %s", resp.StatusCode, b)
	}
}

func TestListenOnChosenAddress(t *testing.T) {
	srv := appmeshenvoytest.NewUnstartedServer(appmeshenvoytest.WithAddr("127.0.0.1:0"))
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if !strings.HasPrefix(srv.URL, "http://127.0.0.1:") {
		t.Errorf("URL = %q", srv.URL)
	}
	if err := srv.Start(); err == nil {
		t.Error("second Start succeeded")
	}
	busy := appmeshenvoytest.NewUnstartedServer(appmeshenvoytest.WithAddr(strings.TrimPrefix(srv.URL, "http://")))
	if err := busy.Start(); err == nil {
		busy.Close()
		t.Error("Start on a busy address succeeded")
	}
	busy.Close()
}

// resultMetadata returns the SDK result metadata of an operation output.
func resultMetadata(out any) middleware.Metadata {
	switch o := out.(type) {
	case *ssm.GetParameterOutput:
		return o.ResultMetadata
	case *ecr.GetAuthorizationTokenOutput:
		return o.ResultMetadata
	case *sts.GetCallerIdentityOutput:
		return o.ResultMetadata
	}
	return middleware.Metadata{}
}
