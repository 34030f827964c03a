package iampolicy

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/appmesh-envoy/appmesh-envoy-go/internal/errcode"
	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

// update is the package's one flag for rewriting what tests compare against: the golden
// files under testdata/golden and the generated action table (actions_data.go, which
// go generate rewrites through it).
var update = flag.Bool("update", false, "rewrite golden files (testdata/golden) and the generated action table")

const (
	testNode    = "arn:aws:appmesh:us-west-2:111122223333:mesh/shop/virtualNode/cart"
	testGateway = "arn:aws:appmesh:us-west-2:444455556666:mesh/shared/virtualGateway/ingress"
	testMesh    = "arn:aws:appmesh:us-west-2:111122223333:mesh/shop"
	testMirror  = "arn:aws:ecr:us-west-2:111122223333:repository/mirror/aws-appmesh-envoy"
	testCache   = "arn:aws:ecr:us-west-2:111122223333:repository/ecr-public"
	testCached  = testCache + "/appmesh/aws-appmesh-envoy"
)

// builderCase is one builder output, used by the golden, validation and simulator tests.
// Its name is its golden file's name, testdata/golden/NAME.json, built as
// BUILDER-SCOPE[-OPTION...]: BUILDER is pull, proxy, parameter, combined or endpoint;
// SCOPE is the region codes in the order the policy lists them or all-PARTITION (for
// proxy: the resource kinds, node, gateway or mesh, with the partition when it is not
// aws); OPTIONs name what the case turns on (wildcard, check-layer, mirror, tracing).
type builderCase struct {
	name  string
	kind  Kind
	build func() (Document, error)
}

func builderCases() []builderCase {
	pull := func(o PullOptions) func() (Document, error) { return func() (Document, error) { return ImagePull(o) } }
	proxy := func(o ProxyOptions) func() (Document, error) {
		return func() (Document, error) { return ProxyAuthorization(o) }
	}
	param := func(o ParameterOptions) func() (Document, error) {
		return func() (Document, error) { return ParameterRead(o) }
	}
	return []builderCase{
		{"pull-us-west-2", KindManaged, pull(PullOptions{Regions: Regions{Codes: []string{"us-west-2"}}})},
		{"pull-eu-south-1-us-west-2-check-layer", KindManaged, pull(PullOptions{Regions: Regions{Codes: []string{"eu-south-1", "us-west-2"}}, BatchCheckLayerAvailability: true})},
		{"pull-all-aws", KindManaged, pull(PullOptions{})},
		{"pull-all-aws-wildcard", KindManaged, pull(PullOptions{Regions: Regions{RegionWildcard: true}})},
		{"pull-all-aws-cn", KindManaged, pull(PullOptions{Regions: Regions{Partition: "aws-cn"}})},
		{"pull-us-west-2-mirror", KindManaged, pull(PullOptions{Regions: Regions{Codes: []string{"us-west-2"}}, Mirrors: []string{testMirror}})},
		{"pull-us-west-2-mirror-only", KindManaged, pull(PullOptions{Regions: Regions{Codes: []string{"us-west-2"}}, Mirrors: []string{testMirror}, MirrorsOnly: true})},
		{"pull-us-west-2-cache", KindManaged, pull(PullOptions{Regions: Regions{Codes: []string{"us-west-2"}}, PullThroughCaches: []string{testCache}})},
		{"pull-us-west-2-cache-only", KindManaged, pull(PullOptions{Regions: Regions{Codes: []string{"us-west-2"}}, PullThroughCaches: []string{testCache}, MirrorsOnly: true})},
		{"pull-us-west-2-gallery", KindManaged, pull(PullOptions{Regions: Regions{Codes: []string{"us-west-2"}}, PublicGallery: true})},
		{"proxy-node", KindManaged, proxy(ProxyOptions{Resources: []string{testNode}})},
		{"proxy-node-gateway-tracing", KindManaged, proxy(ProxyOptions{Resources: []string{testNode, testGateway}, Tracing: true})},
		{"proxy-mesh", KindManaged, proxy(ProxyOptions{Meshes: []string{testMesh}})},
		{"proxy-node-aws-cn", KindManaged, proxy(ProxyOptions{Resources: []string{"arn:aws-cn:appmesh:cn-north-1:111122223333:mesh/shop/virtualNode/cart"}})},
		{"parameter-us-west-2", KindManaged, param(ParameterOptions{Regions: Regions{Codes: []string{"us-west-2"}}})},
		{"parameter-all-aws", KindManaged, param(ParameterOptions{})},
		{"parameter-all-aws-wildcard", KindManaged, param(ParameterOptions{Regions: Regions{RegionWildcard: true}})},
		{"parameter-all-aws-cn", KindManaged, param(ParameterOptions{Regions: Regions{Partition: "aws-cn"}})},
		{"parameter-us-west-2-pin", KindManaged, param(ParameterOptions{Regions: Regions{Codes: []string{"us-west-2"}}, Pin: true})},
		{"parameter-all-aws-wildcard-pin", KindManaged, param(ParameterOptions{Regions: Regions{RegionWildcard: true}, Pin: true})},
		{"parameter-us-west-2-fallback", KindManaged, param(ParameterOptions{Regions: Regions{Codes: []string{"us-west-2"}}, FallbackRepositories: []string{testMirror, testCached}})},
		{"cache-admin", KindManaged, func() (Document, error) { return CacheAdmin(), nil }},
		{"combined-all-aws", KindManaged, func() (Document, error) {
			a, err := ImagePull(PullOptions{})
			if err != nil {
				return Document{}, err
			}
			b, err := ProxyAuthorization(ProxyOptions{Resources: []string{testNode}, Tracing: true})
			if err != nil {
				return Document{}, err
			}
			c, err := ParameterRead(ParameterOptions{})
			if err != nil {
				return Document{}, err
			}
			return Combined(a, b, c)
		}},
		{"endpoint-eu-south-1-us-west-2", KindEndpoint, func() (Document, error) { return EndpointPolicy(Regions{Codes: []string{"us-west-2", "eu-south-1"}}) }},
		{"endpoint-cn-north-1", KindEndpoint, func() (Document, error) { return EndpointPolicy(Regions{Codes: []string{"cn-north-1"}}) }},
		{"endpoint-all-aws-wildcard", KindEndpoint, func() (Document, error) { return EndpointPolicy(Regions{RegionWildcard: true}) }},
	}
}

