package appmeshenvoy

import (
	"regexp"
	"sync"
)

// lazyRegexp compiles expr on first use rather than at package initialisation, so that
// programs that never validate a container configuration (or whose command does not need
// it) do not pay for compiling every pattern at start-up.
func lazyRegexp(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}
