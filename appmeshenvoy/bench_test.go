package appmeshenvoy_test

// Benchmarks against the local AWS endpoint (package appmeshenvoytest) with injected
// per-region latency. Run them with
//
//	go test -run '^$' -bench . -benchmem ./appmeshenvoy/
//
// or through scripts/bench.sh, which also compares the command-line tool with the AWS
// CLI and writes BENCHMARKS.md. They never assert timing; the Test functions at the end
// assert counts only (requests and connections).

import (
	"context"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/appmeshenvoytest"
	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

// benchLatency is the latency injected per region: the approximate public round-trip
// time from a deployment pipeline in us-east-1 to each region of the aws partition,
// rounded, from 20 ms to 280 ms. scripts/bench/latency-endpoint uses the same table;
// keep them equal.
var benchLatency = map[string]time.Duration{
	"us-east-1":      20 * time.Millisecond,
	"us-east-2":      32 * time.Millisecond,
	"ca-central-1":   38 * time.Millisecond,
	"us-west-1":      78 * time.Millisecond,
	"us-west-2":      85 * time.Millisecond,
	"eu-west-1":      90 * time.Millisecond,
	"eu-west-2":      95 * time.Millisecond,
	"eu-west-3":      100 * time.Millisecond,
	"eu-central-1":   105 * time.Millisecond,
	"eu-central-2":   110 * time.Millisecond,
	"eu-south-2":     110 * time.Millisecond,
	"eu-south-1":     115 * time.Millisecond,
	"eu-north-1":     120 * time.Millisecond,
	"sa-east-1":      130 * time.Millisecond,
	"il-central-1":   150 * time.Millisecond,
	"ap-northeast-1": 165 * time.Millisecond,
	"ap-northeast-3": 170 * time.Millisecond,
	"me-south-1":     175 * time.Millisecond,
	"ap-northeast-2": 185 * time.Millisecond,
	"ap-south-1":     200 * time.Millisecond,
	"ap-east-1":      210 * time.Millisecond,
	"ap-southeast-1": 225 * time.Millisecond,
	"af-south-1":     230 * time.Millisecond,
	"ap-southeast-3": 240 * time.Millisecond,
	"ap-southeast-2": 280 * time.Millisecond,
}

// benchServer starts the local endpoint with benchLatency on every operation of every
// aws region (latency false: none), and returns it with the aws region codes in table
// order and the slowest injected latency.
func benchServer(tb testing.TB, latency bool) (*appmeshenvoytest.Server, []string, time.Duration) {
	tb.Helper()
	regs, err := region.InPartition(region.PartitionAWS)
	if err != nil {
		tb.Fatal(err)
	}
	srv := appmeshenvoytest.NewServer()
	tb.Cleanup(srv.Close)
	var slowest time.Duration
	codes := region.Codes(regs)
	for _, code := range codes {
		d, ok := benchLatency[code]
		if !ok {
			tb.Fatalf("benchLatency has no latency for region %s; add it here and in scripts/bench/latency-endpoint", code)
		}
		if latency {
			srv.SetLatency("*", code, d)
			slowest = max(slowest, d)
		}
	}
	return srv, codes, slowest
}

func benchMS(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func benchMedian(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

// reportWall reports the median wall time of the iterations against the slowest
// injected latency and the target 1.15 × slowest + 20 ms.
func benchReportWall(b *testing.B, walls []time.Duration, slowest time.Duration) {
	b.Helper()
	wall := benchMedian(walls)
	b.ReportMetric(benchMS(wall), "wall-ms")
	if slowest > 0 {
		target := time.Duration(1.15*float64(slowest)) + 20*time.Millisecond
		b.ReportMetric(benchMS(slowest), "slowest-ms")
		b.ReportMetric(benchMS(target), "target-ms")
		b.ReportMetric(float64(wall)/float64(slowest), "wall/slowest")
		b.ReportMetric(float64(wall)/float64(target), "wall/target")
	}
}

// reportPass reports requests and new TCP connections per pass since srv.ResetCounts.
func benchReportPass(b *testing.B, srv *appmeshenvoytest.Server, op string, passes int) {
	b.Helper()
	b.ReportMetric(float64(srv.Requests(op, "*"))/float64(passes), "requests/pass")
	b.ReportMetric(float64(srv.Connections())/float64(passes), "conns/pass")
}

func benchCheckResults(b *testing.B, results []appmeshenvoy.Result, err error, want int) {
	b.Helper()
	if err != nil {
		b.Fatal(err)
	}
	if len(results) != want {
		b.Fatalf("got %d results, want %d", len(results), want)
	}
	for _, r := range results {
		if r.Err != nil {
			b.Fatalf("%s: %v", r.Region, r.Err)
		}
	}
}

// BenchmarkLatestAllCold resolves every aws region with a new Resolver each iteration
// (cold cache, new clients), as one run of a deployment pipeline does.
func BenchmarkLatestAllCold(b *testing.B) {
	benchLatestAllCold(b, true)
}

// BenchmarkLatestAllColdNoLatency is BenchmarkLatestAllCold without injected latency:
// the library's own cost of one cold pass over 25 regions (clients, signing, HTTP,
// parsing, verification) on this machine.
func BenchmarkLatestAllColdNoLatency(b *testing.B) {
	benchLatestAllCold(b, false)
}

func benchLatestAllCold(b *testing.B, latency bool) {
	srv, codes, slowest := benchServer(b, latency)
	ctx := context.Background()
	cfg := srv.Config("us-east-1")
	srv.ResetCounts()
	b.ReportAllocs()
	walls := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		res := appmeshenvoy.NewResolver(cfg)
		results, err := res.LatestAll(ctx, awsRegionCodes()) // nil: every region of cfg.Region's partition
		walls = append(walls, time.Since(start))
		benchCheckResults(b, results, err, len(codes))
	}
	b.StopTimer()
	benchReportWall(b, walls, slowest)
	benchReportPass(b, srv, "ssm:GetParameter", b.N)
}

// BenchmarkLatestAllReused resolves every aws region with one Resolver, dropping its
// cache before each pass: the clients and their connections are reused, so a pass
// should open no new connection.
func BenchmarkLatestAllReused(b *testing.B) {
	benchLatestAllReused(b, true)
}

// BenchmarkLatestAllReusedNoLatency is BenchmarkLatestAllReused without injected
// latency; next to BenchmarkLatestAllColdNoLatency it shows what building the 25
// clients and connecting costs.
func BenchmarkLatestAllReusedNoLatency(b *testing.B) {
	benchLatestAllReused(b, false)
}

func benchLatestAllReused(b *testing.B, latency bool) {
	srv, codes, slowest := benchServer(b, latency)
	ctx := context.Background()
	res := appmeshenvoy.NewResolver(srv.Config("us-east-1"))
	results, err := res.LatestAll(ctx, awsRegionCodes()) // build the clients and connections
	benchCheckResults(b, results, err, len(codes))
	srv.ResetCounts()
	b.ReportAllocs()
	walls := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		res.Invalidate()
		start := time.Now()
		results, err := res.LatestAll(ctx, awsRegionCodes())
		walls = append(walls, time.Since(start))
		benchCheckResults(b, results, err, len(codes))
	}
	b.StopTimer()
	benchReportWall(b, walls, slowest)
	benchReportPass(b, srv, "ssm:GetParameter", b.N)
}

// BenchmarkLatestSequentialCold is the naive loop for comparison: Latest for each aws
// region in table order, one after the other, with a new Resolver each iteration. Its
// wall time is about the sum of the latencies.
func BenchmarkLatestSequentialCold(b *testing.B) {
	srv, codes, slowest := benchServer(b, true)
	ctx := context.Background()
	cfg := srv.Config("us-east-1")
	var sum time.Duration
	for _, code := range codes {
		sum += benchLatency[code]
	}
	srv.ResetCounts()
	b.ReportAllocs()
	walls := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		res := appmeshenvoy.NewResolver(cfg)
		for _, code := range codes {
			if _, err := res.Latest(ctx, code); err != nil {
				b.Fatal(err)
			}
		}
		walls = append(walls, time.Since(start))
	}
	b.StopTimer()
	benchReportWall(b, walls, slowest)
	b.ReportMetric(benchMS(sum), "sum-latency-ms")
	benchReportPass(b, srv, "ssm:GetParameter", b.N)
}

