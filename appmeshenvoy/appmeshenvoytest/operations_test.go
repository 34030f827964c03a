package appmeshenvoytest_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/google/go-cmp/cmp"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/appmeshenvoytest"
	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

// TestOperationsOfAPICalls: the operation log names each AWS API call's IAM action and
// resource, once per distinct operation, and ResetCounts empties it.
func TestOperationsOfAPICalls(t *testing.T) {
	srv := newServer(t)
	srv.AddRole("envoy-task")
	ctx := context.Background()
	cfg := srv.Config("eu-west-1")
	for range 2 {
		if _, err := ssm.NewFromConfig(cfg).GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(region.ParameterName)}); err != nil {
			t.Fatal(err)
		}
	}
	_, _ = ssm.NewFromConfig(cfg).GetParameters(ctx, &ssm.GetParametersInput{Names: []string{"/team/x"}})
	if _, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatal(err)
	}
	if _, err := iam.NewFromConfig(srv.Config("us-east-1")).GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("envoy-task")}); err != nil {
		t.Fatal(err)
	}
	me := "arn:aws:iam::" + appmeshenvoytest.AccountID + ":user/" + appmeshenvoytest.UserName
	want := []appmeshenvoytest.Operation{
		{Action: "ssm:GetParameter", Resource: region.MustLookup("eu-west-1").ParameterARN(), Region: "eu-west-1", Principal: me},
		{Action: "ssm:GetParameters", Resource: "arn:aws:ssm:eu-west-1:" + appmeshenvoytest.AccountID + ":parameter/team/x", Region: "eu-west-1", Principal: me},
		{Action: "sts:GetCallerIdentity", Resource: "*", Region: "eu-west-1", Principal: me},
		{Action: "iam:GetRole", Resource: "arn:aws:iam::" + appmeshenvoytest.AccountID + ":role/envoy-task", Region: "us-east-1", Principal: me},
	}
	if diff := cmp.Diff(want, srv.Operations()); diff != "" {
		t.Errorf("operations (-want +got):\n%s", diff)
	}
	srv.ResetCounts()
	if ops := srv.Operations(); len(ops) != 0 {
		t.Errorf("after ResetCounts: %+v", ops)
	}
}
