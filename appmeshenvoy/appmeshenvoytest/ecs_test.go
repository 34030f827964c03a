package appmeshenvoytest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/google/go-cmp/cmp"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/appmeshenvoytest"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/testenv"
)

const (
	otherAccount = "210987654321"
	otherRole    = "arn:aws:iam::210987654321:role/inventory"
)

// taskDef returns a task definition with an app container and an Envoy container.
func taskDef(family, envoyImage string) json.RawMessage {
	return json.RawMessage(fmt.Sprintf(`{"family":%q,"containerDefinitions":[
		{"name":"app","image":"public.ecr.aws/nginx/nginx:1.27","essential":true},
		{"name":"envoy","image":%q,"essential":true,"user":"1337"}]}`, family, envoyImage))
}

// ecsSeed is two accounts: the default test account with 12 services in one cluster
// (two ListServices pages) and one in another cluster, and another account reached
// through a role.
func ecsSeed() appmeshenvoytest.ECSSeed {
	own := appmeshenvoytest.ECSRegionSeed{Region: "us-west-2",
		TaskDefinitions: []json.RawMessage{
			taskDef("web", "840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.29.6.0-prod"),
			taskDef("web", "840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.39.1.0-prod"),
		},
		Clusters: []string{"empty"},
	}
	for i := range 12 {
		own.Services = append(own.Services, appmeshenvoytest.ECSServiceSeed{Cluster: "prod", Name: fmt.Sprintf("svc-%02d", i), TaskDefinition: "web:1"})
	}
	own.Services = append(own.Services, appmeshenvoytest.ECSServiceSeed{Cluster: "staging", Name: "web", TaskDefinition: "web:1", Deploying: "web"})
	return appmeshenvoytest.ECSSeed{
		Roles: []string{otherRole},
		Regions: []appmeshenvoytest.ECSRegionSeed{own, {Account: otherAccount, Region: "eu-west-1",
			TaskDefinitions: []json.RawMessage{taskDef("api", "111122223333.dkr.ecr.eu-west-1.amazonaws.com/mirror/aws-appmesh-envoy:v1.39.1.0-prod")},
			Services:        []appmeshenvoytest.ECSServiceSeed{{Name: "api", TaskDefinition: "api:1"}},
		}},
	}
}

func seededServer(t *testing.T) *appmeshenvoytest.Server {
	t.Helper()
	srv := newServer(t)
	if err := srv.SeedECS(ecsSeed()); err != nil {
		t.Fatal(err)
	}
	return srv
}

// TestECSReadOperations pages through clusters and services with the SDK's paginators,
// describes them, and checks what the operation log recorded.
func TestECSReadOperations(t *testing.T) {
	srv := seededServer(t)
	ctx := context.Background()
	client := ecs.NewFromConfig(srv.Config("us-west-2"))

	clusters, err := client.ListClusters(ctx, &ecs.ListClustersInput{})
	if err != nil {
		t.Fatal(err)
	}
	wantClusters := []string{
		"arn:aws:ecs:us-west-2:123456789012:cluster/empty",
		"arn:aws:ecs:us-west-2:123456789012:cluster/prod",
		"arn:aws:ecs:us-west-2:123456789012:cluster/staging",
	}
	if diff := cmp.Diff(wantClusters, clusters.ClusterArns); diff != "" {
		t.Errorf("clusters (-want +got):\n%s", diff)
	}

	var arns []string
	pages := 0
	p := ecs.NewListServicesPaginator(client, &ecs.ListServicesInput{Cluster: aws.String("prod")})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		arns = append(arns, out.ServiceArns...)
	}
	if len(arns) != 12 || pages != 2 {
		t.Fatalf("%d services in %d pages, want 12 in 2 (ECS's default page of 10)", len(arns), pages)
	}
	if arns[0] != "arn:aws:ecs:us-west-2:123456789012:service/prod/svc-00" {
		t.Errorf("first service ARN = %s", arns[0])
	}

	desc, err := client.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String("arn:aws:ecs:us-west-2:123456789012:cluster/staging"),
		Services: []string{"web", "arn:aws:ecs:us-west-2:123456789012:service/staging/missing"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(desc.Services) != 1 || len(desc.Failures) != 1 || aws.ToString(desc.Failures[0].Reason) != "MISSING" {
		t.Fatalf("describe = %+v", desc)
	}
	svc := desc.Services[0]
	var deployed []string
	for _, d := range svc.Deployments {
		deployed = append(deployed, aws.ToString(d.Status)+" "+aws.ToString(d.TaskDefinition))
	}
	wantDeployed := []string{
		"PRIMARY arn:aws:ecs:us-west-2:123456789012:task-definition/web:2",
		"ACTIVE arn:aws:ecs:us-west-2:123456789012:task-definition/web:1",
	}
	if diff := cmp.Diff(wantDeployed, deployed); diff != "" || aws.ToString(svc.TaskDefinition) != wantDeployed[0][len("PRIMARY "):] {
		t.Errorf("deployments (-want +got):\n%s\ntask definition %s", diff, aws.ToString(svc.TaskDefinition))
	}

	td, err := client.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String("web:1")})
	if err != nil {
		t.Fatal(err)
	}
	if got := td.TaskDefinition; aws.ToString(got.TaskDefinitionArn) != "arn:aws:ecs:us-west-2:123456789012:task-definition/web:1" ||
		got.Revision != 1 || len(got.ContainerDefinitions) != 2 || aws.ToString(got.ContainerDefinitions[1].Image) != "840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.29.6.0-prod" {
		t.Errorf("task definition = %+v", got)
	}

	var ops []string
	for _, op := range srv.Operations() {
		if strings.HasPrefix(op.Action, "ecs:") {
			ops = append(ops, op.Action+" "+op.Resource+" "+op.Principal)
		}
	}
	user := "arn:aws:iam::123456789012:user/appmeshenvoytest"
	wantOps := []string{
		"ecs:ListClusters * " + user,
		"ecs:ListServices * " + user,
		"ecs:DescribeServices arn:aws:ecs:us-west-2:123456789012:service/staging/web " + user,
		"ecs:DescribeServices arn:aws:ecs:us-west-2:123456789012:service/staging/missing " + user,
		"ecs:DescribeTaskDefinition * " + user,
	}
	if diff := cmp.Diff(wantOps, ops); diff != "" {
		t.Errorf("operations (-want +got):\n%s", diff)
	}
}

