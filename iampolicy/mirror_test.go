package iampolicy

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/appmeshenvoytest"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/mirror"
	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

// mirrorDest returns the URI and the ARN of a repository of the local endpoint's test
// account.
func mirrorDest(regionCode, name string) (uri, arn string) {
	return appmeshenvoytest.AccountID + ".dkr.ecr." + regionCode + ".amazonaws.com/" + name,
		"arn:aws:ecr:" + regionCode + ":" + appmeshenvoytest.AccountID + ":repository/" + name
}

// mirrorCases are the golden cases of the Mirror builder (testdata/golden/NAME.json).
func mirrorCases() []struct {
	name string
	opts MirrorOptions
} {
	_, a := mirrorDest("us-east-1", "platform/envoy")
	_, b := mirrorDest("eu-west-1", "platform/envoy")
	return []struct {
		name string
		opts MirrorOptions
	}{
		{"mirror-us-west-2-create-tags", MirrorOptions{Regions: Regions{Codes: []string{"us-west-2"}}, Destinations: []string{a, b}, CreateRepository: true, RepositoryTags: true}},
		{"mirror-us-west-2-gallery-pinned", MirrorOptions{Regions: Regions{Codes: []string{"us-west-2"}}, FromGallery: true, PinnedTags: true, Destinations: []string{a}}},
		{"mirror-all-aws-wildcard", MirrorOptions{Regions: Regions{RegionWildcard: true}, Destinations: []string{a, b}}},
	}
}

func TestMirrorGolden(t *testing.T) {
	for _, tc := range mirrorCases() {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := Mirror(tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if err := doc.ValidateAs(KindManaged); err != nil {
				t.Fatal(err)
			}
			checkGolden(t, tc.name, doc)
		})
	}
}

func TestMirrorInput(t *testing.T) {
	_, ok := mirrorDest("us-east-1", "platform/envoy")
	for _, tc := range []struct {
		name string
		opts MirrorOptions
		err  error
	}{
		{"no destination", MirrorOptions{Regions: Regions{Codes: []string{"us-west-2"}}}, ErrInvalidInput},
		{"wildcard", MirrorOptions{Regions: Regions{Codes: []string{"us-west-2"}}, Destinations: []string{"arn:aws:ecr:us-east-1:123456789012:repository/platform/*"}}, ErrInvalidInput},
		{"not ECR", MirrorOptions{Regions: Regions{Codes: []string{"us-west-2"}}, Destinations: []string{"arn:aws:s3:::bucket"}}, ErrInvalidInput},
		{"a URI", MirrorOptions{Regions: Regions{Codes: []string{"us-west-2"}}, Destinations: []string{"123456789012.dkr.ecr.us-east-1.amazonaws.com/envoy"}}, ErrInvalidInput},
		{"short account", MirrorOptions{Regions: Regions{Codes: []string{"us-west-2"}}, Destinations: []string{"arn:aws:ecr:us-east-1:1234:repository/envoy"}}, ErrInvalidInput},
		{"China destination", MirrorOptions{Regions: Regions{Codes: []string{"us-west-2"}}, Destinations: []string{"arn:aws-cn:ecr:cn-north-1:123456789012:repository/envoy"}}, ErrMixedPartitions},
		{"region of another partition", MirrorOptions{Regions: Regions{Codes: []string{"us-west-2"}}, Destinations: []string{"arn:aws:ecr:cn-north-1:123456789012:repository/envoy"}}, ErrInvalidInput},
		{"unknown region", MirrorOptions{Regions: Regions{Codes: []string{"us-west-9"}}, Destinations: []string{ok}}, ErrInvalidInput},
		{"tags without creation", MirrorOptions{Regions: Regions{Codes: []string{"us-west-2"}}, Destinations: []string{ok}, RepositoryTags: true}, ErrInvalidInput},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Mirror(tc.opts); !errors.Is(err, tc.err) {
				t.Errorf("error %v, want %v", err, tc.err)
			}
		})
	}
}

