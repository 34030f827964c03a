package dockerconfig

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/errcode"
)

// TestLockWaitEnds: while another holder has the lock, a write waits until its context
// ends (the error is the context's, with its code) or LockTimeout passes (ErrLocked),
// whichever comes first, and leaves the file as it was.
func TestLockWaitEnds(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.json")
	old := []byte(`{"auths": {"ghcr.io": {"auth": "eDp5"}}}`)
	if err := os.WriteFile(path, old, 0o600); err != nil {
		t.Fatal(err)
	}
	held, err := acquireLock(t.Context(), lockPath(path), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer held.release()

	canceled, cancel := context.WithCancel(t.Context())
	time.AfterFunc(20*time.Millisecond, cancel)
	deadline, cancel2 := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel2()
	tests := []struct {
		name        string
		ctx         context.Context
		lockTimeout time.Duration
		is          error
		code        errcode.Code
	}{
		{"context canceled while waiting", canceled, time.Hour, context.Canceled, errcode.Canceled},
		{"context deadline", deadline, time.Hour, context.DeadlineExceeded, errcode.Timeout},
		{"lock timeout", t.Context(), 20 * time.Millisecond, ErrLocked, errcode.FileError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			within(t, 20*time.Second, "Write", func() {
				_, err = Write(tt.ctx, path, []appmeshenvoy.Token{testToken(hostUSW2, "pw")},
					func(o *Options) { o.LockTimeout = tt.lockTimeout })
			})
			if !errors.Is(err, tt.is) {
				t.Fatalf("err = %v, want %v", err, tt.is)
			}
			if got := errcode.Of(err); got != tt.code {
				t.Errorf("code %q, want %q", got, tt.code)
			}
			if !strings.Contains(err.Error(), lockPath(path)) {
				t.Errorf("error %q does not name the lock file", err)
			}
			if got, _ := os.ReadFile(path); !bytes.Equal(got, old) {
				t.Error("the file changed")
			}
		})
	}
}

// TestLockFileRemoved: the lock file is gone after a write, a logout and a failed write,
// where the system allows removing it.
func TestLockFileRemoved(t *testing.T) {
	if !lockFileRemoved {
		t.Skip("the lock file stays on " + runtime.GOOS)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "config.json")
	if _, err := Write(t.Context(), path, []appmeshenvoy.Token{testToken(hostUSW2, "pw")}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(lockPath(path)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("after a write, the lock file: %v", err)
	}
	// A lock file left by a killed writer is removed by the next one.
	if err := os.WriteFile(lockPath(path), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Remove(t.Context(), path, []string{hostUSW2}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(lockPath(path)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("after a logout, the lock file: %v", err)
	}
	if err := os.WriteFile(path, []byte("not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Write(t.Context(), path, []appmeshenvoy.Token{testToken(hostUSW2, "pw")}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("err = %v, want ErrInvalid", err)
	}
	if _, err := os.Lstat(lockPath(path)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("after a failed write, the lock file: %v", err)
	}
}

// TestLockExclusiveUnderContention: goroutines (each with its own open file, as
// separate processes have) take and release the lock many times; no two are ever
// inside at once, and no lock file is left.
func TestLockExclusiveUnderContention(t *testing.T) {
	path := lockPath(filepath.Join(t.TempDir(), "config.json"))
	var inside, overlaps atomic.Int32
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 25 {
				l, err := acquireLock(t.Context(), path, 30*time.Second)
				if err != nil {
					t.Error(err)
					return
				}
				if inside.Add(1) != 1 {
					overlaps.Add(1)
				}
				runtime.Gosched()
				inside.Add(-1)
				l.release()
			}
		}()
	}
	wg.Wait()
	if n := overlaps.Load(); n > 0 {
		t.Errorf("%d times two holders were inside at once", n)
	}
	if _, err := os.Lstat(path); lockFileRemoved && !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the lock file is left: %v", err)
	}
}