func TestBuildersGolden(t *testing.T) {
	for _, tc := range builderCases() {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := tc.build()
			if err != nil {
				t.Fatal(err)
			}
			checkGolden(t, tc.name, doc)
		})
	}
}

// checkGolden compares doc with its golden file, testdata/golden/NAME.json (written
// with -update), and checks that the file parses back to doc.
func checkGolden(t *testing.T, name string, doc Document) {
	t.Helper()
	got := doc.Indent()
	path := filepath.Join("testdata", "golden", name+".json")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s mismatch (-want +got), run go test -update if intended:\n%s", path, diff)
	}
	back, err := Parse(want)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(doc, back); diff != "" {
		t.Errorf("parse(golden) differs (-built +parsed):\n%s", diff)
	}
}

// goldenNames are the names of every golden file: the builder cases, the mirror cases
// and the inventory cases.
func goldenNames() []string {
	var names []string
	for _, tc := range builderCases() {
		names = append(names, tc.name)
	}
	for _, tc := range mirrorCases() {
		names = append(names, tc.name)
	}
	for _, tc := range inventoryCases {
		names = append(names, tc.name)
	}
	return names
}

func TestBuildersAreValidAndLintClean(t *testing.T) {
	for _, tc := range builderCases() {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := tc.build()
			if err != nil {
				t.Fatal(err)
			}
			if err := doc.ValidateAs(tc.kind); err != nil {
				t.Errorf("ValidateAs(%v) = %v", tc.kind, err)
			}
			if l := doc.Lint(); len(l) != 0 {
				t.Errorf("Lint() = %v, want none", l)
			}
			// Every "*" says why: required by IAM (or by how ECR serves layers), or a
			// broader form the case asked for.
			optIn := map[string]bool{}
			if strings.Contains(tc.name, "wildcard") {
				optIn[ReasonRegionWildcard] = true
			}
			if tc.name == "proxy-mesh" {
				optIn[ReasonWholeMesh] = true
			}
			if strings.Contains(tc.name, "-cache") {
				optIn[ReasonCachePrefix] = true
			}
			explained := map[string]bool{}
			for _, w := range WildcardReasons(doc) {
				explained[itoa(w.Statement)+w.Element+w.Value] = true
				if w.Detail == "" || !(w.Required || optIn[w.Code]) || w.Code == ReasonScopable || w.Code == ReasonResourcePattern {
					t.Errorf("WildcardReasons: %+v, want required or asked for, with a reason", w)
				}
			}
			for i, s := range doc.Statement {
				for _, r := range s.Resource {
					if strings.Contains(r, "*") && !explained[itoa(i)+"Resource"+r] {
						t.Errorf("Statement[%d] resource %s has no wildcard reason", i, r)
					}
				}
				if len(s.Principal) > 0 && !explained[itoa(i)+"Principal*"] {
					t.Errorf("Statement[%d] principal %v has no wildcard reason", i, s.Principal)
				}
			}
			// One statement per resource kind; Sids unique and set.
			for _, s := range doc.Statement {
				if s.Sid == "" {
					t.Errorf("statement without Sid: %+v", s)
				}
			}
		})
	}
}

