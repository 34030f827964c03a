//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package dockerconfig

import (
	"errors"
	"io/fs"
	"os"
	"syscall"
)

// lockFileRemoved reports whether a released lock file is removed (see fileLock.release).
const lockFileRemoved = true

// fileLock is a held flock(2) lock on a lock file.
type fileLock struct {
	f    *os.File
	fi   fs.FileInfo // of f, to check that path still names it
	path string
}

// tryLock makes one attempt at the exclusive lock on path, creating the file if needed.
func tryLock(path string) (*fileLock, tryResult, error) {
	f, fi, err := openLockFile(path)
	if err != nil {
		return nil, 0, err
	}
	return lockOpened(path, f, fi)
}

// openLockFile opens (creating it if needed) the lock file at path, without blocking
// and without following a symbolic link, and checks that it is a regular file.
func openLockFile(path string) (*os.File, fs.FileInfo, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE|openNoBlockNoFollow|syscall.O_CLOEXEC, 0o600)
	if err != nil {
		if fi, lerr := os.Lstat(path); lerr == nil && !fi.Mode().IsRegular() {
			return nil, nil, notRegular(path, fi.Mode())
		}
		return nil, nil, fileError("lock: "+err.Error(), err)
	}
	fi, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return nil, nil, fileError("lock: "+err.Error(), err)
	}
	if !fi.Mode().IsRegular() {
		_ = f.Close()
		return nil, nil, notRegular(path, fi.Mode())
	}
	return f, fi, nil
}

// lockOpened tries to lock f, the lock file opened at path (fi is its information),
// without waiting; f is closed unless the lock is held.
//
// Because a holder removes the lock file before it releases the lock (see release), a
// process that opened the file before the removal can get a lock on a file that no
// longer has a name, while a third process creates a new file and locks that. So once
// the lock is held, lockOpened checks that path still names the locked file, and reports
// vanished (the caller starts over) when it does not. The removal happens only while
// the lock is held, so a lock whose file still has its name after locking is exclusive.
func lockOpened(path string, f *os.File, fi fs.FileInfo) (*fileLock, tryResult, error) {
	if err := flock(f, syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		_ = f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, busy, nil
		}
		return nil, 0, fileError("lock "+path+": "+err.Error(), err)
	}
	if now, err := os.Lstat(path); err != nil || !os.SameFile(fi, now) {
		_ = f.Close()
		return nil, vanished, nil
	}
	return &fileLock{f: f, fi: fi, path: path}, locked, nil
}

// flock calls flock(2) on f's descriptor, retrying when a signal interrupts it.
func flock(f *os.File, how int) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var ferr error
	if err := rc.Control(func(fd uintptr) {
		for {
			ferr = syscall.Flock(int(fd), how)
			if ferr != syscall.EINTR {
				return
			}
		}
	}); err != nil {
		return err
	}
	return ferr
}

// release removes the lock file, then releases the lock (by closing the descriptor). The
// removal comes first, while the lock is still held: a waiting process that then gets
// the lock on the removed file sees that the name is gone (tryLock) and starts over, so
// no two processes ever both hold a lock whose file has the lock file's name. The file
// is removed only if the name still refers to it. Failing to remove it (a read-only
// directory) only leaves it for the next writer.
func (l *fileLock) release() {
	if now, err := os.Lstat(l.path); err == nil && os.SameFile(l.fi, now) {
		_ = os.Remove(l.path)
	}
	_ = l.f.Close()
}
