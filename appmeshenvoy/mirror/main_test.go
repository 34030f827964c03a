package mirror_test

import (
	"testing"

	"github.com/appmesh-envoy/appmesh-envoy-go/internal/testenv"
)

// TestMain runs the tests in the module's test environment (see package testenv).
func TestMain(m *testing.M) { testenv.Main(m) }
