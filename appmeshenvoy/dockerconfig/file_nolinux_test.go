//go:build darwin || dragonfly || freebsd || netbsd || openbsd

package dockerconfig

import "testing"

// makeNullDevice skips: device numbers are encoded differently outside Linux.
func makeNullDevice(t *testing.T, _, _ string) {
	t.Helper()
	t.Skip("device nodes are made only on Linux")
}
