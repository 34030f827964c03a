package appmeshenvoy

import (
	"fmt"
	"log/slog"
)

// redacted is what every printing method of [Secret] shows instead of the value.
const redacted = "[REDACTED]"

// Secret is a string that does not print: [Secret.String], [Secret.GoString],
// [Secret.Format] (every fmt verb), [Secret.MarshalJSON], [Secret.MarshalText] (and so
// encoding/xml) and [Secret.LogValue] all show "[REDACTED]"; encoding/gob refuses to
// encode a Secret. Only [Secret.Reveal] returns the value.
//
// The value is kept out of reach of reflection too: a Secret holds a pointer to an
// unexported struct whose only field is a function that returns the value, and a
// function's captured variables cannot be read through package reflect. So tools that
// print values by walking them — go-cmp's diff (which, when two secrets differ but print
// alike, walks into their fields), github.com/davecgh/go-spew even with its methods
// disabled, fmt on a Secret held in an unexported field — show at most a pointer or
// function address, never the text.
//
// The zero value is the empty secret. Secrets compare with [Secret.Equal], which go-cmp
// uses; == compares identity (two secrets made from one string by two calls of
// [NewSecret] are not ==), so do not use it. A Secret is immutable and safe for
// concurrent use.
type Secret struct {
	p *secretValue
}

// secretValue holds a secret's text where reflection cannot read it: in a closure.
type secretValue struct {
	text func() string
}

// String returns "[REDACTED]", for printers that reach the pointer and call its methods.
func (*secretValue) String() string { return redacted }

// GoString returns "[REDACTED]".
func (*secretValue) GoString() string { return redacted }

// NewSecret wraps s in a [Secret].
func NewSecret(s string) Secret {
	if s == "" {
		return Secret{}
	}
	return Secret{p: &secretValue{text: func() string { return s }}}
}

// Reveal returns the secret value. Call it only where the value must leave the process
// (an HTTP header, a credential helper's stdin, a config file).
func (s Secret) Reveal() string {
	if s.p == nil {
		return ""
	}
	return s.p.text()
}

// IsZero reports whether the secret is empty.
func (s Secret) IsZero() bool { return s.p == nil || s.p.text() == "" }

// Equal reports whether s and o hold the same value.
func (s Secret) Equal(o Secret) bool { return s.Reveal() == o.Reveal() }

// String returns "[REDACTED]".
func (s Secret) String() string { return redacted }

// GoString returns "[REDACTED]", so %#v does not show the value either.
func (s Secret) GoString() string { return redacted }

// Format writes "[REDACTED]" for every verb and flag, including %v, %+v, %#v, %s, %q and
// %x.
func (s Secret) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		fmt.Fprintf(f, "%q", redacted)
		return
	}
	_, _ = f.Write([]byte(redacted))
}

// MarshalJSON returns the JSON string "[REDACTED]". A Secret cannot be round-tripped
// through JSON on purpose; write the revealed value explicitly where it is needed.
func (s Secret) MarshalJSON() ([]byte, error) {
	return []byte(`"` + redacted + `"`), nil
}

// MarshalText returns "[REDACTED]", for encoders that use encoding.TextMarshaler (such
// as encoding/xml, YAML and TOML libraries, and map keys).
func (s Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// LogValue returns "[REDACTED]" as a [slog.Value], so a Secret logged with log/slog does
// not leak.
func (s Secret) LogValue() slog.Value { return slog.StringValue(redacted) }

var (
	_ fmt.Stringer   = Secret{}
	_ fmt.GoStringer = Secret{}
	_ fmt.Formatter  = Secret{}
	_ slog.LogValuer = Secret{}
)
