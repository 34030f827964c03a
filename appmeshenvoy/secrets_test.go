package appmeshenvoy_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/appmeshenvoytest"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/dockerconfig"
)

// Secrets never appear in errors, logs or printed values: these tests run the fault
// scenarios and look for the issued registry password, its base64 forms and the secret
// access keys in everything the library hands back or logs.

// secretForms returns every form of the secrets a test must never see, by description:
// the registry password the server issues, its base64 forms (the ECR authorizationToken
// and the docker "auth" value, padded, unpadded and URL-safe) and the secret access
// keys (the server's and any extra ones the test used).
func secretForms(srv *appmeshenvoytest.Server, extraSecrets ...string) map[string]string {
	pw := srv.Password()
	auth := []byte("AWS:" + pw)
	forms := map[string]string{
		"the registry password":                      pw,
		"the base64 of AWS:password (std)":           base64.StdEncoding.EncodeToString(auth),
		"the base64 of AWS:password (unpadded)":      base64.RawStdEncoding.EncodeToString(auth),
		"the base64 of AWS:password (URL)":           base64.URLEncoding.EncodeToString(auth),
		"the base64 of AWS:password (URL, unpadded)": base64.RawURLEncoding.EncodeToString(auth),
		"the base64 of the password":                 base64.StdEncoding.EncodeToString([]byte(pw)),
		"the secret access key":                      appmeshenvoytest.SecretAccessKey,
	}
	for i, s := range extraSecrets {
		forms[fmt.Sprintf("secret access key #%d", i+1)] = s
	}
	return forms
}

// noSecrets fails the test if any value, printed with %v, %+v, %#v and %s, marshaled
// to JSON, or (for errors) through Error, contains a secret form. It never prints the
// secret itself.
func noSecrets(t *testing.T, forms map[string]string, where string, values ...any) {
	t.Helper()
	for i, v := range values {
		var outs []string
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
			outs = append(outs, fmt.Sprintf(verb, v))
		}
		if err, ok := v.(error); ok && err != nil {
			outs = append(outs, err.Error())
			for u := errors.Unwrap(err); u != nil; u = errors.Unwrap(u) {
				outs = append(outs, u.Error(), fmt.Sprintf("%#v", u))
			}
		}
		if b, err := json.Marshal(v); err == nil {
			outs = append(outs, string(b))
		}
		all := strings.Join(outs, "\n")
		for what, s := range forms {
			if s != "" && strings.Contains(all, s) {
				t.Errorf("%s (value %d, %T) contains %s", where, i, v, what)
			}
		}
	}
}

// noSecretsIn is noSecrets for plain text such as a log.
func noSecretsIn(t *testing.T, forms map[string]string, where, text string) {
	t.Helper()
	for what, s := range forms {
		if s != "" && strings.Contains(text, s) {
			t.Errorf("%s contains %s", where, what)
		}
	}
}

// lockedBuffer is a bytes.Buffer safe for concurrent writers (loggers of detached
// fetches) and a reader.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// debugLoggers returns a text and a JSON slog.Logger at debug level writing to buf.
func debugLoggers(buf *lockedBuffer) (*slog.Logger, *slog.Logger) {
	o := &slog.HandlerOptions{Level: slog.LevelDebug}
	return slog.New(slog.NewTextHandler(buf, o)), slog.New(slog.NewJSONHandler(buf, o))
}

