package iampolicy

import (
	"errors"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/appmesh-envoy/appmesh-envoy-go/internal/errcode"
	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

const (
	repoARN  = "arn:aws:ecr:us-west-2:840364872350:repository/aws-appmesh-envoy"
	paramARN = "arn:aws:ssm:us-west-2::parameter/aws/service/appmesh/envoy"
)

func rulesOf(err error) []string {
	var ve *ValidationError
	if !errors.As(err, &ve) {
		return nil
	}
	var out []string
	for _, p := range ve.Problems {
		out = append(out, p.Rule)
	}
	sort.Strings(out)
	return out
}

func TestValidateRules(t *testing.T) {
	allow := func(actions []string, resources ...string) Statement {
		return Statement{Effect: EffectAllow, Action: actions, Resource: resources}
	}
	doc := func(ss ...Statement) Document { return Document{Version: Version, Statement: ss} }
	long := make([]string, 0, 200)
	for i := 0; i < 200; i++ {
		long = append(long, "arn:aws:ecr:us-west-2:111122223333:repository/mirror"+itoa(i))
	}
	tests := []struct {
		name  string
		doc   Document
		kind  Kind
		rules []string // nil: valid
	}{
		{"valid", doc(allow([]string{"ecr:BatchGetImage"}, repoARN)), KindManaged, nil},
		{"valid empty version", Document{Statement: []Statement{allow([]string{"ecr:GetAuthorizationToken"}, "*")}}, KindManaged, nil},
		{"valid other service not checked", doc(allow([]string{"logs:PutLogEvents", "logs:Bogus"}, "arn:aws:logs:us-west-2:111122223333:log-group:x:*")), KindManaged, nil},
		{"valid wildcard action", doc(allow([]string{"ecr:BatchGet*"}, repoARN)), KindManaged, nil},
		{"valid deny any resource", doc(Statement{Effect: EffectDeny, Action: []string{"ecr:GetAuthorizationToken"}, Resource: []string{repoARN}}), KindManaged, nil},
		{"version", Document{Version: "2012-10-18", Statement: []Statement{allow([]string{"ecr:GetAuthorizationToken"}, "*")}}, KindManaged, []string{RuleVersion}},
		{"no statement", Document{Version: Version}, KindManaged, []string{RuleStatement}},
		{"effect", doc(Statement{Effect: "allow", Action: []string{"ecr:GetAuthorizationToken"}, Resource: []string{"*"}}), KindManaged, []string{RuleEffect}},
		{"action and notaction", doc(Statement{Effect: EffectAllow, Action: []string{"ecr:GetAuthorizationToken"}, NotAction: []string{"ecr:PutImage"}, Resource: []string{"*"}}), KindManaged, []string{RuleAction}},
		{"no action", doc(Statement{Effect: EffectAllow, Resource: []string{"*"}}), KindManaged, []string{RuleAction}},
		{"malformed action", doc(allow([]string{"ecrBatchGetImage"}, "*")), KindManaged, []string{RuleAction}},
		{"resource and notresource", doc(Statement{Effect: EffectAllow, Action: []string{"ecr:GetAuthorizationToken"}, Resource: []string{"*"}, NotResource: []string{repoARN}}), KindManaged, []string{RuleResource}},
		{"no resource", doc(Statement{Effect: EffectAllow, Action: []string{"ecr:GetAuthorizationToken"}}), KindManaged, []string{RuleResource}},
		{"principal in identity policy", doc(Statement{Effect: EffectAllow, Principal: PrincipalAll(), Action: []string{"ecr:GetAuthorizationToken"}, Resource: []string{"*"}}), KindInline, []string{RulePrincipal}},
		{"endpoint policy without principal", doc(allow([]string{"s3:GetObject"}, "arn:aws:s3:::b/*")), KindEndpoint, []string{RulePrincipal}},
		{"sid characters", doc(Statement{Sid: "Envoy-Pull", Effect: EffectAllow, Action: []string{"ecr:GetAuthorizationToken"}, Resource: []string{"*"}}), KindManaged, []string{RuleSid}},
		{"duplicate sid", doc(
			Statement{Sid: "A", Effect: EffectAllow, Action: []string{"ecr:GetAuthorizationToken"}, Resource: []string{"*"}},
			Statement{Sid: "A", Effect: EffectAllow, Action: []string{"ecr:BatchGetImage"}, Resource: []string{repoARN}}), KindManaged, []string{RuleDuplicateSid}},
		{"charset", doc(allow([]string{"ecr:BatchGetImage"}, "arn:aws:ecr:us-west-2:840364872350:repository/envoy\u4e16")), KindManaged, []string{RuleCharset}},
		{"charset latin-1 ok", doc(Statement{Effect: EffectDeny, Action: []string{"ecr:BatchGetImage"}, Resource: []string{"arn:aws:ecr:us-west-2:840364872350:repository/é"}}), KindManaged, nil},
		{"charset control", Document{ID: "a\x01", Statement: []Statement{allow([]string{"ecr:GetAuthorizationToken"}, "*")}}, KindManaged, []string{RuleCharset}},
		{"not an arn", doc(allow([]string{"ecr:BatchGetImage"}, "repository/aws-appmesh-envoy")), KindManaged, []string{RuleARN}},
		{"unknown partition", doc(allow([]string{"ecr:BatchGetImage"}, "arn:aws-mars:ecr:us-west-2:840364872350:repository/x")), KindManaged, []string{RuleARN}},
		{"region of other partition", doc(allow([]string{"ecr:BatchGetImage"}, "arn:aws:ecr:cn-north-1:919366029133:repository/x")), KindManaged, []string{RuleARN}},
		{"not a region", doc(allow([]string{"ecr:BatchGetImage"}, "arn:aws:ecr:oregon:840364872350:repository/x")), KindManaged, []string{RuleARN}},
		{"bad account", doc(allow([]string{"ecr:BatchGetImage"}, "arn:aws:ecr:us-west-2:8403648723:repository/x")), KindManaged, []string{RuleARN}},
		{"ecr without account", doc(allow([]string{"ecr:BatchGetImage"}, "arn:aws:ecr:us-west-2::repository/x")), KindManaged, []string{RuleARN}},
		{"s3 with region", doc(allow([]string{"s3:GetObject"}, "arn:aws:s3:us-west-2::bucket/*")), KindManaged, []string{RuleARN}},
		{"s3 access point object", doc(allow([]string{"s3:GetObject"}, "arn:aws:s3:us-west-2:111122223333:accesspoint/ap/object/key")), KindManaged, nil},
		{"ecr resource of no type", doc(allow([]string{"ecr:BatchGetImage"}, "arn:aws:ecr:us-west-2:840364872350:image/x")), KindManaged, []string{RuleARN}},
		{"service wildcard", doc(allow([]string{"ecr:BatchGetImage"}, "arn:aws:*:us-west-2:840364872350:repository/x")), KindManaged, []string{RuleARN}},
		{"mixed partitions", doc(
			allow([]string{"ecr:BatchGetImage"}, repoARN),
			allow([]string{"ssm:GetParameter"}, "arn:aws-cn:ssm:cn-north-1::parameter/aws/service/appmesh/envoy")), KindManaged, []string{RulePartition}},
		{"unknown action", doc(allow([]string{"ecr:BatchGetImages"}, repoARN)), KindManaged, []string{RuleUnknown}},
		{"unknown action pattern", doc(allow([]string{"ecr:Fetch*"}, repoARN)), KindManaged, []string{RuleUnknown}},
		{"wildcard-only action on an arn", doc(allow([]string{"ecr:GetAuthorizationToken"}, repoARN)), KindManaged, []string{RuleResourceType, RuleResourceType}},
		{"xray on an arn", doc(allow([]string{"xray:PutTraceSegments"}, "arn:aws:xray:us-west-2:111122223333:group/x/ABCDEF")), KindManaged, []string{RuleResourceType, RuleResourceType}},
		{"ecr action on a parameter", doc(allow([]string{"ecr:BatchGetImage"}, paramARN)), KindManaged, []string{RuleResourceType, RuleResourceType}},
		{"ssm action on a repository", doc(allow([]string{"ssm:GetParameter"}, repoARN)), KindManaged, []string{RuleResourceType, RuleResourceType}},
		{"appmesh action on a mesh", doc(allow([]string{"appmesh:StreamAggregatedResources"}, "arn:aws:appmesh:us-west-2:111122223333:mesh/shop")), KindManaged, []string{RuleResourceType, RuleResourceType}},
		{"unused resource", doc(allow([]string{"ecr:BatchGetImage"}, repoARN, paramARN)), KindManaged, []string{RuleResourceType}},
		{"mixed statement fits", doc(allow([]string{"ecr:BatchGetImage", "ssm:GetParameter"}, repoARN, paramARN)), KindManaged, nil},
		{"wildcard resource fits", doc(allow([]string{"ecr:BatchGetImage"}, "arn:aws:ecr:*:*:*")), KindManaged, nil},
		{"wildcard resource of other type", doc(allow([]string{"appmesh:StreamAggregatedResources"}, "arn:aws:appmesh:us-west-2:111122223333:mesh/shop/virtualService/?art")), KindManaged, []string{RuleResourceType, RuleResourceType}},
		{"too large for managed", doc(allow([]string{"ecr:BatchGetImage"}, long...)), KindManaged, []string{RuleSize}},
		{"fits inline", doc(allow([]string{"ecr:BatchGetImage"}, long[:120]...)), KindInline, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.doc.ValidateAs(tc.kind)
			if diff := cmp.Diff(tc.rules, rulesOf(err)); diff != "" {
				t.Errorf("rules (-want +got):\n%s\nerror: %v", diff, err)
			}
			if tc.rules != nil && !errors.Is(err, ErrInvalidPolicy) {
				t.Errorf("error %v does not match ErrInvalidPolicy", err)
			}
		})
	}
}

