package iampolicy

import (
	"strings"
	"testing"
)

func TestEvaluate(t *testing.T) {
	type req struct {
		action, resource string
		want             Decision
	}
	tests := []struct {
		name   string
		policy string
		reqs   []req
	}{
		{
			name:   "allow and implicit deny",
			policy: `{"Statement":[{"Effect":"Allow","Action":"ecr:BatchGetImage","Resource":"` + repoARN + `"}]}`,
			reqs: []req{
				{"ecr:BatchGetImage", repoARN, Allow},
				{"ecr:PutImage", repoARN, ImplicitDeny},
				{"ecr:BatchGetImage", "arn:aws:ecr:us-east-1:840364872350:repository/aws-appmesh-envoy", ImplicitDeny},
				{"ecr:BatchGetImage", "*", ImplicitDeny},
			},
		},
		{
			name:   "explicit deny wins over allow",
			policy: `{"Statement":[{"Effect":"Allow","Action":"ecr:*","Resource":"*"},{"Effect":"Deny","Action":"ecr:PutImage","Resource":"*"}]}`,
			reqs: []req{
				{"ecr:PutImage", repoARN, ExplicitDeny},
				{"ecr:BatchGetImage", repoARN, Allow},
				{"ssm:GetParameter", paramARN, ImplicitDeny},
			},
		},
		{
			name:   "deny alone",
			policy: `{"Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}`,
			reqs:   []req{{"ecr:BatchGetImage", repoARN, ExplicitDeny}},
		},
		{
			name:   "actions match without regard to case",
			policy: `{"Statement":[{"Effect":"Allow","Action":"ECR:batchgetimage","Resource":"*"}]}`,
			reqs:   []req{{"ecr:BatchGetImage", repoARN, Allow}, {"Ecr:BATCHGETIMAGE", repoARN, Allow}},
		},
		{
			name:   "resources match with regard to case",
			policy: `{"Statement":[{"Effect":"Allow","Action":"ecr:BatchGetImage","Resource":"` + repoARN + `"}]}`,
			reqs:   []req{{"ecr:BatchGetImage", strings.ToUpper(repoARN[len(repoARN)-17:]), ImplicitDeny}, {"ecr:BatchGetImage", strings.Replace(repoARN, "aws-appmesh-envoy", "AWS-APPMESH-ENVOY", 1), ImplicitDeny}},
		},
		{
			name:   "star and question mark",
			policy: `{"Statement":[{"Effect":"Allow","Action":["ecr:Get*","ssm:GetParamete?"],"Resource":["arn:aws:ecr:us-west-?:840364872350:repository/*","arn:aws:ssm:*::parameter/aws/*"]}]}`,
			reqs: []req{
				{"ecr:GetDownloadUrlForLayer", repoARN, Allow},
				{"ecr:GetDownloadUrlForLayer", "arn:aws:ecr:us-west-10:840364872350:repository/x", ImplicitDeny},
				{"ecr:BatchGetImage", repoARN, ImplicitDeny},
				{"ssm:GetParameter", paramARN, Allow},
				{"ssm:GetParameters", paramARN, ImplicitDeny},
				{"ssm:GetParameter", "arn:aws:ssm:us-west-2:111122223333:parameter/aws/x", ImplicitDeny},
			},
		},
		{
			name:   "wildcards stay within an ARN part",
			policy: `{"Statement":[{"Effect":"Allow","Action":"ecr:BatchGetImage","Resource":"arn:aws:ecr:us-*:840364872350:repository/x"}]}`,
			reqs: []req{
				{"ecr:BatchGetImage", "arn:aws:ecr:us-west-2:840364872350:repository/x", Allow},
				{"ecr:BatchGetImage", "arn:aws:ecr:us-west-2:1:840364872350:repository/x", ImplicitDeny},
			},
		},
		{
			name:   "star in the resource part crosses slashes and colons",
			policy: `{"Statement":[{"Effect":"Allow","Action":"appmesh:*","Resource":"arn:aws:appmesh:us-west-2:111122223333:mesh/shop/*"}]}`,
			reqs: []req{
				{"appmesh:StreamAggregatedResources", testNode, Allow},
				{"appmesh:StreamAggregatedResources", "arn:aws:appmesh:us-west-2:111122223333:mesh/shop/virtualNode/a:b", Allow},
				{"appmesh:StreamAggregatedResources", "arn:aws:appmesh:us-west-2:111122223333:mesh/shopping/virtualNode/a", ImplicitDeny},
			},
		},
		{
			name:   "short ARN with a wildcard",
			policy: `{"Statement":[{"Effect":"Allow","Action":"ecr:BatchGetImage","Resource":"arn:aws:ecr:*"}]}`,
			reqs:   []req{{"ecr:BatchGetImage", repoARN, Allow}, {"ecr:BatchGetImage", paramARN, ImplicitDeny}},
		},
		{
			name:   "NotAction",
			policy: `{"Statement":[{"Effect":"Allow","NotAction":["ecr:Put*","iam:*"],"Resource":"*"}]}`,
			reqs:   []req{{"ecr:BatchGetImage", repoARN, Allow}, {"ecr:PutImage", repoARN, ImplicitDeny}, {"IAM:PassRole", "*", ImplicitDeny}},
		},
		{
			name:   "NotResource",
			policy: `{"Statement":[{"Effect":"Allow","Action":"ecr:BatchGetImage","NotResource":"arn:aws:ecr:*:840364872350:repository/*"}]}`,
			reqs:   []req{{"ecr:BatchGetImage", repoARN, ImplicitDeny}, {"ecr:BatchGetImage", "arn:aws:ecr:us-west-2:111122223333:repository/x", Allow}},
		},
		{
			name:   "Deny with NotResource",
			policy: `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"ecr:*","NotResource":"` + repoARN + `"}]}`,
			reqs:   []req{{"ecr:BatchGetImage", repoARN, Allow}, {"ecr:BatchGetImage", "arn:aws:ecr:us-east-1:840364872350:repository/aws-appmesh-envoy", ExplicitDeny}},
		},
		{
			name:   "wildcard-only action needs the star",
			policy: `{"Statement":[{"Effect":"Allow","Action":"ecr:GetAuthorizationToken","Resource":"arn:aws:ecr:*:*:*"}]}`,
			reqs:   []req{{"ecr:GetAuthorizationToken", "*", ImplicitDeny}},
		},
		{
			name:   "condition makes a match unsupported",
			policy: `{"Statement":[{"Effect":"Allow","Action":"ecr:BatchGetImage","Resource":"*","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-1"}}}]}`,
			reqs:   []req{{"ecr:BatchGetImage", repoARN, Unsupported}, {"ecr:PutImage", repoARN, ImplicitDeny}},
		},
		{
			name: "conditional allow with an unconditional allow",
			policy: `{"Statement":[{"Effect":"Allow","Action":"ecr:BatchGetImage","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"true"}}},
				{"Effect":"Allow","Action":"ecr:BatchGetImage","Resource":"` + repoARN + `"}]}`,
			reqs: []req{{"ecr:BatchGetImage", repoARN, Allow}, {"ecr:BatchGetImage", paramARN, Unsupported}},
		},
		{
			name: "conditional deny",
			policy: `{"Statement":[{"Effect":"Allow","Action":"ecr:*","Resource":"*"},
				{"Effect":"Deny","Action":"ecr:PutImage","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"false"}}}]}`,
			reqs: []req{{"ecr:PutImage", repoARN, Unsupported}, {"ecr:BatchGetImage", repoARN, Allow}},
		},
		{
			name: "unconditional deny beats conditional",
			policy: `{"Statement":[{"Effect":"Deny","Action":"ecr:PutImage","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"false"}}},
				{"Effect":"Deny","Action":"ecr:*","Resource":"*"}]}`,
			reqs: []req{{"ecr:PutImage", repoARN, ExplicitDeny}},
		},
		{
			// Denied either way, but explicitly or implicitly depends on the condition.
			name:   "conditional deny without any allow",
			policy: `{"Statement":[{"Effect":"Deny","Action":"ecr:PutImage","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":false}}}]}`,
			reqs:   []req{{"ecr:PutImage", repoARN, Unsupported}, {"ecr:BatchGetImage", repoARN, ImplicitDeny}},
		},
		{
			name: "conditional deny that cannot apply leaves the allow",
			policy: `{"Statement":[{"Effect":"Allow","Action":"ecr:*","Resource":"*"},
				{"Effect":"Deny","Action":"ecr:*","NotResource":"arn:aws:ecr:*:840364872350:repository/*","Condition":{"NumericLessThan":{"aws:MultiFactorAuthAge":3600}}}]}`,
			reqs: []req{{"ecr:BatchGetImage", repoARN, Allow}, {"ecr:BatchGetImage", "arn:aws:ecr:us-west-2:111122223333:repository/x", Unsupported}},
		},
		{
			name: "Deny with NotAction and NotResource",
			policy: `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},
				{"Effect":"Deny","NotAction":"ecr:BatchGetImage","NotResource":"` + repoARN + `"}]}`,
			reqs: []req{{"ecr:PutImage", repoARN, Allow}, {"ecr:PutImage", "arn:aws:ecr:us-east-1:840364872350:repository/aws-appmesh-envoy", ExplicitDeny},
				{"ecr:BatchGetImage", "arn:aws:ecr:us-east-1:840364872350:repository/aws-appmesh-envoy", Allow}, {"ecr:GetAuthorizationToken", "*", ExplicitDeny}},
		},
		{
			name:   "principal makes a match unsupported",
			policy: `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::prod-us-west-2-starport-layer-bucket/*"}]}`,
			reqs:   []req{{"s3:GetObject", "arn:aws:s3:::prod-us-west-2-starport-layer-bucket/layer", Unsupported}, {"s3:PutObject", "arn:aws:s3:::prod-us-west-2-starport-layer-bucket/layer", ImplicitDeny}},
		},
		{
			name:   "policy variable makes a match unsupported",
			policy: `{"Statement":[{"Effect":"Allow","Action":"ssm:GetParameter","Resource":"arn:aws:ssm:us-west-2:111122223333:parameter/${aws:username}/*"}]}`,
			reqs:   []req{{"ssm:GetParameter", "arn:aws:ssm:us-west-2:111122223333:parameter/bob/x", Unsupported}, {"ssm:PutParameter", "arn:aws:ssm:us-west-2:111122223333:parameter/bob/x", ImplicitDeny}},
		},
		{
			name:   "bad effect is ignored",
			policy: `{"Statement":[{"Effect":"allow","Action":"*","Resource":"*"}]}`,
			reqs:   []req{{"ecr:BatchGetImage", repoARN, ImplicitDeny}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc := mustParse(t, tc.policy)
			for _, r := range tc.reqs {
				if got := Evaluate(doc, r.action, r.resource); got != r.want {
					t.Errorf("Evaluate(%s, %s) = %v, want %v", r.action, r.resource, got, r.want)
				}
			}
		})
	}
}

