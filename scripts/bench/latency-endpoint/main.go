// Command latency-endpoint serves the local AWS endpoint of package appmeshenvoytest on
// 127.0.0.1 with a fixed, per-region injected latency, for scripts/bench.sh.
//
// The first line of stdout is the endpoint URL; the second is "slowest_ms=N", the
// largest injected latency of the aws partition; then one "latency REGION MS" line per
// region. It serves until interrupted (SIGINT, SIGTERM) or until -max-duration passes.
//
// Every operation (SSM, ECR, IAM, STS) in a region is delayed by that region's latency,
// which stands for the network round trip from a deployment pipeline in us-east-1 to
// the region (approximate public inter-region round-trip times, rounded; 20 ms to 280
// ms). The same table is in appmeshenvoy/bench_test.go (benchLatency); keep them equal.
//
// With -print-credentials it prints the test access key ID and secret access key the
// endpoint accepts (not secrets: they only work against it) and exits.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"sort"
	"strconv"
	"syscall"
	"time"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/appmeshenvoytest"
)

// latencyMS is the injected latency per region, in milliseconds.
var latencyMS = map[string]int{
	"us-east-1":      20,
	"us-east-2":      32,
	"ca-central-1":   38,
	"us-west-1":      78,
	"us-west-2":      85,
	"eu-west-1":      90,
	"eu-west-2":      95,
	"eu-west-3":      100,
	"eu-central-1":   105,
	"eu-central-2":   110,
	"eu-south-2":     110,
	"eu-south-1":     115,
	"eu-north-1":     120,
	"sa-east-1":      130,
	"il-central-1":   150,
	"ap-northeast-1": 165,
	"ap-northeast-3": 170,
	"me-south-1":     175,
	"ap-northeast-2": 185,
	"ap-south-1":     200,
	"ap-east-1":      210,
	"ap-southeast-1": 225,
	"af-south-1":     230,
	"ap-southeast-3": 240,
	"ap-southeast-2": 280,
}

func main() {
	port := flag.Int("port", 0, "listen on 127.0.0.1:`N` (0: a free port)")
	maxDuration := flag.Duration("max-duration", 20*time.Minute, "stop serving after this long even if not interrupted")
	noLatency := flag.Bool("no-latency", false, "inject no latency")
	printCreds := flag.Bool("print-credentials", false, "print the test access key ID and secret the endpoint accepts (one line, space-separated) and exit")
	flag.Parse()
	if *printCreds {
		fmt.Println(appmeshenvoytest.AccessKeyID, appmeshenvoytest.SecretAccessKey)
		return
	}
	if err := run(*port, *maxDuration, *noLatency); err != nil {
		fmt.Fprintln(os.Stderr, "latency-endpoint:", err)
		os.Exit(1)
	}
}

func run(port int, maxDuration time.Duration, noLatency bool) error {
	if port < 0 || port > 65535 {
		return fmt.Errorf("-port %d is not a TCP port", port)
	}
	var opts []appmeshenvoytest.Option
	if port != 0 {
		opts = append(opts, appmeshenvoytest.WithAddr(net.JoinHostPort("127.0.0.1", strconv.Itoa(port))))
	}
	srv := appmeshenvoytest.NewUnstartedServer(opts...)
	if err := srv.Start(); err != nil {
		return err
	}
	defer srv.Close()

	codes := make([]string, 0, len(latencyMS))
	slowest := 0
	for code, ms := range latencyMS {
		codes = append(codes, code)
		if noLatency {
			continue
		}
		srv.SetLatency("*", code, time.Duration(ms)*time.Millisecond)
		slowest = max(slowest, ms)
	}
	sort.Slice(codes, func(i, j int) bool { return latencyMS[codes[i]] < latencyMS[codes[j]] })

	w := bufio.NewWriter(os.Stdout)
	fmt.Fprintln(w, srv.URL)
	fmt.Fprintf(w, "slowest_ms=%d\n", slowest)
	for _, code := range codes {
		ms := latencyMS[code]
		if noLatency {
			ms = 0
		}
		fmt.Fprintf(w, "latency %s %d\n", code, ms)
	}
	if err := w.Flush(); err != nil {
		return err
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, maxDuration)
	defer cancel()
	<-ctx.Done()
	return nil
}
