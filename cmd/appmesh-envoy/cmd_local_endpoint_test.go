package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/appmeshenvoytest"
	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

// localEndpoint is a running 'appmesh-envoy local-endpoint' process.
type localEndpoint struct {
	url    string
	env    map[string]string // the export lines
	lines  []string          // stdout, in order
	stop   func() string     // interrupts it, checks it exits 0, returns its stderr
	stderr *bytes.Buffer
}

// exportLines is how many lines follow the URL on stdout.
const exportLines = 5

// startLocalEndpoint starts 'local-endpoint' with args and reads its stdout.
func startLocalEndpoint(t *testing.T, args ...string) *localEndpoint {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	cmd := exec.CommandContext(ctx, binary, append([]string{"local-endpoint"}, args...)...)
	cmd.Env = testEnv(t, runOpts{})
	le := &localEndpoint{stderr: &bytes.Buffer{}, env: map[string]string{}}
	cmd.Stderr = le.stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	for len(le.lines) < 1+exportLines && sc.Scan() {
		le.lines = append(le.lines, sc.Text())
	}
	stopped := false
	le.stop = func() string {
		t.Helper()
		if stopped {
			return le.stderr.String()
		}
		stopped = true
		defer cancel()
		if err := cmd.Process.Signal(os.Interrupt); err != nil {
			t.Fatal(err)
		}
		if err := cmd.Wait(); err != nil {
			t.Errorf("local-endpoint after an interrupt: %v (stderr: %s)", err, le.stderr.String())
		}
		return le.stderr.String()
	}
	t.Cleanup(func() { le.stop() })
	if len(le.lines) < 1+exportLines || !strings.HasPrefix(le.lines[0], "http://127.0.0.1:") {
		t.Fatalf("stdout lines = %q, want the URL, then %d export lines (stderr: %s)", le.lines, exportLines, le.stderr.String())
	}
	le.url = le.lines[0]
	for _, l := range le.lines[1:] {
		k, v, ok := strings.Cut(strings.TrimPrefix(l, "export "), "=")
		if !ok || !strings.HasPrefix(l, "export ") {
			t.Fatalf("stdout line %q is not an export line", l)
		}
		le.env[k] = v
	}
	return le
}

// opts returns run options with the endpoint's credentials (not its region or URL).
func (le *localEndpoint) opts() runOpts {
	return runOpts{env: []string{"AWS_ACCESS_KEY_ID=" + le.env["AWS_ACCESS_KEY_ID"], "AWS_SECRET_ACCESS_KEY=" + le.env["AWS_SECRET_ACCESS_KEY"]}}
}

// TestLocalEndpoint starts 'local-endpoint --port N --role NAME', reads the URL and the
// export lines from stdout, runs commands against it, and stops it with an interrupt.
func TestLocalEndpoint(t *testing.T) {
	port := strconv.Itoa(freePort(t))
	le := startLocalEndpoint(t, "--port", port, "--role", "web-task", "--region", "eu-west-1")
	want := map[string]string{
		"AWS_ACCESS_KEY_ID": appmeshenvoytest.AccessKeyID, "AWS_SECRET_ACCESS_KEY": appmeshenvoytest.SecretAccessKey,
		"AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "eu-west-1", "AWS_ENDPOINT_URL": le.url,
	}
	if le.url != "http://127.0.0.1:"+port || fmt.Sprint(le.env) != fmt.Sprint(want) {
		t.Errorf("URL %s, exports %v; want port %s and %v", le.url, le.env, port, want)
	}
	r := runWith(t, le.opts(), "--endpoint-url", le.url, "image", "--region", "eu-central-2", "--pin", "-o", "uri")
	r.wantCode(t, exitOK)
	if !strings.HasPrefix(r.stdout, "704106688930.dkr.ecr.eu-central-2.amazonaws.com/aws-appmesh-envoy:") {
		t.Errorf("image from the local endpoint = %q", r.stdout)
	}
	for _, role := range []string{"web-task", "ecsTaskExecutionRole"} {
		r = runWith(t, le.opts(), "--endpoint-url", le.url, "policy", "--region", "us-west-2", "--apply-to-role", role)
		r.wantCode(t, exitOK)
		if !strings.Contains(r.stderr, role) || !strings.HasPrefix(r.stdout, "{") {
			t.Errorf("policy --apply-to-role %s: stdout %q, stderr %q", role, r.stdout, r.stderr)
		}
	}
	stderr := le.stop()
	for _, want := range []string{"serving at " + le.url, "older than 2.13 (v2) or 1.29 (v1) ignores AWS_ENDPOINT_URL: give it --endpoint-url " + le.url, "local AWS endpoint stopped"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr does not contain %q:\n%s", want, stderr)
		}
	}
}