// TestECSErrors checks the errors ECS gives for what does not exist or is malformed.
func TestECSErrors(t *testing.T) {
	srv := seededServer(t)
	ctx := context.Background()
	client := ecs.NewFromConfig(srv.Config("us-west-2"), func(o *ecs.Options) { o.RetryMaxAttempts = 1 })
	tests := []struct {
		name string
		call func() error
		code string
	}{
		{"unknown cluster", func() error {
			_, err := client.ListServices(ctx, &ecs.ListServicesInput{Cluster: aws.String("nope")})
			return err
		}, "ClusterNotFoundException"},
		{"cluster of another account", func() error {
			_, err := client.ListServices(ctx, &ecs.ListServicesInput{Cluster: aws.String("arn:aws:ecs:us-west-2:210987654321:cluster/prod")})
			return err
		}, "ClusterNotFoundException"},
		{"forged token", func() error {
			_, err := client.ListServices(ctx, &ecs.ListServicesInput{Cluster: aws.String("prod"), NextToken: aws.String("forged")})
			return err
		}, "InvalidParameterException"},
		{"token of another operation", func() error {
			out, err := client.ListServices(ctx, &ecs.ListServicesInput{Cluster: aws.String("prod")})
			if err != nil {
				return err
			}
			_, err = client.ListClusters(ctx, &ecs.ListClustersInput{NextToken: out.NextToken})
			return err
		}, "InvalidParameterException"},
		{"page too large", func() error {
			_, err := client.ListClusters(ctx, &ecs.ListClustersInput{MaxResults: aws.Int32(101)})
			return err
		}, "InvalidParameterException"},
		{"eleven services", func() error {
			_, err := client.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String("prod"), Services: make([]string, 11)})
			return err
		}, "InvalidParameterException"},
		{"unknown task definition", func() error {
			_, err := client.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String("web:9")})
			return err
		}, "ClientException"},
		{"task definition of another region", func() error {
			_, err := client.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String("arn:aws:ecs:eu-west-1:123456789012:task-definition/web:1")})
			return err
		}, "ClientException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if err == nil {
				t.Fatal("no error")
			}
			if got := apiCode(t, err); got != tt.code {
				t.Errorf("code = %s, want %s (%v)", got, tt.code, err)
			}
		})
	}
	// Another region of the same account has no clusters: an empty answer, not an error.
	out, err := ecs.NewFromConfig(srv.Config("eu-west-1")).ListClusters(ctx, &ecs.ListClustersInput{})
	if err != nil || len(out.ClusterArns) != 0 {
		t.Errorf("eu-west-1: %v, %v", out, err)
	}
}

