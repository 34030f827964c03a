package appmeshenvoytest_test

import (
	"os"
	"testing"

	"go.uber.org/goleak"
)

// TestMain runs every test with static fake credentials and without instance metadata,
// and fails the run if a goroutine outlives the tests.
func TestMain(m *testing.M) {
	os.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	os.Setenv("AWS_ACCESS_KEY_ID", "AKIDTESTMAIN")
	os.Setenv("AWS_SECRET_ACCESS_KEY", "test-main-secret")
	os.Setenv("AWS_REGION", "us-west-2")
	os.Unsetenv("AWS_PROFILE")
	os.Setenv("AWS_CONFIG_FILE", os.DevNull)
	os.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
	goleak.VerifyTestMain(m)
}
