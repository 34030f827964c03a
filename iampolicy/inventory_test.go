package iampolicy

import (
	"errors"
	"strings"
	"testing"
)

const (
	invRole      = "arn:aws:iam::111111111111:role/inventory"
	invOtherRole = "arn:aws:iam::222222222222:role/inventory"
)

// inventoryCases are the golden cases of the inventory builder, with what each is meant
// to allow.
var inventoryCases = []struct {
	name string
	opts InventoryOptions
	// allowed lists "action resource" pairs of the matrix the policy must allow; every
	// other pair must be denied.
	allowed []string
}{
	{"inventory-us-west-2", InventoryOptions{Regions: Regions{Codes: []string{"us-west-2"}}}, []string{
		"ecs:ListClusters *", "ecs:ListServices *", "ecs:DescribeTaskDefinition *",
		"ecs:DescribeServices arn:aws:ecs:us-west-2:111111111111:service/prod/web",
		"ecs:DescribeServices arn:aws:ecs:us-west-2:222222222222:service/default/api",
		"ecs:DescribeServices arn:aws:ecs:us-west-2:333333333333:service/default/api",
		"ssm:GetParameter arn:aws:ssm:us-west-2::parameter/aws/service/appmesh/envoy",
		"ssm:GetParameters arn:aws:ssm:us-west-2::parameter/aws/service/appmesh/envoy",
	}},
	{"inventory-us-west-2-eu-west-1-roles", InventoryOptions{Regions: Regions{Codes: []string{"us-west-2", "eu-west-1"}}, Roles: []string{invRole, invOtherRole}}, []string{
		"ecs:ListClusters *", "ecs:ListServices *", "ecs:DescribeTaskDefinition *",
		"ecs:DescribeServices arn:aws:ecs:us-west-2:111111111111:service/prod/web",
		"ecs:DescribeServices arn:aws:ecs:eu-west-1:111111111111:service/prod/web",
		"ecs:DescribeServices arn:aws:ecs:us-west-2:222222222222:service/default/api",
		"ssm:GetParameter arn:aws:ssm:us-west-2::parameter/aws/service/appmesh/envoy",
		"ssm:GetParameters arn:aws:ssm:us-west-2::parameter/aws/service/appmesh/envoy",
		"ssm:GetParameter arn:aws:ssm:eu-west-1::parameter/aws/service/appmesh/envoy",
		"ssm:GetParameters arn:aws:ssm:eu-west-1::parameter/aws/service/appmesh/envoy",
		"sts:AssumeRole " + invRole, "sts:AssumeRole " + invOtherRole,
	}},
	{"inventory-all-aws-wildcard-final", InventoryOptions{Regions: Regions{RegionWildcard: true}, Roles: []string{invRole}, FinalRelease: true}, []string{
		"ecs:ListClusters *", "ecs:ListServices *", "ecs:DescribeTaskDefinition *",
		"ecs:DescribeServices arn:aws:ecs:us-west-2:111111111111:service/prod/web",
		"ecs:DescribeServices arn:aws:ecs:eu-west-1:111111111111:service/prod/web",
		"sts:AssumeRole " + invRole,
	}},
}

// inventoryMatrix is every request the inventory policies are checked on: what an
// inventory calls and its neighbours (writes, other accounts, regions and roles).
func inventoryMatrix() []simRequest {
	var reqs []simRequest
	add := func(actions []string, resources ...string) {
		for _, a := range actions {
			for _, r := range resources {
				reqs = append(reqs, simRequest{Action: a, Resource: r})
			}
		}
	}
	add([]string{"ecs:ListClusters", "ecs:ListServices", "ecs:DescribeTaskDefinition", "ecs:ListTaskDefinitions", "ecs:RegisterTaskDefinition"}, "*")
	add([]string{"ecs:DescribeServices", "ecs:UpdateService", "ecs:DeleteService"},
		"arn:aws:ecs:us-west-2:111111111111:service/prod/web",
		"arn:aws:ecs:eu-west-1:111111111111:service/prod/web",
		"arn:aws:ecs:us-west-2:222222222222:service/default/api",
		"arn:aws:ecs:us-west-2:333333333333:service/default/api")
	add([]string{"ecs:DescribeTasks"}, "arn:aws:ecs:us-west-2:111111111111:task/prod/0123456789abcdef")
	add([]string{"ssm:GetParameter", "ssm:GetParameters", "ssm:PutParameter"},
		"arn:aws:ssm:us-west-2::parameter/aws/service/appmesh/envoy",
		"arn:aws:ssm:eu-west-1::parameter/aws/service/appmesh/envoy",
		"arn:aws:ssm:us-west-2:111111111111:parameter/app/secret")
	add([]string{"sts:AssumeRole", "iam:PassRole"}, invRole, invOtherRole, "arn:aws:iam::111111111111:role/admin")
	return reqs
}

func TestInventoryGolden(t *testing.T) {
	for _, tc := range inventoryCases {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := Inventory(tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if err := doc.Validate(); err != nil {
				t.Fatalf("the policy is not valid: %v", err)
			}
			checkGolden(t, tc.name, doc)
			// Evaluate answers the intended grants, and nothing more, on the matrix.
			for _, rq := range inventoryMatrix() {
				want := ImplicitDeny
				if containsString(tc.allowed, rq.Action+" "+rq.Resource) {
					want = Allow
				}
				if got := Evaluate(doc, rq.Action, rq.Resource); got != want {
					t.Errorf("Evaluate %s on %s = %v, want %v", rq.Action, rq.Resource, got, want)
				}
			}
		})
	}
}

// TestInventoryAgainstSimulator checks the same matrix with the independent simulator.
func TestInventoryAgainstSimulator(t *testing.T) {
	node := needNode(t, false)
	reqs := inventoryMatrix()
	for _, tc := range inventoryCases {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := Inventory(tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			for i, r := range runSim(t, node, doc, reqs) {
				simD, ok := simDecision(r.Decision)
				if !ok {
					t.Errorf("%s on %s: simulator error %s", reqs[i].Action, reqs[i].Resource, r.Error)
					continue
				}
				want := ImplicitDeny
				if containsString(tc.allowed, reqs[i].Action+" "+reqs[i].Resource) {
					want = Allow
				}
				if simD != want {
					t.Errorf("%s on %s: simulator says %v, want %v", reqs[i].Action, reqs[i].Resource, simD, want)
				}
			}
		})
	}
}

func TestInventoryInputErrors(t *testing.T) {
	tests := []struct {
		name string
		opts InventoryOptions
		want string
		err  error
	}{
		{"user, not role", InventoryOptions{Roles: []string{"arn:aws:iam::111111111111:user/x"}}, "not an IAM role ARN", ErrInvalidInput},
		{"role wildcard", InventoryOptions{Roles: []string{"arn:aws:iam::111111111111:role/*"}}, "wildcards", ErrInvalidInput},
		{"role of another partition", InventoryOptions{Roles: []string{"arn:aws-cn:iam::111111111111:role/x"}}, "partition", ErrMixedPartitions},
		{"bad account", InventoryOptions{Accounts: []string{"1111"}}, "12-digit", ErrInvalidInput},
		{"bad region", InventoryOptions{Regions: Regions{Codes: []string{"mars-1"}}}, "mars-1", ErrInvalidInput},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Inventory(tt.opts)
			if !errors.Is(err, tt.err) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want %q", err, tt.want)
			}
		})
	}
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
