package atomicfile_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/appmesh-envoy/appmesh-envoy-go/internal/atomicfile"
)

func TestWriteReplaces(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := (atomicfile.Writer{}).Write(path, []byte("new"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil || string(got) != "new" {
		t.Fatalf("content %q, %v; want new", got, err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, %v; want 0600", fi.Mode().Perm(), err)
	}
	assertNoTemp(t, path)
}

func TestWriteFailureKeepsFile(t *testing.T) {
	for _, tt := range []struct {
		name string
		w    atomicfile.Writer
		step string // "" for the BeforeRename error itself
	}{
		{"create temp", atomicfile.Writer{CreateTemp: func(string, string) (*os.File, error) { return nil, syscall.EROFS }}, atomicfile.StepCreateTemp},
		{"before rename", atomicfile.Writer{BeforeRename: func() error { return errStop }}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "task.json")
			if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
				t.Fatal(err)
			}
			err := tt.w.Write(path, []byte("new"), 0o644)
			var ae *atomicfile.Error
			switch {
			case tt.step == "" && err != errStop:
				t.Errorf("error %v, want the BeforeRename error as it is", err)
			case tt.step != "" && (!errors.As(err, &ae) || ae.Step != tt.step || !errors.Is(err, syscall.EROFS)):
				t.Errorf("error %#v, want an *Error of step %q wrapping EROFS", err, tt.step)
			}
			if got, _ := os.ReadFile(path); string(got) != "old" {
				t.Errorf("content %q after a failed write, want old", got)
			}
			assertNoTemp(t, path)
		})
	}
}

func TestWriteRenameOntoDirectory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dir")
	if err := os.Mkdir(path, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(path, "keep"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	err := (atomicfile.Writer{}).Write(path, []byte("x"), 0o644)
	var ae *atomicfile.Error
	if !errors.As(err, &ae) || ae.Step != atomicfile.StepRename {
		t.Fatalf("error %v, want a rename error", err)
	}
	assertNoTemp(t, path)
}

var errStop = errors.New("stop")

// assertNoTemp checks that no temporary file of path is left in its directory.
func assertNoTemp(t *testing.T, path string) {
	t.Helper()
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), atomicfile.TempPrefix(path)) {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
}
