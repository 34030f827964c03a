// Command appmesh-envoy finds, pins, authorizes, logs in to, configures and keeps the AWS
// App Mesh Envoy image, from the shell or a CI pipeline.
//
// It is a thin layer over the packages of this module (region, appmeshenvoy and its
// subpackages sidecar, dockerconfig, mirror, inventory and rewrite, iampolicy): it parses
// flags and prints, and the logic lives in those packages.
//
// Usage:
//
//	appmesh-envoy [global flags] <command> [flags]
//
// Commands:
//
//   - Which image: regions, image (latest per region, --pin, --fallback when the SSM
//     parameter is gone), image check (a CI gate on a deployed reference).
//   - Who may pull it: policy (per principal: puller, envoy, resolver, cache-admin,
//     mirror, inventory, all; --apply-to-role).
//   - How to log in: login, logout (a docker config, ECR and ECR Public tokens).
//   - How to configure it: env, env lint.
//   - How to keep it: mirror (exact copies into your registries), pull-through-cache
//     create, inventory and inventory kubernetes (what still points at AWS's images),
//     rewrite (point task definitions and manifests at your mirror, pinned).
//   - Tooling: local-endpoint (SSM, ECR and its registries, ECR Public, ECS, IAM and STS
//     on loopback, for tests and demos without an AWS account), version, completion.
//
// Run "appmesh-envoy <command> --help" for each one's flags and an example; a mistyped
// command or flag gets a suggestion.
//
// Global flags follow the AWS CLI: --region, --profile, --endpoint-url (one URL for every
// service and region, for a local endpoint; without it AWS_ENDPOINT_URL and the other
// endpoint settings of the SDK apply), --debug (SDK request log on stderr with secrets
// redacted) and -o/--output (also -ojson and --output=json). They may come before or
// after the command name. --version is the version command.
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
	"slices"
	"strings"
	"syscall"

	"github.com/appmesh-envoy/appmesh-envoy-go/internal/quote"
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
	// describe, when set, puts the app in describe mode: each command hands its flag set
	// to describe instead of parsing and returns errDescribed (see describeCommands).
	describe func(*cmdFlags)
}

// command is one (sub)command of the tool.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, a *app, args []string) error
	// subs are the subcommands: "image check" runs the sub "check" of "image".
	subs []command
}

// commands lists the top-level commands in help order. Help, completion and the
// hostile-input test are generated from it.
func commands() []command {
	return []command{
		{name: "regions", summary: "list the regions the Envoy image is published in", run: runRegions},
		{name: "image", summary: "print the latest Envoy image of one or more regions", run: runImage, subs: []command{
			{name: "check", summary: "check a deployed image reference for drift (a CI gate)", run: runImageCheck},
		}},
		{name: "policy", summary: "print (or apply) the least-privilege IAM policy for a principal", run: runPolicy},
		{name: "login", summary: "log docker in to the Envoy registry of a region (or any ECR registry)", run: runLogin},
		{name: "logout", summary: "remove what login wrote from a docker config", run: runLogout},
		{name: "env", summary: "build the Envoy container environment from flags", run: runEnv, subs: []command{
			{name: "lint", summary: "check an existing Envoy container environment", run: runEnvLint},
		}},
		{name: "inventory", summary: "list the Envoy containers of ECS services (or Kubernetes manifests) with verdicts", run: runInventory, subs: []command{
			{name: "kubernetes", summary: "list the Envoy containers of Kubernetes manifests or kubectl JSON output", run: func(_ context.Context, a *app, args []string) error {
				return runInventoryKubernetes(a, args)
			}},
		}},
		{name: "rewrite", summary: "point the Envoy images of task definitions and manifests at your mirror, pinned by digest", run: runRewrite},
		{name: "mirror", summary: "copy the Envoy image, exactly, into your own registries", run: runMirror},
		{name: "pull-through-cache", summary: "cache the gallery's Envoy image in your ECR registry ('pull-through-cache create')", run: runPullThroughCache, subs: []command{
			{name: "create", summary: "create the pull-through cache rule whose upstream is the ECR Public Gallery", run: runPullThroughCacheCreate},
		}},
		{name: "local-endpoint", summary: "serve a local AWS endpoint (SSM, ECR and its registries, ECR Public, ECS, IAM, STS) for tests and demos", run: runLocalEndpoint},
		{name: "version", summary: "print the version, commit and Go version of this build", run: runVersion},
		{name: "completion", summary: "print a shell completion script (bash, zsh, fish)", run: runCompletion},
	}
}