func TestDecisionString(t *testing.T) {
	for d, want := range map[Decision]string{Allow: "allowed", ExplicitDeny: "explicitDeny", ImplicitDeny: "implicitDeny", Unsupported: "unsupported", Decision(9): "Decision(9)"} {
		if got := d.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", int(d), got, want)
		}
	}
}

func TestGlobMatch(t *testing.T) {
	tests := []struct {
		p, s string
		want bool
	}{
		{"", "", true},
		{"*", "", true},
		{"*", "anything", true},
		{"a*b", "ab", true},
		{"a*b", "axxb", true},
		{"a*b", "axxbc", false},
		{"a?c", "abc", true},
		{"a?c", "ac", false},
		{"a?c", "aéc", true},
		{"*a*a*a*a*a*a*b", strings.Repeat("a", 100), false},
		{"abc", "ABC", false},
	}
	for _, tc := range tests {
		if got := globMatch(tc.p, tc.s); got != tc.want {
			t.Errorf("globMatch(%q, %q) = %v, want %v", tc.p, tc.s, got, tc.want)
		}
	}
}

// FuzzEvaluate checks Evaluate against its definition on one-statement policies: a
// literal Allow of the request itself allows it, a Deny of it denies it, and the
// answer never panics for patterns.
func FuzzEvaluate(f *testing.F) {
	f.Add("ecr:BatchGetImage", repoARN, "ecr:batchgetimage", repoARN)
	f.Add("ecr:*", "arn:aws:ecr:*:*:repository/*", "ecr:PutImage", repoARN)
	f.Add("*", "*", "x:y", "*")
	f.Add("ssm:GetParamete?", "arn:aws:ssm:*::parameter/aws/*", "ssm:GetParameter", paramARN)
	f.Fuzz(func(t *testing.T, actionPattern, resourcePattern, action, resource string) {
		doc := Document{Statement: []Statement{{Effect: EffectAllow, Action: []string{actionPattern}, Resource: []string{resourcePattern}}}}
		got := Evaluate(doc, action, resource)
		if got != Allow && got != ImplicitDeny && got != Unsupported {
			t.Fatalf("one Allow statement gave %v", got)
		}
		deny := Document{Statement: append(doc.Statement, Statement{Effect: EffectDeny, Action: []string{actionPattern}, Resource: []string{resourcePattern}})}
		switch d := Evaluate(deny, action, resource); {
		case got == Allow && d != ExplicitDeny:
			t.Fatalf("allowed, but adding the same Deny gives %v", d)
		case got == ImplicitDeny && d != ImplicitDeny:
			t.Fatalf("not matched, but adding the same Deny gives %v", d)
		}
		// Literal requests: a policy naming exactly the request allows it.
		if !strings.ContainsAny(action+resource, "*?$") {
			self := Document{Statement: []Statement{{Effect: EffectAllow, Action: []string{action}, Resource: []string{resource}}}}
			if d := Evaluate(self, action, resource); d != Allow {
				t.Fatalf("a policy allowing exactly %q on %q gives %v", action, resource, d)
			}
			if isASCII(action) && Evaluate(self, strings.ToUpper(action), resource) != Allow {
				t.Fatalf("action case changed the answer")
			}
			if d := Evaluate(self, action, resource); d != Allow {
				t.Fatalf("answer changed: %v", d)
			}
		}
	})
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// TestEvaluateEmptyIsAbsent: an empty Action or Resource slice means "absent", as the
// Statement documentation says and as the JSON it marshals to says (empty lists are
// left out). A Deny with Action [] and NotAction [...] used to evaluate as if its
// Action matched nothing, while its JSON is an explicit deny.
func TestEvaluateEmptyIsAbsent(t *testing.T) {
	tests := []struct {
		name             string
		stmt             Statement
		action, resource string
		want             Decision
	}{
		{"deny, empty Action, NotAction", Statement{Effect: EffectDeny, Action: []string{}, NotAction: []string{"ecr:PutImage"}, Resource: []string{"*"}},
			"ecr:BatchGetImage", repoARN, ExplicitDeny},
		{"allow, empty Action, NotAction", Statement{Effect: EffectAllow, Action: []string{}, NotAction: []string{"ecr:PutImage"}, Resource: []string{"*"}},
			"ecr:BatchGetImage", repoARN, Allow},
		{"deny, empty Resource, NotResource", Statement{Effect: EffectDeny, Action: []string{"ecr:*"}, Resource: []string{}, NotResource: []string{repoARN}},
			"ecr:BatchGetImage", "arn:aws:ecr:us-east-1:840364872350:repository/aws-appmesh-envoy", ExplicitDeny},
		{"allow, empty Resource, NotResource", Statement{Effect: EffectAllow, Action: []string{"ecr:*"}, Resource: []string{}, NotResource: []string{repoARN}},
			"ecr:BatchGetImage", repoARN, ImplicitDeny},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc := Document{Statement: []Statement{tc.stmt}}
			if got := Evaluate(doc, tc.action, tc.resource); got != tc.want {
				t.Errorf("Evaluate = %v, want %v", got, tc.want)
			}
			back := mustParse(t, doc.String())
			if got := Evaluate(back, tc.action, tc.resource); got != tc.want {
				t.Errorf("Evaluate(marshalled) = %v, want %v", got, tc.want)
			}
		})
	}
}

