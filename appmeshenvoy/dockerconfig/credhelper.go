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
)

// DefaultHelperTimeout bounds one call of a docker credential helper program.
const DefaultHelperTimeout = 30 * time.Second

// CredentialHelperError is the error of a docker credential helper program
// (docker-credential-<Helper>). For "store" it never includes the program's output,
// which could echo the secret it was given.
type CredentialHelperError struct {
	// Helper is the helper's name, such as "desktop" or "pass".
	Helper string
	// Action is "store" or "erase".
	Action string
	// Host is the registry host.
	Host string
	// Output is the program's trimmed output for "erase" (which is never given a
	// secret), and "" for "store".
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
// docker login does.
func helperStore(helper, host, user string, secret appmeshenvoy.Secret, timeout time.Duration) error {
	in, err := json.Marshal(struct {
		ServerURL string
		Username  string
		Secret    string
	}{host, user, secret.Reveal()})
	if err != nil {
		return err
	}
	_, err = runHelper(helper, "store", in, timeout)
	if err != nil {
		// Never surface the output: helpers have been known to echo their input.
		return &CredentialHelperError{Helper: helper, Action: "store", Host: host, Err: err}
	}
	return nil
}

// helperErase removes a credential through docker-credential-<helper> erase. A helper
// that has no credential for the host is not an error.
func helperErase(helper, host string, timeout time.Duration) error {
	out, err := runHelper(helper, "erase", []byte(host), timeout)
	if err != nil {
		msg := strings.TrimSpace(string(out))
		if strings.Contains(strings.ToLower(msg), "credentials not found") {
			return nil
		}
		if len(msg) > 200 {
			msg = msg[:200] + "..."
		}
		return &CredentialHelperError{Helper: helper, Action: "erase", Host: host, Output: msg, Err: err}
	}
	return nil
}

// runHelper runs docker-credential-<helper> <action> with stdin, bounded by timeout, and
// returns its combined output.
func runHelper(helper, action string, stdin []byte, timeout time.Duration) ([]byte, error) {
	if !validHelperName(helper) {
		return nil, fmt.Errorf("invalid credential helper name %q", helper)
	}
	if timeout <= 0 {
		timeout = DefaultHelperTimeout
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "docker-credential-"+helper, action)
	cmd.Stdin = bytes.NewReader(stdin)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	cmd.WaitDelay = time.Second
	err := cmd.Run()
	if err != nil && ctx.Err() != nil {
		err = fmt.Errorf("timed out after %s: %w", timeout, ctx.Err())
	}
	return out.Bytes(), err
}
