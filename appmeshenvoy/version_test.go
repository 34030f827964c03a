package appmeshenvoy_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
)

func TestParseVersion(t *testing.T) {
	tests := []struct {
		in   string
		want appmeshenvoy.Version
		str  string
	}{
		{"v1.29.6.0-prod", appmeshenvoy.Version{Major: 1, Minor: 29, Patch: 6}, "v1.29.6.0-prod"},
		{"v1.29.6.0-prod-fips", appmeshenvoy.Version{Major: 1, Minor: 29, Patch: 6, FIPS: true}, "v1.29.6.0-prod-fips"},
		{"1.29.6.0-prod", appmeshenvoy.Version{Major: 1, Minor: 29, Patch: 6}, "v1.29.6.0-prod"},
		{"v1.34.13.0-prod", appmeshenvoy.Version{Major: 1, Minor: 34, Patch: 13}, "v1.34.13.0-prod"},
		{"v1.12.2.1-prod", appmeshenvoy.Version{Major: 1, Minor: 12, Patch: 2, Build: 1}, "v1.12.2.1-prod"},
		{"v1.9.1.0-beta", appmeshenvoy.Version{Major: 1, Minor: 9, Patch: 1, Pre: "beta"}, "v1.9.1.0-beta"},
		{"v1.29.6.0", appmeshenvoy.Version{Major: 1, Minor: 29, Patch: 6}, "v1.29.6.0-prod"},
		{"v0.0.0.0-prod", appmeshenvoy.Version{}, "v0.0.0.0-prod"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := appmeshenvoy.ParseVersion(tt.in)
			if err != nil {
				t.Fatalf("ParseVersion(%q): %v", tt.in, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseVersion(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
			if s := got.String(); s != tt.str {
				t.Errorf("String() = %q, want %q", s, tt.str)
			}
		})
	}
}

func TestParseVersionErrors(t *testing.T) {
	for _, in := range []string{
		"", "v", "latest", "v1.29.6", "v1.29.6.0.1-prod", "v1.29.06.0-prod", "v1.29.-6.0-prod",
		"v1.29.+6.0-prod", "v1.29.6.0-", "v1.29.6.0-prod-", "v1.29.6.0-prod-fips-x", "v1.29.6.0-PROD",
		"v1.29.6.0-prod fips", "vv1.29.6.0-prod", "v1.29.6.0-prod-amd64", "v1234567890.0.0.0-prod",
		"v1.29.6.0--prod", "\xff1.2.3.4", "v1..6.0-prod",
		// A bare -fips is no App Mesh tag (the variant is -prod-fips); it is not a
		// pre-release named "fips" either.
		"v1.29.6.0-fips", "v1.29.6.0-fips-fips",
	} {
		t.Run(in, func(t *testing.T) {
			_, err := appmeshenvoy.ParseVersion(in)
			if !errors.Is(err, appmeshenvoy.ErrInvalidVersion) {
				t.Fatalf("ParseVersion(%q) error = %v, want ErrInvalidVersion", in, err)
			}
			var pe *appmeshenvoy.ParseError
			if !errors.As(err, &pe) || pe.Kind != "version" {
				t.Errorf("error %v is not a version *ParseError", err)
			}
		})
	}
}

func TestVersionCompare(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"v1.29.10.0-prod", "v1.29.9.3-prod", 1},
		{"v1.29.9.3-prod", "v1.29.10.0-prod", -1},
		{"v1.29.6.0-prod", "v1.29.6.0-prod", 0},
		{"v1.29.6.0-prod", "v1.29.6.0-prod-fips", 0},
		{"v1.12.2.1-prod", "v1.12.2.0-prod", 1},
		{"v2.0.0.0-prod", "v1.99.99.99-prod", 1},
		{"v1.9.1.0-beta", "v1.9.1.0-prod", -1},
		{"v1.9.1.0-prod", "v1.9.1.0-beta", 1},
		{"v1.9.1.0-alpha", "v1.9.1.0-beta", -1},
		{"v1.9.1.0-beta", "v1.9.0.0-prod", 1},
		{"v1.17.2.0-prod", "v1.17.1.9-prod", 1},
	}
	for _, tt := range tests {
		t.Run(tt.a+" vs "+tt.b, func(t *testing.T) {
			a, b := rsVersion(t, tt.a), rsVersion(t, tt.b)
			if got := a.Compare(b); got != tt.want {
				t.Errorf("Compare = %d, want %d", got, tt.want)
			}
			if got := b.Compare(a); got != -tt.want {
				t.Errorf("reverse Compare = %d, want %d", got, -tt.want)
			}
			if got := a.AtLeast(b); got != (tt.want >= 0) {
				t.Errorf("AtLeast = %v", got)
			}
		})
	}
}

func TestVersionDifference(t *testing.T) {
	base := rsVersion(t, "v1.29.6.0-prod")
	for in, want := range map[string]string{
		"v2.29.6.0-prod":      "major",
		"v1.27.6.0-prod":      "minor",
		"v1.29.5.0-prod":      "patch",
		"v1.29.6.1-prod":      "build",
		"v1.29.6.0-beta":      "pre-release",
		"v1.29.6.0-prod-fips": "",
	} {
		if got := rsVersion(t, in).Difference(base); got != want {
			t.Errorf("%s.Difference(%s) = %q, want %q", in, base, got, want)
		}
	}
}

func TestMinimumSupportedVersion(t *testing.T) {
	if got := appmeshenvoy.MinimumSupportedVersion().String(); got != "v1.17.2.0-prod" {
		t.Errorf("MinimumSupportedVersion = %s", got)
	}
	// The value cannot be changed by a caller: each call returns a fresh copy.
	v := appmeshenvoy.MinimumSupportedVersion()
	v.Major = 99
	if appmeshenvoy.MinimumSupportedVersion().Major != 1 {
		t.Error("MinimumSupportedVersion was changed through a copy")
	}
	if got := appmeshenvoy.FinalRelease().String(); got != "v1.39.1.0-prod" {
		t.Errorf("FinalRelease = %s", got)
	}
}

func rsVersion(t testing.TB, s string) appmeshenvoy.Version {
	t.Helper()
	v, err := appmeshenvoy.ParseVersion(s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func FuzzParseVersion(f *testing.F) {
	for _, s := range []string{"v1.29.6.0-prod", "v1.29.6.0-prod-fips", "1.29.6.0-prod", "v1.9.1.0-beta",
		"v1.29.6.0", "v1.29.10.0-prod", "v01.2.3.4-prod", "v1.2.3-prod", "v1.2.3.4-beta-fips", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := appmeshenvoy.ParseVersion(s)
		if err != nil {
			if !errors.Is(err, appmeshenvoy.ErrInvalidVersion) {
				t.Fatalf("error %v does not match ErrInvalidVersion", err)
			}
			return
		}
		again, err := appmeshenvoy.ParseVersion(v.String())
		if err != nil {
			t.Fatalf("String() %q does not reparse: %v", v.String(), err)
		}
		if again != v {
			t.Fatalf("round trip %q: %+v != %+v", s, again, v)
		}
		if v.Compare(again) != 0 {
			t.Fatal("Compare of equal versions != 0")
		}
	})
}
