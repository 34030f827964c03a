package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"
)

// moduleRoot is the directory of go.mod, two levels above this package.
func moduleRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("no go.mod at %s: %v", root, err)
	}
	return root
}

// copyModuleSources copies what building the command needs (go.mod, go.sum and the
// non-test Go files, outside testdata, node_modules and dot directories) into dst.
func copyModuleSources(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		name := d.Name()
		if d.IsDir() {
			if rel != "." && (strings.HasPrefix(name, ".") || name == "testdata" || name == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if name != "go.mod" && name != "go.sum" && (!strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go")) {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// inDir runs a program in dir with a fixed environment (git without the user's or the
// system's configuration) and returns its stdout.
func inDir(t *testing.T, dir string, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL="+os.DevNull,
		"GIT_AUTHOR_NAME=test", "GIT_AUTHOR_EMAIL=test@example.com", "GIT_COMMITTER_NAME=test", "GIT_COMMITTER_EMAIL=test@example.com")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String()
}

// versionOf runs 'bin version -o json' and '--version', checks that both agree and
// that the text form says the same, and returns the JSON.
func versionOf(t *testing.T, bin string) versionJSON {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	outputs := map[string]string{}
	for _, args := range [][]string{{"version", "-o", "json"}, {"--version", "-ojson"}, {"version"}, {"--version"}} {
		out, err := exec.CommandContext(ctx, bin, args...).Output()
		if err != nil {
			t.Fatalf("%s %v: %v", bin, args, err)
		}
		outputs[strings.Join(args, " ")] = string(out)
	}
	if outputs["version -o json"] != outputs["--version -ojson"] || outputs["version"] != outputs["--version"] {
		t.Errorf("version and --version differ: %q", outputs)
	}
	var v versionJSON
	dec := json.NewDecoder(strings.NewReader(outputs["version -o json"]))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("version -o json: %v\n%s", err, outputs["version -o json"])
	}
	text := outputs["version"]
	for _, want := range []string{"appmesh-envoy " + v.Version + "\n", v.Commit, v.GoVersion} {
		if !strings.Contains(text, want) {
			t.Errorf("version text does not contain %q:\n%s", want, text)
		}
	}
	if (v.Modified != nil && *v.Modified) != strings.Contains(text, "modified") {
		t.Errorf("version text and JSON disagree on modified:\n%s", text)
	}
	if v.GoVersion != runtime.Version() || v.Module != "github.com/appmesh-envoy/appmesh-envoy-go" || v.Platform != runtime.GOOS+"/"+runtime.GOARCH {
		t.Errorf("version = %+v", v)
	}
	return v
}

// pseudoVersion is the form of a version the Go toolchain stamps from a commit without a
// release tag (https://go.dev/ref/mod#pseudo-versions), with +dirty when the tree had
// uncommitted changes.
var pseudoVersion = regexp.MustCompile(`^v0\.0\.0-(\d{14})-([0-9a-f]{12})(\+dirty)?$`)

// TestVersionStamps builds the command three ways from a temporary git repository that
// holds a copy of the module: without version control stamping (as .ci/run builds, with
// -buildvcs=false), with it from a clean commit, and with it from a modified tree.
func TestVersionStamps(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("git is required when CI is set")
		}
		t.Skip("git is not installed")
	}
	if testing.Short() {
		t.Skip("builds the command three times")
	}
	repo := t.TempDir()
	copyModuleSources(t, moduleRoot(t), repo)
	inDir(t, repo, "git", "init", "-q")
	inDir(t, repo, "git", "add", "-A")
	inDir(t, repo, "git", "commit", "-q", "-m", "version test")
	head := strings.TrimSpace(inDir(t, repo, "git", "rev-parse", "HEAD"))
	bin := filepath.Join(t.TempDir(), "appmesh-envoy")
	build := func(vcs string) versionJSON {
		// The flag on the command line wins over GOFLAGS (.ci/run sets -buildvcs=false).
		inDir(t, repo, "go", "build", "-buildvcs="+vcs, "-o", bin, "./cmd/appmesh-envoy")
		return versionOf(t, bin)
	}

	t.Run("without stamping", func(t *testing.T) {
		v := build("false")
		if v.Version != develVersion || v.Commit != "" || v.CommitTime != "" || v.Modified != nil {
			t.Errorf("version without VCS stamping = %+v, want (devel) and no commit", v)
		}
	})
	t.Run("clean commit", func(t *testing.T) {
		v := build("true")
		m := pseudoVersion.FindStringSubmatch(v.Version)
		if m == nil || m[3] != "" || !strings.HasPrefix(head, m[2]) {
			t.Errorf("version %q, want a pseudo-version of commit %s without +dirty", v.Version, head)
		}
		if v.Commit != head || v.Modified == nil || *v.Modified {
			t.Errorf("commit %q modified %v, want %s and false", v.Commit, v.Modified, head)
		}
		if _, err := time.Parse(time.RFC3339, v.CommitTime); err != nil {
			t.Errorf("commitTime %q: %v", v.CommitTime, err)
		}
	})
	t.Run("modified tree", func(t *testing.T) {
		if err := os.WriteFile(filepath.Join(repo, "NOTES"), []byte("uncommitted\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		v := build("true")
		if m := pseudoVersion.FindStringSubmatch(v.Version); m == nil || m[3] != "+dirty" {
			t.Errorf("version %q, want a pseudo-version with +dirty", v.Version)
		}
		if v.Commit != head || v.Modified == nil || !*v.Modified {
			t.Errorf("commit %q modified %v, want %s and true", v.Commit, v.Modified, head)
		}
	})
}

// TestVersionOfTestBinary: the binary the other tests run says what its build recorded,
// and takes no arguments.
func TestVersionOfTestBinary(t *testing.T) {
	v := versionOf(t, binary)
	if v.Version == "" {
		t.Errorf("empty version")
	}
	r := runCLI(t, "version", "extra")
	r.wantCode(t, exitUsage)
	r.wantOneLineError(t, `version takes no arguments, got "extra"`)
	r = runCLI(t, "--version", "-o", "table")
	r.wantCode(t, exitUsage)
	r.wantOneLineError(t, `output format "table" is not one of text, json`)
}
