package awserr

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/smithy-go"

	"github.com/appmesh-envoy/appmesh-envoy-go/internal/errcode"
)

func apiErr(code, msg string) error {
	return &smithy.OperationError{ServiceID: "SSM", OperationName: "GetParameter",
		Err: &smithy.GenericAPIError{Code: code, Message: msg}}
}

type statusErr struct{ status int }

func (e statusErr) Error() string       { return fmt.Sprintf("http %d", e.status) }
func (e statusErr) HTTPStatusCode() int { return e.status }

func TestClassify(t *testing.T) {
	call := Call{Action: "ssm:GetParameter", Resource: "arn:aws:ssm:us-west-2::parameter/x", Attempts: 8, Timeout: 15 * time.Second}
	optIn := call
	optIn.OptIn = true
	tests := []struct {
		name string
		err  error
		call Call
		kind error
		code errcode.Code
		says string
	}{
		{"parameter not found", apiErr("ParameterNotFound", ""), call, ErrParameterNotFound, errcode.ParameterNotFound, "pin a version or use a mirror"},
		{"unknown key", apiErr("UnrecognizedClientException", ""), call, ErrInvalidCredentials, errcode.InvalidCredentials, "does not recognize"},
		{"opt-in not enabled", apiErr("UnrecognizedClientException", ""), optIn, ErrRegionNotEnabled, errcode.RegionNotEnabled, "not enabled"},
		{"bad signature", apiErr("SignatureDoesNotMatch", ""), call, ErrInvalidCredentials, errcode.InvalidCredentials, "secret access key"},
		{"expired", apiErr("ExpiredTokenException", ""), call, ErrInvalidCredentials, errcode.InvalidCredentials, "expired"},
		{"denied", apiErr("AccessDeniedException", "User x is not authorized"), call, ErrAccessDenied, errcode.AccessDenied, "needs ssm:GetParameter on arn:aws:ssm:us-west-2::parameter/x"},
		{"throttled", &retry.MaxAttemptsError{Attempt: 5, Err: apiErr("ThrottlingException", "")}, call, ErrThrottled, errcode.Throttled, "all 5 attempts"},
		{"server error", fmt.Errorf("x: %w", statusErr{503}), call, nil, errcode.ServerError, "HTTP 503"},
		{"other AWS error", apiErr("ValidationException", "bad"), call, nil, errcode.AWSError, "ValidationException"},
		{"network", errors.New("dial tcp 127.0.0.1:1: connection refused"), call, nil, errcode.EndpointUnreachable, "connection refused"},
		{"deadline", fmt.Errorf("op: %w", context.DeadlineExceeded), call, context.DeadlineExceeded, errcode.Timeout, "within 15s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Classify(tt.err, tt.call)
			if tt.kind != nil && !errors.Is(got, tt.kind) {
				t.Errorf("errors.Is(%v, %v) = false", got, tt.kind)
			}
			if c := errcode.Of(got); c != tt.code {
				t.Errorf("code = %q, want %q", c, tt.code)
			}
			if !strings.Contains(got.Error(), tt.says) {
				t.Errorf("%q lacks %q", got, tt.says)
			}
			if !errors.Is(got, tt.err) {
				t.Errorf("the SDK error is not reachable from %v", got)
			}
		})
	}
}

func TestClassifyCleansAWSText(t *testing.T) {
	got := Classify(apiErr("AccessDeniedException", "denied \x1b]0;pwned\x07 "+strings.Repeat("x", 500)), Call{Action: "a"})
	if strings.ContainsAny(got.Error(), "\x1b\x07") || len(got.Error()) > 600 {
		t.Fatalf("AWS text not cleaned: %q", got)
	}
}

func TestCredentialsErrors(t *testing.T) {
	ctx := context.Background()
	// The SDK's default chain, with nothing configured and instance metadata disabled,
	// as on a developer machine without credentials.
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_CONFIG_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", t.TempDir()+"/none")
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion("us-west-2"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = Credentials(ctx, cfg.Credentials)
	if !errors.Is(err, ErrNoCredentials) || errcode.Of(err) != errcode.NoCredentials {
		t.Fatalf("empty chain: %v", err)
	}
	if strings.Contains(err.Error(), "IMDS") || strings.Contains(err.Error(), "credential source said") {
		t.Errorf("empty chain message carries the SDK's provider list: %q", err)
	}

	_, err = Credentials(ctx, credentials.NewStaticCredentialsProvider("", "", ""))
	if !errors.Is(err, ErrNoCredentials) || strings.Contains(err.Error(), "said") {
		t.Errorf("empty static: %v", err)
	}
	_, err = Credentials(ctx, nil)
	if !errors.Is(err, ErrNoCredentials) {
		t.Errorf("nil provider: %v", err)
	}
	broken := aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{}, fmt.Errorf("sso: %w", errors.New("the SSO session has expired"))
	})
	_, err = Credentials(ctx, broken)
	if !errors.Is(err, ErrNoCredentials) || !strings.Contains(err.Error(), "the SSO session has expired") {
		t.Errorf("broken provider: %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := Credentials(cctx, broken); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled: %v", err)
	}
}

func TestBackoffBounds(t *testing.T) {
	b := Backoff(time.Second)
	for attempt := 1; attempt <= 10; attempt++ {
		ceiling := min(50*time.Millisecond<<(attempt-1), time.Second)
		for range 50 {
			d, err := b.BackoffDelay(attempt, nil)
			if err != nil || d <= 0 || d > ceiling {
				t.Fatalf("attempt %d: %v (ceiling %v), %v", attempt, d, ceiling, err)
			}
		}
	}
}
