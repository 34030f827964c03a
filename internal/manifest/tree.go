// Package manifest finds the container images of Kubernetes manifests and Amazon ECS
// task definitions together with the exact bytes of each image value in the source, so
// that a caller can report them by line and column and replace one value without
// re-serializing the document (comments, key order and formatting stay).
//
// YAML (any number of documents, anchors and aliases, comments) is read with
// go.yaml.in/yaml/v3, whose nodes carry line and column; JSON is read with
// encoding/json's token stream, which carries byte offsets (JSON is read as JSON, not as
// YAML, because YAML 1.1 parsers reject valid JSON escapes such as "\/").
package manifest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/appmesh-envoy/appmesh-envoy-go/internal/errcode"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/lazyregexp"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/quote"
)

// MaxSize is the largest input read: far above any manifest or task definition (ECS
// limits a task definition to 64 KiB), and small enough to hold in memory.
const MaxSize = 32 << 20

// ErrSyntax is matched by the errors of input that is not YAML or JSON, or not the
// shape expected (code invalid-input).
var ErrSyntax error = errcode.New(errcode.InvalidInput, "malformed input")

// SyntaxError is input that could not be read, with the position of the problem when
// the parser gave one.
type SyntaxError struct {
	// Line and Column locate the problem, from 1; 0 when unknown.
	Line, Column int
	// Msg says what is wrong.
	Msg string
}

// Error returns "line L, column C: msg".
func (e *SyntaxError) Error() string {
	switch {
	case e.Line > 0 && e.Column > 0:
		return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Column, e.Msg)
	case e.Line > 0:
		return fmt.Sprintf("line %d: %s", e.Line, e.Msg)
	}
	return e.Msg
}

// Unwrap returns [ErrSyntax].
func (e *SyntaxError) Unwrap() error { return ErrSyntax }

// kind of a node.
type kind byte

const (
	scalarNode kind = iota + 1
	mappingNode
	sequenceNode
)

// node is a parsed value with, for scalars, the place of its text in the source.
type node struct {
	kind  kind
	keys  []string // mapping keys, aligned with items
	items []*node  // mapping values or sequence items
	value string   // scalar value
	str   bool     // the scalar is a string
	// start and end are the byte span of a scalar's text (its quotes included, its
	// anchor and tag not); problem says why it could not be located ("" when it was).
	start, end int
	line, col  int // 1-based; col counts bytes
	quote      byte
	problem    string
	paths      int // how many paths from the document's root reach this node (YAML aliases)
}

// get returns the value of key in a mapping (following YAML merge keys "<<"), or nil.
func (n *node) get(key string) *node {
	if n == nil || n.kind != mappingNode {
		return nil
	}
	for i, k := range n.keys {
		if k == key {
			return n.items[i]
		}
	}
	for i, k := range n.keys {
		if k != "<<" {
			continue
		}
		merged := []*node{n.items[i]}
		if n.items[i].kind == sequenceNode {
			merged = n.items[i].items
		}
		for _, m := range merged {
			if v := m.get(key); v != nil {
				return v
			}
		}
	}
	return nil
}

// text returns a string scalar's value, or "".
func (n *node) text() string {
	if n == nil || n.kind != scalarNode || !n.str {
		return ""
	}
	return n.value
}

// path follows keys from n.
func (n *node) path(keys ...string) *node {
	for _, k := range keys {
		n = n.get(k)
	}
	return n
}