// TestErrorCodes checks the sentinels each error of documents matches and the code it
// carries: a policy too large or with mixed partitions is only that when it has no other
// problem.
func TestErrorCodes(t *testing.T) {
	cn := "arn:aws-cn:ecr:cn-north-1:919366029133:repository/aws-appmesh-envoy"
	var mirrors []string
	for i := 0; i < 120; i++ {
		mirrors = append(mirrors, "arn:aws:ecr:us-west-2:111122223333:repository/team"+itoa(i)+"/envoy-mirror")
	}
	big, err := ImagePull(PullOptions{Mirrors: mirrors})
	if err != nil {
		t.Fatal(err)
	}
	bigBadSid := big
	bigBadSid.Statement = append([]Statement{}, big.Statement...)
	bigBadSid.Statement[0].Sid = "bad-sid"
	_, parseErr := Parse([]byte(`{"Statement":[{"Effect":"Allow","Actions":"ecr:BatchGetImage","Resource":"*"}]}`))
	tests := []struct {
		name    string
		err     error
		is, not []error
		code    errcode.Code
	}{
		{"mixed partitions", Document{Version: Version, Statement: []Statement{
			{Effect: EffectAllow, Action: []string{"ecr:BatchGetImage"}, Resource: []string{repoARN}},
			{Effect: EffectAllow, Action: []string{"ecr:BatchGetImage"}, Resource: []string{cn}},
		}}.Validate(), []error{ErrInvalidPolicy, ErrMixedPartitions, region.ErrMixedPartitions}, []error{ErrTooLarge}, errcode.MixedPartitions},
		{"too large", big.Validate(), []error{ErrInvalidPolicy, ErrTooLarge}, []error{ErrMixedPartitions}, errcode.PolicyTooLarge},
		{"too large and a bad Sid", bigBadSid.Validate(), []error{ErrInvalidPolicy, ErrTooLarge}, nil, errcode.InvalidPolicy},
		{"grammar", Document{}.Validate(), []error{ErrInvalidPolicy}, []error{ErrTooLarge, ErrMixedPartitions}, errcode.InvalidPolicy},
		{"parse", parseErr, []error{ErrInvalidPolicy}, []error{ErrInvalidInput}, errcode.InvalidPolicy},
		{"role not found", &RoleNotFoundError{Role: "r"}, []error{ErrRoleNotFound}, []error{ErrInvalidInput}, errcode.RoleNotFound},
		{"input", &InputError{Field: "Mirrors", Msg: "bad"}, []error{ErrInvalidInput}, []error{ErrInvalidPolicy}, errcode.InvalidInput},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, target := range tc.is {
				if !errors.Is(tc.err, target) {
					t.Errorf("error %v does not match %v", tc.err, target)
				}
			}
			for _, target := range tc.not {
				if errors.Is(tc.err, target) {
					t.Errorf("error %v matches %v", tc.err, target)
				}
			}
			if got := errcode.Of(tc.err); got != tc.code {
				t.Errorf("code %q, want %q", got, tc.code)
			}
		})
	}
	if err := tests[0].err; !strings.HasPrefix(err.Error(), "invalid policy: 1 problem: ") {
		t.Errorf("message %q", err)
	}
	// The sentinels carry their codes too.
	for target, code := range map[error]errcode.Code{ErrInvalidPolicy: errcode.InvalidPolicy, ErrInvalidInput: errcode.InvalidInput,
		ErrMixedPartitions: errcode.MixedPartitions, ErrTooLarge: errcode.PolicyTooLarge, ErrRoleNotFound: errcode.RoleNotFound,
		ErrNotInitialized: errcode.NotInitialized} {
		if got := errcode.Of(target); got != code {
			t.Errorf("errcode.Of(%v) = %q, want %q", target, got, code)
		}
	}
}

