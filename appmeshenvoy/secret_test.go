package appmeshenvoy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
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

// TestTokenProviderNeverPrints: a provider holds the aws.Config's credentials provider
// (a static one is a plain struct with the secret access key) and cached passwords;
// printing or logging the provider shows neither.
func TestTokenProviderNeverPrints(t *testing.T) {
	const awsSecret = "aws-secret-access-key-for-print-test"
	clk := &tokClock{now: tokEpoch}
	f := &tokFake{fn: func(context.Context, string, int) (*ecr.GetAuthorizationTokenOutput, error) {
		return authOutput(testSecretText, clk.Now().Add(12*time.Hour)), nil
	}}
	p := NewTokenProvider(aws.Config{Credentials: credentials.NewStaticCredentialsProvider("AKIDPRINT", awsSecret, "")},
		func(o *TokenOptions) { o.ClientForRegion = f.forRegion; o.Clock = clk.Now })
	if _, err := p.Token(context.Background(), "us-west-2"); err != nil {
		t.Fatal(err)
	}
	var outputs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		outputs = append(outputs, fmt.Sprintf(verb, p), fmt.Sprintf(verb, struct{ P *TokenProvider }{p}), fmt.Sprintf(verb, []any{p}))
	}
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("x", "provider", p)
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "provider", p)
	outputs = append(outputs, buf.String())
	for _, out := range outputs {
		if strings.Contains(out, awsSecret) {
			t.Errorf("output contains the secret access key")
		}
		if strings.Contains(out, testSecretText) {
			t.Errorf("output contains the registry password")
		}
	}
	if got := fmt.Sprint(p); !strings.Contains(got, "cached tokens: 1") {
		t.Errorf("Sprint(provider) = %q", got)
	}
}
