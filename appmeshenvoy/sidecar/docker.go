package sidecar

import "strings"

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
	if s != "" && isSafe(s, "_./:@%+,=-") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// isSafe reports whether s has only ASCII letters, digits and bytes in extra.
func isSafe(s, extra string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte(extra, c) >= 0 {
			continue
		}
		return false
	}
	return true
}
