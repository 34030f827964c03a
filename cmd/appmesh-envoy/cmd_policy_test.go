package main

import (
	"strings"
	"testing"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/appmeshenvoytest"
	"github.com/appmesh-envoy/appmesh-envoy-go/iampolicy"
	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

const testNode = "arn:aws:appmesh:us-west-2:111122223333:mesh/shop/virtualNode/cart"

func TestPolicy(t *testing.T) {
	usw2 := region.MustLookup("us-west-2")
	mes1 := region.MustLookup("me-south-1")
	tests := []struct {
		name  string
		args  []string
		allow [][2]string // action, resource
		deny  [][2]string
	}{
		{
			name:  "puller, all regions",
			args:  []string{"policy", "--principal", "puller", "--all-regions"},
			allow: [][2]string{{"ecr:GetAuthorizationToken", "*"}, {"ecr:BatchGetImage", usw2.RepositoryARN()}, {"ecr:GetDownloadUrlForLayer", mes1.RepositoryARN()}},
			deny:  [][2]string{{"ssm:GetParameter", usw2.ParameterARN()}, {"ecr:PutImage", usw2.RepositoryARN()}, {"ecr:BatchGetImage", region.MustLookup("cn-north-1").RepositoryARN()}},
		},
		{
			name:  "puller default, configured region, with a mirror URI",
			args:  []string{"policy", "--mirror", "111122223333.dkr.ecr.eu-west-1.amazonaws.com/team/envoy"},
			allow: [][2]string{{"ecr:BatchGetImage", usw2.RepositoryARN()}, {"ecr:BatchGetImage", "arn:aws:ecr:eu-west-1:111122223333:repository/team/envoy"}},
			deny:  [][2]string{{"ecr:BatchGetImage", mes1.RepositoryARN()}},
		},
		{
			name:  "envoy with x-ray",
			args:  []string{"policy", "--principal", "envoy", "--virtual-node", testNode, "--xray"},
			allow: [][2]string{{"appmesh:StreamAggregatedResources", testNode}, {"xray:PutTraceSegments", "*"}},
			deny:  [][2]string{{"appmesh:StreamAggregatedResources", strings.Replace(testNode, "cart", "other", 1)}, {"ecr:GetAuthorizationToken", "*"}},
		},
		{
			name:  "resolver",
			args:  []string{"policy", "--principal", "resolver", "--region", "us-west-2"},
			allow: [][2]string{{"ssm:GetParameter", usw2.ParameterARN()}},
			deny:  [][2]string{{"ssm:GetParameter", mes1.ParameterARN()}, {"ecr:GetAuthorizationToken", "*"}},
		},
		{
			name:  "all",
			args:  []string{"policy", "--principal", "all", "--region", "us-west-2", "--virtual-gateway", "arn:aws:appmesh:us-west-2:111122223333:mesh/shop/virtualGateway/gw"},
			allow: [][2]string{{"ecr:BatchGetImage", usw2.RepositoryARN()}, {"ssm:GetParameter", usw2.ParameterARN()}, {"appmesh:StreamAggregatedResources", "arn:aws:appmesh:us-west-2:111122223333:mesh/shop/virtualGateway/gw"}},
			deny:  [][2]string{{"xray:PutTraceSegments", "*"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, tt.args...)
			r.wantCode(t, exitOK, tt.args...)
			if r.stderr != "" {
				t.Errorf("stderr = %q", r.stderr)
			}
			checkPolicyOutput(t, r.stdout, tt.allow, tt.deny)
		})
	}
}

// checkPolicyOutput checks that stdout is only a valid policy that allows every
// action-resource pair of allow and none of deny, and returns it.
func checkPolicyOutput(t *testing.T, stdout string, allow, deny [][2]string) iampolicy.Document {
	t.Helper()
	doc, err := iampolicy.Parse([]byte(stdout))
	if err != nil {
		t.Fatalf("stdout is not only a policy: %v\n%s", err, stdout)
	}
	if err := doc.Validate(); err != nil {
		t.Errorf("policy does not validate: %v", err)
	}
	for _, ar := range allow {
		if d := iampolicy.Evaluate(doc, ar[0], ar[1]); d != iampolicy.Allow {
			t.Errorf("%s on %s: %v, want allowed", ar[0], ar[1], d)
		}
	}
	for _, ar := range deny {
		if d := iampolicy.Evaluate(doc, ar[0], ar[1]); d == iampolicy.Allow {
			t.Errorf("%s on %s is allowed; least privilege says no", ar[0], ar[1])
		}
	}
	return doc
}

func TestPolicyUsageErrors(t *testing.T) {
	tests := []struct {
		contains string
		args     []string
	}{
		{"is not one of puller", []string{"policy", "--principal", "admin"}},
		{"needs the proxy's identity", []string{"policy", "--principal", "envoy"}},
		{"full ARN", []string{"policy", "--principal", "envoy", "--virtual-node", "mesh/shop/virtualNode/cart"}},
		{"is a virtualNode", []string{"policy", "--principal", "envoy", "--virtual-gateway", testNode}},
		{"preview-channel", []string{"policy", "--principal", "envoy", "--virtual-node", "arn:aws:appmesh-preview:us-west-2:111122223333:mesh/shop/virtualNode/cart"}},
		{"partition", []string{"policy", "--principal", "all", "--all-regions", "--virtual-node", "arn:aws-cn:appmesh:cn-north-1:111122223333:mesh/a/virtualNode/b"}},
		{"is in partition aws-cn, not aws", []string{"policy", "--region", "us-west-2", "--region", "cn-north-1"}},
		{"not a private ECR repository", []string{"policy", "--mirror", "public.ecr.aws/appmesh/aws-appmesh-envoy"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args[1:], " "), func(t *testing.T) {
			r := runCLI(t, tt.args...)
			r.wantCode(t, exitUsage, tt.args...)
			r.wantOneLineError(t, tt.contains)
			if r.stdout != "" {
				t.Errorf("stdout = %q, want nothing", r.stdout)
			}
		})
	}
}

func TestPolicyApplyToRole(t *testing.T) {
	ts := newTestServer(t)
	ts.AddRole("task-exec")
	// The server's inspection methods look at its default identity's account.
	ts.keyID, ts.secret = appmeshenvoytest.AccessKeyID, appmeshenvoytest.SecretAccessKey
	args := []string{"policy", "--region", "us-west-2", "--apply-to-role", "task-exec"}

	r := ts.run(t, ts.opts(), append(args, "--dry-run")...)
	r.wantCode(t, exitOK)
	if _, ok := ts.RolePolicy("task-exec", "AppMeshEnvoy-puller"); ok {
		t.Fatal("--dry-run stored the policy")
	}
	if !strings.Contains(r.stderr, "would call PutRolePolicy") {
		t.Errorf("dry run stderr = %q", r.stderr)
	}
	if _, err := iampolicy.Parse([]byte(r.stdout)); err != nil {
		t.Errorf("stdout is not only the policy: %v", err)
	}

	r = ts.run(t, ts.opts(), args...)
	r.wantCode(t, exitOK)
	stored, ok := ts.RolePolicy("task-exec", "AppMeshEnvoy-puller")
	if !ok {
		t.Fatal("the policy was not stored")
	}
	want, _ := iampolicy.Parse([]byte(r.stdout))
	got, err := iampolicy.Parse([]byte(stored))
	if err != nil || !iampolicy.Equivalent(want, got) {
		t.Errorf("stored policy differs from the printed one (%v)", err)
	}
	r = ts.run(t, ts.opts(), args...)
	r.wantCode(t, exitOK)
	if !strings.Contains(r.stderr, "up to date") {
		t.Errorf("second apply stderr = %q, want up to date", r.stderr)
	}

	managed := []string{"policy", "--region", "us-west-2", "--apply-to-role", "task-exec", "--managed", "envoy-pull"}
	r = ts.run(t, ts.opts(), append(managed, "--dry-run")...)
	r.wantCode(t, exitOK)
	if att := ts.AttachedPolicies("task-exec"); len(att) != 0 {
		t.Fatalf("--managed --dry-run attached %v", att)
	}
	if !strings.Contains(r.stderr, "would call CreatePolicy") || !strings.Contains(r.stderr, "AttachRolePolicy") {
		t.Errorf("--managed --dry-run stderr = %q, want the calls it would make", r.stderr)
	}
	if _, err := iampolicy.Parse([]byte(r.stdout)); err != nil {
		t.Errorf("--managed --dry-run stdout is not only the policy: %v", err)
	}
	r = ts.run(t, ts.opts(), managed...)
	r.wantCode(t, exitOK)
	if _, err := iampolicy.Parse([]byte(r.stdout)); err != nil {
		t.Errorf("--managed stdout is not only the policy: %v", err)
	}
	if att := ts.AttachedPolicies("task-exec"); len(att) != 1 || !strings.HasSuffix(att[0], ":policy/envoy-pull") {
		t.Errorf("attached policies = %v", att)
	}

	r = runCLI(t, "policy", "--dry-run")
	r.wantCode(t, exitUsage)
	r.wantOneLineError(t, "--apply-to-role")
}

// TestPolicyMirrorInput checks --mirror input a user pastes: an image reference with a tag
// or digest is refused with a message naming the repository to give instead (it used to
// become a repository ARN ending in ":TAG" and a confusing library error), a trailing
// slash is dropped, and --mirrors-only without --mirror names the flags.
func TestPolicyMirrorInput(t *testing.T) {
	const host = "111122223333.dkr.ecr.us-west-2.amazonaws.com"
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stdout string // substring of stdout when exit 0
		msg    string // substring of the error otherwise
	}{
		{"tag", []string{"--mirror", host + "/envoy:v1.29.6.0-prod"}, exitUsage, "", "--mirror: invalid repository"},
		{"tag names the repository", []string{"--mirror", host + "/envoy:v1.29.6.0-prod"}, exitUsage, "", "image reference; give the repository without tag or digest: " + host + "/envoy"},
		{"digest", []string{"--mirror", host + "/team/envoy@sha256:abc"}, exitUsage, "", "without tag or digest: " + host + "/team/envoy"},
		{"ARN prefix form", []string{"--mirror", "arn:aws:ecr:us-west-2:111122223333:repository/team/*"}, exitOK, `"arn:aws:ecr:us-west-2:111122223333:repository/team/*"`, ""},
		{"bad ARN", []string{"--mirror", "arn:aws:ecr:us-west-2:1234:repository/envoy"}, exitUsage, "", "12-digit"},
		{"trailing slash", []string{"--mirror", "https://" + host + "/team/envoy/"}, exitOK, `"arn:aws:ecr:us-west-2:111122223333:repository/team/envoy"`, ""},
		{"mirrors-only alone", []string{"--mirrors-only"}, exitUsage, "", "--mirrors-only needs at least one --mirror"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, append([]string{"policy", "--principal", "puller", "--region", "us-west-2"}, tc.args...)...)
			r.wantCode(t, tc.code)
			if tc.code == exitOK {
				if !strings.Contains(r.stdout, tc.stdout) {
					t.Errorf("stdout lacks %s:\n%s", tc.stdout, r.stdout)
				}
				return
			}
			r.wantOneLineError(t, tc.msg)
		})
	}
}