// BenchmarkLatestWarmWire is Latest answered from the cache.
func BenchmarkLatestWarmWire(b *testing.B) { benchWarm(b, benchLatest, false) }

// BenchmarkLatestWarmWireParallel is BenchmarkLatestWarmWire from GOMAXPROCS goroutines.
func BenchmarkLatestWarmWireParallel(b *testing.B) { benchWarm(b, benchLatest, true) }

// BenchmarkTokenWarmWire is Token answered from the cache.
func BenchmarkTokenWarmWire(b *testing.B) { benchWarm(b, benchToken, false) }

// BenchmarkTokenWarmWireParallel is BenchmarkTokenWarmWire from GOMAXPROCS goroutines.
func BenchmarkTokenWarmWireParallel(b *testing.B) { benchWarm(b, benchToken, true) }

// benchLatest and benchToken make the call a warm benchmark repeats, against srv.
func benchLatest(srv *appmeshenvoytest.Server) func(context.Context) error {
	res := appmeshenvoy.NewResolver(srv.Config("us-west-2"))
	return func(ctx context.Context) error { _, err := res.Latest(ctx, "us-west-2"); return err }
}

func benchToken(srv *appmeshenvoytest.Server) func(context.Context) error {
	tp := appmeshenvoy.NewTokenProvider(srv.Config("us-west-2"))
	return func(ctx context.Context) error { _, err := tp.Token(ctx, "us-west-2"); return err }
}

