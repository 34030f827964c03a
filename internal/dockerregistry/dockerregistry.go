// Package dockerregistry runs a real container registry for tests: the Debian package
// docker-registry (github.com/distribution/distribution 2.8) on a free 127.0.0.1 port,
// optionally with htpasswd Basic auth, its access log captured so that a test can count
// the requests it served. Tests that need a tool that is missing skip, and fail when
// the environment variable CI is set.
package dockerregistry

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// Tool returns the path of the first of names found, or skips the test (fails it when
// CI is set).
func Tool(t testing.TB, names ...string) string {
	t.Helper()
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is not installed (required under CI)", names[0])
	}
	t.Skipf("%s is not installed", names[0])
	return ""
}

// Registry is a running docker-registry process, stopped when the test ends.
type Registry struct {
	// Addr is its host:port on 127.0.0.1.
	Addr string
	logs *lockedBuffer
}

// Start runs docker-registry with its storage in a temporary directory. With a
// password, it takes Basic auth for user "AWS" with that password (checked through an
// htpasswd file written with the htpasswd tool, the password on stdin). It returns once
// the registry answers.
func Start(t testing.TB, password string) *Registry {
	t.Helper()
	bin := Tool(t, "/usr/bin/docker-registry", "docker-registry", "registry")
	dir := t.TempDir()
	auth := ""
	if password != "" {
		htpasswd := Tool(t, "htpasswd")
		hp := exec.Command(htpasswd, "-niB", "AWS")
		hp.Stdin = strings.NewReader(password + "\n")
		line, err := hp.Output()
		if err != nil {
			t.Fatalf("htpasswd: %v", err)
		}
		file := filepath.Join(dir, "htpasswd")
		if err := os.WriteFile(file, bytes.TrimSpace(line), 0o600); err != nil {
			t.Fatal(err)
		}
		auth = "auth:\n  htpasswd:\n    realm: appmesh-envoy-test\n    path: " + file + "\n"
	}
	for attempt := 1; attempt <= 3; attempt++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		config := filepath.Join(dir, "config.yml")
		yml := fmt.Sprintf("version: 0.1\nlog:\n  level: warn\n  accesslog:\n    disabled: false\nstorage:\n  filesystem:\n    rootdirectory: %s\n  delete:\n    enabled: true\n"+
			"http:\n  addr: %s\n  secret: appmesh-envoy-test\n%s", filepath.Join(dir, "storage"), addr, auth)
		if err := os.WriteFile(config, []byte(yml), 0o600); err != nil {
			t.Fatal(err)
		}
		logs := &lockedBuffer{}
		cmd := exec.Command(bin, "serve", config)
		cmd.Stdout, cmd.Stderr = logs, logs
		if err := cmd.Start(); err != nil {
			t.Fatalf("start %s: %v", bin, err)
		}
		exited := make(chan struct{})
		go func() { _ = cmd.Wait(); close(exited) }()
		stop := func() {
			_ = cmd.Process.Kill()
			<-exited
		}
		if waitUp(addr, exited) {
			t.Cleanup(func() {
				stop()
				// The process is gone and reaped: its port can be listened on again.
				if l, err := net.Listen("tcp", addr); err != nil {
					t.Errorf("the registry's port %s is still busy after the test: %v", addr, err)
				} else {
					l.Close()
				}
			})
			return &Registry{Addr: addr, logs: logs}
		}
		stop()
		t.Logf("docker-registry on %s did not come up (attempt %d): %s", addr, attempt, logs.String())
	}
	t.Fatal("docker-registry did not start")
	return nil
}

// waitUp polls /v2/ for at most 15 seconds until the registry answers.
func waitUp(addr string, exited <-chan struct{}) bool {
	client := &http.Client{Timeout: time.Second}
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		select {
		case <-exited:
			return false
		default:
		}
		if resp, err := client.Get("http://" + addr + "/v2/"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusUnauthorized {
				return true
			}
		}
	}
	return false
}

// accessLine matches the request of an access-log line (combined log format).
var accessLine = regexp.MustCompile(`"([A-Z]+) (/[^ "]*) HTTP/[0-9.]+" ([0-9]{3}) `)

// Requests returns the requests of the access log, "METHOD path?query STATUS", in
// order.
func (r *Registry) Requests() []string {
	var out []string
	for _, m := range accessLine.FindAllStringSubmatch(r.logs.String(), -1) {
		out = append(out, m[1]+" "+m[2]+" "+m[3])
	}
	return out
}

// Count returns the number of access-log requests with method whose path contains
// part.
func (r *Registry) Count(method, part string) int {
	n := 0
	for _, req := range r.Requests() {
		if strings.HasPrefix(req, method+" ") && strings.Contains(req, part) {
			n++
		}
	}
	return n
}

// lockedBuffer is a bytes.Buffer safe for the process's output goroutines and the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
