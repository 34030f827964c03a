package appmeshenvoytest_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/google/go-cmp/cmp"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/appmeshenvoytest"
)

// TestCreateRepositoryTagsAuthorizeTagResource: tags given to CreateRepository are
// authorized as ecr:TagResource too, as ECR does; without tags only
// ecr:CreateRepository is recorded.
func TestCreateRepositoryTagsAuthorizeTagResource(t *testing.T) {
	srv := newServer(t)
	c := ecr.NewFromConfig(srv.Config("eu-west-1"))
	ctx := context.Background()
	if _, err := c.CreateRepository(ctx, &ecr.CreateRepositoryInput{RepositoryName: aws.String("plain/envoy")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateRepository(ctx, &ecr.CreateRepositoryInput{RepositoryName: aws.String("tagged/envoy"),
		Tags: []ecrtypes.Tag{{Key: aws.String("team"), Value: aws.String("platform")}}}); err != nil {
		t.Fatal(err)
	}
	me := "arn:aws:iam::" + appmeshenvoytest.AccountID + ":user/" + appmeshenvoytest.UserName
	arn := func(name string) string {
		return "arn:aws:ecr:eu-west-1:" + appmeshenvoytest.AccountID + ":repository/" + name
	}
	want := []appmeshenvoytest.Operation{
		{Action: "ecr:CreateRepository", Resource: arn("plain/envoy"), Region: "eu-west-1", Principal: me},
		{Action: "ecr:TagResource", Resource: arn("tagged/envoy"), Region: "eu-west-1", Principal: me},
		{Action: "ecr:CreateRepository", Resource: arn("tagged/envoy"), Region: "eu-west-1", Principal: me},
	}
	if diff := cmp.Diff(want, srv.Operations()); diff != "" {
		t.Errorf("operations (-want +got):\n%s", diff)
	}
}
