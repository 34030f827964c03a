package sidecar_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/sidecar"
)

// TestBadEnvFiles: env files as people write them by mistake, through the file reader.
func TestBadEnvFiles(t *testing.T) {
	const id = "APPMESH_RESOURCE_ARN=arn:aws:appmesh:us-west-2:111122223333:mesh/demo/virtualNode/web"
	tests := []struct {
		name, file string
		// line is the line of the syntax error, 0 when the file must parse.
		line int
		// finding is a (variable, kind) finding the file must produce when it parses.
		finding  *[2]string
		logLevel string
	}{
		{name: "duplicate keys", file: id + "\nENVOY_LOG_LEVEL=debug\nENVOY_LOG_LEVEL=trace\n",
			finding: &[2]string{"ENVOY_LOG_LEVEL", string(sidecar.FindingDuplicate)}, logLevel: "trace"},
		{name: "duplicate identity", file: id + "\n" + id + "\n",
			finding: &[2]string{"APPMESH_RESOURCE_ARN", string(sidecar.FindingDuplicate)}},
		{name: "no equals", file: id + "\nENVOY_LOG_LEVEL\n", line: 2},
		{name: "no equals, last line without newline", file: id + "\nENVOY_ADMIN_ACCESS_PORT=9901\nXRAY", line: 3},
		{name: "only a value", file: "=debug\n", line: 1},
		{name: "NUL byte in a value", file: id + "\nENVOY_LOG_LEVEL=de\x00bug\n", line: 2},
		{name: "NUL byte in a name", file: "ENVOY_\x00LOG_LEVEL=debug\n" + id + "\n", line: 1},
		{name: "NUL byte in a comment", file: id + "\n# \x00\n", line: 2},
		{name: "CRLF line ends", file: id + "\r\nENVOY_LOG_LEVEL=debug\r\nENVOY_ADMIN_ACCESS_PORT=9903\r\n", logLevel: "debug"},
		{name: "CRLF with quotes", file: id + "\r\nENVOY_LOG_LEVEL=\"debug\"\r\n", logLevel: "debug"},
		{name: "CRLF and a line without equals", file: id + "\r\n\r\nENVOY_LOG_LEVEL\r\n", line: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, findings, err := sidecar.ParseEnvFile(strings.NewReader(tt.file))
			if tt.line > 0 {
				var se *sidecar.EnvSyntaxError
				if !errors.Is(err, sidecar.ErrNotEnvironment) || !errors.As(err, &se) || se.Line != tt.line {
					t.Fatalf("err = %v, want a syntax error on line %d", err, tt.line)
				}
				if msg := err.Error(); strings.ContainsAny(msg, "\x00\r\n") || !strings.Contains(msg, "line ") {
					t.Errorf("error %q is not one printable line naming the line", msg)
				}
				return
			}
			if err != nil {
				t.Fatalf("err = %v", err)
			}
			if !strings.HasSuffix(c.Resource, "virtualNode/web") {
				t.Errorf("Resource = %q", c.Resource)
			}
			if tt.logLevel != "" && (c.LogLevel == nil || string(*c.LogLevel) != tt.logLevel) {
				t.Errorf("LogLevel = %v, want %s", c.LogLevel, tt.logLevel)
			}
			for _, f := range findings {
				if strings.ContainsAny(f.Message+f.Variable, "\r\x00") {
					t.Errorf("finding %q carries a CR or NUL", f)
				}
				if f.Severity == sidecar.SeverityError {
					t.Errorf("unexpected error finding %q", f)
				}
			}
			if tt.finding != nil {
				found := false
				for _, f := range findings {
					if f.Variable == tt.finding[0] && string(f.Kind) == tt.finding[1] {
						found = true
					}
				}
				if !found {
					t.Errorf("findings %v lack %v", findings, *tt.finding)
				}
			}
		})
	}
}
