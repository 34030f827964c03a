package dockerconfig

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/google/go-cmp/cmp"
)

// fakeHelperScript is a docker credential helper that appends "<action>" and its stdin
// to $FAKE_HELPER_LOG, then prints $FAKE_HELPER_SAY and exits with $FAKE_HELPER_EXIT.
const fakeHelperScript = `#!/bin/sh
{ echo "$1"; cat; echo; } >> "$FAKE_HELPER_LOG"
if [ -n "$FAKE_HELPER_SAY" ]; then echo "$FAKE_HELPER_SAY"; echo "$FAKE_HELPER_SAY" >&2; fi
exit "${FAKE_HELPER_EXIT:-0}"
`

// installFakeHelpers puts docker-credential-<name> for each name on PATH (alone, so no
// real helper is found) and returns the log file they append to.
func installFakeHelpers(t *testing.T, names ...string) string {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("the fake helper is a shell script")
	}
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	bin := t.TempDir()
	for _, n := range names {
		if err := os.WriteFile(filepath.Join(bin, "docker-credential-"+n), []byte(fakeHelperScript), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	log := filepath.Join(t.TempDir(), "helper.log")
	t.Setenv("PATH", bin+string(os.PathListSeparator)+filepath.Dir(sh))
	t.Setenv("FAKE_HELPER_LOG", log)
	t.Setenv("FAKE_HELPER_EXIT", "0")
	t.Setenv("FAKE_HELPER_SAY", "")
	return log
}

// helperCalls reads the fake helper log as (action, stdin) pairs.
func helperCalls(t *testing.T, log string) [][2]string {
	t.Helper()
	b, err := os.ReadFile(log)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var calls [][2]string
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	for i := 0; i+1 < len(lines); i += 2 {
		calls = append(calls, [2]string{lines[i], lines[i+1]})
	}
	return calls
}

const helperConfig = `{
	"auths": {"ghcr.io": {"auth": "eDp5"}},
	"credsStore": "fakestore",
	"credHelpers": {"` + hostEUW1 + `": "fakeecr"}
}`

func TestWriteDockerConfigThroughHelpers(t *testing.T) {
	log := installFakeHelpers(t, "fakestore", "fakeecr")
	path := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(path, []byte(helperConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	notes, err := Write(t.Context(), path, []appmeshenvoy.Token{testToken(hostUSW2, "store-pw"), testToken(hostEUW1, "helper-pw")})
	if err != nil {
		t.Fatal(err)
	}
	wantCalls := [][2]string{
		{"store", `{"ServerURL":"` + hostUSW2 + `","Username":"AWS","Secret":"store-pw"}`},
		{"store", `{"ServerURL":"` + hostEUW1 + `","Username":"AWS","Secret":"helper-pw"}`},
	}
	if diff := cmp.Diff(wantCalls, helperCalls(t, log)); diff != "" {
		t.Errorf("helper calls (-want +got):\n%s", diff)
	}
	if len(notes) != 2 || notes[0].Host != hostUSW2 || !strings.Contains(notes[0].Message, `"fakestore" (credsStore)`) ||
		notes[1].Host != hostEUW1 || !strings.Contains(notes[1].Message, `"fakeecr" (credHelpers)`) {
		t.Errorf("notes = %v", notes)
	}
	auths := readAuths(t, path)
	want := map[string]map[string]any{"ghcr.io": {"auth": "eDp5"}, hostUSW2: {}, hostEUW1: {}}
	if diff := cmp.Diff(want, auths); diff != "" {
		t.Errorf("auths (-want +got):\n%s", diff)
	}
	if b, _ := os.ReadFile(path); bytes.Contains(b, []byte("store-pw")) || bytes.Contains(b, []byte(authOf("AWS", "store-pw"))) {
		t.Error("the file contains a password that went to the helper")
	}

	// Logout erases through the helpers.
	if err := os.Remove(log); err != nil {
		t.Fatal(err)
	}
	if _, err := Remove(t.Context(), path, []string{hostUSW2, hostEUW1}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([][2]string{{"erase", hostUSW2}, {"erase", hostEUW1}}, helperCalls(t, log)); diff != "" {
		t.Errorf("erase calls (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]map[string]any{"ghcr.io": {"auth": "eDp5"}}, readAuths(t, path)); diff != "" {
		t.Errorf("auths after logout (-want +got):\n%s", diff)
	}
}

func TestWriteDockerConfigSkipHelpers(t *testing.T) {
	log := installFakeHelpers(t, "fakestore", "fakeecr")
	path := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(path, []byte(helperConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	notes, err := Write(t.Context(), path, []appmeshenvoy.Token{testToken(hostUSW2, "a"), testToken(hostEUW1, "b")},
		func(o *Options) { o.SkipCredentialHelpers = true })
	if err != nil {
		t.Fatal(err)
	}
	if calls := helperCalls(t, log); len(calls) != 0 {
		t.Errorf("helpers ran: %v", calls)
	}
	if len(notes) != 2 || !strings.Contains(notes[0].Message, "ignores the auths entry") || notes[1].Host != hostEUW1 {
		t.Errorf("notes = %v, want one per host saying docker ignores the entry", notes)
	}
	auths := readAuths(t, path)
	if auths[hostUSW2]["auth"] != authOf("AWS", "a") || auths[hostEUW1]["auth"] != authOf("AWS", "b") {
		t.Errorf("auths = %v", auths)
	}
}

func TestWriteDockerConfigHelperFails(t *testing.T) {
	installFakeHelpers(t, "fakestore")
	path := filepath.Join(t.TempDir(), "config.json")
	old := []byte(`{"credsStore": "fakestore", "auths": {}}`)
	if err := os.WriteFile(path, old, 0o600); err != nil {
		t.Fatal(err)
	}
	// A broken helper that echoes its input, secret included.
	t.Setenv("FAKE_HELPER_EXIT", "3")
	t.Setenv("FAKE_HELPER_SAY", "cannot store the-leaky-password")
	_, err := Write(t.Context(), path, []appmeshenvoy.Token{testToken(hostUSW2, "the-leaky-password")})
	var he *CredentialHelperError
	if !errors.As(err, &he) || he.Helper != "fakestore" || he.Action != "store" {
		t.Fatalf("err = %v, want a *CredentialHelperError for fakestore store", err)
	}
	if strings.Contains(err.Error(), "the-leaky-password") {
		t.Error("the error contains the password")
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, old) {
		t.Error("the file changed although the helper failed")
	}
}

func TestWriteDockerConfigHelperMissingOrBad(t *testing.T) {
	installFakeHelpers(t) // PATH without any helper
	tests := map[string]struct {
		config string
		check  func(error) bool
	}{
		"missing helper": {`{"credsStore": "desktop"}`, func(err error) bool {
			return errors.Is(err, exec.ErrNotFound) && strings.Contains(err.Error(), "install the helper")
		}},
		"path in helper name": {`{"credHelpers": {"` + hostUSW2 + `": "../../bin/evil"}}`, func(err error) bool {
			return errors.Is(err, ErrInvalid)
		}},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "config.json")
			if err := os.WriteFile(path, []byte(tt.config), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := Write(t.Context(), path, []appmeshenvoy.Token{testToken(hostUSW2, "pw")})
			if !tt.check(err) {
				t.Errorf("err = %v", err)
			}
			if got, _ := os.ReadFile(path); string(got) != tt.config {
				t.Error("the file changed")
			}
		})
	}
}

func TestHelperEraseNotFound(t *testing.T) {
	installFakeHelpers(t, "fakestore")
	t.Setenv("FAKE_HELPER_EXIT", "1")
	t.Setenv("FAKE_HELPER_SAY", "credentials not found in native keychain")
	if err := helperErase(t.Context(), "fakestore", hostUSW2, time.Second); err != nil {
		t.Errorf("erase of a missing credential: %v, want nil", err)
	}
	t.Setenv("FAKE_HELPER_SAY", "keychain locked")
	err := helperErase(t.Context(), "fakestore", hostUSW2, time.Second)
	if err == nil || !strings.Contains(err.Error(), "keychain locked") {
		t.Errorf("err = %v, want the helper's message", err)
	}
}

func TestHelperTimeout(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("shell script")
	}
	bin := t.TempDir()
	script := "#!/bin/sh\nexec sleep 30\n"
	if err := os.WriteFile(filepath.Join(bin, "docker-credential-slow"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Skip("no sleep")
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+filepath.Dir(sleep))
	path := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(path, []byte(`{"credsStore":"slow"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = Write(t.Context(), path, []appmeshenvoy.Token{testToken(hostUSW2, "pw")}, func(o *Options) { o.HelperTimeout = 100 * time.Millisecond })
	if err == nil || !strings.Contains(err.Error(), "timed out") {
		t.Errorf("err = %v, want a timeout", err)
	}
}

func TestValidHelperName(t *testing.T) {
	for name, want := range map[string]bool{
		"desktop": true, "osxkeychain": true, "ecr-login": true, "pass": true, "v1.2_x": true,
		"": false, ".": false, "..": false, "a/b": false, `a\b`: false, "a b": false, "a;b": false,
	} {
		if got := validHelperName(name); got != want {
			t.Errorf("validHelperName(%q) = %v, want %v", name, got, want)
		}
	}
}
