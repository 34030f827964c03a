package dockerconfig

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
)

// A real crash between writing the temporary file and renaming it: the writer process
// is killed (SIGKILL, no deferred cleanup runs) while it sits in the beforeRename hook.
// dockerconfig_test.go covers an error returned at that point; this covers the process
// dying there, which also leaves the lock to the kernel to release.

const (
	crashChildEnv  = "APPMESH_H_CRASH_CHILD"
	crashPathEnv   = "APPMESH_H_CRASH_PATH"
	crashMarkerEnv = "APPMESH_H_CRASH_MARKER"
)

// TestCrashWriterChild is the child of TestCrashBetweenWriteAndRename: it writes a
// token and stops before the rename until it is killed (at most 30 s).
func TestCrashWriterChild(t *testing.T) {
	if os.Getenv(crashChildEnv) == "" {
		t.Skip("child process of TestCrashBetweenWriteAndRename")
	}
	stall := func(o *Options) {
		o.beforeRename = func() error {
			if err := os.WriteFile(os.Getenv(crashMarkerEnv), []byte("in beforeRename"), 0o600); err != nil {
				return err
			}
			time.Sleep(30 * time.Second) // the parent kills us long before
			os.Exit(3)
			return nil
		}
	}
	_, err := Write(t.Context(), os.Getenv(crashPathEnv), []appmeshenvoy.Token{{
		Registry: "840364872350.dkr.ecr.us-west-2.amazonaws.com", Username: "AWS",
		Password: appmeshenvoy.NewSecret("pw-crashed-writer"), ExpiresAt: time.Now().Add(time.Hour),
	}}, stall)
	t.Fatalf("Write returned (%v) instead of being killed", err)
}

func TestCrashBetweenWriteAndRename(t *testing.T) {
	if testing.Short() {
		t.Skip("re-executes the test binary")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "config.json")
	marker := filepath.Join(t.TempDir(), "marker")
	old := []byte(`{"auths": {"ghcr.io": {"auth": "eDp5"}}, "credsStore": ""}`)
	if err := os.WriteFile(path, old, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashWriterChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashChildEnv+"=1", crashPathEnv+"="+path, crashMarkerEnv+"="+marker)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	for deadline := time.Now().Add(30 * time.Second); ; {
		if _, err := os.Stat(marker); err == nil {
			break
		}
		select {
		case err := <-waited:
			t.Fatalf("the child ended before the rename (%v):\n%s", err, out.String())
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			<-waited
			t.Fatalf("the child did not reach the rename within 30s:\n%s", out.String())
		}
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-waited

	if got, _ := os.ReadFile(path); !bytes.Equal(got, old) {
		t.Fatal("the config file changed although the writer died before the rename")
	}
	entries, _ := os.ReadDir(dir)
	var temps []string
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			temps = append(temps, e.Name())
		}
	}
	// The killed writer could not clean up: its temporary file stays (mode 0600, hidden)
	// until the next writer takes the lock.
	if len(temps) != 1 {
		t.Errorf("temporary files after the crash: %v, want the one the killed writer left", temps)
	}
	for _, name := range temps {
		if fi, err := os.Stat(filepath.Join(dir, name)); err == nil && fi.Mode().Perm()&0o077 != 0 {
			t.Errorf("the leftover %s is readable by others (%v)", name, fi.Mode().Perm())
		}
	}

	// The lock died with the process: the next writer goes ahead at once and keeps the
	// old entry.
	start := time.Now()
	if _, err := Write(t.Context(), path, []appmeshenvoy.Token{{
		Registry: "840364872350.dkr.ecr.eu-west-1.amazonaws.com", Username: "AWS",
		Password: appmeshenvoy.NewSecret("pw-next-writer"), ExpiresAt: time.Now().Add(time.Hour),
	}}, func(o *Options) { o.LockTimeout = 5 * time.Second }); err != nil {
		t.Fatalf("the next write after the crash: %v", err)
	}
	t.Logf("next write took %v", time.Since(start))
	// The next writer, holding the lock, removed the killed writer's temporary file.
	entries, _ = os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary file %s left after the next successful write", e.Name())
		}
	}
	var doc struct {
		Auths map[string]json.RawMessage `json:"auths"`
	}
	data, _ := os.ReadFile(path)
	if err := json.Unmarshal(data, &doc); err != nil || doc.Auths["ghcr.io"] == nil || doc.Auths["840364872350.dkr.ecr.eu-west-1.amazonaws.com"] == nil {
		t.Errorf("after the crash and a new write, auths = %s (%v)", data, err)
	}
	if doc.Auths["840364872350.dkr.ecr.us-west-2.amazonaws.com"] != nil {
		t.Error("the crashed writer's entry appeared")
	}
}
