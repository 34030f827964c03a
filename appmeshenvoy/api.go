package appmeshenvoy

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecrpublic"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
)

// GetParameterAPI is the one SSM operation the [Resolver] uses. *ssm.Client implements
// it; tests and callers may supply their own (see the appmeshenvoytest package).
type GetParameterAPI interface {
	GetParameter(ctx context.Context, params *ssm.GetParameterInput, optFns ...func(*ssm.Options)) (*ssm.GetParameterOutput, error)
}

// BatchGetImageAPI is the ECR operation [Resolver.Pin] uses to read a manifest digest.
// *ecr.Client implements it.
type BatchGetImageAPI interface {
	BatchGetImage(ctx context.Context, params *ecr.BatchGetImageInput, optFns ...func(*ecr.Options)) (*ecr.BatchGetImageOutput, error)
}

// GetAuthorizationTokenAPI is the ECR operation the [TokenProvider] uses. *ecr.Client
// implements it.
type GetAuthorizationTokenAPI interface {
	GetAuthorizationToken(ctx context.Context, params *ecr.GetAuthorizationTokenInput, optFns ...func(*ecr.Options)) (*ecr.GetAuthorizationTokenOutput, error)
}

// PublicGetAuthorizationTokenAPI is the ECR Public operation the [TokenProvider] uses
// for a token of the public gallery. *ecrpublic.Client implements it.
type PublicGetAuthorizationTokenAPI interface {
	GetAuthorizationToken(ctx context.Context, params *ecrpublic.GetAuthorizationTokenInput, optFns ...func(*ecrpublic.Options)) (*ecrpublic.GetAuthorizationTokenOutput, error)
}

// DescribeImagesAPI is the ECR operation a repository fallback uses to list the tags of
// an ECR repository (see ResolverOptions.Fallbacks). *ecr.Client implements it.
type DescribeImagesAPI interface {
	DescribeImages(ctx context.Context, params *ecr.DescribeImagesInput, optFns ...func(*ecr.Options)) (*ecr.DescribeImagesOutput, error)
}

var (
	_ GetParameterAPI          = (*ssm.Client)(nil)
	_ BatchGetImageAPI         = (*ecr.Client)(nil)
	_ GetAuthorizationTokenAPI = (*ecr.Client)(nil)
	_ DescribeImagesAPI        = (*ecr.Client)(nil)

	_ PublicGetAuthorizationTokenAPI = (*ecrpublic.Client)(nil)
)
