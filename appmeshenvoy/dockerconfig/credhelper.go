package dockerconfig

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/errcode"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/quote"
)

// CredentialHelperError is the error of a docker credential helper program
// (docker-credential-<Helper>). For "store" it never includes the program's output,
// which could echo the secret it was given. Its code is "credential-helper".
type CredentialHelperError struct {
	// Helper is the helper's name, such as "desktop" or "pass".
	Helper string
	// Action is "store" or "erase".
	Action string
	// Host is the registry host.
	Host string
	// Output is the start of the program's output for "erase" (which is never given a
	// secret), made safe for a terminal, and "" for "store".
	Output string
	// Err is the cause, such as *exec.ExitError, exec.ErrNotFound or a timeout.
	Err error
}

// Error implements error. It never contains the token or password.
func (e *CredentialHelperError) Error() string {
	msg := fmt.Sprintf("docker-credential-%s %s for %s: %v", e.Helper, e.Action, e.Host, e.Err)
	if e.Output != "" {
		msg += ": " + e.Output
	}
	if e.Action == "store" {
		msg += " (the helper's output is withheld because it may contain the secret)"
	}
	if errors.Is(e.Err, exec.ErrNotFound) {
		msg += "; install the helper, remove it from the docker config, or skip credential helpers"
	}
	return msg
}

// Unwrap returns the cause.
func (e *CredentialHelperError) Unwrap() error { return e.Err }

// ErrorCode returns the code "credential-helper".
func (e *CredentialHelperError) ErrorCode() errcode.Code { return errcode.CredentialHelper }

// validHelperName reports whether name is safe to append to "docker-credential-": no
// path separators or other surprises from a hand-edited config.
func validHelperName(name string) bool {
	if name == "" || len(name) > 100 {
		return false
	}
	for _, c := range name {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.'
		if !ok {
			return false
		}
	}
	return name != "." && name != ".."
}

// helperStore stores a credential through docker-credential-<helper> store, the way
// docker login does: the JSON {"ServerURL", "Username", "Secret"} on stdin
// (https://github.com/docker/docker-credential-helpers, client/client.go).
func helperStore(ctx context.Context, helper, host, user string, secret appmeshenvoy.Secret, timeout time.Duration) error {
	in, err := json.Marshal(struct {
		ServerURL string
		Username  string
		Secret    string
	}{host, user, secret.Reveal()})
	if err != nil {
		return err
	}
	if _, err = runHelper(ctx, helper, "store", in, timeout); err != nil {
		if ctx.Err() != nil { // the caller gave up: not the helper's failure
			return fmt.Errorf("docker-credential-%s store for %s: %w", helper, host, ctx.Err())
		}
		// Never surface the output: helpers have been known to echo their input.
		return &CredentialHelperError{Helper: helper, Action: "store", Host: host, Err: err}
	}
	return nil
}

// helperErase removes a credential through docker-credential-<helper> erase, which reads
// the server URL on stdin. A helper that has no credential for the host is not an error.
func helperErase(ctx context.Context, helper, host string, timeout time.Duration) error {
	out, err := runHelper(ctx, helper, "erase", []byte(host), timeout)
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("docker-credential-%s erase for %s: %w", helper, host, ctx.Err())
		}
		msg := string(out)
		if strings.Contains(strings.ToLower(msg), "credentials not found") {
			return nil
		}
		return &CredentialHelperError{Helper: helper, Action: "erase", Host: host, Output: quote.Text(msg, 200), Err: err}
	}
	return nil
}

// maxHelperOutput bounds what is kept of a helper's output.
const maxHelperOutput = 4 << 10

// capped keeps the first maxHelperOutput bytes written to it and discards the rest.
type capped struct{ bytes.Buffer }

func (c *capped) Write(p []byte) (int, error) {
	if room := maxHelperOutput - c.Len(); room > 0 {
		c.Buffer.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

// runHelper runs docker-credential-<helper> <action> with stdin, bounded by ctx and
// timeout, and returns the start of its combined output. When the time is up the helper
// is killed, on Unix with its whole process group (see killGroupOnCancel); pipes that
// programs it started keep open are closed a second later.
func runHelper(ctx context.Context, helper, action string, stdin []byte, timeout time.Duration) ([]byte, error) {
	if !validHelperName(helper) {
		return nil, fmt.Errorf("%w: credential helper name %s is not a plain program name", ErrInvalid, quote.Input(helper))
	}
	runCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(runCtx, "docker-credential-"+helper, action)
	cmd.Stdin = bytes.NewReader(stdin)
	var out capped
	cmd.Stdout = &out
	cmd.Stderr = &out
	cmd.WaitDelay = time.Second
	killGroupOnCancel(cmd)
	err := cmd.Run()
	switch {
	case err != nil && runCtx.Err() != nil:
		err = fmt.Errorf("timed out after %s: %w", timeout, runCtx.Err())
	case errors.Is(err, exec.ErrWaitDelay):
		// The helper exited successfully, but a program it started still holds its
		// output open: its answer is complete.
		err = nil
	}
	return out.Bytes(), err
}
