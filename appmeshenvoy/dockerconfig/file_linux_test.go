package dockerconfig

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// makeNullDevice makes a character device node with the numbers of /dev/null (1, 3) at
// dir/name. It needs root (CAP_MKNOD): it skips the test otherwise, and fails it when
// root cannot make one under CI (which runs as root).
func makeNullDevice(t *testing.T, dir, name string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("mknod needs root")
	}
	if err := syscall.Mknod(filepath.Join(dir, name), syscall.S_IFCHR|0o666, 1<<8|3); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("mknod as root: %v", err)
		}
		t.Skipf("mknod as root: %v", err)
	}
}
