package rewrite

import (
	"github.com/aymanbagabas/go-udiff"
)

// Diff returns a unified diff (three lines of context) from old to new, labelled
// "a/"+name and "b/"+name, or "" when they are equal. It is computed by
// github.com/aymanbagabas/go-udiff, a copy of the diff package of gopls.
func Diff(name string, old, new []byte) string {
	if string(old) == string(new) {
		return ""
	}
	return udiff.Unified("a/"+name, "b/"+name, string(old), string(new))
}
