package iampolicy_test

import (
	"context"
	"fmt"
	"os"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/appmeshenvoytest"
	"github.com/appmesh-envoy/appmesh-envoy-go/iampolicy"
)

func ExampleImagePull() {
	doc, err := iampolicy.ImagePull(iampolicy.PullOptions{
		Regions: iampolicy.Regions{Codes: []string{"us-west-2", "eu-south-1"}},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	os.Stdout.Write(doc.Indent())
	// Output:
	// {
	//   "Version": "2012-10-17",
	//   "Statement": [
	//     {
	//       "Sid": "EnvoyRegistryAuth",
	//       "Effect": "Allow",
	//       "Action": [
	//         "ecr:GetAuthorizationToken"
	//       ],
	//       "Resource": [
	//         "*"
	//       ]
	//     },
	//     {
	//       "Sid": "EnvoyImagePull",
	//       "Effect": "Allow",
	//       "Action": [
	//         "ecr:BatchGetImage",
	//         "ecr:GetDownloadUrlForLayer"
	//       ],
	//       "Resource": [
	//         "arn:aws:ecr:eu-south-1:422531588944:repository/aws-appmesh-envoy",
	//         "arn:aws:ecr:us-west-2:840364872350:repository/aws-appmesh-envoy"
	//       ]
	//     }
	//   ]
	// }
}

func ExampleImagePull_regionWildcard() {
	// Every region of the aws partition, one ARN per registry account.
	doc, err := iampolicy.ImagePull(iampolicy.PullOptions{Regions: iampolicy.Regions{RegionWildcard: true}})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	fmt.Println(len(doc.Statement[1].Resource), "repository ARNs,", iampolicy.Size(doc), "characters")
	fmt.Println(doc.Statement[1].Resource[4])
	// Output:
	// 9 repository ARNs, 776 characters
	// arn:aws:ecr:*:840364872350:repository/aws-appmesh-envoy
}

func ExampleProxyAuthorization() {
	doc, err := iampolicy.ProxyAuthorization(iampolicy.ProxyOptions{
		Resources: []string{"arn:aws:appmesh:us-west-2:111122223333:mesh/shop/virtualNode/cart"},
		Tracing:   true,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	fmt.Println(doc)
	for _, w := range iampolicy.WildcardReasons(doc) {
		fmt.Println(w.Sid, w.Code)
	}
	// Output:
	// {"Version":"2012-10-17","Statement":[{"Sid":"EnvoyProxyAuthorization","Effect":"Allow","Action":["appmesh:StreamAggregatedResources"],"Resource":["arn:aws:appmesh:us-west-2:111122223333:mesh/shop/virtualNode/cart"]},{"Sid":"EnvoyXRayTracing","Effect":"Allow","Action":["xray:GetSamplingRules","xray:GetSamplingStatisticSummaries","xray:GetSamplingTargets","xray:PutTelemetryRecords","xray:PutTraceSegments"],"Resource":["*"]}]}
	// EnvoyXRayTracing no-resource-level-permissions
}

func ExampleParameterRead() {
	doc, err := iampolicy.ParameterRead(iampolicy.ParameterOptions{
		Regions: iampolicy.Regions{Codes: []string{"cn-north-1"}},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	fmt.Println(doc.Statement[0].Action, doc.Statement[0].Resource)
	// Output:
	// [ssm:GetParameter ssm:GetParameters] [arn:aws-cn:ssm:cn-north-1::parameter/aws/service/appmesh/envoy]
}

func ExampleCombined() {
	pull, _ := iampolicy.ImagePull(iampolicy.PullOptions{})
	param, _ := iampolicy.ParameterRead(iampolicy.ParameterOptions{Regions: iampolicy.Regions{Partition: "aws-cn"}})
	_, err := iampolicy.Combined(pull, param)
	fmt.Println(err)
	// Output:
	// iampolicy: Resource "arn:aws-cn:ssm:cn-north-1::parameter/aws/service/appmesh/envoy": partition aws-cn differs from aws used elsewhere in the policy; one policy lives in one partition, so build one per partition
}

func ExampleEvaluate() {
	doc, _ := iampolicy.ImagePull(iampolicy.PullOptions{Regions: iampolicy.Regions{Codes: []string{"us-west-2"}}})
	repo := "arn:aws:ecr:us-west-2:840364872350:repository/aws-appmesh-envoy"
	fmt.Println(iampolicy.Evaluate(doc, "ecr:BatchGetImage", repo))
	fmt.Println(iampolicy.Evaluate(doc, "ecr:PutImage", repo))
	fmt.Println(iampolicy.Evaluate(doc, "ecr:GetAuthorizationToken", "*"))
	// Output:
	// allowed
	// implicitDeny
	// allowed
}

func ExampleDocument_Validate() {
	doc, err := iampolicy.Parse([]byte(`{
		"Version": "2012-10-17",
		"Statement": [{
			"Sid": "Pull envoy",
			"Effect": "Allow",
			"Action": ["ecr:GetAuthorizationToken", "ecr:BatchGetImage"],
			"Resource": "arn:aws:ecr:us-west-2:840364872350:repository/aws-appmesh-envoy"
		}]
	}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(doc.Validate())
	// Output:
	// invalid policy: 2 problems: Statement[0] (Pull envoy): Sid "Pull envoy" may contain only letters A-Z, a-z and digits 0-9; Statement[0] (Pull envoy): action ecr:GetAuthorizationToken supports no resource-level permissions, so only Resource "*" grants it; add it in a statement with Resource "*"
}

func ExampleApplier_PutManaged() {
	// A local AWS endpoint stands in for IAM here; with real AWS, pass the aws.Config
	// from config.LoadDefaultConfig.
	srv := appmeshenvoytest.NewServer()
	defer srv.Close()
	srv.AddRole("envoy-node")

	doc, _ := iampolicy.ImagePull(iampolicy.PullOptions{Regions: iampolicy.Regions{Codes: []string{"us-west-2"}}})
	a := iampolicy.NewApplier(srv.Config("us-west-2"))
	for i := 0; i < 2; i++ {
		c, err := a.PutManaged(context.Background(), "envoy-node", "envoy-pull", doc)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(c)
	}
	// Output:
	// managed policy envoy-pull on role envoy-node: CreatePolicy (arn:aws:iam::123456789012:policy/envoy-pull), AttachRolePolicy (attach to role envoy-node)
	// managed policy envoy-pull on role envoy-node: up to date
}
