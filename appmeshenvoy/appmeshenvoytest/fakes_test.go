package appmeshenvoytest_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/appmeshenvoytest"
)

// The fakes have the exact method signatures of the SDK clients: both satisfy the same
// interfaces.
type (
	ssmAPI interface {
		GetParameter(context.Context, *ssm.GetParameterInput, ...func(*ssm.Options)) (*ssm.GetParameterOutput, error)
		GetParameters(context.Context, *ssm.GetParametersInput, ...func(*ssm.Options)) (*ssm.GetParametersOutput, error)
	}
	ecrAPI interface {
		GetAuthorizationToken(context.Context, *ecr.GetAuthorizationTokenInput, ...func(*ecr.Options)) (*ecr.GetAuthorizationTokenOutput, error)
		BatchGetImage(context.Context, *ecr.BatchGetImageInput, ...func(*ecr.Options)) (*ecr.BatchGetImageOutput, error)
	}
	iamAPI interface {
		GetRole(context.Context, *iam.GetRoleInput, ...func(*iam.Options)) (*iam.GetRoleOutput, error)
		PutRolePolicy(context.Context, *iam.PutRolePolicyInput, ...func(*iam.Options)) (*iam.PutRolePolicyOutput, error)
		GetRolePolicy(context.Context, *iam.GetRolePolicyInput, ...func(*iam.Options)) (*iam.GetRolePolicyOutput, error)
		CreatePolicy(context.Context, *iam.CreatePolicyInput, ...func(*iam.Options)) (*iam.CreatePolicyOutput, error)
		GetPolicy(context.Context, *iam.GetPolicyInput, ...func(*iam.Options)) (*iam.GetPolicyOutput, error)
		CreatePolicyVersion(context.Context, *iam.CreatePolicyVersionInput, ...func(*iam.Options)) (*iam.CreatePolicyVersionOutput, error)
		ListPolicyVersions(context.Context, *iam.ListPolicyVersionsInput, ...func(*iam.Options)) (*iam.ListPolicyVersionsOutput, error)
		DeletePolicyVersion(context.Context, *iam.DeletePolicyVersionInput, ...func(*iam.Options)) (*iam.DeletePolicyVersionOutput, error)
		GetPolicyVersion(context.Context, *iam.GetPolicyVersionInput, ...func(*iam.Options)) (*iam.GetPolicyVersionOutput, error)
		AttachRolePolicy(context.Context, *iam.AttachRolePolicyInput, ...func(*iam.Options)) (*iam.AttachRolePolicyOutput, error)
		ListAttachedRolePolicies(context.Context, *iam.ListAttachedRolePoliciesInput, ...func(*iam.Options)) (*iam.ListAttachedRolePoliciesOutput, error)
	}
	stsAPI interface {
		GetCallerIdentity(context.Context, *sts.GetCallerIdentityInput, ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error)
	}
)

var (
	_ ssmAPI = (*ssm.Client)(nil)
	_ ssmAPI = (*appmeshenvoytest.SSM)(nil)
	_ ecrAPI = (*ecr.Client)(nil)
	_ ecrAPI = (*appmeshenvoytest.ECR)(nil)
	_ iamAPI = (*iam.Client)(nil)
	_ iamAPI = (*appmeshenvoytest.IAM)(nil)
	_ stsAPI = (*sts.Client)(nil)
	_ stsAPI = (*appmeshenvoytest.STS)(nil)
	// The fakes also satisfy the SDK's own paginator interfaces.
	_ iam.ListPolicyVersionsAPIClient = (*appmeshenvoytest.IAM)(nil)
)

func TestFakeRecordsCalls(t *testing.T) {
	f := &appmeshenvoytest.SSM{
		GetParameterFunc: func(_ context.Context, in *ssm.GetParameterInput, _ ...func(*ssm.Options)) (*ssm.GetParameterOutput, error) {
			return &ssm.GetParameterOutput{Parameter: &ssmtypes.Parameter{Name: in.Name, Value: aws.String("v")}}, nil
		},
	}
	var wg sync.WaitGroup
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := f.GetParameter(context.Background(), &ssm.GetParameterInput{Name: aws.String("/p")})
			if err != nil || aws.ToString(out.Parameter.Value) != "v" {
				t.Errorf("GetParameter = %v, %v", out, err)
			}
		}()
	}
	wg.Wait()
	_, err := f.GetParameters(context.Background(), &ssm.GetParametersInput{Names: []string{"/q"}})
	if !errors.Is(err, appmeshenvoytest.ErrNotSet) {
		t.Errorf("unset operation: %v", err)
	}
	calls := f.Calls()
	if len(calls) != 11 || calls[10].Operation != "ssm:GetParameters" {
		t.Fatalf("calls = %+v", calls)
	}
	ins := appmeshenvoytest.InputsOf[*ssm.GetParameterInput](calls)
	if len(ins) != 10 || aws.ToString(ins[0].Name) != "/p" {
		t.Errorf("inputs = %+v", ins)
	}
	f.Reset()
	if len(f.Calls()) != 0 {
		t.Error("Reset kept calls")
	}

	var zero appmeshenvoytest.IAM
	if _, err := zero.GetRole(context.Background(), &iam.GetRoleInput{}); !errors.Is(err, appmeshenvoytest.ErrNotSet) {
		t.Errorf("zero IAM: %v", err)
	}
	if got := zero.Calls(); len(got) != 1 || got[0].Operation != "iam:GetRole" {
		t.Errorf("zero IAM calls = %+v", got)
	}
}
