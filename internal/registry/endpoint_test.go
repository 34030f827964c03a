package registry_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/appmesh-envoy/appmesh-envoy-go/internal/errcode"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/registry"
)

func TestParseOverride(t *testing.T) {
	for _, tc := range []struct {
		in, host, url string // url "" means an error
	}{
		{"111122223333.dkr.ecr.us-west-2.amazonaws.com=http://127.0.0.1:5000", "111122223333.dkr.ecr.us-west-2.amazonaws.com", "http://127.0.0.1:5000"},
		{" Registry.Example.com=https://mirror.internal/prefix/ ", "registry.example.com", "https://mirror.internal/prefix"},
		{"127.0.0.1:5000=http://localhost:5001", "127.0.0.1:5000", "http://localhost:5001"},
		{"[::1]:5000=http://[::1]:5001", "[::1]:5000", "http://[::1]:5001"},
		{"registry.example.com=http://10.0.0.5:5000", "", ""},          // plain http off loopback
		{"registry.example.com=http://registry.internal:5000", "", ""}, // plain http to a name
		{"registry.example.com=https://169.254.169.254/", "", ""},      // link-local
		{"registry.example.com=https://user:pw@mirror.internal", "", ""},
		{"registry.example.com=https://mirror.internal?x=1", "", ""},
		{"registry.example.com=ftp://mirror.internal", "", ""},
		{"registry.example.com=https://mirror.internal/a/../b", "", ""},
		{"registry.example.com", "", ""},
		{"=https://mirror.internal", "", ""},
		{"https://registry.example.com=https://mirror.internal", "", ""},
		{"registry.example.com/path=https://mirror.internal", "", ""},
		{"registry.example.com:0=https://mirror.internal", "", ""},
		{"registry.example.com:99999=https://mirror.internal", "", ""},
		{"169.254.169.254=https://mirror.internal", "", ""},
		{"bad_host!=https://mirror.internal", "", ""},
	} {
		host, u, err := registry.ParseOverride(tc.in)
		if tc.url == "" {
			if err == nil {
				t.Errorf("ParseOverride(%q) = %s, %s; want an error", tc.in, host, u)
			} else if errcode.Of(err) != errcode.InvalidInput || !strings.Contains(err.Error(), "registry") {
				t.Errorf("ParseOverride(%q): error %v (code %s)", tc.in, err, errcode.Of(err))
			}
			continue
		}
		if err != nil || host != tc.host || u.String() != tc.url {
			t.Errorf("ParseOverride(%q) = %q, %v, %v; want %q, %q", tc.in, host, u, err, tc.host, tc.url)
		}
	}
}

func FuzzParseOverride(f *testing.F) {
	for _, s := range []string{"111122223333.dkr.ecr.us-west-2.amazonaws.com=http://127.0.0.1:5000", "r.example=https://m.example/p", "[::1]:1=http://[::1]:2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		host, u, err := registry.ParseOverride(s)
		if err != nil {
			return
		}
		if u.Scheme == "http" && !registry.IsLoopback(u.Host) {
			t.Fatalf("accepted plain http to %s", u.Host)
		}
		if u.User != nil || u.RawQuery != "" {
			t.Fatalf("accepted %s", u)
		}
		if again, err := registry.NormalizeHost(host); err != nil || again != host {
			t.Fatalf("host %q does not normalize to itself: %q, %v", host, again, err)
		}
	})
}

func TestIsLoopback(t *testing.T) {
	for h, want := range map[string]bool{
		"127.0.0.1": true, "127.1.2.3:80": true, "localhost": true, "LOCALHOST:5000": true, "[::1]:5000": true, "::1": true,
		"localhost.": true, "10.0.0.1": false, "registry.example.com": false, "localhost.example.com": false, "[::ffff:127.0.0.1]:1": true,
	} {
		if got := registry.IsLoopback(h); got != want {
			t.Errorf("IsLoopback(%q) = %v, want %v", h, got, want)
		}
	}
}

func TestParseEndpoints(t *testing.T) {
	overrides, aws, err := registry.ParseEndpoints(map[string]string{"Registry.Example.com": "https://mirror.internal/p/"}, "http://127.0.0.1:4566")
	if err != nil {
		t.Fatal(err)
	}
	if u := overrides["registry.example.com"]; u == nil || u.String() != "https://mirror.internal/p" || len(overrides) != 1 {
		t.Errorf("overrides = %v", overrides)
	}
	if aws == nil || aws.String() != "http://127.0.0.1:4566" {
		t.Errorf("AWS endpoint = %v", aws)
	}
	if _, aws, err := registry.ParseEndpoints(nil, ""); err != nil || aws != nil {
		t.Errorf("no settings: %v, %v", aws, err)
	}
	for _, bad := range []struct {
		overrides map[string]string
		aws       string
	}{
		{map[string]string{"registry.example.com": "http://10.0.0.5:5000"}, ""}, // plain http off loopback
		{map[string]string{"bad host!": "https://mirror.internal"}, ""},
		{nil, "http://10.0.0.5:4566"},
		{nil, "ftp://127.0.0.1"},
	} {
		if _, _, err := registry.ParseEndpoints(bad.overrides, bad.aws); errcode.Of(err) != errcode.InvalidInput {
			t.Errorf("ParseEndpoints(%v, %q) = %v, want an invalid-input error", bad.overrides, bad.aws, err)
		}
	}
}

type transportClient struct{ t *http.Transport }

func (c transportClient) GetTransport() *http.Transport { return c.t }

func TestTransportOf(t *testing.T) {
	tr := &http.Transport{}
	if got := registry.TransportOf(transportClient{tr}); got != tr {
		t.Errorf("TransportOf(a client with a transport) = %p, want %p", got, tr)
	}
	if got := registry.TransportOf(http.DefaultClient); got != nil {
		t.Errorf("TransportOf(*http.Client) = %v, want nil", got)
	}
	if got := registry.TransportOf(nil); got != nil {
		t.Errorf("TransportOf(nil) = %v, want nil", got)
	}
}
