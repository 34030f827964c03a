package main

import (
	"encoding/json"
	"testing"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/appmeshenvoytest"
)

func TestImageCheck(t *testing.T) {
	ts := newTestServer(t)
	const host = "840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:"
	tests := []struct {
		name, ref, status string
		extra             []string
		code              int
	}{
		{"up to date", host + appmeshenvoytest.DefaultTag, "up to date", nil, exitOK},
		{"older fails", host + "v1.27.3.0-prod", "older", nil, exitFailed},
		{"older allowed", host + "v1.27.3.0-prod", "older", []string{"--fail-on", "below-minimum"}, exitOK},
		{"below minimum", host + "v1.15.0.0-prod", "below minimum", []string{"--fail-on", "below-minimum"}, exitFailed},
		{"mirror in own account", "111122223333.dkr.ecr.us-west-2.amazonaws.com/envoy:" + appmeshenvoytest.DefaultTag, "up to date", nil, exitOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"image", "check", tt.ref, "-o", "json"}, tt.extra...)
			r := ts.run(t, ts.opts(), args...)
			r.wantCode(t, tt.code, args...)
			var out checkJSON
			if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
				t.Fatalf("stdout is not the check JSON: %v\n%s", err, r.stdout)
			}
			if out.Status != tt.status || out.Region != "us-west-2" {
				t.Errorf("status %q region %q, want %q us-west-2", out.Status, out.Region, tt.status)
			}
			if tt.code == exitFailed {
				r.wantOneLineError(t, tt.status)
			}
		})
	}
	for _, bad := range []string{"not-an-image", "docker.io/library/envoy:v1", "https://x/y:z"} {
		r := ts.run(t, ts.opts(), "image", "check", bad)
		r.wantCode(t, exitUsage, bad)
		r.wantOneLineError(t, "")
	}
}

// TestImageCheckPublicGallery: a public gallery reference names no region, so it is
// compared with the latest image of --region (or the configured region).
func TestImageCheckPublicGallery(t *testing.T) {
	ts := newTestServer(t)
	const public = "public.ecr.aws/appmesh/aws-appmesh-envoy:"
	tests := []struct {
		name, ref string
		extra     []string
		region    string // the region compared with
		status    string
		code      int
	}{
		{"--region, up to date", public + appmeshenvoytest.DefaultTag, []string{"--region", "eu-west-1"}, "eu-west-1", "up to date", exitOK},
		{"configured region, older", public + "v1.27.3.0-prod", nil, "us-west-2", "older", exitFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"image", "check", tt.ref, "-o", "json"}, tt.extra...)
			r := ts.run(t, ts.opts(), args...)
			r.wantCode(t, tt.code, args...)
			var out checkJSON
			if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
				t.Fatalf("stdout is not the check JSON: %v\n%s", err, r.stdout)
			}
			if out.Status != tt.status || out.Region != tt.region {
				t.Errorf("status %q region %q, want %q %s", out.Status, out.Region, tt.status, tt.region)
			}
		})
	}
	if n := ts.Requests("ssm:GetParameter", "eu-west-1"); n != 1 {
		t.Errorf("%d GetParameter requests in eu-west-1, want 1", n)
	}
	// No region anywhere, or an unsupported one: bad input, before any request.
	before := ts.Requests("*", "*")
	r := ts.run(t, ts.opts("AWS_REGION="), "image", "check", public+appmeshenvoytest.DefaultTag)
	r.wantCode(t, exitUsage)
	r.wantOneLineError(t, "--region")
	r = ts.run(t, ts.opts(), "image", "check", public+appmeshenvoytest.DefaultTag, "--region", "us-west-3")
	r.wantCode(t, exitUsage)
	r.wantOneLineError(t, "us-west-2")
	if after := ts.Requests("*", "*"); after != before {
		t.Errorf("%d requests for bad input, want none", after-before)
	}
}
