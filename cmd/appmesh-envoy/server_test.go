package main

import (
	"crypto/rand"
	"encoding/hex"
	"testing"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/appmeshenvoytest"
)

// testServer is an in-process local AWS endpoint with one identity whose secret is fresh
// for each test, so that tests can look for it in everything the CLI prints.
type testServer struct {
	*appmeshenvoytest.Server
	keyID, secret string
}

func newTestServer(t *testing.T) *testServer {
	t.Helper()
	srv := appmeshenvoytest.NewServer()
	t.Cleanup(srv.Close)
	b := make([]byte, 20)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	ts := &testServer{Server: srv, keyID: "AKIDCLISERVERTEST", secret: "cli/" + hex.EncodeToString(b)}
	srv.AddCredentials(ts.keyID, ts.secret, "111122223333")
	return ts
}

// opts returns run options that send every request to the server with its identity.
func (ts *testServer) opts(extra ...string) runOpts {
	return runOpts{env: append([]string{
		"AWS_ACCESS_KEY_ID=" + ts.keyID,
		"AWS_SECRET_ACCESS_KEY=" + ts.secret,
	}, extra...)}
}

// run runs the CLI against the server: --endpoint-url is added first.
func (ts *testServer) run(t *testing.T, o runOpts, args ...string) result {
	t.Helper()
	return runWith(t, o, append([]string{"--endpoint-url", ts.URL}, args...)...)
}

func (ts *testServer) accessDenied() appmeshenvoytest.AWSError {
	return appmeshenvoytest.AccessDenied("ecr:GetAuthorizationToken")
}
