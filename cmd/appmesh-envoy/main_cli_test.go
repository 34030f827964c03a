package main

import (
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/sidecar"
)

func TestNoArgumentsIsUsageError(t *testing.T) {
	r := runCLI(t)
	r.wantCode(t, exitUsage)
	if r.stdout != "" {
		t.Errorf("stdout = %q, want empty (help goes to stderr on a usage error)", r.stdout)
	}
	if !strings.Contains(r.stderr, "Commands:") {
		t.Errorf("stderr does not list the commands:\n%s", r.stderr)
	}
}

func TestUnknownCommand(t *testing.T) {
	r := runCLI(t, "imagez")
	r.wantCode(t, exitUsage, "imagez")
	r.wantOneLineError(t, `unknown command "imagez" (did you mean image?)`)
	if r.stdout != "" {
		t.Errorf("stdout = %q, want empty", r.stdout)
	}
}

func TestMainHelp(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}} {
		r := runCLI(t, args...)
		r.wantCode(t, exitOK, args...)
		for _, c := range commands() {
			if !strings.Contains(r.stdout, "  "+c.name+" ") {
				t.Errorf("%v: help does not list %s", args, c.name)
			}
		}
		if r.stderr != "" {
			t.Errorf("%v: stderr = %q", args, r.stderr)
		}
	}
}

// helpCommands lists every command and subcommand whose --help is checked.
func helpCommands() [][]string {
	var out [][]string
	for _, c := range commands() {
		out = append(out, []string{c.name})
		for _, sub := range c.subs {
			out = append(out, []string{c.name, sub.name})
		}
	}
	return out
}

func TestHelpOnEveryCommand(t *testing.T) {
	for _, cmd := range helpCommands() {
		name := strings.Join(cmd, " ")
		t.Run(name, func(t *testing.T) {
			for _, flag := range []string{"--help", "-h"} {
				args := append(append([]string{}, cmd...), flag)
				r := runCLI(t, args...)
				r.wantCode(t, exitOK, args...)
				if r.stderr != "" {
					t.Errorf("stderr = %q, want empty", r.stderr)
				}
				for _, want := range []string{"Usage:\n  appmesh-envoy " + name, "Example:\n  ", "--endpoint-url"} {
					if !strings.Contains(r.stdout, want) {
						t.Errorf("help does not contain %q:\n%s", want, r.stdout)
					}
				}
				// The example runs the command (perhaps at the end of a pipe).
				if _, ex, _ := strings.Cut(r.stdout, "Example:\n"); !strings.Contains(ex, "appmesh-envoy "+name) {
					t.Errorf("the example does not run appmesh-envoy %s:\n%s", name, ex)
				}
			}
			// "help CMD" is the same as "CMD --help" for top-level commands.
			if len(cmd) == 1 {
				r := runCLI(t, "help", cmd[0])
				r.wantCode(t, exitOK)
				if !strings.Contains(r.stdout, "Usage:\n  appmesh-envoy "+name) {
					t.Errorf("help %s:\n%s", name, r.stdout)
				}
			}
		})
	}
}

func TestUnknownFlagOnEveryCommand(t *testing.T) {
	for _, cmd := range helpCommands() {
		name := strings.Join(cmd, " ")
		t.Run(name, func(t *testing.T) {
			args := append(append([]string{}, cmd...), "--no-such-flag")
			r := runCLI(t, args...)
			r.wantCode(t, exitUsage, args...)
			r.wantOneLineError(t, `unknown flag "--no-such-flag"`)
			if r.stdout != "" {
				t.Errorf("stdout = %q, want empty", r.stdout)
			}
		})
	}
}

func TestBadOutputFormat(t *testing.T) {
	r := runCLI(t, "regions", "-o", "yaml")
	r.wantCode(t, exitUsage)
	r.wantOneLineError(t, `output format "yaml" is not one of table, json, code`)
}

// TestJSONKeysDocumented checks that every key a command's -o json can print is named in
// that command's --help (DESIGN: "-o json (stable, documented keys)").
func TestJSONKeysDocumented(t *testing.T) {
	for _, tc := range []struct {
		cmd []string
		typ any
	}{
		{[]string{"regions"}, regionJSON{}},
		{[]string{"image"}, imageJSON{}},
		{[]string{"image", "check"}, checkJSON{}},
		{[]string{"login"}, loginJSON{}},
		{[]string{"logout"}, logoutJSON{}},
		{[]string{"env", "lint"}, sidecar.Finding{}},
		{[]string{"version"}, versionJSON{}},
		{[]string{"mirror"}, mirrorJSON{}},
		{[]string{"pull-through-cache", "create"}, pullThroughCacheJSON{}},
		{[]string{"inventory"}, inventoryJSON{}},
		{[]string{"inventory"}, containerJSON{}},
		{[]string{"inventory"}, failureJSON{}},
		{[]string{"inventory"}, summaryJSON{}},
		{[]string{"inventory", "kubernetes"}, containerJSON{}},
	} {
		t.Run(strings.Join(tc.cmd, " "), func(t *testing.T) {
			r := runCLI(t, append(tc.cmd, "--help")...)
			r.wantCode(t, exitOK)
			typ := reflect.TypeOf(tc.typ)
			for _, field := range reflect.VisibleFields(typ) {
				key, _, _ := strings.Cut(field.Tag.Get("json"), ",")
				if key == "" || key == "-" {
					continue
				}
				if !regexp.MustCompile(`\b` + regexp.QuoteMeta(key) + `\b`).MatchString(r.stdout) {
					t.Errorf("--help does not name the JSON key %q", key)
				}
			}
		})
	}
}

