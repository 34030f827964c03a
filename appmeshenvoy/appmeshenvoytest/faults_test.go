package appmeshenvoytest_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/google/go-cmp/cmp"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/appmeshenvoytest"
	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

// TestSetFailureRatesOnTheWire mixes throttling and 500 answers for one operation and
// region, and checks through the real SDK that both arrive with their status, that the
// rest succeed, and that the same seed repeats the same sequence.
func TestSetFailureRatesOnTheWire(t *testing.T) {
	const op = "ssm:GetParameter"
	run := func() []string {
		srv := appmeshenvoytest.NewServer()
		defer srv.Close()
		srv.SetFailureRates(op, "eu-central-1", 7,
			appmeshenvoytest.RateFault{Rate: 0.3, Fault: appmeshenvoytest.Throttling(op)},
			appmeshenvoytest.RateFault{Rate: 0.1, Fault: appmeshenvoytest.InternalError(op)})
		cfg := srv.Config("eu-central-1")
		cfg.RetryMaxAttempts = 1
		client := ssm.NewFromConfig(cfg)
		var got []string
		for range 60 {
			_, err := client.GetParameter(context.Background(), &ssm.GetParameterInput{Name: aws.String(region.ParameterName)})
			if err == nil {
				got = append(got, "ok")
				continue
			}
			code, status := apiCode(t, err), httpStatus(err)
			switch {
			case code == "ThrottlingException" && status == 400, code == "InternalServerError" && status == 500:
			default:
				t.Fatalf("got %s %d, want ThrottlingException 400 or InternalServerError 500", code, status)
			}
			got = append(got, code)
		}
		if _, err := ssm.NewFromConfig(srv.Config("eu-west-1")).GetParameter(context.Background(), &ssm.GetParameterInput{Name: aws.String(region.ParameterName)}); err != nil {
			t.Errorf("eu-west-1 has no rule but failed: %v", err)
		}
		return got
	}
	a := run()
	seen := map[string]int{}
	for _, c := range a {
		seen[c]++
	}
	if seen["ok"] == 0 || seen["ThrottlingException"] == 0 || seen["InternalServerError"] == 0 {
		t.Errorf("outcomes %v over 60 requests, want successes, throttling and 500s", seen)
	}
	if diff := cmp.Diff(a, run()); diff != "" {
		t.Errorf("same seed, different sequences (-first +second):\n%s", diff)
	}
}