func TestImagePullRegions(t *testing.T) {
	doc, err := ImagePull(PullOptions{Regions: Regions{Codes: []string{" US-West-2 ", "us-west-2", "af-south-1"}}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{region.MustLookup("af-south-1").RepositoryARN(), region.MustLookup("us-west-2").RepositoryARN()}
	if diff := cmp.Diff(want, doc.Statement[1].Resource); diff != "" {
		t.Errorf("resources (-want +got):\n%s", diff)
	}
	// The wildcard form keeps one ARN per distinct account: opt-in regions differ.
	doc, err = ImagePull(PullOptions{Regions: Regions{Codes: []string{"us-west-2", "us-east-1", "af-south-1"}, RegionWildcard: true}})
	if err != nil {
		t.Fatal(err)
	}
	want = []string{"arn:aws:ecr:*:840364872350:repository/aws-appmesh-envoy", "arn:aws:ecr:*:924023996002:repository/aws-appmesh-envoy"}
	if diff := cmp.Diff(want, doc.Statement[1].Resource); diff != "" {
		t.Errorf("wildcard resources (-want +got):\n%s", diff)
	}
}

func TestBuilderInputErrors(t *testing.T) {
	tests := []struct {
		name    string
		build   func() (Document, error)
		target  error
		message string
		code    errcode.Code
	}{
		{"mixed partitions", func() (Document, error) {
			return ImagePull(PullOptions{Regions: Regions{Codes: []string{"us-west-2", "cn-north-1"}}})
		}, ErrMixedPartitions, "one partition", errcode.MixedPartitions},
		{"partition disagrees with codes", func() (Document, error) {
			return ParameterRead(ParameterOptions{Regions: Regions{Partition: "aws-cn", Codes: []string{"us-west-2"}}})
		}, ErrMixedPartitions, "aws-cn", errcode.MixedPartitions},
		{"unsupported region", func() (Document, error) {
			return ImagePull(PullOptions{Regions: Regions{Codes: []string{"us-west-3"}}})
		}, region.ErrUnsupported, "us-west-2", errcode.UnsupportedRegion},
		{"unknown partition", func() (Document, error) {
			return ImagePull(PullOptions{Regions: Regions{Partition: "aws-mars"}})
		}, ErrInvalidInput, "known partitions are aws,", errcode.UnsupportedRegion},
		{"govcloud has no public image", func() (Document, error) {
			return ImagePull(PullOptions{Regions: Regions{Partition: "aws-us-gov"}})
		}, region.ErrUnsupported, "mirror", errcode.UnsupportedRegion},
		{"mirror not ecr", func() (Document, error) {
			return ImagePull(PullOptions{Mirrors: []string{"arn:aws:s3:::bucket"}})
		}, ErrInvalidInput, "not an ECR repository ARN", errcode.InvalidInput},
		{"mirror other partition", func() (Document, error) {
			return ImagePull(PullOptions{Mirrors: []string{"arn:aws-cn:ecr:cn-north-1:111122223333:repository/envoy"}})
		}, ErrMixedPartitions, "aws-cn", errcode.MixedPartitions},
		{"mirror bad account", func() (Document, error) {
			return ImagePull(PullOptions{Mirrors: []string{"arn:aws:ecr:us-west-2:1234:repository/envoy"}})
		}, ErrInvalidInput, "12-digit", errcode.InvalidInput},
		{"mirror upper-case name", func() (Document, error) {
			return ImagePull(PullOptions{Mirrors: []string{"arn:aws:ecr:us-west-2:111122223333:repository/Envoy"}})
		}, ErrInvalidInput, "lower-case", errcode.InvalidInput},
		{"mirrors only without mirrors", func() (Document, error) {
			return ImagePull(PullOptions{MirrorsOnly: true})
		}, ErrInvalidInput, "MirrorsOnly", errcode.InvalidInput},
		{"proxy nothing", func() (Document, error) { return ProxyAuthorization(ProxyOptions{Tracing: true}) }, ErrInvalidInput, "no virtual node", errcode.InvalidInput},
		{"proxy virtual service", func() (Document, error) {
			return ProxyAuthorization(ProxyOptions{Resources: []string{"arn:aws:appmesh:us-west-2:111122223333:mesh/shop/virtualService/cart"}})
		}, ErrInvalidInput, "virtual node or virtual gateway", errcode.InvalidInput},
		{"proxy short form", func() (Document, error) {
			return ProxyAuthorization(ProxyOptions{Resources: []string{"mesh/shop/virtualNode/cart"}})
		}, ErrInvalidInput, "not an App Mesh ARN", errcode.InvalidInput},
		{"proxy mixed partitions", func() (Document, error) {
			return ProxyAuthorization(ProxyOptions{Resources: []string{testNode, "arn:aws-cn:appmesh:cn-north-1:111122223333:mesh/shop/virtualNode/cart"}})
		}, ErrMixedPartitions, "aws-cn", errcode.MixedPartitions},
		{"proxy region of other partition", func() (Document, error) {
			return ProxyAuthorization(ProxyOptions{Resources: []string{"arn:aws:appmesh:cn-north-1:111122223333:mesh/shop/virtualNode/cart"}})
		}, ErrInvalidInput, "partition aws-cn", errcode.InvalidInput},
		{"proxy mesh given as node", func() (Document, error) {
			return ProxyAuthorization(ProxyOptions{Meshes: []string{testNode}})
		}, ErrInvalidInput, "not a mesh ARN", errcode.InvalidInput},
		{"combined mixed partitions", func() (Document, error) {
			a, _ := ImagePull(PullOptions{})
			b, _ := ParameterRead(ParameterOptions{Regions: Regions{Partition: "aws-cn"}})
			return Combined(a, b)
		}, ErrMixedPartitions, "aws-cn", errcode.MixedPartitions},
		{"combined conflicting sid", func() (Document, error) {
			a, _ := ImagePull(PullOptions{Regions: Regions{Codes: []string{"us-west-2"}}})
			b, _ := ImagePull(PullOptions{Regions: Regions{Codes: []string{"us-east-1"}}})
			return Combined(a, b)
		}, ErrInvalidInput, "share this Sid", errcode.InvalidInput},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.build()
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, tc.target) {
				t.Errorf("error %q does not match %v", err, tc.target)
			}
			if !strings.Contains(err.Error(), tc.message) {
				t.Errorf("error %q does not mention %q", err, tc.message)
			}
			if got := errcode.Of(err); got != tc.code {
				t.Errorf("code %q, want %q", got, tc.code)
			}
		})
	}
}

