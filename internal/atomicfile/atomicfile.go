// Package atomicfile replaces a file's content so that a reader, or a crash, sees the
// old content or the new one and never a mix: the new content goes to a temporary file
// in the same directory, is synced, and is renamed over the file.
//
// It is what dockerconfig (a user's docker config) and rewrite (task definitions and
// manifests in place) write with.
package atomicfile

import (
	"io/fs"
	"os"
	"path/filepath"
)

// Steps of a write, as [Error.Step] names them.
const (
	StepCreateTemp = "create a temporary file"
	StepWrite      = "write"
	StepRename     = "rename"
)

// Error is a file system error in one step of [Writer.Write]. Its message is the
// underlying error's; Unwrap returns it (an *fs.PathError, for example).
type Error struct {
	// Step is StepCreateTemp, StepWrite (chmod, write, sync and close of the
	// temporary file) or StepRename.
	Step string
	// Err is the file system's error.
	Err error
}

func (e *Error) Error() string { return e.Err.Error() }

// Unwrap returns the file system's error.
func (e *Error) Unwrap() error { return e.Err }

// TempPrefix is the name prefix of the temporary files [Writer.Write] creates for
// path: ".config.json.tmp-" for config.json, followed by os.CreateTemp's random
// digits. A writer killed before the rename leaves such a file behind.
func TempPrefix(path string) string { return "." + filepath.Base(path) + ".tmp-" }

// Writer replaces files. The zero value is ready to use.
type Writer struct {
	// CreateTemp creates the temporary file, as os.CreateTemp does. Default:
	// os.CreateTemp. Tests set it to make the write fail.
	CreateTemp func(dir, pattern string) (*os.File, error)

	// BeforeRename, if set, runs when the temporary file is written and synced, just
	// before the rename: a last check (the caller's context has not ended, the path is
	// still a regular file). Its error stops the write and is returned as it is.
	BeforeRename func() error
}

// Write replaces the content of path with data, with permission bits mode: temporary
// file in path's directory, fsync, rename over path, fsync of the directory (best
// effort: some file systems cannot sync a directory). On error path is unchanged and
// the temporary file is removed; file system errors are [*Error].
func (w Writer) Write(path string, data []byte, mode fs.FileMode) (err error) {
	createTemp := w.CreateTemp
	if createTemp == nil {
		createTemp = os.CreateTemp
	}
	dir := filepath.Dir(path)
	f, err := createTemp(dir, TempPrefix(path)+"*")
	if err != nil {
		return &Error{Step: StepCreateTemp, Err: err}
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(tmp)
		}
	}()
	for _, step := range []func() error{
		func() error { return f.Chmod(mode) },
		func() error { _, err := f.Write(data); return err },
		f.Sync,
		f.Close,
	} {
		if err = step(); err != nil {
			return &Error{Step: StepWrite, Err: err}
		}
	}
	if w.BeforeRename != nil {
		if err = w.BeforeRename(); err != nil {
			return err
		}
	}
	if err = os.Rename(tmp, path); err != nil {
		return &Error{Step: StepRename, Err: err}
	}
	if d, derr := os.Open(dir); derr == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	return nil
}
