package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/appmeshenvoytest"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/testenv"
)

const (
	awsEnvoy   = "840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.29.6.0-prod"
	mirrorRepo = "111122223333.dkr.ecr.us-west-2.amazonaws.com/mirror/aws-appmesh-envoy"
	mirrorTo   = "111122223333.dkr.ecr.{region}.amazonaws.com/mirror/aws-appmesh-envoy"
)

const podYAML = `# the web pod
kind: Pod
metadata:
  name: web
  annotations: {note: "` + awsEnvoy + `"}
spec:
  containers:
  - name: envoy   # sidecar
    image: ` + awsEnvoy + `
`

const describeJSON = `{
    "taskDefinition": {
        "taskDefinitionArn": "arn:aws:ecs:us-west-2:111122223333:task-definition/web:3",
        "family": "web",
        "containerDefinitions": [
            {"name": "app", "image": "111122223333.dkr.ecr.us-west-2.amazonaws.com/web:1", "essential": true,
             "dependsOn": [{"containerName": "envoy", "condition": "HEALTHY"}]},
            {"name": "envoy", "image": "` + awsEnvoy + `", "essential": true, "user": "1337"}
        ],
        "revision": 3,
        "status": "ACTIVE",
        "requiresAttributes": [{"name": "ecs.capability.container-health-check"}],
        "compatibilities": ["EC2"],
        "proxyConfiguration": {"type": "APPMESH", "containerName": "envoy", "properties": [{"name": "IgnoredUID", "value": "1337"}]},
        "registeredAt": "2026-03-02T10:15:42.113000+00:00",
        "registeredBy": "arn:aws:iam::111122223333:user/deploy"
    },
    "tags": [{"key": "team", "value": "shop"}]
}`

// rewriteServer is a local endpoint whose mirror repository holds the Envoy tag.
func rewriteServer(t *testing.T) (*testServer, string) {
	t.Helper()
	ts := newTestServer(t)
	if err := ts.CreateRepository(mirrorRepo, appmeshenvoytest.RepositoryOptions{}); err != nil {
		t.Fatal(err)
	}
	digest, err := ts.PushImage(mirrorRepo, "v1.29.6.0-prod", 8)
	if err != nil {
		t.Fatal(err)
	}
	return ts, mirrorRepo + ":v1.29.6.0-prod@" + digest
}

func TestRewriteKubernetes(t *testing.T) {
	ts, pinned := rewriteServer(t)
	dir := t.TempDir()
	pod := filepath.Join(dir, "pod.yaml")
	plain := filepath.Join(dir, "plain.yaml")
	writeFile(t, pod, podYAML)
	writeFile(t, plain, "kind: Pod\nspec: {containers: [{name: a, image: x.example/a:1}]}\n")
	want := strings.Replace(podYAML, "image: "+awsEnvoy, "image: "+pinned, 1)

	r := ts.run(t, ts.opts(), "rewrite", "--to", mirrorTo, pod)
	r.wantCode(t, exitOK)
	if r.stdout != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", r.stdout, want)
	}

	r = ts.run(t, ts.opts(), "rewrite", "--to", mirrorTo, "--diff", pod, plain)
	r.wantCode(t, exitOK)
	if !strings.Contains(r.stdout, "-    image: "+awsEnvoy+"\n+    image: "+pinned+"\n") || !strings.HasPrefix(r.stdout, "--- a/"+pod) {
		t.Errorf("diff:\n%s", r.stdout)
	}
	if !strings.Contains(r.stderr, plain+": no Envoy image; unchanged") {
		t.Errorf("stderr: %s", r.stderr)
	}

	r = ts.run(t, ts.opts(), "rewrite", "--to", mirrorTo, "--in-place", pod, plain)
	r.wantCode(t, exitOK)
	if got, _ := os.ReadFile(pod); string(got) != want {
		t.Errorf("file:\n%s", got)
	}
	if bak, _ := os.ReadFile(pod + ".bak"); string(bak) != podYAML {
		t.Errorf("backup:\n%s", bak)
	}
	if _, err := os.Stat(plain + ".bak"); err == nil {
		t.Error("a file without Envoy image was backed up")
	}
}

