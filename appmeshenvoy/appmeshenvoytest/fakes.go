package appmeshenvoytest

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// Call is one recorded call of a fake: the operation, such as "ssm:GetParameter", the
// input it was given (such as a *ssm.GetParameterInput), and the region its option
// functions selected (see [SSMRegion]; "" when they set none).
type Call struct {
	Operation string
	Input     any
	Region    string
}

// InputsOf returns the inputs of type T among calls, in order; for example
// InputsOf[*ssm.GetParameterInput](fake.Calls()).
func InputsOf[T any](calls []Call) []T {
	var out []T
	for _, c := range calls {
		if in, ok := c.Input.(T); ok {
			out = append(out, in)
		}
	}
	return out
}

// ErrNotSet is returned by a fake operation whose XxxFunc field is nil.
var ErrNotSet = errors.New("appmeshenvoytest: fake operation not set")

type recorder struct {
	mu    sync.Mutex
	calls []Call
}

func (r *recorder) record(op string, in any) { r.recordIn(op, in, "") }

func (r *recorder) recordIn(op string, in any, region string) {
	r.mu.Lock()
	r.calls = append(r.calls, Call{Operation: op, Input: in, Region: region})
	r.mu.Unlock()
}

func (r *recorder) get() []Call {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Call(nil), r.calls...)
}

func (r *recorder) reset() {
	r.mu.Lock()
	r.calls = nil
	r.mu.Unlock()
}

func notSet(fake, op string) error {
	return fmt.Errorf("%w: set %s.%sFunc", ErrNotSet, fake, op)
}

// SSM is a fake Systems Manager (ssm) client with the method signatures of *ssm.Client for
// the operations this library uses. Set the XxxFunc field of an operation to answer it;
// every call is recorded, also when the field is nil. The zero value is ready to use,
// and SSM is safe for concurrent use as long as the XxxFunc fields are set before the
// first call.
type SSM struct {
	// GetParameterFunc answers GetParameter. When nil, GetParameter returns an error wrapping [ErrNotSet].
	GetParameterFunc func(ctx context.Context, params *ssm.GetParameterInput, optFns ...func(*ssm.Options)) (*ssm.GetParameterOutput, error)
	// GetParametersFunc answers GetParameters. When nil, GetParameters returns an error wrapping [ErrNotSet].
	GetParametersFunc func(ctx context.Context, params *ssm.GetParametersInput, optFns ...func(*ssm.Options)) (*ssm.GetParametersOutput, error)

	rec recorder
}

// Calls returns the calls made so far, oldest first.
func (f *SSM) Calls() []Call { return f.rec.get() }

// Reset forgets the recorded calls.
func (f *SSM) Reset() { f.rec.reset() }

// GetParameter records the call and runs GetParameterFunc.
func (f *SSM) GetParameter(ctx context.Context, params *ssm.GetParameterInput, optFns ...func(*ssm.Options)) (*ssm.GetParameterOutput, error) {
	f.rec.recordIn("ssm:GetParameter", params, SSMRegion(optFns...))
	if f.GetParameterFunc == nil {
		return nil, notSet("SSM", "GetParameter")
	}
	return f.GetParameterFunc(ctx, params, optFns...)
}

// GetParameters records the call and runs GetParametersFunc.
func (f *SSM) GetParameters(ctx context.Context, params *ssm.GetParametersInput, optFns ...func(*ssm.Options)) (*ssm.GetParametersOutput, error) {
	f.rec.recordIn("ssm:GetParameters", params, SSMRegion(optFns...))
	if f.GetParametersFunc == nil {
		return nil, notSet("SSM", "GetParameters")
	}
	return f.GetParametersFunc(ctx, params, optFns...)
}

// ECR is a fake Elastic Container Registry (ecr) client with the method signatures of *ecr.Client for
// the operations this library uses. Set the XxxFunc field of an operation to answer it;
// every call is recorded, also when the field is nil. The zero value is ready to use,
// and ECR is safe for concurrent use as long as the XxxFunc fields are set before the
// first call.
type ECR struct {
	// GetAuthorizationTokenFunc answers GetAuthorizationToken. When nil, GetAuthorizationToken returns an error wrapping [ErrNotSet].
	GetAuthorizationTokenFunc func(ctx context.Context, params *ecr.GetAuthorizationTokenInput, optFns ...func(*ecr.Options)) (*ecr.GetAuthorizationTokenOutput, error)
	// BatchGetImageFunc answers BatchGetImage. When nil, BatchGetImage returns an error wrapping [ErrNotSet].
	BatchGetImageFunc func(ctx context.Context, params *ecr.BatchGetImageInput, optFns ...func(*ecr.Options)) (*ecr.BatchGetImageOutput, error)

	rec recorder
}