// Pools the document generator of FuzzEvaluateAgreesWithJSON picks from, and the
// requests it evaluates.
var (
	fuzzActions = []string{"ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:GetAuthorizationToken", "ecr:PutImage",
		"ecr:*", "ecr:Get*", "ECR:batchgetimage", "ssm:GetParameter", "ssm:GetParamete?", "*", "s3:GetObject"}
	fuzzResources = []string{repoARN, paramARN, "*", "arn:aws:ecr:*:840364872350:repository/*",
		"arn:aws:ecr:us-west-?:840364872350:repository/aws-appmesh-envoy", "arn:aws:ssm:*::parameter/aws/*",
		"arn:aws:ecr:us-east-1:111122223333:repository/mirror/*", "arn:aws:s3:::prod-us-west-2-starport-layer-bucket/*",
		"arn:aws:ssm:us-west-2:111122223333:parameter/${aws:username}/*"}
	fuzzRequests = [][2]string{
		{"ecr:BatchGetImage", repoARN}, {"ecr:PutImage", repoARN}, {"ecr:GetAuthorizationToken", "*"},
		{"ecr:BatchGetImage", "arn:aws:ecr:us-east-1:111122223333:repository/mirror/envoy"},
		{"ecr:GetDownloadUrlForLayer", "arn:aws:ecr:eu-west-1:840364872350:repository/aws-appmesh-envoy"},
		{"ssm:GetParameter", paramARN}, {"ssm:PutParameter", paramARN}, {"ssm:GetParameter", "arn:aws:ssm:us-west-2:111122223333:parameter/bob/x"},
		{"s3:GetObject", "arn:aws:s3:::prod-us-west-2-starport-layer-bucket/layer"}, {"iam:PassRole", "*"},
	}
)

