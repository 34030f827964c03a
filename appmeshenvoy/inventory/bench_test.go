package inventory_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/appmeshenvoytest"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/inventory"
	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

// benchScale returns the number of accounts of the benchmark: 100, or
// APPMESH_BENCH_ACCOUNTS.
func benchScale(b *testing.B) int {
	if s := os.Getenv("APPMESH_BENCH_ACCOUNTS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			b.Fatalf("APPMESH_BENCH_ACCOUNTS=%q is not a positive number", s)
		}
		return n
	}
	return 100
}

// benchLatency is the latency injected into every AWS call of the benchmark.
const benchLatency = 20 * time.Millisecond

// benchServer is a local endpoint with accounts × every aws region, each pair with one
// cluster of three services: two run a task definition with an Envoy container, one a
// task definition without. Every call waits benchLatency.
func benchServer(b *testing.B, accounts int) (*appmeshenvoytest.Server, []string, []string) {
	srv := appmeshenvoytest.NewServer()
	b.Cleanup(srv.Close)
	var seed appmeshenvoytest.ECSSeed
	var roles []string
	regions := region.Codes(mustSelectAll(b))
	for i := range accounts {
		acct := fmt.Sprintf("%012d", 100000000000+i)
		role := "arn:aws:iam::" + acct + ":role/inventory"
		roles = append(roles, role)
		seed.Roles = append(seed.Roles, role)
		for _, r := range regions {
			envoy := fmt.Sprintf("840364872350.dkr.ecr.%s.amazonaws.com/aws-appmesh-envoy:v1.29.6.0-prod", r)
			seed.Regions = append(seed.Regions, appmeshenvoytest.ECSRegionSeed{Account: acct, Region: r,
				TaskDefinitions: []json.RawMessage{
					td("web", "app=111122223333.dkr.ecr.us-west-2.amazonaws.com/web:1", "envoy="+envoy),
					td("batch", "job=111122223333.dkr.ecr.us-west-2.amazonaws.com/batch:1"),
				},
				Services: []appmeshenvoytest.ECSServiceSeed{
					{Cluster: "prod", Name: "web", TaskDefinition: "web:1"},
					{Cluster: "prod", Name: "web-canary", TaskDefinition: "web:1"},
					{Cluster: "prod", Name: "batch", TaskDefinition: "batch:1"},
				}})
		}
	}
	if err := srv.SeedECS(seed); err != nil {
		b.Fatal(err)
	}
	return srv, roles, regions
}

// setLatency injects d into every call the inventory makes (0 removes it).
func setLatency(srv *appmeshenvoytest.Server, d time.Duration) {
	for _, op := range []string{"ecs:*", "sts:*", "ssm:*"} {
		srv.SetLatency(op, "*", d)
	}
}

func mustSelectAll(b *testing.B) []region.Region {
	rs, err := region.Select(region.Selection{All: true, Partition: "aws"})
	if err != nil {
		b.Fatal(err)
	}
	return rs
}

// BenchmarkScanECS scans accounts × 25 regions (100 × 25 by default) with 20 ms on
// every call, at several pair concurrencies. Each pair makes 4 calls that cannot
// overlap (ListClusters, ListServices, DescribeServices, DescribeTaskDefinition); the
// first pair of an account also waits for AssumeRole, the first of a region for the
// SSM parameter. So the wall time is at least ceil(pairs/concurrency) × 4 rounds of
// 20 ms plus 2; the metrics report the rounds measured (wall / 20 ms) and that model.
// The runs without latency measure the CPU cost of the calls (client and endpoint share
// the machine), the floor under any concurrency.
func BenchmarkScanECS(b *testing.B) {
	accounts := benchScale(b)
	srv, roles, regions := benchServer(b, accounts)
	pairs := accounts * len(regions)
	for _, run := range []struct {
		conc    int
		latency time.Duration
	}{{32, benchLatency}, {128, benchLatency}, {512, benchLatency}, {32, 0}, {128, 0}} {
		conc := run.conc
		setLatency(srv, run.latency)
		b.Run(fmt.Sprintf("accounts=%d/regions=%d/concurrency=%d/latency=%v", accounts, len(regions), conc, run.latency), func(b *testing.B) {
			for b.Loop() {
				srv.ResetCounts()
				s := inventory.NewScanner(srv.Config("us-east-1"), func(o *inventory.Options) {
					o.Roles = roles
					o.Concurrency = conc
				})
				start := time.Now()
				rep, err := s.ECS(context.Background(), regions)
				wall := time.Since(start)
				if err != nil {
					b.Fatal(err)
				}
				if len(rep.Failures) != 0 || len(rep.Containers) != pairs || rep.Services != 3*pairs {
					b.Fatalf("%d containers, %d services, failures %v", len(rep.Containers), rep.Services, rep.Failures)
				}
				b.ReportMetric(float64(wall.Milliseconds()), "wall-ms")
				if run.latency > 0 {
					b.ReportMetric(float64(wall)/float64(run.latency), "rounds")
					b.ReportMetric(float64((pairs+conc-1)/conc*4+2), "model-rounds")
				}
				b.ReportMetric(float64(srv.Requests("*", "*")), "requests")
				b.ReportMetric(float64(srv.Connections()), "connections")
			}
		})
	}
}
