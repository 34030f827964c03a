package appmeshenvoytest

import (
	"context"
	"math"
	"math/rand"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// outcomes runs n requests for op in region through the fault rules of s and returns the
// error code of each ("" for a normal answer).
func outcomes(s *Server, op, region string, n int) []string {
	got := make([]string, n)
	for i := range got {
		if f := s.applyFaults(context.Background(), op, region); f != nil {
			got[i] = f.err.Code
		}
	}
	return got
}

func TestSetFailureRatesFractions(t *testing.T) {
	const op, n = "ssm:GetParameter", 10000
	for _, seed := range []int64{1, 42, 20240601} {
		s := NewUnstartedServer()
		s.SetFailureRates(op, "eu-west-1", seed,
			RateFault{Rate: 0.3, Fault: Throttling(op)},
			RateFault{Rate: 0.1, Fault: InternalError(op)})
		counts := map[string]int{}
		for _, c := range outcomes(s, op, "eu-west-1", n) {
			counts[c]++
		}
		// The standard deviation of a fraction of 10,000 draws is at most 0.005; 0.02 is
		// four of them.
		const tol = 0.02
		for code, want := range map[string]float64{"ThrottlingException": 0.3, "InternalServerError": 0.1, "": 0.6} {
			if got := float64(counts[code]) / n; math.Abs(got-want) > tol {
				t.Errorf("seed %d: fraction of %q = %.4f, want %.2f ± %.2f", seed, code, got, want, tol)
			}
		}
		if len(counts) != 3 {
			t.Errorf("seed %d: outcomes %v, want only throttling, 500 and success", seed, counts)
		}
		// Other regions and operations are untouched.
		for _, c := range outcomes(s, op, "us-east-1", 100) {
			if c != "" {
				t.Fatalf("seed %d: us-east-1 got %s, want no fault", seed, c)
			}
		}
		for _, c := range outcomes(s, "ecr:GetAuthorizationToken", "eu-west-1", 100) {
			if c != "" {
				t.Fatalf("seed %d: ecr got %s, want no fault", seed, c)
			}
		}
	}
}

// TestSetFailureRatesOneDrawPerRequest checks the outcome of each request against an
// independent source with the same seed: one draw per request, cumulative intervals in
// the order of the rules.
func TestSetFailureRatesOneDrawPerRequest(t *testing.T) {
	const op, seed, n = "ecr:GetAuthorizationToken", 99, 2000
	s := NewUnstartedServer()
	s.SetFailureRates(op, "*", seed,
		RateFault{Rate: 0.25, Fault: Throttling(op)},
		RateFault{Rate: 0, Fault: AccessDenied(op)}, // ignored
		RateFault{Rate: 0.15, Fault: InternalError(op)})
	ref := rand.New(rand.NewSource(seed))
	want := make([]string, n)
	for i := range want {
		switch x := ref.Float64(); {
		case x < 0.25:
			want[i] = "ThrottlingException"
		case x < 0.40:
			want[i] = "ServerException"
		}
	}
	if diff := cmp.Diff(want, outcomes(s, op, "ap-south-1", n)); diff != "" {
		t.Errorf("outcomes (-want +got):\n%s", diff)
	}
}

func TestSetFailureRatesSameSeedSameSequence(t *testing.T) {
	const op = "ssm:GetParameter"
	run := func(seed int64) []string {
		s := NewUnstartedServer()
		s.SetFailureRates("ssm:*", "*", seed,
			RateFault{Rate: 0.3, Fault: Throttling(op)},
			RateFault{Rate: 0.1, Fault: InternalError(op)})
		return outcomes(s, op, "us-west-2", 10000)
	}
	a, b := run(5), run(5)
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("same seed, different sequences (-first +second):\n%s", diff)
	}
	if cmp.Equal(a, run(6)) {
		t.Error("seeds 5 and 6 gave the same 10,000 outcomes; the seed is not used")
	}
}

