package iampolicy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/appmesh-envoy/appmesh-envoy-go/internal/errcode"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/quote"
)

// Version is the current IAM policy language version. [Document.MarshalJSON] writes it
// when a document's Version is empty.
const Version = "2012-10-17"

// Effects of a statement.
const (
	EffectAllow = "Allow"
	EffectDeny  = "Deny"
)

// Document is an IAM policy document.
//
// The zero value is an empty policy (it allows nothing and does not pass
// [Document.Validate], which wants at least one statement). Document is a plain value;
// it is safe for concurrent use as long as no goroutine modifies it.
type Document struct {
	// Version is the policy language version. Empty means [Version] when marshalled.
	// "2008-10-17" is kept as it is (it disables policy variables).
	Version string
	// ID is the optional policy identifier (JSON key "Id").
	ID string
	// Statement lists the statements in order. Order has no meaning to IAM but is kept,
	// so that marshalled output is stable.
	Statement []Statement
}

// Statement is one statement of a policy.
//
// In JSON, Action, NotAction, Resource and NotResource may be a string or an array of
// strings; Go always holds them as slices. A statement has exactly one of Action and
// NotAction, and in an identity policy exactly one of Resource and NotResource. Nil and
// empty slices both mean "absent". Like [Document], a Statement is a plain value.
type Statement struct {
	// Sid is the optional statement ID: letters and digits only, unique in the document.
	Sid string
	// Effect is [EffectAllow] or [EffectDeny].
	Effect string
	// Principal names whom the statement applies to; only resource-based policies (such
	// as a VPC endpoint policy) have one. Nil means absent.
	Principal Principal
	// NotPrincipal is the exception form of Principal. Nil means absent.
	NotPrincipal Principal
	// Action lists actions such as "ecr:BatchGetImage"; "*" and "?" are wildcards.
	Action []string
	// NotAction lists the actions the statement does not apply to.
	NotAction []string
	// Resource lists resource ARNs, or "*".
	Resource []string
	// NotResource lists the resources the statement does not apply to.
	NotResource []string
	// Condition holds the condition block. Nil means absent.
	Condition Condition
}

// Principal is the Principal (or NotPrincipal) element: principal type ("AWS",
// "Service", "Federated", "CanonicalUser") to values. The JSON string "*" (everyone) is
// held as the key "*" with the value ["*"]; [PrincipalAll] returns it.
type Principal map[string][]string

// PrincipalAll returns the Principal written in JSON as "*": everyone.
func PrincipalAll() Principal { return Principal{"*": {"*"}} }

// isAll reports whether p is the bare "*" principal.
func (p Principal) isAll() bool {
	v, ok := p["*"]
	return ok && len(p) == 1 && len(v) == 1 && v[0] == "*"
}

// Condition is the Condition element: operator (such as "StringEquals") to condition
// key to values. JSON values that are numbers or booleans are held as their JSON text
// ("10", "true"); IAM compares them as strings either way.
type Condition map[string]map[string][]string

// MarshalJSON writes the document in canonical form:
//
//   - keys in the order Version, Id, Statement and, in statements, Sid, Effect,
//     Principal, NotPrincipal, Action, NotAction, Resource, NotResource, Condition;
//   - Version "2012-10-17" when empty;
//   - Statement always an array, in the document's order;
//   - Action, NotAction, Resource, NotResource, principal and condition values always
//     arrays (even of one element: diffs stay small when a second value comes), sorted and
//     without duplicates;
//   - no empty keys: an empty Sid, Id, list or map is left out.
//
// The output is compact JSON without HTML escaping; equal documents (by
// [Document.Normalize]) give equal bytes.
func (d Document) MarshalJSON() ([]byte, error) {
	n := d.Normalize()
	var b bytes.Buffer
	b.WriteString(`{"Version":`)
	writeString(&b, n.Version)
	if n.ID != "" {
		b.WriteString(`,"Id":`)
		writeString(&b, n.ID)
	}
	b.WriteString(`,"Statement":[`)
	for i, s := range n.Statement {
		if i > 0 {
			b.WriteByte(',')
		}
		s.write(&b)
	}
	b.WriteString("]}")
	return b.Bytes(), nil
}

// Indent returns the canonical JSON of d indented with two spaces, for files and
// terminals.
func (d Document) Indent() []byte {
	raw, _ := d.MarshalJSON() // never fails
	var b bytes.Buffer
	_ = json.Indent(&b, raw, "", "  ") // raw is valid JSON
	b.WriteByte('\n')
	return b.Bytes()
}

