package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/sidecar"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/quote"
	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

// shells are the shells 'completion' writes scripts for.
func shells() []string { return []string{"bash", "zsh", "fish"} }

func runCompletion(ctx context.Context, a *app, args []string) error {
	c := a.newCmd("completion", "bash|zsh|fish",
		`Prints a shell completion script. It completes commands and subcommands, each command's
flags, and the values of flags with a fixed set of values: region codes (--region and the
local-endpoint fault flags), partitions, principals, --fail-on verdicts, log levels and
output formats (-o); files where a command reads or writes one. The script is generated
from the tool's own command and flag tables, so it matches this build.

  bash  add to ~/.bashrc:   source <(appmesh-envoy completion bash)
  zsh   add to ~/.zshrc (after compinit):   source <(appmesh-envoy completion zsh)
  fish  appmesh-envoy completion fish > ~/.config/fish/completions/appmesh-envoy.fish`,
		`appmesh-envoy completion bash > ~/.local/share/bash-completion/completions/appmesh-envoy
source <(appmesh-envoy completion bash)
appmesh-envoy completion fish > ~/.config/fish/completions/appmesh-envoy.fish`)
	pos, err := c.parse(args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErrorf("completion takes one shell: %s", strings.Join(shells(), ", "))
	}
	specs, err := describeCommands(ctx)
	if err != nil {
		return err
	}
	var script string
	switch pos[0] {
	case "bash":
		script = bashCompletion(specs)
	case "zsh":
		script = zshCompletion(specs)
	case "fish":
		script = fishCompletion(specs)
	default:
		return usageErrorf("completion: unknown shell %s%s; use one of %s", quote.Input(pos[0]), didYouMean(suggest(pos[0], shells()), nil), strings.Join(shells(), ", "))
	}
	_, err = io.WriteString(a.stdout, script)
	return err
}

// commandSpec describes one command or subcommand as the command itself declares it:
// read in describe mode, so that help, completion and tests never list flags by hand.
type commandSpec struct {
	path    []string // {"image", "check"}
	summary string
	cmd     command
	flags   *cmdFlags // its flag set, the global flags included
	subs    []string  // names of its subcommands
}

// name is the command path joined with spaces, such as "image check".
func (s commandSpec) name() string { return strings.Join(s.path, " ") }

