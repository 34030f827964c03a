package main

import (
	"strings"
	"testing"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/appmeshenvoytest"
	"github.com/appmesh-envoy/appmesh-envoy-go/iampolicy"
	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

// checkRunAllowed checks that the policy allows every operation the local endpoint
// authorized during a run (sts:GetCallerIdentity needs no permission: IAM always
// allows it).
func checkRunAllowed(t *testing.T, doc iampolicy.Document, ops []appmeshenvoytest.Operation) {
	t.Helper()
	if len(ops) == 0 {
		t.Fatal("the run made no operation; nothing was checked")
	}
	for _, op := range ops {
		if op.Action == "sts:GetCallerIdentity" {
			continue
		}
		if d := iampolicy.Evaluate(doc, op.Action, op.Resource); d != iampolicy.Allow {
			t.Errorf("the run did %s on %s, which the policy does not allow (%v)", op.Action, op.Resource, d)
		}
	}
}

// TestPolicyMirrorCoversRun runs 'mirror' against the local endpoint, then 'policy
// --principal mirror' with the same flags: the policy allows everything the run did,
// and not what it did not need.
func TestPolicyMirrorCoversRun(t *testing.T) {
	usw2 := region.MustLookup("us-west-2")
	dest := cliAccount + ".dkr.ecr.us-east-1.amazonaws.com/mirror/envoy"
	destARN := "arn:aws:ecr:us-east-1:" + cliAccount + ":repository/mirror/envoy"
	for _, tt := range []struct {
		name  string
		flags []string
		allow [][2]string
		deny  [][2]string
	}{
		{
			name:  "latest, created with tags",
			flags: []string{"--region", "us-west-2", "--to", dest, "--create-repository", "--repository-tag", "team=platform"},
			allow: [][2]string{{"ecr:TagResource", destARN}},
			deny: [][2]string{{"ecr:PutImage", usw2.RepositoryARN()}, {"ecr:PutImage", "arn:aws:ecr:us-east-1:" + cliAccount + ":repository/other"},
				{"ssm:GetParameter", region.MustLookup("eu-west-1").ParameterARN()}, {"ecr:DeleteRepository", destARN}},
		},
		{
			name:  "a named tag into an existing repository",
			flags: []string{"--region", "us-west-2", "--to", dest, "--tag", appmeshenvoytest.DefaultTag},
			deny:  [][2]string{{"ssm:GetParameter", usw2.ParameterARN()}, {"ecr:CreateRepository", destARN}, {"ecr:TagResource", destARN}},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer(t)
			if !strings.Contains(strings.Join(tt.flags, " "), "--create-repository") {
				if err := ts.CreateRepository(dest, appmeshenvoytest.RepositoryOptions{}); err != nil {
					t.Fatal(err)
				}
			}
			ts.ResetCounts()
			run := ts.run(t, ts.opts(), append([]string{"mirror"}, tt.flags...)...)
			run.wantCode(t, exitOK, tt.flags...)
			ops := ts.Operations()

			args := append([]string{"policy", "--principal", "mirror"}, tt.flags...)
			r := runCLI(t, args...)
			r.wantCode(t, exitOK, args...)
			doc := checkPolicyOutput(t, r.stdout, tt.allow, tt.deny)
			checkRunAllowed(t, doc, ops)
		})
	}
}

// TestPolicyInventoryCoversRun runs 'inventory' over two accounts' roles, then 'policy
// --principal inventory' with the same regions and roles.
func TestPolicyInventoryCoversRun(t *testing.T) {
	ts := inventoryServer(t)
	ts.ResetCounts()
	run := ts.run(t, ts.opts(), "inventory", "--region", "us-west-2", "--role-arn", invRoleA, "--role-arn", invRoleB, "--fail-on", "never")
	run.wantCode(t, exitOK)
	ops := ts.Operations()

	args := []string{"policy", "--principal", "inventory", "--region", "us-west-2", "--role-arn", invRoleA + "," + invRoleB}
	r := runCLI(t, args...)
	r.wantCode(t, exitOK, args...)
	doc := checkPolicyOutput(t, r.stdout,
		[][2]string{{"sts:AssumeRole", invRoleB}},
		[][2]string{
			{"sts:AssumeRole", "arn:aws:iam::333333333333:role/inventory"},
			{"ecs:DescribeServices", "arn:aws:ecs:us-west-2:333333333333:service/prod/web"},
			{"ecs:DescribeServices", "arn:aws:ecs:eu-west-1:111111111111:service/prod/web"},
			{"ecs:UpdateService", "arn:aws:ecs:us-west-2:111111111111:service/prod/web"},
		})
	checkRunAllowed(t, doc, ops)

	// --final-release: no parameter read.
	r = runCLI(t, append(args, "--final-release")...)
	r.wantCode(t, exitOK)
	checkPolicyOutput(t, r.stdout, nil, [][2]string{{"ssm:GetParameter", region.MustLookup("us-west-2").ParameterARN()}})
}

