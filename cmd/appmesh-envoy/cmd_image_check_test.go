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
