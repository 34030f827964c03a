package inventory

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
)

// TestClientsShareOnePool checks that the ECS clients of every account and region use
// the Scanner's one HTTP client: an SDK client built from a config without HTTPClient
// makes its own connection pool, and thousands of them ran out of file descriptors.
func TestClientsShareOnePool(t *testing.T) {
	s := NewScanner(aws.Config{Region: "us-west-2"})
	if s.cfg.HTTPClient == nil || s.transport == nil {
		t.Fatal("the Scanner has no shared HTTP client")
	}
	a := &account{id: "111111111111"}
	for _, r := range []string{"us-west-2", "eu-west-1"} {
		c, ok := s.client(a, r).(*ecs.Client)
		if !ok {
			t.Fatalf("client is %T", s.client(a, r))
		}
		if got := c.Options().HTTPClient; got != s.cfg.HTTPClient {
			t.Errorf("%s: the client has its own HTTP client %T", r, got)
		}
	}
	if s.transport.MaxIdleConnsPerHost < DefaultConcurrency*DefaultRegionConcurrency {
		t.Errorf("MaxIdleConnsPerHost = %d: connections would be closed and opened again", s.transport.MaxIdleConnsPerHost)
	}
	// A config with its own HTTP client (a CA bundle, a proxy) is kept.
	own := awsHTTPClient{}
	if s := NewScanner(aws.Config{HTTPClient: own}); s.cfg.HTTPClient != own || s.transport != nil {
		t.Error("the config's HTTP client was replaced")
	}
}

type awsHTTPClient struct{ aws.HTTPClient }
