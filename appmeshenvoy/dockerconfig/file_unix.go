//go:build unix

package dockerconfig

import "syscall"

// openNoBlockNoFollow are the open flags for a path that must name a regular file: a
// named pipe opens at once instead of waiting for a writer, and a symbolic link is not
// followed (open(2): O_NONBLOCK, O_NOFOLLOW). What was opened is checked afterwards.
const openNoBlockNoFollow = syscall.O_NONBLOCK | syscall.O_NOFOLLOW
