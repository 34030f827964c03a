package main

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/appmeshenvoytest"
)

// TestSecretsEveryCommandAndFault extends TestNothingPrintsSecrets (cmd_login_test.go,
// which covers login, image and logout on the happy path and one denied login) to every
// command and to the fault scenarios: each runs with and without --debug against the
// local endpoint, and stdout and stderr are searched for the issued password, its base64
// forms and the secret access keys. The only output allowed to hold a secret is the
// stdout of login --password-stdout, which must be exactly the password.
func TestSecretsEveryCommandAndFault(t *testing.T) {
	ts := newTestServer(t)
	ts.AddRoleInAccount("111122223333", "task-exec")
	const wrongSecret = "cli/wrong-secret-0123456789abcdef"
	forms := ts.secretForms()
	forms["a wrong secret access key"] = wrongSecret
	forms["the wrong secret's base64"] = base64.StdEncoding.EncodeToString([]byte(wrongSecret))

	const node = "arn:aws:appmesh:us-west-2:111122223333:mesh/demo/virtualNode/web"
	const image = "840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:" + appmeshenvoytest.DefaultTag
	type secCase struct {
		name string
		args []string
		// setup prepares the server (faults are cleared after each case) and returns
		// extra environment entries.
		setup func() []string
		// code is the exit status; -1 means any failure (1 or 2).
		code  int
		stdin string
		// passwordStdout: stdout must be exactly the password and a newline.
		passwordStdout bool
	}
	throttleAll := func(op string) func() []string {
		return func() []string {
			ts.SetFailureRate(op, "us-west-2", 1, appmeshenvoytest.Throttling(op), 1)
			return nil
		}
	}
	fault := func(op string, f appmeshenvoytest.AWSError) func() []string {
		return func() []string { ts.SetFailureRate(op, "*", 1, f, 1); return nil }
	}
	creds := func(key, secret string) func() []string {
		return func() []string { return []string{"AWS_ACCESS_KEY_ID=" + key, "AWS_SECRET_ACCESS_KEY=" + secret} }
	}
	const ecrOp, ssmOp = "ecr:GetAuthorizationToken", "ssm:GetParameter"
	cases := []secCase{
		// Every command on the happy path.
		{name: "regions", args: []string{"regions", "-o", "json"}},
		{name: "image all regions", args: []string{"image", "--all-regions", "--pin"}},
		{name: "image fips mirror", args: []string{"image", "--region", "us-east-1", "--fips", "--mirror", "111122223333.dkr.ecr.us-east-1.amazonaws.com/envoy", "-o", "json"}},
		{name: "image check", args: []string{"image", "check", image, "-o", "json"}},
		{name: "policy", args: []string{"policy", "--principal", "all", "--all-regions", "--virtual-node", node}},
		{name: "policy apply dry run", args: []string{"policy", "--region", "us-west-2", "--apply-to-role", "task-exec", "--dry-run"}},
		{name: "policy apply", args: []string{"policy", "--region", "us-west-2", "--apply-to-role", "task-exec"}},
		{name: "env", args: []string{"env", "--virtual-node", node, "--xray", "-o", "ecs"}},
		{name: "env lint", args: []string{"env", "lint", "-"}, stdin: "APPMESH_RESOURCE_ARN=" + node + "\r\nENVOY_LOG_LEVEL=debug\r\n"},
		{name: "login json", args: []string{"login", "--region", "us-west-2", "--region", "eu-south-1", "-o", "json"}},
		{name: "login mirror", args: []string{"login", "--registry", "https://111122223333.dkr.ecr.eu-west-1.amazonaws.com/team/envoy"}},
		{name: "login password-stdout", args: []string{"login", "--region", "ap-east-1", "--password-stdout"}, passwordStdout: true},
		{name: "logout", args: []string{"logout", "--region", "us-west-2", "-o", "json"}},
		// Faults.
		{name: "login throttled", args: []string{"login", "--region", "us-west-2"}, setup: throttleAll(ecrOp), code: exitFailed},
		{name: "login 500", args: []string{"login", "--region", "us-west-2"}, setup: fault(ecrOp, appmeshenvoytest.InternalError(ecrOp)), code: exitFailed},
		{name: "login expired", args: []string{"login", "--region", "us-west-2"}, setup: fault(ecrOp, appmeshenvoytest.ExpiredToken(ecrOp)), code: exitFailed},
		{name: "login unknown key", args: []string{"login", "--region", "us-west-2"}, setup: creds("AKIDCLIUNKNOWN", wrongSecret), code: exitFailed},
		{name: "login wrong secret", args: []string{"login", "--region", "us-west-2", "-o", "json"}, setup: creds("AKIDCLISERVERTEST", wrongSecret), code: exitFailed},
		{name: "login password-stdout denied", args: []string{"login", "--region", "us-west-2", "--password-stdout"}, setup: fault(ecrOp, ts.accessDenied()), code: exitFailed},
		{name: "login no credentials", args: []string{"login", "--region", "us-west-2"}, setup: creds("", ""), code: -1},
		{name: "image throttled", args: []string{"image", "--region", "us-west-2"}, setup: throttleAll(ssmOp), code: exitFailed},
		{name: "image expired", args: []string{"image", "--all-regions", "-o", "json"}, setup: fault(ssmOp, appmeshenvoytest.ExpiredToken(ssmOp)), code: exitFailed},
		{name: "image wrong secret", args: []string{"image", "--region", "us-west-2", "--pin"}, setup: creds("AKIDCLISERVERTEST", wrongSecret), code: exitFailed},
		{name: "image 500", args: []string{"image", "--region", "eu-west-1", "-o", "uri"}, setup: fault(ssmOp, appmeshenvoytest.InternalError(ssmOp)), code: exitFailed},
		{name: "policy apply denied", args: []string{"policy", "--region", "us-west-2", "--apply-to-role", "task-exec"}, setup: fault("iam:*", appmeshenvoytest.AccessDenied("iam:PutRolePolicy")), code: exitFailed},
	}
	for _, tc := range cases {
		for _, debug := range []bool{false, true} {
			args := append([]string{}, tc.args...)
			if debug {
				args = append(args, "--debug")
			}
			t.Run(tc.name+map[bool]string{false: "", true: " --debug"}[debug], func(t *testing.T) {
				defer ts.ClearFaults()
				home := t.TempDir()
				// An existing docker config with another registry's entry, as users have.
				if err := os.MkdirAll(filepath.Join(home, ".docker"), 0o700); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(home, ".docker", "config.json"), []byte(`{"auths":{"ghcr.io":{"auth":"eDp5"}}}`), 0o600); err != nil {
					t.Fatal(err)
				}
				var extra []string
				if tc.setup != nil {
					extra = tc.setup()
				}
				o := ts.opts(extra...)
				o.home, o.stdin = home, tc.stdin
				r := ts.run(t, o, args...)
				switch {
				case tc.code == -1 && r.code == exitOK:
					t.Fatalf("exit 0, want a failure\nstderr:\n%s", secRedact(r.stderr, forms))
				case tc.code != -1 && r.code != tc.code:
					t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, tc.code, secRedact(r.stdout, forms), secRedact(r.stderr, forms))
				}
				if tc.passwordStdout && r.code == exitOK {
					if r.stdout != ts.Password()+"\n" {
						t.Errorf("stdout of --password-stdout is not exactly the password (%d bytes)", len(r.stdout))
					}
				} else {
					secAssertNone(t, forms, "stdout", r.stdout)
				}
				secAssertNone(t, forms, "stderr", r.stderr)
				if debug && tc.setup != nil && tc.code == exitFailed && !strings.Contains(r.stderr, "[debug]") {
					t.Errorf("--debug logged nothing, so the check saw no debug log")
				}
			})
		}
	}
}

// secAssertNone fails when out contains a secret form, without printing the secret.
func secAssertNone(t *testing.T, forms map[string]string, where, out string) {
	t.Helper()
	for what, s := range forms {
		if s != "" && strings.Contains(out, s) {
			t.Errorf("%s contains %s", where, what)
		}
	}
}

// secRedact replaces every secret form in s, so a failure message never shows one.
func secRedact(s string, forms map[string]string) string {
	for _, f := range forms {
		if f != "" {
			s = strings.ReplaceAll(s, f, "[SECRET]")
		}
	}
	return s
}