// TestRewriteTaskDefinition rewrites describe output from stdin and checks the result
// with an independent client: the AWS CLI accepts it as --cli-input-json of
// register-task-definition (it validates the parameters before sending; the local
// endpoint then refuses the operation, which it does not implement).
func TestRewriteTaskDefinition(t *testing.T) {
	ts, pinned := rewriteServer(t)
	r := ts.run(t, runOpts{env: ts.opts().env, stdin: describeJSON}, "rewrite", "--to", mirrorTo, "-")
	r.wantCode(t, exitOK)
	var out map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, r.stdout)
	}
	for _, k := range []string{"taskDefinitionArn", "revision", "status", "requiresAttributes", "compatibilities", "registeredAt", "registeredBy", "taskDefinition"} {
		if _, ok := out[k]; ok {
			t.Errorf("output has %q", k)
		}
	}
	if !strings.Contains(r.stdout, `"image": "`+pinned+`"`) || !strings.Contains(r.stdout, `"containerName": "envoy"`) || out["tags"] == nil || out["proxyConfiguration"] == nil {
		t.Errorf("output:\n%s", r.stdout)
	}

	cli := testenv.AWSCLI(t)
	file := filepath.Join(t.TempDir(), "register.json")
	writeFile(t, file, r.stdout)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, cli, "--endpoint-url", ts.URL, "--region", "us-west-2", "--no-cli-pager",
		"ecs", "register-task-definition", "--cli-input-json", "file://"+file)
	cmd.Env = append(testEnv(t, ts.opts()), "AWS_MAX_ATTEMPTS=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	_ = cmd.Run()
	if strings.Contains(stderr.String(), "Parameter validation failed") || !strings.Contains(stderr.String(), "RegisterTaskDefinition") {
		t.Errorf("the AWS CLI does not accept the output as register-task-definition input:\n%s", stderr.String())
	}
}

func TestRewriteErrors(t *testing.T) {
	ts, _ := rewriteServer(t)
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	missing := filepath.Join(dir, "missing-tag.yaml")
	bad := filepath.Join(dir, "bad.yaml")
	writeFile(t, good, podYAML)
	writeFile(t, missing, strings.ReplaceAll(podYAML, "v1.29.6.0-prod", "v1.39.1.0-prod"))
	writeFile(t, bad, "kind: Pod\nspec:\n  containers: [\n")
	tests := []struct {
		name  string
		args  []string
		stdin string
		code  int
		want  string
	}{
		{"mirror without the image", []string{"--in-place", good, missing}, "", exitFailed, missing + ":9:12: "},
		{"malformed YAML", []string{"--in-place", good, bad}, "", exitUsage, bad + ": line 3: not valid YAML"},
		{"task definition without containers", []string{"-"}, `{"taskDefinition": {"family": "web"}}`, exitUsage, "-: the task definition has no containerDefinitions"},
		{"malformed JSON", []string{"--format", "ecs", "-"}, `{"family": "web",`, exitUsage, "-: line 1"},
		{"no --to", []string{good}, "", exitUsage, "--to REPO is required"},
		{"not ECR", []string{"--to", "registry.example.com/envoy", good}, "", exitUsage, "supported today are ECR private repositories"},
		{"several files to stdout", []string{good, missing}, "", exitUsage, "use --diff or --in-place"},
		{"in place on stdin", []string{"--in-place", "-"}, "", exitUsage, "cannot write standard input"},
		{"bad format", []string{"--format", "helm", good}, "", exitUsage, `--format "helm"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := []string{"rewrite", "--to", mirrorTo}
			args = append(args, tt.args...)
			if tt.name == "no --to" {
				args = append([]string{"rewrite"}, tt.args...)
			}
			r := ts.run(t, runOpts{env: ts.opts().env, stdin: tt.stdin}, args...)
			r.wantCode(t, tt.code, args...)
			r.wantOneLineError(t, tt.want)
			if got, _ := os.ReadFile(good); string(got) != podYAML {
				t.Error("a file was written although the run failed")
			}
		})
	}
}

func writeFile(t *testing.T, name, content string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
