package iampolicy

import (
	"regexp"
	"sync"
)

// lazyRegexp compiles expr on first use rather than at package initialisation, so that
// programs (and CLI commands) that never build or validate a policy do not pay for
// compiling every pattern at start-up.
func lazyRegexp(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}
