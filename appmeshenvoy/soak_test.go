package appmeshenvoy_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/retry"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/appmeshenvoytest"
	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

// TestSoak loops LatestAll over every region of the aws partition and Token in every
// region against the local endpoint (127.0.0.1 only) while 30 % of the requests are
// throttled and 10 % answered 500, with the library's default settings. It runs only
// with APPMESH_SOAK=1 (scripts/soak.sh) and stops by itself after SOAK_DURATION
// (default 30s, at most 30m) or SOAK_ROUNDS rounds.
//
// Rounds alternate between two fault sources, both seeded from SOAK_SEED (default 1):
//   - "schedule": the test draws each attempt's fate (throttle 30 %, 500 10 %) and queues
//     the failures before the first success as FailNext rules;
//   - "rate": the server's SetFailureRates with a seeded random source per operation
//     and region, mixing 30 % ThrottlingException and 10 % 500 in every region.
//
// It reports the success ratio, the attempts per call and the failures, and fails when
// fewer than 99 % of the calls succeed or a call made more attempts than documented.
func TestSoak(t *testing.T) {
	if os.Getenv("APPMESH_SOAK") == "" {
		t.Skip("set APPMESH_SOAK=1 (see scripts/soak.sh)")
	}
	dur := 30 * time.Second
	if s := os.Getenv("SOAK_DURATION"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			t.Fatalf("SOAK_DURATION=%q: want a positive duration such as 30s", s)
		}
		dur = min(d, 30*time.Minute)
	}
	maxRounds := 1 << 30
	if s := os.Getenv("SOAK_ROUNDS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("SOAK_ROUNDS=%q: want a positive number", s)
		}
		maxRounds = n
	}
	seed := uint64(1)
	if s := os.Getenv("SOAK_SEED"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("SOAK_SEED=%q: want a number", s)
		}
		seed = n
	}
	regions, err := region.InPartition("aws")
	if err != nil {
		t.Fatal(err)
	}

	srv := appmeshenvoytest.NewServer()
	defer srv.Close()
	rng := rand.New(rand.NewPCG(seed, 0x50a4))
	rec := &relAttempts{}
	res := appmeshenvoy.NewResolver(srv.Config("us-west-2"), func(o *appmeshenvoy.ResolverOptions) {
		o.SSMOptions = append(o.SSMOptions, rec.ssm)
	})
	tp := appmeshenvoy.NewTokenProvider(srv.Config("us-west-2"), func(o *appmeshenvoy.TokenOptions) {
		o.ECROptions = append(o.ECROptions, rec.ecr)
	})

	st := soakStats{attempts: map[string]map[int]int{}, failures: map[string]int{}}
	end := time.Now().Add(dur)
	var rounds int
	for rounds = 0; rounds < maxRounds && time.Now().Before(end); rounds++ {
		mode := "schedule"
		srv.ClearFaults()
		if rounds%2 == 1 {
			mode = "rate"
			for _, r := range regions {
				for _, op := range []string{relOpSSM, relOpECR} {
					srv.SetFailureRates(op, r.Code, int64(rng.Uint64()>>1),
						appmeshenvoytest.RateFault{Rate: 0.3, Fault: appmeshenvoytest.Throttling(op)},
						appmeshenvoytest.RateFault{Rate: 0.1, Fault: appmeshenvoytest.InternalError(op)})
				}
			}
		} else {
			for _, r := range regions {
				relSchedule(srv, rng, relOpSSM, r.Code)
				relSchedule(srv, rng, relOpECR, r.Code)
			}
		}
		res.Invalidate()
		tp.Invalidate()
		rec.reset()

		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		start := time.Now()
		results, err := res.LatestAll(ctx, awsRegionCodes())
		st.latestAll = append(st.latestAll, time.Since(start))
		if err != nil {
			st.fail("LatestAll", err)
		}
		for _, r := range results {
			st.count("ssm", r.Err)
		}
		var wg sync.WaitGroup
		errs := make([]error, len(regions))
		for i, r := range regions {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = tp.Token(ctx, r.Code)
			}()
		}
		wg.Wait()
		cancel()
		for _, err := range errs {
			st.count("ecr", err)
		}
		for _, svc := range []string{"ssm", "ecr"} {
			for _, r := range regions {
				for _, call := range rec.get(svc + "/" + r.Code) {
					st.attempt(svc+"/"+mode, len(call.Results))
				}
			}
		}
	}
	srv.ClearFaults()

	t.Logf("soak: seed %d, %d rounds in %v, %d regions", seed, rounds, dur, len(regions))
	t.Logf("calls: %d ok, %d failed (success ratio %.4f)", st.ok, st.failed, st.ratio())
	for _, k := range sortedKeys(st.attempts) {
		t.Logf("attempts per call, %s: %s", k, histogram(st.attempts[k]))
	}
	for _, k := range sortedKeys(st.failures) {
		t.Logf("failure x%d: %s", st.failures[k], k)
	}
	if len(st.latestAll) > 0 {
		sort.Slice(st.latestAll, func(i, j int) bool { return st.latestAll[i] < st.latestAll[j] })
		t.Logf("LatestAll duration: median %v, max %v", st.latestAll[len(st.latestAll)/2].Round(time.Millisecond), st.latestAll[len(st.latestAll)-1].Round(time.Millisecond))
	}
	if st.ok+st.failed == 0 {
		t.Fatal("no call was made")
	}
	if st.ratio() < 0.99 {
		t.Errorf("success ratio %.4f, want at least 0.99 (expected about 1-0.4^8)", st.ratio())
	}
	for k, h := range st.attempts {
		limit := appmeshenvoy.DefaultRetryMaxAttempts
		if strings.HasPrefix(k, "ecr/") {
			limit = appmeshenvoy.DefaultRetryMaxAttempts
		}
		for n := range h {
			if n > limit {
				t.Errorf("%s: a call made %d attempts, more than the documented %d", k, n, limit)
			}
		}
	}
}

type soakStats struct {
	ok, failed int
	attempts   map[string]map[int]int // "ssm/schedule" -> attempts -> calls
	failures   map[string]int         // message (region names dropped) -> count
	latestAll  []time.Duration
}

func (s *soakStats) count(svc string, err error) {
	if err == nil {
		s.ok++
		return
	}
	s.fail(svc, err)
}

func (s *soakStats) fail(what string, err error) {
	s.failed++
	msg := err.Error()
	if len(msg) > 160 {
		msg = msg[:160] + "..."
	}
	s.failures[what+": "+msg]++
}

func (s *soakStats) attempt(key string, n int) {
	if s.attempts[key] == nil {
		s.attempts[key] = map[int]int{}
	}
	s.attempts[key][n]++
}

func (s *soakStats) ratio() float64 {
	if s.ok+s.failed == 0 {
		return 0
	}
	return float64(s.ok) / float64(s.ok+s.failed)
}

func (a *relAttempts) reset() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.calls = map[string][]retry.AttemptResults{}
}

func sortedKeys[V any](m map[string]V) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func histogram(h map[int]int) string {
	var ns []int
	total := 0
	for n, c := range h {
		ns = append(ns, n)
		total += c
	}
	sort.Ints(ns)
	var parts []string
	for _, n := range ns {
		parts = append(parts, fmt.Sprintf("%d:%d", n, h[n]))
	}
	return fmt.Sprintf("%s (%d calls)", strings.Join(parts, " "), total)
}
