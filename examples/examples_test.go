// Package examples_test runs every example program against an in-process local AWS
// endpoint (each example's -local flag, the quickstart's default) and checks its output.
package examples_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/appmeshenvoytest"
	"github.com/appmesh-envoy/appmesh-envoy-go/iampolicy"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/testenv"
	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

// bin is the directory the examples are built into, once.
var bin string

var examples = []string{
	"latest-image", "all-regions", "pin-digest", "ecs-execution-role-policy",
	"docker-login", "ecs-sidecar-task", "kubernetes-sidecar", "quickstart", "mirror",
}

// TestMain builds every example once and runs the tests in the module's test
// environment (see package testenv).
func TestMain(m *testing.M) {
	os.Exit(testenv.Run(m, func() (func(), error) {
		var pkgs []string
		for _, e := range examples {
			pkgs = append(pkgs, "./"+e)
		}
		dir, err := testenv.Build(pkgs...)
		bin = dir
		return func() { os.RemoveAll(dir) }, err
	}))
}

// runExample runs an example with args in an environment that has no AWS credentials or
// configuration at all, so that only the local endpoint can answer.
func runExample(t *testing.T, name string, args ...string) (stdout, stderr string) {
	t.Helper()
	return runExampleEnv(t, nil, name, args...)
}

// runExampleEnv is runExample with extra KEY=VALUE environment entries.
func runExampleEnv(t *testing.T, env []string, name string, args ...string) (stdout, stderr string) {
	t.Helper()
	return runExampleExit(t, env, 0, name, args...)
}

// runExampleExit runs an example that must end with exit status want.
func runExampleExit(t *testing.T, env []string, want int, name string, args ...string) (stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(bin, name), args...)
	home := t.TempDir()
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + home, "TMPDIR=" + t.TempDir(),
		"AWS_EC2_METADATA_DISABLED=true",
		// Files that do not exist: no profile of the machine's, and no system path read.
		"AWS_CONFIG_FILE=" + filepath.Join(home, "no-aws-config"), "AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "no-aws-credentials"),
	}
	cmd.Env = append(cmd.Env, env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee := (*exec.ExitError)(nil); errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%s %v: %v", name, args, err)
	}
	if code != want {
		t.Fatalf("%s %v: exit status %d, want %d\nstdout:\n%s\nstderr:\n%s", name, args, code, want, out.String(), errb.String())
	}
	return out.String(), errb.String()
}

var pinnedRef = regexp.MustCompile(`^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com/aws-appmesh-envoy:v[0-9.]+-prod@sha256:[0-9a-f]{64}$`)

func TestLatestImage(t *testing.T) {
	out, _ := runExample(t, "latest-image", "-local", "-region", "eu-south-2")
	if !strings.HasPrefix(out, "992897592190.dkr.ecr.eu-south-2.amazonaws.com/aws-appmesh-envoy:v") || strings.Count(out, "\n") != 1 {
		t.Errorf("output = %q", out)
	}
}

// TestDefaultModeUsesConfiguredAWS runs examples without -local, as against real AWS:
// they load the default configuration (here credentials and region from the
// environment) and send requests to -endpoint-url, a local endpoint started by the test.
func TestDefaultModeUsesConfiguredAWS(t *testing.T) {
	srv := appmeshenvoytest.NewServer()
	defer srv.Close()
	env := []string{
		"AWS_ACCESS_KEY_ID=" + appmeshenvoytest.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY=" + appmeshenvoytest.SecretAccessKey,
		"AWS_REGION=eu-west-1",
	}
	out, _ := runExampleEnv(t, env, "latest-image", "-endpoint-url", srv.URL, "-region", "ca-central-1")
	if !strings.HasPrefix(out, region.MustLookup("ca-central-1").RepositoryURI()+":v") {
		t.Errorf("latest-image output = %q", out)
	}
	if srv.Requests("ssm:GetParameter", "ca-central-1") != 1 {
		t.Errorf("the request did not reach -endpoint-url")
	}
	out, _ = runExampleEnv(t, env, "all-regions", "-endpoint-url", srv.URL)
	inAWS, _ := region.InPartition("aws")
	if n := strings.Count(out, "\n"); n != len(inAWS) {
		t.Errorf("all-regions output (%d lines):\n%s", n, out)
	}
	if strings.Contains(out, "ERROR") || strings.Contains(out, "not enabled") {
		t.Errorf("all-regions against a healthy endpoint reports failures:\n%s", out)
	}
}

