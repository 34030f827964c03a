package iampolicy

import (
	"bytes"
	"context"
	"encoding/json"
	"go/format"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/appmesh-envoy/appmesh-envoy-go/region"
	"github.com/google/go-cmp/cmp"
)

// The least-privilege check: every builder's output goes through an IAM simulator that
// no one here wrote (the npm package @cloud-copilot/iam-simulate, pinned in
// testdata/iamsim/package-lock.json, run with the machine's Node.js) over a matrix of
// actions × resources. What a pull, an Envoy or a resolver needs must be allowed, the
// neighbours denied, and Evaluate must give the same answer on every request.

const simDir = "testdata/iamsim"

// needNode returns the node binary, or skips when node or the simulator's node_modules
// are missing. It fails instead when CI is set, or when required (go generate asked for
// the action table, which cannot be made without them).
func needNode(t *testing.T, required bool) string {
	t.Helper()
	missing := func(what string) {
		if os.Getenv("CI") != "" || required {
			t.Fatalf("%s is missing; run npm ci --prefix iampolicy/testdata/iamsim (needs Node.js)", what)
		}
		t.Skipf("%s is missing; run npm ci --prefix iampolicy/testdata/iamsim", what)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing("node (Node.js)")
	}
	if _, err := os.Stat(filepath.Join(simDir, "node_modules", "@cloud-copilot", "iam-simulate", "package.json")); err != nil {
		missing("the iam-simulate package (node_modules)")
	}
	return node
}

type simRequest struct {
	Action   string `json:"action"`
	Resource string `json:"resource"`
	// Context holds request context keys, such as sts:AWSServiceName.
	Context map[string]string `json:"context,omitempty"`
}

type simResult struct {
	Action      string `json:"action"`
	Resource    string `json:"resource"`
	Decision    string `json:"decision"`
	Error       string `json:"error"`
	Unvalidated bool   `json:"unvalidated"`
}

func runSim(t *testing.T, node string, doc Document, reqs []simRequest) []simResult {
	t.Helper()
	job, err := json.Marshal(struct {
		Policy   Document     `json:"policy"`
		Requests []simRequest `json:"requests"`
	}{doc, reqs})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "sim.mjs")
	cmd.Dir = simDir
	cmd.Stdin = bytes.NewReader(job)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node sim.mjs: %v\n%s", err, stderr.String())
	}
	var res []simResult
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("sim output: %v\n%s", err, out)
	}
	if len(res) != len(reqs) {
		t.Fatalf("sim answered %d requests, want %d", len(res), len(reqs))
	}
	return res
}

func simDecision(s string) (Decision, bool) {
	switch s {
	case "Allowed":
		return Allow, true
	case "ImplicitlyDenied":
		return ImplicitDeny, true
	case "ExplicitlyDenied":
		return ExplicitDeny, true
	}
	return 0, false
}

