package iampolicy_test

import (
	"fmt"

	"github.com/appmesh-envoy/appmesh-envoy-go/iampolicy"
)

// Inventory is the policy of "appmesh-envoy inventory": ECS reads, the parameter read and
// sts:AssumeRole on the roles it scans through.
func ExampleInventory() {
	doc, err := iampolicy.Inventory(iampolicy.InventoryOptions{
		Regions: iampolicy.Regions{Codes: []string{"us-west-2"}},
		Roles:   []string{"arn:aws:iam::111122223333:role/inventory"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range doc.Statement {
		fmt.Println(s.Sid, s.Action, s.Resource)
	}
	// Output:
	// EnvoyInventoryList [ecs:DescribeTaskDefinition ecs:ListClusters ecs:ListServices] [*]
	// EnvoyInventoryServices [ecs:DescribeServices] [arn:aws:ecs:us-west-2:111122223333:service/*]
	// EnvoyParameterRead [ssm:GetParameter ssm:GetParameters] [arn:aws:ssm:us-west-2::parameter/aws/service/appmesh/envoy]
	// EnvoyInventoryAssumeRole [sts:AssumeRole] [arn:aws:iam::111122223333:role/inventory]
}
