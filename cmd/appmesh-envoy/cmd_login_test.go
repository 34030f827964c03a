package main

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// secretForms are the strings that must never be printed: the registry password, its
// base64 forms (the docker "auth" value and the ECR token) and the secret access key.
func (ts *testServer) secretForms() map[string]string {
	pw := ts.Password()
	return map[string]string{
		"the registry password":                 pw,
		"the base64 of the password":            base64.StdEncoding.EncodeToString([]byte(pw)),
		"the docker auth value (base64 AWS:pw)": base64.StdEncoding.EncodeToString([]byte("AWS:" + pw)),
		"the unpadded docker auth value":        base64.RawStdEncoding.EncodeToString([]byte("AWS:" + pw)),
		"the secret access key":                 ts.secret,
		"the secret access key's base64":        base64.StdEncoding.EncodeToString([]byte(ts.secret)),
	}
}

// assertNoSecrets fails when out contains any secret form (without printing it).
func (ts *testServer) assertNoSecrets(t *testing.T, where, out string) {
	t.Helper()
	for what, s := range ts.secretForms() {
		if strings.Contains(out, s) {
			t.Errorf("%s contains %s", where, what)
		}
	}
}

func TestLoginWritesDockerConfig(t *testing.T) {
	ts := newTestServer(t)
	home := t.TempDir()
	o := ts.opts()
	o.home = home
	r := ts.run(t, o, "login", "--region", "us-west-2", "-o", "json")
	r.wantCode(t, exitOK)
	ts.assertNoSecrets(t, "stdout", r.stdout)
	ts.assertNoSecrets(t, "stderr", r.stderr)
	var rows []loginJSON
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil || len(rows) != 1 {
		t.Fatalf("stdout is not one login row: %v\n%s", err, r.stdout)
	}
	path := filepath.Join(home, ".docker", "config.json")
	host := "840364872350.dkr.ecr.us-west-2.amazonaws.com"
	if rows[0].Registry != host || rows[0].DockerConfig != path || rows[0].Username != "AWS" {
		t.Errorf("row = %+v", rows[0])
	}
	exp, err := time.Parse(time.RFC3339, rows[0].ExpiresAt)
	if err != nil || time.Until(exp) < 11*time.Hour {
		t.Errorf("expiresAt = %q (%v), want about 12 hours ahead", rows[0].ExpiresAt, err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Auths map[string]struct{ Auth string } `json:"auths"`
	}
	if err := json.Unmarshal(data, &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.Auths[host].Auth != base64.StdEncoding.EncodeToString([]byte("AWS:"+ts.Password())) {
		t.Errorf("config.json auths[%s] does not hold the issued credential", host)
	}

	// logout removes it again and keeps the file.
	r = ts.run(t, o, "logout", "--region", "us-west-2")
	r.wantCode(t, exitOK)
	data, _ = os.ReadFile(path)
	if strings.Contains(string(data), host) {
		t.Errorf("config.json still names %s after logout", host)
	}
}

func TestLoginDockerConfigFlagAndEnv(t *testing.T) {
	ts := newTestServer(t)
	dir := t.TempDir()
	explicit := filepath.Join(dir, "explicit", "config.json")
	r := ts.run(t, ts.opts(), "login", "--registry", "https://111122223333.dkr.ecr.eu-west-1.amazonaws.com/some/path", "--docker-config", explicit)
	r.wantCode(t, exitOK)
	if data, err := os.ReadFile(explicit); err != nil || !strings.Contains(string(data), "111122223333.dkr.ecr.eu-west-1.amazonaws.com") {
		t.Errorf("--docker-config file: %v\n%s", err, data)
	}
	if !strings.Contains(r.stdout, "111122223333.dkr.ecr.eu-west-1.amazonaws.com") {
		t.Errorf("stdout does not name the registry:\n%s", r.stdout)
	}
	envDir := filepath.Join(dir, "dockerenv")
	r = ts.run(t, ts.opts("DOCKER_CONFIG="+envDir), "login", "--region", "eu-south-2")
	r.wantCode(t, exitOK)
	if data, err := os.ReadFile(filepath.Join(envDir, "config.json")); err != nil || !strings.Contains(string(data), "992897592190.dkr.ecr.eu-south-2.amazonaws.com") {
		t.Errorf("$DOCKER_CONFIG/config.json: %v", err)
	}
}

func TestLoginPasswordStdout(t *testing.T) {
	ts := newTestServer(t)
	home := t.TempDir()
	o := ts.opts()
	o.home = home
	r := ts.run(t, o, "login", "--region", "us-west-2", "--password-stdout")
	r.wantCode(t, exitOK)
	if r.stdout != ts.Password()+"\n" {
		t.Errorf("stdout is not exactly the password and a newline (%d bytes)", len(r.stdout))
	}
	ts.assertNoSecrets(t, "stderr", r.stderr)
	if _, err := os.Stat(filepath.Join(home, ".docker")); !os.IsNotExist(err) {
		t.Errorf("--password-stdout wrote a docker config (stat: %v)", err)
	}
	r = ts.run(t, o, "login", "--region", "us-west-2", "--region", "us-east-1", "--password-stdout")
	r.wantCode(t, exitUsage)
	r.wantOneLineError(t, "exactly one registry")
}

// TestNothingPrintsSecrets runs every command that touches AWS, with and without
// --debug, and greps stdout and stderr for the password, its base64 forms and the secret
// access key. The only exception is login --password-stdout's stdout.
func TestNothingPrintsSecrets(t *testing.T) {
	ts := newTestServer(t)
	cases := [][]string{
		{"login", "--region", "us-west-2"},
		{"login", "--region", "us-west-2", "-o", "json"},
		{"login", "--region", "us-west-2", "--password-stdout"},
		{"login", "--registry", "111122223333.dkr.ecr.us-west-2.amazonaws.com"},
		{"image", "--all-regions", "--pin", "-o", "json"},
		{"image", "--region", "us-west-2", "-o", "uri"},
		{"logout", "--region", "us-west-2"},
	}
	for _, args := range cases {
		for _, debug := range []bool{false, true} {
			all := append([]string{}, args...)
			if debug {
				all = append(all, "--debug")
			}
			name := strings.Join(all, " ")
			t.Run(name, func(t *testing.T) {
				o := ts.opts()
				o.home = t.TempDir()
				r := ts.run(t, o, all...)
				r.wantCode(t, exitOK, all...)
				callsAWS := args[0] != "logout"
				if debug && callsAWS && !strings.Contains(r.stderr, "[debug] SDK") {
					t.Errorf("--debug printed no SDK log")
				}
				if debug && callsAWS && !strings.Contains(r.stderr, "Authorization: [REDACTED]") {
					t.Errorf("--debug log does not show the redacted Authorization header")
				}
				if args[len(args)-1] != "--password-stdout" {
					ts.assertNoSecrets(t, "stdout", r.stdout)
				}
				ts.assertNoSecrets(t, "stderr", r.stderr)
			})
		}
	}
	// Failures too: a denied token call and a wrong secret.
	ts.FailNext("ecr:GetAuthorizationToken", "us-west-2", 100, ts.accessDenied())
	r := ts.run(t, ts.opts(), "login", "--region", "us-west-2", "--debug")
	r.wantCode(t, exitFailed)
	ts.assertNoSecrets(t, "stderr of a failed login", r.stderr)
}
