package dockerconfig

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/appmesh-envoy/appmesh-envoy-go/internal/errcode"
)

// maxFileSize bounds what is read of an existing docker config. Real ones hold a few
// kilobytes; a larger file is not one, and is not read into memory.
const maxFileSize = 16 << 20

// checkRegular returns the file information of path when it names a regular file, nil
// when nothing is there, and an [ErrNotRegularFile] error otherwise. It does not follow
// a final symbolic link and never opens path, so it cannot block on a named pipe or
// wake a device.
func checkRegular(path string) (fs.FileInfo, error) {
	fi, err := os.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, nil
	case err != nil:
		return nil, fileError(err.Error(), err)
	case !fi.Mode().IsRegular():
		return nil, notRegular(path, fi.Mode())
	}
	return fi, nil
}

// notRegular is the error for path, which is of the given mode and not a regular file.
func notRegular(path string, mode fs.FileMode) error {
	return errcode.Wrap(ErrNotRegularFile, fmt.Sprintf(
		"%s is %s, not a regular file; it was left as it is: give the path of a regular file (or of none yet)",
		path, kindOf(mode)), nil)
}

// kindOf names the kind of file mode describes, with its article.
func kindOf(mode fs.FileMode) string {
	switch {
	case mode.IsDir():
		return "a directory"
	case mode&fs.ModeSymlink != 0:
		return "a symbolic link"
	case mode&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case mode&fs.ModeSocket != 0:
		return "a socket"
	case mode&fs.ModeCharDevice != 0:
		return "a character device"
	case mode&fs.ModeDevice != 0:
		return "a block device"
	}
	return "a special file"
}

// readRegular reads the regular file at path: nil data and info when it does not exist.
// It opens path without following a final symbolic link and without blocking (a named
// pipe put there since [checkRegular] looked is opened and refused, not waited on), and
// checks what it opened before reading it.
func readRegular(path string) ([]byte, fs.FileInfo, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|openNoBlockNoFollow, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		if fi, lerr := os.Lstat(path); lerr == nil && fi.Mode()&fs.ModeSymlink != 0 {
			return nil, nil, notRegular(path, fi.Mode()) // put there since checkRegular looked
		}
		return nil, nil, fileError(err.Error(), err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, nil, fileError(err.Error(), err)
	}
	if !fi.Mode().IsRegular() {
		return nil, nil, notRegular(path, fi.Mode())
	}
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, nil, fileError(err.Error(), err)
	}
	if len(data) > maxFileSize {
		return nil, nil, fmt.Errorf("%w: the file is larger than %d MiB, which no docker config is; the file was not changed: fix or move it and retry",
			ErrInvalid, maxFileSize>>20)
	}
	return data, fi, nil
}