func TestSize(t *testing.T) {
	d := mustParse(t, `{ "Version": "2012-10-17",
		"Statement": [ { "Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*" } ] }`)
	want := len(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ecr:GetAuthorizationToken"],"Resource":["*"]}]}`)
	if got := Size(d); got != want {
		t.Errorf("Size = %d, want %d", got, want)
	}
	// The 25 aws regions listed one by one for pull plus parameter read take about 3,500
	// characters: well within a managed policy's 6,144.
	pull, _ := ImagePull(PullOptions{})
	param, _ := ParameterRead(ParameterOptions{})
	c, err := Combined(pull, param)
	if err != nil {
		t.Fatal(err)
	}
	awsRegions, _ := region.InPartition("aws")
	if len(awsRegions) != 25 || len(pull.Statement[1].Resource) != len(awsRegions) || len(param.Statement[0].Resource) != len(awsRegions) {
		t.Fatalf("want the 25 aws regions listed one by one: %d regions, %d repositories, %d parameters",
			len(awsRegions), len(pull.Statement[1].Resource), len(param.Statement[0].Resource))
	}
	if err := c.ValidateAs(KindManaged); err != nil {
		t.Errorf("pull + parameter read for every aws region does not fit a managed policy: %v", err)
	}
	if n := Size(c); n < 3000 || n > 4000 {
		t.Errorf("pull + parameter read for every aws region: %d characters, want about 3,500", n)
	}
	if KindManaged.Limit() != 6144 || KindInline.Limit() != 10240 || KindEndpoint.Limit() != 20480 {
		t.Error("limits changed")
	}
}

func TestLint(t *testing.T) {
	d := mustParse(t, `{"Version":"2012-10-17","Statement":[
		{"Sid":"Broad","Effect":"Allow","Action":["ecr:GetAuthorizationToken","ecr:BatchGetImage"],"Resource":"*"},
		{"Sid":"Star","Effect":"Allow","Action":"ecr:*","Resource":"arn:aws:ecr:us-west-2:840364872350:repository/aws-appmesh-envoy"},
		{"Sid":"Not","Effect":"Allow","NotAction":"iam:*","NotResource":"arn:aws:iam::111122223333:role/x"},
		{"Sid":"Fine","Effect":"Allow","Action":"ecr:GetAuthorizationToken","Resource":"*"},
		{"Sid":"Deny","Effect":"Deny","Action":"*","Resource":"*"}]}`)
	var got []string
	for _, p := range d.Lint() {
		got = append(got, p.Sid+":"+p.Rule)
	}
	want := []string{"Broad:" + RuleWildcardResource, "Star:" + RuleWildcardAction, "Not:" + RuleNegation, "Not:" + RuleNegation}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Lint (-want +got):\n%s", diff)
	}
	reasons := WildcardReasons(d)
	if len(reasons) != 3 {
		t.Fatalf("WildcardReasons = %+v, want 3 statements", reasons)
	}
	if r := reasons[0]; r.Required || r.Code != ReasonScopable || !cmp.Equal(r.Scopable, []string{"ecr:BatchGetImage"}) {
		t.Errorf("Broad: %+v", r)
	}
	if r := reasons[1]; !r.Required || r.Code != ReasonNoResourceLevel || r.Sid != "Fine" {
		t.Errorf("Fine: %+v", r)
	}
}

