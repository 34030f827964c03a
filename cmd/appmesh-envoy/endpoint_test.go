package main

import (
	"os"
	"path/filepath"
	"testing"
)

// closedPort is an endpoint where nothing listens: a request sent there fails.
const closedPort = "http://127.0.0.1:1"

// endpointCommands run one command per AWS service the tool calls (SSM, ECR, IAM, STS)
// and check that each service's requests reached the test server.
func endpointCommands(t *testing.T, ts *testServer, o runOpts, withFlag bool) {
	t.Helper()
	ts.AddRoleInAccount("111122223333", "endpoint-role")
	cases := []struct {
		name string
		args []string
		ops  []string
	}{
		{"image --pin", []string{"image", "--region", "us-west-2", "--pin", "-o", "uri"}, []string{"ssm:GetParameter", "ecr:BatchGetImage"}},
		{"login", []string{"login", "--region", "us-west-2", "--password-stdout"}, []string{"ecr:GetAuthorizationToken"}},
		{"policy --managed", []string{"policy", "--region", "us-west-2", "--apply-to-role", "endpoint-role", "--managed", "endpoint-policy"}, []string{"sts:GetCallerIdentity", "iam:*"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ts.ResetCounts()
			var r result
			if withFlag {
				r = ts.run(t, o, c.args...)
			} else {
				r = runWith(t, o, c.args...)
			}
			r.wantCode(t, exitOK, c.args...)
			for _, op := range c.ops {
				if n := ts.Requests(op, ""); n == 0 {
					t.Errorf("no %s request reached the test server", op)
				}
			}
		})
	}
}

// TestEndpointURLBeatsServiceEndpoints checks that --endpoint-url wins over
// AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE> for every service the tool calls
// (those variables point at a closed port here).
func TestEndpointURLBeatsServiceEndpoints(t *testing.T) {
	ts := newTestServer(t)
	o := ts.opts("AWS_ENDPOINT_URL="+closedPort,
		"AWS_ENDPOINT_URL_SSM="+closedPort, "AWS_ENDPOINT_URL_ECR="+closedPort,
		"AWS_ENDPOINT_URL_IAM="+closedPort, "AWS_ENDPOINT_URL_STS="+closedPort)
	endpointCommands(t, ts, o, true)
}

// writeProfile writes a shared config file whose default profile sets endpoint_url and a
// services section with a per-service endpoint for each service, all to url.
func writeProfile(t *testing.T, url string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config")
	data := "[default]\nregion = us-west-2\nendpoint_url = " + url + "\nservices = local\n\n" +
		"[services local]\nssm =\n  endpoint_url = " + url + "\necr =\n  endpoint_url = " + url +
		"\niam =\n  endpoint_url = " + url + "\nsts =\n  endpoint_url = " + url + "\n"
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestEndpointURLBeatsProfileEndpoints checks that --endpoint-url wins over a profile's
// endpoint_url and services section.
func TestEndpointURLBeatsProfileEndpoints(t *testing.T) {
	ts := newTestServer(t)
	o := ts.opts("AWS_CONFIG_FILE=" + writeProfile(t, closedPort))
	endpointCommands(t, ts, o, true)
}

// TestProfileEndpointsWithoutFlag checks that without --endpoint-url the configured
// endpoints are used as the SDK defines them: a profile's endpoint_url and services
// section, and AWS_ENDPOINT_URL_<SERVICE>. (The tool must not switch configured
// endpoints off when the flag is absent.)
func TestProfileEndpointsWithoutFlag(t *testing.T) {
	ts := newTestServer(t)
	t.Run("profile", func(t *testing.T) {
		endpointCommands(t, ts, ts.opts("AWS_CONFIG_FILE="+writeProfile(t, ts.URL)), false)
	})
	t.Run("environment", func(t *testing.T) {
		o := ts.opts("AWS_ENDPOINT_URL="+closedPort,
			"AWS_ENDPOINT_URL_SSM="+ts.URL, "AWS_ENDPOINT_URL_ECR="+ts.URL,
			"AWS_ENDPOINT_URL_IAM="+ts.URL, "AWS_ENDPOINT_URL_STS="+ts.URL)
		endpointCommands(t, ts, o, false)
	})
}
