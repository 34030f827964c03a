//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package dockerconfig

import (
	"path/filepath"
	"testing"
	"time"
)

// TestLockOnRemovedFile is the race that makes removing a lock file unsafe in general,
// played step by step: a process opens the lock file (1), the holder removes it and
// releases the lock (2), a third process creates a new lock file and locks it (3), and
// only then does the first process lock the file it opened (4). That lock is on a file
// without a name, so it must not count: lockOpened reports vanished, and a full attempt
// then waits for the third process.
func TestLockOnRemovedFile(t *testing.T) {
	path := lockPath(filepath.Join(t.TempDir(), "config.json"))
	holder, err := acquireLock(t.Context(), path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	f, fi, err := openLockFile(path) // 1
	if err != nil {
		t.Fatal(err)
	}
	holder.release()                                          // 2
	third, err := acquireLock(t.Context(), path, time.Second) // 3
	if err != nil {
		t.Fatal(err)
	}
	defer third.release()
	l, res, err := lockOpened(path, f, fi) // 4
	if err != nil {
		t.Fatal(err)
	}
	if res != vanished {
		l.release()
		t.Fatalf("locking the removed file gave %v, want vanished: two processes would hold the lock", res)
	}
	if _, res, err := tryLock(path); err != nil || res != busy {
		t.Errorf("a new attempt while the third process holds the lock: %v, %v; want busy", res, err)
	}
}