// TestPolicyGarbageIsUsage: input that would otherwise be ignored or misread exits 2
// with one line that says what is wrong, never a silent exit 0 (an empty --apply-to-role
// from an unset $ROLE, flags that do not apply to the chosen principal).
func TestPolicyGarbageIsUsage(t *testing.T) {
	for _, tc := range []struct {
		msg  string
		args []string
	}{
		{"--apply-to-role was given an empty value", []string{"--region", "us-west-2", "--apply-to-role", ""}},
		{"--apply-to-role was given an empty value", []string{"--region", "us-west-2", "--apply-to-role= "}},
		{"--policy-name was given an empty value", []string{"--region", "us-west-2", "--apply-to-role", "r", "--policy-name", ""}},
		{"--region was given an empty value", []string{"--region", ""}},
		{"--partition was given an empty value", []string{"--all-regions", "--partition", ""}},
		{"--xray does not apply to --principal puller", []string{"--principal", "puller", "--region", "us-west-2", "--xray"}},
		{"--virtual-node does not apply to --principal resolver", []string{"--principal", "resolver", "--region", "us-west-2", "--virtual-node", testNode}},
		{"--mirror does not apply to --principal envoy", []string{"--principal", "envoy", "--virtual-node", testNode, "--mirror", "111122223333.dkr.ecr.us-west-2.amazonaws.com/envoy"}},
		{"--all-regions does not apply to --principal envoy", []string{"--principal", "envoy", "--virtual-node", testNode, "--all-regions"}},
		{"--batch-check-layer-availability does not apply to --principal resolver", []string{"--principal", "resolver", "--region", "us-west-2", "--batch-check-layer-availability"}},
		{"--timeout goes with --apply-to-role", []string{"--region", "us-west-2", "--timeout", "5s"}},
		{"--timeout 0s: give a positive duration", []string{"--region", "us-west-2", "--apply-to-role", "r", "--timeout", "0"}},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			r := runCLI(t, append([]string{"policy"}, tc.args...)...)
			r.wantCode(t, exitUsage, tc.args...)
			r.wantOneLineError(t, tc.msg)
			if r.stdout != "" {
				t.Errorf("stdout = %q, want nothing", r.stdout)
			}
		})
	}
}

