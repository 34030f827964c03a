package iampolicy

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseAndMarshal(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Document
		// canonical is the expected MarshalJSON output.
		canonical string
	}{
		{
			name:      "statement object and string values",
			in:        `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ecr:GetAuthorizationToken","Resource":"*"}}`,
			want:      Document{Version: Version, Statement: []Statement{{Effect: "Allow", Action: []string{"ecr:GetAuthorizationToken"}, Resource: []string{"*"}}}},
			canonical: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ecr:GetAuthorizationToken"],"Resource":["*"]}]}`,
		},
		{
			name: "arrays are sorted and deduplicated, key order fixed",
			in: `{"Statement":[{"Resource":["b","a","b"],"Action":["ssm:GetParameters","ssm:GetParameter"],"Effect":"Deny","Sid":"S1"}],
				"Id":"my-policy","Version":"2012-10-17"}`,
			want: Document{Version: Version, ID: "my-policy", Statement: []Statement{{Sid: "S1", Effect: "Deny",
				Action: []string{"ssm:GetParameters", "ssm:GetParameter"}, Resource: []string{"b", "a", "b"}}}},
			canonical: `{"Version":"2012-10-17","Id":"my-policy","Statement":[{"Sid":"S1","Effect":"Deny","Action":["ssm:GetParameter","ssm:GetParameters"],"Resource":["a","b"]}]}`,
		},
		{
			name:      "missing version is written as 2012-10-17",
			in:        `{"Statement":[{"Effect":"Allow","NotAction":"iam:*","NotResource":["arn:aws:iam::111122223333:role/x"]}]}`,
			want:      Document{Statement: []Statement{{Effect: "Allow", NotAction: []string{"iam:*"}, NotResource: []string{"arn:aws:iam::111122223333:role/x"}}}},
			canonical: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":["iam:*"],"NotResource":["arn:aws:iam::111122223333:role/x"]}]}`,
		},
		{
			name:      "old version kept",
			in:        `{"Version":"2008-10-17","Statement":[]}`,
			want:      Document{Version: "2008-10-17", Statement: []Statement{}},
			canonical: `{"Version":"2008-10-17","Statement":[]}`,
		},
		{
			name: "principal and condition with numbers and booleans",
			in: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root","Service":["b.amazonaws.com","a.amazonaws.com"]},
				"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*",
				"Condition":{"Bool":{"aws:SecureTransport":true},"NumericLessThan":{"s3:max-keys":[10,"20"]},"StringEquals":{"aws:SourceVpce":"vpce-1"}}}]}`,
			want: Document{Version: Version, Statement: []Statement{{Effect: "Allow",
				Principal: Principal{"AWS": {"arn:aws:iam::111122223333:root"}, "Service": {"b.amazonaws.com", "a.amazonaws.com"}},
				Action:    []string{"s3:GetObject"}, Resource: []string{"arn:aws:s3:::b/*"},
				Condition: Condition{"Bool": {"aws:SecureTransport": {"true"}}, "NumericLessThan": {"s3:max-keys": {"10", "20"}}, "StringEquals": {"aws:SourceVpce": {"vpce-1"}}}}}},
			canonical: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111122223333:root"],"Service":["a.amazonaws.com","b.amazonaws.com"]},` +
				`"Action":["s3:GetObject"],"Resource":["arn:aws:s3:::b/*"],"Condition":{"Bool":{"aws:SecureTransport":["true"]},"NumericLessThan":{"s3:max-keys":["10","20"]},"StringEquals":{"aws:SourceVpce":["vpce-1"]}}}]}`,
		},
		{
			name: "every principal type, Id, old version, Bool false and decimal numbers",
			in: `{"Id":"endpoint-policy","Version":"2008-10-17","Statement":{"Sid":"Cross1","Effect":"Deny",
				"Principal":{"AWS":["arn:aws:iam::444455556666:role/b","111122223333"],"Federated":"cognito-identity.amazonaws.com",
				"CanonicalUser":"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be","Service":"ecs-tasks.amazonaws.com"},
				"NotAction":"s3:GetObject","NotResource":"arn:aws:s3:::prod-us-west-2-starport-layer-bucket/*",
				"Condition":{"Bool":{"aws:SecureTransport":false},"NumericGreaterThanEquals":{"s3:TlsVersion":1.2},"DateLessThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"}}}}`,
			want: Document{Version: "2008-10-17", ID: "endpoint-policy", Statement: []Statement{{Sid: "Cross1", Effect: "Deny",
				Principal: Principal{
					"AWS":           {"arn:aws:iam::444455556666:role/b", "111122223333"},
					"Federated":     {"cognito-identity.amazonaws.com"},
					"CanonicalUser": {"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"},
					"Service":       {"ecs-tasks.amazonaws.com"},
				},
				NotAction: []string{"s3:GetObject"}, NotResource: []string{"arn:aws:s3:::prod-us-west-2-starport-layer-bucket/*"},
				Condition: Condition{"Bool": {"aws:SecureTransport": {"false"}}, "NumericGreaterThanEquals": {"s3:TlsVersion": {"1.2"}},
					"DateLessThan": {"aws:CurrentTime": {"2030-01-01T00:00:00Z"}}}}}},
			canonical: `{"Version":"2008-10-17","Id":"endpoint-policy","Statement":[{"Sid":"Cross1","Effect":"Deny","Principal":{"AWS":["111122223333","arn:aws:iam::444455556666:role/b"],` +
				`"CanonicalUser":["79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"],"Federated":["cognito-identity.amazonaws.com"],"Service":["ecs-tasks.amazonaws.com"]},` +
				`"NotAction":["s3:GetObject"],"NotResource":["arn:aws:s3:::prod-us-west-2-starport-layer-bucket/*"],` +
				`"Condition":{"Bool":{"aws:SecureTransport":["false"]},"DateLessThan":{"aws:CurrentTime":["2030-01-01T00:00:00Z"]},"NumericGreaterThanEquals":{"s3:TlsVersion":["1.2"]}}}]}`,
		},
		{
			name:      "principal AWS star",
			in:        `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":["s3:GetObject"],"Resource":"arn:aws:s3:::b/*"}]}`,
			want:      Document{Version: Version, Statement: []Statement{{Effect: "Allow", Principal: Principal{"AWS": {"*"}}, Action: []string{"s3:GetObject"}, Resource: []string{"arn:aws:s3:::b/*"}}}},
			canonical: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["*"]},"Action":["s3:GetObject"],"Resource":["arn:aws:s3:::b/*"]}]}`,
		},
		{
			name:      "principal star",
			in:        `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`,
			want:      Document{Version: Version, Statement: []Statement{{Effect: "Allow", Principal: PrincipalAll(), Action: []string{"s3:GetObject"}, Resource: []string{"arn:aws:s3:::b/*"}}}},
			canonical: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::b/*"]}]}`,
		},
		{
			name:      "empty sid and lists left out; html characters not escaped",
			in:        `{"Version":"2012-10-17","Statement":[{"Sid":"","Effect":"Allow","Action":["a:<b>&"],"Resource":"*","Condition":{}}]}`,
			want:      Document{Version: Version, Statement: []Statement{{Effect: "Allow", Action: []string{"a:<b>&"}, Resource: []string{"*"}, Condition: Condition{}}}},
			canonical: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["a:<b>&"],"Resource":["*"]}]}`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse([]byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Parse (-want +got):\n%s", diff)
			}
			out, err := got.MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			// json.Marshal gives the same meaning (it escapes <, > and & in strings).
			if viaMarshal, err := json.Marshal(got); err != nil || !json.Valid(viaMarshal) {
				t.Fatalf("json.Marshal: %v", err)
			}
			if diff := cmp.Diff(tc.canonical, string(out)); diff != "" {
				t.Errorf("MarshalJSON (-want +got):\n%s", diff)
			}
			// Round trip keeps meaning and is stable.
			back, err := Parse(out)
			if err != nil {
				t.Fatal(err)
			}
			if !Equivalent(got, back) {
				t.Errorf("round trip changed meaning: %s", out)
			}
			if diff := cmp.Diff(got.Normalize(), back); diff != "" {
				t.Errorf("Parse(Marshal(d)) != Normalize(d) (-want +got):\n%s", diff)
			}
			var viaJSON Document
			if err := json.Unmarshal([]byte(tc.in), &viaJSON); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(got, viaJSON); diff != "" {
				t.Errorf("json.Unmarshal differs from Parse:\n%s", diff)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, in, key string
	}{
		{"not an object", `[1]`, "policy"},
		{"not json", `{"Version":`, "policy.Version"},
		{"trailing data", `{"Statement":[]} {}`, "policy"},
		{"no statement", `{"Version":"2012-10-17"}`, "Statement"},
		{"statement null", `{"Statement":null}`, "Statement"},
		{"statement string", `{"Statement":"x"}`, "Statement"},
		{"unknown top-level key", `{"Statement":[],"Foo":1}`, "policy.Foo"},
		{"wrong case key", `{"statement":[]}`, "policy.statement"},
		{"duplicate key", `{"Statement":[],"Statement":[]}`, "policy.Statement"},
		{"unknown statement key", `{"Statement":[{"Effect":"Allow","Actions":"a:b"}]}`, "Statement[0].Actions"},
		{"duplicate statement key", `{"Statement":[{"Effect":"Allow","Effect":"Deny"}]}`, "Statement[0].Effect"},
		{"version number", `{"Version":2012,"Statement":[]}`, "Version"},
		{"action number", `{"Statement":[{"Action":1}]}`, "Statement[0].Action"},
		{"resource null", `{"Statement":[{"Resource":null}]}`, "Statement[0].Resource"},
		{"resource array of numbers", `{"Statement":[{"Resource":[1]}]}`, "Statement[0].Resource"},
		{"principal string not star", `{"Statement":[{"Principal":"arn:aws:iam::1:root"}]}`, "Statement[0].Principal"},
		{"condition value object", `{"Statement":[{"Condition":{"StringEquals":{"k":{"x":1}}}}]}`, "Statement[0].Condition.StringEquals.k"},
		{"condition value null", `{"Statement":[{"Condition":{"StringEquals":{"k":null}}}]}`, "Statement[0].Condition.StringEquals.k"},
		{"condition not object", `{"Statement":[{"Condition":[]}]}`, "Statement[0].Condition"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.in))
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse error = %v, want *ParseError", err)
			}
			if !errors.Is(err, ErrInvalidPolicy) {
				t.Errorf("error does not match ErrInvalidPolicy")
			}
			if pe.Key != tc.key {
				t.Errorf("Key = %q, want %q (error %q)", pe.Key, tc.key, err)
			}
		})
	}
	_, err := Parse([]byte(`{"statement":[]}`))
	if err == nil || !strings.Contains(err.Error(), `did you mean "Statement"`) {
		t.Errorf("wrong-case key error %v does not suggest the right key", err)
	}
}

func TestEquivalent(t *testing.T) {
	a := mustParse(t, `{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow","Action":"ecr:GetAuthorizationToken","Resource":"*"},
		{"Sid":"B","Effect":"Allow","Action":["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer"],"Resource":"arn:aws:ecr:us-west-2:840364872350:repository/aws-appmesh-envoy"}]}`)
	reordered := mustParse(t, `{"Statement":[{"Resource":["arn:aws:ecr:us-west-2:840364872350:repository/aws-appmesh-envoy"],"Action":["ecr:GetDownloadUrlForLayer","ecr:BatchGetImage","ecr:BatchGetImage"],"Effect":"Allow","Sid":"B"},
		{"Sid":"A","Effect":"Allow","Action":["ecr:GetAuthorizationToken"],"Resource":["*"]}]}`)
	if !Equivalent(a, reordered) {
		t.Error("reordered document not equivalent")
	}
	changed := reordered
	changed.Statement = append([]Statement{}, reordered.Statement...)
	changed.Statement[1].Resource = []string{"arn:aws:ecr:us-west-2:840364872350:repository/other"}
	if Equivalent(a, changed) {
		t.Error("different resource reported equivalent")
	}
	if Equivalent(a, Document{Version: "2008-10-17", Statement: a.Statement}) {
		t.Error("different Version reported equivalent")
	}
	if Equivalent(a, Document{Version: Version, Statement: a.Statement[:1]}) {
		t.Error("missing statement reported equivalent")
	}
}

func mustParse(t testing.TB, s string) Document {
	t.Helper()
	d, err := Parse([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// FuzzUnmarshalDocument checks that whatever parses marshals to canonical JSON that
// parses back to the normalized document, and that marshalling is stable.
func FuzzUnmarshalDocument(f *testing.F) {
	for _, s := range []string{
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ecr:GetAuthorizationToken","Resource":"*"}}`,
		`{"Version":"2012-10-17","Id":"x","Statement":[{"Sid":"A1","Effect":"Deny","NotAction":["ssm:Put*","ssm:Delete*"],"NotResource":"arn:aws:ssm:*::parameter/aws/*"}]}`,
		`{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::prod-*-starport-layer-bucket/*","Condition":{"Bool":{"aws:SecureTransport":true}}}]}`,
		`{"Statement":[{"Effect":"Allow","Principal":{"AWS":["1","2"]},"NotPrincipal":{"Service":"x"},"Action":[],"Resource":[]}]}`,
		`{"Statement":[{"Condition":{"NumericEquals":{"k":[1.5e3,true,"x"]},"Null":{}}}]}`,
		`{"Statement":[{"Action":"a:\u00e9\u4e16","Resource":"\t"}]}`,
		`{"Statement":[]}`,
		`{"Statement":null}`,
		`{"Statement":[],"Statement":[]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d1, err := Parse(data)
		if err != nil {
			return
		}
		out1, err := d1.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		d2, err := Parse(out1)
		if err != nil {
			t.Fatalf("canonical output does not parse: %v\n%s", err, out1)
		}
		if diff := cmp.Diff(d1.Normalize(), d2); diff != "" {
			t.Fatalf("Parse(Marshal(d)) != Normalize(d) (-want +got):\n%s", diff)
		}
		out2, _ := d2.MarshalJSON()
		if string(out1) != string(out2) {
			t.Fatalf("marshalling is not stable:\n%s\n%s", out1, out2)
		}
		if !Equivalent(d1, d2) {
			t.Fatal("round trip changed meaning")
		}
		if !json.Valid(out1) {
			t.Fatalf("invalid JSON: %s", out1)
		}
	})
}
