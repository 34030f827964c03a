//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package main

import (
	"bytes"
	"errors"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestLoginDockerConfigNotRegularFile: --docker-config naming a named pipe, a socket, a
// directory or a link to one of those is bad input (exit 2): one error line that says
// what it is and how to log in without a file, at once (no wait on the pipe), with the
// path left as it was and nothing created beside it. (Device nodes, which need root to
// make, are covered by the dockerconfig package's tests.)
func TestLoginDockerConfigNotRegularFile(t *testing.T) {
	ts := newTestServer(t)
	tests := []struct {
		name string
		make func(t *testing.T, path string)
		kind string
	}{
		{"named pipe", func(t *testing.T, path string) {
			if err := syscall.Mkfifo(path, 0o600); err != nil {
				t.Fatal(err)
			}
		}, "a named pipe (FIFO)"},
		{"socket", func(t *testing.T, path string) {
			l, err := net.Listen("unix", path)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = l.Close() })
		}, "a socket"},
		{"directory", func(t *testing.T, path string) {
			if err := os.Mkdir(path, 0o700); err != nil {
				t.Fatal(err)
			}
		}, "a directory"},
		{"link to a named pipe", func(t *testing.T, path string) {
			target := filepath.Join(filepath.Dir(path), "pipe")
			if err := syscall.Mkfifo(target, 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink("pipe", path); err != nil {
				t.Fatal(err)
			}
		}, "a named pipe (FIFO)"},
	}
	for _, tt := range tests {
		for _, cmd := range []string{"login", "logout"} {
			t.Run(tt.name+"/"+cmd, func(t *testing.T) {
				dir, err := os.MkdirTemp("", "cli") // short: a socket path has a length limit
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { _ = os.RemoveAll(dir) })
				path := filepath.Join(dir, "config.json")
				tt.make(t, path)
				before := dirModes(t, dir)
				r := ts.run(t, ts.opts(), cmd, "--region", "us-west-2", "--docker-config", path)
				r.wantCode(t, exitUsage)
				r.wantOneLineError(t, tt.kind+", not a regular file")
				if cmd == "login" && !strings.Contains(r.stderr, "--password-stdout") {
					t.Errorf("stderr does not point to --password-stdout:\n%s", r.stderr)
				}
				ts.assertNoSecrets(t, "stderr", r.stderr)
				if after := dirModes(t, dir); after != before {
					t.Errorf("the directory changed:\nbefore %s\nafter  %s", before, after)
				}
			})
		}
	}
}

// dirModes lists dir's entries with their modes.
func dirModes(t *testing.T, dir string) string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, e := range entries {
		fi, err := os.Lstat(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString(e.Name() + "=" + fi.Mode().String() + " ")
	}
	return b.String()
}

// TestLoginInterruptedDuringHelper: SIGINT or SIGTERM while login waits for a credential
// helper that hangs ends the command at once (exit 1) instead of after the helper's 30 s
// timeout: the helper and the program it started are killed, the docker config is left
// as it was and no lock file stays.
func TestLoginInterruptedDuringHelper(t *testing.T) {
	ts := newTestServer(t)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			bin := t.TempDir()
			pidFile := filepath.Join(t.TempDir(), "child.pid")
			script := "#!/bin/sh\nsleep 300 &\necho $! > " + pidFile + "\nwait\n"
			if err := os.WriteFile(filepath.Join(bin, "docker-credential-hang"), []byte(script), 0o755); err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			path := filepath.Join(dir, "config.json")
			old := []byte(`{"credsStore": "hang"}`)
			if err := os.WriteFile(path, old, 0o600); err != nil {
				t.Fatal(err)
			}
			o := ts.opts("PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH"))
			cmd := exec.Command(binary, "--endpoint-url", ts.URL, "login", "--region", "us-west-2", "--docker-config", path)
			cmd.Env = testEnv(t, o)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			waited := make(chan error, 1)
			go func() { waited <- cmd.Wait() }()
			pid := 0
			for deadline := time.Now().Add(20 * time.Second); pid == 0 && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
				b, _ := os.ReadFile(pidFile)
				pid, _ = strconv.Atoi(strings.TrimSpace(string(b)))
			}
			if pid == 0 {
				_ = cmd.Process.Kill()
				<-waited
				t.Fatalf("the helper did not start:\n%s", stderr.String())
			}
			t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGKILL) })
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			select {
			case err := <-waited:
				var ee *exec.ExitError
				if !errors.As(err, &ee) || ee.ExitCode() != exitFailed {
					t.Errorf("exit: %v, want status %d\n%s", err, exitFailed, stderr.String())
				}
			case <-time.After(20 * time.Second):
				_ = cmd.Process.Kill()
				<-waited
				t.Fatal("login did not end within 20 s of the signal")
			}
			ts.assertNoSecrets(t, "stderr", stderr.String())
			if got, _ := os.ReadFile(path); !bytes.Equal(got, old) {
				t.Error("the docker config changed")
			}
			if _, err := os.Lstat(path + ".lock"); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("the lock file stays: %v", err)
			}
			for deadline := time.Now().Add(10 * time.Second); syscall.Kill(pid, 0) == nil && !zombie(pid) && time.Now().Before(deadline); {
				time.Sleep(10 * time.Millisecond)
			}
			if syscall.Kill(pid, 0) == nil && !zombie(pid) {
				t.Errorf("the helper's child %d survived", pid)
			}
		})
	}
}

// zombie reports whether pid is a process that ended and was not reaped yet (Linux).
func zombie(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i >= 0 && strings.HasPrefix(s[i+1:], " Z")
}
