package mirror

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/awserr"
)

// ensureRepository creates the ECR repository of d unless it exists, and reports
// whether it created it (with dryRun: whether it would). ECR refuses pushes into a
// repository that does not exist.
func (m *Mirror) ensureRepository(ctx context.Context, d destination, s RepositorySettings, dryRun bool) (bool, error) {
	reg := d.ecr
	repo := appmeshenvoy.Repository{Registry: *reg, Name: d.repo.Name}
	c := m.ecrClient(reg.Region)
	_, err := c.DescribeRepositories(ctx, &ecr.DescribeRepositoriesInput{
		RegistryId: aws.String(reg.Account), RepositoryNames: []string{d.repo.Name}})
	switch {
	case err == nil:
		return false, nil
	case !awserr.IsCode(err, "RepositoryNotFoundException"):
		return false, awserr.Classify(err, awserr.Call{Action: "ecr:DescribeRepositories", Resource: repo.ARN(),
			Attempts: appmeshenvoy.DefaultRetryMaxAttempts})
	case dryRun:
		return true, nil
	}
	in := &ecr.CreateRepositoryInput{
		RegistryId:         aws.String(reg.Account),
		RepositoryName:     aws.String(d.repo.Name),
		ImageTagMutability: ecrtypes.ImageTagMutabilityImmutable,
	}
	if s.MutableTags {
		in.ImageTagMutability = ecrtypes.ImageTagMutabilityMutable
	}
	if s.KMSKey != "" {
		in.EncryptionConfiguration = &ecrtypes.EncryptionConfiguration{EncryptionType: ecrtypes.EncryptionTypeKms}
		if s.KMSKey != "aws/ecr" {
			in.EncryptionConfiguration.KmsKey = aws.String(s.KMSKey)
		}
	}
	for _, kv := range sortedTags(s.Tags) {
		in.Tags = append(in.Tags, ecrtypes.Tag{Key: aws.String(kv[0]), Value: aws.String(kv[1])})
	}
	if _, err := c.CreateRepository(ctx, in); err != nil {
		if awserr.IsCode(err, "RepositoryAlreadyExistsException") {
			return false, nil // created meanwhile
		}
		return false, awserr.Classify(err, awserr.Call{Action: "ecr:CreateRepository", Resource: repo.ARN(),
			Attempts: appmeshenvoy.DefaultRetryMaxAttempts})
	}
	return true, nil
}