// matrix returns every request of the least-privilege matrix.
func matrix() []simRequest {
	var reqs []simRequest
	add := func(actions []string, resources ...string) {
		for _, a := range actions {
			for _, r := range resources {
				reqs = append(reqs, simRequest{Action: a, Resource: r})
			}
		}
	}
	var repos, params []string
	for _, r := range region.All() {
		repos = append(repos, r.RepositoryARN())
		params = append(params, r.ParameterARN())
	}
	repos = append(repos,
		// Neighbours: other repositories of the owner, the same name in other accounts,
		// a region the image is not published in, the user's mirror and its neighbours.
		"arn:aws:ecr:us-west-2:840364872350:repository/aws-appmesh-envoy-other",
		"arn:aws:ecr:us-west-2:840364872350:repository/other",
		"arn:aws:ecr:us-west-2:111122223333:repository/aws-appmesh-envoy",
		"arn:aws:ecr:eu-south-1:840364872350:repository/aws-appmesh-envoy",
		"arn:aws:ecr:ap-east-2:058264503299:repository/aws-appmesh-envoy",
		testMirror,
		"arn:aws:ecr:us-west-2:111122223333:repository/mirror/other",
		"arn:aws:ecr:us-east-1:111122223333:repository/mirror/aws-appmesh-envoy",
		// A pull-through cache of the gallery and its neighbours.
		testCached,
		testCache+"/other",
		"arn:aws:ecr:us-west-2:111122223333:repository/ecr-public2/appmesh/aws-appmesh-envoy",
		"arn:aws:ecr:us-east-1:111122223333:repository/ecr-public/appmesh/aws-appmesh-envoy",
		"arn:aws:ecr:us-west-2:444455556666:repository/ecr-public/appmesh/aws-appmesh-envoy",
	)
	params = append(params,
		"arn:aws:ssm:us-west-2::parameter/aws/service/ecs/optimized-ami/amazon-linux-2/recommended",
		"arn:aws:ssm:us-west-2::parameter/aws/service/appmesh/envoy-other",
		"arn:aws:ssm:us-west-2:111122223333:parameter/aws/service/appmesh/envoy",
		"arn:aws:ssm:us-west-2:111122223333:parameter/app/config",
	)
	meshes := []string{
		testNode, testGateway,
		"arn:aws:appmesh:us-west-2:111122223333:mesh/shop/virtualNode/payments",
		"arn:aws:appmesh:us-west-2:111122223333:mesh/shop/virtualGateway/ingress",
		"arn:aws:appmesh:us-west-2:111122223333:mesh/other/virtualNode/cart",
		"arn:aws:appmesh:us-west-2:444455556666:mesh/shop/virtualNode/cart",
		"arn:aws:appmesh:us-east-1:111122223333:mesh/shop/virtualNode/cart",
		"arn:aws-cn:appmesh:cn-north-1:111122223333:mesh/shop/virtualNode/cart",
		"arn:aws-cn:appmesh:cn-north-1:111122223333:mesh/shop/virtualNode/payments",
	}
	add([]string{"ecr:GetAuthorizationToken", "xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules",
		"xray:GetSamplingTargets", "xray:GetSamplingStatisticSummaries", "xray:GetTraceSummaries",
		"ecr-public:GetAuthorizationToken", "ecr:CreatePullThroughCacheRule", "ecr:DescribePullThroughCacheRules",
		"ecr:DeletePullThroughCacheRule", "sts:GetServiceBearerToken"}, "*")
	add([]string{"ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability",
		"ecr:PutImage", "ecr:DescribeRepositories", "ecr:ListImages", "ecr:InitiateLayerUpload",
		"ecr:DescribeImages", "ecr:BatchImportUpstreamImage", "ecr:CreateRepository"}, repos...)
	add([]string{"ssm:GetParameter", "ssm:GetParameters", "ssm:PutParameter", "ssm:GetParametersByPath"}, params...)
	add([]string{"appmesh:StreamAggregatedResources"}, meshes...)
	for _, m := range meshes {
		if strings.Contains(m, "/virtualNode/") {
			add([]string{"appmesh:DescribeVirtualNode"}, m)
		} else {
			add([]string{"appmesh:DescribeVirtualGateway"}, m)
		}
	}
	return reqs
}

// grant is what a policy is meant to allow: actions on the resources a predicate picks.
type grant struct {
	actions  []string
	resource func(string) bool
}

func exact(rs ...string) func(string) bool {
	return func(r string) bool {
		for _, x := range rs {
			if x == r {
				return true
			}
		}
		return false
	}
}

func reposOf(codes ...string) []string {
	var out []string
	for _, c := range codes {
		out = append(out, region.MustLookup(c).RepositoryARN())
	}
	return out
}

func paramsOf(codes ...string) []string {
	var out []string
	for _, c := range codes {
		out = append(out, region.MustLookup(c).ParameterARN())
	}
	return out
}

func codesOf(partition string) []string {
	rs, _ := region.InPartition(partition)
	return region.Codes(rs)
}

// anyRegionRepo matches the Envoy repository name of the registry accounts of a
// partition in any region of that partition (the region-wildcard form).
func anyRegionRepo(partition string) func(string) bool {
	accounts := map[string]bool{}
	rs, _ := region.InPartition(partition)
	for _, r := range rs {
		accounts[r.Account] = true
	}
	return func(s string) bool {
		a, ok := splitARN(s)
		return ok && a.Partition == partition && a.Service == "ecr" && accounts[a.AccountID] && a.Resource == "repository/"+region.RepositoryName
	}
}

