package inventory_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/google/go-cmp/cmp"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/appmeshenvoytest"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/inventory"
	"github.com/appmesh-envoy/appmesh-envoy-go/iampolicy"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

const (
	roleA       = "arn:aws:iam::111111111111:role/inventory"
	roleB       = "arn:aws:iam::222222222222:role/inventory"
	roleMissing = "arn:aws:iam::333333333333:role/inventory"
	pinnedHex   = "sha256:1111111111111111111111111111111111111111111111111111111111111111"
)

// td returns a task definition of family with the given containers (name=image pairs).
func td(family string, containers ...string) json.RawMessage {
	var defs []map[string]any
	for _, c := range containers {
		name, image, _ := strings.Cut(c, "=")
		defs = append(defs, map[string]any{"name": name, "image": image, "essential": true})
	}
	b, _ := json.Marshal(map[string]any{"family": family, "containerDefinitions": defs})
	return b
}

// seed is three accounts: A with containers of every source, B with a custom tag, and
// one whose role does not exist.
func seed() appmeshenvoytest.ECSSeed {
	return appmeshenvoytest.ECSSeed{
		Roles: []string{roleA, roleB},
		Regions: []appmeshenvoytest.ECSRegionSeed{
			{Account: "111111111111", Region: "us-west-2",
				TaskDefinitions: []json.RawMessage{
					td("web", "app=public.ecr.aws/nginx/nginx:1.27", "envoy=840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.29.6.0-prod"),
					td("web", "app=public.ecr.aws/nginx/nginx:1.27", "envoy=111111111111.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.39.1.0-prod@"+pinnedHex),
					td("api", "envoy=public.ecr.aws/appmesh/aws-appmesh-envoy:v1.15.0.0-prod"),
					td("worker", "envoy=public.ecr.aws/nginx/nginx:1.27", "proxy=111111111111.dkr.ecr.us-west-2.amazonaws.com/ecr-public/appmesh/aws-appmesh-envoy:v1.34.13.3-prod"),
				},
				Services: []appmeshenvoytest.ECSServiceSeed{
					{Cluster: "prod", Name: "web", TaskDefinition: "web:1", Deploying: "web:2"},
					{Cluster: "prod", Name: "api", TaskDefinition: "api:1"},
					{Cluster: "batch", Name: "worker", TaskDefinition: "worker"},
					{Cluster: "batch", Name: "worker-2", TaskDefinition: "worker"},
				}},
			{Account: "222222222222", Region: "us-west-2",
				TaskDefinitions: []json.RawMessage{td("edge", "gateway=222222222222.dkr.ecr.us-west-2.amazonaws.com/platform/aws-appmesh-envoy:custom")},
				Services:        []appmeshenvoytest.ECSServiceSeed{{Name: "edge", TaskDefinition: "edge:1"}}},
			{Account: "222222222222", Region: "eu-west-1",
				TaskDefinitions: []json.RawMessage{td("edge", "gateway=840364872350.dkr.ecr.eu-west-1.amazonaws.com/aws-appmesh-envoy:v1.29.6.0-prod")},
				Services:        []appmeshenvoytest.ECSServiceSeed{{Name: "edge", TaskDefinition: "edge:1"}}},
		},
	}
}

func newServer(t *testing.T) *appmeshenvoytest.Server {
	t.Helper()
	srv := appmeshenvoytest.NewServer()
	t.Cleanup(srv.Close)
	if err := srv.SeedECS(seed()); err != nil {
		t.Fatal(err)
	}
	return srv
}

// scanner returns a Scanner over srv with fast retries.
func scanner(srv *appmeshenvoytest.Server, optFns ...func(*inventory.Options)) *inventory.Scanner {
	cfg := srv.Config("us-west-2")
	return inventory.NewScanner(cfg, append([]func(*inventory.Options){func(o *inventory.Options) {
		o.Roles = []string{roleA, roleB, roleMissing}
		o.RetryMaxBackoff = 1 // the smallest backoff: tests must not wait
	}}, optFns...)...)
}

// summary is a container in one line, for comparison.
func summary(c inventory.Container) string {
	var svcs []string
	for _, s := range c.Services {
		svcs = append(svcs, s[strings.LastIndexByte(s, ':')+1:])
	}
	var vs []string
	for _, v := range c.Verdicts {
		vs = append(vs, string(v))
	}
	td := c.TaskDefinition[strings.LastIndexByte(c.TaskDefinition, '/')+1:]
	return fmt.Sprintf("%s %s %s %s %s [%s] (%s) vs %s", c.Account, c.Region, td, c.Name, c.Source, strings.Join(vs, ","), strings.Join(svcs, " "), c.Latest.Tag)
}

func failureSummary(f inventory.Failure) string {
	return fmt.Sprintf("%s %s %s %s", f.Account, f.Region, f.Action, appmeshenvoy.CodeOf(f.Err))
}

