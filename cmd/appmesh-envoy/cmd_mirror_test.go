package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/appmeshenvoytest"
	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

const cliAccount = "111122223333" // the testServer identity's account

// TestMirrorCommand mirrors into a repository of the caller's account through the local
// endpoint (its ECR API and registries), then again: the JSON rows, the overrides on
// stderr, the up-to-date second run, the dry run, and no secret anywhere even with
// --debug.
func TestMirrorCommand(t *testing.T) {
	ts := newTestServer(t)
	dest := cliAccount + ".dkr.ecr.us-east-1.amazonaws.com/mirror/envoy"
	_, _, digest := ts.Manifest()
	args := []string{"mirror", "--region", "us-west-2", "--to", dest, "--create-repository", "-o", "json"}

	plan := ts.run(t, ts.opts(), append(args, "--dry-run")...)
	plan.wantCode(t, 0, args...)
	var rows []mirrorJSON
	if err := json.Unmarshal([]byte(plan.stdout), &rows); err != nil || len(rows) != 1 {
		t.Fatalf("dry run JSON: %v\n%s", err, plan.stdout)
	}
	if r := rows[0]; r.Status != "planned" || !r.RepositoryCreated || r.BlobsCopied != 8 || r.Image != dest+":"+appmeshenvoytest.DefaultTag+"@"+digest {
		t.Errorf("dry run row %+v", r)
	}
	if _, err := ts.Tags(dest); err == nil {
		t.Fatal("the dry run created the repository")
	}

	first := ts.run(t, ts.opts(), append(args, "--debug")...)
	first.wantCode(t, 0, args...)
	ts.assertNoSecrets(t, "stdout", first.stdout)
	ts.assertNoSecrets(t, "stderr", first.stderr)
	if !strings.Contains(first.stderr, region.MustLookup("us-west-2").RegistryHost()+" → "+ts.URL+"/") {
		t.Errorf("stderr does not show the source's override:\n%.2000s", first.stderr)
	}
	if err := json.Unmarshal([]byte(first.stdout), &rows); err != nil {
		t.Fatal(err)
	}
	if r := rows[0]; r.Status != "copied" || r.Source != region.MustLookup("us-west-2").RepositoryURI()+":"+appmeshenvoytest.DefaultTag+"@"+digest ||
		r.Region != "us-west-2" || r.Tag != appmeshenvoytest.DefaultTag || r.Manifests != 3 || r.Code != "" {
		t.Errorf("first run row %+v", r)
	}
	if got, _ := ts.ImageDigest(dest, appmeshenvoytest.DefaultTag); got != digest {
		t.Errorf("the destination holds %s, want %s", got, digest)
	}

	again := ts.run(t, ts.opts(), "mirror", "--region", "us-west-2", "--to", dest)
	again.wantCode(t, 0)
	if !strings.Contains(again.stdout, "up-to-date") || !strings.Contains(again.stdout, "DESTINATION") {
		t.Errorf("second run table:\n%s", again.stdout)
	}
}

// TestMirrorFailures: a destination that fails is printed with its code and the exit
// status is 1, after every destination.
func TestMirrorFailures(t *testing.T) {
	ts := newTestServer(t)
	ok := cliAccount + ".dkr.ecr.us-east-1.amazonaws.com/mirror/envoy"
	missing := cliAccount + ".dkr.ecr.us-east-1.amazonaws.com/missing/envoy"
	if err := ts.CreateRepository(ok, appmeshenvoytest.RepositoryOptions{}); err != nil {
		t.Fatal(err)
	}
	r := ts.run(t, ts.opts(), "mirror", "--region", "us-west-2", "--to", missing, "--to", ok, "-o", "json")
	r.wantCode(t, 1)
	var rows []mirrorJSON
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil || len(rows) != 2 {
		t.Fatalf("JSON: %v\n%s", err, r.stdout)
	}
	if rows[0].Status != "failed" || rows[0].Code != "image-not-found" || !strings.Contains(rows[0].Error, "--create-repository") {
		t.Errorf("missing repository row %+v", rows[0])
	}
	if rows[1].Status != "copied" {
		t.Errorf("other row %+v", rows[1])
	}
	if !strings.Contains(r.stderr, "1 of 2 destinations failed") {
		t.Errorf("stderr:\n%s", r.stderr)
	}

	unreachable := ts.run(t, ts.opts(), "--registry-endpoint", region.MustLookup("us-west-2").RegistryHost()+"=http://127.0.0.1:1",
		"mirror", "--region", "us-west-2", "--tag", appmeshenvoytest.DefaultTag, "--to", ok, "-o", "json")
	unreachable.wantCode(t, 1)
	if !strings.Contains(unreachable.stdout, `"code": "registry-unreachable"`) {
		t.Errorf("unreachable source:\n%s", unreachable.stdout)
	}
}

