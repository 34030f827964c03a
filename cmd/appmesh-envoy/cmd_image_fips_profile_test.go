package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

// TestImageFIPS: --fips gives the -prod-fips variant where FIPS images are published, and
// a per-region error (exit 1) where they are not.
func TestImageFIPS(t *testing.T) {
	ts := newTestServer(t)
	r := ts.run(t, ts.opts(), "image", "--fips", "--region", "us-east-1", "--region", "eu-west-1", "-o", "json")
	r.wantCode(t, exitFailed)
	rows := decodeImages(t, r.stdout)
	if len(rows) != 2 {
		t.Fatalf("%d rows, want 2:\n%s", len(rows), r.stdout)
	}
	fips, other := rows[0], rows[1]
	if fips.Region != "us-east-1" || fips.Status != statusOK || !strings.HasSuffix(fips.Tag, "-prod-fips") ||
		fips.Image != region.MustLookup("us-east-1").RepositoryURI()+":"+fips.Tag {
		t.Errorf("us-east-1 row = %+v, want the -prod-fips tag of the owner's repository", fips)
	}
	if other.Region != "eu-west-1" || other.Status == statusOK || other.Image != "" || !strings.Contains(other.Error, "FIPS") {
		t.Errorf("eu-west-1 row = %+v, want an error saying no FIPS image is published there", other)
	}
}

// TestProfile: --profile selects a named profile's credentials and region from the shared
// config files, as the AWS CLI does.
func TestProfile(t *testing.T) {
	ts := newTestServer(t)
	dir := t.TempDir()
	cfgFile := filepath.Join(dir, "config")
	credFile := filepath.Join(dir, "credentials")
	if err := os.WriteFile(cfgFile, []byte("[profile deploy]\nregion = eu-central-1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	creds := "[deploy]\naws_access_key_id = " + ts.keyID + "\naws_secret_access_key = " + ts.secret + "\n"
	if err := os.WriteFile(credFile, []byte(creds), 0o600); err != nil {
		t.Fatal(err)
	}
	// The environment's own keys are wrong: only the profile's may reach the endpoint.
	env := []string{
		"AWS_ACCESS_KEY_ID=", "AWS_SECRET_ACCESS_KEY=", "AWS_REGION=",
		"AWS_CONFIG_FILE=" + cfgFile, "AWS_SHARED_CREDENTIALS_FILE=" + credFile,
	}
	r := runWith(t, runOpts{env: env}, "--endpoint-url", ts.URL, "--profile", "deploy", "image", "-o", "json")
	r.wantCode(t, exitOK)
	rows := decodeImages(t, r.stdout)
	if len(rows) != 1 || rows[0].Region != "eu-central-1" || rows[0].Status != statusOK {
		t.Fatalf("rows = %+v, want eu-central-1 (the profile's region) resolved", rows)
	}

	r = runWith(t, runOpts{env: env}, "--endpoint-url", ts.URL, "--profile", "nosuch", "image")
	if r.code == exitOK || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 || !strings.Contains(r.stderr, "nosuch") {
		t.Errorf("unknown profile: exit %d, stderr %q; want one line naming the profile", r.code, r.stderr)
	}
}