// commandNames returns the names of cmds.
func commandNames(cmds []command) []string {
	names := make([]string, len(cmds))
	for i, c := range cmds {
		names[i] = c.name
	}
	return names
}

// findCommand returns the command of cmds named name.
func findCommand(cmds []command, name string) (command, bool) {
	for _, c := range cmds {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

// run executes one invocation and returns the exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	red := newRedactor()
	a := &app{stdin: stdin, stdout: stdout, stderr: red.writer(stderr), redact: red}

	// Global flags may precede the command name.
	fs := a.newFlagSet("", "")
	version := fs.Bool("version", false, "print the version")
	rest, err := parseLeading(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		writeMainHelp(a.stdout)
		return exitOK
	}
	if err != nil {
		return a.fail(usageErrorf("%v; run '%s --help'", err, progName))
	}
	if *version {
		return a.fail(runVersion(ctx, a, rest))
	}
	if len(rest) == 0 {
		// A bare invocation is a usage error, like the AWS CLI's: help goes to stderr.
		writeMainHelp(a.stderr)
		return exitUsage
	}
	name := rest[0]
	if name == "help" {
		if len(rest) > 1 {
			return run(ctx, append(slices.Clone(rest[1:]), "--help"), stdin, stdout, stderr)
		}
		writeMainHelp(a.stdout)
		return exitOK
	}
	c, ok := findCommand(commands(), name)
	if !ok {
		return a.fail(usageErrorf("unknown command %s%s; run '%s --help' for the list",
			quote.Input(name), didYouMean(suggest(name, append(commandNames(commands()), "help")), nil), progName))
	}
	args = rest[1:]
	if len(args) > 0 && len(c.subs) > 0 {
		if sub, ok := findCommand(c.subs, args[0]); ok {
			return a.fail(sub.run(ctx, a, args[1:]))
		}
		if !strings.HasPrefix(args[0], "-") {
			if s := suggest(args[0], commandNames(c.subs)); s != "" {
				return a.fail(usageErrorf("unknown subcommand %s of %s (did you mean '%s %s'?); run '%s %s --help'", quote.Input(args[0]), c.name, c.name, s, progName, c.name))
			}
		}
	}
	return a.fail(c.run(ctx, a, args))
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

// maxLine bounds one line of an error message on stderr.
const maxLine = 4096

// oneLine flattens a message to a single line fit for a terminal: line breaks become
// "; ", and every other control character (an escape sequence from an endpoint's
// message could retitle or clear the terminal) and invalid UTF-8 become '?' (see
// quote.Text). The library already cleans what AWS says; this is defence in depth.
func oneLine(s string) string {
	s = strings.TrimSpace(s)
	s = strings.ReplaceAll(s, "\r\n", "; ")
	s = strings.ReplaceAll(s, "\n", "; ")
	return quote.Text(s, maxLine)
}

func writeMainHelp(w io.Writer) {
	var b strings.Builder
	fmt.Fprintf(&b, "%s finds, pins, authorizes, logs in to and configures the AWS App Mesh Envoy image.\n\n", progName)
	fmt.Fprintf(&b, "Usage:\n  %s [global flags] <command> [flags]\n\nCommands:\n", progName)
	for _, c := range commands() {
		fmt.Fprintf(&b, "  %-15s %s\n", c.name, c.summary)
	}
	b.WriteString("\nSubcommands:\n")
	for _, c := range commands() {
		for _, sub := range c.subs {
			fmt.Fprintf(&b, "  %-15s %s\n", c.name+" "+sub.name, sub.summary)
		}
	}
	b.WriteString("\nGlobal flags (before or after the command):\n")
	b.WriteString(globalFlagsHelp)
	b.WriteString("  --version              print the version (as 'appmesh-envoy version' does)\n")
	fmt.Fprintf(&b, `
Exit status: 0 ok, 1 an operation failed, 2 bad usage or input.

Examples:
  %[1]s regions
  %[1]s image --all-regions --pin -o json
  %[1]s policy --principal puller --all-regions
  %[1]s login --region us-west-2
  %[1]s env --virtual-node arn:aws:appmesh:us-west-2:111122223333:mesh/demo/virtualNode/web -o ecs
  source <(%[1]s completion bash)

Run '%[1]s <command> --help' for a command's flags and an example.
`, progName)
	_, _ = io.WriteString(w, b.String())
}
