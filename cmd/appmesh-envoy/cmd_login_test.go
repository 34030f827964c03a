package main

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
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

// TestLoginCredentialHelpers checks login and logout with a "credsStore": like docker
// login they store through the helper (not "auths"); a missing helper is one error line
// naming --skip-credential-helpers; with that flag login writes "auths" and warns that
// docker will not read it, and logout with the flag removes exactly that entry.
func TestLoginCredentialHelpers(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the fake credential helper is a shell script")
	}
	ts := newTestServer(t)
	bin := t.TempDir()
	record := filepath.Join(t.TempDir(), "helper.log")
	// docker-credential-fake appends "<action> <stdin>" to the record file.
	script := "#!/bin/sh\nprintf '%s ' \"$1\" >> " + record + "\ncat >> " + record + "\necho >> " + record + "\n"
	if err := os.WriteFile(filepath.Join(bin, "docker-credential-fake"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	host := "840364872350.dkr.ecr.us-west-2.amazonaws.com"
	path := filepath.Join(t.TempDir(), "config.json")
	o := ts.opts("PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH"))
	readConfig := func() string {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}

	t.Run("through the helper", func(t *testing.T) {
		if err := os.WriteFile(path, []byte(`{"credsStore":"fake","auths":{"keep.example.com":{"auth":"eDp5"}}}`), 0o600); err != nil {
			t.Fatal(err)
		}
		r := ts.run(t, o, "login", "--region", "us-west-2", "--docker-config", path)
		r.wantCode(t, exitOK)
		ts.assertNoSecrets(t, "stdout", r.stdout)
		ts.assertNoSecrets(t, "stderr", r.stderr)
		// Like docker, an empty auths entry may name the host; the credential is in the helper.
		cfg := readConfig()
		ts.assertNoSecrets(t, "the docker config after a helper login", cfg)
		if !strings.Contains(cfg, "keep.example.com") {
			t.Errorf("config after a helper login lost keep.example.com:\n%s", cfg)
		}
		log, _ := os.ReadFile(record)
		if !strings.Contains(string(log), "store ") || !strings.Contains(string(log), host) || !strings.Contains(string(log), ts.Password()) {
			t.Errorf("the helper was not asked to store the credential for %s", host)
		}
		r = ts.run(t, o, "logout", "--region", "us-west-2", "--docker-config", path)
		r.wantCode(t, exitOK)
		log, _ = os.ReadFile(record)
		if !strings.Contains(string(log), "erase "+host) {
			t.Errorf("logout did not ask the helper to erase %s", host)
		}
	})

	t.Run("missing helper, then skipped", func(t *testing.T) {
		if err := os.WriteFile(path, []byte(`{"credsStore":"absent"}`), 0o600); err != nil {
			t.Fatal(err)
		}
		r := ts.run(t, o, "login", "--region", "us-west-2", "--docker-config", path)
		r.wantCode(t, exitFailed)
		r.wantOneLineError(t, "--skip-credential-helpers")
		ts.assertNoSecrets(t, "stderr", r.stderr)

		r = ts.run(t, o, "login", "--region", "us-west-2", "--docker-config", path, "--skip-credential-helpers")
		r.wantCode(t, exitOK)
		if !strings.Contains(r.stderr, "note: "+host) {
			t.Errorf("stderr has no note that docker reads the helper instead:\n%s", r.stderr)
		}
		if !strings.Contains(readConfig(), host) {
			t.Fatalf("--skip-credential-helpers did not write auths[%s]", host)
		}
		r = ts.run(t, o, "logout", "--region", "us-west-2", "--docker-config", path)
		r.wantCode(t, exitFailed)
		r.wantOneLineError(t, "--skip-credential-helpers")
		r = ts.run(t, o, "logout", "--region", "us-west-2", "--docker-config", path, "--skip-credential-helpers")
		r.wantCode(t, exitOK)
		if cfg := readConfig(); strings.Contains(cfg, host) || !strings.Contains(cfg, `"absent"`) {
			t.Errorf("config after logout --skip-credential-helpers:\n%s", cfg)
		}
	})
}

