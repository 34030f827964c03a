package appmeshenvoy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"
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
	outputs["DockerAuth %v"] = fmt.Sprintf("%v", tok.DockerAuth())

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
