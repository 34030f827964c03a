package sidecar

import (
	"strconv"
	"strings"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/errcode"
)

// ErrNotEnvironment is matched (with errors.Is) by the errors of [ParseEnv],
// [ParseEnvFile] and [SplitEnvLines]: input that is not a list of NAME=value variables.
// Its code is not-environment.
var ErrNotEnvironment = errcode.New(errcode.NotEnvironment, "not an environment")

// EnvSyntaxError describes an entry or line that is not NAME=value. It matches
// [ErrNotEnvironment].
type EnvSyntaxError struct {
	// Line is the 1-based line number in a file ([SplitEnvLines], [ParseEnvFile]), or 0.
	Line int
	// Entry is the 1-based index in the environ slice ([ParseEnv]), or 0.
	Entry int
	// Reason says what is wrong.
	Reason string
}

// Error implements error.
func (e *EnvSyntaxError) Error() string {
	where := "entry " + strconv.Itoa(e.Entry)
	if e.Line > 0 {
		where = "line " + strconv.Itoa(e.Line)
	}
	return "environment " + where + ": " + e.Reason
}

// Is reports whether target is [ErrNotEnvironment].
func (e *EnvSyntaxError) Is(target error) bool { return target == ErrNotEnvironment }

// ErrorCode returns not-environment.
func (e *EnvSyntaxError) ErrorCode() errcode.Code { return errcode.NotEnvironment }

// ParseOptions are the options of [ParseEnv] and [ParseEnvFile].
type ParseOptions struct {
	// ImageVersion is the image the environment is for. When set, the findings include
	// variables and values that image does not read (ENVOY_CONCURRENCY before v1.24.0.0,
	// ENVOY_LOG_LEVEL=off before v1.29.4.0, APPMESH_RESOURCE_ARN before v1.15.0.0), and
	// the configuration's ImageVersion is set. Default nil: those rules are not checked,
	// and one info finding (with no variable) lists the ones that would apply.
	ImageVersion *appmeshenvoy.Version
}

// ParseEnv reads an environment in os.Environ form (each entry NAME=value, the value
// taken verbatim up to the end of the entry) the way the image's agent reads it, and
// returns the configuration it describes and lint findings, sorted by variable, then
// severity.
//
// Each variable is read by its own parser: the bootstrap generator trims values and
// stops on a malformed number or boolean (a finding of [SeverityError]); the agent's own
// settings are not trimmed, and a value that does not parse or is out of range is
// silently replaced by the default (a [SeverityWarning] finding whose EffectiveValue is
// the value used). Empty values count as unset. The identity is the first non-empty of
// APPMESH_RESOURCE_ARN, APPMESH_RESOURCE_NAME and APPMESH_VIRTUAL_NODE_NAME. A variable
// set twice is reported and the last value wins (as with docker --env-file). Values
// equal to the image's default are reported and left unset in the configuration, and
// values that do not parse are left unset. Variables the agent reads that have no
// field, and unknown APPMESH_*, ENVOY_* and APPNET_* names, go to Extra; other names
// (PATH, HOME) are ignored, unless they are one typo away from a known variable.
//
// The error is only for input that is not an environment ([*EnvSyntaxError]): an entry
// without "=", an empty name, or a NUL byte. Names the agent cannot read because they
// are not letters, digits and _ (bash's exported functions, BASH_FUNC_f%%) are skipped,
// with a warning when they look like an agent variable, and so are the "=C:=C:\dir"
// entries of a Windows environment. ParseEnv(c.Env()) gives back c when c has no
// explicit default values.
func ParseEnv(environ []string, optFns ...func(*ParseOptions)) (ContainerConfig, []Finding, error) {
	var opts ParseOptions
	for _, fn := range optFns {
		fn(&opts)
	}
	values := map[string]string{}
	counts := map[string]int{}
	var order, invalidNames []string
	for i, e := range environ {
		if strings.IndexByte(e, 0) >= 0 {
			return ContainerConfig{}, nil, &EnvSyntaxError{Entry: i + 1, Reason: "contains a NUL byte"}
		}
		name, value, ok := strings.Cut(e, "=")
		if !ok {
			return ContainerConfig{}, nil, &EnvSyntaxError{Entry: i + 1, Reason: "no \"=\" between name and value"}
		}
		if name == "" {
			if strings.Contains(value, "=") {
				// Windows keeps per-drive directories as "=C:=C:\dir" in os.Environ.
				continue
			}
			return ContainerConfig{}, nil, &EnvSyntaxError{Entry: i + 1, Reason: "empty variable name"}
		}
		if !envNameRe().MatchString(name) {
			// Real environments hold such names (bash's exported functions, BASH_FUNC_f%%;
			// names with '.' or '-'); the agent cannot read them.
			invalidNames = append(invalidNames, name)
			continue
		}
		if counts[name] == 0 {
			order = append(order, name)
		}
		counts[name]++
		values[name] = value
	}

	var out []Finding
	for _, name := range order {
		if counts[name] > 1 {
			out = append(out, Finding{Severity: SeverityWarning, Kind: FindingDuplicate, Variable: name,
				Message: "set " + strconv.Itoa(counts[name]) + " times; the last value wins"})
		}
	}
	for _, name := range invalidNames {
		sug := suggest(strings.NewReplacer("-", "_", ".", "_").Replace(name), 3)
		if sug == "" && !agentPrefix(strings.NewReplacer("-", "_", ".", "_").Replace(name)) {
			continue
		}
		msg := "not a valid variable name (letters, digits and _), so the agent cannot read it"
		if sug != "" {
			msg += "; did you mean " + sug + "?"
		}
		out = append(out, Finding{Severity: SeverityWarning, Kind: FindingUnknown, Variable: name, Message: msg})
	}
	l := newLinter(values, opts.ImageVersion, namesEnviron)
	out = append(out, l.run()...)
	sortFindings(out)
	return configFrom(l, order), out, nil
}

// configFrom builds the configuration the agent reads from the linted environment.
func configFrom(l *linter, order []string) ContainerConfig {
	c := ContainerConfig{ImageVersion: l.image}
	if name, value := chooseIdentity(l.env, l.image); name != "" {
		c.Resource = value
		if name != EnvResourceARN {
			c.ResourceVariable = name
		}
	}
	for _, name := range order {
		raw := l.env[name]
		switch name {
		case EnvResourceARN, EnvResourceName, EnvVirtualNodeName:
			continue
		}
		v := lookupVariable(name)
		switch {
		case v != nil && v.field != nil:
			v.parseInto(&c, raw)
			if s, ok := v.get(&c); ok && s == v.def && l.removable(v) {
				v.clear(&c)
			}
		case raw == "" || v != nil && v.reader != readAgent && strings.TrimSpace(raw) == "":
		case v != nil || agentPrefix(name):
			if c.Extra == nil {
				c.Extra = map[string]string{}
			}
			c.Extra[name] = raw
		}
	}
	return c
}
