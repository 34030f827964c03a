// Command appmesh-envoy finds, pins, authorizes, logs in to and configures the AWS App Mesh
// Envoy image, from the shell or a CI pipeline.
//
// It is a thin layer over the packages region, appmeshenvoy and iampolicy of this module:
// it parses flags and prints, and all logic lives in those packages.
//
// Usage:
//
//	appmesh-envoy [global flags] <command> [flags]
//
// Commands: regions, image, image check, policy, login, logout, env, env lint,
// local-endpoint. Run "appmesh-envoy <command> --help" for each one's flags and an
// example.
//
// Global flags follow the AWS CLI: --region, --profile, --endpoint-url (one URL for every
// service and region, for a local endpoint), --debug (SDK request log on stderr with
// secrets redacted) and -o/--output. They may come before or after the command name.
//
// Exit status: 0 when everything worked, 1 when an operation failed (for image: when any
// requested region failed, after printing all of them), 2 for bad usage or input. Errors
// are one line on stderr that says what to do.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

// Exit codes.
const (
	exitOK     = 0
	exitFailed = 1
	exitUsage  = 2
)

const progName = "appmesh-envoy"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// app is one invocation of the command: its streams, global flags and the redactor that
// guards stderr.
type app struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer // always the redacting writer around the real stderr
	redact *redactor
	g      globals
}

// command is one (sub)command of the tool.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, a *app, args []string) error
}

// commands lists the top-level commands in help order.
func commands() []command {
	return []command{
		{"regions", "list the regions the Envoy image is published in", runRegions},
		{"image", "print the latest Envoy image of one or more regions; 'image check' checks a reference for drift", runImage},
		{"policy", "print (or apply) the least-privilege IAM policy for a principal", runPolicy},
		{"login", "log docker in to the Envoy registry of a region (or any ECR registry)", runLogin},
		{"logout", "remove what login wrote from a docker config", runLogout},
		{"env", "build the Envoy container environment from flags; 'env lint' checks an existing one", runEnv},
		{"mirror", "copy the Envoy image, exactly, into your own registries", runMirror},
		{"pull-through-cache", "'pull-through-cache create': cache the gallery's Envoy image in your ECR registry", runPullThroughCache},
		{"local-endpoint", "serve a local AWS endpoint (SSM, ECR, IAM, STS) for tests and demos", runLocalEndpoint},
	}
}

// run executes one invocation and returns the exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	red := newRedactor()
	a := &app{stdin: stdin, stdout: stdout, stderr: red.writer(stderr), redact: red}

	// Global flags may precede the command name.
	fs := a.newFlagSet("", "")
	rest, err := parseLeading(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		writeMainHelp(a.stdout)
		return exitOK
	}
	if err == nil && len(rest) == 0 {
		// A bare invocation is a usage error, like the AWS CLI's: help goes to stderr.
		writeMainHelp(a.stderr)
		return exitUsage
	}
	if err != nil {
		return a.fail(usageErrorf("%v; run '%s --help'", err, progName))
	}
	name := rest[0]
	if name == "help" {
		if len(rest) > 1 {
			return run(ctx, []string{rest[1], "--help"}, stdin, stdout, stderr)
		}
		writeMainHelp(a.stdout)
		return exitOK
	}
	for _, c := range commands() {
		if c.name == name {
			return a.fail(c.run(ctx, a, rest[1:]))
		}
	}
	return a.fail(usageErrorf("unknown command %q; run '%s --help' for the list", name, progName))
}

// fail prints err (if any) as one line on stderr and returns its exit code.
func (a *app) fail(err error) int {
	if err == nil {
		return exitOK
	}
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	var q quietError
	if errors.As(err, &q) {
		return q.code
	}
	code := exitFailed
	var ue usageError
	if errors.As(err, &ue) {
		code = exitUsage
	}
	fmt.Fprintf(a.stderr, "%s: %s\n", progName, oneLine(err.Error()))
	return code
}

// usageError marks bad usage or input (exit 2).
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usageErrorf(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// quietError ends the command with an exit code; the command has already printed what
// the user needs to see.
type quietError struct{ code int }

func (e quietError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// oneLine flattens a message to a single line.
func oneLine(s string) string {
	s = strings.TrimSpace(s)
	s = strings.ReplaceAll(s, "\r\n", "; ")
	s = strings.ReplaceAll(s, "\n", "; ")
	return strings.ReplaceAll(s, "\r", " ")
}

func writeMainHelp(w io.Writer) {
	var b strings.Builder
	fmt.Fprintf(&b, "%s finds, pins, authorizes, logs in to and configures the AWS App Mesh Envoy image.\n\n", progName)
	fmt.Fprintf(&b, "Usage:\n  %s [global flags] <command> [flags]\n\nCommands:\n", progName)
	for _, c := range commands() {
		fmt.Fprintf(&b, "  %-15s %s\n", c.name, c.summary)
	}
	b.WriteString("\nGlobal flags (before or after the command):\n")
	b.WriteString(globalFlagsHelp)
	fmt.Fprintf(&b, `
Exit status: 0 ok, 1 an operation failed, 2 bad usage or input.

Examples:
  %[1]s regions
  %[1]s image --all-regions --pin -o json
  %[1]s policy --principal puller --all-regions
  %[1]s login --region us-west-2
  %[1]s env --virtual-node arn:aws:appmesh:us-west-2:111122223333:mesh/demo/virtualNode/web -o ecs

Run '%[1]s <command> --help' for a command's flags and an example.
`, progName)
	_, _ = io.WriteString(w, b.String())
}