func TestAllRegions(t *testing.T) {
	// One region fails (its parameter is gone): every region is printed, then exit 1.
	out, errOut := runExampleExit(t, nil, 1, "all-regions", "-local")
	aws, _ := region.InPartition("aws")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != len(aws) {
		t.Fatalf("%d lines, want one per aws region (%d):\n%s", len(lines), len(aws), out)
	}
	for i, l := range lines {
		f := strings.Fields(l)
		if f[0] != aws[i].Code {
			t.Errorf("line %d is for %s, want %s", i, f[0], aws[i].Code)
		}
		switch f[0] {
		case "eu-west-3":
			if f[1] != "ERROR" || !strings.Contains(l, "eu-west-3") {
				t.Errorf("eu-west-3 line = %q, want its error", l)
			}
		case "me-south-1":
			if !strings.Contains(l, "not enabled") {
				t.Errorf("me-south-1 line = %q", l)
			}
		default:
			if !strings.HasPrefix(f[1], aws[i].RepositoryURI()+":") {
				t.Errorf("line %q does not hold %s's image", l, f[0])
			}
		}
	}
	if !strings.Contains(errOut, "1 region(s) failed") {
		t.Errorf("stderr = %q", errOut)
	}
}

func TestPinDigest(t *testing.T) {
	out, _ := runExample(t, "pin-digest", "-local", "-region", "ap-southeast-3")
	var pinned string
	for _, l := range strings.Split(out, "\n") {
		if p, ok := strings.CutPrefix(l, "pinned: "); ok {
			pinned = p
		}
	}
	m := pinnedRef.FindStringSubmatch(pinned)
	if m == nil || m[1] != "909464085924" || m[2] != "ap-southeast-3" {
		t.Errorf("pinned = %q\n%s", pinned, out)
	}
}

func TestECSExecutionRolePolicy(t *testing.T) {
	out, errOut := runExample(t, "ecs-execution-role-policy", "-local", "-regions", "us-west-2,eu-west-1", "-role", "ecsTaskExecutionRole")
	doc, err := iampolicy.Parse([]byte(out))
	if err != nil {
		t.Fatalf("stdout is not only the policy: %v\n%s", err, out)
	}
	for _, c := range []struct {
		action, resource string
		want             iampolicy.Decision
	}{
		{"ecr:GetAuthorizationToken", "*", iampolicy.Allow},
		{"ecr:BatchGetImage", region.MustLookup("eu-west-1").RepositoryARN(), iampolicy.Allow},
		{"ecr:BatchGetImage", region.MustLookup("us-east-1").RepositoryARN(), iampolicy.ImplicitDeny},
		{"ecr:PutImage", region.MustLookup("us-west-2").RepositoryARN(), iampolicy.ImplicitDeny},
	} {
		if got := iampolicy.Evaluate(doc, c.action, c.resource); got != c.want {
			t.Errorf("%s on %s = %v, want %v", c.action, c.resource, got, c.want)
		}
	}
	if !strings.Contains(errOut, "inline policy AppMeshEnvoyImagePull on role ecsTaskExecutionRole: PutRolePolicy") {
		t.Errorf("stderr = %q, want the applied change", errOut)
	}
}

