package appmeshenvoytest_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/aws/aws-sdk-go-v2/service/ecrpublic"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/appmeshenvoytest"
	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

// publicPassword returns the password of an ECR Public token issued through the real
// ecrpublic client.
func publicPassword(t *testing.T, srv *appmeshenvoytest.Server) (string, time.Time) {
	t.Helper()
	out, err := ecrpublic.NewFromConfig(srv.Config("us-east-1")).GetAuthorizationToken(context.Background(), &ecrpublic.GetAuthorizationTokenInput{})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := base64.StdEncoding.DecodeString(aws.ToString(out.AuthorizationData.AuthorizationToken))
	if err != nil {
		t.Fatal(err)
	}
	pw, ok := strings.CutPrefix(string(raw), "AWS:")
	if !ok || pw == "" {
		t.Fatal("the token is not AWS:<password>")
	}
	return pw, aws.ToTime(out.AuthorizationData.ExpiresAt)
}

func TestECRPublicGetAuthorizationToken(t *testing.T) {
	clk := newTestClock()
	srv := newServer(t, appmeshenvoytest.WithClock(clk.Now))
	pw, exp := publicPassword(t, srv)
	if want := clk.Now().Add(12 * time.Hour); !exp.Equal(want) {
		t.Errorf("expiresAt %v, want %v", exp, want)
	}
	ops := srv.Operations()
	for _, want := range []string{"ecr-public:GetAuthorizationToken", "sts:GetServiceBearerToken"} {
		if !slices.ContainsFunc(ops, func(o appmeshenvoytest.Operation) bool { return o.Action == want && o.Resource == "*" }) {
			t.Errorf("operations %+v lack %s on *", ops, want)
		}
	}

	tokenWith := func(auth string) int {
		c := newRegClient(t, srv, auth)
		return c.do(http.MethodGet, "/token/?service=public.ecr.aws&scope=aws", nil, nil).status
	}
	if s := tokenWith(basicAuth(pw)); s != http.StatusOK {
		t.Errorf("token endpoint with the ECR Public token: %d", s)
	}
	if n := srv.GalleryLogins(); n != 1 {
		t.Errorf("%d gallery logins, want 1", n)
	}
	// An ECR private password is no gallery credential, and the gallery password is no
	// private registry credential.
	if s := tokenWith(basicAuth(ecrPassword(t, srv, "us-east-1"))); s != http.StatusUnauthorized {
		t.Errorf("token endpoint with an ECR private password: %d, want 401", s)
	}
	priv := newRegClient(t, srv, basicAuth(pw)).do(http.MethodGet, "/v2/"+region.MustLookup("us-east-1").RepositoryURI()+"/tags/list", nil, nil)
	wantError(t, priv, http.StatusUnauthorized, "DENIED")
	clk.Advance(12 * time.Hour)
	if s := tokenWith(basicAuth(pw)); s != http.StatusUnauthorized {
		t.Errorf("token endpoint with an expired ECR Public token: %d, want 401", s)
	}

	// The API is in us-east-1 only.
	_, err := ecrpublic.NewFromConfig(srv.Config("us-west-2")).GetAuthorizationToken(context.Background(), &ecrpublic.GetAuthorizationTokenInput{})
	if err == nil || !slices.ContainsFunc(srv.Refusals(), func(s string) bool { return strings.Contains(s, "us-east-1 only") }) {
		t.Errorf("a us-west-2 call answered %v; refusals %q", err, srv.Refusals())
	}
}