// String returns the canonical compact JSON of d.
func (d Document) String() string {
	raw, _ := d.MarshalJSON()
	return string(raw)
}

func (s Statement) write(b *bytes.Buffer) {
	b.WriteByte('{')
	first := true
	key := func(k string) {
		if !first {
			b.WriteByte(',')
		}
		first = false
		writeString(b, k)
		b.WriteByte(':')
	}
	if s.Sid != "" {
		key("Sid")
		writeString(b, s.Sid)
	}
	key("Effect")
	writeString(b, s.Effect)
	if len(s.Principal) > 0 {
		key("Principal")
		s.Principal.write(b)
	}
	if len(s.NotPrincipal) > 0 {
		key("NotPrincipal")
		s.NotPrincipal.write(b)
	}
	for _, f := range []struct {
		name string
		v    []string
	}{{"Action", s.Action}, {"NotAction", s.NotAction}, {"Resource", s.Resource}, {"NotResource", s.NotResource}} {
		if len(f.v) > 0 {
			key(f.name)
			writeStrings(b, f.v)
		}
	}
	if len(s.Condition) > 0 {
		key("Condition")
		b.WriteByte('{')
		for i, op := range sortedKeys(s.Condition) {
			if i > 0 {
				b.WriteByte(',')
			}
			writeString(b, op)
			b.WriteString(":{")
			for j, k := range sortedKeys(s.Condition[op]) {
				if j > 0 {
					b.WriteByte(',')
				}
				writeString(b, k)
				b.WriteByte(':')
				writeStrings(b, s.Condition[op][k])
			}
			b.WriteByte('}')
		}
		b.WriteByte('}')
	}
	b.WriteByte('}')
}

func (p Principal) write(b *bytes.Buffer) {
	if p.isAll() {
		b.WriteString(`"*"`)
		return
	}
	b.WriteByte('{')
	for i, k := range sortedKeys(p) {
		if i > 0 {
			b.WriteByte(',')
		}
		writeString(b, k)
		b.WriteByte(':')
		writeStrings(b, p[k])
	}
	b.WriteByte('}')
}

func writeStrings(b *bytes.Buffer, v []string) {
	b.WriteByte('[')
	for i, s := range v {
		if i > 0 {
			b.WriteByte(',')
		}
		writeString(b, s)
	}
	b.WriteByte(']')
}

func writeString(b *bytes.Buffer, s string) {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)       // strings always encode
	b.Truncate(b.Len() - 1) // drop the encoder's newline
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Normalize returns d in canonical form: Version set to [Version] when empty, list
// elements sorted and without duplicates, empty lists and maps nil. Statements keep their
// order. d is not modified.
func (d Document) Normalize() Document {
	n := Document{Version: d.Version, ID: d.ID}
	if n.Version == "" {
		n.Version = Version
	}
	if d.Statement != nil {
		n.Statement = make([]Statement, len(d.Statement))
	}
	for i, s := range d.Statement {
		n.Statement[i] = s.normalize()
	}
	return n
}

func (s Statement) normalize() Statement {
	return Statement{
		Sid:          s.Sid,
		Effect:       s.Effect,
		Principal:    normalizeMap(s.Principal),
		NotPrincipal: normalizeMap(s.NotPrincipal),
		Action:       sortedSet(s.Action),
		NotAction:    sortedSet(s.NotAction),
		Resource:     sortedSet(s.Resource),
		NotResource:  sortedSet(s.NotResource),
		Condition:    normalizeCondition(s.Condition),
	}
}

func normalizeMap(m map[string][]string) map[string][]string {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string][]string, len(m))
	for k, v := range m {
		out[k] = sortedSet(v)
	}
	return out
}

func normalizeCondition(c Condition) Condition {
	if len(c) == 0 {
		return nil
	}
	out := make(Condition, len(c))
	for op, kv := range c {
		out[op] = normalizeMap(kv)
		if out[op] == nil {
			out[op] = map[string][]string{}
		}
	}
	return out
}

// sortedSet returns v sorted and without duplicates, or nil when v is empty.
func sortedSet(v []string) []string {
	if len(v) == 0 {
		return nil
	}
	out := make([]string, len(v))
	copy(out, v)
	sort.Strings(out)
	j := 0
	for i, s := range out {
		if i > 0 && s == out[j-1] {
			continue
		}
		out[j] = s
		j++
	}
	return out[:j]
}

