package dockerconfig_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/dockerconfig"
)

// Docker config files under contention and failure. dockerconfig_test.go (the package's
// own tests) already covers: two processes adding 25 distinct registries each, an error
// injected before the rename, a simulated read-only directory, a relative and a dangling
// symlink, and invalid JSON left untouched by a login. These add: the same entries
// rewritten many times by two processes and this one while a reader watches the file,
// real read-only and immutable files (chattr +i, which stops root too), symlink chains
// and loops, and logout on invalid JSON.

func filesToken(host, pw string) appmeshenvoy.Token {
	return appmeshenvoy.Token{Registry: host, Username: "AWS", Password: appmeshenvoy.NewSecret(pw), ExpiresAt: time.Now().Add(time.Hour)}
}

func filesAuth(pw string) string { return base64.StdEncoding.EncodeToString([]byte("AWS:" + pw)) }

// filesAuths reads the auths entries of a config file: host -> auth.
func filesAuths(t *testing.T, path string) map[string]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Auths map[string]struct {
			Auth string `json:"auth"`
		} `json:"auths"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("%s is not valid JSON: %v", path, err)
	}
	out := map[string]string{}
	for h, a := range doc.Auths {
		out[h] = a.Auth
	}
	return out
}

const (
	filesChildEnv   = "APPMESH_H_FILES_CHILD"
	filesPathEnv    = "APPMESH_H_FILES_PATH"
	filesRoundsEnv  = "APPMESH_H_FILES_ROUNDS"
	filesRoundsDflt = 150
)

func filesHost(name string) string { return name + ".dkr.example.com" }

func filesPassword(name string, round int) string { return fmt.Sprintf("pw-%s-%04d", name, round) }

// TestFilesWriterChild is the child process of TestFilesConcurrentWritersManyRounds: it
// rewrites its own registry's entry once per round with a new password, and checks after
// each write that the file holds this round's password (no writer lost its update).
func TestFilesWriterChild(t *testing.T) {
	name := os.Getenv(filesChildEnv)
	if name == "" {
		t.Skip("child process of TestFilesConcurrentWritersManyRounds")
	}
	filesWriteRounds(t, name, os.Getenv(filesPathEnv), filesRounds())
}

func filesRounds() int {
	if n, err := strconv.Atoi(os.Getenv(filesRoundsEnv)); err == nil && n > 0 {
		return n
	}
	return filesRoundsDflt
}

func filesWriteRounds(t *testing.T, name, path string, rounds int) {
	host := filesHost(name)
	for i := range rounds {
		if _, err := dockerconfig.Write(t.Context(), path, []appmeshenvoy.Token{filesToken(host, filesPassword(name, i))}); err != nil {
			t.Errorf("%s round %d: %v", name, i, err)
			return
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("%s round %d: %v", name, i, err)
			return
		}
		// Another writer may have rewritten the file since, but it must have kept
		// this round's entry (it read it under the lock).
		if !bytes.Contains(data, []byte(filesAuth(filesPassword(name, i)))) {
			t.Errorf("%s round %d: the file lost this round's entry", name, i)
			return
		}
	}
}

// TestFilesConcurrentWritersManyRounds: two OS processes and this one rewrite their own
// registries' entries many times at once, while a reader checks that the file is
// always complete JSON (atomic rename) and still holds the entry it started with. At
// the end each entry holds its writer's last password.
func TestFilesConcurrentWritersManyRounds(t *testing.T) {
	if testing.Short() {
		t.Skip("re-executes the test binary")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "config.json")
	orig := `{"auths": {"keep.example.com": {"auth": "a2VlcDprZWVw"}}, "psFormat": "table {{.ID}}", "credsStore": ""}`
	if err := os.WriteFile(path, []byte(orig), 0o600); err != nil {
		t.Fatal(err)
	}
	rounds := filesRounds()
	names := []string{"alpha", "beta"}
	var cmds []*exec.Cmd
	var outs []*bytes.Buffer
	for _, name := range names {
		cmd := exec.Command(os.Args[0], "-test.run=^TestFilesWriterChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), filesChildEnv+"="+name, filesPathEnv+"="+path, filesRoundsEnv+"="+strconv.Itoa(rounds))
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds, outs = append(cmds, cmd), append(outs, &out)
	}

	var stop atomic.Bool
	var wg sync.WaitGroup
	var reads, torn atomic.Int64
	wg.Add(2)
	go func() { // this process is the third writer
		defer wg.Done()
		filesWriteRounds(t, "gamma", path, rounds)
	}()
	go func() { // a reader, as docker or skopeo would be
		defer wg.Done()
		for !stop.Load() {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Errorf("read while writers run: %v", err)
				return
			}
			reads.Add(1)
			if !json.Valid(data) || !bytes.Contains(data, []byte("a2VlcDprZWVw")) || !bytes.Contains(data, []byte("psFormat")) {
				torn.Add(1)
			}
		}
	}()
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Errorf("writer %s: %v\n%s", names[i], err, outs[i])
		}
	}
	stop.Store(true)
	wg.Wait()
	if n := torn.Load(); n > 0 {
		t.Errorf("%d of %d reads saw incomplete JSON or lost entries", n, reads.Load())
	}
	t.Logf("%d rounds by each of 3 writers, %d concurrent reads", rounds, reads.Load())

	auths := filesAuths(t, path)
	want := map[string]string{"keep.example.com": "a2VlcDprZWVw"}
	for _, name := range append(names, "gamma") {
		want[filesHost(name)] = filesAuth(filesPassword(name, rounds-1))
	}
	if len(auths) != len(want) {
		t.Errorf("%d auths entries, want %d", len(auths), len(want))
	}
	for h, a := range want {
		if auths[h] != a {
			t.Errorf("entry %s does not hold its writer's last password", h)
		}
	}
	if m := filesTempLeftovers(t, dir); len(m) > 0 {
		t.Errorf("temporary files left: %v", m)
	}
}

// filesTempLeftovers lists files in dir other than config files and their locks.
func filesTempLeftovers(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if n := e.Name(); !strings.HasSuffix(n, ".json") && !strings.HasSuffix(n, ".json.lock") {
			out = append(out, n)
		}
	}
	return out
}

// filesChattr sets or clears the immutable attribute, which stops root as well (a
// read-only directory stops only other users). It skips the test when chattr is
// missing (failing under CI) or the file system has no such attribute.
func filesChattr(t *testing.T, flag, path string) {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("chattr is Linux only")
	}
	chattr, err := exec.LookPath("chattr")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("chattr (e2fsprogs) is missing")
		}
		t.Skip("chattr (e2fsprogs) is missing")
	}
	if out, err := exec.Command(chattr, flag, path).CombinedOutput(); err != nil {
		if flag == "-i" {
			t.Errorf("chattr -i %s: %v: %s", path, err, out)
			return
		}
		t.Skipf("chattr +i not supported here: %v: %s", err, out)
	}
}

// filesImmutable makes path immutable until the test ends.
func filesImmutable(t *testing.T, path string) {
	t.Helper()
	filesChattr(t, "+i", path)
	t.Cleanup(func() { filesChattr(t, "-i", path) })
}

// filesUnchanged fails when path's content, mode or modification time changed.
func filesUnchanged(t *testing.T, path string, content []byte, before fs.FileInfo) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, content) {
		t.Error("the file's content changed")
	}
	after, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if after.Mode() != before.Mode() || !after.ModTime().Equal(before.ModTime()) || !os.SameFile(before, after) {
		t.Errorf("the file was replaced or touched: mode %v -> %v, mtime %v -> %v", before.Mode(), after.Mode(), before.ModTime(), after.ModTime())
	}
}

// TestFilesReadOnly: a directory or file that cannot be written (chattr +i, which root
// cannot bypass without clearing it) gives a clear error naming the file, leaves the
// old file as it was and leaves no temporary file.
func TestFilesReadOnly(t *testing.T) {
	old := []byte(`{"auths": {"ghcr.io": {"auth": "eDp5"}}, "detachKeys": "ctrl-q"}`)
	tests := []struct {
		name string
		// lock: create the lock file before the directory becomes immutable.
		lock bool
		// immutable returns what to make immutable.
		immutable func(dir, path string) string
	}{
		{"directory", true, func(dir, _ string) string { return dir }},
		{"directory without a lock file", false, func(dir, _ string) string { return dir }},
		{"the config file", false, func(_, path string) string { return path }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "config.json")
			if err := os.WriteFile(path, old, 0o644); err != nil {
				t.Fatal(err)
			}
			if tt.lock {
				if err := os.WriteFile(path+".lock", nil, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			before, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			filesImmutable(t, tt.immutable(dir, path))
			for _, op := range []struct {
				name string
				run  func() error
			}{
				{"login", func() error {
					_, err := dockerconfig.Write(t.Context(), path, []appmeshenvoy.Token{filesToken("840364872350.dkr.ecr.us-west-2.amazonaws.com", "pw-read-only")})
					return err
				}},
				{"logout", func() error { _, err := dockerconfig.Remove(t.Context(), path, []string{"ghcr.io"}); return err }},
			} {
				err := op.run()
				if err == nil {
					t.Fatalf("%s: no error writing to an immutable %s", op.name, tt.name)
				}
				if !errors.Is(err, fs.ErrPermission) && !errors.Is(err, syscall.EROFS) {
					t.Errorf("%s: err = %v, want a permission error", op.name, err)
				}
				if !strings.Contains(err.Error(), dir) {
					t.Errorf("%s: error %q does not name the file", op.name, err)
				}
				filesUnchanged(t, path, old, before)
				if m := filesTempLeftovers(t, dir); len(m) > 0 {
					t.Errorf("%s: temporary files left: %v", op.name, m)
				}
			}
		})
	}
}

// TestFilesSymlinkChainAndLoop: a config reached through a chain of symbolic links
// (absolute and relative) is written in place at the end of the chain, every link
// stays a link; a loop of links is an error that creates nothing.
func TestFilesSymlinkChainAndLoop(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symlinks need privileges on Windows")
	}
	root := t.TempDir()
	for _, d := range []string{"home/.docker", "dotfiles", "store/docker"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	target := filepath.Join(root, "store/docker/config.json")
	if err := os.WriteFile(target, []byte(`{"auths": {"ghcr.io": {"auth": "eDp5"}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	middle := filepath.Join(root, "dotfiles/docker-config.json")
	if err := os.Symlink(target, middle); err != nil { // absolute
		t.Fatal(err)
	}
	link := filepath.Join(root, "home/.docker/config.json")
	if err := os.Symlink("../../dotfiles/docker-config.json", link); err != nil { // relative
		t.Fatal(err)
	}
	host := "840364872350.dkr.ecr.eu-west-1.amazonaws.com"
	if _, err := dockerconfig.Write(t.Context(), link, []appmeshenvoy.Token{filesToken(host, "pw-chain")}); err != nil {
		t.Fatal(err)
	}
	for _, l := range []string{link, middle} {
		if fi, err := os.Lstat(l); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
			t.Errorf("%s is no longer a symlink", l)
		}
	}
	auths := filesAuths(t, target)
	if auths[host] != filesAuth("pw-chain") || auths["ghcr.io"] != "eDp5" {
		t.Error("the target at the end of the chain does not hold both entries")
	}
	if _, err := dockerconfig.Remove(t.Context(), link, []string{host}); err != nil {
		t.Fatal(err)
	}
	if _, ok := filesAuths(t, target)[host]; ok {
		t.Error("logout through the chain left the entry")
	}
	for _, d := range []string{"home/.docker", "dotfiles"} {
		if m := filesTempLeftovers(t, filepath.Join(root, d)); len(m) > 0 {
			t.Errorf("files created beside a link in %s: %v", d, m)
		}
	}

	t.Run("loop", func(t *testing.T) {
		a, b := filepath.Join(root, "home/.docker/a.json"), filepath.Join(root, "home/.docker/b.json")
		if err := os.Symlink(b, a); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(a, b); err != nil {
			t.Fatal(err)
		}
		_, err := dockerconfig.Write(t.Context(), a, []appmeshenvoy.Token{filesToken(host, "pw-loop")})
		if err == nil {
			t.Fatal("no error for a symlink loop")
		}
		if !strings.Contains(err.Error(), "a.json") {
			t.Errorf("error %q does not name the file", err)
		}
		for _, l := range []string{a, b} {
			if fi, err := os.Lstat(l); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
				t.Errorf("%s was replaced", l)
			}
		}
	})
}