// TestPolicyMirrorNoPanic: repository input that used to panic the command (an index
// out of range in its own URI splitting) is one usage error line.
func TestPolicyMirrorNoPanic(t *testing.T) {
	for _, m := range []string{"x/@", "HOST/:", "x/::@@", "111122223333.dkr.ecr.us-west-2.amazonaws.com/:", "111122223333.dkr.ecr.us-west-2.amazonaws.com/@@"} {
		t.Run(m, func(t *testing.T) {
			r := runCLI(t, "policy", "--region", "us-west-2", "--mirror", m)
			r.wantCode(t, exitUsage)
			r.wantOneLineError(t, "--mirror")
			if r.stdout != "" {
				t.Errorf("stdout = %q, want nothing", r.stdout)
			}
		})
	}
}

// TestPolicyApplyDeadline: --apply-to-role against an IAM that never answers ends after
// --timeout with one error line (exit 1) instead of waiting forever.
func TestPolicyApplyDeadline(t *testing.T) {
	ts := newTestServer(t)
	ts.AddRole("task-exec")
	ts.Stall("iam:GetRole", "*")
	args := []string{"policy", "--region", "us-west-2", "--apply-to-role", "task-exec", "--timeout", "300ms"}
	r := ts.run(t, ts.opts(), args...)
	r.wantCode(t, exitFailed, args...)
	r.wantOneLineError(t, "iam:GetRole did not finish within 300ms")
	if r.stdout != "" {
		t.Errorf("stdout = %q, want nothing (the policy was not stored)", r.stdout)
	}
	if _, ok := ts.RolePolicy("task-exec", "AppMeshEnvoy-puller"); ok {
		t.Error("the policy was stored")
	}
}