func TestActionTable(t *testing.T) {
	if !strings.Contains(ActionTableSource(), "iam-data") {
		t.Errorf("ActionTableSource() = %q", ActionTableSource())
	}
	if diff := cmp.Diff([]string{"appmesh", "ecr", "ecr-public", "s3", "ssm", "sts", "xray"}, KnownServices()); diff != "" {
		t.Error(diff)
	}
	// Every action the builders emit is in the table with the resource types they use.
	for action, wantTypes := range map[string][]string{
		"ecr:GetAuthorizationToken":          nil,
		"ecr:BatchGetImage":                  {"repository"},
		"ecr:GetDownloadUrlForLayer":         {"repository"},
		"ecr:BatchCheckLayerAvailability":    {"repository"},
		"ssm:GetParameter":                   {"parameter"},
		"ssm:GetParameters":                  {"parameter"},
		"appmesh:StreamAggregatedResources":  {"virtualGateway", "virtualNode"},
		"s3:GetObject":                       {"accesspointobject", "object"},
		"xray:PutTraceSegments":              nil,
		"xray:PutTelemetryRecords":           nil,
		"xray:GetSamplingRules":              nil,
		"xray:GetSamplingTargets":            nil,
		"xray:GetSamplingStatisticSummaries": nil,
	} {
		info, ok, known := lookupAction(action)
		if !ok || !known {
			t.Errorf("%s not in the table", action)
			continue
		}
		if diff := cmp.Diff(wantTypes, info.ResourceTypes); diff != "" {
			t.Errorf("%s resource types (-want +got):\n%s", action, diff)
		}
	}
}