// fuzzDocument builds a document from data: each statement's Action, NotAction,
// Resource and NotResource are nil, empty or picked from the pools; it may have a Sid, a
// Condition or a Principal (each also possibly empty).
func fuzzDocument(data []byte) Document {
	next := func() int {
		if len(data) == 0 {
			return 0
		}
		b := data[0]
		data = data[1:]
		return int(b)
	}
	list := func(pool []string) []string {
		switch n := next() % 4; n {
		case 0:
			return nil
		case 1:
			return []string{}
		default:
			out := make([]string, 0, n)
			for i := 0; i < n-1; i++ {
				out = append(out, pool[next()%len(pool)])
			}
			return out
		}
	}
	var d Document
	for n := next()%3 + 1; n > 0; n-- {
		s := Statement{Effect: EffectAllow}
		if next()%2 == 1 {
			s.Effect = EffectDeny
		}
		if next()%3 == 0 {
			s.Sid = "S" + itoa(len(d.Statement))
		}
		s.Action, s.NotAction = list(fuzzActions), list(fuzzActions)
		s.Resource, s.NotResource = list(fuzzResources), list(fuzzResources)
		switch next() % 5 {
		case 1:
			s.Condition = Condition{}
		case 2:
			s.Condition = Condition{"Bool": {}}
		case 3:
			s.Condition = Condition{"Bool": {"aws:SecureTransport": {"true"}}}
		}
		switch next() % 5 {
		case 1:
			s.Principal = Principal{}
		case 2:
			s.Principal = PrincipalAll()
		case 3:
			s.Principal = Principal{"AWS": {}}
		}
		d.Statement = append(d.Statement, s)
	}
	return d
}