func TestSecretsNeverInTokenOutput(t *testing.T) {
	srv := appmeshenvoytest.NewServer()
	defer srv.Close()
	forms := secretForms(srv)
	var logs lockedBuffer
	text, jsonLog := debugLoggers(&logs)
	p := appmeshenvoy.NewTokenProvider(srv.Config("us-west-2"), func(o *appmeshenvoy.TokenOptions) {
		o.Logger = text
		o.RetryMaxBackoff = 10 * time.Millisecond
	})
	ctx := context.Background()
	tok, err := p.Token(ctx, "us-west-2")
	if err != nil {
		t.Fatal(err)
	}
	if tok.Password.Reveal() != srv.Password() {
		t.Fatal("the token does not carry the issued password")
	}
	mirror, err := p.TokenForRegistry(ctx, "https://111122223333.dkr.ecr.eu-west-1.amazonaws.com/team/envoy")
	if err != nil {
		t.Fatal(err)
	}
	// The docker "auth" value (base64 of AWS:password) as a Secret, as dockerconfig makes it.
	auth := appmeshenvoy.NewSecret(base64.StdEncoding.EncodeToString([]byte(tok.Username + ":" + tok.Password.Reveal())))
	noSecrets(t, forms, "a token", tok, &tok, mirror, []appmeshenvoy.Token{tok}, map[string]appmeshenvoy.Token{"k": tok},
		tok.Password, &tok.Password, auth, struct{ T appmeshenvoy.Token }{tok})

	for _, l := range []*slog.Logger{text, jsonLog} {
		l.Info("token", "token", tok, "password", tok.Password, "auth", auth, slog.Any("ptr", &tok))
		l.Info("group", slog.Group("g", slog.Any("token", tok)))
	}
	noSecretsIn(t, forms, "slog output of a token", logs.String())
	if !strings.Contains(logs.String(), tok.Registry) {
		t.Error("the slog output does not show the token's registry; was anything logged?")
	}
}