// TestMirrorPolicyAgainstARealRun runs a mirror against the local endpoint — the latest
// tag read from SSM, repositories created with tags, two destinations in one registry
// (so blobs are mounted), one in another region, verification — and twice (the second
// run is up to date), then checks the policy against the server's operation log: every
// recorded operation is allowed (by Evaluate and by the independent simulator), every
// grant of the policy was used, and neighbouring actions and resources are denied.
func TestMirrorPolicyAgainstARealRun(t *testing.T) {
	srv := appmeshenvoytest.NewServer()
	defer srv.Close()
	var uris, arns []string
	for _, d := range [][2]string{{"us-east-1", "platform/envoy"}, {"us-east-1", "team/envoy"}, {"eu-west-1", "platform/envoy"}} {
		u, a := mirrorDest(d[0], d[1])
		uris, arns = append(uris, u), append(arns, a)
	}
	m := mirror.New(srv.Config("us-west-2"), func(o *mirror.Options) {
		o.AWSRegistryEndpoint = srv.URL
		o.Keychain = authn.NewMultiKeychain()
	})
	defer m.CloseIdleConnections()
	req := mirror.Request{Regions: []string{"us-west-2"}, Destinations: uris, Verify: true,
		Create: &mirror.RepositorySettings{Tags: map[string]string{"team": "platform"}}}
	for run := 0; run < 2; run++ {
		res, err := m.Copy(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res {
			if r.Err != nil {
				t.Fatalf("run %d, %s: %v", run+1, r.Destination, r.Err)
			}
		}
		// The second run finds the first destination without its tag, as after a
		// cancelled run: it checks the blobs (all there) and writes the manifests again.
		if err := srv.DeleteTag(uris[0], appmeshenvoytest.DefaultTag); err != nil && run == 0 {
			t.Fatal(err)
		}
	}
	doc, err := Mirror(MirrorOptions{Regions: Regions{Codes: []string{"us-west-2"}}, Destinations: arns, CreateRepository: true, RepositoryTags: true})
	if err != nil {
		t.Fatal(err)
	}
	src := region.MustLookup("us-west-2").RepositoryARN()
	neighbours := []simRequest{
		{Action: "ecr:PutImage", Resource: src}, {Action: "ecr:InitiateLayerUpload", Resource: src}, {Action: "ecr:CreateRepository", Resource: src},
		{Action: "ecr:BatchGetImage", Resource: region.MustLookup("us-east-1").RepositoryARN()},
		{Action: "ecr:BatchDeleteImage", Resource: arns[0]}, {Action: "ecr:DeleteRepository", Resource: arns[0]}, {Action: "ecr:SetRepositoryPolicy", Resource: arns[0]},
		{Action: "ecr:ListImages", Resource: arns[0]}, {Action: "ecr:PutImage", Resource: strings.Replace(arns[0], "platform/envoy", "platform/other", 1)},
		{Action: "ecr:PutImage", Resource: strings.Replace(arns[0], appmeshenvoytest.AccountID, "444455556666", 1)},
		{Action: "ecr:CreateRepository", Resource: "arn:aws:ecr:us-east-1:" + appmeshenvoytest.AccountID + ":repository/other"},
		{Action: "ssm:GetParameters", Resource: region.MustLookup("us-west-2").ParameterARN()},
		{Action: "ssm:GetParameter", Resource: region.MustLookup("us-east-1").ParameterARN()},
	}
	checkAgainstRun(t, doc, srv.Operations(), neighbours)

	// From the gallery with a pinned tag into an existing repository: no source pull
	// (anonymous), no parameter read, no creation.
	srv.ResetCounts()
	uri, arn := mirrorDest("eu-central-1", "gallery/envoy")
	if err := srv.CreateRepository(uri, appmeshenvoytest.RepositoryOptions{}); err != nil {
		t.Fatal(err)
	}
	res, err := m.Copy(context.Background(), mirror.Request{FromGallery: true, Tags: []string{appmeshenvoytest.DefaultTag},
		Destinations: []string{uri}, Verify: true})
	if err != nil || res[0].Err != nil {
		t.Fatalf("gallery run: %v, %+v", err, res)
	}
	doc, err = Mirror(MirrorOptions{Regions: Regions{Codes: []string{"us-west-2"}}, FromGallery: true, PinnedTags: true,
		Destinations: []string{arn}})
	if err != nil {
		t.Fatal(err)
	}
	checkAgainstRun(t, doc, srv.Operations(), []simRequest{{Action: "ecr:BatchGetImage", Resource: src}, {Action: "ssm:GetParameter", Resource: region.MustLookup("us-west-2").ParameterARN()},
		{Action: "ecr:CreateRepository", Resource: arn}, {Action: "ecr:DescribeRepositories", Resource: arn}})
}

// checkAgainstRun checks doc against the operations of a run: every operation is
// allowed (by Evaluate and by the independent simulator), nothing more is allowed than
// the run did, and the neighbours are denied.
func checkAgainstRun(t *testing.T, doc Document, ops []appmeshenvoytest.Operation, neighbours []simRequest) {
	t.Helper()
	// Every recorded operation is allowed.
	var reqs []simRequest
	used := map[[2]string]bool{}
	for _, op := range ops {
		reqs = append(reqs, simRequest{Action: op.Action, Resource: op.Resource})
		used[[2]string{op.Action, op.Resource}] = true
		if got := Evaluate(doc, op.Action, op.Resource); got != Allow {
			t.Errorf("recorded %s on %s: Evaluate says %v", op.Action, op.Resource, got)
		}
	}
	// Nothing more is allowed than the run did: every action the policy names was
	// used, on every source and destination it names. (A destination whose blobs were
	// all mounted from another one of its registry made no UploadLayerPart, but needs it
	// when a mount is refused, so actions and resources are checked each on their own.)
	usedAction, usedResource := map[string]bool{}, map[string]bool{}
	for _, op := range ops {
		usedAction[op.Action], usedResource[op.Resource] = true, true
	}
	for _, s := range doc.Statement {
		for _, a := range s.Action {
			if !usedAction[a] {
				t.Errorf("statement %s grants %s, which the run never did", s.Sid, a)
			}
		}
		for _, r := range s.Resource {
			if !usedResource[r] {
				t.Errorf("statement %s names %s, which the run never touched", s.Sid, r)
			}
		}
		for _, a := range s.Action {
			n := 0
			for _, r := range s.Resource {
				if used[[2]string{a, r}] {
					n++
				}
			}
			if n == 0 {
				t.Errorf("statement %s: %s was used on none of its resources", s.Sid, a)
			}
		}
	}
	for _, n := range neighbours {
		if got := Evaluate(doc, n.Action, n.Resource); got != ImplicitDeny {
			t.Errorf("neighbour %s on %s: Evaluate says %v", n.Action, n.Resource, got)
		}
	}
	node := needNode(t, false)
	all := append(reqs, neighbours...)
	for i, r := range runSim(t, node, doc, all) {
		want := "Allowed"
		if i >= len(reqs) {
			want = "ImplicitlyDenied"
		}
		if r.Decision != want {
			t.Errorf("simulator: %s on %s is %s (%s), want %s", all[i].Action, all[i].Resource, r.Decision, r.Error, want)
		}
	}
}
