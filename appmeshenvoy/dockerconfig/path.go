package dockerconfig

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// DefaultPath returns the docker client's config file:
// $DOCKER_CONFIG/config.json when DOCKER_CONFIG is set, else ~/.docker/config.json, as
// docker finds it (Dir in github.com/docker/cli cli/config/config.go).
// For podman and skopeo pass their auth.json path (such as
// $XDG_RUNTIME_DIR/containers/auth.json) to [Write] instead; it has the same "auths"
// shape. Without DOCKER_CONFIG and a home directory ($HOME unset) the error (code
// "file-error") says to set DOCKER_CONFIG.
func DefaultPath() (string, error) {
	if d := os.Getenv("DOCKER_CONFIG"); d != "" {
		return filepath.Join(d, "config.json"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fileError(fmt.Sprintf("find the docker config: %v; set DOCKER_CONFIG", err), err)
	}
	return filepath.Join(home, ".docker", "config.json"), nil
}

// resolveSymlinks follows symbolic links from path to the file they name, which need
// not exist yet. The directories on the way are resolved on disk (not lexically), so
// that a relative link target with ".." is taken from the directory the link really is
// in, and so that every path to one file, through any links, gives the same result
// (and so the same lock file).
func resolveSymlinks(path string) (string, error) {
	p := path
	for range 40 {
		if dir, err := filepath.EvalSymlinks(filepath.Dir(p)); err == nil {
			p = filepath.Join(dir, filepath.Base(p))
		}
		fi, err := os.Lstat(p)
		if errors.Is(err, os.ErrNotExist) {
			return p, nil
		}
		if err != nil {
			return "", fileError(err.Error(), err)
		}
		if fi.Mode()&os.ModeSymlink == 0 {
			return p, nil
		}
		t, err := os.Readlink(p)
		if err != nil {
			return "", fileError(err.Error(), err)
		}
		if !filepath.IsAbs(t) {
			t = filepath.Join(filepath.Dir(p), t)
		}
		p = t
	}
	return "", fileError(fmt.Sprintf("too many symbolic links from %s; fix the loop", path), nil)
}