func TestCombinedDropsDuplicates(t *testing.T) {
	a, err := ImagePull(PullOptions{Regions: Regions{Codes: []string{"us-west-2"}}})
	if err != nil {
		t.Fatal(err)
	}
	c, err := Combined(a, a)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(a, c); diff != "" {
		t.Errorf("Combined(a, a) differs from a:\n%s", diff)
	}
}

func TestSplit(t *testing.T) {
	mirrors := make([]string, 0, 120)
	for i := 0; i < 120; i++ {
		mirrors = append(mirrors, "arn:aws:ecr:us-west-2:111122223333:repository/team"+itoa(i)+"/envoy-mirror")
	}
	doc, err := ImagePull(PullOptions{Mirrors: mirrors})
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Validate() = %v, want ErrTooLarge", err)
	}
	parts, err := Split(doc, KindManaged.Limit())
	if err != nil {
		t.Fatal(err)
	}
	if len(parts) < 2 {
		t.Fatalf("Split gave %d parts, want several", len(parts))
	}
	var requests [][2]string
	requests = append(requests, [2]string{"ecr:GetAuthorizationToken", "*"})
	for _, r := range doc.Statement[1].Resource {
		requests = append(requests, [2]string{"ecr:BatchGetImage", r}, [2]string{"ecr:GetDownloadUrlForLayer", r})
	}
	for i, p := range parts {
		if err := p.Validate(); err != nil {
			t.Errorf("part %d: %v", i, err)
		}
	}
	// Together the parts grant exactly what the document grants.
	for _, rq := range append(requests, [2]string{"ecr:PutImage", testMirror}, [2]string{"ecr:BatchGetImage", testMirror}) {
		want := Evaluate(doc, rq[0], rq[1])
		got := ImplicitDeny
		for _, p := range parts {
			if Evaluate(p, rq[0], rq[1]) == Allow {
				got = Allow
			}
		}
		if got != want {
			t.Errorf("%s on %s: parts give %v, document %v", rq[0], rq[1], got, want)
		}
	}
	// A document within the limit comes back whole.
	small, _ := ImagePull(PullOptions{})
	if parts, err := Split(small, KindManaged.Limit()); err != nil || len(parts) != 1 {
		t.Errorf("Split(small) = %d parts, %v", len(parts), err)
	}
	if _, err := Split(small, 50); err == nil {
		t.Error("Split with a tiny limit: no error")
	}
}

