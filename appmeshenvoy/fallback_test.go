package appmeshenvoy_test

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/appmeshenvoytest"
)

func TestParseFallback(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want appmeshenvoy.Fallback
		err  bool
	}{
		{in: "builtin", want: appmeshenvoy.Fallback{Source: appmeshenvoy.SourceBuiltin}},
		{in: " Gallery ", want: appmeshenvoy.Fallback{Source: appmeshenvoy.SourceGallery}},
		{in: "repository=111122223333.dkr.ecr.{region}.amazonaws.com/envoy",
			want: appmeshenvoy.Fallback{Source: appmeshenvoy.SourceRepository, Repository: "111122223333.dkr.ecr.{region}.amazonaws.com/envoy"}},
		{in: "repository=https://111122223333.dkr.ecr.eu-west-1.amazonaws.com/ecr-public/appmesh/aws-appmesh-envoy",
			want: appmeshenvoy.Fallback{Source: appmeshenvoy.SourceRepository, Repository: "https://111122223333.dkr.ecr.eu-west-1.amazonaws.com/ecr-public/appmesh/aws-appmesh-envoy"}},
		{in: "repository=registry.example.com:5000/team/envoy",
			want: appmeshenvoy.Fallback{Source: appmeshenvoy.SourceRepository, Repository: "registry.example.com:5000/team/envoy"}},
		{in: "repository=harbor.{region}.example.com/envoy",
			want: appmeshenvoy.Fallback{Source: appmeshenvoy.SourceRepository, Repository: "harbor.{region}.example.com/envoy"}},
		{in: "", err: true},
		{in: "ssm", err: true},
		{in: "mirror=x", err: true},
		{in: "repository", err: true},
		{in: "repository=", err: true},
		{in: "repository=envoy", err: true},
		{in: "repository=111122223333.dkr.ecr.{zone}.amazonaws.com/envoy", err: true},
		{in: "repository=111122223333.dkr.ecr.us-west-2.amazonaws.com/envoy:v1.29.6.0-prod", err: true},
		{in: "repository=registry.example.com/envoy@sha256:" + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", err: true},
		{in: "repository=registry.example.com/Envoy", err: true},
		{in: "repository=169.254.169.254/envoy", err: true},
		{in: "repository=http://registry.example.com/envoy", err: true},
		{in: "gallery=public.ecr.aws", err: true},
	} {
		t.Run(tt.in, func(t *testing.T) {
			got, err := appmeshenvoy.ParseFallback(tt.in)
			if tt.err {
				if err == nil || !errors.Is(err, appmeshenvoy.ErrInvalidFallback) || appmeshenvoy.CodeOf(err) != appmeshenvoy.CodeInvalidInput {
					t.Fatalf("ParseFallback(%q) = %+v, %v; want an ErrInvalidFallback", tt.in, got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseFallback(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
			}
			if again, err := appmeshenvoy.ParseFallback(got.String()); err != nil || again != got {
				t.Errorf("String() %q does not parse back: %+v, %v", got.String(), again, err)
			}
		})
	}
}

// TestInvalidFallbackOption: a Fallbacks entry ParseFallback would refuse makes every
// call fail with the same error, before any request.
func TestInvalidFallbackOption(t *testing.T) {
	ssm := appmeshenvoytest.NewSSM(nil)
	res := appmeshenvoy.NewResolver(aws.Config{}, func(o *appmeshenvoy.ResolverOptions) {
		o.Fallbacks = []appmeshenvoy.Fallback{{Source: appmeshenvoy.SourceRepository}}
		o.SSMClientForRegion = func(string) appmeshenvoy.GetParameterAPI { return ssm }
	})
	_, err := res.Resolve(context.Background(), "us-west-2")
	if !errors.Is(err, appmeshenvoy.ErrInvalidFallback) {
		t.Errorf("Resolve: %v, want ErrInvalidFallback", err)
	}
	if _, err := res.PinAll(context.Background(), []string{"us-west-2"}); !errors.Is(err, appmeshenvoy.ErrInvalidFallback) {
		t.Errorf("PinAll: %v, want ErrInvalidFallback", err)
	}
	if n := len(ssm.Calls()); n != 0 {
		t.Errorf("%d GetParameter calls", n)
	}
}

func FuzzParseFallback(f *testing.F) {
	for _, s := range []string{"builtin", "gallery", "repository=111122223333.dkr.ecr.{region}.amazonaws.com/envoy",
		"repository=127.0.0.1:5000/a/b", "repository=x/{region}", "repository=[::1]:5000/e"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fb, err := appmeshenvoy.ParseFallback(s)
		if err != nil {
			if appmeshenvoy.CodeOf(err) != appmeshenvoy.CodeInvalidInput {
				t.Fatalf("code %s for %q", appmeshenvoy.CodeOf(err), s)
			}
			return
		}
		again, err := appmeshenvoy.ParseFallback(fb.String())
		if err != nil || again != fb {
			t.Fatalf("%q parsed to %+v, whose String %q parses to %+v, %v", s, fb, fb.String(), again, err)
		}
	})
}

// pagedDescribe answers DescribeImages with one tag per page, following nextToken.
type pagedDescribe struct {
	tags   []string
	tokens []string // the NextToken of each call
}

func (p *pagedDescribe) DescribeImages(_ context.Context, in *ecr.DescribeImagesInput, _ ...func(*ecr.Options)) (*ecr.DescribeImagesOutput, error) {
	p.tokens = append(p.tokens, aws.ToString(in.NextToken))
	i := 0
	if in.NextToken != nil {
		i, _ = strconv.Atoi(*in.NextToken)
	}
	out := &ecr.DescribeImagesOutput{ImageDetails: []ecrtypes.ImageDetail{{ImageTags: []string{p.tags[i]}}}}
	if i+1 < len(p.tags) {
		out.NextToken = aws.String(strconv.Itoa(i + 1))
	}
	return out, nil
}

// TestRepositoryFallbackFollowsNextToken: the highest release tag may be on any page of
// DescribeImages.
func TestRepositoryFallbackFollowsNextToken(t *testing.T) {
	p := &pagedDescribe{tags: []string{"v1.29.6.0-prod", "latest", "v1.34.13.3-prod", "v1.30.0.0-prod"}}
	res := appmeshenvoy.NewResolver(aws.Config{}, func(o *appmeshenvoy.ResolverOptions) {
		o.SSMClientForRegion = func(string) appmeshenvoy.GetParameterAPI { return appmeshenvoytest.NewSSM(nil) }
		o.DescribeImagesClientForRegion = func(string) appmeshenvoy.DescribeImagesAPI { return p }
		o.Fallbacks = []appmeshenvoy.Fallback{{Source: appmeshenvoy.SourceRepository, Repository: "111122223333.dkr.ecr.eu-west-1.amazonaws.com/envoy"}}
	})
	got, err := res.Resolve(context.Background(), "us-west-2")
	if err != nil {
		t.Fatal(err)
	}
	if got.Image.String() != "111122223333.dkr.ecr.eu-west-1.amazonaws.com/envoy:v1.34.13.3-prod" {
		t.Errorf("image %s", got.Image)
	}
	if want := []string{"", "1", "2", "3"}; !slices.Equal(p.tokens, want) {
		t.Errorf("NextTokens %q, want %q", p.tokens, want)
	}
}
