package rewrite

import (
	"bytes"
	"slices"

	"github.com/appmesh-envoy/appmesh-envoy-go/internal/errcode"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/manifest"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/quote"
)

// edit replaces the bytes [start, end) — a scalar's text, quotes included — with value
// written in the same quoting style.
type edit struct {
	start, end int
	quote      byte
	value      string
}

// errSplice is a bug: edits that overlap or lie outside the input, or a value that the
// quoting style cannot hold.
var errSplice = errcode.New(errcode.Unknown, "rewrite: internal error: the planned edits do not fit the input")

// text returns the value written in the edit's quoting style. Image references are
// letters, digits and . _ - / : @, which need no escaping in any style; anything else is
// refused.
func (e edit) text() ([]byte, bool) {
	for i := 0; i < len(e.value); i++ {
		c := e.value[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || bytes.IndexByte([]byte("._-/:@"), c) >= 0) {
			return nil, false
		}
	}
	switch e.quote {
	case '"', '\'':
		return []byte(string(e.quote) + e.value + string(e.quote)), true
	}
	return []byte(e.value), true
}

// splice applies edits to data. Edits of the same span (a YAML anchor used by two
// containers) must agree.
func splice(data []byte, edits []edit) ([]byte, error) {
	edits = slices.Clone(edits)
	slices.SortFunc(edits, func(a, b edit) int { return a.start - b.start })
	var out bytes.Buffer
	out.Grow(len(data) + 128*len(edits))
	pos := 0
	for i, e := range edits {
		if i > 0 && e.start == edits[i-1].start {
			if e != edits[i-1] {
				return nil, errSplice
			}
			continue
		}
		t, ok := e.text()
		if e.start < pos || e.end < e.start || e.end > len(data) || !ok {
			return nil, errSplice
		}
		out.Write(data[pos:e.start])
		out.Write(t)
		pos = e.end
	}
	out.Write(data[pos:])
	return out.Bytes(), nil
}

// verify reads the rewritten output back and checks that it has the same images as the
// input, each with its old value except those edited, which have their new value: the
// output parses, and differs from the input only in the image values.
func verify(in, out []byte, locate func([]byte) ([]manifest.Image, error), edits []edit) error {
	before, err := locate(in)
	if err != nil {
		return err
	}
	after, err := locate(out)
	if err != nil {
		return errcode.Wrap(errSplice, "rewrite: internal error: the rewritten document does not parse: "+quote.Text(err.Error(), 200), err)
	}
	if len(after) != len(before) {
		return errSplice
	}
	newValue := map[int]string{}
	for _, e := range edits {
		newValue[e.start] = e.value
	}
	for i, b := range before {
		want := b.Value
		if v, ok := newValue[b.Start]; ok && b.Start >= 0 {
			want = v
		}
		if after[i].Value != want {
			return errcode.Wrap(errSplice, "rewrite: internal error: image "+quote.Input(b.Value)+" reads back as "+quote.Input(after[i].Value), nil)
		}
	}
	return nil
}