func TestDockerLogin(t *testing.T) {
	cfgPath := filepath.Join(t.TempDir(), "docker", "config.json")
	out, _ := runExample(t, "docker-login", "-local", "-region", "us-east-2", "-docker-config", cfgPath)
	if !strings.Contains(out, "logged in to 840364872350.dkr.ecr.us-east-2.amazonaws.com as AWS until ") || !strings.Contains(out, "(password [REDACTED])") {
		t.Errorf("output = %q", out)
	}
	data, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Auths map[string]struct{ Auth string } `json:"auths"`
	}
	if err := json.Unmarshal(data, &cfg); err != nil || cfg.Auths["840364872350.dkr.ecr.us-east-2.amazonaws.com"].Auth == "" {
		t.Errorf("docker config has no auth for the registry (%v)", err)
	}
	if strings.Contains(out, cfg.Auths["840364872350.dkr.ecr.us-east-2.amazonaws.com"].Auth) {
		t.Errorf("output contains the docker auth value")
	}
}

func TestECSSidecarTask(t *testing.T) {
	out, errOut := runExample(t, "ecs-sidecar-task", "-local", "-app-port", "9080")
	if !strings.Contains(errOut, "caveat: ") || !strings.Contains(errOut, "distroless") {
		t.Errorf("stderr lacks the health check caveat: %q", errOut)
	}
	var task struct {
		ContainerDefinitions []struct {
			Name      string
			Image     string
			User      string
			DependsOn []struct{ ContainerName, Condition string }
		}
		ProxyConfiguration struct {
			Type          string
			ContainerName string
			Properties    []struct{ Name, Value string }
		}
	}
	if err := json.Unmarshal([]byte(out), &task); err != nil {
		t.Fatalf("stdout is not a task definition: %v\n%s", err, out)
	}
	if len(task.ContainerDefinitions) != 2 {
		t.Fatalf("%d containers, want app and envoy", len(task.ContainerDefinitions))
	}
	app, envoy := task.ContainerDefinitions[0], task.ContainerDefinitions[1]
	if app.Name != "app" || len(app.DependsOn) != 1 || app.DependsOn[0].ContainerName != "envoy" || app.DependsOn[0].Condition != "HEALTHY" {
		t.Errorf("app container = %+v", app)
	}
	if envoy.Name != "envoy" || !pinnedRef.MatchString(envoy.Image) || envoy.User != "1337" {
		t.Errorf("envoy container = %+v", envoy)
	}
	props := map[string]string{}
	for _, p := range task.ProxyConfiguration.Properties {
		props[p.Name] = p.Value
	}
	if task.ProxyConfiguration.Type != "APPMESH" || props["AppPorts"] != "9080" || props["IgnoredUID"] != "1337" {
		t.Errorf("proxyConfiguration = %+v", task.ProxyConfiguration)
	}
}

func TestKubernetesSidecar(t *testing.T) {
	secretPath := filepath.Join(t.TempDir(), "secret.yaml")
	out, errOut := runExample(t, "kubernetes-sidecar", "-local", "-secret-out", secretPath)
	if !strings.Contains(out, "name: envoy") || !strings.Contains(out, "APPMESH_RESOURCE_ARN") {
		t.Errorf("sidecar YAML = %q", out)
	}
	img := regexp.MustCompile(`(?m)^image: (\S+)$`).FindStringSubmatch(out)
	if img == nil || !pinnedRef.MatchString(img[1]) {
		t.Errorf("sidecar image is not pinned: %v", img)
	}
	st, err := os.Stat(secretPath)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("secret file mode %v, want 0600", st.Mode().Perm())
	}
	data, _ := os.ReadFile(secretPath)
	if !strings.Contains(string(data), "kubernetes.io/dockerconfigjson") || !strings.Contains(string(data), ".dockerconfigjson") {
		t.Errorf("secret manifest lacks the dockerconfigjson type")
	}
	if !strings.Contains(errOut, "pull secret envoy-registry for 840364872350.dkr.ecr.us-west-2.amazonaws.com") {
		t.Errorf("stderr = %q", errOut)
	}
}

