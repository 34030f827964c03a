package appmeshenvoy

import (
	"fmt"
	"log/slog"
)

// redacted is what every printing method of [Secret] shows instead of the value.
const redacted = "[REDACTED]"

// Secret is a string that does not print: [Secret.String], [Secret.GoString],
// [Secret.Format] (every fmt verb), [Secret.MarshalJSON] and [Secret.LogValue] all show
// "[REDACTED]". Only [Secret.Reveal] returns the value.
//
// The value sits behind an unexported pointer: fmt prints a Secret held in an exported
// field through the redacting methods, and one held in an unexported field (where fmt
// cannot call methods) as a pointer address, never as the text.
//
// The zero value is the empty secret. Secrets compare with [Secret.Equal] (which go-cmp
// uses), not ==. A Secret is immutable and safe for concurrent use.
type Secret struct {
	p *string
}

// NewSecret wraps s in a [Secret].
func NewSecret(s string) Secret {
	if s == "" {
		return Secret{}
	}
	return Secret{p: &s}
}

// Reveal returns the secret value. Call it only where the value must leave the process
// (an HTTP header, a credential helper's stdin, a config file).
func (s Secret) Reveal() string {
	if s.p == nil {
		return ""
	}
	return *s.p
}

// IsZero reports whether the secret is empty.
func (s Secret) IsZero() bool { return s.p == nil || *s.p == "" }

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

// MarshalText returns "[REDACTED]", for encoders (such as YAML or TOML libraries and
// map keys) that use encoding.TextMarshaler.
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
