package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/appmesh-envoy/appmesh-envoy-go/internal/quote"
)

// hostileValue is one malformed value of the corpus.
type hostileValue struct{ name, v string }

// hostileValues is the corpus every flag and argument of every command gets.
func hostileValues() []hostileValue {
	return []hostileValue{
		{"empty", ""},
		{"slash-at", "x/@"},
		{"host-slash-colon", "HOST/:"},
		{"colons-ats", "x/::@@"},
		{"nul", "a\x00b"},
		{"4KiB", strings.Repeat("A", 4096)},
		{"minus-one", "-1"},
		{"70000", "70000"},
		{"unicode", "ünïcødé-☃-𝔘"},
		{"osc-retitle", "\x1b]0;pwned\x07"},
		{"csi-clear", "\x1b[2J\x1b[31mred"},
		{"dashdash", "--"},
		{"newline", "a\nb"},
		{"invalid-utf8", "\xff\xfe"},
	}
}

// hostileBaseArgs make a command otherwise valid, so that the value under test is what
// its exit status is about. Commands not listed need nothing.
func hostileBaseArgs() map[string][]string {
	return map[string][]string{
		"":            {"regions"}, // the global flags before a command
		"image check": {"840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.29.6.0-prod"},
		"env":         {"--virtual-node", "mesh/m/virtualNode/n"},
		"env lint":    {"-"},
		"completion":  {"bash"},
	}
}

// mayAccept reports whether value can be valid for the flag, in which case the run may
// succeed or fail for reasons other than the input (the endpoint is down), and exit 2
// is not required. Every other corpus value is malformed for the flag: exit 2.
func mayAccept(f *flag.Flag, value string) bool {
	switch f.Name {
	case "docker-config": // any path
		return !strings.ContainsRune(value, 0)
	case "profile": // any printable name: only commands that load the configuration look it up
		return value == quote.Text(value, len(value)) && !strings.Contains(value, " ")
	case "apply-to-role", "role": // IAM role names: [\w+=,.@-]{1,64}
		return value == "-1" || value == "70000" || value == "--" || value == ""
	case "prefix": // an ECR repository prefix: lower-case letters and digits, 2 to 30
		return value == "70000" || value == ""
	case "listener-port": // ports are digits, checked later
		return value == "-1" || value == "70000" || value == ""
	}
	for _, ef := range envFlags {
		if ef.name == f.Name && !ef.boolean {
			// The variable flags of env pass their text to sidecar.ContainerConfig.Set,
			// which reads it as the agent does: a number may be valid for the variable.
			return value == "-1" || value == "70000" || value == ""
		}
	}
	if g, ok := f.Value.(flag.Getter); ok {
		var err error
		switch g.Get().(type) {
		case bool:
			_, err = strconv.ParseBool(value)
		case int, int64, uint, uint64:
			_, err = strconv.ParseInt(value, 0, 64)
		case float64:
			_, err = strconv.ParseFloat(value, 64)
		case time.Duration:
			_, err = time.ParseDuration(value)
		default:
			return value == "" // an empty string is a flag's default
		}
		return err == nil
	}
	return value == "" // lists: an empty value adds nothing
}

// knownHostileIssues are findings in commands other engineers own, reported to them
// and not yet fixed, keyed "command|flag|value name" ("command||value name" for an
// argument). A listed case is logged instead of failing; remove the entry with the fix.
func knownHostileIssues() map[string]string {
	known := map[string]string{}
	return known
}

// hostileCase is one run: a command path, the flag (nil: a positional argument), the
// value and the args.
type hostileCase struct {
	spec  commandSpec
	flag  *flag.Flag
	value hostileValue
	args  []string
}

func (c hostileCase) key() string {
	name := ""
	if c.flag != nil {
		name = c.flag.Name
	}
	return c.spec.name() + "|" + name + "|" + c.value.name
}

// hostileCases builds every case from the command and flag tables: each flag of each
// command (the global flags before a command too) and each command's argument, with
// each value of the corpus.
func hostileCases(t *testing.T) []hostileCase {
	t.Helper()
	specs, err := describeCommands(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	specs = append([]commandSpec{rootSpec()}, specs...)
	base := hostileBaseArgs()
	var cases []hostileCase
	for _, s := range specs {
		s.flags.VisitAll(func(f *flag.Flag) {
			for _, v := range hostileValues() {
				var fa []string
				if isBoolFlag(f) {
					fa = []string{flagSpelling(f.Name) + "=" + v.v}
				} else {
					fa = []string{flagSpelling(f.Name), v.v}
				}
				var args []string
				if s.name() == "" {
					args = append(fa, base[""]...)
				} else {
					args = append(append(slices.Clone(s.path), base[s.name()]...), fa...)
				}
				cases = append(cases, hostileCase{spec: s, flag: f, value: v, args: args})
			}
		})
		if s.name() == "" {
			continue
		}
		// The argument under test replaces a base argument, and follows base flags.
		var baseFlags []string
		if b := base[s.name()]; len(b) > 0 && strings.HasPrefix(b[0], "-") && b[0] != "-" {
			baseFlags = b
		}
		for _, v := range hostileValues() {
			args := append(append(slices.Clone(s.path), baseFlags...), v.v)
			cases = append(cases, hostileCase{spec: s, value: v, args: args})
		}
	}
	return cases
}

// hostileOutcome is what one run did.
type hostileOutcome struct {
	code           int
	stdout, stderr string
	panicked       string
}

// runInProcess runs the command in this process with a context that ends after a
// while; local-endpoint gets one that has ended already, so that it stops as soon as it
// has started.
func runInProcess(c hostileCase) (o hostileOutcome) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if slices.Contains(c.args, "local-endpoint") {
		cancel()
	}
	var stdout, stderr bytes.Buffer
	defer func() {
		if p := recover(); p != nil {
			o.panicked = fmt.Sprintf("%v\n%s", p, debug.Stack())
		}
	}()
	o.code = run(ctx, c.args, strings.NewReader(""), &stdout, &stderr)
	o.stdout, o.stderr = stdout.String(), stderr.String()
	return o
}

