package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/appmeshenvoytest"
)

const (
	invRoleA = "arn:aws:iam::111111111111:role/inventory"
	invRoleB = "arn:aws:iam::222222222222:role/inventory"
)

// inventorySeed is account A with an at-risk container and a pinned mirror, and account
// B with a pinned mirror only.
const inventorySeed = `{
  "roles": ["arn:aws:iam::111111111111:role/inventory", "arn:aws:iam::222222222222:role/inventory"],
  "regions": [
    {"account": "111111111111", "region": "us-west-2",
     "taskDefinitions": [
       {"family": "web", "containerDefinitions": [
         {"name": "app", "image": "public.ecr.aws/nginx/nginx:1.27"},
         {"name": "envoy", "image": "840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.29.6.0-prod"}]}],
     "services": [{"cluster": "prod", "name": "web", "taskDefinition": "web:1"}]},
    {"account": "222222222222", "region": "us-west-2",
     "taskDefinitions": [
       {"family": "api", "containerDefinitions": [
         {"name": "sidecar", "image": "222222222222.dkr.ecr.us-west-2.amazonaws.com/envoy:v1.39.1.0-prod@sha256:2222222222222222222222222222222222222222222222222222222222222222"}]}],
     "services": [{"name": "api", "taskDefinition": "api"}]}
  ]
}`

func inventoryServer(t *testing.T) *testServer {
	t.Helper()
	ts := newTestServer(t)
	seed, err := appmeshenvoytest.ParseECSSeed([]byte(inventorySeed))
	if err != nil {
		t.Fatal(err)
	}
	if err := ts.SeedECS(seed); err != nil {
		t.Fatal(err)
	}
	return ts
}

func TestInventoryJSON(t *testing.T) {
	ts := inventoryServer(t)
	ts.SetFailureRate("ecs:ListClusters", "eu-west-1", 1, appmeshenvoytest.AccessDenied("ecs:ListClusters"), 1)
	args := []string{"inventory", "--region", "us-west-2,eu-west-1", "--role-arn", invRoleA, "--role-arn", invRoleB,
		"--mirror", "222222222222.dkr.ecr.{region}.amazonaws.com/envoy", "-o", "json"}
	r := ts.run(t, ts.opts(), args...)
	r.wantCode(t, exitFailed, args...)
	r.wantOneLineError(t, "2 part(s) of the inventory could not be read")
	var out inventoryJSON
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, r.stdout)
	}
	want := []containerJSON{
		{Platform: "ecs", Account: "111111111111", Region: "us-west-2", TaskDefinition: "arn:aws:ecs:us-west-2:111111111111:task-definition/web:1",
			Services: []string{"arn:aws:ecs:us-west-2:111111111111:service/prod/web"}, Container: "envoy",
			Image: "840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.29.6.0-prod", Registry: "840364872350.dkr.ecr.us-west-2.amazonaws.com",
			Repository: "aws-appmesh-envoy", Tag: "v1.29.6.0-prod", Source: "aws", Latest: "840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.39.1.0-prod",
			LatestSource: "ssm", Verdicts: []string{"at-risk", "older", "unpinned"}},
		{Platform: "ecs", Account: "222222222222", Region: "us-west-2", TaskDefinition: "arn:aws:ecs:us-west-2:222222222222:task-definition/api:1",
			Services: []string{"arn:aws:ecs:us-west-2:222222222222:service/default/api"}, Container: "sidecar",
			Image:    "222222222222.dkr.ecr.us-west-2.amazonaws.com/envoy:v1.39.1.0-prod@sha256:2222222222222222222222222222222222222222222222222222222222222222",
			Registry: "222222222222.dkr.ecr.us-west-2.amazonaws.com", Repository: "envoy", Tag: "v1.39.1.0-prod",
			Digest: "sha256:2222222222222222222222222222222222222222222222222222222222222222", Pinned: true, Source: "mirror",
			Latest: "840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.39.1.0-prod", LatestSource: "ssm", Verdicts: []string{"ok"}},
	}
	if diff := cmp.Diff(want, out.Containers); diff != "" {
		t.Errorf("containers (-want +got):\n%s", diff)
	}
	if len(out.Failures) != 2 {
		t.Fatalf("failures = %+v", out.Failures)
	}
	for _, f := range out.Failures {
		if f.Code != "access-denied" || f.Region != "eu-west-1" || f.Action != "ecs:ListClusters" || !strings.Contains(f.Error, "ecs:ListClusters") {
			t.Errorf("failure = %+v", f)
		}
	}
	if s := out.Summary; s.Scanned != 4 || s.Services != 2 || s.Containers != 2 || s.Verdicts["at-risk"] != 1 || s.Verdicts["ok"] != 1 {
		t.Errorf("summary = %+v", s)
	}
	if strings.Contains(r.stdout+r.stderr, ts.secret) {
		t.Error("the secret access key was printed")
	}
}

