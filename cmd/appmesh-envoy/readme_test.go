package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// readmeSection returns the text of the README section with the heading ("## CLI tour"),
// up to the next heading of the same level.
func readmeSection(t *testing.T, heading string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(moduleRoot(t), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(data), "\n"+heading+"\n")
	if !ok {
		t.Fatalf("README has no %q section", heading)
	}
	if i := strings.Index(rest, "\n## "); i >= 0 {
		rest = rest[:i]
	}
	return rest
}

// shellBlocks returns the contents of the ```sh blocks of text.
func shellBlocks(text string) []string {
	var blocks []string
	for {
		_, after, ok := strings.Cut(text, "```sh\n")
		if !ok {
			return blocks
		}
		block, rest, _ := strings.Cut(after, "```")
		blocks = append(blocks, block)
		text = rest
	}
}

// readmeCommand is one command of a README block and the exit status it should have.
type readmeCommand struct {
	line string
	exit int
}

// trailingComment is a comment after a command: two or more spaces, then #.
var trailingComment = regexp.MustCompile(`\s{2,}#\s*(.*)$`)

// exitNote is how a README line says what exit status it has: "# exit 1: older".
var exitNote = regexp.MustCompile(`^exit (\d+)\b`)

// parseCommands splits a block into commands: comments go, a line ending in \ or | goes
// on with the next, and "# exit N" after a command sets its expected status (default 0).
func parseCommands(t *testing.T, block string) []readmeCommand {
	t.Helper()
	var cmds []readmeCommand
	var cur strings.Builder
	exit := 0
	for _, line := range strings.Split(block, "\n") {
		if m := trailingComment.FindStringSubmatchIndex(line); m != nil {
			if e := exitNote.FindStringSubmatch(line[m[2]:m[3]]); e != nil {
				exit, _ = strconv.Atoi(e[1])
			}
			line = line[:m[0]]
		}
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasSuffix(line, `\`) {
			cur.WriteString(strings.TrimSuffix(line, `\`) + " ")
			continue
		}
		cur.WriteString(line)
		if strings.HasSuffix(line, "|") {
			cur.WriteString(" ")
			continue
		}
		cmds = append(cmds, readmeCommand{cur.String(), exit})
		cur.Reset()
		exit = 0
	}
	if cur.Len() > 0 {
		t.Fatalf("README block ends inside a command: %q", cur.String())
	}
	return cmds
}

// dockerStub stands in for 'docker login --username AWS --password-stdin HOST': it
// needs a password on stdin.
const dockerStub = `#!/bin/sh
[ "$1" = login ] || { echo "docker stub: only login" >&2; exit 3; }
pw=$(cat)
[ -n "$pw" ] || { echo "docker stub: no password on stdin" >&2; exit 4; }
echo "Login Succeeded"
`

// TestREADMECLITour runs the README's CLI tour, the way its local-endpoint block says:
// start the endpoint, eval its export lines, then run every tour command in the same
// shell, and check each command's exit status. So the README cannot drift from the tool.
func TestREADMECLITour(t *testing.T) {
	sh := shell(t, "bash")
	blocks := shellBlocks(readmeSection(t, "## CLI tour"))
	if len(blocks) != 2 {
		t.Fatalf("the CLI tour has %d sh blocks, want 2 (the tour, then the local endpoint)", len(blocks))
	}
	tour, local := parseCommands(t, blocks[0]), parseCommands(t, blocks[1])
	if len(tour) < 10 || len(local) < 4 || !strings.HasPrefix(local[len(local)-1].line, "kill ") {
		t.Fatalf("unexpected README blocks: tour %q, local endpoint %q", tour, local)
	}
	// go install reaches the network: the test runs the binary it built instead.
	tour = slices.DeleteFunc(tour, func(c readmeCommand) bool { return strings.HasPrefix(c.line, "go install ") })
	cmds := append(append(slices.Clone(local[:len(local)-1]), tour...), local[len(local)-1])
	port := strconv.Itoa(freePort(t))
	var script strings.Builder
	script.WriteString("set -o pipefail\nexec 3>exits.txt\n")
	for i, c := range cmds {
		line := strings.ReplaceAll(c.line, "--port 4566", "--port "+port)
		fmt.Fprintf(&script, "%s\necho \"%d $?\" >&3\n", line, i)
	}

	dir := t.TempDir()
	bin := t.TempDir()
	if err := os.WriteFile(filepath.Join(bin, "docker"), []byte(dockerStub), 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, sh, "--norc", "--noprofile", "-c", script.String())
	cmd.Dir = dir
	cmd.Env = append(testEnv(t, runOpts{home: dir}),
		"PATH="+strings.Join([]string{filepath.Dir(binary), bin, os.Getenv("PATH")}, string(os.PathListSeparator)))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("the tour script: %v\n%s", err, out.String())
	}
	data, err := os.ReadFile(filepath.Join(dir, "exits.txt"))
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(got) != len(cmds) {
		t.Fatalf("%d exit statuses for %d commands:\n%s", len(got), len(cmds), out.String())
	}
	for i, c := range cmds {
		if want := fmt.Sprintf("%d %d", i, c.exit); got[i] != want {
			t.Errorf("README command %q: exit %s, want %d", c.line, strings.TrimPrefix(got[i], strconv.Itoa(i)+" "), c.exit)
		}
	}
	if strings.Contains(out.String(), "panic:") || t.Failed() {
		t.Errorf("output of the tour:\n%s", out.String())
	}
	// What the tour wrote is what it says.
	if b, err := os.ReadFile(filepath.Join(dir, "execution-role-policy.json")); err != nil || !bytes.HasPrefix(b, []byte("{")) {
		t.Errorf("execution-role-policy.json: %v %.100q", err, b)
	}
}

// TestREADMEExamples: the README's examples table names every example program, and the
// flag it gives for running without AWS is one that program has.
func TestREADMEExamples(t *testing.T) {
	section := readmeSection(t, "## Examples")
	row := regexp.MustCompile("(?m)^\\| `([a-z0-9-]+)` \\|[^\\n]*\\| ([^|\\n]+) \\|$")
	rows := row.FindAllStringSubmatch(section, -1)
	root := moduleRoot(t)
	entries, err := os.ReadDir(filepath.Join(root, "examples"))
	if err != nil {
		t.Fatal(err)
	}
	var dirs, names []string
	for _, e := range entries {
		if e.IsDir() && e.Name() != "internal" {
			dirs = append(dirs, e.Name())
		}
	}
	for _, r := range rows {
		names = append(names, r[1])
		src, err := os.ReadFile(filepath.Join(root, "examples", r[1], "main.go"))
		if err != nil {
			t.Errorf("README example %s: %v", r[1], err)
			continue
		}
		switch offline := strings.TrimSpace(r[2]); {
		case offline == "`-local`":
			if !bytes.Contains(src, []byte("exampleaws.AddFlags()")) {
				t.Errorf("README says %s takes -local, but it does not register the shared flags", r[1])
			}
		case strings.Contains(offline, "`-real`"):
			if !bytes.Contains(src, []byte(`flag.Bool("real"`)) {
				t.Errorf("README says %s takes -real, but it has no such flag", r[1])
			}
		default:
			t.Errorf("README example %s: offline column %q", r[1], offline)
		}
	}
	slices.Sort(names)
	if strings.Join(names, " ") != strings.Join(dirs, " ") {
		t.Errorf("README examples table lists %q, examples/ has %q", names, dirs)
	}
}