// freePort returns a TCP port of 127.0.0.1 that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func TestLocalEndpointUsageErrors(t *testing.T) {
	tests := []struct {
		args []string
		msg  string
	}{
		{[]string{"--port", "70000"}, "not a TCP port"},
		{[]string{"--port", "-1"}, "not a TCP port"},
		{[]string{"--role", "x/@"}, `--role "x/@" is not an IAM role name`},
		{[]string{"--role", strings.Repeat("r", 65)}, "is not an IAM role name"},
		{[]string{"--region", "us-west-3"}, "did you mean us-west-2?"},
		{[]string{"--latency", "eu-west-1"}, "want REGION=DURATION"},
		{[]string{"--latency", "eu-west-1=soon"}, `"soon" is not a duration`},
		{[]string{"--latency", "eu-west-1=-2s"}, "is not a duration"},
		{[]string{"--latency", "mars-1=2s"}, `unsupported region "mars-1"`},
		{[]string{"--throttle-rate", "1.5"}, "--throttle-rate 1.5 is not a fraction between 0 and 1"},
		{[]string{"--error-rate", "NaN"}, "--error-rate NaN is not a fraction"},
		{[]string{"--throttle-rate", "0.7", "--error-rate", "0.4"}, "add up to more than 1"},
		{[]string{"--fail-region", "eu-west-9"}, "--fail-region: unsupported region"},
		{[]string{"--deny-region", ""}, ""}, // an empty list item is no region: not an error
		{[]string{"--not-enabled", "us-west-2"}, "--not-enabled us-west-2: not an opt-in region"},
		{[]string{"--no-parameter", "x/@"}, "--no-parameter: unsupported region"},
		{[]string{"--seed", "x"}, `flag "--seed": value "x" is not an integer`},
		{[]string{"extra"}, `local-endpoint takes no arguments, got "extra"`},
	}
	for _, tt := range tests {
		if tt.msg == "" {
			continue
		}
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			args := append([]string{"local-endpoint"}, tt.args...)
			r := runCLI(t, args...)
			r.wantCode(t, exitUsage, args...)
			r.wantOneLineError(t, tt.msg)
			if r.stdout != "" {
				t.Errorf("stdout = %q, want nothing (no server started)", r.stdout)
			}
		})
	}
}

// TestLocalEndpointFaults starts the endpoint with every fault flag and checks that each
// error path the README describes shows up with its error code in 'image -o json'.
func TestLocalEndpointFaults(t *testing.T) {
	le := startLocalEndpoint(t,
		"--no-parameter", "eu-north-1", "--not-enabled", "af-south-1", "--fail-region", "ap-south-1",
		"--deny-region", "eu-west-1", "--latency", "eu-west-2=300ms", "--latency", "*=10ms")
	r := runWith(t, le.opts(), "--endpoint-url", le.url, "image", "--all-regions", "-o", "json")
	r.wantCode(t, exitFailed)
	awsRegions, _ := region.InPartition("aws")
	r.wantOneLineError(t, fmt.Sprintf("3 of %d regions failed", len(awsRegions)))
	got := map[string]imageJSON{}
	for _, row := range decodeImages(t, r.stdout) {
		got[row.Region] = row
	}
	want := map[string][2]string{ // status, code
		"eu-north-1": {statusFailed, "parameter-not-found"},
		"af-south-1": {statusNotEnabled, "region-not-enabled"},
		"ap-south-1": {statusFailed, "server-error"},
		"eu-west-1":  {statusFailed, "access-denied"},
		"eu-west-2":  {statusOK, ""},
		"us-west-2":  {statusOK, ""},
	}
	for code, w := range want {
		if row := got[code]; row.Status != w[0] || row.Code != w[1] {
			t.Errorf("%s: status %q code %q, want %q %q (error %q)", code, row.Status, row.Code, w[0], w[1], row.Error)
		}
	}
	stderr := le.stop()
	for _, want := range []string{"fault: latency 300ms in eu-west-2", "fault: latency 10ms in *", "fault: ap-south-1: every request fails with HTTP 500",
		"fault: eu-west-1: every request is denied", "fault: af-south-1: not enabled for the account", "fault: eu-north-1: no public Envoy parameter"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr does not contain %q:\n%s", want, stderr)
		}
	}
}

