package sidecar

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"syscall"

	"github.com/appmesh-envoy/appmesh-envoy-go/internal/errcode"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/quote"
)

// MaxEnvFileSize is the largest dotenv file [ParseEnvFile] reads: 1 MiB, far more than
// any container environment (ECS caps a container definition's environment well below
// it).
const MaxEnvFileSize = 1 << 20

// ParseEnvFile reads a dotenv file (see [SplitEnvLines]) of at most [MaxEnvFileSize]
// bytes and parses it with [ParseEnv]. Input that is not an environment file (too large,
// a directory, a line that is not NAME=value, a NUL byte) gives an error matching
// [ErrNotEnvironment]; a failing read gives an error with the code file-error.
func ParseEnvFile(r io.Reader, optFns ...func(*ParseOptions)) (ContainerConfig, []Finding, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxEnvFileSize+1))
	if err != nil {
		if errors.Is(err, syscall.EISDIR) {
			return ContainerConfig{}, nil, errcode.Wrap(ErrNotEnvironment, "a directory is not an environment file; give a dotenv file", nil)
		}
		return ContainerConfig{}, nil, &errcode.Error{Code: errcode.FileError, Msg: "read environment file: " + quote.Text(err.Error(), 200), Cause: err}
	}
	if len(b) > MaxEnvFileSize {
		return ContainerConfig{}, nil, errcode.Wrap(ErrNotEnvironment, "larger than 1 MiB, which no environment file is", nil)
	}
	environ, err := SplitEnvLines(b)
	if err != nil {
		return ContainerConfig{}, nil, err
	}
	return ParseEnv(environ, optFns...)
}

// SplitEnvLines splits a dotenv file into NAME=value entries for [ParseEnv]. It accepts
// blank lines, comment lines starting with #, an optional "export " prefix, CRLF line
// ends and a leading UTF-8 byte order mark. Values may be single-quoted (taken
// literally), double-quoted (with the escapes \n \r \t \" \\ and \$) or unquoted. An
// unquoted value after a bare "=" is taken as written, white space included, as docker
// --env-file and ECS environment files take it (the agent does not trim some variables,
// so " 30" and "30" differ); after " = " (spaces around "="), surrounding blanks are
// dropped. In an unquoted value an inline comment starts at " #". A NUL byte, a line
// without "=", an invalid name or a broken quote is an [*EnvSyntaxError] naming the line.
func SplitEnvLines(b []byte) ([]string, error) {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	var out []string
	for i, raw := range strings.Split(string(b), "\n") {
		n := i + 1
		line := strings.TrimSuffix(raw, "\r")
		if strings.IndexByte(line, 0) >= 0 {
			return nil, &EnvSyntaxError{Line: n, Reason: "contains a NUL byte"}
		}
		line = strings.TrimLeft(line, " \t")
		if line == "" || line[0] == '#' {
			continue
		}
		if rest, ok := strings.CutPrefix(line, "export"); ok && rest != "" && (rest[0] == ' ' || rest[0] == '\t') {
			line = strings.TrimLeft(rest, " \t")
		}
		name, value, ok := strings.Cut(line, "=")
		if !ok {
			return nil, &EnvSyntaxError{Line: n, Reason: "no \"=\" between name and value"}
		}
		bare := strings.TrimRight(name, " \t")
		spaced := bare != name
		name = bare
		if !envNameRe().MatchString(name) {
			return nil, &EnvSyntaxError{Line: n, Reason: "invalid variable name " + quote.Input(name) + " (letters, digits and _, not starting with a digit)"}
		}
		if t := strings.TrimLeft(value, " \t"); spaced || t != "" && (t[0] == '"' || t[0] == '\'') {
			value = t
		}
		v, err := dotenvValue(value, !spaced)
		if err != "" {
			return nil, &EnvSyntaxError{Line: n, Reason: err}
		}
		out = append(out, name+"="+v)
	}
	return out, nil
}

// dotenvValue decodes the value part of a dotenv line. asWritten keeps the blanks of
// an unquoted value.
func dotenvValue(s string, asWritten bool) (string, string) {
	if s == "" {
		return "", ""
	}
	var v, rest string
	switch s[0] {
	case '\'':
		end := strings.IndexByte(s[1:], '\'')
		if end < 0 {
			return "", "unterminated single quote"
		}
		v, rest = s[1:1+end], s[2+end:]
	case '"':
		var b strings.Builder
		i := 1
		closed := false
		for i < len(s) {
			ch := s[i]
			if ch == '"' {
				closed = true
				i++
				break
			}
			if ch == '\\' && i+1 < len(s) {
				switch s[i+1] {
				case 'n':
					b.WriteByte('\n')
				case 'r':
					b.WriteByte('\r')
				case 't':
					b.WriteByte('\t')
				case '"', '\\', '$':
					b.WriteByte(s[i+1])
				default:
					b.WriteByte('\\')
					b.WriteByte(s[i+1])
				}
				i += 2
				continue
			}
			b.WriteByte(ch)
			i++
		}
		if !closed {
			return "", "unterminated double quote"
		}
		v, rest = b.String(), s[i:]
	default:
		for i := 0; i < len(s); i++ {
			if s[i] == '#' && i > 0 && (s[i-1] == ' ' || s[i-1] == '\t') {
				return strings.TrimRight(s[:i], " \t"), ""
			}
		}
		if asWritten {
			return s, ""
		}
		return strings.TrimRight(s, " \t"), ""
	}
	rest = strings.TrimLeft(rest, " \t")
	if rest != "" && rest[0] != '#' {
		return "", "text after the closing quote (start a comment with #)"
	}
	return v, ""
}

// Dotenv returns env as a dotenv file, one NAME=value per line, readable by docker
// --env-file when no value needs quotes, and by [ParseEnvFile] always: a value with
// characters other than letters, digits and _./:@%+,=- (or an empty one) is
// double-quoted, with \\, \", \$, \n, \r and \t escaped.
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
	if s != "" && isSafe(s, "_./:@%+,=-") {
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