// Calls returns the calls made so far, oldest first.
func (f *ECR) Calls() []Call { return f.rec.get() }

// Reset forgets the recorded calls.
func (f *ECR) Reset() { f.rec.reset() }

// GetAuthorizationToken records the call and runs GetAuthorizationTokenFunc.
func (f *ECR) GetAuthorizationToken(ctx context.Context, params *ecr.GetAuthorizationTokenInput, optFns ...func(*ecr.Options)) (*ecr.GetAuthorizationTokenOutput, error) {
	f.rec.recordIn("ecr:GetAuthorizationToken", params, ECRRegion(optFns...))
	if f.GetAuthorizationTokenFunc == nil {
		return nil, notSet("ECR", "GetAuthorizationToken")
	}
	return f.GetAuthorizationTokenFunc(ctx, params, optFns...)
}

// BatchGetImage records the call and runs BatchGetImageFunc.
func (f *ECR) BatchGetImage(ctx context.Context, params *ecr.BatchGetImageInput, optFns ...func(*ecr.Options)) (*ecr.BatchGetImageOutput, error) {
	f.rec.recordIn("ecr:BatchGetImage", params, ECRRegion(optFns...))
	if f.BatchGetImageFunc == nil {
		return nil, notSet("ECR", "BatchGetImage")
	}
	return f.BatchGetImageFunc(ctx, params, optFns...)
}

// IAM is a fake Identity and Access Management (iam) client with the method signatures of *iam.Client for
// the operations this library uses. Set the XxxFunc field of an operation to answer it;
// every call is recorded, also when the field is nil. The zero value is ready to use,
// and IAM is safe for concurrent use as long as the XxxFunc fields are set before the
// first call.
type IAM struct {
	// GetRoleFunc answers GetRole. When nil, GetRole returns an error wrapping [ErrNotSet].
	GetRoleFunc func(ctx context.Context, params *iam.GetRoleInput, optFns ...func(*iam.Options)) (*iam.GetRoleOutput, error)
	// PutRolePolicyFunc answers PutRolePolicy. When nil, PutRolePolicy returns an error wrapping [ErrNotSet].
	PutRolePolicyFunc func(ctx context.Context, params *iam.PutRolePolicyInput, optFns ...func(*iam.Options)) (*iam.PutRolePolicyOutput, error)
	// GetRolePolicyFunc answers GetRolePolicy. When nil, GetRolePolicy returns an error wrapping [ErrNotSet].
	GetRolePolicyFunc func(ctx context.Context, params *iam.GetRolePolicyInput, optFns ...func(*iam.Options)) (*iam.GetRolePolicyOutput, error)
	// CreatePolicyFunc answers CreatePolicy. When nil, CreatePolicy returns an error wrapping [ErrNotSet].
	CreatePolicyFunc func(ctx context.Context, params *iam.CreatePolicyInput, optFns ...func(*iam.Options)) (*iam.CreatePolicyOutput, error)
	// GetPolicyFunc answers GetPolicy. When nil, GetPolicy returns an error wrapping [ErrNotSet].
	GetPolicyFunc func(ctx context.Context, params *iam.GetPolicyInput, optFns ...func(*iam.Options)) (*iam.GetPolicyOutput, error)
	// CreatePolicyVersionFunc answers CreatePolicyVersion. When nil, CreatePolicyVersion returns an error wrapping [ErrNotSet].
	CreatePolicyVersionFunc func(ctx context.Context, params *iam.CreatePolicyVersionInput, optFns ...func(*iam.Options)) (*iam.CreatePolicyVersionOutput, error)
	// ListPolicyVersionsFunc answers ListPolicyVersions. When nil, ListPolicyVersions returns an error wrapping [ErrNotSet].
	ListPolicyVersionsFunc func(ctx context.Context, params *iam.ListPolicyVersionsInput, optFns ...func(*iam.Options)) (*iam.ListPolicyVersionsOutput, error)
	// DeletePolicyVersionFunc answers DeletePolicyVersion. When nil, DeletePolicyVersion returns an error wrapping [ErrNotSet].
	DeletePolicyVersionFunc func(ctx context.Context, params *iam.DeletePolicyVersionInput, optFns ...func(*iam.Options)) (*iam.DeletePolicyVersionOutput, error)
	// GetPolicyVersionFunc answers GetPolicyVersion. When nil, GetPolicyVersion returns an error wrapping [ErrNotSet].
	GetPolicyVersionFunc func(ctx context.Context, params *iam.GetPolicyVersionInput, optFns ...func(*iam.Options)) (*iam.GetPolicyVersionOutput, error)
	// AttachRolePolicyFunc answers AttachRolePolicy. When nil, AttachRolePolicy returns an error wrapping [ErrNotSet].
	AttachRolePolicyFunc func(ctx context.Context, params *iam.AttachRolePolicyInput, optFns ...func(*iam.Options)) (*iam.AttachRolePolicyOutput, error)
	// ListAttachedRolePoliciesFunc answers ListAttachedRolePolicies. When nil, ListAttachedRolePolicies returns an error wrapping [ErrNotSet].
	ListAttachedRolePoliciesFunc func(ctx context.Context, params *iam.ListAttachedRolePoliciesInput, optFns ...func(*iam.Options)) (*iam.ListAttachedRolePoliciesOutput, error)

	rec recorder
}