// isJSON reports whether data starts (after white space and a BOM) like JSON.
func isJSON(data []byte) bool {
	t := bytes.TrimLeft(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")), " \t\r\n")
	return len(t) > 0 && (t[0] == '{' || t[0] == '[')
}

// lines indexes the start offset of every line of data.
type lines []int

func newLines(data []byte) lines {
	ls := lines{0}
	for i, b := range data {
		if b == '\n' {
			ls = append(ls, i+1)
		}
	}
	return ls
}

// position returns the line and byte column (both from 1) of offset off.
func (ls lines) position(off int) (line, col int) {
	lo, hi := 0, len(ls)-1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if ls[mid] <= off {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo + 1, off - ls[lo] + 1
}

// offset returns the byte offset of line and character column (from 1), or -1.
func (ls lines) offset(data []byte, line, col int) int {
	if line < 1 || line > len(ls) || col < 1 {
		return -1
	}
	off := ls[line-1]
	for i := 1; i < col; i++ {
		if off >= len(data) || data[off] == '\n' {
			return -1
		}
		_, size := utf8.DecodeRune(data[off:])
		off += size
	}
	return off
}

// parse reads every document of data, YAML or JSON.
func parse(data []byte) ([]*node, error) {
	if len(data) > MaxSize {
		return nil, &SyntaxError{Msg: fmt.Sprintf("larger than %d MiB", MaxSize>>20)}
	}
	if isJSON(data) {
		return parseJSON(data)
	}
	return parseYAML(data)
}

// parseJSON reads a stream of JSON values.
func parseJSON(data []byte) ([]*node, error) {
	ls := newLines(data)
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var docs []*node
	for {
		n, err := jsonValue(dec, data, ls, 0)
		if err == io.EOF {
			return docs, nil
		}
		if err != nil {
			return nil, jsonError(err, dec, ls)
		}
		if err := countPaths(n); err != nil {
			return nil, err
		}
		docs = append(docs, n)
	}
}

// maxPaths bounds the nodes visited when counting paths: aliases can make a small YAML
// document describe an exponentially large tree ("billion laughs").
const maxPaths = 1 << 20

// countPaths sets every node's paths: how many ways lead to it from root.
func countPaths(root *node) error {
	budget := maxPaths
	var walk func(n *node) bool
	walk = func(n *node) bool {
		if budget--; budget < 0 {
			return false
		}
		n.paths++
		for _, c := range n.items {
			if !walk(c) {
				return false
			}
		}
		return true
	}
	if !walk(root) {
		return &SyntaxError{Msg: "its aliases expand to more than a million nodes"}
	}
	return nil
}

// maxDepth bounds nesting, as encoding/json does (10000) but far lower: real manifests
// nest a few dozen levels.
const maxDepth = 1000

var errTooDeep = errors.New("nested more than 1000 levels")

func jsonValue(dec *json.Decoder, data []byte, ls lines, depth int) (*node, error) {
	if depth > maxDepth {
		return nil, errTooDeep
	}
	// Only the first token of a document may meet the end of the input.
	token := func() (json.Token, error) {
		t, err := dec.Token()
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return t, err
	}
	before := int(dec.InputOffset())
	tok, err := dec.Token()
	if err == io.EOF && depth > 0 {
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		n := &node{kind: mappingNode}
		if t == '[' {
			n.kind = sequenceNode
		} else if t != '{' {
			return nil, fmt.Errorf("unexpected %q", rune(t))
		}
		for dec.More() {
			if n.kind == mappingNode {
				k, err := token()
				if err != nil {
					return nil, err
				}
				key, ok := k.(string)
				if !ok {
					return nil, errors.New("object key is not a string")
				}
				n.keys = append(n.keys, key)
			}
			v, err := jsonValue(dec, data, ls, depth+1)
			if err != nil {
				return nil, err
			}
			n.items = append(n.items, v)
		}
		if _, err := token(); err != nil { // the closing delimiter
			return nil, err
		}
		return n, nil
	case string:
		end := int(dec.InputOffset())
		start := before + bytes.IndexByte(data[before:end], '"')
		line, col := ls.position(start)
		return &node{kind: scalarNode, value: t, str: true, start: start, end: end, line: line, col: col, quote: '"'}, nil
	case nil:
		return &node{kind: scalarNode, value: "null", start: -1, end: -1}, nil
	default:
		return &node{kind: scalarNode, value: fmt.Sprint(t), start: -1, end: -1}, nil
	}
}

// jsonError turns a decoding error into a *SyntaxError with a position.
func jsonError(err error, dec *json.Decoder, ls lines) error {
	var se *json.SyntaxError
	off := int(dec.InputOffset())
	msg := err.Error()
	switch {
	case errors.As(err, &se):
		off = int(se.Offset)
		msg = "not valid JSON: " + se.Error()
	case err == io.ErrUnexpectedEOF:
		msg = "not valid JSON: unexpected end of input"
	default:
		msg = "not valid JSON: " + msg
	}
	line, col := ls.position(off)
	return &SyntaxError{Line: line, Column: col, Msg: quote.Text(msg, 200)}
}

// parseYAML reads every document of a YAML stream.
func parseYAML(data []byte) ([]*node, error) {
	ls := newLines(data)
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var docs []*node
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if err == io.EOF {
			return docs, nil
		}
		if err != nil {
			return nil, yamlError(err)
		}
		if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
			continue
		}
		c := &yamlConv{data: data, ls: ls, memo: map[*yaml.Node]*node{}}
		n, err := c.convert(doc.Content[0], 0)
		if err != nil {
			return nil, err
		}
		if err := countPaths(n); err != nil {
			return nil, err
		}
		docs = append(docs, n)
	}
}