// Equivalent reports whether a and b mean the same policy: equal after
// [Document.Normalize], with statements compared regardless of order. It is how [Applier]
// decides that nothing needs writing.
func Equivalent(a, b Document) bool {
	ca, cb := canonicalStatements(a), canonicalStatements(b)
	if a.Normalize().Version != b.Normalize().Version || a.ID != b.ID || len(ca) != len(cb) {
		return false
	}
	for i := range ca {
		if ca[i] != cb[i] {
			return false
		}
	}
	return true
}

func canonicalStatements(d Document) []string {
	out := make([]string, 0, len(d.Statement))
	for _, s := range d.Statement {
		var b bytes.Buffer
		s.normalize().write(&b)
		out = append(out, b.String())
	}
	sort.Strings(out)
	// Duplicate statements mean nothing more than one.
	return sortedSet(out)
}

// Parse reads an IAM policy document from JSON. It accepts what IAM accepts: Statement
// as an object or an array, string-or-array values, condition values that are strings,
// numbers or booleans. Unknown or misspelt keys (IAM keys are case-sensitive), duplicate
// keys and values of the wrong JSON type are errors naming the key.
func Parse(data []byte) (Document, error) {
	var d Document
	err := d.UnmarshalJSON(data)
	return d, err
}

// UnmarshalJSON implements [json.Unmarshaler]; see [Parse].
func (d *Document) UnmarshalJSON(data []byte) error {
	obj, err := decodeObject(data, "policy")
	if err != nil {
		return err
	}
	var out Document
	for _, kv := range obj {
		switch kv.key {
		case "Version":
			if out.Version, err = decodeString(kv.val, "Version"); err != nil {
				return err
			}
		case "Id":
			if out.ID, err = decodeString(kv.val, "Id"); err != nil {
				return err
			}
		case "Statement":
			raw := bytes.TrimSpace(kv.val)
			if len(raw) > 0 && raw[0] == '{' {
				s, err := decodeStatement(raw, 0)
				if err != nil {
					return err
				}
				out.Statement = []Statement{s}
				break
			}
			var list []json.RawMessage
			if err := json.Unmarshal(raw, &list); err != nil || list == nil {
				return &ParseError{Key: "Statement", Msg: "must be an object or an array of objects"}
			}
			out.Statement = make([]Statement, 0, len(list))
			for i, r := range list {
				s, err := decodeStatement(r, i)
				if err != nil {
					return err
				}
				out.Statement = append(out.Statement, s)
			}
		default:
			return unknownKey("policy", kv.key, []string{"Version", "Id", "Statement"})
		}
	}
	if !obj.has("Statement") {
		return &ParseError{Key: "Statement", Msg: "missing; a policy needs at least one statement"}
	}
	*d = out
	return nil
}

var statementKeys = []string{"Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition"}

func decodeStatement(data []byte, i int) (Statement, error) {
	where := "Statement[" + strconv.Itoa(i) + "]"
	obj, err := decodeObject(data, where)
	if err != nil {
		return Statement{}, err
	}
	var s Statement
	for _, kv := range obj {
		key := where + "." + kv.key
		switch kv.key {
		case "Sid":
			s.Sid, err = decodeString(kv.val, key)
		case "Effect":
			s.Effect, err = decodeString(kv.val, key)
		case "Principal":
			s.Principal, err = decodePrincipal(kv.val, key)
		case "NotPrincipal":
			s.NotPrincipal, err = decodePrincipal(kv.val, key)
		case "Action":
			s.Action, err = decodeStrings(kv.val, key)
		case "NotAction":
			s.NotAction, err = decodeStrings(kv.val, key)
		case "Resource":
			s.Resource, err = decodeStrings(kv.val, key)
		case "NotResource":
			s.NotResource, err = decodeStrings(kv.val, key)
		case "Condition":
			s.Condition, err = decodeCondition(kv.val, key)
		default:
			return Statement{}, unknownKey(where, kv.key, statementKeys)
		}
		if err != nil {
			return Statement{}, err
		}
	}
	return s, nil
}

func decodePrincipal(data []byte, key string) (Principal, error) {
	raw := bytes.TrimSpace(data)
	if len(raw) > 0 && raw[0] == '"' {
		s, err := decodeString(raw, key)
		if err != nil {
			return nil, err
		}
		if s != "*" {
			return nil, &ParseError{Key: key, Msg: `a string principal must be "*"; use an object such as {"AWS": "arn:..."}`}
		}
		return PrincipalAll(), nil
	}
	obj, err := decodeObject(raw, key)
	if err != nil {
		return nil, err
	}
	p := Principal{}
	for _, kv := range obj {
		if p[kv.key], err = decodeStrings(kv.val, key+"."+kv.key); err != nil {
			return nil, err
		}
	}
	return p, nil
}

