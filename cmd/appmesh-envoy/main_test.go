package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/appmesh-envoy/appmesh-envoy-go/internal/testenv"
)

// binary is the appmesh-envoy command built once for all tests.
var binary string

// TestMain builds the command once and runs the tests in the module's test environment
// (see package testenv).
func TestMain(m *testing.M) {
	os.Exit(testenv.Run(m, func() (func(), error) {
		dir, err := testenv.Build(".")
		binary = filepath.Join(dir, "appmesh-envoy")
		if runtime.GOOS == "windows" {
			binary += ".exe"
		}
		return func() { os.RemoveAll(dir) }, err
	}))
}

// result is what one run of the binary produced.
type result struct {
	stdout, stderr string
	code           int
}

// runOpts adjust one run.
type runOpts struct {
	env   []string // extra KEY=VALUE entries, appended last (they win)
	stdin string
	home  string
}

// testEnv is the whole environment of a run: nothing from the developer's machine but
// PATH, static fake credentials, no shared config files, no instance metadata, and a
// fresh HOME.
func testEnv(t *testing.T, o runOpts) []string {
	t.Helper()
	home := o.home
	if home == "" {
		home = t.TempDir()
	}
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + home,
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_ACCESS_KEY_ID=AKIDCLITEST",
		"AWS_SECRET_ACCESS_KEY=cli-test-secret",
		"AWS_CONFIG_FILE=" + filepath.Join(home, "no-aws-config"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "no-aws-credentials"),
		"AWS_REGION=us-west-2",
	}
	if runtime.GOOS == "windows" {
		env = append(env, "USERPROFILE="+home, "SystemRoot="+os.Getenv("SystemRoot"))
	}
	return append(env, o.env...)
}

// runWith runs the binary with args and returns its output and exit code.
func runWith(t *testing.T, o runOpts, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = testEnv(t, o)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.Stdin = strings.NewReader(o.stdin)
	err := cmd.Run()
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("run %v: %v", args, err)
		}
		code = ee.ExitCode()
	}
	return result{stdout: stdout.String(), stderr: stderr.String(), code: code}
}

// runCLI is run with default options.
func runCLI(t *testing.T, args ...string) result {
	t.Helper()
	return runWith(t, runOpts{}, args...)
}

// wantCode fails the test when r's exit code is not code.
func (r result) wantCode(t *testing.T, code int, args ...string) {
	t.Helper()
	if r.code != code {
		t.Fatalf("appmesh-envoy %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.code, code, r.stdout, r.stderr)
	}
}

// wantOneLineError checks the stderr of a failed run: one line, prefixed with the
// program name.
func (r result) wantOneLineError(t *testing.T, contains string) {
	t.Helper()
	lines := strings.Split(strings.TrimRight(r.stderr, "\n"), "\n")
	if len(lines) != 1 || !strings.HasPrefix(lines[0], progName+": ") {
		t.Errorf("stderr is not one %q line:\n%s", progName+": ...", r.stderr)
	}
	if !strings.Contains(r.stderr, contains) {
		t.Errorf("stderr %q does not contain %q", r.stderr, contains)
	}
}
