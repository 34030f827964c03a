package main

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/appmeshenvoytest"
)

// defaultLocalRole is the IAM role every local endpoint has.
const defaultLocalRole = "ecsTaskExecutionRole"

func runLocalEndpoint(ctx context.Context, a *app, args []string) error {
	c := a.newCmd("local-endpoint", "[--port N]",
		`Serves a local AWS endpoint (SSM, ECR, IAM and STS wire protocols, SigV4-verified) on
127.0.0.1 until interrupted (Ctrl-C or SIGTERM). Every region's public Envoy parameter and
image are there, so every command of this tool, the examples and the AWS CLI work against
it without an AWS account.

It is also the container registry of every ECR registry host, addressed by path:
127.0.0.1:PORT/<registry host>/<repository>:<tag>, with ECR's Basic login (user AWS, the
password of 'aws ecr get-login-password' against this endpoint). The public gallery is
there too, as 127.0.0.1:PORT/public.ecr.aws/appmesh/aws-appmesh-envoy.

IAM roles: ecsTaskExecutionRole exists, plus every --role NAME, in the test account, so
'policy --apply-to-role' works against it too.

ECS: --seed FILE loads clusters, services and task definitions in any accounts and regions,
and roles STS AssumeRole lets you assume into those accounts, so 'inventory' runs against
it. The file is JSON: {"roles": [ROLE ARN...], "regions": [{"account": "111122223333",
"region": "us-west-2", "clusters": [NAME...], "taskDefinitions": [register-task-definition
input...], "services": [{"cluster": "prod", "name": "web", "taskDefinition": "web:1",
"deploying": "web:2"}]}]}.

The first line of stdout is the URL to pass as --endpoint-url; the next lines are shell
'export' lines with the test credentials it accepts (they work only against this server).
Notes and an example command go to stderr.`,
		`appmesh-envoy local-endpoint --port 4566 > endpoint.txt &
appmesh-envoy --endpoint-url "$(head -n1 endpoint.txt)" image --all-regions`)
	port := c.Int("port", 0, "listen on 127.0.0.1:`N` (default: a free port)")
	var roles stringList
	c.Var(&roles, "role", "also create the IAM role `NAME` (repeatable)")
	seedFile := c.String("seed", "", "load ECS services, task definitions and assumable roles from JSON `FILE` (appmeshenvoytest.ECSSeed)")
	pos, err := c.parse(args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErrorf("local-endpoint takes no arguments, got %q", pos[0])
	}
	if *port < 0 || *port > 65535 {
		return usageErrorf("--port %d is not a TCP port (0-65535)", *port)
	}
	regionCode, err := a.oneRegion("local-endpoint")
	if err != nil {
		return err
	}
	if regionCode == "" {
		regionCode = "us-west-2"
	}
	var opts []appmeshenvoytest.Option
	if *port != 0 {
		opts = append(opts, appmeshenvoytest.WithAddr(net.JoinHostPort("127.0.0.1", strconv.Itoa(*port))))
	}
	srv := appmeshenvoytest.NewUnstartedServer(opts...)
	if *seedFile != "" {
		data, err := a.readInput(*seedFile, 64<<20)
		if err != nil {
			return err
		}
		seed, err := appmeshenvoytest.ParseECSSeed(data)
		if err == nil {
			err = srv.SeedECS(seed)
		}
		if err != nil {
			return usageErrorf("--seed %s: %v", *seedFile, err)
		}
	}
	if err := srv.Start(); err != nil {
		return fmt.Errorf("start the local endpoint on port %d: %w; choose another --port or 0 for a free one", *port, err)
	}
	defer srv.Close()
	roles = append([]string{defaultLocalRole}, roles...)
	for _, r := range dedupe(roles) {
		srv.AddRole(r)
	}

	fmt.Fprintf(a.stdout, "%s\nexport AWS_ACCESS_KEY_ID=%s\nexport AWS_SECRET_ACCESS_KEY=%s\nexport AWS_REGION=%s\n",
		srv.URL, appmeshenvoytest.AccessKeyID, appmeshenvoytest.SecretAccessKey, regionCode)
	if f, ok := a.stdout.(interface{ Sync() error }); ok {
		_ = f.Sync()
	}
	fmt.Fprintf(a.stderr, "local AWS endpoint (SSM, ECR, IAM, STS, and the ECR registries at %s/<registry host>/...; test credentials only) serving at %s until interrupted\n",
		strings.TrimPrefix(srv.URL, "http://"), srv.URL)
	fmt.Fprintf(a.stderr, "try: AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s %s --endpoint-url %s image --all-regions\n",
		appmeshenvoytest.AccessKeyID, appmeshenvoytest.SecretAccessKey, progName, srv.URL)
	fmt.Fprintf(a.stderr, "IAM roles: %s\n", strings.Join(dedupe(roles), ", "))
	<-ctx.Done()
	fmt.Fprintln(a.stderr, "local AWS endpoint stopped")
	return nil
}
