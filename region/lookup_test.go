package region

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestLookupAcceptsWhatPeopleType(t *testing.T) {
	for _, in := range []string{"us-west-2", " us-west-2", "us-west-2\n", "\tUS-WEST-2 ", "Us-West-2"} {
		r, err := Lookup(in)
		if err != nil || r.Code != "us-west-2" {
			t.Errorf("Lookup(%q) = %v, %v; want us-west-2", in, r.Code, err)
		}
	}
}

func TestLookupRejects(t *testing.T) {
	tests := []struct {
		in         string
		suggestion string
		contains   string
	}{
		{"us-west-3", "us-west-2", "did you mean us-west-2?"},
		{"eu-west-4", "eu-west-3", "did you mean eu-west-3?"},
		{"us-esat-1", "us-east-1", "did you mean us-east-1?"},
		{"uswest2", "us-west-2", "did you mean us-west-2?"},
		{"cn-north-2", "cn-north-1", "did you mean cn-north-1?"},
		{"ap-east-2", "", "App Mesh has no endpoint"},
		{"ap-southeast-6", "", "App Mesh has no endpoint"},
		// Real AWS regions without the image: no "did you mean" another country's region.
		{"ca-west-1", "", "an AWS region, but App Mesh publishes no Envoy image there"},
		{"mx-central-1", "", "an AWS region, but App Mesh publishes no Envoy image there"},
		{"me-central-1", "", "an AWS region, but App Mesh publishes no Envoy image there"},
		{"ap-southeast-4", "", "an AWS region, but App Mesh publishes no Envoy image there"},
		{"AP-South-2 ", "", "an AWS region, but App Mesh publishes no Envoy image there"},
		// Common typos of supported codes.
		{"us-east-l", "us-east-1", "did you mean us-east-1?"},
		{"eu-west1", "eu-west-1", "did you mean eu-west-1?"},
		{"useast1", "us-east-1", "did you mean us-east-1?"},
		{"ap-southeast-8", "ap-southeast-3", "did you mean ap-southeast-3?"},
		{"us-gov-west-1", "", "GovCloud"},
		{"US-GOV-EAST-1", "", "GovCloud"},
		{"us-iso-east-1", "", "partition aws-iso"},
		{"", "", "empty region code"},
		{"   ", "", "empty region code"},
		{"mars-central-9", "", "not published"},
		{"us-west-2 us-east-1", "", "not published"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := Lookup(tt.in)
			if err == nil {
				t.Fatalf("Lookup(%q) succeeded", tt.in)
			}
			if !errors.Is(err, ErrUnsupported) {
				t.Errorf("error %v does not match ErrUnsupported", err)
			}
			var ue *UnsupportedError
			if !errors.As(err, &ue) {
				t.Fatalf("error %T is not *UnsupportedError", err)
			}
			if ue.Suggestion != tt.suggestion {
				t.Errorf("Suggestion = %q, want %q", ue.Suggestion, tt.suggestion)
			}
			if !strings.Contains(err.Error(), tt.contains) {
				t.Errorf("error %q does not contain %q", err, tt.contains)
			}
		})
	}
}

func TestLookupPartition(t *testing.T) {
	p, err := LookupPartition(" AWS-CN")
	if err != nil || p.ID != "aws-cn" || p.DNSSuffix != "amazonaws.com.cn" {
		t.Fatalf("LookupPartition = %+v, %v", p, err)
	}
	if _, err := LookupPartition("aws-moon"); !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "aws-cn") {
		t.Fatalf("LookupPartition(aws-moon) error = %v", err)
	}
	if got := len(Partitions()); got != 8 {
		t.Fatalf("Partitions() = %d, want the 8 of the SDK's partition data", got)
	}
}

func TestMustLookupPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("MustLookup(bad) did not panic")
		}
	}()
	MustLookup("nowhere-1")
}

func FuzzLookup(f *testing.F) {
	for _, s := range []string{"us-west-2", " US-EAST-1 ", "us-west-3", "ap-east-2", "us-gov-west-1", "", "\x00", "cn-north-1", strings.Repeat("a", 200)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := Lookup(s)
		if err != nil {
			if !errors.Is(err, ErrUnsupported) {
				t.Fatalf("Lookup(%q) error %v does not match ErrUnsupported", s, err)
			}
			msg := err.Error()
			if !utf8.ValidString(msg) || strings.ContainsAny(msg, "\n\r\x00") {
				t.Fatalf("Lookup(%q) error is not one clean line: %q", s, msg)
			}
			if len(msg) > 400 {
				t.Fatalf("Lookup(%q) error is %d bytes long", s, len(msg))
			}
			return
		}
		if r.Code != strings.ToLower(strings.TrimSpace(s)) {
			t.Fatalf("Lookup(%q) = %q", s, r.Code)
		}
		again, err := Lookup(r.Code)
		if err != nil || again != r {
			t.Fatalf("Lookup(Lookup(%q).Code) = %v, %v", s, again, err)
		}
	})
}

// TestKnownUnsupportedAreNotSupported: no code is both in the table and in the list of
// codes with a reason for not being supported.
func TestKnownUnsupportedAreNotSupported(t *testing.T) {
	for code := range knownUnsupported {
		if _, ok := index[code]; ok {
			t.Errorf("%s is in the region table and in knownUnsupported", code)
		}
	}
}