// TestScanECS scans three accounts in three regions of the local endpoint: one role
// cannot be assumed and one region denies ECS access to everyone, and everything else
// is reported with the right source and verdicts.
func TestScanECS(t *testing.T) {
	srv := newServer(t)
	srv.SetFailureRate("ecs:ListClusters", "eu-west-1", 1, appmeshenvoytest.AccessDenied("ecs:ListClusters"), 1)
	ctx := context.Background()
	rep, err := scanner(srv).ECS(ctx, []string{"us-west-2", "eu-west-1", "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range rep.Containers {
		got = append(got, summary(c))
	}
	want := []string{
		"111111111111 us-west-2 api:1 envoy gallery [at-risk,below-minimum,unpinned] (service/prod/api) vs v1.39.1.0-prod",
		"111111111111 us-west-2 web:1 envoy aws [at-risk,older,unpinned] (service/prod/web) vs v1.39.1.0-prod",
		"111111111111 us-west-2 web:2 envoy mirror [ok] (service/prod/web) vs v1.39.1.0-prod",
		"111111111111 us-west-2 worker:1 proxy pull-through-cache [older,unpinned] (service/batch/worker service/batch/worker-2) vs v1.39.1.0-prod",
		"222222222222 us-west-2 edge:1 gateway mirror [unknown-version,unpinned] (service/default/edge) vs v1.39.1.0-prod",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("containers (-want +got):\n%s", diff)
	}
	var failures []string
	for _, f := range rep.Failures {
		failures = append(failures, failureSummary(f))
	}
	wantFailures := []string{
		"111111111111 eu-west-1 ecs:ListClusters access-denied",
		"222222222222 eu-west-1 ecs:ListClusters access-denied",
		"333333333333  sts:AssumeRole access-denied",
	}
	if diff := cmp.Diff(wantFailures, failures); diff != "" {
		t.Errorf("failures (-want +got):\n%s", diff)
	}
	if rep.Scanned != 9 || rep.Services != 5 {
		t.Errorf("scanned %d pairs and %d services, want 9 and 5", rep.Scanned, rep.Services)
	}
	for _, f := range rep.Failures {
		if !strings.Contains(f.Err.Error(), f.Action) {
			t.Errorf("failure message does not name %s: %v", f.Action, f.Err)
		}
	}
	// The latest image is read once per region that has Envoy containers, and the role
	// that cannot be assumed is tried once.
	if n := srv.Requests("ssm:GetParameter", "*"); n != 1 {
		t.Errorf("%d GetParameter calls, want 1", n)
	}
	if n := srv.Requests("sts:AssumeRole", "*"); n != 3 {
		t.Errorf("%d AssumeRole calls, want 3 (one per role)", n)
	}

	// Every call the endpoint authorized is allowed by the policy of
	// "appmesh-envoy policy --principal inventory" for the same regions and roles.
	doc, err := iampolicy.Inventory(iampolicy.InventoryOptions{
		Regions: iampolicy.Regions{Codes: []string{"us-west-2", "eu-west-1", "us-east-1"}},
		Roles:   []string{roleA, roleB, roleMissing},
	})
	if err != nil {
		t.Fatal(err)
	}
	ops := srv.Operations()
	actions := map[string]bool{}
	for _, op := range ops {
		actions[op.Action] = true
		if d := iampolicy.Evaluate(doc, op.Action, op.Resource); d != iampolicy.Allow {
			t.Errorf("%s on %s by %s: the inventory policy says %v", op.Action, op.Resource, op.Principal, d)
		}
	}
	for _, a := range []string{"ecs:ListClusters", "ecs:ListServices", "ecs:DescribeServices", "ecs:DescribeTaskDefinition", "sts:AssumeRole", "ssm:GetParameter"} {
		if !actions[a] {
			t.Errorf("no %s recorded: the check above covers less than the inventory calls", a)
		}
	}
}

// TestScanECSThrottled injects throttling into a third of the ECS calls: the retryer
// absorbs it and the report is complete.
func TestScanECSThrottled(t *testing.T) {
	srv := newServer(t)
	srv.SetFailureRate("ecs:*", "*", 0.3, appmeshenvoytest.Throttling("ecs:ListServices"), 7)
	rep, err := scanner(srv, func(o *inventory.Options) { o.Roles = []string{roleA, roleB} }).ECS(context.Background(), []string{"us-west-2"})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Failures) != 0 || len(rep.Containers) != 5 {
		t.Errorf("%d containers and failures %v; want 5 and none", len(rep.Containers), rep.Failures)
	}
	if n := srv.Requests("ecs:*", "*"); n <= 13 {
		t.Errorf("%d ECS requests: the throttling was not injected", n)
	}
}