// benchWarm fills the cache with one call, then measures the same call, from one
// goroutine or from GOMAXPROCS goroutines.
func benchWarm(b *testing.B, newCall func(*appmeshenvoytest.Server) func(context.Context) error, parallel bool) {
	srv, _, _ := benchServer(b, false)
	ctx := context.Background()
	call := newCall(srv)
	if err := call(ctx); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	if !parallel {
		for range b.N {
			if err := call(ctx); err != nil {
				b.Fatal(err)
			}
		}
		return
	}
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := call(ctx); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

const benchCallers = 1000

// concurrently runs call from n goroutines released at once and returns the first error.
func benchConcurrently(n int, call func() error) error {
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error
	)
	start := make(chan struct{})
	wg.Add(n)
	for range n {
		go func() {
			defer wg.Done()
			<-start
			if err := call(); err != nil {
				once.Do(func() { first = err })
			}
		}()
	}
	close(start)
	wg.Wait()
	return first
}

// BenchmarkLatestColdConcurrent1000 has 1,000 goroutines ask a new Resolver for the
// same region at once; requests/pass is how many reached the endpoint (want 1).
func BenchmarkLatestColdConcurrent1000(b *testing.B) {
	srv, _, _ := benchServer(b, true)
	ctx := context.Background()
	cfg := srv.Config("us-west-2")
	srv.ResetCounts()
	walls := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		res := appmeshenvoy.NewResolver(cfg)
		start := time.Now()
		err := benchConcurrently(benchCallers, func() error {
			_, err := res.Latest(ctx, "us-west-2")
			return err
		})
		walls = append(walls, time.Since(start))
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(benchMS(benchMedian(walls)), "wall-ms")
	b.ReportMetric(benchMS(benchLatency["us-west-2"]), "latency-ms")
	benchReportPass(b, srv, "ssm:GetParameter", b.N)
}

// BenchmarkTokenColdConcurrent1000 has 1,000 goroutines ask a new TokenProvider for the
// same region's token at once; requests/pass is how many reached the endpoint (want 1).
func BenchmarkTokenColdConcurrent1000(b *testing.B) {
	srv, _, _ := benchServer(b, true)
	ctx := context.Background()
	cfg := srv.Config("us-west-2")
	srv.ResetCounts()
	walls := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		tp := appmeshenvoy.NewTokenProvider(cfg)
		start := time.Now()
		err := benchConcurrently(benchCallers, func() error {
			_, err := tp.Token(ctx, "us-west-2")
			return err
		})
		walls = append(walls, time.Since(start))
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(benchMS(benchMedian(walls)), "wall-ms")
	b.ReportMetric(benchMS(benchLatency["us-west-2"]), "latency-ms")
	benchReportPass(b, srv, "ecr:GetAuthorizationToken", b.N)
}

