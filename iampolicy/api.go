package iampolicy

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// The narrow IAM and STS interfaces [Applier] uses, one per operation, with the SDK's
// exact signatures: *iam.Client and *sts.Client satisfy them, and tests can supply
// fakes.

// GetRoleAPI reads a role; [Applier] uses it to tell a missing role from a missing
// inline policy.
type GetRoleAPI interface {
	GetRole(context.Context, *iam.GetRoleInput, ...func(*iam.Options)) (*iam.GetRoleOutput, error)
}

// GetRolePolicyAPI reads an inline role policy.
type GetRolePolicyAPI interface {
	GetRolePolicy(context.Context, *iam.GetRolePolicyInput, ...func(*iam.Options)) (*iam.GetRolePolicyOutput, error)
}

// PutRolePolicyAPI writes an inline role policy.
type PutRolePolicyAPI interface {
	PutRolePolicy(context.Context, *iam.PutRolePolicyInput, ...func(*iam.Options)) (*iam.PutRolePolicyOutput, error)
}

// GetPolicyAPI reads a managed policy's metadata.
type GetPolicyAPI interface {
	GetPolicy(context.Context, *iam.GetPolicyInput, ...func(*iam.Options)) (*iam.GetPolicyOutput, error)
}

// GetPolicyVersionAPI reads one version of a managed policy.
type GetPolicyVersionAPI interface {
	GetPolicyVersion(context.Context, *iam.GetPolicyVersionInput, ...func(*iam.Options)) (*iam.GetPolicyVersionOutput, error)
}

// CreatePolicyAPI creates a managed policy.
type CreatePolicyAPI interface {
	CreatePolicy(context.Context, *iam.CreatePolicyInput, ...func(*iam.Options)) (*iam.CreatePolicyOutput, error)
}

// CreatePolicyVersionAPI adds a version to a managed policy.
type CreatePolicyVersionAPI interface {
	CreatePolicyVersion(context.Context, *iam.CreatePolicyVersionInput, ...func(*iam.Options)) (*iam.CreatePolicyVersionOutput, error)
}

// ListPolicyVersionsAPI lists the versions of a managed policy.
type ListPolicyVersionsAPI interface {
	ListPolicyVersions(context.Context, *iam.ListPolicyVersionsInput, ...func(*iam.Options)) (*iam.ListPolicyVersionsOutput, error)
}

// DeletePolicyVersionAPI deletes a non-default version of a managed policy.
type DeletePolicyVersionAPI interface {
	DeletePolicyVersion(context.Context, *iam.DeletePolicyVersionInput, ...func(*iam.Options)) (*iam.DeletePolicyVersionOutput, error)
}

// ListAttachedRolePoliciesAPI lists the managed policies attached to a role.
type ListAttachedRolePoliciesAPI interface {
	ListAttachedRolePolicies(context.Context, *iam.ListAttachedRolePoliciesInput, ...func(*iam.Options)) (*iam.ListAttachedRolePoliciesOutput, error)
}

// AttachRolePolicyAPI attaches a managed policy to a role.
type AttachRolePolicyAPI interface {
	AttachRolePolicy(context.Context, *iam.AttachRolePolicyInput, ...func(*iam.Options)) (*iam.AttachRolePolicyOutput, error)
}

// IAMAPI is every IAM operation [Applier] calls.
type IAMAPI interface {
	GetRoleAPI
	GetRolePolicyAPI
	PutRolePolicyAPI
	GetPolicyAPI
	GetPolicyVersionAPI
	CreatePolicyAPI
	CreatePolicyVersionAPI
	ListPolicyVersionsAPI
	DeletePolicyVersionAPI
	ListAttachedRolePoliciesAPI
	AttachRolePolicyAPI
}

// GetCallerIdentityAPI tells whose credentials are in use; [Applier] takes the account
// and partition of managed policy ARNs from it.
type GetCallerIdentityAPI interface {
	GetCallerIdentity(context.Context, *sts.GetCallerIdentityInput, ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error)
}

var (
	_ IAMAPI               = (*iam.Client)(nil)
	_ GetCallerIdentityAPI = (*sts.Client)(nil)
)