func TestQuickstart(t *testing.T) {
	out, _ := runExample(t, "quickstart")
	first := strings.SplitN(out, "\n", 2)[0]
	if !strings.HasPrefix(first, "== Talking to a LOCAL AWS endpoint at http://127.0.0.1:") {
		t.Errorf("first line = %q, want it to say plainly that it is the local endpoint", first)
	}
	aws, _ := region.InPartition("aws")
	for _, r := range aws {
		re := regexp.MustCompile(`(?m)^` + r.Code + `\s+(\S+)$`)
		m := re.FindStringSubmatch(out)
		if m == nil || !pinnedRef.MatchString(m[1]) || !strings.HasPrefix(m[1], r.RepositoryURI()+":") {
			t.Errorf("no pinned image for %s", r.Code)
		}
	}
	// The policy section parses and allows exactly pulls.
	start := strings.Index(out, "{\n")
	end := strings.Index(out, "\n}\n")
	if start < 0 || end < 0 {
		t.Fatalf("no policy JSON in the output")
	}
	doc, err := iampolicy.Parse([]byte(out[start : end+2]))
	if err != nil {
		t.Fatalf("policy: %v", err)
	}
	if iampolicy.Evaluate(doc, "ecr:BatchGetImage", region.MustLookup("il-central-1").RepositoryARN()) != iampolicy.Allow ||
		iampolicy.Evaluate(doc, "ecr:PutImage", region.MustLookup("us-west-2").RepositoryARN()) == iampolicy.Allow {
		t.Errorf("quickstart policy is not the pull policy")
	}
	for _, want := range []string{
		"registry 840364872350.dkr.ecr.us-west-2.amazonaws.com, user AWS, expires ",
		"(password not shown)",
		"APPMESH_RESOURCE_ARN=arn:aws:appmesh:us-west-2:111122223333:mesh/shop/virtualNode/cart\nENABLE_ENVOY_XRAY_TRACING=1\n",
		"copied: 123456789012.dkr.ecr.us-west-2.amazonaws.com/platform/envoy:v1.39.1.0-prod@sha256:",
		"up-to-date: 123456789012.dkr.ecr.us-west-2.amazonaws.com/platform/envoy:v1.39.1.0-prod@sha256:",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
}

func TestMirror(t *testing.T) {
	out, stderr := runExample(t, "mirror", "-local")
	_, _, digest := seededManifest(t)
	want := "run 1: 123456789012.dkr.ecr.us-west-2.amazonaws.com/platform/envoy:v1.39.1.0-prod copied: 8 blobs copied, 0 skipped, "
	if !strings.Contains(out, want) || !strings.Contains(out, "run 2: 123456789012.dkr.ecr.us-west-2.amazonaws.com/platform/envoy:v1.39.1.0-prod up-to-date: 0 blobs copied") {
		t.Errorf("output:\n%s", out)
	}
	if !strings.Contains(out, "deploy: 123456789012.dkr.ecr.us-west-2.amazonaws.com/platform/envoy:v1.39.1.0-prod@"+digest) {
		t.Errorf("no pinned reference with the source digest %s:\n%s", digest, out)
	}
	if !strings.Contains(stderr, "registry 840364872350.dkr.ecr.us-west-2.amazonaws.com → http://127.0.0.1:") {
		t.Errorf("the overrides are not shown:\n%s", stderr)
	}
	plan, _ := runExample(t, "mirror", "-local", "-dry-run")
	if !strings.Contains(plan, "planned: 8 blobs copied") || strings.Contains(plan, "run 2") {
		t.Errorf("dry run output:\n%s", plan)
	}
	_, msg := runExampleExit(t, nil, 1, "mirror")
	if !strings.Contains(msg, "-to REPOSITORY is required") {
		t.Errorf("without -to against AWS: %s", msg)
	}
}

// seededManifest returns the Envoy index a local endpoint serves.
func seededManifest(t *testing.T) ([]byte, string, string) {
	t.Helper()
	srv := appmeshenvoytest.NewServer()
	defer srv.Close()
	return srv.Manifest()
}
