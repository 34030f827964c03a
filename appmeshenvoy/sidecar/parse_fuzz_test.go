package sidecar_test

import (
	"strings"
	"testing"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/sidecar"
	"github.com/google/go-cmp/cmp"
)

// FuzzParseEnv checks that ParseEnv and SplitEnvLines never panic, and that a parsed
// configuration survives Env → ParseEnv and Env → Dotenv → ParseEnvFile unchanged.
func FuzzParseEnv(f *testing.F) {
	seeds := []string{
		"APPMESH_RESOURCE_ARN=mesh/shop/virtualNode/cart\nENVOY_LOG_LEVEL=debug\n",
		"export APPMESH_VIRTUAL_NODE_NAME='mesh/m/virtualNode/n'\r\nENABLE_ENVOY_XRAY_TRACING=t\r\nXRAY_SAMPLING_RATE=0.5\r\n",
		"# comment\nDD_SERVICE=\"a \\\"b\\\" $c\"\nENVOY_STATS_FLUSH_INTERVAL=5000ms\n",
		"LISTENER_DRAIN_WAIT_TIME_S=200\nAPPNET_ENVOY_RESTART_COUNT=50\nENVOY_LOG_LEVL=x\n",
		"A=1\nA=2\nAPPMESH_FIPS_ENDPOINT=1\nENVOY_NEW=multi\\nline\n",
		"ENVOY_ADMIN_ACCESS_PORT=9901\nXRAY_SAMPLING_RATE=NaN\nENVOY_STATS_FLUSH_INTERVAL=0\n",
		"no equals sign\n",
		"X=\x00\n",
		"APPMESH_RESOURCE_ARN=arn:aws-cn:appmesh:cn-north-1:111122223333:mesh/m/virtualGateway/g\nAWS_XRAY_DAEMON_ADDRESS=[::1]:2000\n",
		"=C:=C:\\dir\nBASH_FUNC_which%%=() { :; }\nENVOY-LOG-LEVEL=debug\nAPPMESH_RESOURCE_ARN=mesh/m/virtualNode/n\nAPPMESH_VIRTUAL_NODE_NAME=mesh/m/virtualNode/n\n",
		// The agent's two parsers: untrimmed agent settings, trimmed bootstrap ones.
		"APPMESH_VIRTUAL_NODE_NAME=mesh/m@111122223333/virtualGateway/g\nENVOY_ADMIN_ACCESS_PORT= 9902\nPID_POLL_INTERVAL_MS=' 300'\nENVOY_LOG_LEVEL=DEBUG\nENVOY_ADMIN_MODE=UDS\n",
		"HC_POLL_INTERVAL_MS=x\nAPPNET_AGENT_POLL_ENVOY_READINESS_INTERVAL_S=6\nDISABLE_HOT_RESTART=no\nENVOY_CONCURRENCY=0\nAPPNET_MANAGEMENT_PORT=443\n",
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		// The environ form: one entry per line, taken verbatim.
		if c, _, err := sidecar.ParseEnv(strings.Split(s, "\n")); err == nil {
			fuzzRoundTrip(t, c)
		}
		// The file form.
		lines, err := sidecar.SplitEnvLines([]byte(s))
		if err != nil {
			return
		}
		c, findings, err := sidecar.ParseEnv(lines)
		if err != nil {
			return
		}
		for i, f := range findings {
			if i > 0 && findings[i-1].Variable > f.Variable {
				t.Fatalf("findings not sorted: %v", findings)
			}
			if f.Kind == sidecar.FindingReset && f.EffectiveValue == "" {
				t.Fatalf("a replaced value without the value used: %v", f)
			}
			if strings.ContainsAny(f.Message, "\n\r\x00") {
				t.Fatalf("finding message is not one line: %q", f.Message)
			}
		}
		fuzzRoundTrip(t, c)
	})
}

func fuzzRoundTrip(t *testing.T, c sidecar.ContainerConfig) {
	t.Helper()
	env := c.Env()
	got, _, err := sidecar.ParseEnv(environ(env))
	if err != nil {
		t.Fatalf("ParseEnv(Env()) failed: %v\nenv: %q", err, env)
	}
	if d := cmp.Diff(c, got); d != "" {
		t.Fatalf("Env round trip (-parsed +reparsed)\n%s\nenv: %q", d, env)
	}
	got, _, err = sidecar.ParseEnvFile(strings.NewReader(string(sidecar.Dotenv(env))))
	if err != nil {
		t.Fatalf("ParseEnvFile(Dotenv(Env())) failed: %v\nenv: %q", err, env)
	}
	if d := cmp.Diff(c, got); d != "" {
		t.Fatalf("dotenv round trip (-parsed +reparsed)\n%s\nenv: %q", d, env)
	}
}
