package dockerconfig

import (
	"context"
	"fmt"
	"time"

	"github.com/appmesh-envoy/appmesh-envoy-go/internal/errcode"
)

// lockRetry is how long a writer waits before it tries a busy lock again.
const lockRetry = 20 * time.Millisecond

// lockPath is the lock file of the docker config at target.
func lockPath(target string) string { return target + ".lock" }

// tryResult is what one attempt at the lock gives.
type tryResult int

const (
	locked   tryResult = iota // the lock is held
	busy                      // another process holds it: wait and try again
	vanished                  // the lock file was removed or replaced meanwhile: try again now
)

// acquireLock takes the exclusive advisory lock on the lock file at path, waiting while
// another process holds it until ctx ends (the error then wraps ctx's error) or timeout
// passes ([ErrLocked]). A lock file that is not a regular file is refused
// ([ErrNotRegularFile]) before it is opened.
func acquireLock(ctx context.Context, path string, timeout time.Duration) (*fileLock, error) {
	if _, err := checkRegular(path); err != nil {
		return nil, err
	}
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	canceled := func() error { return fmt.Errorf("wait for the lock %s: %w", path, ctx.Err()) }
	timedOut := func() error {
		return errcode.Wrap(ErrLocked, fmt.Sprintf(
			"another process has held the lock %s for %s; retry when it is done (fuser %s shows a stuck process holding it)",
			path, timeout, path), nil)
	}
	for {
		if ctx.Err() != nil {
			return nil, canceled()
		}
		l, res, err := tryLock(path)
		if err != nil {
			return nil, err
		}
		var retry <-chan time.Time
		switch res {
		case locked:
			return l, nil
		case vanished:
			retry = time.After(0) // try again at once, unless the time is up
		default:
			retry = time.After(lockRetry)
		}
		select {
		case <-ctx.Done():
			return nil, canceled()
		case <-deadline.C:
			return nil, timedOut()
		case <-retry:
		}
	}
}
