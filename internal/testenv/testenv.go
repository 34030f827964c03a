// Package testenv is the environment every test binary of the module runs in: static fake
// credentials and a region, instance metadata disabled (the SDK would otherwise probe
// 169.254.169.254 when it finds no credentials), and shared config files that do not
// exist, so no profile of the machine leaks in. It also fails a test binary that leaves a
// goroutine running.
//
// Use it from TestMain:
//
//	func TestMain(m *testing.M) { testenv.Main(m) }
package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"go.uber.org/goleak"
)

// Credentials the environment sets. They are fake: only a local endpoint of package
// appmeshenvoytest that was told about them accepts them.
const (
	AccessKeyID     = "AKIDTESTENV"
	SecretAccessKey = "testenv-secret-access-key"
	Region          = "us-west-2"
)

// Setenv sets the test environment of this process and returns a function that removes
// the temporary directory it made. Call it before any test runs.
func Setenv() (cleanup func(), err error) {
	dir, err := os.MkdirTemp("", "appmesh-envoy-testenv")
	if err != nil {
		return nil, err
	}
	for k, v := range map[string]string{
		"AWS_EC2_METADATA_DISABLED":   "true",
		"AWS_ACCESS_KEY_ID":           AccessKeyID,
		"AWS_SECRET_ACCESS_KEY":       SecretAccessKey,
		"AWS_REGION":                  Region,
		"AWS_CONFIG_FILE":             filepath.Join(dir, "no-aws-config"),
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "no-aws-credentials"),
	} {
		os.Setenv(k, v)
	}
	for _, k := range []string{"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_DEFAULT_REGION",
		"AWS_ENDPOINT_URL", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"} {
		os.Unsetenv(k)
	}
	return func() { os.RemoveAll(dir) }, nil
}

// Build builds the Go packages (such as "./cmd/appmesh-envoy") into a new temporary
// directory and returns it, for tests that run the programs; remove it when done.
func Build(pkgs ...string) (dir string, err error) {
	dir, err = os.MkdirTemp("", "appmesh-envoy-bin")
	if err != nil {
		return "", err
	}
	args := append([]string{"build", "-o", dir + string(filepath.Separator)}, pkgs...)
	cmd := exec.Command("go", args...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		os.RemoveAll(dir)
		return "", fmt.Errorf("go build %v: %w", pkgs, err)
	}
	return dir, nil
}

// Main sets the environment, runs the tests, and fails the binary when a goroutine
// outlives them. It does not return.
func Main(m *testing.M) {
	os.Exit(Run(m, nil))
}

// Run is [Main] for a TestMain that must do more around the tests: before (if not nil)
// runs after the environment is set and before the tests; a non-nil error from it fails
// the binary. Run returns the exit code.
func Run(m *testing.M, before func() (after func(), err error)) int {
	cleanup, err := Setenv()
	if err != nil {
		fmt.Fprintln(os.Stderr, "testenv:", err)
		return 1
	}
	defer cleanup()
	if before != nil {
		after, err := before()
		if err != nil {
			fmt.Fprintln(os.Stderr, "testenv:", err)
			return 1
		}
		if after != nil {
			defer after()
		}
	}
	code := m.Run()
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	return code
}

// AWSCLI returns the AWS CLI the fidelity tests use: Debian's /usr/bin/aws (the one
// .ci/run installs), else aws on PATH. It skips the test when there is none, and fails
// it when the environment variable CI is set.
func AWSCLI(t testing.TB) string {
	t.Helper()
	if _, err := os.Stat("/usr/bin/aws"); err == nil {
		return "/usr/bin/aws"
	}
	if p, err := exec.LookPath("aws"); err == nil {
		return p
	}
	if os.Getenv("CI") != "" {
		t.Fatal("the AWS CLI is required when CI is set: install the awscli package")
	}
	t.Skip("the AWS CLI is not installed")
	return ""
}
