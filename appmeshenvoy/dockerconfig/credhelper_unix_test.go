//go:build unix

package dockerconfig

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/errcode"
)

// forkingHelper is a credential helper that starts a child (sleep), writes the child's
// process id to $HELPER_CHILD_PID and waits for it: a helper that hangs, with a program
// of its own that would outlive it if only the helper were killed.
const forkingHelper = `#!/bin/sh
sleep 300 &
echo $! > "$HELPER_CHILD_PID"
wait
`

// gone reports whether process pid has ended (or is a zombie nobody reaped yet).
func gone(pid int) bool {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return true
	}
	if runtime.GOOS == "linux" {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			return true
		}
		// "pid (comm) S ...": the state follows the last ')'.
		s := string(b)
		if i := strings.LastIndexByte(s, ')'); i >= 0 && strings.HasPrefix(s[i+1:], " Z") {
			return true
		}
	}
	return false
}

// waitPID waits (up to 20 s) for the helper to write its child's process id to path,
// and returns it (0 when it did not).
func waitPID(path string) int {
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		b, err := os.ReadFile(path)
		if pid, perr := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && perr == nil && pid > 0 {
			return pid
		}
	}
	return 0
}

// TestHelperKilledWithItsChildren: when a helper's time is up (HelperTimeout) or the
// caller's context ends, the helper is killed with the programs it started (its process
// group), the write fails with the file unchanged, and the lock is free again.
func TestHelperKilledWithItsChildren(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("no sh")
		}
		t.Skip("no sh")
	}
	tests := []struct {
		name string
		// ctx returns the write's context; it may cancel it once the child runs.
		ctx           func(t *testing.T, pidFile string) context.Context
		helperTimeout time.Duration
		code          errcode.Code
	}{
		{"helper timeout", func(t *testing.T, _ string) context.Context { return t.Context() }, 200 * time.Millisecond, errcode.CredentialHelper},
		{"context canceled", func(t *testing.T, pidFile string) context.Context {
			ctx, cancel := context.WithCancel(t.Context())
			go func() {
				waitPID(pidFile)
				cancel()
			}()
			return ctx
		}, time.Hour, errcode.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bin := t.TempDir()
			if err := os.WriteFile(filepath.Join(bin, "docker-credential-forking"), []byte(forkingHelper), 0o755); err != nil {
				t.Fatal(err)
			}
			pidFile := filepath.Join(t.TempDir(), "child.pid")
			t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
			t.Setenv("HELPER_CHILD_PID", pidFile)
			dir := t.TempDir()
			path := filepath.Join(dir, "config.json")
			old := []byte(`{"credsStore": "forking"}`)
			if err := os.WriteFile(path, old, 0o600); err != nil {
				t.Fatal(err)
			}
			ctx := tt.ctx(t, pidFile)
			var err error
			within(t, 30*time.Second, "Write", func() {
				_, err = Write(ctx, path, []appmeshenvoy.Token{testToken(hostUSW2, "pw-helper-killed")},
					func(o *Options) { o.HelperTimeout = tt.helperTimeout })
			})
			if err == nil {
				t.Fatal("no error")
			}
			if got := errcode.Of(err); got != tt.code {
				t.Errorf("code %q, want %q (err %v)", got, tt.code, err)
			}
			pid := waitPID(pidFile)
			if pid == 0 {
				t.Fatal("the helper did not start its child")
			}
			t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGKILL) })
			// SIGKILL was sent to the group before Write returned; give the kernel a
			// moment to finish the child.
			for deadline := time.Now().Add(10 * time.Second); !gone(pid) && time.Now().Before(deadline); {
				time.Sleep(10 * time.Millisecond)
			}
			if !gone(pid) {
				t.Errorf("the helper's child %d survived it", pid)
			}
			if got, _ := os.ReadFile(path); !bytes.Equal(got, old) {
				t.Error("the file changed")
			}
			if _, err := os.Lstat(lockPath(path)); lockFileRemoved && !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("the lock file is left: %v", err)
			}
			l, res, err := tryLock(lockPath(path))
			if err != nil || res != locked {
				t.Fatalf("the lock is not free after the write returned: %v, %v", res, err)
			}
			l.release()
		})
	}
}
