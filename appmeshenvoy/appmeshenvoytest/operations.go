package appmeshenvoytest

import (
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/arn"

	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

// Operation is one authorized call the server answered: an IAM action on one resource,
// by one principal. The registry API's requests are recorded under the IAM action ECR
// authorizes them with (see the package documentation), so that a test can check a
// least-privilege policy against everything a client did.
type Operation struct {
	// Action is the IAM action, such as "ecr:BatchGetImage" or "ssm:GetParameter".
	Action string
	// Resource is the ARN of the resource, or "*" for actions without one (such as
	// ecr:GetAuthorizationToken and sts:GetCallerIdentity).
	Resource string
	// Region is the region of the request.
	Region string
	// Principal is the ARN of the caller, such as
	// "arn:aws:iam::123456789012:user/appmeshenvoytest".
	Principal string
}

// maxOperations bounds the operation log; beyond it new operations are not recorded.
const maxOperations = 10000

// Operations returns the distinct operations the server authorized since it started
// (or since [Server.ResetCounts]), in the order first seen: authenticated AWS API calls
// that reached their handler (after fault injection), and authenticated registry
// requests the caller may make (recorded before fault injection, so a throttled pull
// is listed too), whatever their answer. A CreateRepository call with tags is
// recorded as ecr:TagResource too, the permission ECR checks for tags given on
// creation. A registry write into another account's
// registry is refused and not recorded. Anonymous pulls from the public gallery need no
// IAM action and are not recorded. At most 10,000 distinct operations are kept.
func (s *Server) Operations() []Operation {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Operation(nil), s.ops...)
}

// recordLocked adds op to the operation log unless it is there already.
func (s *Server) recordLocked(op Operation) {
	if s.opSeen[op] || len(s.ops) >= maxOperations {
		return
	}
	s.opSeen[op] = true
	s.ops = append(s.ops, op)
}

// principalARN returns the IAM ARN of a test identity in the partition of regionCode.
func principalARN(account, user, regionCode string) string {
	return arn.ARN{Partition: partitionID(regionCode), Service: "iam", AccountID: account, Resource: "user/" + user}.String()
}

// recordCall records the operation of an AWS API call that reached its handler, on the
// resources the handler named (c.resources) or, for the IAM operations, the role or
// policy of the request.
func (s *Server) recordCall(c *call, opName string) {
	resources := c.resources
	if c.svc.name == "iam" {
		resources = iamResources(c)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p := c.principal
	if p == "" {
		p = principalARN(c.account, c.user, c.region)
	}
	for _, res := range resources {
		s.recordLocked(Operation{Action: opName, Resource: res, Region: c.region, Principal: p})
	}
}

// iamResources returns the resource an IAM call is authorized on: the role of a role
// operation, the policy of a policy operation.
func iamResources(c *call) []string {
	part := partitionID(c.region)
	switch {
	case c.form.Get("RoleName") != "":
		return []string{arn.ARN{Partition: part, Service: "iam", AccountID: c.account, Resource: "role/" + c.form.Get("RoleName")}.String()}
	case c.form.Get("PolicyArn") != "":
		return []string{c.form.Get("PolicyArn")}
	case c.op == "CreatePolicy" && c.form.Get("PolicyName") != "":
		path := c.form.Get("Path")
		if path == "" {
			path = "/"
		}
		return []string{arn.ARN{Partition: part, Service: "iam", AccountID: c.account, Resource: "policy" + path + c.form.Get("PolicyName")}.String()}
	}
	return []string{"*"}
}

// parameterResource returns the ARN of the SSM parameter name in c's region: the public
// Envoy parameter's (no account), or one of the caller's account.
func parameterResource(c *call, name string) string {
	if name == region.ParameterName || name == parameterARN(c.region) {
		return parameterARN(c.region)
	}
	if strings.HasPrefix(name, "arn:") {
		return name
	}
	if !strings.HasPrefix(name, "/") {
		name = "/" + name
	}
	return arn.ARN{Partition: partitionID(c.region), Service: "ssm", Region: c.region, AccountID: c.account, Resource: "parameter" + name}.String()
}
