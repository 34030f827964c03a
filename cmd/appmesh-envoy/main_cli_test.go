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
	r.wantOneLineError(t, `unknown command "imagez"`)
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
		switch c.name {
		case "image":
			out = append(out, []string{"image", "check"})
		case "env":
			out = append(out, []string{"env", "lint"})
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
				for _, want := range []string{"Usage:\n  appmesh-envoy " + name, "Example:\n  appmesh-envoy ", "--endpoint-url"} {
					if !strings.Contains(r.stdout, want) {
						t.Errorf("help does not contain %q:\n%s", want, r.stdout)
					}
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
			r.wantOneLineError(t, "unknown flag --no-such-flag")
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
	} {
		t.Run(strings.Join(tc.cmd, " "), func(t *testing.T) {
			r := runCLI(t, append(tc.cmd, "--help")...)
			r.wantCode(t, exitOK)
			typ := reflect.TypeOf(tc.typ)
			for i := 0; i < typ.NumField(); i++ {
				key, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
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
