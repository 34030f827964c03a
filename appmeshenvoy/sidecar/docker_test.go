package sidecar_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/sidecar"
)

func TestDockerRunFlags(t *testing.T) {
	golden(t, "docker-run-flags.txt", []byte(sidecar.DockerRunFlags(trickyEnv)+"\n"))
	if got := sidecar.DockerRunFlags(nil); got != "" {
		t.Errorf("DockerRunFlags(nil) = %q", got)
	}
}

// TestDockerRunFlagsShell checks the quoting with a real POSIX shell: the shell must split
// the flags into exactly the arguments of DockerRunArgs.
func TestDockerRunFlagsShell(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("sh not found")
		}
		t.Skip("sh not found")
	}
	out, err := exec.Command(sh, "-c", `printf '%s\0' `+sidecar.DockerRunFlags(trickyEnv)).Output()
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
	if d := cmp.Diff(sidecar.DockerRunArgs(trickyEnv), got); d != "" {
		t.Errorf("shell split (-want +got)\n%s", d)
	}
}

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{
		"":          "''",
		"plain":     "plain",
		"a=b:c/d.e": "a=b:c/d.e",
		"a b":       "'a b'",
		"it's":      `'it'\''s'`,
		"$HOME":     "'$HOME'",
	} {
		if got := sidecar.ShellQuote(in); got != want {
			t.Errorf("ShellQuote(%q) = %s, want %s", in, got, want)
		}
	}
}
