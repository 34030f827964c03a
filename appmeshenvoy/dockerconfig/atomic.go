package dockerconfig

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// tempPrefix is the name prefix of the temporary files writeFileAtomic creates for
// target: ".config.json.tmp-" for config.json, followed by os.CreateTemp's random digits.
func tempPrefix(target string) string { return "." + filepath.Base(target) + ".tmp-" }

// isOrphanTemp reports whether name is a temporary file name writeFileAtomic creates
// for target: the exact prefix followed by one or more digits, nothing else.
func isOrphanTemp(target, name string) bool {
	rest, ok := strings.CutPrefix(name, tempPrefix(target))
	if !ok || rest == "" {
		return false
	}
	for _, c := range rest {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// removeOrphanTemps removes the temporary files of target that a writer killed between
// writing and renaming left in target's directory; they hold a credential. It must be
// called with target's lock held: a writer has a temporary file only while it holds
// the lock, so any such file found then is an orphan. Only regular files whose name
// matches the writer's pattern exactly are removed (not symbolic links, directories or
// other names), with remove. Failures are ignored: a leftover file must not stop the
// write, and the next writer tries again.
//
// The directory is listed and names compared as strings rather than globbed, because
// glob metacharacters in the directory or file name ("[", "*") would change the
// pattern.
func removeOrphanTemps(target string, remove func(string) error) {
	dir := filepath.Dir(target)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if e.Type().IsRegular() && isOrphanTemp(target, e.Name()) {
			_ = remove(filepath.Join(dir, e.Name()))
		}
	}
}

// writeFileAtomic replaces target with data: temporary file in the same directory,
// fsync, rename, fsync of the directory. Just before the rename it checks that ctx has
// not ended and that target is still a regular file or absent (the rename would replace
// anything else, a device node included). On error target is unchanged and the
// temporary file is removed.
func writeFileAtomic(ctx context.Context, target string, data []byte, mode fs.FileMode, o Options) (err error) {
	dir := filepath.Dir(target)
	f, err := o.createTemp(dir, tempPrefix(target)+"*")
	if err != nil {
		return fileError(fmt.Sprintf("create a temporary file beside it: %v; check that the directory is writable", err), err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(tmp)
		}
	}()
	wrap := func(err error) error { return fileError(err.Error(), err) }
	if err = f.Chmod(mode); err != nil {
		return wrap(err)
	}
	if _, err = f.Write(data); err != nil {
		return wrap(err)
	}
	if err = f.Sync(); err != nil {
		return wrap(err)
	}
	if err = f.Close(); err != nil {
		return wrap(err)
	}
	if err = o.beforeRename(); err != nil {
		return err
	}
	if err = ctx.Err(); err != nil {
		return err
	}
	if _, err = checkRegular(target); err != nil {
		return err
	}
	if err = os.Rename(tmp, target); err != nil {
		return wrap(err)
	}
	if d, derr := os.Open(dir); derr == nil {
		_ = d.Sync() // best effort: some file systems cannot sync a directory
		_ = d.Close()
	}
	return nil
}
