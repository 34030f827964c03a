package rewrite

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/appmesh-envoy/appmesh-envoy-go/internal/atomicfile"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/errcode"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/quote"
)

// ErrFile is matched by the errors of [WriteFile] (code file-error).
var ErrFile error = errcode.New(errcode.FileError, "file error")

// WriteFile replaces the file at path with data so that a reader sees either the old or
// the new content, never a part: data goes to a temporary file in the same directory,
// which is synced and renamed over the file, then the directory is synced. The file
// keeps its permissions; a symbolic link is followed and its target replaced. When
// backup is not empty the old content is kept first as path+backup (such as
// "web.yaml.bak", replacing an older backup), as a hard link to the old file where the
// file system allows one, else as a copy. On error the file is unchanged and the
// temporary file removed.
func WriteFile(path string, data []byte, backup string) error {
	fail := func(what string, err error) error {
		return errcode.Wrap(ErrFile, "write "+quote.Text(path, 256)+": "+what+": "+quote.Text(errorText(err), 200), err)
	}
	target, err := filepath.EvalSymlinks(path)
	if err != nil {
		return fail("resolve the path", err)
	}
	fi, err := os.Stat(target)
	if err != nil {
		return fail("stat", err)
	}
	if !fi.Mode().IsRegular() {
		return fail("check", errors.New("not a regular file"))
	}
	if backup != "" {
		old, err := os.ReadFile(target)
		if err != nil {
			return fail("read for the backup", err)
		}
		bak := target + backup
		if err := os.Remove(bak); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fail("remove the old backup", err)
		}
		if err := os.Link(target, bak); err != nil {
			if err := atomicWrite(bak, old, fi.Mode().Perm()); err != nil {
				return fail("write the backup "+quote.Text(bak, 256), err)
			}
		}
	}
	if err := atomicWrite(target, data, fi.Mode().Perm()); err != nil {
		return fail("replace", err)
	}
	return nil
}

// atomicWrite writes data to a temporary file next to target and renames it over
// target.
func atomicWrite(target string, data []byte, mode fs.FileMode) error {
	return atomicfile.Writer{}.Write(target, data, mode)
}

// errorText is an error's message without the path an *fs.PathError repeats.
func errorText(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Op + ": " + pe.Err.Error()
	}
	return err.Error()
}