func decodeCondition(data []byte, key string) (Condition, error) {
	obj, err := decodeObject(data, key)
	if err != nil {
		return nil, err
	}
	c := Condition{}
	for _, op := range obj {
		inner, err := decodeObject(op.val, key+"."+op.key)
		if err != nil {
			return nil, err
		}
		m := map[string][]string{}
		for _, kv := range inner {
			if m[kv.key], err = decodeScalars(kv.val, key+"."+op.key+"."+kv.key); err != nil {
				return nil, err
			}
		}
		c[op.key] = m
	}
	return c, nil
}

type keyValue struct {
	key string
	val json.RawMessage
}

type object []keyValue

func (o object) has(k string) bool {
	for _, kv := range o {
		if kv.key == k {
			return true
		}
	}
	return false
}

// decodeObject reads a JSON object keeping key order and rejecting duplicate keys.
func decodeObject(data []byte, where string) (object, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('{') {
		return nil, &ParseError{Key: where, Msg: "must be a JSON object"}
	}
	var out object
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, &ParseError{Key: where, Msg: "malformed JSON: " + err.Error()}
		}
		k, ok := tok.(string)
		if !ok {
			return nil, &ParseError{Key: where, Msg: "malformed JSON object"}
		}
		if seen[k] {
			return nil, &ParseError{Key: where + "." + k, Msg: "duplicate key"}
		}
		seen[k] = true
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, &ParseError{Key: where + "." + k, Msg: "malformed JSON: " + err.Error()}
		}
		out = append(out, keyValue{k, v})
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		return nil, &ParseError{Key: where, Msg: "malformed JSON object"}
	}
	if _, err := dec.Token(); err == nil {
		return nil, &ParseError{Key: where, Msg: "unexpected data after the object"}
	}
	return out, nil
}

func decodeString(data []byte, key string) (string, error) {
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return "", &ParseError{Key: key, Msg: "must be a string"}
	}
	return s, nil
}

// decodeStrings accepts a string or an array of strings.
func decodeStrings(data []byte, key string) ([]string, error) {
	raw := bytes.TrimSpace(data)
	if len(raw) > 0 && raw[0] == '"' {
		s, err := decodeString(raw, key)
		if err != nil {
			return nil, err
		}
		return []string{s}, nil
	}
	var v []string
	if err := json.Unmarshal(raw, &v); err != nil || v == nil {
		return nil, &ParseError{Key: key, Msg: "must be a string or an array of strings"}
	}
	return v, nil
}

// decodeScalars accepts a string, number or boolean, or an array of them.
func decodeScalars(data []byte, key string) ([]string, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, &ParseError{Key: key, Msg: "malformed JSON"}
	}
	scalar := func(x any) (string, bool) {
		switch x := x.(type) {
		case string:
			return x, true
		case json.Number:
			return x.String(), true
		case bool:
			return strconv.FormatBool(x), true
		}
		return "", false
	}
	if list, ok := v.([]any); ok {
		out := make([]string, 0, len(list))
		for _, x := range list {
			s, ok := scalar(x)
			if !ok {
				return nil, &ParseError{Key: key, Msg: "condition values must be strings, numbers or booleans"}
			}
			out = append(out, s)
		}
		return out, nil
	}
	s, ok := scalar(v)
	if !ok {
		return nil, &ParseError{Key: key, Msg: "condition values must be strings, numbers or booleans"}
	}
	return []string{s}, nil
}

func unknownKey(where, key string, known []string) error {
	msg := "unknown key; IAM keys are case-sensitive"
	for _, k := range known {
		if strings.EqualFold(k, key) {
			msg += "; did you mean " + strconv.Quote(k) + "?"
			return &ParseError{Key: where + "." + quote.Text(key, quote.Max), Msg: msg}
		}
	}
	msg += "; known keys are " + strings.Join(known, ", ")
	return &ParseError{Key: where + "." + quote.Text(key, quote.Max), Msg: msg}
}

// ParseError reports JSON that is not an IAM policy document.
type ParseError struct {
	// Key is the path of the offending element, such as "Statement[1].Resource".
	Key string
	// Msg says what is wrong with it.
	Msg string
}

// Error implements error.
func (e *ParseError) Error() string {
	return fmt.Sprintf("parse policy: %s: %s", e.Key, e.Msg)
}

// Is reports whether target is [ErrInvalidPolicy].
func (e *ParseError) Is(target error) bool { return target == ErrInvalidPolicy }

// ErrorCode returns "invalid-policy".
func (e *ParseError) ErrorCode() errcode.Code { return errcode.InvalidPolicy }
