package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/appmesh-envoy/appmesh-envoy-go/internal/editdist"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/quote"
	"github.com/appmesh-envoy/appmesh-envoy-go/region"
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

// check rejects global flag values that no command could use, whether or not the
// command at hand uses them: an unsupported --region, an --endpoint-url that is not an
// http(s) URL, a --profile name with control characters.
func (g *globals) check() error {
	for _, code := range g.regions {
		if _, err := region.Lookup(code); err != nil {
			return usageErrorf("--region: %v", err)
		}
	}
	if g.endpointURL != "" {
		u, err := url.Parse(g.endpointURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return usageErrorf("--endpoint-url %s is not an http(s) URL such as http://127.0.0.1:4566", quote.Input(g.endpointURL))
		}
	}
	if quote.Text(g.profile, len(g.profile)) != strings.TrimSpace(g.profile) || strings.ContainsAny(g.profile, " \t") {
		return usageErrorf("--profile %s is not a profile name: it has white space or control characters", quote.Input(g.profile))
	}
	return nil
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

// errDescribed ends a command's run in describe mode (see app.describe): the command
// has registered its flags and done nothing else.
var errDescribed = errors.New("described")

// parse parses args, allowing flags after positional arguments, and returns the
// positional arguments. --help prints the help on stdout and returns [flag.ErrHelp].
// In describe mode it hands the flag set to app.describe and returns errDescribed
// without parsing anything.
func (c *cmdFlags) parse(args []string) ([]string, error) {
	if c.a.describe != nil {
		c.a.describe(c)
		return nil, errDescribed
	}
	pos, err := parseFlags(c.FlagSet, args, true)
	if errors.Is(err, flag.ErrHelp) {
		c.writeHelp(c.a.stdout)
		return nil, flag.ErrHelp
	}
	if err != nil {
		return nil, usageErrorf("%s: %v; run '%s %s --help'", c.name, err, progName, c.name)
	}
	if err := c.a.g.check(); err != nil {
		return nil, err
	}
	if len(c.outputs) == 0 && c.a.g.output != "" {
		return nil, usageErrorf("%s prints no table or JSON: drop -o %s", c.name, quote.Input(c.a.g.output))
	}
	if len(c.outputs) > 0 {
		if c.a.g.output == "" {
			c.a.g.output = c.outputs[0]
		}
		c.a.g.output = strings.ToLower(c.a.g.output)
		if !slices.Contains(c.outputs, c.a.g.output) {
			return nil, usageErrorf("%s: output format %s is not one of %s", c.name, quote.Input(c.a.g.output), strings.Join(c.outputs, ", "))
		}
	}
	return pos, nil
}

// parseLeading parses global flags up to the first non-flag argument (the command name)
// and returns the rest.
func parseLeading(fs *flag.FlagSet, args []string) ([]string, error) {
	return parseFlags(fs, args, false)
}

// parseFlags parses args against fs and returns the positional arguments. It takes
// what people type at a shell: -name and --name, "--name value" and "--name=value", a
// one-letter flag with its value attached ("-ojson", as kubectl takes it), boolean flags
// without a value. A value is always the next argument, even when it starts with a dash.
// "--" ends the flags: everything after it is positional. With interspersed, flags may
// follow positional arguments ("image check IMAGE -o json"); without it, parsing stops
// at the first positional argument, which is returned with everything after it.
//
// Errors name the flag as the user spelled it ("-regoin" stays "-regoin") and suggest the
// closest defined flag. -h, -help and --help return [flag.ErrHelp].
func parseFlags(fs *flag.FlagSet, args []string, interspersed bool) ([]string, error) {
	var pos []string
	for i := 0; i < len(args); i++ {
		arg := args[i]
		if arg == "--" {
			return append(pos, args[i+1:]...), nil
		}
		if len(arg) < 2 || arg[0] != '-' {
			if !interspersed {
				return append(pos, args[i:]...), nil
			}
			pos = append(pos, arg)
			continue
		}
		dashes := "-"
		if strings.HasPrefix(arg, "--") {
			dashes = "--"
		}
		name, value, hasValue := strings.Cut(arg[len(dashes):], "=")
		spelled := dashes + name
		if name == "" || name[0] == '-' {
			return nil, fmt.Errorf("bad flag syntax %s; flags are --name or --name=value", quote.Input(arg))
		}
		f := fs.Lookup(name)
		if f == nil && (name == "h" || name == "help") {
			return nil, flag.ErrHelp
		}
		if f == nil && dashes == "-" && !hasValue && len(name) > 1 {
			// "-ojson": a one-letter flag with its value attached.
			if short := fs.Lookup(name[:1]); short != nil && !isBoolFlag(short) {
				f, spelled, value, hasValue = short, "-"+name[:1], name[1:], true
			}
		}
		if f == nil {
			return nil, unknownFlag(fs, spelled, name)
		}
		switch {
		case isBoolFlag(f) && !hasValue:
			value = "true"
		case !hasValue:
			if i+1 >= len(args) {
				return nil, fmt.Errorf("flag %s needs a value", quote.Input(spelled))
			}
			i++
			value = args[i]
		}
		if err := fs.Set(f.Name, value); err != nil {
			return nil, invalidValue(f, spelled, value, err)
		}
	}
	return pos, nil
}

func isBoolFlag(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// unknownFlag is the error for a flag fs does not define, with the closest defined flag
// as a suggestion.
func unknownFlag(fs *flag.FlagSet, spelled, name string) error {
	var names []string
	fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
	return errors.New("unknown flag " + quote.Input(spelled) + didYouMean(suggest(name, names), flagSpelling))
}

// didYouMean returns " (did you mean X?)" for a suggestion s, spelled by spell (nil: as
// it is), or "" when there is none.
func didYouMean(s string, spell func(string) string) string {
	if s == "" {
		return ""
	}
	if spell != nil {
		s = spell(s)
	}
	return " (did you mean " + s + "?)"
}

// flagSpelling is how help text spells a flag: -o for one letter, --name otherwise.
func flagSpelling(name string) string {
	if len(name) == 1 {
		return "-" + name
	}
	return "--" + name
}

// suggest returns the candidate s is most likely a typo of: the nearest by edit
// distance (at most 2, and at most half the length of s; a swap of two letters counts
// 2), else the only candidate that s (at least 3 bytes) is a prefix of; "" when there is
// none.
func suggest(s string, candidates []string) string {
	if len(s) < 2 || len(s) > 64 {
		return ""
	}
	maxDist := min(2, len(s)/2)
	if maxDist > 0 {
		if c, _ := editdist.Closest(strings.ToLower(s), candidates, maxDist, nil); c != "" {
			return c
		}
	}
	prefixed := ""
	for _, c := range candidates {
		if len(s) >= 3 && strings.HasPrefix(c, strings.ToLower(s)) {
			if prefixed != "" {
				return ""
			}
			prefixed = c
		}
	}
	return prefixed
}

// invalidValue is the error for a value a flag refused, saying what the flag takes.
func invalidValue(f *flag.Flag, spelled, value string, err error) error {
	want := ""
	if g, ok := f.Value.(flag.Getter); ok {
		switch g.Get().(type) {
		case bool:
			want = "true or false"
		case int, int64, uint, uint64:
			want = "an integer"
		case float64:
			want = "a number"
		case time.Duration:
			want = "a duration such as 10s or 1m30s"
		}
	}
	if want != "" {
		return fmt.Errorf("flag %s: value %s is not %s", quote.Input(spelled), quote.Input(value), want)
	}
	return fmt.Errorf("flag %s: %s", quote.Input(spelled), quote.Text(err.Error(), 512))
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