var (
	pullActions  = []string{"ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"}
	authGrant    = grant{[]string{"ecr:GetAuthorizationToken"}, exact("*")}
	xrayGrant    = grant{xrayActions, exact("*")}
	paramActions = []string{"ssm:GetParameter", "ssm:GetParameters"}
)

// intended lists, per builder case, what the policy is meant to allow; everything else
// in the matrix must be denied.
var intended = map[string][]grant{
	"pull-us-west-2": {authGrant, {pullActions, exact(reposOf("us-west-2")...)}},
	"pull-eu-south-1-us-west-2-check-layer": {authGrant, {append([]string{"ecr:BatchCheckLayerAvailability"}, pullActions...),
		exact(reposOf("eu-south-1", "us-west-2")...)}},
	"pull-all-aws":               {authGrant, {pullActions, exact(reposOf(codesOf("aws")...)...)}},
	"pull-all-aws-wildcard":      {authGrant, {pullActions, anyRegionRepo("aws")}},
	"pull-all-aws-cn":            {authGrant, {pullActions, exact(reposOf(codesOf("aws-cn")...)...)}},
	"pull-us-west-2-mirror":      {authGrant, {pullActions, exact(append(reposOf("us-west-2"), testMirror)...)}},
	"pull-us-west-2-mirror-only": {authGrant, {pullActions, exact(testMirror)}},
	"proxy-node":                 {{[]string{"appmesh:StreamAggregatedResources"}, exact(testNode)}},
	"proxy-node-gateway-tracing": {{[]string{"appmesh:StreamAggregatedResources"}, exact(testNode, testGateway)}, xrayGrant},
	"proxy-mesh": {{[]string{"appmesh:StreamAggregatedResources"}, func(s string) bool {
		return strings.HasPrefix(s, testMesh+"/virtualNode/")
	}}},
	"proxy-node-aws-cn":    {{[]string{"appmesh:StreamAggregatedResources"}, exact("arn:aws-cn:appmesh:cn-north-1:111122223333:mesh/shop/virtualNode/cart")}},
	"parameter-us-west-2":  {{paramActions, exact(paramsOf("us-west-2")...)}},
	"parameter-all-aws":    {{paramActions, exact(paramsOf(codesOf("aws")...)...)}},
	"parameter-all-aws-cn": {{paramActions, exact(paramsOf(codesOf("aws-cn")...)...)}},
	"parameter-all-aws-wildcard": {{paramActions, func(s string) bool {
		a, ok := splitARN(s)
		return ok && a.Partition == "aws" && a.AccountID == "" && a.Resource == "parameter"+region.ParameterName
	}}},
	"pull-us-west-2-cache": {authGrant, {pullActions, exact(append(reposOf("us-west-2"), testCached)...)},
		{[]string{"ecr:BatchImportUpstreamImage", "ecr:CreateRepository"}, func(s string) bool { return strings.HasPrefix(s, testCache+"/") }}},
	"pull-us-west-2-cache-only": {authGrant, {pullActions, exact(testCached)},
		{[]string{"ecr:BatchImportUpstreamImage", "ecr:CreateRepository"}, func(s string) bool { return strings.HasPrefix(s, testCache+"/") }}},
	// sts:GetServiceBearerToken is allowed only with its condition met: see
	// TestGalleryBearerTokenCondition.
	"pull-us-west-2-gallery":  {authGrant, {pullActions, exact(reposOf("us-west-2")...)}, {[]string{"ecr-public:GetAuthorizationToken"}, exact("*")}},
	"parameter-us-west-2-pin": {{paramActions, exact(paramsOf("us-west-2")...)}, {[]string{"ecr:BatchGetImage"}, exact(reposOf("us-west-2")...)}},
	"parameter-all-aws-wildcard-pin": {{paramActions, func(s string) bool {
		a, ok := splitARN(s)
		return ok && a.Partition == "aws" && a.AccountID == "" && a.Resource == "parameter"+region.ParameterName
	}}, {[]string{"ecr:BatchGetImage"}, anyRegionRepo("aws")}},
	"parameter-us-west-2-fallback": {{paramActions, exact(paramsOf("us-west-2")...)}, authGrant,
		{[]string{"ecr:BatchGetImage", "ecr:DescribeImages", "ecr:ListImages"}, exact(testMirror, testCached)}},
	"cache-admin": {{[]string{"ecr:CreatePullThroughCacheRule", "ecr:DescribePullThroughCacheRules"}, exact("*")}},
	"combined-all-aws": {authGrant, xrayGrant,
		{pullActions, exact(reposOf(codesOf("aws")...)...)},
		{[]string{"appmesh:StreamAggregatedResources"}, exact(testNode)},
		{paramActions, exact(paramsOf(codesOf("aws")...)...)}},
}

