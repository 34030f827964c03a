package main

import (
	"bufio"
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestLocalEndpoint starts 'local-endpoint --port N --role NAME', reads the URL from the
// first line of stdout, runs commands against it, and stops it with an interrupt.
func TestLocalEndpoint(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	l.Close()
	cmd := exec.CommandContext(ctx, binary, "local-endpoint", "--port", port, "--role", "web-task")
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
	if len(lines) < 4 || lines[0] != "http://127.0.0.1:"+port {
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
	for _, role := range []string{"web-task", "ecsTaskExecutionRole"} {
		r = runWith(t, o, "--endpoint-url", url, "policy", "--region", "us-west-2", "--apply-to-role", role)
		r.wantCode(t, exitOK)
		if !strings.Contains(r.stderr, role) || !strings.HasPrefix(r.stdout, "{") {
			t.Errorf("policy --apply-to-role %s: stdout %q, stderr %q", role, r.stdout, r.stderr)
		}
	}

	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("local-endpoint after an interrupt: %v (stderr: %s)", err, stderr.String())
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
