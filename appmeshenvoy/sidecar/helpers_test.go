package sidecar_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/sidecar"
)

// update rewrites the golden files: go test ./appmeshenvoy/sidecar/ -run . -update
var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/<name>.golden.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if d := cmp.Diff(string(want), string(got)); d != "" {
		t.Errorf("%s (-want +got)\n%s", path, d)
	}
}

func ptr[T any](v T) *T { return &v }

func version(t testing.TB, tag string) *appmeshenvoy.Version {
	t.Helper()
	v, err := appmeshenvoy.ParseVersion(tag)
	if err != nil {
		t.Fatalf("ParseVersion(%q): %v", tag, err)
	}
	return &v
}

const node = "mesh/shop/virtualNode/cart"

// verdict is what a test asserts about one finding.
type verdict struct {
	Variable string
	Kind     sidecar.FindingKind
	Severity sidecar.Severity
}

func verdicts(fs []sidecar.Finding) []verdict {
	var out []verdict
	for _, f := range fs {
		out = append(out, verdict{f.Variable, f.Kind, f.Severity})
	}
	return out
}

// withoutNote drops the note that version rules were not checked.
func withoutNote(fs []sidecar.Finding) []sidecar.Finding {
	var out []sidecar.Finding
	for _, f := range fs {
		if f.Variable != "" {
			out = append(out, f)
		}
	}
	return out
}

// wantFindings parses env and checks its findings (without the note on version rules)
// against want, and that the first one says say.
func wantFindings(t *testing.T, env []string, opts []func(*sidecar.ParseOptions), want []verdict, say string) {
	t.Helper()
	_, findings, err := sidecar.ParseEnv(env, opts...)
	if err != nil {
		t.Fatal(err)
	}
	findings = withoutNote(findings)
	if d := cmp.Diff(want, verdicts(findings)); d != "" {
		t.Fatalf("findings (-want +got)\n%s\n%v", d, findings)
	}
	if say != "" && !strings.Contains(findings[0].Message, say) {
		t.Errorf("%v does not say %q", findings[0], say)
	}
}

func environ(env []sidecar.EnvVar) []string {
	out := make([]string, len(env))
	for i, v := range env {
		out[i] = v.String()
	}
	return out
}

func imageOpt(v *appmeshenvoy.Version) func(*sidecar.ParseOptions) {
	return func(o *sidecar.ParseOptions) { o.ImageVersion = v }
}
