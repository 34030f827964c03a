package appmeshenvoy

import (
	"bytes"
	"encoding/gob"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"text/template"
	"time"

	"github.com/davecgh/go-spew/spew"
	"github.com/google/go-cmp/cmp"
)

const testSecretText = "hunter2-very-secret-password"

func TestSecretNeverPrints(t *testing.T) {
	s := NewSecret(testSecretText)
	tok := Token{Registry: "840364872350.dkr.ecr.us-west-2.amazonaws.com", Username: "AWS", Password: s,
		ExpiresAt: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)}
	type hidden struct{ pw Secret }
	type shown struct{ PW Secret }

	var outputs = map[string]string{}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%10s", "%-20v", "%d", "%T"} {
		outputs["secret "+verb] = fmt.Sprintf(verb, s)
		outputs["*secret "+verb] = fmt.Sprintf(verb, &s)
		outputs["token "+verb] = fmt.Sprintf(verb, tok)
		outputs["*token "+verb] = fmt.Sprintf(verb, &tok)
		outputs["unexported field "+verb] = fmt.Sprintf(verb, hidden{s})
		outputs["exported field "+verb] = fmt.Sprintf(verb, shown{s})
		outputs["slice "+verb] = fmt.Sprintf(verb, []Secret{s})
		outputs["map "+verb] = fmt.Sprintf(verb, map[string]Secret{"k": s})
	}
	outputs["String"] = s.String()
	outputs["GoString"] = s.GoString()
	outputs["Sprint"] = fmt.Sprint(s, tok)
	outputs["Sprintln"] = fmt.Sprintln(s, tok)
	outputs["error %v"] = fmt.Errorf("login failed with %v", tok).Error()
	outputs["error %w"] = fmt.Errorf("wrap: %w", errors.New(fmt.Sprint(tok))).Error()

	for _, v := range []any{s, tok, &tok, []Token{tok}, map[string]any{"t": tok}} {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("json.Marshal(%T): %v", v, err)
		}
		outputs[fmt.Sprintf("json %T", v)] = string(b)
	}
	txt, _ := s.MarshalText()
	outputs["MarshalText"] = string(txt)

	for name, h := range map[string]func(*bytes.Buffer) slog.Handler{
		"text": func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) },
		"json": func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) },
	} {
		var buf bytes.Buffer
		l := slog.New(h(&buf))
		l.Info("login", "password", s, "token", tok, "ptr", &tok, slog.Any("group", []Token{tok}))
		l.Info("login", slog.Group("g", slog.Any("pw", s)))
		outputs["slog "+name] = buf.String()
	}

	for name, out := range outputs {
		if strings.Contains(out, testSecretText) {
			t.Errorf("%s contains the password", name)
		}
	}
	for _, name := range []string{"secret %v", "secret %s", "token %+v", "json appmeshenvoy.Token", "slog text", "slog json"} {
		if !strings.Contains(outputs[name], "REDACTED") {
			t.Errorf("%s = %q, want it to show [REDACTED]", name, outputs[name])
		}
	}
	if got := outputs["secret %q"]; got != `"[REDACTED]"` {
		t.Errorf(`%%q = %s, want "[REDACTED]"`, got)
	}
}