// TestSetFailureRateCompatible pins SetFailureRate to its original behaviour: one draw
// per request, failing when the draw is below the rate.
func TestSetFailureRateCompatible(t *testing.T) {
	const op, seed, n = "sts:GetCallerIdentity", 3, 1000
	s := NewUnstartedServer()
	s.SetFailureRate(op, "eu-north-1", 0.4, AccessDenied(op), seed)
	ref := rand.New(rand.NewSource(seed))
	want := make([]string, n)
	for i := range want {
		if ref.Float64() < 0.4 {
			want[i] = "AccessDenied"
		}
	}
	if diff := cmp.Diff(want, outcomes(s, op, "eu-north-1", n)); diff != "" {
		t.Errorf("outcomes (-want +got):\n%s", diff)
	}

	// Rate 1 (and above, clamped) always fails; rate 0 removes the rule.
	s.SetFailureRate(op, "eu-north-1", 1.5, ExpiredToken(op), seed)
	for _, c := range outcomes(s, op, "eu-north-1", 100) {
		if c != "ExpiredToken" {
			t.Fatalf("rate 1.5: got %q, want ExpiredToken every time", c)
		}
	}
	s.SetFailureRate(op, "eu-north-1", 0, ExpiredToken(op), seed)
	for _, c := range outcomes(s, op, "eu-north-1", 100) {
		if c != "" {
			t.Fatalf("rate 0: got %q, want no fault", c)
		}
	}
}

func TestSetFailureRatesRules(t *testing.T) {
	const op = "ssm:GetParameter"
	s := NewUnstartedServer()

	// Rates adding up to exactly 1 (with float rounding) always fail.
	s.SetFailureRates(op, "", 1,
		RateFault{Rate: 0.7, Fault: Throttling(op)},
		RateFault{Rate: 0.2, Fault: InternalError(op)},
		RateFault{Rate: 0.1, Fault: AccessDenied(op)})
	for _, c := range outcomes(s, op, "eu-west-3", 1000) {
		if c == "" {
			t.Fatal("rates adding up to 1: a request succeeded")
		}
	}

	// The most specific rule replaces the wider one for its region only.
	s.SetFailureRates(op, "eu-west-3", 1, RateFault{Rate: 1, Fault: ExpiredToken(op)})
	if got := outcomes(s, op, "eu-west-3", 1)[0]; got != "ExpiredTokenException" {
		t.Errorf("eu-west-3: got %q, want the specific rule's ExpiredTokenException", got)
	}
	if got := outcomes(s, op, "eu-west-2", 1)[0]; got == "" || got == "ExpiredTokenException" {
		t.Errorf("eu-west-2: got %q, want a fault of the wide rule", got)
	}

	// No rule of positive rate removes the rule; a second call replaces the first.
	s.SetFailureRates(op, "eu-west-3", 1, RateFault{Rate: 0, Fault: ExpiredToken(op)})
	if got := outcomes(s, op, "eu-west-3", 1)[0]; got == "" || got == "ExpiredTokenException" {
		t.Errorf("eu-west-3 after removal: got %q, want a fault of the wide rule", got)
	}
	s.SetFailureRates(op, "", 1)
	for _, c := range outcomes(s, op, "eu-west-3", 100) {
		if c != "" {
			t.Fatalf("after removing every rule: got %q", c)
		}
	}
}

func TestSetFailureRatesPanics(t *testing.T) {
	const op = "ssm:GetParameter"
	tests := []struct {
		name  string
		rules []RateFault
	}{
		{"sum over 1", []RateFault{{Rate: 0.6, Fault: Throttling(op)}, {Rate: 0.5, Fault: InternalError(op)}}},
		{"negative", []RateFault{{Rate: 0.5, Fault: Throttling(op)}, {Rate: -0.1, Fault: InternalError(op)}}},
		{"NaN", []RateFault{{Rate: math.NaN(), Fault: Throttling(op)}}},
		{"one over 1", []RateFault{{Rate: 1.01, Fault: Throttling(op)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewUnstartedServer()
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
				// The panic leaves no rule behind.
				if c := outcomes(s, op, "us-east-1", 1)[0]; c != "" {
					t.Errorf("after the panic a request got %q", c)
				}
			}()
			s.SetFailureRates(op, "*", 1, tt.rules...)
		})
	}
}