// Calls returns the calls made so far, oldest first.
func (f *IAM) Calls() []Call { return f.rec.get() }

// Reset forgets the recorded calls.
func (f *IAM) Reset() { f.rec.reset() }

// GetRole records the call and runs GetRoleFunc.
func (f *IAM) GetRole(ctx context.Context, params *iam.GetRoleInput, optFns ...func(*iam.Options)) (*iam.GetRoleOutput, error) {
	f.rec.record("iam:GetRole", params)
	if f.GetRoleFunc == nil {
		return nil, notSet("IAM", "GetRole")
	}
	return f.GetRoleFunc(ctx, params, optFns...)
}

// PutRolePolicy records the call and runs PutRolePolicyFunc.
func (f *IAM) PutRolePolicy(ctx context.Context, params *iam.PutRolePolicyInput, optFns ...func(*iam.Options)) (*iam.PutRolePolicyOutput, error) {
	f.rec.record("iam:PutRolePolicy", params)
	if f.PutRolePolicyFunc == nil {
		return nil, notSet("IAM", "PutRolePolicy")
	}
	return f.PutRolePolicyFunc(ctx, params, optFns...)
}

// GetRolePolicy records the call and runs GetRolePolicyFunc.
func (f *IAM) GetRolePolicy(ctx context.Context, params *iam.GetRolePolicyInput, optFns ...func(*iam.Options)) (*iam.GetRolePolicyOutput, error) {
	f.rec.record("iam:GetRolePolicy", params)
	if f.GetRolePolicyFunc == nil {
		return nil, notSet("IAM", "GetRolePolicy")
	}
	return f.GetRolePolicyFunc(ctx, params, optFns...)
}

// CreatePolicy records the call and runs CreatePolicyFunc.
func (f *IAM) CreatePolicy(ctx context.Context, params *iam.CreatePolicyInput, optFns ...func(*iam.Options)) (*iam.CreatePolicyOutput, error) {
	f.rec.record("iam:CreatePolicy", params)
	if f.CreatePolicyFunc == nil {
		return nil, notSet("IAM", "CreatePolicy")
	}
	return f.CreatePolicyFunc(ctx, params, optFns...)
}

// GetPolicy records the call and runs GetPolicyFunc.
func (f *IAM) GetPolicy(ctx context.Context, params *iam.GetPolicyInput, optFns ...func(*iam.Options)) (*iam.GetPolicyOutput, error) {
	f.rec.record("iam:GetPolicy", params)
	if f.GetPolicyFunc == nil {
		return nil, notSet("IAM", "GetPolicy")
	}
	return f.GetPolicyFunc(ctx, params, optFns...)
}

// CreatePolicyVersion records the call and runs CreatePolicyVersionFunc.
func (f *IAM) CreatePolicyVersion(ctx context.Context, params *iam.CreatePolicyVersionInput, optFns ...func(*iam.Options)) (*iam.CreatePolicyVersionOutput, error) {
	f.rec.record("iam:CreatePolicyVersion", params)
	if f.CreatePolicyVersionFunc == nil {
		return nil, notSet("IAM", "CreatePolicyVersion")
	}
	return f.CreatePolicyVersionFunc(ctx, params, optFns...)
}

