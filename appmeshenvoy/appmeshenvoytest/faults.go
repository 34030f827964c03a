package appmeshenvoytest

import (
	"context"
	"fmt"
	"math"
	"math/rand"
	"net/http"
	"strings"
	"time"
)

// AWSError is an error answer of the server: an AWS error code, the HTTP status it comes
// with, and a message. The server writes it in the protocol of the request (a JSON
// "__type" body for SSM and ECR, an XML ErrorResponse for IAM and STS).
type AWSError struct {
	// Code is the AWS error code, such as "ThrottlingException".
	Code string
	// Status is the HTTP status code, such as 400. Zero means 400.
	Status int
	// Message is the human-readable message.
	Message string
}

// Error returns the code and message.
func (e AWSError) Error() string { return e.Code + ": " + e.Message }

// serviceOf returns the service prefix of an operation name such as "ssm:GetParameter".
func serviceOf(op string) string {
	svc, _, _ := strings.Cut(op, ":")
	return svc
}

// Throttling returns the throttling error of op's service: ThrottlingException (400) for
// SSM and ECR, Throttling (400) for IAM and STS.
func Throttling(op string) AWSError {
	switch serviceOf(op) {
	case "iam", "sts":
		return AWSError{Code: "Throttling", Status: http.StatusBadRequest, Message: "Rate exceeded"}
	}
	return AWSError{Code: "ThrottlingException", Status: http.StatusBadRequest, Message: "Rate exceeded"}
}

// InternalError returns the server-side failure of op's service: InternalServerError
// (500) for SSM, ServerException (500) for ECR and ECS, ServiceFailure (500) for IAM,
// InternalFailure (500) for STS.
func InternalError(op string) AWSError {
	switch serviceOf(op) {
	case "ecr", "ecs":
		return AWSError{Code: "ServerException", Status: http.StatusInternalServerError, Message: "We encountered an internal error. Please try again."}
	case "iam":
		return AWSError{Code: "ServiceFailure", Status: http.StatusInternalServerError, Message: "The request processing has failed because of an unknown error, exception or failure."}
	case "sts":
		return AWSError{Code: "InternalFailure", Status: http.StatusInternalServerError, Message: "The request processing has failed because of an unknown error, exception or failure."}
	}
	return AWSError{Code: "InternalServerError", Status: http.StatusInternalServerError, Message: "An error occurred on the server side."}
}

// AccessDenied returns the authorization failure of op's service:
// AccessDeniedException (400) for SSM and ECR, AccessDenied (403) for IAM and STS.
func AccessDenied(op string) AWSError {
	msg := "User: arn:aws:iam::" + AccountID + ":user/" + UserName + " is not authorized to perform: " + op
	switch serviceOf(op) {
	case "iam", "sts":
		return AWSError{Code: "AccessDenied", Status: http.StatusForbidden, Message: msg}
	}
	return AWSError{Code: "AccessDeniedException", Status: http.StatusBadRequest, Message: msg}
}

// ExpiredToken returns the expired-credentials error of op's service:
// ExpiredTokenException (400) for SSM and ECR, ExpiredToken (403) for IAM and STS.
func ExpiredToken(op string) AWSError {
	switch serviceOf(op) {
	case "iam", "sts":
		return AWSError{Code: "ExpiredToken", Status: http.StatusForbidden, Message: "The security token included in the request is expired"}
	}
	return AWSError{Code: "ExpiredTokenException", Status: http.StatusBadRequest, Message: "The security token included in the request is expired"}
}

// UnrecognizedClient returns the unknown-credentials error of op's service:
// UnrecognizedClientException (400) for SSM and ECR, InvalidClientTokenId (403) for IAM
// and STS.
func UnrecognizedClient(op string) AWSError {
	switch serviceOf(op) {
	case "iam", "sts":
		return errUnknownKey.query
	}
	return errUnknownKey.json
}

type faultKey struct{ op, region string }