// describeCommands returns every command and subcommand of commands(), each with its
// flag set, in help order (a command before its subcommands).
func describeCommands(ctx context.Context) ([]commandSpec, error) {
	var out []commandSpec
	var walk func(prefix []string, cmds []command) error
	walk = func(prefix []string, cmds []command) error {
		for _, c := range cmds {
			path := append(slices.Clone(prefix), c.name)
			var got *cmdFlags
			a := &app{stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard, redact: newRedactor(),
				describe: func(cf *cmdFlags) { got = cf }}
			if err := c.run(ctx, a, nil); !errors.Is(err, errDescribed) || got == nil {
				// A command that does anything before parsing its flags is a bug.
				return fmt.Errorf("command %s did not describe its flags (got %v)", strings.Join(path, " "), err)
			}
			out = append(out, commandSpec{path: path, summary: c.summary, cmd: c, flags: got, subs: commandNames(c.subs)})
			if err := walk(path, c.subs); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(nil, commands()); err != nil {
		return nil, err
	}
	return out, nil
}

// flagValues returns the fixed values a flag of spec takes, for completion; files
// reports a flag whose value is a path.
func flagValues(spec commandSpec, f *flag.Flag) (values []string, files bool) {
	switch f.Name {
	case "region", "fail-region", "deny-region", "no-parameter":
		return region.Codes(region.All()), false
	case "not-enabled":
		var codes []string
		for _, r := range region.All() {
			if r.OptIn {
				codes = append(codes, r.Code)
			}
		}
		return codes, false
	case "partition":
		var ids []string
		for _, p := range region.Partitions() {
			ids = append(ids, p.ID)
		}
		return ids, false
	case "principal":
		return principals, false
	case "fail-on":
		return append(driftStatuses(), "never"), false
	case "log-level":
		return []string{string(sidecar.LogTrace), string(sidecar.LogDebug), string(sidecar.LogInfo), string(sidecar.LogWarn),
			string(sidecar.LogError), string(sidecar.LogCritical), string(sidecar.LogOff)}, false
	case "o", "output":
		return spec.flags.outputs, false
	case "docker-config":
		return nil, true
	}
	return nil, false
}

// positionalValues returns what completes a positional argument of spec: command
// names, subcommand names, shells, or files.
func positionalValues(spec commandSpec) (values []string, files bool) {
	switch spec.name() {
	case "completion":
		return shells(), false
	case "env lint":
		return []string{"-"}, true
	}
	return spec.subs, false
}

// flagSpellings returns every flag of spec as typed (--name, -o), sorted, with --help,
// and whether each takes a value.
func flagSpellings(spec commandSpec) (all, withValue []string) {
	spec.flags.VisitAll(func(f *flag.Flag) {
		s := flagSpelling(f.Name)
		all = append(all, s)
		if !isBoolFlag(f) {
			withValue = append(withValue, s)
		}
	})
	all = append(all, "--help")
	slices.Sort(all)
	return all, withValue
}

// rootSpec is the invocation before a command name: the global flags, --version and
// --help, and the command names (plus "help") as positional values.
func rootSpec() commandSpec {
	a := &app{stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard, redact: newRedactor()}
	fs := a.newFlagSet("", "")
	fs.Bool("version", false, "print the version")
	names := append(commandNames(commands()), "help")
	return commandSpec{flags: &cmdFlags{FlagSet: fs, a: a}, subs: names}
}

// completionData is what every script needs, computed once from the specs.
type completionData struct {
	specs []commandSpec // the root first
	// flags and valueFlags per command path ("" for the root)
	flags, valueFlags map[string][]string
	// values per command path and flag spelling; a nil slice with files set means files
	values map[[2]string][]string
	files  map[[2]string]bool
	// args per command path: positional values, and whether files complete too
	args     map[string][]string
	argFiles map[string]bool
}

func newCompletionData(specs []commandSpec) completionData {
	root := rootSpec()
	d := completionData{
		specs: append([]commandSpec{root}, specs...),
		flags: map[string][]string{}, valueFlags: map[string][]string{},
		values: map[[2]string][]string{}, files: map[[2]string]bool{},
		args: map[string][]string{}, argFiles: map[string]bool{},
	}
	for _, s := range d.specs {
		key := s.name()
		d.flags[key], d.valueFlags[key] = flagSpellings(s)
		s.flags.VisitAll(func(f *flag.Flag) {
			vals, files := flagValues(s, f)
			k := [2]string{key, flagSpelling(f.Name)}
			if len(vals) > 0 {
				d.values[k] = vals
			}
			if files {
				d.files[k] = true
			}
		})
		if key == "" {
			d.args[key] = s.subs
			continue
		}
		d.args[key], d.argFiles[key] = positionalValues(s)
	}
	d.args["help"] = commandNames(commands())
	return d
}

// shCase writes a shell function that maps its arguments, joined as "$1|$2" (or "$1"),
// to a word list: one case arm per distinct list. A key starting with "*" matches any
// prefix. It is valid bash and zsh.
func shCase(b *strings.Builder, fn, subject string, arms map[string]string) {
	// Group keys by value, so that the 25 commands sharing --region's list share one arm.
	byValue := map[string][]string{}
	for k, v := range arms {
		byValue[v] = append(byValue[v], k)
	}
	values := make([]string, 0, len(byValue))
	for v := range byValue {
		values = append(values, v)
	}
	slices.SortFunc(values, func(x, y string) int { return strings.Compare(slices.Min(byValue[x]), slices.Min(byValue[y])) })
	fmt.Fprintf(b, "%s() {\n\tcase \"%s\" in\n", fn, subject)
	for _, v := range values {
		keys := byValue[v]
		slices.Sort(keys)
		quoted := make([]string, len(keys))
		for i, k := range keys {
			if rest, ok := strings.CutPrefix(k, "*"); ok {
				quoted[i] = "*" + shQuote(rest) // a glob: any command path
			} else {
				quoted[i] = shQuote(k)
			}
		}
		fmt.Fprintf(b, "\t%s) echo %s ;;\n", strings.Join(quoted, "|"), shQuote(v))
	}
	b.WriteString("\tesac\n}\n")
}

// shQuote quotes s for a POSIX shell.
func shQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// shFunctions writes the data functions bash and zsh share:
//
//	_appmesh_envoy_flags PATH          every flag of the command
//	_appmesh_envoy_value_flags PATH    the flags that take a value, space-padded
//	_appmesh_envoy_values PATH FLAG    the values of a flag ("__files__" for paths)
//	_appmesh_envoy_args PATH           positional values ("__files__" adds paths)
//	_appmesh_envoy_subs PATH           subcommand names
func (d completionData) shFunctions(b *strings.Builder) {
	flags, valueFlags, values, args, subs := map[string]string{}, map[string]string{}, map[string]string{}, map[string]string{}, map[string]string{}
	for _, s := range d.specs {
		key := s.name()
		flags[key] = strings.Join(d.flags[key], " ")
		valueFlags[key] = " " + strings.Join(d.valueFlags[key], " ") + " "
		a := slices.Clone(d.args[key])
		if d.argFiles[key] {
			a = append(a, "__files__")
		}
		if len(a) > 0 {
			args[key] = strings.Join(a, " ")
		}
		if key != "" && len(s.subs) > 0 {
			subs[key] = strings.Join(s.subs, " ")
			// "CMD -": the command without its subcommands (see shWalk).
			flags[key+" -"], valueFlags[key+" -"] = flags[key], valueFlags[key]
		}
	}
	args["help"] = strings.Join(d.args["help"], " ")
	perFlag := map[string]map[string]bool{} // flag spelling -> distinct value lists
	add := func(k [2]string, v string) {
		values[k[0]+"|"+k[1]] = v
		if perFlag[k[1]] == nil {
			perFlag[k[1]] = map[string]bool{}
		}
		perFlag[k[1]][v] = true
	}
	for k, v := range d.values {
		add(k, strings.Join(v, " "))
		if s := findSpec(d.specs, k[0]); s != nil && k[0] != "" && len(s.subs) > 0 {
			add([2]string{k[0] + " -", k[1]}, strings.Join(v, " "))
		}
	}
	for k := range d.files {
		add(k, "__files__")
	}
	// A flag with the same values wherever it appears gets one arm for every command
	// path ("*|--region"), which keeps the script short.
	for k, v := range values {
		_, spelling, _ := strings.Cut(k, "|")
		if len(perFlag[spelling]) == 1 {
			delete(values, k)
			values["*|"+spelling] = v
		}
	}
	shCase(b, "_appmesh_envoy_flags", "$1", flags)
	shCase(b, "_appmesh_envoy_value_flags", "$1", valueFlags)
	shCase(b, "_appmesh_envoy_values", "$1|$2", values)
	shCase(b, "_appmesh_envoy_args", "$1", args)
	shCase(b, "_appmesh_envoy_subs", "$1", subs)
}

// shWalk is the shell code (bash and zsh alike) that reads the words before the cursor,
// from index $first up to $last (exclusive) of the array W, and sets path (the command
// path, such as "image check") and after_dashdash. A word after a flag that takes a
// value is skipped; "=" words (bash splits --flag=value at COMP_WORDBREAKS) are skipped
// with their value. A command with subcommands that got a flag or an argument first
// gets the path "CMD -", which completes its flags but no subcommand.
const shWalk = `	local path="" after_dashdash="" nosub="" i=$first w
	while (( i < last )); do
		w=${W[i]}
		if [[ -n $after_dashdash ]]; then
			:
		elif [[ $w == -- ]]; then
			after_dashdash=1
		elif [[ $w == -* ]]; then
			[[ -n $path ]] && nosub=1
			if [[ $w != *=* && ${W[i+1]} == = ]]; then
				(( i += 2 ))
			elif [[ $w != *=* && $(_appmesh_envoy_value_flags "$path") == *" $w "* ]]; then
				(( i++ ))
			fi
		elif [[ -z $path ]]; then
			path=$w
		elif [[ -z $nosub && $path != *" "* && " $(_appmesh_envoy_subs "$path") " == *" $w "* ]]; then
			path="$path $w"
		else
			nosub=1
		fi
		(( i++ ))
	done
	# A subcommand comes right after its command, before any flag or argument.
	[[ -n $nosub && $path != *" "* && -n $(_appmesh_envoy_subs "$path") ]] && path="$path -"
`

const completionHeader = `# %s completion for appmesh-envoy, generated by 'appmesh-envoy completion %s'
# from the tool's command and flag tables; regenerate it after an upgrade.
`

// bashCompletion returns the bash completion script.
func bashCompletion(specs []commandSpec) string {
	d := newCompletionData(specs)
	var b strings.Builder
	fmt.Fprintf(&b, completionHeader, "bash", "bash")
	b.WriteString("# Load it with: source <(appmesh-envoy completion bash)\n\n")
	d.shFunctions(&b)
	b.WriteString(`
# _appmesh_envoy_reply WORDS CUR [PREFIX]: the words matching CUR ("__files__": paths).
_appmesh_envoy_reply() {
	local words=$1 cur=$2 prefix=$3 w
	if [[ " $words " == *" __files__ "* ]]; then
		words=${words//__files__/}
		compopt -o filenames 2>/dev/null
		while IFS= read -r w; do COMPREPLY+=("$prefix$w"); done < <(compgen -f -- "$cur")
	fi
	while IFS= read -r w; do [[ -n $w ]] && COMPREPLY+=("$prefix$w"); done < <(compgen -W "$words" -- "$cur")
}

_appmesh_envoy() {
	COMPREPLY=()
	local W=("${COMP_WORDS[@]}") first=1 last=$COMP_CWORD
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} flag=""
`)
	b.WriteString(shWalk)
	b.WriteString(`	# A flag's value: "--flag VALUE", "--flag=VALUE" (split at = by bash, or not).
	if [[ $cur == = && $prev == -* ]]; then
		flag=$prev cur=""
	elif [[ $prev == = && ${COMP_WORDS[COMP_CWORD-2]} == -* ]]; then
		flag=${COMP_WORDS[COMP_CWORD-2]}
	elif [[ -z $after_dashdash && $prev == -* && $prev != *=* && $(_appmesh_envoy_value_flags "$path") == *" $prev "* ]]; then
		flag=$prev
	elif [[ -z $after_dashdash && $cur == -*=* ]]; then
		_appmesh_envoy_reply "$(_appmesh_envoy_values "$path" "${cur%%=*}")" "${cur#*=}" "${cur%%=*}="
		return 0
	fi
	if [[ -n $flag ]]; then
		_appmesh_envoy_reply "$(_appmesh_envoy_values "$path" "$flag")" "$cur"
		return 0
	fi
	if [[ -z $after_dashdash && $cur == -* ]]; then
		_appmesh_envoy_reply "$(_appmesh_envoy_flags "$path")" "$cur"
		return 0
	fi
	_appmesh_envoy_reply "$(_appmesh_envoy_args "$path")" "$cur"
	return 0
}

complete -F _appmesh_envoy appmesh-envoy
`)
	return b.String()
}

// zshCompletion returns the zsh completion script: the same walk as bash's over zsh's
// words array, answered with compadd.
func zshCompletion(specs []commandSpec) string {
	d := newCompletionData(specs)
	var b strings.Builder
	b.WriteString("#compdef appmesh-envoy\n")
	fmt.Fprintf(&b, completionHeader, "zsh", "zsh")
	b.WriteString("# Load it with: source <(appmesh-envoy completion zsh) after compinit, or save it as\n# _appmesh-envoy in a directory of $fpath.\n\n")
	d.shFunctions(&b)
	b.WriteString(`
# _appmesh_envoy_add WORDS: offer the words ("__files__": paths).
_appmesh_envoy_add() {
	local -a vals
	if [[ " $1 " == *" __files__ "* ]]; then
		_files
	fi
	vals=(${=${1//__files__/}})
	(( ${#vals} )) && compadd -- "${vals[@]}"
}

_appmesh_envoy() {
	emulate -L zsh
	setopt ksharrays
	local -a W
	W=("${words[@]}")
	local first=1 last=$(( CURRENT - 1 ))
	local cur=${W[last]} prev=${W[last-1]}
`)
	b.WriteString(shWalk)
	b.WriteString(`	if [[ -z $after_dashdash && $cur == -*=* ]]; then
		local flag=${cur%%=*}
		compset -P '*='
		_appmesh_envoy_add "$(_appmesh_envoy_values "$path" "$flag")"
	elif [[ -z $after_dashdash && $prev == -* && $prev != *=* && $(_appmesh_envoy_value_flags "$path") == *" $prev "* ]]; then
		_appmesh_envoy_add "$(_appmesh_envoy_values "$path" "$prev")"
	elif [[ -z $after_dashdash && $cur == -* ]]; then
		_appmesh_envoy_add "$(_appmesh_envoy_flags "$path")"
	else
		_appmesh_envoy_add "$(_appmesh_envoy_args "$path")"
	fi
}

if [[ $funcstack[1] == _appmesh-envoy ]]; then
	_appmesh_envoy "$@"
else
	compdef _appmesh_envoy appmesh-envoy
fi
`)
	return b.String()
}

// fishQuote quotes s for fish.
func fishQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// fishCompletion returns the fish completion script: a function that reads the command
// path from the command line, and one 'complete' line per command, flag and value set.
func fishCompletion(specs []commandSpec) string {
	d := newCompletionData(specs)
	var b strings.Builder
	fmt.Fprintf(&b, completionHeader, "fish", "fish")
	b.WriteString("# Save it as ~/.config/fish/completions/appmesh-envoy.fish\n\n")
	// The value flags and subcommands per path, for the walk.
	b.WriteString("function __appmesh_envoy_value_flag --argument-names path flag\n\tswitch \"$path\"\n")
	for _, s := range d.specs {
		fmt.Fprintf(&b, "\tcase %s\n\t\tcontains -- $flag %s\n", fishQuote(s.name()), strings.Join(quoteAll(d.valueFlags[s.name()], fishQuote), " "))
	}
	b.WriteString("\tend\nend\n\n")
	// __appmesh_envoy_is_sub PATH WORD: WORD is a subcommand of PATH; WORD '' asks
	// whether PATH has subcommands at all.
	b.WriteString("function __appmesh_envoy_is_sub --argument-names path word\n\tswitch \"$path\"\n")
	for _, s := range d.specs {
		if s.name() != "" && len(s.subs) > 0 {
			fmt.Fprintf(&b, "\tcase %s\n\t\ttest -z \"$word\"; and return 0\n\t\tcontains -- $word %s\n\t\treturn\n", fishQuote(s.name()), strings.Join(quoteAll(s.subs, fishQuote), " "))
		}
	}
	b.WriteString("\tend\n\treturn 1\nend\n\n")
	b.WriteString(`# __appmesh_envoy_path prints the command path of the words before the cursor.
function __appmesh_envoy_path
	set -l words (commandline -opc)
	set -e words[1]
	set -l path ''
	set -l skip 0
	set -l nosub 0
	for w in $words
		if test $skip -eq 1
			set skip 0
		else if test "$w" = --
			break
		else if string match -q -- '-*' $w
			test -n "$path"; and set nosub 1
			if not string match -q -- '*=*' $w; and __appmesh_envoy_value_flag "$path" $w
				set skip 1
			end
		else if test -z "$path"
			set path $w
		else if test $nosub -eq 0; and not string match -q -- '* *' $path; and __appmesh_envoy_is_sub "$path" $w
			set path "$path $w"
		else
			set nosub 1
		end
	end
	# A subcommand comes right after its command, before any flag or argument.
	if test $nosub -eq 1; and not string match -q -- '* *' $path; and __appmesh_envoy_is_sub "$path" ''
		set path "$path -"
	end
	echo $path
end

complete -c appmesh-envoy -f
`)
	for _, name := range d.args["help"] {
		fmt.Fprintf(&b, "complete -c appmesh-envoy %s -a %s\n", fishCond("help"), fishQuote(name))
	}
	for _, s := range d.specs {
		key := s.name()
		cond := fishCond(key)
		for _, a := range d.args[key] {
			desc := ""
			if sub := findSpec(d.specs, strings.TrimSpace(key+" "+a)); sub != nil {
				desc = " -d " + fishQuote(sub.summary)
			}
			fmt.Fprintf(&b, "complete -c appmesh-envoy %s -a %s%s\n", cond, fishQuote(a), desc)
		}
		if d.argFiles[key] {
			fmt.Fprintf(&b, "complete -c appmesh-envoy %s -F\n", cond)
		}
		if key != "" && len(s.subs) > 0 {
			cond = fishCond(key, key+" -") // its flags, also after a flag or argument
		}
		s.flags.VisitAll(func(f *flag.Flag) {
			spelling := "-l " + f.Name
			if len(f.Name) == 1 {
				spelling = "-s " + f.Name
			}
			line := fmt.Sprintf("complete -c appmesh-envoy %s %s", cond, spelling)
			k := [2]string{key, flagSpelling(f.Name)}
			switch {
			case d.files[k]:
				line += " -r -F"
			case len(d.values[k]) > 0:
				line += " -x -a " + fishQuote(strings.Join(d.values[k], " "))
			case !isBoolFlag(f):
				line += " -x"
			}
			_, usage := flag.UnquoteUsage(f)
			fmt.Fprintf(&b, "%s -d %s\n", line, fishQuote(usage))
		})
		fmt.Fprintf(&b, "complete -c appmesh-envoy %s -s h -l help -d 'show help'\n", cond)
	}
	return b.String()
}

// fishCond is the condition of a 'complete' line for the command paths keys.
func fishCond(keys ...string) string {
	return "-n " + fishQuote(`contains -- "$(__appmesh_envoy_path)" `+strings.Join(quoteAll(keys, fishQuote), " "))
}

func findSpec(specs []commandSpec, name string) *commandSpec {
	for i := range specs {
		if specs[i].name() == name {
			return &specs[i]
		}
	}
	return nil
}

func quoteAll(in []string, q func(string) string) []string {
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = q(s)
	}
	return out
}