func TestPolicyMirrorInventoryUsage(t *testing.T) {
	dest := cliAccount + ".dkr.ecr.{region}.amazonaws.com/platform/envoy"
	for _, tt := range []struct {
		contains string
		args     []string
	}{
		{"needs the run's destinations", []string{"policy", "--principal", "mirror", "--region", "us-west-2"}},
		{"--to does not apply to --principal puller", []string{"policy", "--region", "us-west-2", "--to", dest}},
		{"--tag does not apply to --principal resolver", []string{"policy", "--principal", "resolver", "--region", "us-west-2", "--tag", "v1.29.12.1-prod"}},
		{"--role-arn does not apply to --principal mirror", []string{"policy", "--principal", "mirror", "--region", "us-west-2", "--to", dest, "--role-arn", invRoleA}},
		{"--repository-tag goes with --create-repository", []string{"policy", "--principal", "mirror", "--region", "us-west-2", "--to", dest, "--repository-tag", "a=b"}},
		{"names no private ECR repository", []string{"policy", "--principal", "mirror", "--region", "us-west-2", "--to", "registry.example.com/envoy"}},
		{"{region}", []string{"policy", "--principal", "mirror", "--region", "us-west-2", "--to", "registry.example.com:{region}/envoy"}},
		{"partition", []string{"policy", "--principal", "mirror", "--region", "cn-north-1", "--to", cliAccount + ".dkr.ecr.us-west-2.amazonaws.com/envoy"}},
		{"not an IAM role ARN", []string{"policy", "--principal", "inventory", "--region", "us-west-2", "--role-arn", "inventory"}},
		{"--mirror does not apply to --principal inventory", []string{"policy", "--principal", "inventory", "--region", "us-west-2", "--mirror", dest}},
	} {
		t.Run(strings.Join(tt.args[1:], " "), func(t *testing.T) {
			r := runCLI(t, tt.args...)
			r.wantCode(t, exitUsage, tt.args...)
			r.wantOneLineError(t, tt.contains)
			if r.stdout != "" {
				t.Errorf("stdout = %q, want nothing", r.stdout)
			}
		})
	}

	// A destination outside ECR is named on stderr and left out of the policy.
	args := []string{"policy", "--principal", "mirror", "--all-regions", "--region-wildcard", "--to", dest, "--to", "registry.example.com/envoy"}
	r := runCLI(t, args...)
	r.wantCode(t, exitOK, args...)
	if !strings.Contains(r.stderr, "--to registry.example.com/envoy is not in ECR") {
		t.Errorf("stderr = %q", r.stderr)
	}
	checkPolicyOutput(t, r.stdout,
		[][2]string{{"ecr:PutImage", "arn:aws:ecr:me-south-1:" + cliAccount + ":repository/platform/envoy"}},
		[][2]string{{"ecr:PutImage", "arn:aws:ecr:us-west-2:" + cliAccount + ":repository/platform/other"}})
}

// TestPolicyResolverPinCoversRun runs 'image --pin' for two regions, then 'policy
// --principal resolver --pin': the policy allows every operation of the run; without
// --pin it does not allow the digest read.
func TestPolicyResolverPinCoversRun(t *testing.T) {
	ts := newTestServer(t)
	ts.ResetCounts()
	run := ts.run(t, ts.opts(), "image", "--region", "us-west-2,eu-west-1", "--pin")
	run.wantCode(t, exitOK)
	ops := ts.Operations()

	args := []string{"policy", "--principal", "resolver", "--region", "us-west-2,eu-west-1", "--pin"}
	r := runCLI(t, args...)
	r.wantCode(t, exitOK, args...)
	doc := checkPolicyOutput(t, r.stdout, nil, [][2]string{
		{"ecr:BatchGetImage", region.MustLookup("me-south-1").RepositoryARN()},
		{"ecr:GetDownloadUrlForLayer", region.MustLookup("us-west-2").RepositoryARN()},
		{"ecr:GetAuthorizationToken", "*"},
	})
	checkRunAllowed(t, doc, ops)

	r = runCLI(t, args[:len(args)-1]...)
	r.wantCode(t, exitOK)
	checkPolicyOutput(t, r.stdout, nil, [][2]string{{"ecr:BatchGetImage", region.MustLookup("us-west-2").RepositoryARN()}})
}