type failNext struct {
	op, region string
	remaining  int
	fault      AWSError
}

// RateFault is one outcome of a failure-rate rule (see [Server.SetFailureRates]): the
// fraction Rate (0 to 1) of the matching requests that fail with Fault. The zero value
// never fails.
type RateFault struct {
	// Rate is the fraction of the requests answered with Fault, from 0 to 1.
	Rate float64
	// Fault is the error answer.
	Fault AWSError
}

// failRate is a failure-rate rule: one draw from rng per matching request, compared
// with the cumulative rates of rules in order.
type failRate struct {
	rules []RateFault
	rng   *rand.Rand
}

// pick draws one number and returns the fault whose cumulative-rate interval holds it.
// It must be called with the server's lock held.
func (r *failRate) pick() (AWSError, bool) {
	x := r.rng.Float64()
	cum := 0.0
	for _, rule := range r.rules {
		cum += rule.Rate
		if x < cum {
			return rule.Fault, true
		}
	}
	return AWSError{}, false
}

type faultState struct {
	latency map[faultKey]time.Duration
	stall   map[faultKey]bool
	rates   map[faultKey]*failRate
	next    []*failNext
}

func normalize(s string) string {
	if s == "" {
		return "*"
	}
	return s
}

// matchOp reports whether the pattern (an operation, "svc:*", "*" or "") matches op.
func matchOp(pattern, op string) bool {
	pattern = normalize(pattern)
	if pattern == "*" || pattern == op {
		return true
	}
	if svc, ok := strings.CutSuffix(pattern, ":*"); ok {
		return serviceOf(op) == svc
	}
	return false
}

// matchRegion reports whether the pattern (a region, "*" or "") matches region.
func matchRegion(pattern, region string) bool {
	pattern = normalize(pattern)
	return pattern == "*" || pattern == region
}

// candidates lists the rule keys that apply to op in region, most specific first.
func candidates(op, region string) []faultKey {
	svc := serviceOf(op) + ":*"
	return []faultKey{
		{op, region}, {op, "*"}, {svc, region}, {svc, "*"}, {"*", region}, {"*", "*"},
	}
}

// SetLatency delays every answer to op in region by d (0 removes the delay). op is an
// operation such as "ssm:GetParameter", "ssm:*" for a whole service, or "*" (or "") for
// any; region is a region code or "*" (or ""). The most specific setting applies. The
// delay ends early when the client gives up or the server closes.
func (s *Server) SetLatency(op, region string, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := faultKey{normalize(op), normalize(region)}
	if d <= 0 {
		delete(s.faults.latency, k)
		return
	}
	if s.faults.latency == nil {
		s.faults.latency = map[faultKey]time.Duration{}
	}
	s.faults.latency[k] = d
}

// FailNext makes the next n requests for op in region (patterns as in
// [Server.SetLatency]) fail with fault, after their latency. Rules are consumed in the
// order they were added.
func (s *Server) FailNext(op, region string, n int, fault AWSError) {
	if n <= 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.next = append(s.faults.next, &failNext{op: normalize(op), region: normalize(region), remaining: n, fault: fault})
}

// SetFailureRate makes a fraction rate (0 to 1; above 1 counts as 1) of the requests for
// op in region (patterns as in [Server.SetLatency]) fail with fault, drawn from a
// math/rand source seeded with seed so that runs repeat. A rate of 0 (or less) removes
// the rule. It is [Server.SetFailureRates] with one rule.
func (s *Server) SetFailureRate(op, region string, rate float64, fault AWSError, seed int64) {
	s.SetFailureRates(op, region, seed, RateFault{Rate: min(max(rate, 0), 1), Fault: fault})
}

// rateSlack absorbs float rounding when rates add up to exactly 1 (0.7+0.2+0.1).
const rateSlack = 1e-9