// ListPolicyVersions records the call and runs ListPolicyVersionsFunc.
func (f *IAM) ListPolicyVersions(ctx context.Context, params *iam.ListPolicyVersionsInput, optFns ...func(*iam.Options)) (*iam.ListPolicyVersionsOutput, error) {
	f.rec.record("iam:ListPolicyVersions", params)
	if f.ListPolicyVersionsFunc == nil {
		return nil, notSet("IAM", "ListPolicyVersions")
	}
	return f.ListPolicyVersionsFunc(ctx, params, optFns...)
}

// DeletePolicyVersion records the call and runs DeletePolicyVersionFunc.
func (f *IAM) DeletePolicyVersion(ctx context.Context, params *iam.DeletePolicyVersionInput, optFns ...func(*iam.Options)) (*iam.DeletePolicyVersionOutput, error) {
	f.rec.record("iam:DeletePolicyVersion", params)
	if f.DeletePolicyVersionFunc == nil {
		return nil, notSet("IAM", "DeletePolicyVersion")
	}
	return f.DeletePolicyVersionFunc(ctx, params, optFns...)
}

// GetPolicyVersion records the call and runs GetPolicyVersionFunc.
func (f *IAM) GetPolicyVersion(ctx context.Context, params *iam.GetPolicyVersionInput, optFns ...func(*iam.Options)) (*iam.GetPolicyVersionOutput, error) {
	f.rec.record("iam:GetPolicyVersion", params)
	if f.GetPolicyVersionFunc == nil {
		return nil, notSet("IAM", "GetPolicyVersion")
	}
	return f.GetPolicyVersionFunc(ctx, params, optFns...)
}

// AttachRolePolicy records the call and runs AttachRolePolicyFunc.
func (f *IAM) AttachRolePolicy(ctx context.Context, params *iam.AttachRolePolicyInput, optFns ...func(*iam.Options)) (*iam.AttachRolePolicyOutput, error) {
	f.rec.record("iam:AttachRolePolicy", params)
	if f.AttachRolePolicyFunc == nil {
		return nil, notSet("IAM", "AttachRolePolicy")
	}
	return f.AttachRolePolicyFunc(ctx, params, optFns...)
}

// ListAttachedRolePolicies records the call and runs ListAttachedRolePoliciesFunc.
func (f *IAM) ListAttachedRolePolicies(ctx context.Context, params *iam.ListAttachedRolePoliciesInput, optFns ...func(*iam.Options)) (*iam.ListAttachedRolePoliciesOutput, error) {
	f.rec.record("iam:ListAttachedRolePolicies", params)
	if f.ListAttachedRolePoliciesFunc == nil {
		return nil, notSet("IAM", "ListAttachedRolePolicies")
	}
	return f.ListAttachedRolePoliciesFunc(ctx, params, optFns...)
}

// STS is a fake Security Token Service (sts) client with the method signatures of *sts.Client for
// the operations this library uses. Set the XxxFunc field of an operation to answer it;
// every call is recorded, also when the field is nil. The zero value is ready to use,
// and STS is safe for concurrent use as long as the XxxFunc fields are set before the
// first call.
type STS struct {
	// GetCallerIdentityFunc answers GetCallerIdentity. When nil, GetCallerIdentity returns an error wrapping [ErrNotSet].
	GetCallerIdentityFunc func(ctx context.Context, params *sts.GetCallerIdentityInput, optFns ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error)

	rec recorder
}

// Calls returns the calls made so far, oldest first.
func (f *STS) Calls() []Call { return f.rec.get() }

// Reset forgets the recorded calls.
func (f *STS) Reset() { f.rec.reset() }

// GetCallerIdentity records the call and runs GetCallerIdentityFunc.
func (f *STS) GetCallerIdentity(ctx context.Context, params *sts.GetCallerIdentityInput, optFns ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error) {
	f.rec.record("sts:GetCallerIdentity", params)
	if f.GetCallerIdentityFunc == nil {
		return nil, notSet("STS", "GetCallerIdentity")
	}
	return f.GetCallerIdentityFunc(ctx, params, optFns...)
}
