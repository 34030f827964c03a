package appmeshenvoy_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/appmeshenvoytest"
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
		{"840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.29.6.0-prod", appmeshenvoy.DriftUpToDate, "", false, "up-to-date: v1.29.6.0-prod"},
		{"840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.29.6.0-prod-fips", appmeshenvoy.DriftUpToDate, "", false, "up-to-date"},
		{"840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.29.5.0-prod", appmeshenvoy.DriftOlder, "patch", false, "older: v1.29.5.0-prod is behind the latest v1.29.6.0-prod by a patch release"},
		{"840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.27.3.0-prod", appmeshenvoy.DriftOlder, "minor", false, "older: v1.27.3.0-prod is behind the latest v1.29.6.0-prod by a minor version"},
		{"840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.29.6.1-prod", appmeshenvoy.DriftNewer, "build", false, "newer: v1.29.6.1-prod is ahead of the latest v1.29.6.0-prod by an App Mesh rebuild"},
		{"840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.15.1.0-prod", appmeshenvoy.DriftBelowMinimum, "minor", false, "below-minimum: v1.15.1.0-prod is below the supported minimum v1.17.2.0-prod"},
		{"840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.17.2.0-prod", appmeshenvoy.DriftOlder, "minor", false, "older"},
		{"111345817488.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.9.0.0-prod", appmeshenvoy.DriftLegacyAccount, "minor", true, "legacy-account: "},
		{"840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:latest", appmeshenvoy.DriftUnknownVersion, "", false, "not an App Mesh Envoy version"},
		{"840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy@" + rsDigest, appmeshenvoy.DriftUnknownVersion, "", false, "unknown: "},
		{"123456789012.dkr.ecr.us-west-2.amazonaws.com/team/envoy:v1.29.6.0-prod", appmeshenvoy.DriftUpToDate, "", true, "deployed from 123456789012.dkr.ecr.us-west-2.amazonaws.com/team/envoy"},
		{"public.ecr.aws/appmesh/aws-appmesh-envoy:v1.28.0.0-prod", appmeshenvoy.DriftOlder, "minor", true, "older"},
		// The FIPS and dual-stack endpoints of the owner's registry are the same registry.
		{"840364872350.dkr.ecr-fips.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.29.6.0-prod-fips", appmeshenvoy.DriftUpToDate, "", false, "up-to-date: v1.29.6.0-prod-fips"},
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

func TestDriftStatusText(t *testing.T) {
	tests := []struct {
		status appmeshenvoy.DriftStatus
		name   string
	}{
		{appmeshenvoy.DriftUpToDate, "up-to-date"},
		{appmeshenvoy.DriftNewer, "newer"},
		{appmeshenvoy.DriftOlder, "older"},
		{appmeshenvoy.DriftUnknownVersion, "unknown"},
		{appmeshenvoy.DriftBelowMinimum, "below-minimum"},
		{appmeshenvoy.DriftLegacyAccount, "legacy-account"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.status.String(); got != tt.name {
				t.Errorf("String() = %q, want %q", got, tt.name)
			}
			b, err := json.Marshal(struct{ S appmeshenvoy.DriftStatus }{tt.status})
			if err != nil || string(b) != `{"S":"`+tt.name+`"}` {
				t.Errorf("json.Marshal = %s, %v", b, err)
			}
			for _, in := range []string{tt.name, " " + strings.ToUpper(tt.name) + "\t"} {
				var got appmeshenvoy.DriftStatus = -1
				if err := got.UnmarshalText([]byte(in)); err != nil || got != tt.status {
					t.Errorf("UnmarshalText(%q) = %v, %v", in, got, err)
				}
			}
		})
	}
	if got := appmeshenvoy.DriftStatus(99).String(); got != "DriftStatus(99)" {
		t.Errorf("String() of an unknown status = %q", got)
	}
	if _, err := appmeshenvoy.DriftStatus(99).MarshalText(); appmeshenvoy.CodeOf(err) != appmeshenvoy.CodeInvalidInput {
		t.Errorf("MarshalText of an unknown status: %v", err)
	}
	// The old spellings are not statuses any more.
	for _, in := range []string{"up to date", "below minimum", "unknown version", "", "older,newer", "\x1b[31m"} {
		var s appmeshenvoy.DriftStatus
		err := s.UnmarshalText([]byte(in))
		if appmeshenvoy.CodeOf(err) != appmeshenvoy.CodeInvalidInput || !strings.Contains(err.Error(), "up-to-date, newer") || strings.Contains(err.Error(), "\x1b") {
			t.Errorf("UnmarshalText(%q): %v", in, err)
		}
	}
}

// TestWireCheckIn: a public gallery reference is compared with the region given; a
// regional reference with its own region whatever region is given; bad input fails
// before any request.
func TestWireCheckIn(t *testing.T) {
	srv := wireServer(t)
	res := appmeshenvoy.NewResolver(srv.Config("us-west-2"), wireFastRetries)
	ctx := context.Background()
	const gallery = "public.ecr.aws/appmesh/aws-appmesh-envoy:"
	tests := []struct {
		ref, region string
		status      appmeshenvoy.DriftStatus
		compared    string // the region of the latest image compared with
	}{
		{gallery + appmeshenvoytest.DefaultTag, "eu-west-1", appmeshenvoy.DriftUpToDate, "eu-west-1"},
		{gallery + "v1.27.3.0-prod", " AP-SOUTH-1 ", appmeshenvoy.DriftOlder, "ap-south-1"},
		{gallery + "latest", "us-west-2", appmeshenvoy.DriftUnknownVersion, "us-west-2"},
		{"ecr-public.aws.com/appmesh/aws-appmesh-envoy:" + appmeshenvoytest.DefaultTag, "us-east-1", appmeshenvoy.DriftUpToDate, "us-east-1"},
		{"840364872350.dkr.ecr.us-east-2.amazonaws.com/aws-appmesh-envoy:v1.27.3.0-prod", "eu-west-1", appmeshenvoy.DriftOlder, "us-east-2"},
	}
	for _, tt := range tests {
		d, err := res.CheckIn(ctx, tt.ref, tt.region)
		if err != nil {
			t.Errorf("CheckIn(%s, %q): %v", tt.ref, tt.region, err)
			continue
		}
		if d.Status != tt.status || d.Latest.Region() != tt.compared {
			t.Errorf("CheckIn(%s, %q) = %v against %s, want %v against %s", tt.ref, tt.region, d.Status, d.Latest.Region(), tt.status, tt.compared)
		}
	}
	srv.ResetCounts()
	for _, tt := range []struct {
		ref, region string
		code        appmeshenvoy.Code
	}{
		{gallery + appmeshenvoytest.DefaultTag, "", appmeshenvoy.CodeInvalidImage},
		{gallery + appmeshenvoytest.DefaultTag, " ", appmeshenvoy.CodeInvalidImage},
		{gallery + appmeshenvoytest.DefaultTag, "us-west-3", appmeshenvoy.CodeUnsupportedRegion},
		{"docker.io/library/envoy:v1.29.6.0", "us-west-2", appmeshenvoy.CodeInvalidImage},
		{"not a ref", "us-west-2", appmeshenvoy.CodeInvalidImage},
	} {
		_, err := res.CheckIn(ctx, tt.ref, tt.region)
		if got := appmeshenvoy.CodeOf(err); got != tt.code || !got.Input() {
			t.Errorf("CheckIn(%q, %q): code %q (%v), want %q, an input code", tt.ref, tt.region, got, err, tt.code)
		}
	}
	if n := srv.Requests("*", "*"); n != 0 {
		t.Errorf("%d requests for bad input, want none", n)
	}
}