// checkOutcome returns what is wrong with a run, or "".
func checkOutcome(c hostileCase, o hostileOutcome) string {
	var problems []string
	if o.panicked != "" {
		problems = append(problems, "panic: "+o.panicked)
	}
	for _, out := range []string{o.stdout, o.stderr} {
		if strings.Contains(out, "panic:") || strings.Contains(out, "goroutine ") {
			problems = append(problems, "a panic in the output")
		}
	}
	if o.code != exitOK {
		lines := strings.Split(strings.TrimSuffix(o.stderr, "\n"), "\n")
		if len(lines) != 1 || !strings.HasPrefix(lines[0], progName+": ") {
			problems = append(problems, fmt.Sprintf("stderr is not one %q line: %q", progName+": ...", o.stderr))
		}
		if strings.ContainsAny(o.stderr, controlChars+"\r") {
			problems = append(problems, fmt.Sprintf("stderr keeps a control character: %q", o.stderr))
		}
	}
	malformed := false
	if c.flag != nil {
		malformed = !mayAccept(c.flag, c.value.v)
	} else {
		// An argument: "--" ends the flags, so it is no argument at all.
		malformed = c.value.v != "--"
	}
	if malformed && o.code != exitUsage {
		problems = append(problems, fmt.Sprintf("exit %d, want %d for a malformed value (stderr %q)", o.code, exitUsage, o.stderr))
	}
	if o.code != exitOK && o.code != exitFailed && o.code != exitUsage {
		problems = append(problems, fmt.Sprintf("exit %d", o.code))
	}
	return strings.Join(problems, "; ")
}

// hostileEnv makes in-process runs safe: every AWS request goes to a closed port (also
// without --endpoint-url), HOME and the docker config are temporary, and relative paths
// land in a temporary directory.
func hostileEnv(t *testing.T) {
	t.Helper()
	dir := t.TempDir()
	t.Chdir(dir)
	t.Setenv("HOME", dir)
	t.Setenv("DOCKER_CONFIG", filepath.Join(dir, "docker"))
	t.Setenv("AWS_ENDPOINT_URL", closedPort)
	t.Setenv("AWS_MAX_ATTEMPTS", "1")
}

// TestHostileInput runs every command over the corpus, in process: no panic, stderr one
// line starting with the program name when the run fails, and exit 2 where the value is
// malformed for the flag (or the command takes no such argument).
func TestHostileInput(t *testing.T) {
	hostileEnv(t)
	cases := hostileCases(t)
	known := knownHostileIssues()
	type finding struct {
		c       hostileCase
		problem string
	}
	var (
		mu       sync.Mutex
		findings []finding
		wg       sync.WaitGroup
		sem      = make(chan struct{}, 8)
	)
	for _, c := range cases {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if p := checkOutcome(c, runInProcess(c)); p != "" {
				mu.Lock()
				findings = append(findings, finding{c, p})
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	slices.SortFunc(findings, func(a, b finding) int { return strings.Compare(a.c.key(), b.c.key()) })
	for _, f := range findings {
		if why, ok := known[f.c.key()]; ok {
			t.Logf("known issue %s (%s): %s", f.c.key(), why, f.problem)
			continue
		}
		t.Errorf("appmesh-envoy %s: %s", quoteArgs(f.c.args), f.problem)
	}
	t.Logf("%d runs, %d findings", len(cases), len(findings))
}

// quoteArgs shows args as a shell command line, shortened.
func quoteArgs(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = strconv.QuoteToASCII(a)
		if len(q[i]) > 40 {
			q[i] = q[i][:37] + "...\""
		}
	}
	return strings.Join(q, " ")
}

// TestHostileInputBinary runs a sample of the cases through the real binary (argv cannot
// hold NUL bytes, so those are left out): the same checks, and the same exit status as
// in process.
func TestHostileInputBinary(t *testing.T) {
	hostileEnv(t)
	cases := hostileCases(t)
	sample := map[string]bool{"osc-retitle": true, "4KiB": true, "unicode": true, "colons-ats": true}
	seen := map[string]int{}
	n := 0
	for _, c := range cases {
		if !sample[c.value.name] || c.spec.name() == "local-endpoint" {
			continue
		}
		// The first two flags of each command, and its argument, with each sampled value.
		key := c.spec.name() + "|" + c.value.name
		if seen[key] >= 3 {
			continue
		}
		seen[key]++
		n++
		in := runInProcess(c)
		r := runWith(t, runOpts{env: []string{"AWS_ENDPOINT_URL=" + closedPort, "AWS_MAX_ATTEMPTS=1", "DOCKER_CONFIG=" + filepath.Join(t.TempDir(), "docker")}}, c.args...)
		out := hostileOutcome{code: r.code, stdout: r.stdout, stderr: r.stderr}
		if p := checkOutcome(c, out); p != "" {
			if _, ok := knownHostileIssues()[c.key()]; !ok {
				t.Errorf("appmesh-envoy %s: %s", quoteArgs(c.args), p)
			}
		}
		if out.code != in.code {
			t.Errorf("appmesh-envoy %s: exit %d, in process %d", quoteArgs(c.args), out.code, in.code)
		}
	}
	if n == 0 {
		t.Fatal("no case sampled")
	}
	t.Logf("%d runs of the binary", n)
}