// FuzzEvaluateAgreesWithJSON: for every document Validate accepts (as an identity or an
// endpoint policy), Evaluate gives the same answer for the document and for the JSON it
// marshals to, read back with Parse, and Equivalent says they are the same policy.
func FuzzEvaluateAgreesWithJSON(f *testing.F) {
	f.Add([]byte{0})
	f.Add([]byte{1, 2, 3, 0, 0, 2, 0, 3, 2, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		doc := fuzzDocument(data)
		if doc.Validate() != nil && doc.ValidateAs(KindEndpoint) != nil {
			return
		}
		back, err := Parse([]byte(doc.String()))
		if err != nil {
			t.Fatalf("marshalled document does not parse: %v\n%s", err, doc)
		}
		if !Equivalent(doc, back) {
			t.Fatalf("Equivalent(doc, Parse(Marshal(doc))) is false\n%s", doc)
		}
		for _, rq := range fuzzRequests {
			if got, want := Evaluate(doc, rq[0], rq[1]), Evaluate(back, rq[0], rq[1]); got != want {
				t.Fatalf("%s on %s: Evaluate(doc) = %v, Evaluate(its JSON) = %v\ndoc: %#v\nJSON: %s", rq[0], rq[1], got, want, doc.Statement, doc)
			}
		}
	})
}
