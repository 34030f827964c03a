package sidecar

import (
	"bytes"
	"encoding/json"
	"strings"

	"go.yaml.in/yaml/v3"
)

// ECSEnvironmentJSON returns env as the environment list of an ECS container definition,
// indented: [{"name": "...", "value": "..."}], in the order given ([ContainerConfig.Env]
// sorts by name). A nil or empty env gives [].
func ECSEnvironmentJSON(env []EnvVar) ([]byte, error) {
	if env == nil {
		env = []EnvVar{}
	}
	return ccJSON(env)
}

// EnvJSONObject returns env as one JSON object {"NAME": "value", ...} with sorted keys;
// a later duplicate name wins.
func EnvJSONObject(env []EnvVar) ([]byte, error) {
	m := make(map[string]string, len(env))
	for _, v := range env {
		m[v.Name] = v.Value
	}
	return ccJSON(m)
}

// ccJSON marshals v indented by two spaces, without HTML escaping, with a final newline.
func ccJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// KubernetesEnvYAML returns env as the env list of a Kubernetes container:
//
//	env:
//	  - name: ENVOY_LOG_LEVEL
//	    value: debug
//
// Values are quoted where YAML would otherwise read them as something other than a
// string ("1", "true", "0.05").
func KubernetesEnvYAML(env []EnvVar) ([]byte, error) {
	if env == nil {
		env = []EnvVar{}
	}
	return ccYAML(struct {
		Env []EnvVar `yaml:"env"`
	}{env})
}

// ccYAML marshals v as YAML indented by two spaces.
func ccYAML(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// DockerRunArgs returns env as docker run arguments for exec-style use (no shell):
// "-e", "NAME=value", "-e", ...
func DockerRunArgs(env []EnvVar) []string {
	out := make([]string, 0, 2*len(env))
	for _, v := range env {
		out = append(out, "-e", v.Name+"="+v.Value)
	}
	return out
}

// DockerRunFlags returns env as docker run flags for a POSIX shell command line,
// each NAME=value single-quoted when it holds characters the shell would interpret:
// -e ENVOY_LOG_LEVEL=debug -e 'DD_SERVICE=my service'.
func DockerRunFlags(env []EnvVar) string {
	parts := make([]string, 0, 2*len(env))
	for _, v := range env {
		parts = append(parts, "-e", ShellQuote(v.Name+"="+v.Value))
	}
	return strings.Join(parts, " ")
}

// ShellQuote quotes s for a POSIX shell: unchanged when it has only characters the shell
// takes literally, else in single quotes, each embedded single quote written as a
// backslash-escaped quote between two quoted parts.
func ShellQuote(s string) string {
	if s != "" && ccIsSafe(s, "_./:@%+,=-") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// ccIsSafe reports whether s has only ASCII letters, digits and bytes in extra.
func ccIsSafe(s, extra string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte(extra, c) >= 0 {
			continue
		}
		return false
	}
	return true
}

// Dotenv returns env as a dotenv file, one NAME=value per line, readable by docker
// --env-file when no value needs quotes, and by [ParseEnvFile] always: a value with
// characters other than letters, digits and _./:@%+,=- is double-quoted, with \\, \",
// \$, \n, \r and \t escaped.
func Dotenv(env []EnvVar) []byte {
	var b bytes.Buffer
	for _, v := range env {
		b.WriteString(v.Name)
		b.WriteByte('=')
		b.WriteString(dotenvQuote(v.Value))
		b.WriteByte('\n')
	}
	return b.Bytes()
}

func dotenvQuote(s string) string {
	if ccIsSafe(s, "_./:@%+,=-") {
		return s
	}
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\', '"', '$':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}
