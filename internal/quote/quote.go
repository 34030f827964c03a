// Package quote makes untrusted text safe to put into a one-line message: an error, a
// log line, a table cell. Text from users, AWS endpoints, registries and credential
// helpers can hold control characters (a terminal escape sequence retitles the terminal
// or hides text), invalid UTF-8 and megabytes; what reaches a message never does.
package quote

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Max is the number of bytes of input [Input] shows.
const Max = 64

// Cut marks text that was shortened.
const Cut = "...(cut)"

// Input returns s as a Go string literal for an error message: at most [Max] bytes of it
// (never splitting a UTF-8 sequence), control characters and invalid UTF-8 escaped, and
// [Cut] after the closing quote when s was longer, so a reader never mistakes a cut value
// for what was typed.
func Input(s string) string {
	cut := false
	if len(s) > Max {
		s = Truncate(s, Max)
		cut = true
	}
	q := strconv.Quote(s)
	if cut {
		q += Cut
	}
	return q
}

// Truncate returns at most n bytes of s, cut back to the start of a UTF-8 sequence so
// that a valid string stays valid. It does not mark the cut.
func Truncate(s string, n int) string {
	if n < 0 {
		n = 0
	}
	if len(s) <= n {
		return s
	}
	i := n
	for i > 0 && i > n-utf8.UTFMax && !utf8.RuneStart(s[i]) {
		i--
	}
	if !utf8.RuneStart(s[i]) {
		i = n // not UTF-8 at all: cut at n
	}
	return s[:i]
}

// Text returns s fit for a terminal line without quotes: at most max bytes (then ending
// in [Cut]), with every control character (C0, DEL, C1, and the Unicode line and
// paragraph separators), invalid UTF-8 byte and non-printing rune replaced by '?', and
// runs of white space collapsed to one space. Use it for free text from endpoints, such
// as an AWS error message, that is shown as it is rather than quoted.
func Text(s string, max int) string {
	cut := false
	if len(s) > max {
		s = Truncate(s, max)
		cut = true
	}
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size <= 1:
			r = '?'
		case r == '\t' || r == '\n' || r == '\r' || r == ' ':
			if !space {
				b.WriteByte(' ')
			}
			space = true
			continue
		case !unicode.IsPrint(r) && r != ' ':
			r = '?'
		}
		space = false
		b.WriteRune(r)
	}
	out := strings.TrimSpace(b.String())
	if cut {
		out += Cut
	}
	return out
}
