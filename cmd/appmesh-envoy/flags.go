package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
)

// globals are the flags every command accepts, in the AWS CLI's spelling.
type globals struct {
	regions     stringList // --region, repeatable where a command takes several
	profile     string     // --profile
	endpointURL string     // --endpoint-url
	debug       bool       // --debug
	output      string     // -o, --output

	registryEndpoints registryEndpointFlag // --registry-endpoint HOST=URL (registry_endpoint.go)
}

// globalFlagNames are skipped when a command lists its own flags.
var globalFlagNames = map[string]bool{
	"region": true, "profile": true, "endpoint-url": true, "debug": true, "o": true, "output": true,
	"h": true, "help": true, "registry-endpoint": true,
}

const globalFlagsHelp = `  --region REGION        AWS region (default: AWS_REGION or the profile's region)
  --profile NAME         named profile from the shared AWS config files
  --endpoint-url URL     send every AWS request (every service and region) to URL, such as
                         the one 'appmesh-envoy local-endpoint' prints
  --debug                log SDK requests and responses to stderr, secrets redacted
  --registry-endpoint HOST=URL
                         send the registry traffic of HOST to URL (repeatable; https, or
                         http on loopback only); wins over --endpoint-url for that host
  -o, --output FORMAT    output format (table by default; see each command)
  -h, --help             show help
`

// stringList is a repeatable string flag; a value may also be a comma-separated list.
type stringList []string

func (s *stringList) String() string { return strings.Join(*s, ",") }

func (s *stringList) Set(v string) error {
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			*s = append(*s, p)
		}
	}
	return nil
}

// cmdFlags is the flag set of one command plus what its help shows.
type cmdFlags struct {
	*flag.FlagSet
	a       *app
	name    string   // "image check"
	usage   string   // "[flags] IMAGE"
	desc    string   // paragraph(s) under the usage line
	example string   // one or more command lines
	outputs []string // allowed -o values; the first is the default
}

// newFlagSet returns a flag set with the global flags registered.
func (a *app) newFlagSet(name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	fs.Var(&a.g.regions, "region", "AWS `REGION`")
	fs.StringVar(&a.g.profile, "profile", a.g.profile, "shared config profile `NAME`")
	fs.StringVar(&a.g.endpointURL, "endpoint-url", a.g.endpointURL, "endpoint `URL` for every service")
	fs.BoolVar(&a.g.debug, "debug", a.g.debug, "log SDK requests to stderr")
	fs.Var(&a.g.registryEndpoints, "registry-endpoint", "registry `HOST=URL` (repeatable)")
	fs.StringVar(&a.g.output, "o", a.g.output, "output `FORMAT`")
	fs.StringVar(&a.g.output, "output", a.g.output, "output `FORMAT`")
	return fs
}

// newCmd starts a command's flag set. outputs lists the accepted -o values, default first.
func (a *app) newCmd(name, usage, desc, example string, outputs ...string) *cmdFlags {
	return &cmdFlags{FlagSet: a.newFlagSet(name, usage), a: a, name: name, usage: usage, desc: desc, example: example, outputs: outputs}
}

// parse parses args, allowing flags after positional arguments, and returns the
// positional arguments. --help prints the help on stdout and returns [flag.ErrHelp].
func (c *cmdFlags) parse(args []string) ([]string, error) {
	pos, err := parseInterspersed(c.FlagSet, args)
	if errors.Is(err, flag.ErrHelp) {
		c.writeHelp(c.a.stdout)
		return nil, flag.ErrHelp
	}
	if err != nil {
		return nil, usageErrorf("%s: %v; run '%s %s --help'", c.name, flagErr(err), progName, c.name)
	}
	if len(c.outputs) > 0 {
		if c.a.g.output == "" {
			c.a.g.output = c.outputs[0]
		}
		c.a.g.output = strings.ToLower(c.a.g.output)
		if !slices.Contains(c.outputs, c.a.g.output) {
			return nil, usageErrorf("%s: output format %q is not one of %s", c.name, c.a.g.output, strings.Join(c.outputs, ", "))
		}
	}
	return pos, nil
}

// flagErr rewrites the flag package's messages into the --long spelling users type.
func flagErr(err error) error {
	msg := err.Error()
	msg = strings.Replace(msg, "flag provided but not defined: -", "unknown flag --", 1)
	msg = strings.Replace(msg, "flag needs an argument: -", "flag needs a value: --", 1)
	return errors.New(msg)
}

// parseLeading parses global flags up to the first non-flag argument (the command name)
// and returns the rest.
func parseLeading(fs *flag.FlagSet, args []string) ([]string, error) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, flagErr(err)
	}
	return fs.Args(), nil
}

// parseInterspersed parses args like fs.Parse but lets flags follow positional
// arguments ("image check IMAGE -o json"). Everything after "--" is positional.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos, tail []string
	if i := slices.Index(args, "--"); i >= 0 {
		args, tail = args[:i], args[i+1:]
	}
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return append(pos, tail...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// writeHelp prints the command's help: usage, description, flags, globals and example.
func (c *cmdFlags) writeHelp(w io.Writer) {
	var b strings.Builder
	fmt.Fprintf(&b, "Usage:\n  %s %s %s\n\n", progName, c.name, c.usage)
	if c.desc != "" {
		b.WriteString(strings.TrimSpace(c.desc) + "\n\n")
	}
	var lines [][2]string
	c.VisitAll(func(f *flag.Flag) {
		if globalFlagNames[f.Name] {
			return
		}
		name, usage := flag.UnquoteUsage(f)
		left := "--" + f.Name
		if len(f.Name) == 1 {
			left = "-" + f.Name
		}
		if name != "" {
			left += " " + name
		}
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" && name != "" {
			usage += " (default " + f.DefValue + ")"
		}
		lines = append(lines, [2]string{left, usage})
	})
	if len(lines) > 0 {
		b.WriteString("Flags:\n")
		width := 0
		for _, l := range lines {
			width = max(width, len(l[0]))
		}
		for _, l := range lines {
			fmt.Fprintf(&b, "  %-*s  %s\n", width, l[0], l[1])
		}
		b.WriteString("\n")
	}
	if len(c.outputs) > 0 {
		fmt.Fprintf(&b, "Output formats (-o): %s (default %s)\n\n", strings.Join(c.outputs, ", "), c.outputs[0])
	}
	b.WriteString("Global flags:\n" + globalFlagsHelp + "\n")
	b.WriteString("Example:\n")
	for _, l := range strings.Split(strings.TrimSpace(c.example), "\n") {
		b.WriteString("  " + strings.TrimSpace(l) + "\n")
	}
	_, _ = io.WriteString(w, b.String())
}

// oneRegion returns the single --region value, or "" when none was given.
func (a *app) oneRegion(cmd string) (string, error) {
	switch len(a.g.regions) {
	case 0:
		return "", nil
	case 1:
		return a.g.regions[0], nil
	}
	return "", usageErrorf("%s takes one --region, got %d (%s)", cmd, len(a.g.regions), a.g.regions.String())
}

// dedupe returns in without repeats, in order.
func dedupe(in []string) []string {
	seen := map[string]bool{}
	out := in[:0:0]
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