func TestECRPullThroughCacheRules(t *testing.T) {
	srv := newServer(t)
	ctx := context.Background()
	c := ecr.NewFromConfig(srv.Config("us-west-2"))
	create := func(prefix, upstream string) error {
		_, err := c.CreatePullThroughCacheRule(ctx, &ecr.CreatePullThroughCacheRuleInput{
			EcrRepositoryPrefix: aws.String(prefix), UpstreamRegistryUrl: aws.String(upstream), UpstreamRegistry: ecrtypes.UpstreamRegistryEcrPublic})
		return err
	}
	if err := create("ecr-public", "public.ecr.aws"); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		prefix, upstream, code string
	}{
		{"ecr-public", "public.ecr.aws", "PullThroughCacheRuleAlreadyExistsException"},
		{"x", "public.ecr.aws", "ValidationException"},
		{"Upper", "public.ecr.aws", "ValidationException"},
		{"a-very-long-prefix-of-31-chars-", "public.ecr.aws", "ValidationException"},
		{"docker", "registry-1.docker.io", "UnknownOperationException"},
	} {
		if got := apiCode(t, create(tt.prefix, tt.upstream)); got != tt.code {
			t.Errorf("create %q from %s: %s, want %s", tt.prefix, tt.upstream, got, tt.code)
		}
	}
	_, err := ecr.NewFromConfig(srv.Config("cn-north-1")).CreatePullThroughCacheRule(ctx, &ecr.CreatePullThroughCacheRuleInput{
		EcrRepositoryPrefix: aws.String("ecr-public"), UpstreamRegistryUrl: aws.String("public.ecr.aws")})
	if got := apiCode(t, err); got != "UnsupportedUpstreamRegistryException" {
		t.Errorf("create in cn-north-1: %s", got)
	}

	out, err := c.DescribePullThroughCacheRules(ctx, &ecr.DescribePullThroughCacheRulesInput{EcrRepositoryPrefixes: []string{"ecr-public"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.PullThroughCacheRules) != 1 || aws.ToString(out.PullThroughCacheRules[0].UpstreamRegistryUrl) != "public.ecr.aws" ||
		aws.ToString(out.PullThroughCacheRules[0].RegistryId) != appmeshenvoytest.AccountID {
		t.Errorf("describe: %+v", out.PullThroughCacheRules)
	}
	_, err = c.DescribePullThroughCacheRules(ctx, &ecr.DescribePullThroughCacheRulesInput{EcrRepositoryPrefixes: []string{"nope"}})
	if got := apiCode(t, err); got != "PullThroughCacheRuleNotFoundException" {
		t.Errorf("describe a missing rule: %s", got)
	}
	if got := srv.CacheRules(appmeshenvoytest.AccountID, "us-west-2"); !slices.Equal(got, []string{"ecr-public"}) {
		t.Errorf("CacheRules = %q", got)
	}
}

// TestPullThroughCacheImport pulls the Envoy image through a cache rule: the first pull
// creates the repository and imports the image with the gallery's digest; the
// operations recorded are what ECR checks on the puller.
func TestPullThroughCacheImport(t *testing.T) {
	srv := newServer(t)
	srv.AddCacheRule(appmeshenvoytest.AccountID, "us-west-2", "ecr-public", "public.ecr.aws")
	srv.AddCacheRule(appmeshenvoytest.AccountID, "us-west-2", "hub", "registry-1.docker.io")
	cached := ownRepository("us-west-2", "ecr-public/appmesh/aws-appmesh-envoy")
	c := newRegClient(t, srv, basicAuth(ecrPassword(t, srv, "us-west-2")))
	srv.ResetCounts()

	// Nothing cached yet, and the tag list says so: a fallback on the cache sees only
	// what was pulled.
	wantError(t, c.do(http.MethodGet, "/v2/"+cached+"/tags/list", nil, nil), http.StatusNotFound, "NAME_UNKNOWN")
	body, _ := c.manifestOf(cached, appmeshenvoytest.DefaultTag)
	gallery, _ := srv.ImageDigest(region.PublicRepository, appmeshenvoytest.DefaultTag)
	if sha(body) != gallery {
		t.Errorf("cached digest %s, want the gallery's %s", sha(body), gallery)
	}
	tags, err := srv.Tags(cached)
	if err != nil || !slices.Equal(tags, []string{appmeshenvoytest.DefaultTag}) {
		t.Errorf("cache tags %q, %v", tags, err)
	}
	arn := "arn:aws:ecr:us-west-2:" + appmeshenvoytest.AccountID + ":repository/ecr-public/appmesh/aws-appmesh-envoy"
	var got []string
	for _, o := range srv.Operations() {
		if o.Resource == arn {
			got = append(got, o.Action)
		}
	}
	slices.Sort(got)
	if want := []string{"ecr:BatchGetImage", "ecr:BatchImportUpstreamImage", "ecr:CreateRepository", "ecr:ListImages"}; !slices.Equal(got, want) {
		t.Errorf("operations on the cache repository %q, want %q", got, want)
	}
	// A layer of the cached image is readable from the cache.
	_, layers := layersOf(t, manifestOfPlatform(t, c, cached, body))
	if r := c.do(http.MethodHead, "/v2/"+cached+"/blobs/"+layers[0], nil, nil); r.status != http.StatusOK {
		t.Errorf("HEAD cached layer: %d", r.status)
	}
	// A tag the gallery does not have, and a rule of another upstream, import nothing.
	wantError(t, c.do(http.MethodGet, "/v2/"+cached+"/manifests/v9.9.9.9-prod", nil, nil), http.StatusNotFound, "MANIFEST_UNKNOWN")
	wantError(t, c.do(http.MethodGet, "/v2/"+ownRepository("us-west-2", "hub/appmesh/aws-appmesh-envoy")+"/manifests/"+appmeshenvoytest.DefaultTag, nil, nil),
		http.StatusNotFound, "NAME_UNKNOWN")
}

// manifestOfPlatform returns the first platform manifest of an index.
func manifestOfPlatform(t *testing.T, c *regClient, repo string, index []byte) []byte {
	t.Helper()
	var idx struct{ Manifests []struct{ Digest string } }
	if err := jsonUnmarshal(index, &idx); err != nil || len(idx.Manifests) == 0 {
		t.Fatalf("not an index: %v", err)
	}
	b, _ := c.manifestOf(repo, idx.Manifests[0].Digest)
	return b
}
