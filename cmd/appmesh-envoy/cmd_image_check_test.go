package main

import (
	"encoding/json"
	"strings"
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
		{"up to date", host + appmeshenvoytest.DefaultTag, "up-to-date", nil, exitOK},
		{"older fails", host + "v1.27.3.0-prod", "older", nil, exitFailed},
		{"older allowed", host + "v1.27.3.0-prod", "older", []string{"--fail-on", "below-minimum"}, exitOK},
		{"below minimum", host + "v1.15.0.0-prod", "below-minimum", []string{"--fail-on", "below-minimum"}, exitFailed},
		{"mirror in own account", "111122223333.dkr.ecr.us-west-2.amazonaws.com/envoy:" + appmeshenvoytest.DefaultTag, "up-to-date", nil, exitOK},
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
		{"--region, up to date", public + appmeshenvoytest.DefaultTag, []string{"--region", "eu-west-1"}, "eu-west-1", "up-to-date", exitOK},
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

// TestImageCheckGate: the verdicts that fail the check by default, --fail-on as a list,
// and "never".
func TestImageCheckGate(t *testing.T) {
	ts := newTestServer(t)
	const repo = "840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy"
	_, _, latestDigest := ts.Manifest()
	otherDigest := "sha256:" + strings.Repeat("ab", 32)
	tests := []struct {
		name, ref string
		failOn    []string // --fail-on values; nil: the default
		status    string
		code      int
	}{
		{"latest tag fails by default", repo + ":latest", nil, "unknown", exitFailed},
		{"digest-only other digest fails by default", repo + "@" + otherDigest, nil, "unknown", exitFailed},
		{"digest-only latest digest passes", repo + "@" + latestDigest, nil, "up-to-date", exitOK},
		{"custom tag fails by default", repo + ":my-build-7", nil, "unknown", exitFailed},
		{"legacy account fails by default", "111345817488.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.9.0.0-prod", nil, "legacy-account", exitFailed},
		{"newer passes by default", repo + ":v1.99.0.0-prod", nil, "newer", exitOK},
		{"unknown relaxed", repo + ":latest", []string{"older,below-minimum"}, "unknown", exitOK},
		{"older relaxed by a list", repo + ":v1.27.3.0-prod", []string{"below-minimum,unknown"}, "older", exitOK},
		{"repeated --fail-on adds up", repo + ":v1.27.3.0-prod", []string{"unknown", "older"}, "older", exitFailed},
		{"case and spaces", repo + ":v1.27.3.0-prod", []string{" Older , unknown"}, "older", exitFailed},
		{"never", repo + ":v1.15.0.0-prod", []string{"never"}, "below-minimum", exitOK},
		{"empty list is never", repo + ":latest", []string{""}, "unknown", exitOK},
		{"newer can fail too", repo + ":v1.99.0.0-prod", []string{"newer"}, "newer", exitFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := []string{"image", "check", tt.ref, "-o", "json"}
			for _, f := range tt.failOn {
				args = append(args, "--fail-on", f)
			}
			r := ts.run(t, ts.opts(), args...)
			r.wantCode(t, tt.code, args...)
			var out checkJSON
			if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
				t.Fatalf("stdout is not the check JSON: %v\n%s", err, r.stdout)
			}
			wantGate := gatePass
			if tt.code == exitFailed {
				wantGate = gateFail
				r.wantOneLineError(t, "image check: "+tt.status+": ")
			} else if r.stderr != "" {
				t.Errorf("stderr = %q", r.stderr)
			}
			if out.Status != tt.status || out.Gate != wantGate || out.Code != "" {
				t.Errorf("status %q gate %q code %q, want %q %q and no code", out.Status, out.Gate, out.Code, tt.status, wantGate)
			}
		})
	}
	for _, bad := range []string{"olde", "never,older", "up to date"} {
		r := ts.run(t, ts.opts(), "image", "check", repo+":latest", "--fail-on", bad)
		r.wantCode(t, exitUsage)
		r.wantOneLineError(t, `flag "--fail-on"`)
	}
	r := ts.run(t, ts.opts(), "image", "check", "--help")
	if !strings.Contains(r.stdout, "(default older,below-minimum,legacy-account,unknown)") {
		t.Errorf("--help does not show the default --fail-on:\n%s", r.stdout)
	}
}

// TestImageCheckFailedJSON: when the check cannot run, -o json still says so, with the
// library's error code, and the exit status is 1.
func TestImageCheckFailedJSON(t *testing.T) {
	ts := newTestServer(t)
	// A parameter that is gone is not a failure (the check compares with the final
	// release, see TestImageCheckWithoutParameter); a server that keeps failing is.
	ts.FailNext("ssm:GetParameter", "eu-west-1", 100, appmeshenvoytest.InternalError("ssm:GetParameter"))
	ts.FailNext("ssm:GetParameter", "ap-south-1", 100, appmeshenvoytest.AccessDenied("ssm:GetParameter"))
	tests := []struct {
		ref, region, code string
	}{
		{"840364872350.dkr.ecr.eu-west-1.amazonaws.com/aws-appmesh-envoy:v1.27.3.0-prod", "eu-west-1", "server-error"},
		{"public.ecr.aws/appmesh/aws-appmesh-envoy:v1.27.3.0-prod", "ap-south-1", "access-denied"},
	}
	for _, tt := range tests {
		args := []string{"image", "check", tt.ref, "--region", tt.region, "-o", "json"}
		r := ts.run(t, ts.opts(), args...)
		r.wantCode(t, exitFailed, args...)
		r.wantOneLineError(t, "image check: ")
		var out checkJSON
		if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
			t.Fatalf("stdout is not the check JSON: %v\n%s", err, r.stdout)
		}
		if out.Status != statusFailed || out.Gate != gateFail || out.Code != tt.code || out.Region != tt.region || out.Error == "" || out.Image != tt.ref {
			t.Errorf("%s: %+v, want status failed, code %s, region %s", tt.ref, out, tt.code, tt.region)
		}
	}
}
