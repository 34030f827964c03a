// Package lazyregexp compiles regular expressions on first use rather than at package
// initialisation, so that programs (and CLI commands) that never need a pattern do not
// pay for compiling it at start-up.
package lazyregexp

import (
	"regexp"
	"sync"
)

// New returns a function that compiles expr the first time it is called and returns the
// same *regexp.Regexp on every call. It panics (on first use) if expr does not compile,
// like [regexp.MustCompile]: patterns are constants of the program. It is safe for
// concurrent use.
func New(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}