// TestLocalEndpointRates: --throttle-rate and --error-rate with a seed fail a share of
// the requests with throttled and server-error codes, the same share on every run.
func TestLocalEndpointRates(t *testing.T) {
	codes := func() string {
		le := startLocalEndpoint(t, "--throttle-rate", "0.6", "--error-rate", "0.3", "--seed", "7")
		defer le.stop()
		r := runWith(t, le.opts(), "--endpoint-url", le.url, "image", "--region", "us-west-2", "-o", "json")
		rows := decodeImages(t, r.stdout)
		if len(rows) != 1 {
			t.Fatalf("rows = %v", rows)
		}
		return rows[0].Status + " " + rows[0].Code
	}
	first := codes()
	if !regexp.MustCompile(`^(ok |failed (throttled|server-error))$`).MatchString(first) {
		t.Errorf("status and code %q, want ok or a throttled or server-error failure", first)
	}
	if again := codes(); again != first {
		t.Errorf("the same seed gave %q, then %q", first, again)
	}
	// All of them: every attempt fails.
	le := startLocalEndpoint(t, "--throttle-rate", "1")
	r := runWith(t, le.opts(), "--endpoint-url", le.url, "image", "--region", "us-west-2", "-o", "json")
	r.wantCode(t, exitFailed)
	if rows := decodeImages(t, r.stdout); rows[0].Code != "throttled" {
		t.Errorf("--throttle-rate 1: %+v", rows[0])
	}
}

// awsCLIWithEndpointURL returns an AWS CLI that honours AWS_ENDPOINT_URL (AWS CLI 2.13 or
// later, 1.29 or later: https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html),
// from PATH or /usr/bin/aws, or "" when there is none.
func awsCLIWithEndpointURL(t *testing.T) string {
	t.Helper()
	var candidates []string
	if p, err := exec.LookPath("aws"); err == nil {
		candidates = append(candidates, p)
	}
	candidates = append(candidates, "/usr/bin/aws")
	version := regexp.MustCompile(`^aws-cli/(\d+)\.(\d+)\.`)
	for _, c := range candidates {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		cmd := exec.CommandContext(ctx, c, "--version")
		cmd.Env = testEnv(t, runOpts{})
		out, err := cmd.CombinedOutput()
		cancel()
		m := version.FindStringSubmatch(string(out))
		if err != nil || m == nil {
			continue
		}
		major, _ := strconv.Atoi(m[1])
		minor, _ := strconv.Atoi(m[2])
		if major == 2 && minor >= 13 || major == 1 && minor >= 29 {
			t.Logf("AWS CLI that honours AWS_ENDPOINT_URL: %s (%s)", c, strings.TrimSpace(string(out)))
			return c
		}
	}
	return ""
}