// TestSecretsNeverInFaultErrors runs the token and resolver fault scenarios and checks
// every error, result and log line for secrets. A token is first cached, so the
// refresh-failure paths (which log and may hand back the cached token) run too.
func TestSecretsNeverInFaultErrors(t *testing.T) {
	srv := appmeshenvoytest.NewServer()
	defer srv.Close()
	const wrongSecret = "h-wrong-secret/0123456789abcdefghij"
	forms := secretForms(srv, wrongSecret)
	var logs lockedBuffer
	text, _ := debugLoggers(&logs)
	fast := func(o *appmeshenvoy.TokenOptions) {
		o.Logger = text
		o.RetryMaxBackoff = 5 * time.Millisecond
		o.Timeout = 2 * time.Second
	}
	ctx := context.Background()
	const op = "ecr:GetAuthorizationToken"
	faults := map[string]appmeshenvoytest.AWSError{
		"throttled":    appmeshenvoytest.Throttling(op),
		"500":          appmeshenvoytest.InternalError(op),
		"denied":       appmeshenvoytest.AccessDenied(op),
		"expired":      appmeshenvoytest.ExpiredToken(op),
		"unrecognized": appmeshenvoytest.UnrecognizedClient(op),
	}
	for name, fault := range faults {
		t.Run("token/"+name, func(t *testing.T) {
			p := appmeshenvoy.NewTokenProvider(srv.Config("us-west-2"), fast)
			// A cached, still valid token, then a failing refresh after Invalidate
			// (error) and with a fresh provider whose first call fails.
			if _, err := p.Token(ctx, "eu-west-1"); err != nil {
				t.Fatal(err)
			}
			srv.SetFailureRate(op, "eu-west-1", 1, fault, 1)
			defer srv.ClearFaults()
			p.Invalidate("eu-west-1")
			tok, err := p.Token(ctx, "eu-west-1")
			if err == nil {
				t.Fatalf("no error with every request failing (%v)", tok.Registry)
			}
			noSecrets(t, forms, "the error", err, tok)
			_, err = appmeshenvoy.NewTokenProvider(srv.Config("us-west-2"), fast).TokenForRegistry(ctx, "111122223333.dkr.ecr.eu-west-1.amazonaws.com")
			if err == nil {
				t.Fatal("no error from TokenForRegistry")
			}
			noSecrets(t, forms, "the TokenForRegistry error", err)
		})
	}
	t.Run("token/refresh fails, cached token used", func(t *testing.T) {
		now := time.Now()
		clock := func() time.Time { return now }
		p := appmeshenvoy.NewTokenProvider(srv.Config("us-west-2"), fast, func(o *appmeshenvoy.TokenOptions) { o.Clock = clock })
		first, err := p.Token(ctx, "ap-south-1")
		if err != nil {
			t.Fatal(err)
		}
		now = now.Add(7 * time.Hour) // past the refresh point, before expiry
		srv.SetFailureRate(op, "ap-south-1", 1, appmeshenvoytest.InternalError(op), 1)
		defer srv.ClearFaults()
		again, err := p.Token(ctx, "ap-south-1")
		if err != nil || again.Password.Reveal() != first.Password.Reveal() {
			t.Fatalf("err %v: want the cached token while it is valid", err)
		}
		now = now.Add(6 * time.Hour) // expired
		_, err = p.Token(ctx, "ap-south-1")
		if err == nil {
			t.Fatal("an expired token was returned")
		}
		noSecrets(t, forms, "the error after expiry", err)
	})
	t.Run("token/caller deadline", func(t *testing.T) {
		srv.Stall(op, "eu-north-1")
		defer srv.ClearFaults()
		cctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
		defer cancel()
		p := appmeshenvoy.NewTokenProvider(srv.Config("us-west-2"), fast, func(o *appmeshenvoy.TokenOptions) { o.Timeout = 300 * time.Millisecond })
		_, err := p.Token(cctx, "eu-north-1")
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want the deadline", err)
		}
		noSecrets(t, forms, "the deadline error", err)
		// Wait for the shared request to end by its own timeout.
		if _, err := p.Token(ctx, "eu-north-1"); err == nil {
			t.Fatal("the stalled region answered")
		}
	})
	t.Run("credentials", func(t *testing.T) {
		for name, prov := range map[string]aws.CredentialsProvider{
			"wrong secret": credentials.NewStaticCredentialsProvider(appmeshenvoytest.AccessKeyID, wrongSecret, ""),
			"unknown key":  credentials.NewStaticCredentialsProvider("AKIDHUNKNOWN", wrongSecret, "session-token"),
			"empty":        credentials.NewStaticCredentialsProvider("", "", ""),
		} {
			cfg := srv.Config("us-west-2")
			cfg.Credentials = prov
			_, err := appmeshenvoy.NewTokenProvider(cfg, fast).Token(ctx, "us-east-1")
			if err == nil {
				t.Fatalf("%s: no error", name)
			}
			noSecrets(t, forms, name+": token error", err)
			results, err := appmeshenvoy.NewResolver(cfg, func(o *appmeshenvoy.ResolverOptions) {
				o.Logger = text
				o.RetryMaxBackoff = 5 * time.Millisecond
			}).LatestAll(ctx, []string{"us-east-1", "eu-west-1"})
			if err == nil {
				t.Fatalf("%s: LatestAll: no error", name)
			}
			noSecrets(t, forms, name+": LatestAll", err, results)
		}
	})
	t.Run("docker config errors", func(t *testing.T) {
		p := appmeshenvoy.NewTokenProvider(srv.Config("us-west-2"), fast)
		tok, err := p.Token(ctx, "us-west-2")
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		bad := filepath.Join(dir, "config.json")
		if err := os.WriteFile(bad, []byte(`{"auths": {`), 0o600); err != nil {
			t.Fatal(err)
		}
		notes, err := dockerconfig.Write(ctx, bad, []appmeshenvoy.Token{tok})
		if err == nil {
			t.Fatal("invalid JSON was accepted")
		}
		noSecrets(t, forms, "the docker config error", err, notes)
		expired := tok
		expired.ExpiresAt = time.Now().Add(-time.Minute)
		_, err = dockerconfig.Write(ctx, filepath.Join(dir, "new.json"), []appmeshenvoy.Token{expired})
		if err == nil {
			t.Fatal("an expired token was written")
		}
		noSecrets(t, forms, "the expired-token error", err)
		good := filepath.Join(dir, "good.json")
		notes, err = dockerconfig.Write(ctx, good, []appmeshenvoy.Token{tok})
		if err != nil {
			t.Fatal(err)
		}
		noSecrets(t, forms, "the notes", notes)
	})
	noSecretsIn(t, forms, "the debug log", logs.String())
	if logs.String() == "" {
		t.Error("nothing was logged at debug level; the log check checked nothing")
	}
}
