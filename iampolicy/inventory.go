package iampolicy

import (
	"strings"

	"github.com/appmesh-envoy/appmesh-envoy-go/internal/quote"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
)

// Sids of the inventory policy's statements. They are stable: tools may key on them.
const (
	SidInventoryList       = "EnvoyInventoryList"       // ECS list and task definition reads on "*"
	SidInventoryServices   = "EnvoyInventoryServices"   // ecs:DescribeServices on the services
	SidInventoryAssumeRole = "EnvoyInventoryAssumeRole" // sts:AssumeRole on the roles
)

// inventoryListActions are the ECS reads of an inventory that support no resource-level
// permissions, so their resource is "*" (Service Authorization Reference, Amazon ECS:
// ListClusters and DescribeTaskDefinition have no resource type; ListServices only the
// condition key ecs:cluster;
// https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonelasticcontainerservice.html).
var inventoryListActions = []string{"ecs:DescribeTaskDefinition", "ecs:ListClusters", "ecs:ListServices"}

// InventoryOptions configures [Inventory]. The zero value covers every region of the
// "aws" partition in any account, without roles.
type InventoryOptions struct {
	// Regions selects the regions scanned (appmesh-envoy inventory --region /
	// --all-regions).
	Regions Regions
	// Roles are the ARNs of the roles the inventory assumes, one per account
	// ("arn:aws:iam::111122223333:role/inventory"), all in the partition of Regions.
	// Default: none (the caller scans its own account).
	Roles []string
	// Accounts are the 12-digit accounts whose services may be described. Default: the
	// accounts of Roles, or, without Roles, any account ("*": the caller's own, which
	// the builder does not know; an identity policy cannot reach other accounts' ECS
	// services anyway).
	Accounts []string
	// FinalRelease leaves out the SSM parameter read, for an inventory that compares
	// with the final release (appmesh-envoy inventory --final-release). Default: false.
	FinalRelease bool
}

// Inventory returns the identity policy of "appmesh-envoy inventory" (and of
// inventory.Scanner.ECS), exactly the calls it makes:
//
//   - [SidInventoryList]: ecs:ListClusters, ecs:ListServices and
//     ecs:DescribeTaskDefinition on "*" (they support no resource-level permissions);
//   - [SidInventoryServices]: ecs:DescribeServices on the services of each account and
//     region, "arn:aws:ecs:REGION:ACCOUNT:service/*" (with [Regions.RegionWildcard],
//     one ARN per account with region "*");
//   - [SidParameterRead] (unless FinalRelease): ssm:GetParameter and ssm:GetParameters
//     on the public Envoy parameter of each region, read once per region by the caller;
//   - [SidInventoryAssumeRole] (with Roles): sts:AssumeRole on exactly the roles.
//
// One document serves every principal of the run: the caller needs the parameter read
// and sts:AssumeRole (and the ECS statements when it scans its own account); each
// assumed role needs the ECS statements. Attach the whole document to both, or split it
// by Sid for least privilege per principal; each role's trust policy must also let the
// caller assume it.
func Inventory(opts InventoryOptions) (Document, error) {
	regions, part, err := opts.Regions.resolve()
	if err != nil {
		return Document{}, err
	}
	accounts := map[string]bool{}
	var roles []string
	for _, r := range opts.Roles {
		a, ok := splitARN(r)
		bad := func(msg string) error { return &InputError{Field: "Roles", Value: r, Msg: msg} }
		switch {
		case !ok || a.Service != "iam" || a.Region != "" || !strings.HasPrefix(a.Resource, "role/") || len(a.Resource) == len("role/"):
			return Document{}, bad(`not an IAM role ARN; write "arn:` + part.ID + `:iam::ACCOUNT:role/NAME"`)
		case a.Partition != part.ID:
			return Document{}, mixedPartitions("Roles", r, part.ID, a.Partition)
		case !accountPattern().MatchString(a.AccountID):
			return Document{}, bad(quote.Input(a.AccountID) + " is not a 12-digit account ID")
		case strings.ContainsAny(a.Resource, "*?"):
			return Document{}, bad("name the role: wildcards would let the caller assume roles it does not scan")
		}
		roles = append(roles, r)
		accounts[a.AccountID] = true
	}
	for _, acct := range opts.Accounts {
		if !accountPattern().MatchString(acct) {
			return Document{}, &InputError{Field: "Accounts", Value: acct, Msg: "not a 12-digit account ID"}
		}
		accounts[acct] = true
	}
	if len(accounts) == 0 {
		accounts["*"] = true
	}
	var services []string
	for acct := range accounts {
		if opts.Regions.RegionWildcard {
			services = append(services, arn.ARN{Partition: part.ID, Service: "ecs", Region: "*", AccountID: acct, Resource: "service/*"}.String())
			continue
		}
		for _, r := range regions {
			services = append(services, arn.ARN{Partition: part.ID, Service: "ecs", Region: r.Code, AccountID: acct, Resource: "service/*"}.String())
		}
	}
	doc := Document{Version: Version, Statement: []Statement{
		{Sid: SidInventoryList, Effect: EffectAllow, Action: inventoryListActions, Resource: []string{"*"}},
		{Sid: SidInventoryServices, Effect: EffectAllow, Action: []string{"ecs:DescribeServices"}, Resource: sortedSet(services)},
	}}
	if !opts.FinalRelease {
		p, err := ParameterRead(ParameterOptions{Regions: opts.Regions})
		if err != nil {
			return Document{}, err
		}
		doc.Statement = append(doc.Statement, p.Statement...)
	}
	if len(roles) > 0 {
		doc.Statement = append(doc.Statement, Statement{Sid: SidInventoryAssumeRole, Effect: EffectAllow, Action: []string{"sts:AssumeRole"}, Resource: sortedSet(roles)})
	}
	return doc.Normalize(), nil
}
