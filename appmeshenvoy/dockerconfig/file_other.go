//go:build !unix

package dockerconfig

// openNoBlockNoFollow is 0 where open(2)'s O_NONBLOCK and O_NOFOLLOW do not exist (such
// as Windows, which has no named pipes in the file system); the path is checked with
// os.Lstat before it is opened, and what was opened is checked afterwards.
const openNoBlockNoFollow = 0