func (c builderCase) wants(action, resource string) bool {
	for _, g := range intended[c.name] {
		for _, a := range g.actions {
			if strings.EqualFold(a, action) && g.resource(resource) {
				return true
			}
		}
	}
	return false
}

func TestLeastPrivilegeAgainstSimulator(t *testing.T) {
	node := needNode(t, false)
	reqs := matrix()
	for _, tc := range builderCases() {
		if tc.kind == KindEndpoint {
			continue // a resource-based policy; Evaluate says Unsupported for it
		}
		t.Run(tc.name, func(t *testing.T) {
			if _, ok := intended[tc.name]; !ok {
				t.Fatalf("no intended grants for builder case %s; add them", tc.name)
			}
			doc, err := tc.build()
			if err != nil {
				t.Fatal(err)
			}
			res := runSim(t, node, doc, reqs)
			allowed := 0
			for i, r := range res {
				rq := reqs[i]
				simD, ok := simDecision(r.Decision)
				if !ok {
					t.Errorf("%s on %s: simulator error %s", rq.Action, rq.Resource, r.Error)
					continue
				}
				want := ImplicitDeny
				if tc.wants(rq.Action, rq.Resource) {
					want = Allow
					allowed++
				}
				if simD != want {
					t.Errorf("%s on %s: simulator says %v, want %v", rq.Action, rq.Resource, simD, want)
				}
				got := Evaluate(doc, rq.Action, rq.Resource)
				if got == Unsupported && conditional(doc, rq.Action) {
					continue // the simulator without context; see TestGalleryBearerTokenCondition
				}
				if got != simD {
					t.Errorf("%s on %s: Evaluate says %v, simulator %v", rq.Action, rq.Resource, got, simD)
				}
			}
			if allowed == 0 {
				t.Errorf("the matrix has no request the policy is meant to allow")
			}
		})
	}
}

// TestEvaluateAgreesWithSimulatorOnHandWrittenPolicies covers the rules the builders do
// not use: Deny, NotAction, NotResource, "?" and action wildcards.
func TestEvaluateAgreesWithSimulatorOnHandWrittenPolicies(t *testing.T) {
	node := needNode(t, false)
	docs := map[string]string{
		"deny-wins": `{"Version":"2012-10-17","Statement":[
			{"Effect":"Allow","Action":"ecr:*","Resource":"*"},
			{"Effect":"Deny","Action":["ecr:Put*","ecr:InitiateLayerUpload"],"Resource":"arn:aws:ecr:*:*:repository/*"}]}`,
		"not-action": `{"Version":"2012-10-17","Statement":{"Effect":"Allow","NotAction":["ecr:PutImage","ssm:Put*"],"Resource":"*"}}`,
		"not-resource": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ecr:BatchGetImage","ssm:GetParameter"],
			"NotResource":["arn:aws:ecr:us-west-2:840364872350:repository/aws-appmesh-envoy","arn:aws:ssm:*::parameter/aws/*"]}]}`,
		"question-mark": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ecr:BatchGetIma?e",
			"Resource":["arn:aws:ecr:us-west-?:840364872350:repository/aws-appmesh-envoy","arn:aws:appmesh:*:*:mesh/shop/virtualNode/c?rt"]},
			{"Effect":"Allow","Action":"appmesh:Stream*","Resource":"arn:aws:appmesh:*:*:mesh/shop/virtualNode/c?rt"}]}`,
		"deny-not-resource": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},
			{"Effect":"Deny","Action":"*","NotResource":["arn:aws:ecr:us-*:840364872350:repository/*","*"]},
			{"Effect":"Deny","Action":"ssm:*","NotResource":"arn:aws:ssm:us-west-2::parameter/aws/service/appmesh/envoy"}]}`,
		"deny-not-action-not-resource": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},
			{"Effect":"Deny","NotAction":["ecr:BatchGetImage","appmesh:Stream*"],"NotResource":["arn:aws:ecr:us-west-2:840364872350:repository/aws-appmesh-envoy","arn:aws:appmesh:*:111122223333:mesh/shop/*"]}]}`,
		"case": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ECR:batchgetimage","Resource":"arn:aws:ecr:us-west-2:840364872350:repository/AWS-APPMESH-ENVOY"}]}`,
	}
	reqs := matrix()
	reqs = append(reqs, simRequest{Action: "ecr:BatchGetImage", Resource: "arn:aws:ecr:us-west-2:840364872350:repository/AWS-APPMESH-ENVOY"})
	for name, text := range docs {
		t.Run(name, func(t *testing.T) {
			doc, err := Parse([]byte(text))
			if err != nil {
				t.Fatal(err)
			}
			res := runSim(t, node, doc, reqs)
			for i, r := range res {
				simD, ok := simDecision(r.Decision)
				if !ok {
					t.Errorf("%s on %s: simulator error %s", reqs[i].Action, reqs[i].Resource, r.Error)
					continue
				}
				if got := Evaluate(doc, reqs[i].Action, reqs[i].Resource); got != simD {
					t.Errorf("%s on %s: Evaluate says %v, simulator %v", reqs[i].Action, reqs[i].Resource, got, simD)
				}
			}
		})
	}
}