func TestGoldenFilesHaveNoStrays(t *testing.T) {
	names := map[string]bool{}
	for _, n := range goldenNames() {
		names[n+".json"] = true
	}
	entries, err := os.ReadDir(filepath.Join("testdata", "golden"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !names[e.Name()] {
			t.Errorf("testdata/golden/%s belongs to no builder case; remove it", e.Name())
		}
	}
	scheme := regexp.MustCompile(`^(pull|proxy|parameter|combined|endpoint|cache|mirror|inventory)-[a-z0-9]+(-[a-z0-9]+)*$`)
	for _, n := range goldenNames() {
		if !scheme.MatchString(n) {
			t.Errorf("golden case %q does not follow the naming scheme BUILDER-SCOPE[-OPTION...]", n)
		}
	}
}

// TestSplitKeepsMeaning splits a combined document far over the managed-policy limit
// (several statements, one of them alone too large, plus a Deny) and checks on the whole
// least-privilege matrix, extended with every resource of the document and neighbours of
// them, that the parts taken together (IAM evaluates all policies of a role together)
// decide every request exactly as the document does.
func TestSplitKeepsMeaning(t *testing.T) {
	var mirrors, nodes []string
	for i := 0; i < 90; i++ {
		mirrors = append(mirrors, "arn:aws:ecr:us-west-2:111122223333:repository/team"+itoa(i)+"/envoy-mirror")
	}
	for i := 0; i < 60; i++ {
		nodes = append(nodes, "arn:aws:appmesh:us-west-2:111122223333:mesh/shop/virtualNode/service-"+itoa(i))
	}
	pull, err := ImagePull(PullOptions{Mirrors: mirrors})
	if err != nil {
		t.Fatal(err)
	}
	proxy, err := ProxyAuthorization(ProxyOptions{Resources: append(nodes, testGateway), Tracing: true})
	if err != nil {
		t.Fatal(err)
	}
	param, err := ParameterRead(ParameterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	doc, err := Combined(pull, proxy, param)
	if err != nil {
		t.Fatal(err)
	}
	// A guard rail a user might add: never pull from team7's mirror.
	doc.Statement = append(doc.Statement, Statement{Sid: "NoTeam7", Effect: EffectDeny,
		Action: []string{"ecr:*"}, Resource: []string{"arn:aws:ecr:us-west-2:111122223333:repository/team7/*"}})
	limit := KindManaged.Limit()
	if Size(doc) <= 2*limit {
		t.Fatalf("document has %d characters; the test wants more than two managed policies' worth", Size(doc))
	}
	parts, err := Split(doc, limit)
	if err != nil {
		t.Fatal(err)
	}
	if len(parts) < 3 {
		t.Fatalf("Split gave %d parts, want at least 3", len(parts))
	}
	var together Document
	for i, p := range parts {
		if n := Size(p); n > limit {
			t.Errorf("part %d has %d characters, over %d", i, n, limit)
		}
		if err := p.Validate(); err != nil {
			t.Errorf("part %d: %v", i, err)
		}
		together.Statement = append(together.Statement, p.Statement...)
	}

	reqs := matrix()
	for _, s := range doc.Statement {
		for _, r := range s.Resource {
			for _, a := range []string{"ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:PutImage",
				"appmesh:StreamAggregatedResources", "appmesh:DescribeVirtualNode", "ssm:GetParameter", "ssm:GetParameters"} {
				reqs = append(reqs, simRequest{Action: a, Resource: r}, simRequest{Action: a, Resource: r + "x"})
			}
		}
	}
	allowed, denied := 0, 0
	for _, rq := range reqs {
		want := Evaluate(doc, rq.Action, rq.Resource)
		if got := Evaluate(together, rq.Action, rq.Resource); got != want {
			t.Errorf("%s on %s: parts give %v, the document %v", rq.Action, rq.Resource, got, want)
		}
		switch want {
		case Allow:
			allowed++
		case ExplicitDeny:
			denied++
		}
	}
	if allowed < 300 || denied == 0 {
		t.Errorf("matrix too thin: %d allowed, %d explicitly denied requests", allowed, denied)
	}
}

// TestEndpointPolicyBuckets pins the layer bucket names ECR serves layers from
// (prod-REGION-starport-layer-bucket) and the partition of their ARNs.
func TestEndpointPolicyBuckets(t *testing.T) {
	for _, tc := range []struct {
		regions Regions
		want    []string
	}{
		{Regions{Codes: []string{"us-west-2"}}, []string{"arn:aws:s3:::prod-us-west-2-starport-layer-bucket/*"}},
		{Regions{Codes: []string{"cn-north-1", "cn-northwest-1"}}, []string{"arn:aws-cn:s3:::prod-cn-north-1-starport-layer-bucket/*", "arn:aws-cn:s3:::prod-cn-northwest-1-starport-layer-bucket/*"}},
		{Regions{Partition: "aws-cn", RegionWildcard: true}, []string{"arn:aws-cn:s3:::prod-*-starport-layer-bucket/*"}},
	} {
		d, err := EndpointPolicy(tc.regions)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tc.want, d.Statement[0].Resource); diff != "" {
			t.Errorf("%+v (-want +got):\n%s", tc.regions, diff)
		}
		if !d.Statement[0].Principal.isAll() || !cmp.Equal(d.Statement[0].Action, []string{"s3:GetObject"}) {
			t.Errorf("%+v: statement %+v", tc.regions, d.Statement[0])
		}
	}
	if _, err := EndpointPolicy(Regions{Codes: []string{"us-west-2", "cn-north-1"}}); !errors.Is(err, ErrMixedPartitions) {
		t.Errorf("mixed partitions: error %v", err)
	}
}

// TestSplitSidsAndLimit checks two things Split promises at every limit: each part keeps
// its Sids unique (a split statement's numbered Sids must not collide with a Sid the
// document already has, such as "Pull2" next to "Pull"), and each part is within the
// limit with its final, numbered Sids (the suffix counts towards the size).
func TestSplitSidsAndLimit(t *testing.T) {
	var res []string
	for i := 0; i < 40; i++ {
		res = append(res, "arn:aws:ecr:us-west-2:111122223333:repository/team"+itoa(i)+"/envoy")
	}
	doc := Document{Version: Version, Statement: []Statement{
		{Sid: "Pull", Effect: EffectAllow, Action: []string{"ecr:BatchGetImage"}, Resource: res},
		{Sid: "Pull2", Effect: EffectAllow, Action: []string{"ecr:GetDownloadUrlForLayer"}, Resource: []string{res[0]}},
		{Sid: "Pull3", Effect: EffectAllow, Action: []string{"ecr:GetAuthorizationToken"}, Resource: []string{"*"}},
	}}
	// The smallest limit at which every piece can fit: one resource, a Sid with a
	// two-digit suffix.
	one := Document{Version: Version, Statement: []Statement{
		{Sid: "Pull99", Effect: EffectAllow, Action: []string{"ecr:GetDownloadUrlForLayer"}, Resource: res[:1]},
	}}
	for limit := Size(one) + 10; limit < Size(doc); limit += 11 {
		parts, err := Split(doc, limit)
		if err != nil {
			t.Errorf("Split(limit %d): %v", limit, err)
			continue
		}
		for i, p := range parts {
			if got := Size(p); got > limit {
				t.Errorf("limit %d: part %d has size %d", limit, i, got)
			}
			sids := map[string]bool{}
			for _, s := range p.Statement {
				if sids[s.Sid] {
					t.Errorf("limit %d: part %d has Sid %q twice", limit, i, s.Sid)
				}
				sids[s.Sid] = true
			}
			if err := p.ValidateAs(KindInline); err != nil && !errors.Is(err, ErrTooLarge) {
				t.Errorf("limit %d: part %d: %v", limit, i, err)
			}
		}
		// Together the parts still grant what the document grants.
		for _, r := range res {
			for _, a := range []string{"ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"} {
				want := Evaluate(doc, a, r)
				got := ImplicitDeny
				for _, p := range parts {
					if Evaluate(p, a, r) == Allow {
						got = Allow
					}
				}
				if got != want {
					t.Errorf("limit %d: %s on %s: parts give %v, document %v", limit, a, r, got, want)
				}
			}
		}
	}
}