// TestLocalEndpointEval runs the README's recipe in bash: start the endpoint in the
// background, eval its export lines, then run this tool (and an AWS CLI that honours
// AWS_ENDPOINT_URL, when one is installed) without --endpoint-url.
func TestLocalEndpointEval(t *testing.T) {
	sh := shell(t, "bash")
	dir := t.TempDir()
	aws := awsCLIWithEndpointURL(t)
	script := `set -e
appmesh-envoy local-endpoint --no-parameter eu-north-1 > endpoint.txt 2> endpoint.err &
for _ in $(seq 300); do [ -s endpoint.txt ] && break; sleep 0.1; done
eval "$(tail -n +2 endpoint.txt)"
appmesh-envoy image --all-regions -o json > image.json && echo "image exit 0" || echo "image exit $?"
if [ -n "$AWS" ]; then
	"$AWS" ssm get-parameter --name /aws/service/appmesh/envoy --region eu-west-1 --query Parameter.Value --output text > aws.txt
fi
kill %1
wait %1 || true
`
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, sh, "--norc", "--noprofile", "-c", script)
	cmd.Dir = dir
	// Nothing in the environment points at the endpoint: only what eval sets. The
	// credentials of testEnv are wrong for it, so only the exported ones work.
	cmd.Env = append(testEnv(t, runOpts{}), "PATH="+filepath.Dir(binary)+string(os.PathListSeparator)+os.Getenv("PATH"), "AWS="+aws,
		"AWS_RETRY_MODE=standard", "AWS_MAX_ATTEMPTS=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("script: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "image exit 1") {
		t.Errorf("image --all-regions with one region's parameter gone: want exit 1; output:\n%s", out)
	}
	data, err := os.ReadFile(filepath.Join(dir, "image.json"))
	if err != nil {
		t.Fatal(err)
	}
	rows := decodeImages(t, string(data))
	aws2, _ := region.InPartition("aws")
	if len(rows) != len(aws2) {
		t.Fatalf("%d rows, want %d", len(rows), len(aws2))
	}
	for _, row := range rows {
		if (row.Region == "eu-north-1") != (row.Code == "parameter-not-found") || row.Region != "eu-north-1" && row.Status != statusOK {
			t.Errorf("row %+v: want every region ok but eu-north-1, whose parameter is gone", row)
		}
	}
	if aws == "" {
		t.Log("no AWS CLI that honours AWS_ENDPOINT_URL is installed; only this tool was checked")
		return
	}
	got, err := os.ReadFile(filepath.Join(dir, "aws.txt"))
	if want := region.MustLookup("eu-west-1").RepositoryURI() + ":" + appmeshenvoytest.DefaultTag; err != nil || strings.TrimSpace(string(got)) != want {
		t.Errorf("aws ssm get-parameter after eval = %q (%v), want %s\n%s", got, err, want, out)
	}
}

// TestImageHonoursAWSEndpointURL: without --endpoint-url, AWS_ENDPOINT_URL sends every
// request to the endpoint (the SDK reads it; this tool must not switch it off).
func TestImageHonoursAWSEndpointURL(t *testing.T) {
	ts := newTestServer(t)
	r := runWith(t, ts.opts("AWS_ENDPOINT_URL="+ts.URL), "image", "--all-regions", "--pin", "-o", "json")
	r.wantCode(t, exitOK)
	var rows []imageJSON
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil || len(rows) == 0 {
		t.Fatalf("image output: %v\n%s", err, r.stdout)
	}
	if n := ts.Requests("ssm:GetParameter", "*"); n != len(rows) {
		t.Errorf("%d GetParameter requests reached AWS_ENDPOINT_URL, want %d", n, len(rows))
	}
	if n := ts.Requests("ecr:BatchGetImage", "*"); n != len(rows) {
		t.Errorf("%d BatchGetImage requests reached AWS_ENDPOINT_URL, want %d", n, len(rows))
	}
}

// TestLocalEndpointHelpRecipes: --help has a recipe (a command line) for every fault flag.
func TestLocalEndpointHelpRecipes(t *testing.T) {
	r := runCLI(t, "local-endpoint", "--help")
	r.wantCode(t, exitOK)
	_, faults, ok := strings.Cut(r.stdout, "Faults,")
	faults, _, _ = strings.Cut(faults, "Flags:")
	if !ok {
		t.Fatalf("--help has no fault recipes:\n%s", r.stdout)
	}
	var f localFaults
	c := (&app{}).newCmd("local-endpoint", "", "", "")
	f.register(c)
	c.VisitAll(func(fl *flag.Flag) {
		if globalFlagNames[fl.Name] || fl.Name == "seed" {
			return
		}
		if !regexp.MustCompile(`(?m)^    appmesh-envoy local-endpoint .*--` + regexp.QuoteMeta(fl.Name) + ` `).MatchString(faults) {
			t.Errorf("no recipe in --help starts the endpoint with --%s", fl.Name)
		}
	})
}