// TestInventoryFailOn checks the exit status for each --fail-on, with no failures.
func TestInventoryFailOn(t *testing.T) {
	ts := inventoryServer(t)
	tests := []struct {
		failOn string
		code   int
	}{
		{"never", exitOK},
		{"unknown-version", exitOK},
		{"at-risk", exitFailed},
		{"ok", exitFailed},
		{"older, unpinned", exitFailed},
	}
	for _, tt := range tests {
		t.Run(tt.failOn, func(t *testing.T) {
			args := []string{"inventory", "--role-arn", invRoleA + "," + invRoleB, "--mirror", "222222222222.dkr.ecr.us-west-2.amazonaws.com/envoy", "--fail-on", tt.failOn}
			r := ts.run(t, ts.opts(), args...)
			r.wantCode(t, tt.code, args...)
			if !strings.Contains(r.stdout, "111111111111  us-west-2  web:1") || !strings.Contains(r.stdout, "prod/web") {
				t.Errorf("table:\n%s", r.stdout)
			}
			if tt.code == exitFailed {
				r.wantOneLineError(t, "(--fail-on)")
			}
		})
	}
}

func TestInventoryCSV(t *testing.T) {
	ts := inventoryServer(t)
	args := []string{"inventory", "--role-arn", invRoleA + ",arn:aws:iam::333333333333:role/missing", "-o", "csv", "--fail-on", "never", "--final-release"}
	r := ts.run(t, ts.opts(), args...)
	r.wantCode(t, exitFailed, args...)
	rows, err := csv.NewReader(strings.NewReader(r.stdout)).ReadAll()
	if err != nil {
		t.Fatalf("not CSV: %v\n%s", err, r.stdout)
	}
	if len(rows) != 3 || rows[1][0] != "container" || rows[2][0] != "failure" {
		t.Fatalf("rows = %q", rows)
	}
	col := func(row []string, name string) string { return row[slices.Index(rows[0], name)] }
	if col(rows[1], "verdicts") != "at-risk older unpinned" || col(rows[1], "latest") != "840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.39.1.0-prod" {
		t.Errorf("container row = %q", rows[1])
	}
	if col(rows[2], "code") != "access-denied" || col(rows[2], "account") != "333333333333" || !strings.Contains(col(rows[2], "error"), "sts:AssumeRole") {
		t.Errorf("failure row = %q", rows[2])
	}
	if n := ts.Requests("ssm:*", "*"); n != 0 {
		t.Errorf("--final-release read SSM %d times", n)
	}
}

func TestInventoryBadInput(t *testing.T) {
	ts := inventoryServer(t)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"bad verdict", []string{"--fail-on", "risky"}, `unknown verdict "risky"`},
		{"not a role", []string{"--role-arn", "inventory"}, `role "inventory" is not an IAM role ARN`},
		{"unsupported region", []string{"--region", "mars-1"}, `"mars-1"`},
		{"two partitions", []string{"--region", "us-west-2", "--region", "cn-north-1"}, "partition"},
		{"argument", []string{"prod"}, "takes no arguments"},
		{"concurrency", []string{"--concurrency", "0"}, "at least 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"inventory"}, tt.args...)
			r := ts.run(t, ts.opts(), args...)
			r.wantCode(t, exitUsage, args...)
			r.wantOneLineError(t, tt.want)
		})
	}
}

// TestInventoryJSONKeysDocumented checks that every key 'inventory -o json' can print is
// named in its --help.
func TestInventoryJSONKeysDocumented(t *testing.T) {
	r := runCLI(t, "inventory", "--help")
	r.wantCode(t, exitOK)
	for _, typ := range []any{inventoryJSON{}, containerJSON{}, failureJSON{}, summaryJSON{}} {
		rt := reflect.TypeOf(typ)
		for i := 0; i < rt.NumField(); i++ {
			key, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ",")
			if !regexp.MustCompile(`\b` + regexp.QuoteMeta(key) + `\b`).MatchString(r.stdout) {
				t.Errorf("--help does not name the JSON key %q", key)
			}
		}
	}
	if !strings.Contains(r.stdout, "JSON keys (stable)") {
		t.Error("--help has no JSON keys (stable) section")
	}
}

