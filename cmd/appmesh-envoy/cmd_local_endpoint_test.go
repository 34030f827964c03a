package main

import (
	"bufio"
	"bytes"
	"context"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestLocalEndpoint starts 'local-endpoint', reads the URL from the first line of
// stdout, runs a command against it, and stops it with SIGTERM.
func TestLocalEndpoint(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, "local-endpoint")
	cmd.Env = testEnv(t, runOpts{})
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	var lines []string
	for len(lines) < 4 && sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if len(lines) < 4 || !strings.HasPrefix(lines[0], "http://127.0.0.1:") {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatalf("stdout lines = %q, want the URL first, then the credentials", lines)
	}
	url := lines[0]
	env := map[string]string{}
	for _, l := range lines[1:] {
		k, v, _ := strings.Cut(strings.TrimPrefix(l, "export "), "=")
		env[k] = v
	}
	o := runOpts{env: []string{"AWS_ACCESS_KEY_ID=" + env["AWS_ACCESS_KEY_ID"], "AWS_SECRET_ACCESS_KEY=" + env["AWS_SECRET_ACCESS_KEY"]}}
	r := runWith(t, o, "--endpoint-url", url, "image", "--region", "eu-central-2", "--pin", "-o", "uri")
	r.wantCode(t, exitOK)
	if !strings.HasPrefix(r.stdout, "704106688930.dkr.ecr.eu-central-2.amazonaws.com/aws-appmesh-envoy:") {
		t.Errorf("image from the local endpoint = %q", r.stdout)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("local-endpoint after SIGTERM: %v (stderr: %s)", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "serving at "+url) {
		t.Errorf("stderr = %q", stderr.String())
	}
}

func TestLocalEndpointBadPort(t *testing.T) {
	r := runCLI(t, "local-endpoint", "--port", "70000")
	r.wantCode(t, exitUsage)
	r.wantOneLineError(t, "not a TCP port")
}
