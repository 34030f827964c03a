package editdist

import "testing"

func TestDistance(t *testing.T) {
	tests := []struct {
		a, b  string
		limit int
		want  int
	}{
		{"", "", 0, 0},
		{"us-west-2", "us-west-2", 0, 0},
		{"us-wset-2", "us-west-2", 0, 2},
		{"kitten", "sitting", 0, 3},
		{"kitten", "sitting", 2, 2},
		{"a", "abcdef", 3, 3},
		{"ENVOY_LOG_LEVL", "ENVOY_LOG_LEVEL", 3, 1},
	}
	for _, tt := range tests {
		if got := Distance(tt.a, tt.b, tt.limit); got != tt.want {
			t.Errorf("Distance(%q, %q, %d) = %d, want %d", tt.a, tt.b, tt.limit, got, tt.want)
		}
	}
}

func TestClosest(t *testing.T) {
	cands := []string{"us-west-1", "us-west-2", "eu-west-1"}
	if got, d := Closest("us-west-3", cands, 2, nil); got != "us-west-1" || d != 1 {
		t.Errorf("Closest without tie-break = %q %d", got, d)
	}
	preferLater := func(a, b string) bool { return a > b }
	if got, _ := Closest("us-west-3", cands, 2, preferLater); got != "us-west-2" {
		t.Errorf("Closest with tie-break = %q", got)
	}
	if got, d := Closest("ap-south-9-zzzz", cands, 2, nil); got != "" || d != -1 {
		t.Errorf("Closest of a far string = %q %d", got, d)
	}
}
