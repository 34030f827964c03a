package quote

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestInput(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", `""`},
		{"us-west-2", `"us-west-2"`},
		{"a\x1b]0;owned\x07b", `"a\x1b]0;owned\ab"`},
		{"\xff", `"\xff"`},
		{strings.Repeat("a", Max), `"` + strings.Repeat("a", Max) + `"`},
		{strings.Repeat("a", Max+1), `"` + strings.Repeat("a", Max) + `"` + Cut},
		// A cut never splits a rune: 63 'a' then a 3-byte rune straddling byte 64.
		{strings.Repeat("a", Max-1) + "€x", `"` + strings.Repeat("a", Max-1) + `"` + Cut},
	}
	for _, tt := range tests {
		if got := Input(tt.in); got != tt.want {
			t.Errorf("Input(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestTruncateKeepsUTF8Valid(t *testing.T) {
	s := "ééééé" // 2 bytes each
	for n := 0; n <= len(s)+1; n++ {
		got := Truncate(s, n)
		if len(got) > n || !utf8.ValidString(got) {
			t.Errorf("Truncate(%q, %d) = %q", s, n, got)
		}
	}
	if got := Truncate("\xff\xff\xff\xff\xff\xff", 3); got != "\xff\xff\xff" {
		t.Errorf("Truncate of invalid UTF-8 = %q", got)
	}
}

func TestTextRemovesTerminalControls(t *testing.T) {
	in := "User: arn:aws:iam::1:user/x \x1b]0;pwned\x07 is not\tauthorized\r\n\u2028next \u0085 \xff"
	got := Text(in, 1000)
	for _, bad := range []string{"\x1b", "\x07", "\r", "\n", "\t", "\u2028", "\u0085", "\xff"} {
		if strings.Contains(got, bad) {
			t.Errorf("Text kept %q: %q", bad, got)
		}
	}
	if !strings.Contains(got, "is not authorized") {
		t.Errorf("Text lost the message: %q", got)
	}
	if got := Text(strings.Repeat("x", 300), 200); !strings.HasSuffix(got, Cut) || len(got) != 200+len(Cut) {
		t.Errorf("Text did not cut: %d bytes", len(got))
	}
}

func FuzzText(f *testing.F) {
	f.Add("hello\x1b[31mred", 10)
	f.Fuzz(func(t *testing.T, s string, max int) {
		if max < 0 || max > 4096 {
			return
		}
		got := Text(s, max)
		if !utf8.ValidString(got) {
			t.Fatalf("invalid UTF-8: %q", got)
		}
		for _, r := range got {
			if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
				t.Fatalf("control %U in %q", r, got)
			}
		}
		if len(got) > max+len(Cut) {
			t.Fatalf("%d bytes > %d", len(got), max+len(Cut))
		}
		q := Input(s)
		if strings.ContainsAny(q, "\x00\x1b\n\r") {
			t.Fatalf("Input kept a control: %q", q)
		}
	})
}