// TestLoginPublicRegistry logs in to the gallery with an ECR Public token from the local
// endpoint (us-east-1, whatever the configured region) and writes it for public.ecr.aws.
func TestLoginPublicRegistry(t *testing.T) {
	ts := newTestServer(t)
	path := filepath.Join(t.TempDir(), "config.json")
	r := ts.run(t, ts.opts("AWS_REGION=eu-west-1"), "login", "--registry", "https://public.ecr.aws", "--docker-config", path, "-o", "json")
	r.wantCode(t, exitOK)
	var rows []loginJSON
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil || len(rows) != 1 || rows[0].Registry != "public.ecr.aws" || rows[0].Username != "AWS" {
		t.Fatalf("stdout %s: %v", r.stdout, err)
	}
	if n := ts.Requests("ecr-public:GetAuthorizationToken", "us-east-1"); n != 1 {
		t.Errorf("%d ecr-public:GetAuthorizationToken calls in us-east-1, want 1", n)
	}
	b, err := os.ReadFile(path)
	if err != nil || !strings.Contains(string(b), `"public.ecr.aws"`) {
		t.Errorf("config %s: %v", b, err)
	}
	// The password works at the gallery's token endpoint, as docker would use it.
	r = ts.run(t, ts.opts(), "login", "--registry", "public.ecr.aws", "--password-stdout")
	r.wantCode(t, exitOK)
	resp, err := http.NewRequest(http.MethodGet, ts.URL+"/token/?service=public.ecr.aws", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.SetBasicAuth("AWS", strings.TrimSpace(r.stdout))
	got, err := http.DefaultClient.Do(resp)
	if err != nil {
		t.Fatal(err)
	}
	got.Body.Close()
	if got.StatusCode != http.StatusOK || ts.GalleryLogins() != 1 {
		t.Errorf("token endpoint with the printed password: %d, %d logins", got.StatusCode, ts.GalleryLogins())
	}
	// aws-cn has no ECR Public: one line that says so, and no call.
	ts.ResetCounts()
	r = ts.run(t, ts.opts("AWS_REGION=cn-north-1"), "login", "--registry", "public.ecr.aws", "--docker-config", path)
	r.wantCode(t, exitFailed)
	r.wantOneLineError(t, "ECR Public exists only in the aws partition")
	if n := ts.Requests("*", "*"); n != 0 {
		t.Errorf("%d requests in aws-cn", n)
	}
}

// TestLoginEmptyFlagValues: an empty --registry (or an empty item in a list) or
// --docker-config is bad input (exit 2), never silently the default.
func TestLoginEmptyFlagValues(t *testing.T) {
	for _, args := range [][]string{
		{"login", "--registry", ""},
		{"login", "--registry", " "},
		{"login", "--registry", "111122223333.dkr.ecr.us-west-2.amazonaws.com,"},
		{"login", "--region", "us-west-2", "--docker-config", ""},
		{"logout", "--registry", ""},
		{"logout", "--region", "us-west-2", "--docker-config", ""},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			home := t.TempDir()
			r := runWith(t, runOpts{home: home}, args...)
			r.wantCode(t, exitUsage, args...)
			r.wantOneLineError(t, "empty")
			if r.stdout != "" {
				t.Errorf("stdout = %q, want nothing", r.stdout)
			}
			if _, err := os.Stat(filepath.Join(home, ".docker")); !os.IsNotExist(err) {
				t.Errorf("a docker config was touched (stat: %v)", err)
			}
		})
	}
}

// TestLoginWithoutHome: with neither HOME nor DOCKER_CONFIG there is no default docker
// config: bad input (exit 2) with one error that says so once and names both ways out.
func TestLoginWithoutHome(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the home directory comes from USERPROFILE")
	}
	for _, cmd := range []string{"login", "logout"} {
		t.Run(cmd, func(t *testing.T) {
			r := runWith(t, runOpts{env: []string{"HOME=", "DOCKER_CONFIG="}}, cmd, "--region", "us-west-2")
			r.wantCode(t, exitUsage)
			r.wantOneLineError(t, "set DOCKER_CONFIG, or pass --docker-config PATH")
			if n := strings.Count(r.stderr, "find the docker config"); n != 1 {
				t.Errorf("stderr says %d times %q, want once:\n%s", n, "find the docker config", r.stderr)
			}
		})
	}
}
