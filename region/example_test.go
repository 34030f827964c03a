package region_test

import (
	"errors"
	"fmt"

	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

func ExampleLookup() {
	r, err := region.Lookup(" EU-South-2 ")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(r.Code, r.Name, r.OptIn)
	fmt.Println(r.RepositoryURI())
	fmt.Println(r.RepositoryARN())

	_, err = region.Lookup("us-west-3")
	fmt.Println(errors.Is(err, region.ErrUnsupported))
	fmt.Println(err)
	// Output:
	// eu-south-2 Europe (Spain) true
	// 992897592190.dkr.ecr.eu-south-2.amazonaws.com/aws-appmesh-envoy
	// arn:aws:ecr:eu-south-2:992897592190:repository/aws-appmesh-envoy
	// true
	// unsupported region "us-west-3": the App Mesh Envoy image is not published there; did you mean us-west-2?
}

func ExampleAll() {
	n := map[string]int{}
	for _, r := range region.All() {
		n[r.Partition.ID]++
	}
	fmt.Println(n["aws"], "aws regions,", n["aws-cn"], "China regions")

	cn, _ := region.InPartition("aws-cn")
	for _, r := range cn {
		fmt.Println(r.Code, r.RegistryHost(), r.ParameterARN())
	}
	// Output:
	// 25 aws regions, 2 China regions
	// cn-north-1 919366029133.dkr.ecr.cn-north-1.amazonaws.com.cn arn:aws-cn:ssm:cn-north-1::parameter/aws/service/appmesh/envoy
	// cn-northwest-1 919830735681.dkr.ecr.cn-northwest-1.amazonaws.com.cn arn:aws-cn:ssm:cn-northwest-1::parameter/aws/service/appmesh/envoy
}