// TestFilesInvalidJSONUntouchedByLogout: login is covered by the package's own tests;
// logout (Remove) must not rewrite an invalid file either, byte for byte,
// keeping its mode and modification time.
func TestFilesInvalidJSONUntouchedByLogout(t *testing.T) {
	for name, content := range map[string]string{
		"truncated":       `{"auths": {"840364872350.dkr.ecr.us-west-2.amazonaws.com": {"auth": "QVdTOnB3"}`,
		"comments":        "{\n  // docker does not allow comments\n  \"auths\": {}\n}",
		"trailing commas": `{"auths": {"ghcr.io": {"auth": "eDp5"},},}`,
		"BOM":             "\ufeff{\"auths\": {}}",
		"NUL":             "{\"auths\": {}}\x00",
		"single quotes":   `{'auths': {}}`,
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "config.json")
			if err := os.WriteFile(path, []byte(content), 0o640); err != nil {
				t.Fatal(err)
			}
			past := time.Now().Add(-time.Hour).Truncate(time.Second)
			if err := os.Chtimes(path, past, past); err != nil {
				t.Fatal(err)
			}
			before, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			_, err = dockerconfig.Remove(t.Context(), path, []string{"840364872350.dkr.ecr.us-west-2.amazonaws.com"})
			if !errors.Is(err, dockerconfig.ErrInvalid) || !strings.Contains(err.Error(), path) {
				t.Errorf("logout: err = %v, want ErrInvalid naming the file", err)
			}
			_, err = dockerconfig.Write(t.Context(), path, []appmeshenvoy.Token{filesToken("840364872350.dkr.ecr.us-west-2.amazonaws.com", "pw-invalid")})
			if !errors.Is(err, dockerconfig.ErrInvalid) {
				t.Errorf("login: err = %v, want ErrInvalid", err)
			}
			filesUnchanged(t, path, []byte(content), before)
			if m := filesTempLeftovers(t, dir); len(m) > 0 {
				t.Errorf("temporary files left: %v", m)
			}
		})
	}
}