const kubectlList = `{
    "apiVersion": "v1",
    "items": [
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "shop"},
            "spec": {"template": {"spec": {"containers": [
                {"name": "app", "image": "111122223333.dkr.ecr.us-west-2.amazonaws.com/shop/web:2.1"},
                {"name": "envoy", "image": "840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.29.6.0-prod"}
            ]}}}
        }
    ],
    "kind": "List",
    "metadata": {"resourceVersion": ""}
}`

func TestInventoryKubernetes(t *testing.T) {
	dir := t.TempDir()
	clean := filepath.Join(dir, "clean.yaml")
	if err := os.WriteFile(clean, []byte("kind: Pod\nmetadata: {name: p, namespace: ns}\nspec:\n  containers:\n  - name: proxy\n    image: 111122223333.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.39.1.0-prod@sha256:3333333333333333333333333333333333333333333333333333333333333333\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"inventory", "kubernetes", "-", clean, "-o", "json"}
	r := runWith(t, runOpts{stdin: kubectlList}, args...)
	r.wantCode(t, exitFailed, args...)
	r.wantOneLineError(t, "1 of 2 Envoy containers are at-risk or below-minimum")
	var out inventoryJSON
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, r.stdout)
	}
	var got []string
	for _, c := range out.Containers {
		got = append(got, c.File+" "+c.Namespace+" "+c.Kind+"/"+c.Workload+" "+c.Container+" "+c.Source+" "+strings.Join(c.Verdicts, ","))
	}
	want := []string{"- shop Deployment/web envoy aws at-risk,older,unpinned", clean + " ns Pod/p proxy mirror ok"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("containers (-want +got):\n%s", diff)
	}
	if out.Containers[0].Line != 10 || out.Failures == nil || len(out.Failures) != 0 {
		t.Errorf("line %d, failures %v", out.Containers[0].Line, out.Failures)
	}

	r = runCLI(t, "inventory", "kubernetes", clean)
	r.wantCode(t, exitOK)
	if !strings.Contains(r.stdout, clean+":6") || !strings.Contains(r.stdout, "Pod/p") {
		t.Errorf("table:\n%s", r.stdout)
	}
}

func TestInventoryKubernetesBadInput(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("kind: Pod\nspec:\n  containers: [\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		args  []string
		stdin string
		want  string
	}{
		{"malformed YAML", []string{bad}, "", bad + ": line 3: not valid YAML"},
		{"malformed JSON", []string{"-"}, `{"kind": "List", "items": [}`, "-: line 1, column 28: not valid JSON"},
		{"missing file", []string{filepath.Join(dir, "missing.yaml")}, "", "no such file"},
		{"no files", nil, "", "name the manifest files"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"inventory", "kubernetes"}, tt.args...)
			r := runWith(t, runOpts{stdin: tt.stdin}, args...)
			r.wantCode(t, exitUsage, args...)
			r.wantOneLineError(t, tt.want)
		})
	}
}

// TestInventoryAgainstSeededLocalEndpoint starts 'local-endpoint --ecs-data FILE' and runs
// the inventory against it through its roles, as a user would try the command.
func TestInventoryAgainstSeededLocalEndpoint(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	seed := filepath.Join(t.TempDir(), "seed.json")
	writeFile(t, seed, inventorySeed)
	cmd := exec.CommandContext(ctx, binary, "local-endpoint", "--ecs-data", seed)
	cmd.Env = testEnv(t, runOpts{})
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
	}()
	sc := bufio.NewScanner(stdout)
	var lines []string
	for len(lines) < 3 && sc.Scan() {
		lines = append(lines, strings.TrimPrefix(sc.Text(), "export "))
	}
	if len(lines) < 3 {
		t.Fatalf("stdout = %q", lines)
	}
	r := runWith(t, runOpts{env: lines[1:3]}, "--endpoint-url", lines[0], "inventory", "--role-arn", invRoleA+","+invRoleB, "--fail-on", "never")
	r.wantCode(t, exitOK)
	if !strings.Contains(r.stdout, "111111111111  us-west-2  web:1") || !strings.Contains(r.stdout, "prod/web") {
		t.Errorf("inventory:\n%s", r.stdout)
	}

	bad := filepath.Join(t.TempDir(), "bad.json")
	writeFile(t, bad, `{"regions": [{"region": "mars-1"}]}`)
	r = runCLI(t, "local-endpoint", "--ecs-data", bad)
	r.wantCode(t, exitUsage)
	r.wantOneLineError(t, `region "mars-1" is not a supported region code`)
}
