package appmeshenvoy_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

// rsMiniAWS is a tiny AWS JSON 1.1 endpoint on 127.0.0.1 for SSM GetParameter and ECR
// BatchGetImage, enough to run the real SDK clients (signing, retries, error decoding)
// through the resolver. The full fake lives in package appmeshenvoytest.
type rsMiniAWS struct {
	mu       sync.Mutex
	requests map[string]int // by "target region"
	// failures answers the first n requests of a target with an error code.
	failCode string
	failN    int
}

var rsScopeRegion = regexp.MustCompile(`Credential=[^/]+/\d+/([^/]+)/`)

func (m *rsMiniAWS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	target := r.Header.Get("X-Amz-Target")
	sub := rsScopeRegion.FindStringSubmatch(r.Header.Get("Authorization"))
	if sub == nil {
		http.Error(w, "unsigned", http.StatusForbidden)
		return
	}
	body, _ := io.ReadAll(r.Body)
	m.mu.Lock()
	key := target + " " + sub[1]
	m.requests[key]++
	n := m.requests[key]
	m.mu.Unlock()
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	if m.failCode != "" && (m.failN < 0 || n <= m.failN) {
		w.WriteHeader(http.StatusBadRequest)
		_ = json.NewEncoder(w).Encode(map[string]string{"__type": m.failCode, "message": "injected"})
		return
	}
	switch target {
	case "AmazonSSM.GetParameter":
		_ = json.NewEncoder(w).Encode(map[string]any{"Parameter": map[string]any{
			"Name": region.ParameterName, "Type": "String",
			"Value": region.MustLookup(sub[1]).RepositoryURI() + ":v1.29.6.0-prod",
		}})
	case "AmazonEC2ContainerRegistry_V20150921.BatchGetImage":
		var in struct {
			RegistryID string `json:"registryId"`
		}
		_ = json.Unmarshal(body, &in)
		_ = json.NewEncoder(w).Encode(map[string]any{"images": []any{map[string]any{
			"registryId": in.RegistryID, "repositoryName": "aws-appmesh-envoy",
			"imageId":       map[string]string{"imageTag": "v1.29.6.0-prod", "imageDigest": rsDigestOf(rsManifest)},
			"imageManifest": rsManifest,
		}}, "failures": []any{}})
	default:
		w.WriteHeader(http.StatusBadRequest)
		_ = json.NewEncoder(w).Encode(map[string]string{"__type": "UnknownOperationException"})
	}
}

func (m *rsMiniAWS) count(key string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.requests[key]
}

func rsWireResolver(t *testing.T, m *rsMiniAWS, opts ...func(*appmeshenvoy.ResolverOptions)) *appmeshenvoy.Resolver {
	t.Helper()
	m.requests = map[string]int{}
	srv := httptest.NewServer(m)
	t.Cleanup(srv.Close)
	cfg := aws.Config{
		Region:       "us-west-2",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDWIRE", "wire-secret", ""),
		BaseEndpoint: aws.String(srv.URL),
		HTTPClient:   srv.Client(),
	}
	return appmeshenvoy.NewResolver(cfg, append([]func(*appmeshenvoy.ResolverOptions){func(o *appmeshenvoy.ResolverOptions) {
		o.RetryMaxBackoff = time.Millisecond
	}}, opts...)...)
}

func TestWireLatestAllAndPin(t *testing.T) {
	m := &rsMiniAWS{}
	r := rsWireResolver(t, m)
	ctx := context.Background()
	res, err := r.LatestAll(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range res {
		if x.Err != nil || x.Image.Region != x.Region {
			t.Errorf("%s: %v %v", x.Region, x.Image, x.Err)
		}
		if n := m.count("AmazonSSM.GetParameter " + x.Region); n != 1 {
			t.Errorf("%s: %d requests", x.Region, n)
		}
	}
	pinned, err := r.Pin(ctx, res[0].Image)
	if err != nil || pinned.Digest != rsDigestOf(rsManifest) {
		t.Errorf("Pin = %v, %v", pinned, err)
	}
}

func TestWireRetries(t *testing.T) {
	t.Run("recovers", func(t *testing.T) {
		m := &rsMiniAWS{failCode: "ThrottlingException", failN: 5}
		r := rsWireResolver(t, m)
		if _, err := r.Latest(context.Background(), "eu-west-1"); err != nil {
			t.Fatal(err)
		}
		if n := m.count("AmazonSSM.GetParameter eu-west-1"); n != 6 {
			t.Errorf("%d requests, want 6", n)
		}
	})
	t.Run("gives up after the attempts", func(t *testing.T) {
		m := &rsMiniAWS{failCode: "ThrottlingException", failN: -1}
		r := rsWireResolver(t, m)
		_, err := r.Latest(context.Background(), "eu-west-1")
		if !errors.Is(err, appmeshenvoy.ErrThrottled) {
			t.Fatalf("error = %v", err)
		}
		if n := m.count("AmazonSSM.GetParameter eu-west-1"); n != appmeshenvoy.DefaultRetryMaxAttempts {
			t.Errorf("%d requests, want %d", n, appmeshenvoy.DefaultRetryMaxAttempts)
		}
	})
	t.Run("SSMOptions override", func(t *testing.T) {
		m := &rsMiniAWS{failCode: "ThrottlingException", failN: -1}
		r := rsWireResolver(t, m, func(o *appmeshenvoy.ResolverOptions) {
			o.SSMOptions = append(o.SSMOptions, func(o *ssm.Options) { o.RetryMaxAttempts = 2 })
		})
		if _, err := r.Latest(context.Background(), "eu-west-1"); !errors.Is(err, appmeshenvoy.ErrThrottled) {
			t.Fatalf("error = %v", err)
		}
		if n := m.count("AmazonSSM.GetParameter eu-west-1"); n != 2 {
			t.Errorf("%d requests, want 2", n)
		}
	})
}

func TestWireErrors(t *testing.T) {
	for code, want := range map[string]error{
		"ParameterNotFound":           appmeshenvoy.ErrParameterNotFound,
		"AccessDeniedException":       appmeshenvoy.ErrAccessDenied,
		"UnrecognizedClientException": appmeshenvoy.ErrInvalidCredentials,
	} {
		t.Run(code, func(t *testing.T) {
			m := &rsMiniAWS{failCode: code, failN: -1}
			_, err := rsWireResolver(t, m).Latest(context.Background(), "us-east-2")
			if !errors.Is(err, want) {
				t.Errorf("error = %v, want %v", err, want)
			}
		})
	}
}

func TestWireCheck(t *testing.T) {
	m := &rsMiniAWS{}
	r := rsWireResolver(t, m)
	d, err := r.Check(context.Background(), "840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.16.1.0-prod")
	if err != nil {
		t.Fatal(err)
	}
	if d.Status != appmeshenvoy.DriftBelowMinimum || d.Latest.Tag != "v1.29.6.0-prod" {
		t.Errorf("Check = %+v", d)
	}
	if _, err := r.Check(context.Background(), "public.ecr.aws/appmesh/aws-appmesh-envoy:v1.29.6.0-prod"); !errors.Is(err, appmeshenvoy.ErrInvalidImage) {
		t.Errorf("public reference: %v", err)
	}
	if _, err := r.Check(context.Background(), "not a ref"); !errors.Is(err, appmeshenvoy.ErrInvalidImage) {
		t.Errorf("bad reference: %v", err)
	}
}
