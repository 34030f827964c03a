//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package dockerconfig

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/errcode"
)

// shortTempDir is a new temporary directory with a short path (a Unix socket's path
// must fit in about 100 bytes), removed when the test ends.
func shortTempDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "dc")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	return dir
}

// snapshot describes every entry under dir: its kind and permissions, the target of a
// link and a hash of a regular file's content.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		desc := fi.Mode().String()
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			desc += " -> " + target
		case fi.Mode().IsRegular():
			b, _ := os.ReadFile(p)
			desc += fmt.Sprintf(" %x", sha256.Sum256(b))
		}
		rel, _ := filepath.Rel(dir, p)
		out[rel] = desc
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Makers of the files a docker config path might name. Each makes one at dir/name.
type maker func(t *testing.T, dir, name string)

func makeDir(t *testing.T, dir, name string) {
	if err := os.Mkdir(filepath.Join(dir, name), 0o700); err != nil {
		t.Fatal(err)
	}
}

func makeFIFO(t *testing.T, dir, name string) {
	if err := syscall.Mkfifo(filepath.Join(dir, name), 0o600); err != nil {
		t.Fatal(err)
	}
}

func makeSocket(t *testing.T, dir, name string) {
	l, err := net.Listen("unix", filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	l.(*net.UnixListener).SetUnlinkOnClose(false)
	t.Cleanup(func() { _ = l.Close() })
}

func makeConfig(t *testing.T, dir, name string) {
	if err := os.WriteFile(filepath.Join(dir, name), []byte(`{"auths": {"ghcr.io": {"auth": "eDp5"}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
}

// linkTo makes a symbolic link at dir/name to a file that m makes in dir/elsewhere.
func linkTo(m maker) maker {
	return func(t *testing.T, dir, name string) {
		other := filepath.Join(dir, "elsewhere")
		if err := os.MkdirAll(other, 0o700); err != nil {
			t.Fatal(err)
		}
		m(t, other, "target")
		if err := os.Symlink(filepath.Join("elsewhere", "target"), filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
}

// TestRefusesNonRegularFiles: a docker config path, or its lock file, that names
// something other than a regular file (or a link to one) is refused with
// ErrNotRegularFile, at once (a named pipe is not waited on), and everything in the
// directory is left as it was: no file replaces a device node, no lock file is left
// beside a directory. Device nodes are made with mknod, so that case needs root.
func TestRefusesNonRegularFiles(t *testing.T) {
	tests := []struct {
		name string
		// config and lock make config.json and config.json.lock; nil makes nothing.
		config, lock maker
		// kind is what the error must call the offending file.
		kind string
	}{
		{"directory", makeDir, nil, "a directory"},
		{"named pipe", makeFIFO, nil, "a named pipe"},
		{"socket", makeSocket, nil, "a socket"},
		{"character device", makeNullDevice, nil, "a character device"},
		{"link to a named pipe", linkTo(makeFIFO), nil, "a named pipe"},
		{"link to a directory", linkTo(makeDir), nil, "a directory"},
		{"link to a socket", linkTo(makeSocket), nil, "a socket"},
		{"link to a character device", linkTo(makeNullDevice), nil, "a character device"},
		{"lock file is a named pipe", makeConfig, makeFIFO, "a named pipe"},
		{"lock file is a directory", makeConfig, makeDir, "a directory"},
		{"lock file is a socket", makeConfig, makeSocket, "a socket"},
		{"lock file is a character device", makeConfig, makeNullDevice, "a character device"},
		{"lock file is a link", makeConfig, linkTo(makeConfig), "a symbolic link"},
		{"lock file is a link to a named pipe", makeConfig, linkTo(makeFIFO), "a symbolic link"},
	}
	ops := []struct {
		name string
		run  func(ctx context.Context, path string) error
	}{
		{"write", func(ctx context.Context, path string) error {
			_, err := Write(ctx, path, []appmeshenvoy.Token{testToken(hostUSW2, "pw-never-written")})
			return err
		}},
		{"remove", func(ctx context.Context, path string) error {
			_, err := Remove(ctx, path, []string{"ghcr.io"})
			return err
		}},
	}
	for _, tt := range tests {
		for _, op := range ops {
			t.Run(tt.name+"/"+op.name, func(t *testing.T) {
				dir := shortTempDir(t)
				path := filepath.Join(dir, "config.json")
				tt.config(t, dir, "config.json")
				if tt.lock != nil {
					tt.lock(t, dir, "config.json.lock")
				}
				before := snapshot(t, dir)
				var err error
				within(t, 20*time.Second, op.name, func() { err = op.run(t.Context(), path) })
				if !errors.Is(err, ErrNotRegularFile) {
					t.Fatalf("err = %v, want ErrNotRegularFile", err)
				}
				if got := errcode.Of(err); got != errcode.FileError {
					t.Errorf("code %q, want %q", got, errcode.FileError)
				}
				if msg := err.Error(); !strings.Contains(msg, tt.kind) || !strings.Contains(msg, dir) {
					t.Errorf("error %q does not say it is %s or name the file", msg, tt.kind)
				}
				if diff := cmp.Diff(before, snapshot(t, dir)); diff != "" {
					t.Errorf("the directory changed (-before +after):\n%s", diff)
				}
			})
		}
	}
}

// TestReplacedBeforeRename: the file is checked again just before the rename, which
// would replace whatever is there: a named pipe put in place of the config while the
// writer held the lock is refused and left, not replaced.
func TestReplacedBeforeRename(t *testing.T) {
	dir := shortTempDir(t)
	path := filepath.Join(dir, "config.json")
	makeConfig(t, dir, "config.json")
	swap := func(o *Options) {
		o.beforeRename = func() error {
			if err := os.Remove(path); err != nil {
				return err
			}
			return syscall.Mkfifo(path, 0o600)
		}
	}
	_, err := Write(t.Context(), path, []appmeshenvoy.Token{testToken(hostUSW2, "pw")}, swap)
	if !errors.Is(err, ErrNotRegularFile) {
		t.Fatalf("err = %v, want ErrNotRegularFile", err)
	}
	if fi, err := os.Lstat(path); err != nil || fi.Mode()&fs.ModeNamedPipe == 0 {
		t.Errorf("the named pipe was replaced: %v, %v", fi.Mode(), err)
	}
	if diff := cmp.Diff([]string{"config.json"}, dirNames(t, dir)); diff != "" {
		t.Errorf("files left (-want +got):\n%s", diff)
	}
}
