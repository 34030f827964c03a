package rewrite_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/rewrite"
)

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "web.yaml")
	if err := os.WriteFile(path, []byte("old\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.yaml")
	if err := os.Symlink("web.yaml", link); err != nil {
		t.Fatal(err)
	}
	if err := rewrite.WriteFile(link, []byte("new\n"), ".bak"); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(path)
	bak, _ := os.ReadFile(path + ".bak")
	if string(got) != "new\n" || string(bak) != "old\n" {
		t.Errorf("file %q, backup %q", got, bak)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced: %v", err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o640 {
		t.Errorf("mode = %v, want 0640", fi.Mode().Perm())
	}
	// A second write replaces the backup with the previous content.
	if err := rewrite.WriteFile(path, []byte("newer\n"), ".bak"); err != nil {
		t.Fatal(err)
	}
	if bak, _ := os.ReadFile(path + ".bak"); string(bak) != "new\n" {
		t.Errorf("backup = %q", bak)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 3 {
		t.Errorf("%d entries in the directory (a temporary file left?)", len(entries))
	}
	for _, bad := range []string{filepath.Join(dir, "missing.yaml"), dir} {
		if err := rewrite.WriteFile(bad, []byte("x"), ""); appmeshenvoy.CodeOf(err) != appmeshenvoy.CodeFileError {
			t.Errorf("WriteFile(%s) = %v", bad, err)
		}
	}
}