var yamlLine = lazyregexp.New(`^yaml: line (\d+): (.*)$`)

func yamlError(err error) error {
	msg := err.Error()
	if m := yamlLine().FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &SyntaxError{Line: line, Msg: "not valid YAML: " + quote.Text(m[2], 200)}
	}
	return &SyntaxError{Msg: "not valid YAML: " + quote.Text(msg, 200)}
}

// yamlConv converts one document; memo makes an alias the same node as its anchor.
type yamlConv struct {
	data []byte
	ls   lines
	memo map[*yaml.Node]*node
}

func (c *yamlConv) convert(y *yaml.Node, depth int) (*node, error) {
	if depth > maxDepth {
		return nil, &SyntaxError{Line: y.Line, Msg: errTooDeep.Error()}
	}
	if y.Kind == yaml.AliasNode {
		if y.Alias == nil {
			return nil, &SyntaxError{Line: y.Line, Column: y.Column, Msg: "alias without anchor"}
		}
		y = y.Alias
	}
	if n, ok := c.memo[y]; ok {
		return n, nil
	}
	n := &node{}
	c.memo[y] = n
	switch y.Kind {
	case yaml.MappingNode:
		n.kind = mappingNode
		for i := 0; i+1 < len(y.Content); i += 2 {
			v, err := c.convert(y.Content[i+1], depth+1)
			if err != nil {
				return nil, err
			}
			n.keys = append(n.keys, y.Content[i].Value)
			n.items = append(n.items, v)
		}
	case yaml.SequenceNode:
		n.kind = sequenceNode
		for _, item := range y.Content {
			v, err := c.convert(item, depth+1)
			if err != nil {
				return nil, err
			}
			n.items = append(n.items, v)
		}
	case yaml.ScalarNode:
		n.kind = scalarNode
		n.value = y.Value
		n.str = y.ShortTag() == "!!str"
		c.locate(y, n)
	default:
		n.kind = scalarNode
		n.start, n.end = -1, -1
	}
	return n, nil
}

// locate finds the bytes of a scalar's text: from its position (which is that of its
// anchor or tag when it has one) past any properties, to the end of its quotes or of
// its plain text; then checks that those bytes read back as the scalar's value.
func (c *yamlConv) locate(y *yaml.Node, n *node) {
	n.start, n.end = -1, -1
	fail := func(why string) { n.problem = why }
	off := c.ls.offset(c.data, y.Line, y.Column)
	if off < 0 {
		fail("its position is outside the input")
		return
	}
	d := c.data
	for off < len(d) && (d[off] == '&' || d[off] == '!') {
		for off < len(d) && !isSpace(d[off]) {
			off++
		}
		for off < len(d) && (isSpace(d[off]) || d[off] == '\n' || d[off] == '\r') {
			off++
		}
	}
	n.line, n.col = c.ls.position(off)
	end := -1
	switch {
	case y.Style&yaml.DoubleQuotedStyle != 0:
		n.quote = '"'
		for i := off + 1; i < len(d); i++ {
			if d[i] == '\\' {
				i++
			} else if d[i] == '"' {
				end = i + 1
				break
			}
		}
	case y.Style&yaml.SingleQuotedStyle != 0:
		n.quote = '\''
		for i := off + 1; i < len(d); i++ {
			if d[i] == '\'' {
				if i+1 < len(d) && d[i+1] == '\'' {
					i++
					continue
				}
				end = i + 1
				break
			}
		}
	case y.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0:
		fail("it is a block scalar (| or >)")
		return
	default:
		if bytes.HasPrefix(d[off:], []byte(y.Value)) {
			e := off + len(y.Value)
			if e == len(d) || isSpace(d[e]) || d[e] == '\n' || d[e] == '\r' || d[e] == ',' || d[e] == ']' || d[e] == '}' {
				end = e
			}
		}
	}
	if end < 0 {
		fail("its text could not be found where the parser put it (a multi-line value?)")
		return
	}
	if n.quote != 0 {
		var back string
		if err := yaml.Unmarshal(d[off:end], &back); err != nil || back != y.Value {
			fail("its quoted text does not read back as its value")
			return
		}
	}
	n.start, n.end = off, end
}

func isSpace(b byte) bool { return b == ' ' || b == '\t' }
