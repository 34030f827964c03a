package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

// completionCase is one command line typed up to the cursor (the last word is the one
// being completed) and what must, and must not, be offered.
type completionCase struct {
	words []string
	want  []string // all offered (exactly, when exact)
	not   []string // none offered
	exact bool
}

// completionCases are checked against every shell. The candidates for a word come from
// the command and flag tables, so that a command added later is covered.
func completionCases(t *testing.T) []completionCase {
	t.Helper()
	specs, err := describeCommands(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var top []string
	for _, c := range commands() {
		top = append(top, c.name)
	}
	cases := []completionCase{
		{words: []string{"ima"}, want: []string{"image"}, exact: true},
		{words: []string{""}, want: append(slices.Clone(top), "help")},
		{words: []string{"image", ""}, want: []string{"check"}, exact: true},
		{words: []string{"image", "--all-regions", ""}, not: []string{"check"}},
		{words: []string{"image", "--region", "us-w"}, want: []string{"us-west-1", "us-west-2"}, exact: true},
		{words: []string{"--region", "eu-west-1", "image", "-o", "j"}, want: []string{"json"}, exact: true},
		{words: []string{"image", "check", "--fail-on", "be"}, want: []string{"below-minimum"}, exact: true},
		{words: []string{"policy", "--principal", ""}, want: []string{"puller", "envoy", "resolver", "cache-admin", "mirror", "inventory", "all"}, exact: true},
		{words: []string{"regions", "--partition", "aws-c"}, want: []string{"aws-cn"}, exact: true},
		{words: []string{"local-endpoint", "--not-enabled", "af"}, want: []string{"af-south-1"}, exact: true},
		{words: []string{"local-endpoint", "--not-enabled", "us"}, not: []string{"us-west-2"}},
		{words: []string{"completion", ""}, want: shells(), exact: true},
		{words: []string{"help", "loc"}, want: []string{"local-endpoint"}, exact: true},
		{words: []string{"image", "--par"}, want: []string{"--partition"}, exact: true},
	}
	// Every command path completes from its name, and offers every one of its flags.
	for _, s := range specs {
		words := append(slices.Clone(s.path[:len(s.path)-1]), s.path[len(s.path)-1][:2])
		cases = append(cases, completionCase{words: words, want: []string{s.path[len(s.path)-1]}})
		all, _ := flagSpellings(s)
		var long []string
		for _, f := range all {
			if strings.HasPrefix(f, "--") {
				long = append(long, f)
			}
		}
		cases = append(cases, completionCase{words: append(slices.Clone(s.path), "--"), want: long})
	}
	// Every region code completes after --region.
	cases = append(cases, completionCase{words: []string{"login", "--region", ""}, want: region.Codes(region.All()), exact: true})
	return cases
}

// checkCompletion compares what a shell offered with the case.
func checkCompletion(t *testing.T, c completionCase, got []string) {
	t.Helper()
	if c.exact {
		want := slices.Clone(c.want)
		slices.Sort(want)
		slices.Sort(got)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%q: completions (-want +got):\n%s", c.words, diff)
		}
		return
	}
	for _, w := range c.want {
		if !slices.Contains(got, w) {
			t.Errorf("%q: %q not offered; got %q", c.words, w, got)
		}
	}
	for _, n := range c.not {
		if slices.Contains(got, n) {
			t.Errorf("%q: %q offered, want it not to be", c.words, n)
		}
	}
}

// shell returns the path of a shell, skipping the test when it is not installed; a
// missing bash fails under CI.
func shell(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	if name == "bash" && os.Getenv("CI") != "" {
		t.Fatalf("bash is required when CI is set: %v", err)
	}
	t.Skipf("%s is not installed", name)
	return ""
}

