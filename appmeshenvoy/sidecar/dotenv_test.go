package sidecar_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/sidecar"
)

func TestSplitEnvLines(t *testing.T) {
	in := "\xef\xbb\xbf# comment\r\n" +
		"\r\n" +
		"   \n" +
		"export ENVOY_LOG_LEVEL=debug\r\n" +
		"A = spaced # inline comment\n" +
		"B='single #quoted $x \\n'\n" +
		"C=\"double \\\"quoted\\\" \\$HOME \\\\ \\n end\" # comment\n" +
		"D=a#b\n" +
		"E=\n" +
		"exported=1\n" +
		"\tF=tab\n" +
		"G=' kept '\n" +
		"H= 30\n" +
		"I=30 \n" +
		"J = 30 \n" +
		"K= 'quoted'\n"
	got, err := sidecar.SplitEnvLines([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"ENVOY_LOG_LEVEL=debug",
		"A=spaced",
		"B=single #quoted $x \\n",
		"C=double \"quoted\" $HOME \\ \n end",
		"D=a#b",
		"E=",
		"exported=1",
		"F=tab",
		"G= kept ",
		"H= 30",
		"I=30 ",
		"J=30",
		"K=quoted",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got)\n%s", d)
	}

	bad := []struct {
		name, in string
		line     int
	}{
		{"no equals", "A=1\nexport B\n", 2},
		{"NUL", "A=1\nB=2\nC=\x00\n", 3},
		{"invalid name", "# c\nMY-VAR=1\n", 2},
		{"unterminated double", "A=\"abc\n", 1},
		{"unterminated single", "\nA='abc\n", 2},
		{"text after quote", "A=\"abc\"def\n", 1},
		{"CRLF no equals", "A=1\r\nB\r\n", 2},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := sidecar.SplitEnvLines([]byte(tt.in))
			var se *sidecar.EnvSyntaxError
			if !errors.As(err, &se) || se.Line != tt.line || !errors.Is(err, sidecar.ErrNotEnvironment) {
				t.Fatalf("SplitEnvLines = %v, want a syntax error on line %d", err, tt.line)
			}
			if !strings.Contains(err.Error(), "line ") {
				t.Errorf("error %q does not name the line", err)
			}
		})
	}
}

func TestParseEnvFile(t *testing.T) {
	c, findings, err := sidecar.ParseEnvFile(strings.NewReader("APPMESH_RESOURCE_ARN=" + node + "\r\nENVOY_LOG_LEVEL=debug\r\nENVOY_LOG_LEVEL=info\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Resource != node || c.LogLevel != nil {
		t.Errorf("config = %+v; want the node and the default log level (the last, info, wins)", c)
	}
	if d := cmp.Diff([]verdict{
		{"ENVOY_LOG_LEVEL", sidecar.FindingDuplicate, W},
		{"ENVOY_LOG_LEVEL", sidecar.FindingDefault, I},
	}, verdicts(findings)); d != "" {
		t.Errorf("findings (-want +got)\n%s", d)
	}
	// The white space the agent's parser sees, quoted or as docker --env-file takes it.
	for _, line := range []string{"PID_POLL_INTERVAL_MS=' 300'", "PID_POLL_INTERVAL_MS= 300", "PID_POLL_INTERVAL_MS=300 "} {
		_, findings, err = sidecar.ParseEnvFile(strings.NewReader("APPMESH_RESOURCE_ARN=" + node + "\n" + line + "\n"))
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff([]verdict{{"PID_POLL_INTERVAL_MS", sidecar.FindingReset, W}}, verdicts(findings)); d != "" {
			t.Errorf("%s (-want +got)\n%s", line, d)
		}
	}
	// The image version reaches the rules.
	_, findings, err = sidecar.ParseEnvFile(strings.NewReader("APPMESH_RESOURCE_ARN="+node+"\nENVOY_CONCURRENCY=2\n"), imageOpt(version(t, "v1.23.1.0-prod")))
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]verdict{{"ENVOY_CONCURRENCY", sidecar.FindingVersion, W}}, verdicts(findings)); d != "" {
		t.Errorf("with an image version (-want +got)\n%s", d)
	}
}

func TestParseEnvFileNotAnEnvironment(t *testing.T) {
	dir := t.TempDir()
	f, err := os.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tests := map[string]io.Reader{
		"larger than 1 MiB": strings.NewReader(strings.Repeat("#", sidecar.MaxEnvFileSize+1)),
		"a directory":       f,
		"binary":            bytes.NewReader([]byte("\x7fELF\x02\x01\x01\x00\x00\x00")),
	}
	for name, r := range tests {
		t.Run(name, func(t *testing.T) {
			_, _, err := sidecar.ParseEnvFile(r)
			if !errors.Is(err, sidecar.ErrNotEnvironment) || appmeshenvoy.CodeOf(err) != appmeshenvoy.CodeNotEnvironment || !appmeshenvoy.CodeOf(err).Input() {
				t.Errorf("ParseEnvFile = %v (code %s), want ErrNotEnvironment, an input error", err, appmeshenvoy.CodeOf(err))
			}
		})
	}
	// Exactly the limit is fine.
	if _, _, err := sidecar.ParseEnvFile(strings.NewReader(strings.Repeat("#", sidecar.MaxEnvFileSize))); err != nil {
		t.Errorf("a file of exactly MaxEnvFileSize: %v", err)
	}
	// A failing read is not the input's fault.
	_, _, err = sidecar.ParseEnvFile(io.MultiReader(strings.NewReader("A=1\n"), errReader{}))
	if errors.Is(err, sidecar.ErrNotEnvironment) || appmeshenvoy.CodeOf(err) != appmeshenvoy.CodeFileError {
		t.Errorf("read error: %v (code %s), want file-error", err, appmeshenvoy.CodeOf(err))
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

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

func TestDotenv(t *testing.T) {
	dotenv := sidecar.Dotenv(trickyEnv)
	golden(t, "container.env", dotenv)
	lines, err := sidecar.SplitEnvLines(dotenv)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(environ(trickyEnv), lines); d != "" {
		t.Errorf("dotenv does not read back (-want +got)\n%s", d)
	}
	got := sidecar.Dotenv([]sidecar.EnvVar{{Name: "A", Value: "x y"}, {Name: "B", Value: "plain-1.0"}, {Name: "C", Value: `"$\`}, {Name: "D", Value: ""}, {Name: "E", Value: " 30"}})
	want := "A=\"x y\"\nB=plain-1.0\nC=\"\\\"\\$\\\\\"\nD=\"\"\nE=\" 30\"\n"
	if string(got) != want {
		t.Errorf("Dotenv = %q, want %q", got, want)
	}
	if got := sidecar.Dotenv(nil); len(got) != 0 {
		t.Errorf("Dotenv(nil) = %q", got)
	}
}