// FuzzValidate checks that Validate, Lint and WildcardReasons never panic on any
// parsable document and that a valid document stays valid after a round trip.
func FuzzValidate(f *testing.F) {
	for _, tc := range builderCases() {
		d, err := tc.build()
		if err == nil {
			f.Add([]byte(d.String()))
		}
	}
	f.Add([]byte(`{"Statement":[{"Sid":"a b","Effect":"allow","Action":["ecr:*","x"],"Resource":["arn:aws:ecr:*","arn:aws-cn:s3:us-west-2:1:b","arn:"]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := Parse(data)
		if err != nil {
			return
		}
		err = d.Validate()
		_ = d.Lint()
		_ = WildcardReasons(d)
		if err != nil {
			var ve *ValidationError
			if !errors.As(err, &ve) || len(ve.Problems) == 0 {
				t.Fatalf("Validate error %v is not a ValidationError with problems", err)
			}
			return
		}
		back, err := Parse([]byte(d.String()))
		if err != nil {
			t.Fatal(err)
		}
		if err := back.Validate(); err != nil {
			t.Fatalf("valid document invalid after round trip: %v", err)
		}
	})
}

func TestWildcardReasonCodes(t *testing.T) {
	d := mustParse(t, `{"Version":"2012-10-17","Statement":[
		{"Sid":"Auth","Effect":"Allow","Action":"ecr:GetAuthorizationToken","Resource":"*"},
		{"Sid":"Pull","Effect":"Allow","Action":"ecr:BatchGetImage","Resource":["arn:aws:ecr:*:840364872350:repository/aws-appmesh-envoy","arn:aws:ecr:us-west-2:111122223333:repository/team/*"]},
		{"Sid":"Mesh","Effect":"Allow","Action":"appmesh:StreamAggregatedResources","Resource":"arn:aws:appmesh:us-west-2:111122223333:mesh/shop/virtualNode/*"},
		{"Sid":"Layers","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":["arn:aws-cn:s3:::prod-cn-north-1-starport-layer-bucket/*","arn:aws:s3:::prod-*-starport-layer-bucket/*"]},
		{"Sid":"Other","Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::my-bucket/*"}]}`)
	var got []string
	for _, w := range WildcardReasons(d) {
		got = append(got, w.Sid+" "+w.Element+" "+w.Value+" "+w.Code+" "+map[bool]string{true: "required", false: "broader"}[w.Required])
	}
	want := []string{
		"Auth Resource * no-resource-level-permissions required",
		"Pull Resource arn:aws:ecr:*:840364872350:repository/aws-appmesh-envoy region-wildcard broader",
		"Pull Resource arn:aws:ecr:us-west-2:111122223333:repository/team/* resource-pattern broader",
		"Mesh Resource arn:aws:appmesh:us-west-2:111122223333:mesh/shop/virtualNode/* whole-mesh broader",
		"Layers Principal * presigned-url-principal required",
		"Layers Resource arn:aws-cn:s3:::prod-cn-north-1-starport-layer-bucket/* ecr-layer-objects required",
		"Layers Resource arn:aws:s3:::prod-*-starport-layer-bucket/* region-wildcard broader",
		"Other Principal * resource-pattern broader",
		"Other Resource arn:aws:s3:::my-bucket/* resource-pattern broader",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("WildcardReasons (-want +got):\n%s", diff)
	}
}

// TestValidatePrincipalMessageNamesKey checks that a NotPrincipal in an identity policy is
// reported under its own name: the user must find the key the message talks about.
func TestValidatePrincipalMessageNamesKey(t *testing.T) {
	for _, tc := range []struct {
		key string
		s   Statement
	}{
		{"Principal", Statement{Effect: EffectAllow, Principal: PrincipalAll(), Action: []string{"ecr:GetAuthorizationToken"}, Resource: []string{"*"}}},
		{"NotPrincipal", Statement{Effect: EffectDeny, NotPrincipal: Principal{"AWS": {"arn:aws:iam::111122223333:root"}}, Action: []string{"ecr:*"}, Resource: []string{"*"}}},
	} {
		t.Run(tc.key, func(t *testing.T) {
			err := Document{Version: Version, Statement: []Statement{tc.s}}.Validate()
			var ve *ValidationError
			if !errors.As(err, &ve) || len(ve.Problems) != 1 || ve.Problems[0].Rule != RulePrincipal {
				t.Fatalf("Validate() = %v, want one %s problem", err, RulePrincipal)
			}
			if msg := ve.Problems[0].Message; !strings.HasPrefix(msg, tc.key+" ") {
				t.Errorf("message %q does not start with %q", msg, tc.key)
			}
		})
	}
}

// TestValidateCrossServiceResourceTypes: an action may act on another service's ARNs
// (sts:AssumeRole on an iam role); the ARN template of the resource type decides, not the
// action's service.
func TestValidateCrossServiceResourceTypes(t *testing.T) {
	doc := func(action, resource string) Document {
		return Document{Version: Version, Statement: []Statement{{Effect: EffectAllow, Action: []string{action}, Resource: []string{resource}}}}
	}
	if err := doc("sts:AssumeRole", "arn:aws:iam::111122223333:role/inventory").Validate(); err != nil {
		t.Errorf("sts:AssumeRole on a role: %v", err)
	}
	for _, r := range []string{"arn:aws:iam::111122223333:user/x", "arn:aws:sts::111122223333:role/inventory", "arn:aws:ecr:us-west-2:111122223333:repository/x"} {
		if err := doc("sts:AssumeRole", r).Validate(); err == nil {
			t.Errorf("sts:AssumeRole on %s validated", r)
		}
	}
}