// TestAssumeRole assumes a role of another account with the SDK's credentials provider
// and checks that later calls see that account's data and are recorded under the
// assumed-role principal; a role that does not exist cannot be assumed.
func TestAssumeRole(t *testing.T) {
	srv := seededServer(t)
	ctx := context.Background()
	cfg := srv.Config("eu-west-1")
	stsClient := sts.NewFromConfig(cfg)
	roleCfg := cfg.Copy()
	roleCfg.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(stsClient, otherRole, func(o *stscreds.AssumeRoleOptions) {
		o.RoleSessionName = "inventory-test"
	}))
	id, err := sts.NewFromConfig(roleCfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	assumed := "arn:aws:sts::210987654321:assumed-role/inventory/inventory-test"
	if aws.ToString(id.Account) != otherAccount || aws.ToString(id.Arn) != assumed {
		t.Errorf("caller = %s %s", aws.ToString(id.Account), aws.ToString(id.Arn))
	}
	svcs, err := ecs.NewFromConfig(roleCfg).ListServices(ctx, &ecs.ListServicesInput{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"arn:aws:ecs:eu-west-1:210987654321:service/default/api"}, svcs.ServiceArns); diff != "" {
		t.Errorf("services (-want +got):\n%s", diff)
	}
	ops := srv.Operations()
	if !slices.Contains(ops, appmeshenvoytest.Operation{Action: "sts:AssumeRole", Resource: otherRole, Region: "eu-west-1",
		Principal: "arn:aws:iam::123456789012:user/appmeshenvoytest"}) {
		t.Errorf("no sts:AssumeRole by the test user in %+v", ops)
	}
	if !slices.Contains(ops, appmeshenvoytest.Operation{Action: "ecs:ListServices", Resource: "*", Region: "eu-west-1", Principal: assumed}) {
		t.Errorf("no ecs:ListServices by the assumed role in %+v", ops)
	}

	for _, tt := range []struct{ name, role, session, code string }{
		{"missing role", "arn:aws:iam::210987654321:role/missing", "s1", "AccessDenied"},
		{"not a role ARN", "arn:aws:iam::210987654321:user/inventory", "s1", "ValidationError"},
		{"bad session name", otherRole, "a b", "ValidationError"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := stsClient.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(tt.role), RoleSessionName: aws.String(tt.session)})
			if err == nil {
				t.Fatal("no error")
			}
			if got := apiCode(t, err); got != tt.code {
				t.Errorf("code = %s, want %s (%v)", got, tt.code, err)
			}
		})
	}
}

func TestSeedECSErrors(t *testing.T) {
	tests := []struct {
		name string
		seed string
	}{
		{"unknown key", `{"regionz":[]}`},
		{"role that is a user", `{"roles":["arn:aws:iam::123456789012:user/x"]}`},
		{"unsupported region", `{"regions":[{"region":"mars-1"}]}`},
		{"bad account", `{"regions":[{"account":"12","region":"us-west-2"}]}`},
		{"task definition without containers", `{"regions":[{"region":"us-west-2","taskDefinitions":[{"family":"x"}]}]}`},
		{"container without image", `{"regions":[{"region":"us-west-2","taskDefinitions":[{"family":"x","containerDefinitions":[{"name":"a"}]}]}]}`},
		{"service of a missing task definition", `{"regions":[{"region":"us-west-2","services":[{"name":"s","taskDefinition":"nope:1"}]}]}`},
		{"bad service name", `{"regions":[{"region":"us-west-2","taskDefinitions":[{"family":"x","containerDefinitions":[{"name":"a","image":"b"}]}],"services":[{"name":"a b","taskDefinition":"x"}]}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t)
			seed, err := appmeshenvoytest.ParseECSSeed([]byte(tt.seed))
			if err == nil {
				err = srv.SeedECS(seed)
			}
			if err == nil {
				t.Fatal("no error")
			}
		})
	}
}

// TestAWSCLIListsECSServices checks the server against a client no one here wrote: the
// AWS CLI lists the same services (paging on its own) and describes them.
func TestAWSCLIListsECSServices(t *testing.T) {
	cli := testenv.AWSCLI(t)
	srv := seededServer(t)
	out := decode[struct {
		ServiceArns []string `json:"serviceArns"`
	}](t, runCLI(t, cli, srv, "us-west-2", "ecs", "list-services", "--cluster", "prod"))
	if len(out.ServiceArns) != 12 || out.ServiceArns[11] != "arn:aws:ecs:us-west-2:123456789012:service/prod/svc-11" {
		t.Errorf("list-services = %v", out.ServiceArns)
	}
	clusters := decode[struct {
		ClusterArns []string `json:"clusterArns"`
	}](t, runCLI(t, cli, srv, "us-west-2", "ecs", "list-clusters", "--page-size", "1"))
	if len(clusters.ClusterArns) != 3 {
		t.Errorf("list-clusters = %v", clusters.ClusterArns)
	}
	td := decode[struct {
		TaskDefinition struct {
			Family               string `json:"family"`
			Revision             int    `json:"revision"`
			ContainerDefinitions []struct {
				Name  string `json:"name"`
				Image string `json:"image"`
			} `json:"containerDefinitions"`
		} `json:"taskDefinition"`
	}](t, runCLI(t, cli, srv, "us-west-2", "ecs", "describe-task-definition", "--task-definition", "web"))
	if td.TaskDefinition.Family != "web" || td.TaskDefinition.Revision != 2 || len(td.TaskDefinition.ContainerDefinitions) != 2 {
		t.Errorf("describe-task-definition = %+v", td)
	}
	if errOut := runCLIFails(t, cli, srv, "us-west-2", "ecs", "list-services", "--cluster", "nope"); !strings.Contains(errOut, "ClusterNotFoundException") {
		t.Errorf("list-services of a missing cluster: %s", errOut)
	}
	if r := srv.Refusals(); len(r) > 0 {
		t.Errorf("refusals: %q", r)
	}
}
