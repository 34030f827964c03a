//go:build linux || darwin

package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestImageAgainstAnEndpointStreamingGigabytes: an endpoint (a broken proxy, a hostile
// server) that answers GetParameter with an endless body. The command ends quickly with
// exit 1 and code response-too-large, and its memory stays small: it reads at most the
// bounded answer, not the stream. (Before answers were bounded, one 'image --region'
// grew to gigabytes and ran past its time limit.)
func TestImageAgainstAnEndpointStreamingGigabytes(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		_, _ = io.WriteString(w, `{"Parameter":{"Name":"/aws/service/appmesh/envoy","Value":"`)
		chunk := strings.Repeat("A", 64<<10)
		for sent := 0; sent < 5<<30; sent += len(chunk) {
			if _, err := io.WriteString(w, chunk); err != nil {
				return
			}
		}
	}))
	defer srv.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, "--endpoint-url", srv.URL, "image", "--region", "us-west-2", "-o", "json")
	cmd.Env = testEnv(t, runOpts{})
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	elapsed := time.Since(start)
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != 1 {
		t.Fatalf("exit: %v\nstderr: %s", err, stderr.String())
	}
	if !strings.Contains(stdout.String(), `"code": "response-too-large"`) {
		t.Errorf("stdout lacks the code:\n%s", stdout.String())
	}
	if elapsed > 15*time.Second {
		t.Errorf("took %v, more than the command's 15 s limit", elapsed)
	}
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		t.Skip("no rusage on this system")
	}
	maxRSS := ru.Maxrss // KiB on Linux, bytes on macOS
	if runtime.GOOS == "darwin" {
		maxRSS >>= 10
	}
	t.Logf("peak RSS %d MiB, %v", maxRSS>>10, elapsed)
	if maxRSS > 200<<10 {
		t.Errorf("peak RSS %d MiB: the answer was read far past its bound", maxRSS>>10)
	}
}
