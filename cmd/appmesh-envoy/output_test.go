package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/appmeshenvoytest"
)

// controlChars are bytes and runes that must never reach a terminal from text the tool
// did not write itself: they start escape sequences, move the cursor, ring the bell.
const controlChars = "\x00\x07\x08\x1b\x7f\u0085\u009b\u2028\u2029"

// hostileText is an endpoint's message that retitles the terminal (OSC 0), clears it
// (CSI 2J), and hides text behind a carriage return, with a C1 CSI and invalid UTF-8.
const hostileText = "denied\x1b]0;pwned\x07 \x1b[2Jcleared\rhidden\u009b31m\xff end"

func TestOneLineStripsControlCharacters(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain message", "plain message"},
		{"first\nsecond\r\nthird", "first; second; third"},
		{hostileText, "denied?]0;pwned? ?[2Jcleared hidden?31m? end"},
		{"\ttabs\t and  spaces ", "tabs and spaces"},
	}
	for _, tt := range tests {
		got := oneLine(tt.in)
		if got != tt.want {
			t.Errorf("oneLine(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if strings.ContainsAny(got, controlChars+"\n\r") {
			t.Errorf("oneLine(%q) = %q keeps a control character", tt.in, got)
		}
	}
	if got := oneLine(strings.Repeat("x", 3*maxLine)); len(got) > maxLine+len("...(cut)") {
		t.Errorf("oneLine of %d bytes is %d bytes long", 3*maxLine, len(got))
	}
}

func TestTableStripsControlCharacters(t *testing.T) {
	tb := newTable("A", "B")
	tb.add(hostileText, "tab\there")
	tb.add("", "x")
	var b bytes.Buffer
	if err := tb.write(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if strings.ContainsAny(out, controlChars+"\r\t") {
		t.Errorf("table keeps a control character or tab: %q", out)
	}
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[2], "-") || !strings.Contains(lines[1], "tab here") {
		t.Errorf("table =\n%s", out)
	}
}

func TestErrorJSON(t *testing.T) {
	if got := newErrorJSON(nil); got != (errorJSON{}) {
		t.Errorf("newErrorJSON(nil) = %+v", got)
	}
	got := newErrorJSON(errors.New("boom\x1b[2J\nsecond line"))
	if got.Code != "unknown" || got.Error != "boom?[2J; second line" {
		t.Errorf("newErrorJSON = %+v", got)
	}
}

// TestEndpointEscapeSequencesNeverReachTheTerminal: an endpoint's AccessDenied message
// carrying escape sequences shows, in every output format and on stderr, without them.
func TestEndpointEscapeSequencesNeverReachTheTerminal(t *testing.T) {
	ts := newTestServer(t)
	for _, format := range []string{"table", "json", "uri"} {
		t.Run(format, func(t *testing.T) {
			fault := appmeshenvoytest.AccessDenied("ssm:GetParameter")
			fault.Message = hostileText
			ts.FailNext("ssm:GetParameter", "us-west-2", 1, fault)
			r := ts.run(t, ts.opts(), "image", "--region", "us-west-2", "--region", "eu-west-1", "-o", format)
			r.wantCode(t, exitFailed)
			for name, out := range map[string]string{"stdout": r.stdout, "stderr": r.stderr} {
				if strings.ContainsAny(out, controlChars+"\r") {
					t.Errorf("%s keeps a control character: %q", name, out)
				}
			}
			if !strings.Contains(r.stdout+r.stderr, "pwned") {
				t.Errorf("the message itself is gone:\nstdout %q\nstderr %q", r.stdout, r.stderr)
			}
		})
	}
}
