package appmeshenvoy_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
)

// hostileEndpoint answers every AWS JSON call with HTTP 200 and a body that starts like the
// real answer and then streams up to size bytes: a broken proxy or a hostile endpoint.
func hostileEndpoint(t *testing.T, size int64) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		prefix := map[string]string{
			"AmazonSSM.GetParameter":                                     `{"Parameter":{"Name":"/aws/service/appmesh/envoy","Value":"`,
			"AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken": `{"authorizationData":[{"authorizationToken":"`,
			"AmazonEC2ContainerRegistry_V20150921.BatchGetImage":         `{"images":[{"imageManifest":"`,
		}[r.Header.Get("X-Amz-Target")]
		_, _ = io.WriteString(w, prefix)
		chunk := strings.Repeat("A", 64<<10)
		for sent := int64(len(prefix)); sent < size; sent += int64(len(chunk)) {
			if _, err := io.WriteString(w, chunk); err != nil {
				return // the client stopped reading
			}
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestHostileEndpointOversizedAnswers: an endpoint streaming 1 GiB ends each call within
// its limit (bodies are bounded: 1 MiB for a parameter, 64 KiB for a token, 12 MiB for a
// manifest answer) with code response-too-large, quickly and without retries, and without
// the process reading (or holding) the stream.
func TestHostileEndpointOversizedAnswers(t *testing.T) {
	srv := hostileEndpoint(t, 1<<30)
	cfg := aws.Config{Region: "us-west-2", BaseEndpoint: aws.String(srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDHOSTILE", "secret", "")}
	img, _ := appmeshenvoy.ParseImage("840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.29.6.0-prod")
	calls := map[string]func(context.Context) error{
		"Latest": func(ctx context.Context) error {
			_, err := appmeshenvoy.NewResolver(cfg).Latest(ctx, "us-west-2")
			return err
		},
		"Pin": func(ctx context.Context) error {
			_, err := appmeshenvoy.NewResolver(cfg).Pin(ctx, img)
			return err
		},
		"Token": func(ctx context.Context) error {
			_, err := appmeshenvoy.NewTokenProvider(cfg).Token(ctx, "us-west-2")
			return err
		},
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			start := time.Now()
			err := call(context.Background())
			elapsed := time.Since(start)
			runtime.ReadMemStats(&after)
			if appmeshenvoy.CodeOf(err) != appmeshenvoy.CodeResponseTooLarge {
				t.Fatalf("err = %v (code %s), want response-too-large", err, appmeshenvoy.CodeOf(err))
			}
			if elapsed > 10*time.Second {
				t.Errorf("took %v", elapsed)
			}
			// Allocations stay in the order of the limit, not of the stream (1 GiB).
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 200<<20 {
				t.Errorf("allocated %d MiB reading a bounded answer", alloc>>20)
			}
		})
	}
}
