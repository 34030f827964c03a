package iampolicy

import (
	"os"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	// Tests talk to 127.0.0.1 only: static fake credentials, no instance metadata.
	os.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	os.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	os.Setenv("AWS_SECRET_ACCESS_KEY", "fake-secret-for-tests")
	os.Unsetenv("AWS_PROFILE")
	os.Unsetenv("AWS_SESSION_TOKEN")
	goleak.VerifyTestMain(m)
}
