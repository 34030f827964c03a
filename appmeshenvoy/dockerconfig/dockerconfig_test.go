package dockerconfig

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/errcode"
	"github.com/google/go-cmp/cmp"
)

// init registers the -update flag (rewrite golden files) unless another file of this
// package's tests already has.
func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite golden files")
	}
}

// goldenUpdate reports whether -update was given.
func goldenUpdate() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

const (
	hostUSW2 = "840364872350.dkr.ecr.us-west-2.amazonaws.com"
	hostEUW1 = "840364872350.dkr.ecr.eu-west-1.amazonaws.com"
)

func testToken(host, pw string) appmeshenvoy.Token {
	return appmeshenvoy.Token{Registry: host, Username: "AWS", Password: appmeshenvoy.NewSecret(pw), ExpiresAt: time.Now().Add(12 * time.Hour)}
}

func authOf(user, pw string) string {
	return base64.StdEncoding.EncodeToString([]byte(user + ":" + pw))
}

// readAuths returns the "auths" object of the file at path, parsed.
func readAuths(t *testing.T, path string) map[string]map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Auths map[string]map[string]any `json:"auths"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("the written file is not JSON: %v", err)
	}
	return doc.Auths
}

// withLock returns names, plus the lock file of the first where it stays after a write
// (see lockFileRemoved).
func withLock(names ...string) []string {
	if !lockFileRemoved {
		names = append(names, names[0]+".lock")
	}
	return names
}

// within runs f and fails the test if it has not returned after d: what it tested
// blocked (on a named pipe, a lock) instead of failing.
func within(t *testing.T, d time.Duration, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("%s has not returned after %s: it blocks", what, d)
	}
}

// dirNames lists the names in dir, sorted.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names
}

func TestWriteDockerConfigNewFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "home", ".docker")
	path := filepath.Join(dir, "config.json")
	notes, err := Write(t.Context(), path, []appmeshenvoy.Token{testToken(hostUSW2, "pw-one"), testToken("https://"+hostEUW1+"/v2/", "pw-two")})
	if err != nil {
		t.Fatal(err)
	}
	if len(notes) != 0 {
		t.Errorf("notes = %v, want none", notes)
	}
	want := map[string]map[string]any{
		hostUSW2: {"auth": authOf("AWS", "pw-one")},
		hostEUW1: {"auth": authOf("AWS", "pw-two")},
	}
	if diff := cmp.Diff(want, readAuths(t, path)); diff != "" {
		t.Errorf("auths (-want +got):\n%s", diff)
	}
	if runtime.GOOS != "windows" {
		fi, _ := os.Stat(path)
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("new file mode %v, want 0600", fi.Mode().Perm())
		}
		di, _ := os.Stat(dir)
		if di.Mode().Perm() != 0o700 {
			t.Errorf("new directory mode %v, want 0700", di.Mode().Perm())
		}
	}
	if diff := cmp.Diff(withLock("config.json"), dirNames(t, dir)); diff != "" {
		t.Errorf("files left in the directory (-want +got):\n%s", diff)
	}
}

// TestWriteDockerConfigGolden merges into a file with other registries, credential
// helpers for other hosts and keys the writer does not know.
func TestWriteDockerConfigGolden(t *testing.T) {
	existing, err := os.ReadFile("testdata/dockerconfig/existing.json")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(path, existing, 0o644); err != nil {
		t.Fatal(err)
	}
	notes, err := Write(t.Context(), path, []appmeshenvoy.Token{testToken(hostUSW2, "golden-new-pw"), testToken(hostEUW1, "golden-eu-pw")})
	if err != nil {
		t.Fatal(err)
	}
	// No helper note (the helper is for another host); the file is 0644, so one note per
	// credential written says to chmod it.
	var hosts []string
	for _, n := range notes {
		if !strings.Contains(n.Message, "chmod 600") {
			t.Errorf("note %q, want only notes about the mode", n)
		}
		hosts = append(hosts, n.Host)
	}
	if diff := cmp.Diff([]string{hostUSW2, hostEUW1}, hosts); diff != "" {
		t.Errorf("hosts of the mode notes (-want +got):\n%s", diff)
	}
	got, _ := os.ReadFile(path)
	golden := "testdata/dockerconfig/existing.golden.json"
	if goldenUpdate() {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("written file (-golden +got):\n%s", diff)
	}
	if fi, _ := os.Stat(path); runtime.GOOS != "windows" && fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want the existing 0644", fi.Mode().Perm())
	}

	// Independently of the golden file: every value but the two written entries is
	// unchanged byte for byte.
	authsBefore, authsAfter := keptBesideAuths(t, existing, got)
	for k, v := range authsBefore {
		if k != hostUSW2 && !bytes.Equal(v, authsAfter[k]) {
			t.Errorf("auths entry %q changed", k)
		}
	}
	// docker login replaces the whole entry: the stale identitytoken is gone.
	var compact bytes.Buffer
	_ = json.Compact(&compact, authsAfter[hostUSW2])
	if diff := cmp.Diff(`{"auth":"`+authOf("AWS", "golden-new-pw")+`"}`, compact.String()); diff != "" {
		t.Errorf("replaced entry (-want +got):\n%s", diff)
	}
}

func TestWriteDockerConfigEmptyAndNullFiles(t *testing.T) {
	for name, content := range map[string]string{"empty": "", "whitespace": " \n\t", "empty object": "{}", "null auths": `{"auths": null, "x": 1}`} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "config.json")
			if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			if _, err := Write(t.Context(), path, []appmeshenvoy.Token{testToken(hostUSW2, "pw")}); err != nil {
				t.Fatal(err)
			}
			if got := readAuths(t, path)[hostUSW2]["auth"]; got != authOf("AWS", "pw") {
				t.Errorf("auth = %v", got)
			}
		})
	}
}

func TestWriteDockerConfigInvalidUntouched(t *testing.T) {
	tests := map[string]string{
		"truncated":             `{"auths": {"a": {"auth": "eA=="}}`,
		"array":                 `[]`,
		"null":                  `null`,
		"string":                `"x"`,
		"trailing data":         `{"auths": {}} {}`,
		"auths not object":      `{"auths": ["x"]}`,
		"credsStore not string": `{"credsStore": 5}`,
		"credHelpers not map":   `{"credHelpers": {"h": 1}}`,
		"not utf8 json":         "\xff\xfe{",
		// Not docker configs, though JSON objects: docker cannot read them either.
		"auths entry a number":          `{"auths": {"a": 1}}`,
		"auths entry a string":          `{"auths": {"a": "eDp5"}}`,
		"auths entry an array":          `{"auths": {"a": ["eDp5"]}}`,
		"auth not a string":             `{"auths": {"a": {"auth": 5}}}`,
		"auth not base64":               `{"auths": {"a": {"auth": "not base64!"}}}`,
		"auth without a colon":          `{"auths": {"a": {"auth": "bm9jb2xvbg=="}}}`,
		"identitytoken not a string":    `{"auths": {"a": {"identitytoken": {}}}}`,
		"credHelpers an array":          `{"credHelpers": ["desktop"]}`,
		"credsStore an object":          `{"credsStore": {"name": "desktop"}}`,
		"Auths spelled otherwise":       `{"Auths": {"a": {"auth": "eDp5"}}}`,
		"credsstore spelled otherwise":  `{"credsstore": "desktop"}`,
		"auths object and Auths number": `{"auths": {}, "AUTHS": 1}`,
	}
	for name, content := range tests {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "config.json")
			if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := Write(t.Context(), path, []appmeshenvoy.Token{testToken(hostUSW2, "pw-should-not-be-written")})
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
			if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "not changed") {
				t.Errorf("err = %q, want it to name the file and say it was not changed", err)
			}
			if got, _ := os.ReadFile(path); string(got) != content {
				t.Error("the invalid file was changed")
			}
			if diff := cmp.Diff(withLock("config.json"), dirNames(t, dir)); diff != "" {
				t.Errorf("files in the directory (-want +got):\n%s", diff)
			}
		})
	}
}

func TestWriteDockerConfigBadTokens(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.json")
	expired := testToken(hostUSW2, "pw")
	expired.ExpiresAt = time.Now().Add(-time.Minute)
	for name, tok := range map[string]appmeshenvoy.Token{
		"expired":     expired,
		"no password": {Registry: hostUSW2, Username: "AWS"},
		"no registry": {Username: "AWS", Password: appmeshenvoy.NewSecret("pw")},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := Write(t.Context(), path, []appmeshenvoy.Token{tok}); err == nil {
				t.Fatal("no error")
			}
			if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
				t.Error("a file was written")
			}
		})
	}
}

func TestWriteDockerConfigCrashBeforeRename(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.json")
	old := []byte(`{"auths": {"ghcr.io": {"auth": "eDp5"}}}`)
	if err := os.WriteFile(path, old, 0o600); err != nil {
		t.Fatal(err)
	}
	crash := errors.New("simulated crash before rename")
	_, err := Write(t.Context(), path, []appmeshenvoy.Token{testToken(hostUSW2, "pw")},
		func(o *Options) { o.beforeRename = func() error { return crash } })
	if !errors.Is(err, crash) {
		t.Fatalf("err = %v, want the simulated crash", err)
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, old) {
		t.Error("the old file was changed")
	}
	if diff := cmp.Diff(withLock("config.json"), dirNames(t, dir)); diff != "" {
		t.Errorf("temporary files left (-want +got):\n%s", diff)
	}
}

// TestWriteDockerConfigRemovesOrphanTemps plants the temporary files a writer killed
// before its rename would leave, next to look-alikes that are not the writer's, and
// checks that the next write (or a logout that changes nothing) removes exactly the
// orphans. The directory name holds glob metacharacters on purpose.
func TestWriteDockerConfigRemovesOrphanTemps(t *testing.T) {
	for _, op := range []string{"write", "remove-nothing"} {
		t.Run(op, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "a[b]*?")
			outside := t.TempDir()
			if err := os.Mkdir(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, "config.json")
			if err := os.WriteFile(path, []byte(`{"auths": {}}`), 0o600); err != nil {
				t.Fatal(err)
			}
			write := func(name string) {
				t.Helper()
				if err := os.WriteFile(filepath.Join(dir, name), []byte("secret"), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			orphans := []string{".config.json.tmp-123", ".config.json.tmp-4294967295"}
			for _, name := range orphans {
				write(name)
			}
			// Not the writer's temporary files of this config: kept.
			kept := []string{
				".config.json.tmp-", ".config.json.tmp-abc", ".config.json.tmp-12.bak",
				".config.json.tmp-12 ", "config.json.tmp-123", ".config.json.tmp123",
				".other.json.tmp-123", ".config.jsonx.tmp-123", ".Config.json.tmp-123",
			}
			for _, name := range kept {
				write(name)
			}
			// A directory and a symbolic link with an orphan's name: kept, and the
			// link's target is not touched.
			if err := os.Mkdir(filepath.Join(dir, ".config.json.tmp-77"), 0o700); err != nil {
				t.Fatal(err)
			}
			linkTarget := filepath.Join(outside, "precious")
			if err := os.WriteFile(linkTarget, []byte("keep"), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(linkTarget, filepath.Join(dir, ".config.json.tmp-88")); err != nil {
				t.Fatal(err)
			}
			kept = append(kept, ".config.json.tmp-77", ".config.json.tmp-88")

			var err error
			if op == "write" {
				_, err = Write(t.Context(), path, []appmeshenvoy.Token{testToken(hostUSW2, "pw")})
			} else {
				_, err = Remove(t.Context(), path, []string{"ghcr.io"})
			}
			if err != nil {
				t.Fatal(err)
			}
			want := append(withLock("config.json"), kept...)
			sort.Strings(want)
			if diff := cmp.Diff(want, dirNames(t, dir)); diff != "" {
				t.Errorf("directory after the %s (-want +got):\n%s", op, diff)
			}
			if b, err := os.ReadFile(linkTarget); err != nil || string(b) != "keep" {
				t.Errorf("the symbolic link's target changed: %q, %v", b, err)
			}
		})
	}
}

// TestWriteDockerConfigOrphanRemovalFails makes removing an orphan fail: the write still
// succeeds, and only the orphan was tried.
func TestWriteDockerConfigOrphanRemovalFails(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.json")
	orphan := filepath.Join(dir, ".config.json.tmp-42")
	if err := os.WriteFile(orphan, []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	var tried []string
	failRemove := func(o *Options) {
		o.removeOrphan = func(name string) error {
			tried = append(tried, name)
			return &fs.PathError{Op: "remove", Path: name, Err: syscall.EACCES}
		}
	}
	if _, err := Write(t.Context(), path, []appmeshenvoy.Token{testToken(hostUSW2, "pw")}, failRemove); err != nil {
		t.Fatalf("the write failed because an orphan could not be removed: %v", err)
	}
	if diff := cmp.Diff([]string{orphan}, tried); diff != "" {
		t.Errorf("removal attempts (-want +got):\n%s", diff)
	}
	if readAuths(t, path)[hostUSW2] == nil {
		t.Error("the token was not written")
	}
	if _, err := os.Stat(orphan); err != nil {
		t.Errorf("the orphan whose removal failed: %v, want it still there", err)
	}
}

// TestIsOrphanTempMatchesCreateTemp checks that the names os.CreateTemp really makes for
// the writer's pattern are recognized, so that a change in CreateTemp's naming shows
// here rather than as files silently left behind.
func TestIsOrphanTempMatchesCreateTemp(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "auth.json")
	for range 20 {
		f, err := os.CreateTemp(dir, tempPrefix(target)+"*")
		if err != nil {
			t.Fatal(err)
		}
		_ = f.Close()
		if !isOrphanTemp(target, filepath.Base(f.Name())) {
			t.Errorf("%s, made by os.CreateTemp for the writer, is not recognized", filepath.Base(f.Name()))
		}
		if isOrphanTemp(filepath.Join(dir, "config.json"), filepath.Base(f.Name())) {
			t.Errorf("%s is taken for a temporary file of config.json", filepath.Base(f.Name()))
		}
	}
}

func TestWriteDockerConfigReadOnlyDir(t *testing.T) {
	old := []byte(`{"auths": {"ghcr.io": {"auth": "eDp5"}}}`)
	t.Run("hook", func(t *testing.T) {
		// Root ignores directory permissions, so the failure is also simulated.
		dir := t.TempDir()
		path := filepath.Join(dir, "config.json")
		if err := os.WriteFile(path, old, 0o600); err != nil {
			t.Fatal(err)
		}
		readOnly := func(o *Options) {
			o.createTemp = func(dir, pattern string) (*os.File, error) {
				return nil, &fs.PathError{Op: "open", Path: filepath.Join(dir, pattern), Err: syscall.EROFS}
			}
		}
		_, err := Write(t.Context(), path, []appmeshenvoy.Token{testToken(hostUSW2, "pw")}, readOnly)
		if !errors.Is(err, syscall.EROFS) || !strings.Contains(err.Error(), path) {
			t.Fatalf("err = %v, want a read-only error naming the file", err)
		}
		if got, _ := os.ReadFile(path); !bytes.Equal(got, old) {
			t.Error("the old file was changed")
		}
	})
	t.Run("chmod", func(t *testing.T) {
		if runtime.GOOS == "windows" || os.Geteuid() == 0 {
			t.Skip("root (or Windows) ignores directory permissions; the hook subtest covers it")
		}
		dir := t.TempDir()
		path := filepath.Join(dir, "config.json")
		if err := os.WriteFile(path, old, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path+".lock", nil, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(dir, 0o500); err != nil {
			t.Fatal(err)
		}
		defer os.Chmod(dir, 0o700)
		_, err := Write(t.Context(), path, []appmeshenvoy.Token{testToken(hostUSW2, "pw")})
		if !errors.Is(err, fs.ErrPermission) {
			t.Fatalf("err = %v, want a permission error", err)
		}
		if got, _ := os.ReadFile(path); !bytes.Equal(got, old) {
			t.Error("the old file was changed")
		}
	})
}

func TestWriteDockerConfigSymlink(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symlinks need privileges on Windows")
	}
	root := t.TempDir()
	realDir := filepath.Join(root, "dotfiles", "docker")
	if err := os.MkdirAll(realDir, 0o700); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(realDir, "config.json")
	if err := os.WriteFile(target, []byte(`{"auths": {"ghcr.io": {"auth": "eDp5"}}}`), 0o640); err != nil {
		t.Fatal(err)
	}
	linkDir := filepath.Join(root, ".docker")
	if err := os.Mkdir(linkDir, 0o700); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(linkDir, "config.json")
	if err := os.Symlink("../dotfiles/docker/config.json", link); err != nil {
		t.Fatal(err)
	}
	if _, err := Write(t.Context(), link, []appmeshenvoy.Token{testToken(hostUSW2, "pw")}); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatal("the symlink was replaced by a file")
	}
	auths := readAuths(t, target)
	if auths[hostUSW2]["auth"] != authOf("AWS", "pw") || auths["ghcr.io"]["auth"] != "eDp5" {
		t.Errorf("target auths = %v", auths)
	}
	if fi, _ := os.Stat(target); fi.Mode().Perm() != 0o640 {
		t.Errorf("target mode %v, want 0640 kept", fi.Mode().Perm())
	}

	t.Run("dangling", func(t *testing.T) {
		link2 := filepath.Join(linkDir, "auth.json")
		target2 := filepath.Join(realDir, "auth.json")
		if err := os.Symlink(target2, link2); err != nil {
			t.Fatal(err)
		}
		if _, err := Write(t.Context(), link2, []appmeshenvoy.Token{testToken(hostUSW2, "pw")}); err != nil {
			t.Fatal(err)
		}
		if readAuths(t, target2)[hostUSW2]["auth"] != authOf("AWS", "pw") {
			t.Error("the symlink's target was not created")
		}
	})
}

// TestWriteDockerConfigSymlinkThroughLinkedDir: a relative link target with ".." is
// taken from the directory the link really is in, not from the path the caller used
// (which may pass through a linked directory), and every path to the file locks the
// same lock file.
func TestWriteDockerConfigSymlinkThroughLinkedDir(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symlinks need privileges on Windows")
	}
	root := t.TempDir()
	sub := filepath.Join(root, "real", "sub")
	other := filepath.Join(root, "real", "other")
	for _, d := range []string{sub, other} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	target := filepath.Join(other, "config.json")
	if err := os.WriteFile(target, []byte(`{"auths": {"ghcr.io": {"auth": "eDp5"}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	// real/sub/config.json -> ../other/config.json, and linked -> real/sub.
	if err := os.Symlink("../other/config.json", filepath.Join(sub, "config.json")); err != nil {
		t.Fatal(err)
	}
	linked := filepath.Join(root, "linked")
	if err := os.Symlink(sub, linked); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(linked, "config.json")
	if _, err := Write(t.Context(), path, []appmeshenvoy.Token{testToken(hostUSW2, "pw")}); err != nil {
		t.Fatal(err)
	}
	auths := readAuths(t, target)
	if auths[hostUSW2]["auth"] != authOf("AWS", "pw") || auths["ghcr.io"]["auth"] != "eDp5" {
		t.Errorf("the link's real target was not updated: auths = %v", auths)
	}
	if _, err := os.Stat(filepath.Join(root, "other")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a file was written beside the linked directory (lexical \"..\"): %v", err)
	}

	// Both paths resolve to the same file, so two processes lock the same lock file.
	viaLink, err := resolveSymlinks(path)
	if err != nil {
		t.Fatal(err)
	}
	direct, err := resolveSymlinks(target)
	if err != nil {
		t.Fatal(err)
	}
	if viaLink != direct {
		t.Errorf("resolveSymlinks(%s) = %s, but resolveSymlinks(%s) = %s: two writers would lock different files", path, viaLink, target, direct)
	}
}

func TestRemoveDockerConfig(t *testing.T) {
	existing, err := os.ReadFile("testdata/dockerconfig/existing.json")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(path, existing, 0o600); err != nil {
		t.Fatal(err)
	}
	notes, err := Remove(t.Context(), path, []string{"https://" + hostUSW2, hostEUW1})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]Note{{Host: hostEUW1, Message: "no auths entry to remove"}}, notes); diff != "" {
		t.Errorf("notes (-want +got):\n%s", diff)
	}
	got, _ := os.ReadFile(path)
	authsBefore, authsAfter := keptBesideAuths(t, existing, got)
	delete(authsBefore, hostUSW2)
	if diff := cmp.Diff(authsBefore, authsAfter); diff != "" {
		t.Errorf("auths after logout (-want +got):\n%s", diff)
	}

	// Nothing to remove: the file is not rewritten.
	fi1, _ := os.Stat(path)
	if _, err := Remove(t.Context(), path, []string{hostUSW2}); err != nil {
		t.Fatal(err)
	}
	if again, _ := os.ReadFile(path); !bytes.Equal(again, got) {
		t.Error("the file changed although nothing was removed")
	}
	if fi2, _ := os.Stat(path); !fi2.ModTime().Equal(fi1.ModTime()) {
		t.Error("the file was rewritten although nothing was removed")
	}

	t.Run("missing file", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "none")
		notes, err := Remove(t.Context(), filepath.Join(dir, "config.json"), []string{hostUSW2})
		if err != nil || len(notes) != 1 {
			t.Fatalf("notes %v, err %v; want one note", notes, err)
		}
		if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
			t.Error("logout created the directory")
		}
	})
}