// completionScript writes the script of the real binary for shell into a temp file.
func completionScript(t *testing.T, sh string) string {
	t.Helper()
	r := runCLI(t, "completion", sh)
	r.wantCode(t, exitOK, "completion", sh)
	if r.stderr != "" {
		t.Errorf("completion %s: stderr %q", sh, r.stderr)
	}
	path := filepath.Join(t.TempDir(), "appmesh-envoy."+sh)
	if err := os.WriteFile(path, []byte(r.stdout), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// runShell runs script with the shell and returns its stdout.
func runShell(t *testing.T, sh string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, sh, args...)
	cmd.Env = testEnv(t, runOpts{})
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil || stderr.Len() > 0 {
		t.Fatalf("%s %q: %v\nstderr:\n%s", sh, args, err, stderr.String())
	}
	return stdout.String()
}

// replies splits a shell's output into one reply per case (each ends with "<<end>>").
func replies(t *testing.T, out string, n int) []string {
	t.Helper()
	r := strings.Split(out, "<<end>>\n")
	if len(r) != n+1 {
		t.Fatalf("%d replies for %d cases:\n%s", len(r)-1, n, out)
	}
	return r[:n]
}

// shellWords quotes words for bash and zsh.
func shellWords(words []string) string {
	q := make([]string, len(words))
	for i, w := range words {
		q[i] = shQuote(w)
	}
	return strings.Join(q, " ")
}

// TestCompletionBash sources the bash script and drives its completion function the way
// bash does: COMP_WORDS and COMP_CWORD in, COMPREPLY out.
func TestCompletionBash(t *testing.T) {
	sh := shell(t, "bash")
	script := completionScript(t, "bash")
	cases := completionCases(t)
	var b strings.Builder
	b.WriteString("source " + shQuote(script) + " || exit 1\n")
	b.WriteString(`comp() { COMP_WORDS=(appmesh-envoy "$@"); COMP_CWORD=$#; COMPREPLY=(); _appmesh_envoy; printf '%s\n' "${COMPREPLY[@]}"; echo '<<end>>'; }` + "\n")
	b.WriteString("complete -p appmesh-envoy >/dev/null || exit 1\n")
	for _, c := range cases {
		b.WriteString("comp " + shellWords(c.words) + "\n")
	}
	out := runShell(t, sh, "--norc", "--noprofile", "-c", b.String())
	answers := replies(t, out, len(cases))
	for i, c := range cases {
		checkCompletion(t, c, strings.Fields(answers[i]))
	}
	// "--flag=value", split at "=" by bash's COMP_WORDBREAKS, and not split.
	out = runShell(t, sh, "--norc", "--noprofile", "-c", "source "+shQuote(script)+`
COMP_WORDS=(appmesh-envoy image --region = us-east); COMP_CWORD=4; _appmesh_envoy; echo "${COMPREPLY[*]}"
COMP_WORDS=(appmesh-envoy image --region=us-east); COMP_CWORD=2; COMPREPLY=(); _appmesh_envoy; echo "${COMPREPLY[*]}"`)
	if want := "us-east-1 us-east-2\n--region=us-east-1 --region=us-east-2\n"; out != want {
		t.Errorf("--region=us-east completions:\n%s\nwant:\n%s", out, want)
	}
	// A flag that takes a file completes paths.
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "envoy.env"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	out = runShell(t, sh, "--norc", "--noprofile", "-c", "source "+shQuote(script)+`
COMP_WORDS=(appmesh-envoy env lint `+shQuote(dir+"/env")+`); COMP_CWORD=3; _appmesh_envoy; echo "${COMPREPLY[*]}"`)
	if strings.TrimSpace(out) != dir+"/envoy.env" {
		t.Errorf("env lint FILE completion = %q, want %s/envoy.env", out, dir)
	}
}

// TestCompletionZsh loads the zsh script and calls its completion function with zsh's
// words and CURRENT, recording what it passes to compadd. zsh itself keeps only the
// candidates that start with the typed word; the test does the same before comparing.
func TestCompletionZsh(t *testing.T) {
	sh := shell(t, "zsh")
	script := completionScript(t, "zsh")
	cases := completionCases(t)
	var b strings.Builder
	b.WriteString(`compdef() { :; }
compadd() { [[ $1 == -- ]] && shift; print -rl -- "$@"; }
_files() { print -r -- __files__; }
compset() { :; }
source ` + shQuote(script) + ` || exit 1
comp() { words=(appmesh-envoy "$@"); CURRENT=$#words; _appmesh_envoy; print -r -- '<<end>>'; }
`)
	for _, c := range cases {
		b.WriteString("comp " + shellWords(c.words) + "\n")
	}
	out := runShell(t, sh, "-f", "-c", b.String())
	answers := replies(t, out, len(cases))
	for i, c := range cases {
		cur := c.words[len(c.words)-1]
		var got []string
		for _, w := range strings.Fields(answers[i]) {
			if strings.HasPrefix(w, cur) {
				got = append(got, w)
			}
		}
		checkCompletion(t, c, got)
	}
}

// TestCompletionFish loads the fish script and asks fish's own completion engine
// (complete -C) for each case.
func TestCompletionFish(t *testing.T) {
	sh := shell(t, "fish")
	script := completionScript(t, "fish")
	cases := completionCases(t)
	var b strings.Builder
	b.WriteString("source " + fishQuote(script) + "; or exit 1\n")
	for _, c := range cases {
		b.WriteString("complete -C " + fishQuote("appmesh-envoy "+strings.Join(c.words, " ")) + "\necho '<<end>>'\n")
	}
	out := runShell(t, sh, "--no-config", "-c", b.String())
	answers := replies(t, out, len(cases))
	for i, c := range cases {
		var got []string
		for _, line := range strings.Split(strings.TrimSpace(answers[i]), "\n") {
			if w, _, _ := strings.Cut(line, "\t"); w != "" {
				got = append(got, w)
			}
		}
		checkCompletion(t, c, got)
	}
}

func TestCompletionUsage(t *testing.T) {
	for _, tt := range []struct {
		args []string
		msg  string
	}{
		{[]string{"completion"}, "completion takes one shell: bash, zsh, fish"},
		{[]string{"completion", "bsh"}, `unknown shell "bsh" (did you mean bash?)`},
		{[]string{"completion", "bash", "zsh"}, "completion takes one shell"},
	} {
		r := runCLI(t, tt.args...)
		r.wantCode(t, exitUsage, tt.args...)
		r.wantOneLineError(t, tt.msg)
	}
}

// TestDescribeEveryCommand: every command and subcommand declares its flags before it
// does anything (describeCommands fails otherwise), and its help lists them.
func TestDescribeEveryCommand(t *testing.T) {
	specs, err := describeCommands(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range commands() {
		n += 1 + len(c.subs)
	}
	if len(specs) != n {
		t.Fatalf("%d specs for %d commands and subcommands", len(specs), n)
	}
	for _, s := range specs {
		if s.flags.Lookup("region") == nil || s.flags.Lookup("o") == nil {
			t.Errorf("%s: the global flags are missing", s.name())
		}
	}
}