// TestBenchConcurrentColdLatestOneRequest checks what BenchmarkLatestColdConcurrent1000
// measures: 1,000 concurrent cold callers of one region cause exactly one request.
func TestBenchConcurrentColdLatestOneRequest(t *testing.T) {
	srv := appmeshenvoytest.NewServer()
	defer srv.Close()
	srv.SetLatency("*", "us-west-2", 50*time.Millisecond) // callers overlap the request
	res := appmeshenvoy.NewResolver(srv.Config("us-west-2"))
	var mu sync.Mutex
	images := map[string]int{}
	err := benchConcurrently(benchCallers, func() error {
		img, err := res.Latest(context.Background(), "us-west-2")
		mu.Lock()
		images[img.String()]++
		mu.Unlock()
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := srv.Requests("ssm:GetParameter", "*"); got != 1 {
		t.Errorf("%d concurrent cold Latest calls sent %d GetParameter requests, want 1", benchCallers, got)
	}
	if len(images) != 1 {
		t.Errorf("the callers got %d different images, want 1: %v", len(images), images)
	}
}

// TestBenchConcurrentColdTokenOneRequest checks what BenchmarkTokenColdConcurrent1000
// measures: 1,000 concurrent cold callers of one region's token cause exactly one
// request.
func TestBenchConcurrentColdTokenOneRequest(t *testing.T) {
	srv := appmeshenvoytest.NewServer()
	defer srv.Close()
	srv.SetLatency("*", "us-west-2", 50*time.Millisecond)
	tp := appmeshenvoy.NewTokenProvider(srv.Config("us-west-2"))
	var mu sync.Mutex
	expiries := map[time.Time]int{}
	err := benchConcurrently(benchCallers, func() error {
		tok, err := tp.Token(context.Background(), "us-west-2")
		mu.Lock()
		expiries[tok.ExpiresAt]++
		mu.Unlock()
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := srv.Requests("ecr:GetAuthorizationToken", "*"); got != 1 {
		t.Errorf("%d concurrent cold Token calls sent %d GetAuthorizationToken requests, want 1", benchCallers, got)
	}
	if len(expiries) != 1 {
		t.Errorf("the callers got %d different tokens, want 1", len(expiries))
	}
}

// TestBenchConnectionsReused checks what BenchmarkLatestAllReused measures: a second
// pass over every aws region with the same Resolver reuses the first pass's clients and
// connections.
func TestBenchConnectionsReused(t *testing.T) {
	srv, codes, _ := benchServer(t, false)
	// A small latency, as any network has: when the answer arrives within microseconds
	// of the request, net/http's transport now and then (about 1 % of requests on a
	// loaded 2-core machine) does not return the connection to its idle pool, which
	// is not what this test is about.
	srv.SetLatency("*", "*", 5*time.Millisecond)
	ctx := context.Background()
	res := appmeshenvoy.NewResolver(srv.Config("us-east-1"))
	for pass := range 2 {
		srv.ResetCounts()
		results, err := res.LatestAll(ctx, awsRegionCodes())
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range results {
			if r.Err != nil {
				t.Fatalf("%s: %v", r.Region, r.Err)
			}
		}
		if got := srv.Requests("ssm:GetParameter", "*"); got != len(codes) {
			t.Errorf("pass %d: %d GetParameter requests, want %d", pass, got, len(codes))
		}
		// The first pass opens at most one connection per region; the second none.
		want := len(codes)
		if pass > 0 {
			want = 0
		}
		if got := srv.Connections(); got > want {
			t.Errorf("pass %d: %d new connections, want at most %d", pass, got, want)
		}
		res.Invalidate()
	}
}