func TestDockerConfigJSON(t *testing.T) {
	got, err := JSON(testToken(hostUSW2, "a"), testToken("https://"+hostEUW1, "b"))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"auths":{"` + hostEUW1 + `":{"auth":"` + authOf("AWS", "b") + `"},"` + hostUSW2 + `":{"auth":"` + authOf("AWS", "a") + `"}}}`
	if diff := cmp.Diff(want, string(got)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if _, err := JSON(appmeshenvoy.Token{Registry: hostUSW2}); err == nil {
		t.Error("no error for a token without password")
	}
	expired := testToken(hostUSW2, "a")
	expired.ExpiresAt = time.Now().Add(-time.Minute)
	if b, err := JSON(expired); err == nil || !strings.Contains(err.Error(), "expired") {
		t.Errorf("expired token: %d bytes, error %v; want an error saying it expired", len(b), err)
	}
}

func TestDefaultDockerConfigPath(t *testing.T) {
	t.Setenv("DOCKER_CONFIG", "/etc/dockercfg")
	if p, err := DefaultPath(); err != nil || p != filepath.Join("/etc/dockercfg", "config.json") {
		t.Errorf("with DOCKER_CONFIG: %q, %v", p, err)
	}
	t.Setenv("DOCKER_CONFIG", "")
	t.Setenv("HOME", "/home/someone")
	if p, err := DefaultPath(); err != nil || p != filepath.Join("/home/someone", ".docker", "config.json") {
		t.Errorf("without DOCKER_CONFIG: %q, %v", p, err)
	}
	if runtime.GOOS != "windows" && runtime.GOOS != "plan9" {
		t.Setenv("HOME", "")
		_, err := DefaultPath()
		if err == nil || strings.Count(err.Error(), "find the docker config") != 1 || !strings.Contains(err.Error(), "set DOCKER_CONFIG") {
			t.Errorf("without HOME: %v, want one error saying to set DOCKER_CONFIG", err)
		}
		if got := errcode.Of(err); got != errcode.FileError {
			t.Errorf("without HOME: code %q", got)
		}
	}
}

// TestDockerConfigWriterProcess is the child of TestWriteDockerConfigTwoProcesses: it
// only runs when re-executed with APPMESH_TEST_WRITER set.
func TestDockerConfigWriterProcess(t *testing.T) {
	name := os.Getenv("APPMESH_TEST_WRITER")
	if name == "" {
		t.Skip("child process of TestWriteDockerConfigTwoProcesses")
	}
	path := os.Getenv("APPMESH_TEST_WRITER_PATH")
	for i := range 25 {
		host := fmt.Sprintf("%s-%02d.example.com", name, i)
		if _, err := Write(t.Context(), path, []appmeshenvoy.Token{testToken(host, "pw-"+host)}); err != nil {
			t.Fatal(err)
		}
	}
}

func TestWriteDockerConfigTwoProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("re-executes the test binary")
	}
	path := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(path, []byte(`{"auths": {"keep.example.com": {"auth": "eDp5"}}, "credsStore": ""}`), 0o600); err != nil {
		t.Fatal(err)
	}
	var cmds []*exec.Cmd
	var outs []*bytes.Buffer
	for _, name := range []string{"alpha", "beta"} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestDockerConfigWriterProcess$", "-test.count=1", "-test.v")
		cmd.Env = append(os.Environ(), "APPMESH_TEST_WRITER="+name, "APPMESH_TEST_WRITER_PATH="+path)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, cmd)
		outs = append(outs, &out)
	}
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Fatalf("writer %d: %v\n%s", i, err, outs[i])
		}
	}
	auths := readAuths(t, path)
	if len(auths) != 51 {
		t.Errorf("%d auths entries, want 51 (1 kept + 2×25 written)", len(auths))
	}
	for _, name := range []string{"alpha", "beta"} {
		for i := range 25 {
			host := fmt.Sprintf("%s-%02d.example.com", name, i)
			if auths[host]["auth"] != authOf("AWS", "pw-"+host) {
				t.Errorf("entry %s lost or wrong", host)
			}
		}
	}
	if auths["keep.example.com"]["auth"] != "eDp5" {
		t.Error("the existing entry was lost")
	}
}

// FuzzDockerConfigMerge writes a token into any existing file content: either the
// write fails with the file untouched, or the result is valid JSON that keeps every
// original key with its value (and every other auths entry).
func FuzzDockerConfigMerge(f *testing.F) {
	for _, s := range []string{
		"", "{}", "null", "[]", `{"auths":{}}`, `{"auths":null}`, `{"auths":{"a":{"auth":"eDp5"}},"x":[1,{"y":null}]}`,
		`{"credsStore":"desktop","credHelpers":{"h":"x"}}`, `{"a":1,"a":2}`, `{"auths":{"` + hostUSW2 + `":{"identitytoken":"t"}}}`,
		`{"\u0061uths":{"b":{}}}`, "{\"k\":\"\xff\"}", `{"auths":{}} x`, `{"auths":[]}`, " \n{ \"a\" : { } } \n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, old []byte) {
		dir := t.TempDir()
		path := filepath.Join(dir, "config.json")
		if err := os.WriteFile(path, old, 0o600); err != nil {
			t.Fatal(err)
		}
		tok := testToken(hostUSW2, "fuzz-pw")
		// Never run helpers named by fuzzed input.
		_, err := Write(t.Context(), path, []appmeshenvoy.Token{tok}, func(o *Options) { o.SkipCredentialHelpers = true })
		got, rerr := os.ReadFile(path)
		if rerr != nil {
			t.Fatal(rerr)
		}
		if err != nil {
			if !bytes.Equal(got, old) {
				t.Fatalf("failed (%v) and changed the file", err)
			}
			return
		}
		var after map[string]json.RawMessage
		if err := json.Unmarshal(got, &after); err != nil {
			t.Fatalf("wrote invalid JSON: %v\n%s", err, got)
		}
		var afterAuths map[string]json.RawMessage
		if err := json.Unmarshal(after["auths"], &afterAuths); err != nil {
			t.Fatalf("auths is not an object: %v", err)
		}
		var entry struct{ Auth string }
		if err := json.Unmarshal(afterAuths[hostUSW2], &entry); err != nil || entry.Auth != authValue(tok).Reveal() {
			t.Fatalf("the token's entry is missing or wrong: %s", afterAuths[hostUSW2])
		}
		if len(bytes.TrimSpace(old)) == 0 {
			return
		}
		var before map[string]json.RawMessage
		if err := json.Unmarshal(old, &before); err != nil {
			t.Fatalf("accepted input that encoding/json rejects: %v", err)
		}
		for k, v := range before {
			if k == "auths" {
				continue
			}
			if !bytes.Equal(after[k], v) {
				t.Fatalf("value of %q changed from %s to %s", k, v, after[k])
			}
		}
		var beforeAuths map[string]json.RawMessage
		if string(before["auths"]) != "null" && before["auths"] != nil {
			if err := json.Unmarshal(before["auths"], &beforeAuths); err != nil {
				t.Fatalf("accepted auths that encoding/json rejects: %v", err)
			}
		}
		for k, v := range beforeAuths {
			if k != hostUSW2 && !bytes.Equal(afterAuths[k], v) {
				t.Fatalf("auths entry %q changed", k)
			}
		}
	})
}

// TestWriteContainersAuthJSON: the same writer serves containers' auth.json (podman,
// skopeo, buildah, in ${XDG_RUNTIME_DIR}/containers/auth.json), which has the docker
// "auths" shape; podman also keeps per-repository keys ("quay.io/org/repo") in it.
func TestWriteContainersAuthJSON(t *testing.T) {
	// As podman login writes it: tab-indented, a repository-scoped entry, a trailing newline.
	existing := "{\n\t\"auths\": {\n\t\t\"quay.io\": {\n\t\t\t\"auth\": \"" + authOf("alice", "quay-pw") + "\"\n\t\t},\n" +
		"\t\t\"quay.io/org/private\": {\n\t\t\t\"auth\": \"" + authOf("bot", "repo-pw") + "\"\n\t\t}\n\t}\n}\n"
	dir := filepath.Join(t.TempDir(), "containers")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "auth.json")
	if err := os.WriteFile(path, []byte(existing), 0o640); err != nil {
		t.Fatal(err)
	}
	notes, err := Write(t.Context(), path, []appmeshenvoy.Token{testToken(hostUSW2, "ecr-pw")})
	if err != nil || len(notes) != 1 || !strings.Contains(notes[0].Message, "mode 0640") {
		t.Fatalf("notes %v, err %v; want one note about the mode 0640", notes, err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var raw struct {
		Auths map[string]json.RawMessage `json:"auths"`
	}
	var before struct {
		Auths map[string]json.RawMessage `json:"auths"`
	}
	if err := json.Unmarshal(got, &raw); err != nil {
		t.Fatalf("auth.json is not JSON after the write: %v", err)
	}
	_ = json.Unmarshal([]byte(existing), &before)
	for _, k := range []string{"quay.io", "quay.io/org/private"} {
		if !bytes.Equal(before.Auths[k], raw.Auths[k]) {
			t.Errorf("entry %q changed", k)
		}
	}
	if a := readAuths(t, path)[hostUSW2]["auth"]; a != authOf("AWS", "ecr-pw") {
		t.Error("the ECR entry is not base64 of AWS:<password>")
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o640 {
		t.Errorf("mode = %v, want the existing 0640", fi.Mode().Perm())
	}

	if _, err := Remove(t.Context(), path, []string{hostUSW2}); err != nil {
		t.Fatal(err)
	}
	after, _ := os.ReadFile(path)
	var back map[string]any
	var orig map[string]any
	_ = json.Unmarshal(after, &back)
	_ = json.Unmarshal([]byte(existing), &orig)
	if diff := cmp.Diff(orig, back); diff != "" {
		t.Errorf("after logout the file differs from the original (-want +got):\n%s", diff)
	}
}

// keptBesideAuths checks that every top-level value of the config before, except
// "auths", is byte for byte the same in after, and returns the "auths" entries of both.
func keptBesideAuths(t *testing.T, before, after []byte) (authsBefore, authsAfter map[string]json.RawMessage) {
	t.Helper()
	var b, a map[string]json.RawMessage
	_ = json.Unmarshal(before, &b)
	_ = json.Unmarshal(after, &a)
	for k, v := range b {
		if k != "auths" && !bytes.Equal(v, a[k]) {
			t.Errorf("value of %q changed", k)
		}
	}
	_ = json.Unmarshal(b["auths"], &authsBefore)
	_ = json.Unmarshal(a["auths"], &authsAfter)
	return authsBefore, authsAfter
}