// SetFailureRates sets the failure-rate rule of op in region (patterns as in
// [Server.SetLatency]), replacing any earlier rule for the same op and region pattern.
// Each matching request draws one number x in [0, 1) from a math/rand source seeded with
// seed and fails with the fault of the first rule whose cumulative rate exceeds x: with
// rules {0.3, throttling} and {0.1, 500}, x < 0.3 throttles, 0.3 <= x < 0.4 answers 500
// and the other 60 % are answered normally. The outcome sequence therefore depends only
// on the seed and the order of the matching requests (requests are drawn under the
// server's lock, one at a time).
//
// Only the most specific matching rule applies to a request (as with
// [Server.SetLatency]); give all the fault kinds of one op and region in one call.
// Rules with a zero rate are ignored; with no rule of positive rate the rule for op and
// region is removed. SetFailureRates panics when a rate is negative or not a number, or
// when the rates add up to more than 1: that is a mistake in the test, not a condition to
// simulate.
func (s *Server) SetFailureRates(op, region string, seed int64, rules ...RateFault) {
	sum := 0.0
	var kept []RateFault
	for _, r := range rules {
		if math.IsNaN(r.Rate) || r.Rate < 0 {
			panic(fmt.Sprintf("appmeshenvoytest: SetFailureRates(%q, %q): rate %v of %s is not between 0 and 1", op, region, r.Rate, r.Fault.Code))
		}
		sum += r.Rate
		if r.Rate > 0 {
			kept = append(kept, r)
		}
	}
	if sum > 1+rateSlack {
		panic(fmt.Sprintf("appmeshenvoytest: SetFailureRates(%q, %q): rates add up to %v, more than 1", op, region, sum))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k := faultKey{normalize(op), normalize(region)}
	if len(kept) == 0 {
		delete(s.faults.rates, k)
		return
	}
	if s.faults.rates == nil {
		s.faults.rates = map[faultKey]*failRate{}
	}
	s.faults.rates[k] = &failRate{rules: kept, rng: rand.New(rand.NewSource(seed))}
}

// Stall makes every request for op in region hang without an answer until the client
// gives up (its context ends or it closes the connection), the stall is lifted with
// [Server.ClearFaults], or the server closes.
func (s *Server) Stall(op, region string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.faults.stall == nil {
		s.faults.stall = map[faultKey]bool{}
	}
	s.faults.stall[faultKey{normalize(op), normalize(region)}] = true
}

// ClearFaults removes every latency, failure, failure rate and stall. Requests stalled
// at that moment are answered normally.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = faultState{}
}

type faultResult struct {
	stalled bool
	err     AWSError
}

// applyFaults runs the latency, stall and failure rules for one request. It returns
// nil when the request should be answered normally.
func (s *Server) applyFaults(ctx context.Context, op, region string) *faultResult {
	keys := candidates(op, region)
	s.mu.Lock()
	var delay time.Duration
	for _, k := range keys {
		if d, ok := s.faults.latency[k]; ok {
			delay = d
			break
		}
	}
	s.mu.Unlock()

	if delay > 0 {
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return &faultResult{stalled: true}
		case <-s.closing:
			t.Stop()
			return &faultResult{stalled: true}
		}
	}

	// Stall: re-check periodically so that ClearFaults lifts it.
	for {
		s.mu.Lock()
		stalled := false
		for _, k := range keys {
			if s.faults.stall[k] {
				stalled = true
				break
			}
		}
		s.mu.Unlock()
		if !stalled {
			break
		}
		t := time.NewTimer(20 * time.Millisecond)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return &faultResult{stalled: true}
		case <-s.closing:
			t.Stop()
			return &faultResult{stalled: true}
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range s.faults.next {
		if f.remaining > 0 && matchOp(f.op, op) && matchRegion(f.region, region) {
			f.remaining--
			return &faultResult{err: f.fault}
		}
	}
	for _, k := range keys {
		if r, ok := s.faults.rates[k]; ok {
			if f, failed := r.pick(); failed {
				return &faultResult{err: f}
			}
			break
		}
	}
	return nil
}
