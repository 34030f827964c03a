package dockerconfig

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/appmesh-envoy/appmesh-envoy-go/internal/atomicfile"
)

// tempPrefix is the name prefix of the temporary files writeFileAtomic creates for
// target: ".config.json.tmp-" for config.json, followed by os.CreateTemp's random digits.
func tempPrefix(target string) string { return atomicfile.TempPrefix(target) }

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

// writeFileAtomic replaces target with data ([atomicfile.Writer]: temporary file in the
// same directory, fsync, rename, fsync of the directory). Just before the rename it
// checks that ctx has not ended and that target is still a regular file or absent (the
// rename would replace anything else, a device node included). On error target is
// unchanged and the temporary file is removed.
func writeFileAtomic(ctx context.Context, target string, data []byte, mode fs.FileMode, o Options) error {
	w := atomicfile.Writer{CreateTemp: o.createTemp, BeforeRename: func() error {
		if err := o.beforeRename(); err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		_, err := checkRegular(target)
		return err
	}}
	err := w.Write(target, data, mode)
	var ae *atomicfile.Error
	switch {
	case !errors.As(err, &ae):
		return err
	case ae.Step == atomicfile.StepCreateTemp:
		return fileError(fmt.Sprintf("create a temporary file beside it: %v; check that the directory is writable", ae.Err), ae.Err)
	default:
		return fileError(ae.Err.Error(), ae.Err)
	}
}