// TestMirrorBadInput: usage and input errors exit 2 with one line, before any request.
func TestMirrorBadInput(t *testing.T) {
	ts := newTestServer(t)
	dest := cliAccount + ".dkr.ecr.us-east-1.amazonaws.com/mirror/envoy"
	for _, tc := range []struct {
		args []string
		says string
	}{
		{[]string{"mirror", "--region", "us-west-2"}, "--to"},
		{[]string{"mirror", "--region", "us-west-2", "--to", dest, "extra"}, "no arguments"},
		{[]string{"mirror", "--region", "us-west-2", "--to", "mirror/envoy"}, "not a registry host"},
		{[]string{"mirror", "--region", "us-west-2", "--to", dest + ":latest"}, "without tag"},
		{[]string{"mirror", "--region", "us-west-2", "--to", "registry.example.com:{region}/envoy"}, "in the port"},
		{[]string{"mirror", "--region", "us-west-2", "--to", "registry.example.com/{regions}/envoy"}, "placeholder"},
		{[]string{"mirror", "--all-regions", "--to", dest}, "{region}"},
		{[]string{"mirror", "--region", "us-west-2", "--tag", "latest", "--to", dest}, "not an App Mesh Envoy tag"},
		{[]string{"mirror", "--region", "us-west-2", "--to", cliAccount + ".dkr.ecr.cn-north-1.amazonaws.com.cn/envoy"}, "partition"},
		{[]string{"mirror", "--region", "eu-west-1", "--fips", "--to", dest}, "FIPS"},
		{[]string{"mirror", "--region", "us-west-2", "--to", dest, "--kms-key", "aws/ecr"}, "--create-repository"},
		{[]string{"--registry-endpoint", "registry.example.com=http://10.0.0.1:5000", "mirror", "--region", "us-west-2", "--to", dest}, "loopback"},
		{[]string{"--registry-endpoint", "registry.example.com", "mirror", "--region", "us-west-2", "--to", dest}, "HOST=URL"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			ts.ResetCounts()
			r := ts.run(t, ts.opts(), tc.args...)
			r.wantCode(t, 2, tc.args...)
			r.wantOneLineError(t, tc.says)
			if n := ts.Requests("ecr:*", "*") + ts.Requests("ssm:*", "*"); n != 0 {
				t.Errorf("%d requests before the input error", n)
			}
		})
	}

	// An ECR token from real AWS (no --endpoint-url) never goes to an overridden URL.
	r := runWith(t, runOpts{}, "--registry-endpoint", region.MustLookup("us-west-2").RegistryHost()+"=http://127.0.0.1:5000",
		"mirror", "--region", "us-west-2", "--tag", appmeshenvoytest.DefaultTag, "--to", "127.0.0.1:5001/envoy")
	r.wantCode(t, 2)
	r.wantOneLineError(t, "--trust-registry-endpoint")
}

func TestMirrorHelp(t *testing.T) {
	r := runCLI(t, "mirror", "--help")
	r.wantCode(t, 0)
	for _, want := range []string{"--to REPOSITORY", "{region}", "signatures and referrers are not copied", "--registry-endpoint", "HOST → URL", "JSON keys"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("help lacks %q", want)
		}
	}
}

// TestMirrorAllRegions mirrors every region of the partition into the caller's
// registry of that region; an opt-in region the account has not enabled is reported as
// not-enabled and does not fail the run.
func TestMirrorAllRegions(t *testing.T) {
	ts := newTestServer(t)
	ts.SetRegionEnabled("me-south-1", false)
	r := ts.run(t, ts.opts(), "mirror", "--all-regions", "--to", cliAccount+".dkr.ecr.{region}.amazonaws.com/mirror/envoy", "--create-repository", "-o", "json")
	r.wantCode(t, 0)
	var rows []mirrorJSON
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil {
		t.Fatal(err)
	}
	aws, _ := region.InPartition("aws")
	if len(rows) != len(aws) {
		t.Fatalf("%d rows for %d regions", len(rows), len(aws))
	}
	for _, row := range rows {
		want := "copied"
		if row.Region == "me-south-1" {
			want = "not-enabled"
		}
		if row.Status != want || !strings.Contains(row.Destination, ".dkr.ecr."+row.Region+".") {
			t.Errorf("%s: status %s (%s), destination %s", row.Region, row.Status, row.Error, row.Destination)
		}
	}
}

// TestMirrorHonoursProxy: registry traffic to a host on the network goes through
// HTTPS_PROXY (here a test proxy on 127.0.0.1 that refuses every tunnel), as the SDK's
// traffic does; loopback traffic (the local endpoint) does not.
func TestMirrorHonoursProxy(t *testing.T) {
	ts := newTestServer(t)
	var mu sync.Mutex
	var connects []string
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		connects = append(connects, r.Method+" "+r.Host)
		mu.Unlock()
		http.Error(w, "no tunnels here", http.StatusForbidden)
	}))
	defer proxy.Close()
	r := ts.run(t, ts.opts("HTTPS_PROXY="+proxy.URL), "mirror", "--region", "us-west-2", "--to", "registry.example.com/envoy", "-o", "json")
	r.wantCode(t, 1)
	if !strings.Contains(r.stdout, `"code": "registry-unreachable"`) {
		t.Errorf("output:\n%s", r.stdout)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(connects) == 0 || connects[0] != "CONNECT registry.example.com:443" {
		t.Errorf("the proxy saw %q, want a CONNECT to registry.example.com:443", connects)
	}
}
