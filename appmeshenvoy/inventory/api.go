package inventory

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/ecs"
)

// ListClustersAPI is the ECS operation that lists an account's clusters in a region.
type ListClustersAPI interface {
	ListClusters(ctx context.Context, params *ecs.ListClustersInput, optFns ...func(*ecs.Options)) (*ecs.ListClustersOutput, error)
}

// ListServicesAPI is the ECS operation that lists a cluster's services.
type ListServicesAPI interface {
	ListServices(ctx context.Context, params *ecs.ListServicesInput, optFns ...func(*ecs.Options)) (*ecs.ListServicesOutput, error)
}

// DescribeServicesAPI is the ECS operation that describes up to 10 services, with the
// task definitions their deployments run.
type DescribeServicesAPI interface {
	DescribeServices(ctx context.Context, params *ecs.DescribeServicesInput, optFns ...func(*ecs.Options)) (*ecs.DescribeServicesOutput, error)
}

// DescribeTaskDefinitionAPI is the ECS operation that reads a task definition.
type DescribeTaskDefinitionAPI interface {
	DescribeTaskDefinition(ctx context.Context, params *ecs.DescribeTaskDefinitionInput, optFns ...func(*ecs.Options)) (*ecs.DescribeTaskDefinitionOutput, error)
}

// ECSAPI is every ECS operation [Scanner.ECS] calls: the read operations
// ecs:ListClusters, ecs:ListServices, ecs:DescribeServices and
// ecs:DescribeTaskDefinition. *ecs.Client implements it; supply your own through
// Options.ECSClient for tests.
type ECSAPI interface {
	ListClustersAPI
	ListServicesAPI
	DescribeServicesAPI
	DescribeTaskDefinitionAPI
}

var _ ECSAPI = (*ecs.Client)(nil)
