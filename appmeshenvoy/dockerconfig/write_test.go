package dockerconfig

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/errcode"
)

// TestWriteModeNote: a credential written into an existing file that group or others
// can read gets a note with the mode and the chmod to run; the file keeps its mode. A
// private or new file, or a credential that went to a helper, gets none.
func TestWriteModeNote(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Unix permissions")
	}
	installFakeHelpers(t, "fakestore")
	tests := []struct {
		name    string
		content string // "" for no file
		mode    fs.FileMode
		skip    bool // SkipCredentialHelpers
		want    string
	}{
		{"new file", "", 0, false, ""},
		{"private", "{}", 0o600, false, ""},
		{"owner read-only", "{}", 0o400, false, ""},
		{"group readable", "{}", 0o640, false, "mode 0640"},
		{"world readable", "{}", 0o644, false, "mode 0644"},
		{"others only", "{}", 0o604, false, "mode 0604"},
		{"group writable, not readable", "{}", 0o620, false, ""},
		{"credential in a helper", `{"credsStore": "fakestore"}`, 0o644, false, ""},
		{"helper skipped", `{"credsStore": "fakestore"}`, 0o644, true, "mode 0644"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "config.json")
			if tt.content != "" {
				if err := os.WriteFile(path, []byte(tt.content), tt.mode); err != nil {
					t.Fatal(err)
				}
				if err := os.Chmod(path, tt.mode); err != nil { // past the umask
					t.Fatal(err)
				}
			}
			notes, err := Write(t.Context(), path, []appmeshenvoy.Token{testToken(hostUSW2, "pw")},
				func(o *Options) { o.SkipCredentialHelpers = tt.skip })
			if err != nil {
				t.Fatal(err)
			}
			var got []Note
			for _, n := range notes {
				if strings.Contains(n.Message, "chmod") {
					got = append(got, n)
				}
			}
			if tt.want == "" {
				if len(got) != 0 {
					t.Errorf("notes %v, want no note about the mode", got)
				}
				return
			}
			if len(got) != 1 || got[0].Host != hostUSW2 || !strings.Contains(got[0].Message, tt.want) ||
				!strings.Contains(got[0].Message, "chmod 600 "+path) {
				t.Errorf("notes %v, want one for %s saying %s and chmod 600 %s", got, hostUSW2, tt.want, path)
			}
			if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != tt.mode {
				t.Errorf("mode after the write: %v (%v), want %v kept", fi.Mode().Perm(), err, tt.mode)
			}
		})
	}
}

// TestErrorCodes: every kind of failure carries its code, and its sentinel.
func TestErrorCodes(t *testing.T) {
	expired := testToken(hostUSW2, "pw")
	expired.ExpiresAt = time.Now().Add(-time.Minute)
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	write := func(content string, toks []appmeshenvoy.Token, optFns ...func(*Options)) func(t *testing.T) error {
		return func(t *testing.T) error {
			path := filepath.Join(t.TempDir(), "config.json")
			if content != "" {
				if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			_, err := Write(t.Context(), path, toks, optFns...)
			return err
		}
	}
	remove := func(hosts []string) func(t *testing.T) error {
		return func(t *testing.T) error {
			_, err := Remove(t.Context(), filepath.Join(t.TempDir(), "config.json"), hosts)
			return err
		}
	}
	tok := []appmeshenvoy.Token{testToken(hostUSW2, "pw")}
	tests := []struct {
		name string
		run  func(t *testing.T) error
		is   error
		code errcode.Code
	}{
		{"invalid file", write(`{"auths": {"a": 1}}`, tok), ErrInvalid, errcode.InvalidDockerConfig},
		{"bad helper name", write(`{"credsStore": "../x"}`, tok), ErrInvalid, errcode.InvalidDockerConfig},
		{"no tokens", write("", nil), ErrInvalidToken, errcode.InvalidInput},
		{"expired token", write("", []appmeshenvoy.Token{expired}), ErrInvalidToken, errcode.InvalidInput},
		{"no password", write("", []appmeshenvoy.Token{{Registry: hostUSW2}}), ErrInvalidToken, errcode.InvalidInput},
		{"no registry", write("", []appmeshenvoy.Token{{Registry: "https://", Password: appmeshenvoy.NewSecret("pw")}}), ErrInvalidToken, errcode.InvalidInput},
		{"control character in host", write("", []appmeshenvoy.Token{testToken("a\nb", "pw")}), ErrInvalidToken, errcode.InvalidInput},
		{"no hosts", remove(nil), ErrInvalidToken, errcode.InvalidInput},
		{"empty host", remove([]string{hostUSW2, " "}), ErrInvalidToken, errcode.InvalidInput},
		{"read-only directory", write("", tok, func(o *Options) {
			o.createTemp = func(string, string) (*os.File, error) { return nil, syscall.EROFS }
		}), syscall.EROFS, errcode.FileError},
		{"canceled", func(t *testing.T) error {
			_, err := Write(canceled, filepath.Join(t.TempDir(), "config.json"), tok)
			return err
		}, context.Canceled, errcode.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.run(t)
			if !errors.Is(err, tt.is) {
				t.Fatalf("err = %v, want %v", err, tt.is)
			}
			if got := errcode.Of(err); got != tt.code {
				t.Errorf("code %q, want %q (err %v)", got, tt.code, err)
			}
		})
	}
	t.Run("helper failure", func(t *testing.T) {
		installFakeHelpers(t, "fakestore")
		t.Setenv("FAKE_HELPER_EXIT", "1")
		err := write(`{"credsStore": "fakestore"}`, tok)(t)
		var he *CredentialHelperError
		if !errors.As(err, &he) || errcode.Of(err) != errcode.CredentialHelper {
			t.Errorf("err = %v (code %q), want a *CredentialHelperError with code %q", err, errcode.Of(err), errcode.CredentialHelper)
		}
	})
}

// TestCanceledBeforeRename: a context that ends after the new file was written but
// before the rename leaves the old file, and no temporary file.
func TestCanceledBeforeRename(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.json")
	old := []byte(`{"auths": {"ghcr.io": {"auth": "eDp5"}}}`)
	if err := os.WriteFile(path, old, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	_, err := Write(ctx, path, []appmeshenvoy.Token{testToken(hostUSW2, "pw")},
		func(o *Options) { o.beforeRename = func() error { cancel(); return nil } })
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, old) {
		t.Error("the file changed")
	}
	if diff := cmp.Diff(withLock("config.json"), dirNames(t, dir)); diff != "" {
		t.Errorf("files left (-want +got):\n%s", diff)
	}
}

// TestOptionsDefaults: defaults are set before the option functions run (which see
// them), and values a function sets to zero or less are reset to the defaults.
func TestOptionsDefaults(t *testing.T) {
	var seen Options
	o := newOptions([]func(*Options){
		func(o *Options) { seen = *o },
		func(o *Options) { o.LockTimeout = -1; o.HelperTimeout = 0 },
		nil,
	})
	if seen.LockTimeout != DefaultLockTimeout || seen.HelperTimeout != DefaultHelperTimeout {
		t.Errorf("an option function saw %v, %v; want the defaults", seen.LockTimeout, seen.HelperTimeout)
	}
	if o.LockTimeout != DefaultLockTimeout || o.HelperTimeout != DefaultHelperTimeout {
		t.Errorf("after bad values: %v, %v; want the defaults", o.LockTimeout, o.HelperTimeout)
	}
	if got := fmt.Sprint(o.createTemp != nil, o.beforeRename != nil, o.removeOrphan != nil); got != "true true true" {
		t.Errorf("hooks set: %s", got)
	}
}
