package mirror

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/ecr"
)

// CreateRepositoryAPI is the ECR operation that creates a destination repository
// ([Request.Create]).
type CreateRepositoryAPI interface {
	CreateRepository(ctx context.Context, params *ecr.CreateRepositoryInput, optFns ...func(*ecr.Options)) (*ecr.CreateRepositoryOutput, error)
}

// DescribeRepositoriesAPI is the ECR operation that tells whether a destination
// repository exists ([Request.Create]).
type DescribeRepositoriesAPI interface {
	DescribeRepositories(ctx context.Context, params *ecr.DescribeRepositoriesInput, optFns ...func(*ecr.Options)) (*ecr.DescribeRepositoriesOutput, error)
}

// RepositoryAPI is both, what [Options.ECRClientForRegion] supplies.
type RepositoryAPI interface {
	CreateRepositoryAPI
	DescribeRepositoriesAPI
}

var (
	_ CreateRepositoryAPI     = (*ecr.Client)(nil)
	_ DescribeRepositoriesAPI = (*ecr.Client)(nil)
)