// TestActionTableMatchesIAMData checks actions_data.go against the pinned iam-data
// package; -update (which go generate passes) regenerates it.
func TestActionTableMatchesIAMData(t *testing.T) {
	node := needNode(t, *update)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "genactions.mjs")
	cmd.Dir = simDir
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node genactions.mjs: %v", err)
	}
	src, err := format.Source(out)
	if err != nil {
		t.Fatalf("generated source does not parse: %v", err)
	}
	if *update {
		if err := os.WriteFile("actions_data.go", src, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	have, err := os.ReadFile("actions_data.go")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(src), string(have)); diff != "" {
		t.Errorf("actions_data.go is stale (-generated +file); run go generate ./iampolicy:\n%s", diff)
	}
}

// conditional reports whether doc has a statement with a Condition for action.
func conditional(doc Document, action string) bool {
	for _, st := range doc.Statement {
		if len(st.Condition) > 0 && slices.Contains(st.Action, action) {
			return true
		}
	}
	return false
}

// TestGalleryBearerTokenCondition checks the conditional statement of PublicGallery
// with the simulator: sts:GetServiceBearerToken is allowed for ECR Public's service
// name only, and Evaluate, which does not evaluate conditions, answers Unsupported.
func TestGalleryBearerTokenCondition(t *testing.T) {
	node := needNode(t, false)
	doc, err := ImagePull(PullOptions{Regions: Regions{Codes: []string{"us-west-2"}}, PublicGallery: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := Evaluate(doc, "sts:GetServiceBearerToken", "*"); got != Unsupported {
		t.Errorf("Evaluate says %v, want Unsupported (a condition decides)", got)
	}
	for _, tt := range []struct {
		service string // "" sends no sts:AWSServiceName
		want    string
	}{
		{GalleryBearerTokenService, "Allowed"},
		{"codeartifact.amazonaws.com", "ImplicitlyDenied"},
		{"", "ImplicitlyDenied"},
	} {
		req := simRequest{Action: "sts:GetServiceBearerToken", Resource: "*"}
		if tt.service != "" {
			req.Context = map[string]string{"sts:AWSServiceName": tt.service}
		}
		res := runSim(t, node, doc, []simRequest{req})
		if res[0].Decision != tt.want {
			t.Errorf("service %q: simulator says %s (%s), want %s", tt.service, res[0].Decision, res[0].Error, tt.want)
		}
	}
	// The key and the action are the ones the pinned IAM data lists.
	if _, ok, known := lookupAction("sts:GetServiceBearerToken"); !ok || !known {
		t.Error("sts:GetServiceBearerToken is not in the action table")
	}
}
