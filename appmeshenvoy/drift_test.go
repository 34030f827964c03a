package appmeshenvoy_test

import (
	"strings"
	"testing"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
)

func TestCompareDeployed(t *testing.T) {
	latest, _ := appmeshenvoy.ParseImage("840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.29.6.0-prod")
	tests := []struct {
		deployed string
		status   appmeshenvoy.DriftStatus
		behind   string
		other    bool
		text     string
	}{
		{"840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.29.6.0-prod", appmeshenvoy.DriftUpToDate, "", false, "up to date: v1.29.6.0-prod"},
		{"840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.29.6.0-prod-fips", appmeshenvoy.DriftUpToDate, "", false, "up to date"},
		{"840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.29.5.0-prod", appmeshenvoy.DriftOlder, "patch", false, "older: v1.29.5.0-prod is behind the latest v1.29.6.0-prod by a patch release"},
		{"840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.27.3.0-prod", appmeshenvoy.DriftOlder, "minor", false, "older: v1.27.3.0-prod is behind the latest v1.29.6.0-prod by a minor version"},
		{"840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.29.6.1-prod", appmeshenvoy.DriftNewer, "build", false, "newer: v1.29.6.1-prod is ahead of the latest v1.29.6.0-prod by an App Mesh rebuild"},
		{"840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.15.1.0-prod", appmeshenvoy.DriftBelowMinimum, "minor", false, "below the supported minimum v1.17.2.0-prod"},
		{"840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.17.2.0-prod", appmeshenvoy.DriftOlder, "minor", false, "older"},
		{"111345817488.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.9.0.0-prod", appmeshenvoy.DriftLegacyAccount, "minor", true, "retired account 111345817488"},
		{"840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:latest", appmeshenvoy.DriftUnknownVersion, "", false, "not an App Mesh Envoy version"},
		{"840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy@" + rsDigest, appmeshenvoy.DriftUnknownVersion, "", false, "unknown version"},
		{"123456789012.dkr.ecr.us-west-2.amazonaws.com/team/envoy:v1.29.6.0-prod", appmeshenvoy.DriftUpToDate, "", true, "deployed from 123456789012.dkr.ecr.us-west-2.amazonaws.com/team/envoy"},
		{"public.ecr.aws/appmesh/aws-appmesh-envoy:v1.28.0.0-prod", appmeshenvoy.DriftOlder, "minor", true, "older"},
		// The FIPS and dual-stack endpoints of the owner's registry are the same registry.
		{"840364872350.dkr.ecr-fips.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.29.6.0-prod-fips", appmeshenvoy.DriftUpToDate, "", false, "up to date: v1.29.6.0-prod-fips"},
		{"840364872350.dkr-ecr.us-west-2.on.aws/aws-appmesh-envoy:v1.29.5.0-prod", appmeshenvoy.DriftOlder, "patch", false, "older"},
		{"840364872350.dkr.ecr-fips.us-east-1.amazonaws.com/aws-appmesh-envoy:v1.29.6.0-prod-fips", appmeshenvoy.DriftUpToDate, "", true, "deployed from 840364872350.dkr.ecr-fips.us-east-1"},
	}
	for _, tt := range tests {
		t.Run(tt.deployed, func(t *testing.T) {
			dep, err := appmeshenvoy.ParseImage(tt.deployed)
			if err != nil {
				t.Fatal(err)
			}
			d := appmeshenvoy.CompareDeployed(dep, latest)
			if d.Status != tt.status || d.Behind != tt.behind || d.OtherRepository != tt.other {
				t.Errorf("got status %v behind %q other %v; want %v %q %v", d.Status, d.Behind, d.OtherRepository, tt.status, tt.behind, tt.other)
			}
			if !strings.Contains(d.String(), tt.text) {
				t.Errorf("String() = %q, want it to contain %q", d.String(), tt.text)
			}
		})
	}
}

func TestDriftStatusString(t *testing.T) {
	if got := appmeshenvoy.DriftStatus(99).String(); got != "DriftStatus(99)" {
		t.Errorf("got %q", got)
	}
}
