//go:build !(darwin || dragonfly || freebsd || linux || netbsd || openbsd)

package dockerconfig

import (
	"github.com/gofrs/flock"
)

// lockFileRemoved reports whether a released lock file is removed. Not here: on Windows
// a file that another process has open cannot be removed, and on Solaris and AIX
// github.com/gofrs/flock (fcntl locks) gives no way to check which file was locked, so
// the lock file stays (it is empty and harmless).
const lockFileRemoved = false

// fileLock is a held lock on a lock file, through github.com/gofrs/flock (LockFileEx on
// Windows, fcntl elsewhere).
type fileLock struct{ l *flock.Flock }

// tryLock makes one attempt at the exclusive lock on path, creating the file if needed.
// acquireLock has checked with os.Lstat that path is a regular file or absent.
func tryLock(path string) (*fileLock, tryResult, error) {
	l := flock.New(path)
	ok, err := l.TryLock()
	if err != nil {
		return nil, 0, fileError("lock "+path+": "+err.Error(), err)
	}
	if !ok {
		return nil, busy, nil
	}
	return &fileLock{l: l}, locked, nil
}

// release releases the lock.
func (l *fileLock) release() { _ = l.l.Unlock() }