// TestSecretNeverInReflectionDumps covers printers that walk a value with package reflect
// instead of calling its methods: go-cmp's diff (which, when two secrets differ but
// print alike, formats them again without their String methods), go-spew with and
// without its method calls, encoding/gob, and the encoders that use MarshalText (xml)
// or fmt (text/template). Each must show neither secret, and a diff must still show that the
// passwords differ.
func TestSecretNeverInReflectionDumps(t *testing.T) {
	const other = "correct-horse-battery-staple"
	a := Token{Registry: "840364872350.dkr.ecr.us-west-2.amazonaws.com", Username: "AWS", Password: NewSecret(testSecretText)}
	b := a
	b.Password = NewSecret(other)
	type hidden struct{ pw Secret }
	type holder struct {
		T   Token
		Ptr *Token
		Any any
	}
	exportAll := cmp.Exporter(func(reflect.Type) bool { return true })

	diffs := map[string]string{
		"tokens":                  cmp.Diff(a, b),
		"secrets":                 cmp.Diff(a.Password, b.Password),
		"pointers":                cmp.Diff(&a, &b),
		"nested":                  cmp.Diff(holder{a, &a, a.Password}, holder{b, &b, b.Password}),
		"slices":                  cmp.Diff([]Token{a}, []Token{b}),
		"maps":                    cmp.Diff(map[string]Secret{"k": a.Password}, map[string]Secret{"k": b.Password}),
		"unexported field":        cmp.Diff(hidden{a.Password}, hidden{b.Password}, cmp.AllowUnexported(hidden{})),
		"every field exported":    cmp.Diff(a, b, exportAll),
		"secret, fields exported": cmp.Diff(a.Password, b.Password, exportAll),
		"one side empty":          cmp.Diff(Secret{}, a.Password, exportAll),
	}
	outputs := map[string]string{}
	for name, d := range diffs {
		if d == "" {
			t.Errorf("cmp.Diff of %s with different passwords is empty", name)
		}
		outputs["cmp.Diff "+name] = d
	}
	if d := cmp.Diff(a, Token{Registry: a.Registry, Username: "AWS", Password: NewSecret(testSecretText)}); d != "" {
		t.Errorf("cmp.Diff of equal tokens is not empty:\n%s", d)
	}
	t.Logf("what cmp prints for two tokens whose passwords differ:\n%s", diffs["every field exported"])

	noMethods := &spew.ConfigState{DisableMethods: true, DisablePointerMethods: true, Indent: " "}
	for name, v := range map[string]any{"secret": a.Password, "token": a, "*token": &a, "unexported field": hidden{a.Password}, "holder": holder{a, &a, a.Password}} {
		outputs["spew "+name] = spew.Sdump(v)
		outputs["spew %#+v "+name] = spew.Sprintf("%#+v", v)
		outputs["spew without methods "+name] = noMethods.Sdump(v)
	}
	if !strings.Contains(outputs["spew token"], redacted) {
		t.Errorf("spew.Sdump(token) does not show %s:\n%s", redacted, outputs["spew token"])
	}

	// encoding/gob ignores MarshalText and refuses a struct without exported fields: it
	// encodes no Secret at all, and says so without the value.
	var g bytes.Buffer
	err := gob.NewEncoder(&g).Encode(a)
	if err == nil {
		t.Error("gob encoded a token; check what it wrote for the password")
	} else {
		outputs["gob error"] = err.Error()
	}
	outputs["gob"] = g.String()
	x, err := xml.Marshal(a)
	if err != nil {
		t.Fatalf("xml: %v", err)
	}
	outputs["xml"] = string(x)
	var tb strings.Builder
	if err := template.Must(template.New("").Parse("{{.Password}} {{.}} {{printf \"%#v\" .}}")).Execute(&tb, a); err != nil {
		t.Fatal(err)
	}
	outputs["text/template"] = tb.String()

	for name, out := range outputs {
		if strings.Contains(out, testSecretText) || strings.Contains(out, other) {
			t.Errorf("%s shows a password", name) // never the output itself: it holds the secret
		}
	}
	for _, name := range []string{"xml", "text/template"} {
		if !strings.Contains(outputs[name], redacted) {
			t.Errorf("%s = %q, want it to show %s", name, outputs[name], redacted)
		}
	}
}

func TestSecretValue(t *testing.T) {
	s := NewSecret(testSecretText)
	if s.Reveal() != testSecretText {
		t.Error("Reveal does not return the value")
	}
	if s.IsZero() {
		t.Error("IsZero() = true for a set secret")
	}
	var zero Secret
	if !zero.IsZero() || zero.Reveal() != "" || !NewSecret("").IsZero() {
		t.Error("the zero Secret is not empty")
	}
	if !s.Equal(NewSecret(testSecretText)) || s.Equal(NewSecret("other")) || !zero.Equal(NewSecret("")) {
		t.Error("Equal compares wrongly")
	}
	if zero.String() != "[REDACTED]" {
		t.Errorf("zero String() = %q", zero.String())
	}
}