// TestDidYouMean: a mistyped command, subcommand or flag is echoed as typed (quoted) with
// the closest name; a far-off one gets no suggestion.
func TestDidYouMean(t *testing.T) {
	tests := []struct {
		args []string
		msg  string
	}{
		{[]string{"imag"}, `unknown command "imag" (did you mean image?)`},
		{[]string{"regoins"}, `unknown command "regoins" (did you mean regions?)`},
		{[]string{"hlep"}, `unknown command "hlep" (did you mean help?)`},
		{[]string{"help", "imag"}, `unknown command "imag" (did you mean image?)`},
		{[]string{"xyzzy"}, `unknown command "xyzzy"; run`},
		{[]string{"image", "chek", "x"}, `unknown subcommand "chek" of image (did you mean 'image check'?)`},
		{[]string{"env", "lnit"}, `unknown subcommand "lnit" of env (did you mean 'env lint'?)`},
		{[]string{"image", "--regoin", "us-west-2"}, `image: unknown flag "--regoin" (did you mean --region?)`},
		{[]string{"image", "-regoin", "us-west-2"}, `image: unknown flag "-regoin" (did you mean --region?)`},
		{[]string{"--regoin", "us-west-2", "image"}, `unknown flag "--regoin" (did you mean --region?)`},
		{[]string{"image", "--all-region"}, `unknown flag "--all-region" (did you mean --all-regions?)`},
		{[]string{"image", "--all"}, `unknown flag "--all" (did you mean --all-regions?)`},
		{[]string{"image", "check", "x", "--fail-onn", "older"}, `unknown flag "--fail-onn" (did you mean --fail-on?)`},
		{[]string{"policy", "--principle", "envoy"}, `unknown flag "--principle" (did you mean --principal?)`},
		{[]string{"regions", "--zzzzzz"}, `regions: unknown flag "--zzzzzz"; run`},
		{[]string{"regions", "-o"}, `flag "-o" needs a value`},
		{[]string{"regions", "---o", "json"}, `bad flag syntax "---o"`},
		{[]string{"local-endpoint", "--port=x"}, `flag "--port": value "x" is not an integer`},
		{[]string{"image", "--pin=maybe"}, `flag "--pin": value "maybe" is not true or false`},
		{[]string{"regions", "-ojsn"}, `output format "jsn" is not one of table, json, code`},
		{[]string{"regions", "\x1b[2J"}, `regions takes no arguments, got "\x1b[2J"`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			r := runCLI(t, tt.args...)
			r.wantCode(t, exitUsage, tt.args...)
			r.wantOneLineError(t, tt.msg)
			if strings.Contains(r.stderr, "\x1b") {
				t.Errorf("stderr echoes a raw escape: %q", r.stderr)
			}
		})
	}
}

// TestOutputFlagSpellings: -o json, -ojson, -o=json, --output json and --output=json, before
// or after the command, all select JSON; a command without output formats refuses -o.
func TestOutputFlagSpellings(t *testing.T) {
	for _, args := range [][]string{
		{"regions", "-o", "json"}, {"regions", "-ojson"}, {"regions", "-o=json"}, {"regions", "--output", "json"},
		{"regions", "--output=json"}, {"-ojson", "regions"}, {"--output=JSON", "regions"}, {"regions", "-output", "json"},
	} {
		r := runCLI(t, args...)
		r.wantCode(t, exitOK, args...)
		if !strings.HasPrefix(r.stdout, "[\n  {\n    \"code\": ") {
			t.Errorf("%q: stdout is not the JSON array:\n%.200s", args, r.stdout)
		}
	}
	r := runCLI(t, "completion", "bash", "-o", "json")
	r.wantCode(t, exitUsage)
	r.wantOneLineError(t, `completion prints no table or JSON: drop -o "json"`)
}

// TestGlobalFlagsChecked: a malformed global flag is bad input for every command, also
// one that does not use it.
func TestGlobalFlagsChecked(t *testing.T) {
	for _, tt := range []struct {
		args []string
		msg  string
	}{
		{[]string{"regions", "--region", "us-west-3"}, `--region: unsupported region "us-west-3"`},
		{[]string{"--endpoint-url", "localhost:4566", "version"}, `--endpoint-url "localhost:4566" is not an http(s) URL`},
		{[]string{"completion", "bash", "--profile", "a\nb"}, `--profile "a\nb" is not a profile name`},
	} {
		r := runCLI(t, tt.args...)
		r.wantCode(t, exitUsage, tt.args...)
		r.wantOneLineError(t, tt.msg)
	}
}

// TestHelpListsStatusValues: each command with a status in its JSON lists every value in
// its --help under "JSON keys (stable)".
func TestHelpListsStatusValues(t *testing.T) {
	for _, tt := range []struct {
		cmd    []string
		values []string
	}{
		{[]string{"image"}, []string{statusOK, statusFailed, statusNotEnabled}},
		{[]string{"image", "check"}, append(driftStatuses(), statusFailed, gatePass, gateFail)},
	} {
		r := runCLI(t, append(tt.cmd, "--help")...)
		r.wantCode(t, exitOK)
		_, keys, ok := strings.Cut(r.stdout, "JSON keys (stable)")
		if !ok {
			t.Fatalf("%v --help has no JSON keys section", tt.cmd)
		}
		for _, v := range tt.values {
			if !regexp.MustCompile(`\b` + regexp.QuoteMeta(v) + `\b`).MatchString(keys) {
				t.Errorf("%v --help does not list the status %q under JSON keys", tt.cmd, v)
			}
		}
	}
}