// TestScanECSParameterGone compares with the final release where the SSM parameter is
// gone, without reporting a failure, and FinalRelease does not read SSM at all.
func TestScanECSParameterGone(t *testing.T) {
	srv := newServer(t)
	srv.DeleteParameter("us-west-2")
	rep, err := scanner(srv, func(o *inventory.Options) { o.Roles = []string{roleA} }).ECS(context.Background(), []string{"us-west-2"})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Failures) != 0 || len(rep.Containers) != 4 {
		t.Fatalf("failures %v, %d containers", rep.Failures, len(rep.Containers))
	}
	for _, c := range rep.Containers {
		if c.LatestSource != appmeshenvoy.SourceBuiltin || c.Latest.Tag != appmeshenvoy.FinalRelease().String() {
			t.Errorf("%s compared with %s (%s)", c.Name, c.Latest, c.LatestSource)
		}
	}
	srv.ResetCounts()
	if _, err := scanner(srv, func(o *inventory.Options) { o.Latest = inventory.FinalRelease }).ECS(context.Background(), []string{"us-west-2"}); err != nil {
		t.Fatal(err)
	}
	if n := srv.Requests("ssm:*", "*"); n != 0 {
		t.Errorf("FinalRelease read SSM %d times", n)
	}
}

// TestScanECSCallerAccount scans the caller's own account when no role is given.
func TestScanECSCallerAccount(t *testing.T) {
	srv := newServer(t)
	if err := srv.PutService(appmeshenvoytest.AccountID, "us-west-2", "", "own", "web"); err == nil {
		t.Fatal("a service of a task definition the account does not have was created")
	}
	if _, err := srv.RegisterTaskDefinition(appmeshenvoytest.AccountID, "us-west-2", td("own", "envoy=840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.39.1.0-prod")); err != nil {
		t.Fatal(err)
	}
	if err := srv.PutService(appmeshenvoytest.AccountID, "us-west-2", "", "own", "own"); err != nil {
		t.Fatal(err)
	}
	rep, err := inventory.NewScanner(srv.Config("us-west-2")).ECS(context.Background(), []string{"us-west-2"})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Containers) != 1 || summary(rep.Containers[0]) != "123456789012 us-west-2 own:1 envoy aws [at-risk,unpinned] (service/default/own) vs v1.39.1.0-prod" {
		t.Errorf("containers = %v", rep.Containers)
	}
}

func TestScanECSInputErrors(t *testing.T) {
	srv := newServer(t)
	tests := []struct {
		name    string
		regions []string
		roles   []string
		code    appmeshenvoy.Code
	}{
		{"no regions", nil, nil, appmeshenvoy.CodeInvalidInput},
		{"unsupported region", []string{"us-west-9"}, nil, appmeshenvoy.CodeUnsupportedRegion},
		{"two partitions", []string{"us-west-2", "cn-north-1"}, nil, appmeshenvoy.CodeMixedPartitions},
		{"not a role", []string{"us-west-2"}, []string{"arn:aws:iam::111111111111:user/x"}, appmeshenvoy.CodeInvalidInput},
		{"role of another partition", []string{"us-west-2"}, []string{"arn:aws-cn:iam::111111111111:role/x"}, appmeshenvoy.CodeMixedPartitions},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := scanner(srv, func(o *inventory.Options) { o.Roles = tt.roles }).ECS(context.Background(), tt.regions)
			if got := appmeshenvoy.CodeOf(err); got != tt.code {
				t.Errorf("code = %q, want %q (%v)", got, tt.code, err)
			}
		})
	}
	var zero inventory.Scanner
	if _, err := zero.ECS(context.Background(), []string{"us-west-2"}); appmeshenvoy.CodeOf(err) != appmeshenvoy.CodeNotInitialized {
		t.Errorf("zero Scanner: %v", err)
	}
	// No credentials at all: one error, before any call.
	cfg := srv.Config("us-west-2")
	cfg.Credentials = nil
	if _, err := inventory.NewScanner(cfg).ECS(context.Background(), []string{"us-west-2"}); !errors.Is(err, appmeshenvoy.ErrNoCredentials) {
		t.Errorf("no credentials: %v", err)
	}
}

// fakeECS is an ECSAPI whose operations answer from functions.
type fakeECS struct {
	inventory.ECSAPI
	clusters func() (*ecs.ListClustersOutput, error)
}

func (f fakeECS) ListClusters(context.Context, *ecs.ListClustersInput, ...func(*ecs.Options)) (*ecs.ListClustersOutput, error) {
	return f.clusters()
}

// TestScanECSClientOption uses a mocked client: a failure that is not an AWS error is
// reported with its code, and the context's end stops the scan.
func TestScanECSClientOption(t *testing.T) {
	s := inventory.NewScanner(aws.Config{}, func(o *inventory.Options) {
		o.Latest = inventory.FinalRelease
		o.ECSClient = func(account, region string) inventory.ECSAPI {
			return fakeECS{clusters: func() (*ecs.ListClustersOutput, error) {
				if region == "us-east-1" {
					return nil, errors.New("connection refused")
				}
				return &ecs.ListClustersOutput{}, nil
			}}
		}
	})
	rep, err := s.ECS(context.Background(), []string{"us-west-2", "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Failures) != 1 || appmeshenvoy.CodeOf(rep.Failures[0].Err) != appmeshenvoy.CodeEndpointUnreachable {
		t.Errorf("failures = %v", rep.Failures)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.ECS(ctx, []string{"us-west-2"}); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled: %v", err)
	}
}
