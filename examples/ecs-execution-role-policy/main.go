// Command ecs-execution-role-policy prints the least-privilege IAM policy an ECS task
// execution role needs to pull the App Mesh Envoy image in the chosen regions, checks it,
// and optionally stores it on the role.
//
// It shows iampolicy.ImagePull (ecr:GetAuthorizationToken on "*", which IAM cannot scope,
// and the two pull actions on exactly each region's Envoy repository ARN),
// Document.Validate, iampolicy.Evaluate, and iampolicy.NewApplier (idempotent: nothing is
// written when the role already has an equivalent policy; -dry-run only reports; every
// call ends after -timeout). Errors carry a stable code (appmeshenvoy.CodeOf) that a
// pipeline can branch on, such as "role-not-found" or "access-denied".
//
// Print the policy for every aws region (no AWS call):
//
//	go run ./examples/ecs-execution-role-policy
//
// Store it on a role in your account (needs iam:GetRolePolicy, iam:GetRole and iam:PutRolePolicy):
//
//	go run ./examples/ecs-execution-role-policy -regions us-west-2,eu-west-1 -role ecsTaskExecutionRole -dry-run
//
// Without an AWS account, against an in-process local endpoint with that role: -local -role ecsTaskExecutionRole.
//
// To copy it into your own program, load the configuration with
// config.LoadDefaultConfig(ctx, config.WithRegion(region)) where it calls awsFlags.Config
// (package examples/internal/exampleaws, which adds -local and -endpoint-url).
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"strings"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/appmeshenvoytest"
	"github.com/appmesh-envoy/appmesh-envoy-go/examples/internal/exampleaws"
	"github.com/appmesh-envoy/appmesh-envoy-go/iampolicy"
	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

func main() {
	regions := flag.String("regions", "", "comma-separated region codes (default: every aws region)")
	role := flag.String("role", "", "IAM role to store the policy on as an inline policy (default: only print)")
	dryRun := flag.Bool("dry-run", false, "with -role: report what would change, write nothing")
	timeout := flag.Duration("timeout", iampolicy.DefaultApplyTimeout, "with -role: give up on IAM after this long")
	awsFlags := exampleaws.AddFlags() // -local, -endpoint-url
	flag.Parse()
	log.SetFlags(0)

	var codes []string
	if *regions != "" {
		codes = strings.Split(*regions, ",")
	}
	// No codes means every region of the aws partition; codes of two partitions are an
	// error with code "mixed-partitions".
	doc, err := iampolicy.ImagePull(iampolicy.PullOptions{Regions: iampolicy.Regions{Codes: codes}})
	if err != nil {
		log.Fatalf("%v (code %s)", err, appmeshenvoy.CodeOf(err))
	}
	if err := doc.ValidateAs(iampolicy.KindInline); err != nil {
		log.Fatal(err)
	}
	os.Stdout.Write(doc.Indent())
	fmt.Println()

	// The policy answers locally what IAM would answer.
	usw2 := region.MustLookup("us-west-2")
	fmt.Fprintln(os.Stderr, "pull from", usw2.Code+":", iampolicy.Evaluate(doc, "ecr:BatchGetImage", usw2.RepositoryARN()))
	fmt.Fprintln(os.Stderr, "push to", usw2.Code+":", iampolicy.Evaluate(doc, "ecr:PutImage", usw2.RepositoryARN()))

	if *role == "" {
		return
	}
	ctx := context.Background()
	// IAM is global: any region of the partition signs the requests. With -local the
	// endpoint starts with the role in place.
	cfg, done, err := awsFlags.Config(ctx, "", func(srv *appmeshenvoytest.Server) { srv.AddRole(*role) })
	if err != nil {
		log.Fatal(err)
	}
	defer done()
	applier := iampolicy.NewApplier(cfg, func(o *iampolicy.ApplierOptions) {
		o.DryRun = *dryRun
		o.Timeout = *timeout
	})
	change, err := applier.PutInline(ctx, *role, "AppMeshEnvoyImagePull", doc)
	if err != nil {
		// A role that does not exist matches iampolicy.ErrRoleNotFound (code
		// "role-not-found"): the applier creates no roles.
		log.Fatalf("store the policy on %s: %v (code %s)", *role, err, appmeshenvoy.CodeOf(err))
	}
	fmt.Fprintln(os.Stderr, change)
}
