package main

import (
	"strings"
	"testing"

	"github.com/appmesh-envoy/appmesh-envoy-go/iampolicy"
	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

func TestPolicyCacheGalleryFallback(t *testing.T) {
	usw2 := region.MustLookup("us-west-2")
	cached := "arn:aws:ecr:us-west-2:111122223333:repository/ecr-public/appmesh/aws-appmesh-envoy"
	tests := []struct {
		name        string
		args        []string
		allow, deny [][2]string
		conditional []string // actions Evaluate cannot decide (a condition)
	}{
		{
			name:  "cache admin",
			args:  []string{"policy", "--principal", "cache-admin"},
			allow: [][2]string{{"ecr:CreatePullThroughCacheRule", "*"}, {"ecr:DescribePullThroughCacheRules", "*"}},
			deny:  [][2]string{{"ecr:DeletePullThroughCacheRule", "*"}, {"ecr:GetAuthorizationToken", "*"}, {"ecr:CreateRepository", cached}},
		},
		{
			name: "puller through a pull-through cache",
			args: []string{"policy", "--principal", "puller", "--region", "us-west-2", "--pull-through-cache", "111122223333.dkr.ecr.us-west-2.amazonaws.com/ecr-public"},
			allow: [][2]string{{"ecr:BatchGetImage", cached}, {"ecr:GetDownloadUrlForLayer", cached}, {"ecr:BatchImportUpstreamImage", cached},
				{"ecr:CreateRepository", cached}, {"ecr:BatchGetImage", usw2.RepositoryARN()}},
			deny: [][2]string{{"ecr:CreateRepository", "arn:aws:ecr:us-west-2:111122223333:repository/other"},
				{"ecr:BatchImportUpstreamImage", "arn:aws:ecr:us-east-1:111122223333:repository/ecr-public/appmesh/aws-appmesh-envoy"},
				{"ecr:PutImage", cached}, {"ecr:CreatePullThroughCacheRule", "*"}},
		},
		{
			name:        "puller with a gallery login",
			args:        []string{"policy", "--principal", "puller", "--region", "us-west-2", "--public-gallery"},
			allow:       [][2]string{{"ecr-public:GetAuthorizationToken", "*"}, {"ecr:BatchGetImage", usw2.RepositoryARN()}},
			deny:        [][2]string{{"ecr-public:PutImage", "*"}},
			conditional: []string{"sts:GetServiceBearerToken"},
		},
		{
			name: "resolver with fallbacks",
			args: []string{"policy", "--principal", "resolver", "--region", "us-west-2", "--region", "eu-west-1",
				"--fallback", "repository=111122223333.dkr.ecr.{region}.amazonaws.com/mirror/envoy", "--fallback", "gallery",
				"--fallback", "repository=registry.example.com/envoy", "--fallback", "builtin"},
			allow: [][2]string{{"ssm:GetParameter", usw2.ParameterARN()}, {"ecr:GetAuthorizationToken", "*"},
				{"ecr:DescribeImages", "arn:aws:ecr:us-west-2:111122223333:repository/mirror/envoy"},
				{"ecr:ListImages", "arn:aws:ecr:eu-west-1:111122223333:repository/mirror/envoy"},
				{"ecr:BatchGetImage", "arn:aws:ecr:eu-west-1:111122223333:repository/mirror/envoy"}},
			deny: [][2]string{{"ecr:DescribeImages", "arn:aws:ecr:us-east-1:111122223333:repository/mirror/envoy"},
				{"ecr:GetDownloadUrlForLayer", "arn:aws:ecr:us-west-2:111122223333:repository/mirror/envoy"},
				{"ecr:DescribeImages", usw2.RepositoryARN()}, {"ecr-public:GetAuthorizationToken", "*"}},
		},
		{
			name:  "resolver without a fallback repository gets no ECR access",
			args:  []string{"policy", "--principal", "resolver", "--region", "us-west-2", "--fallback", "gallery", "--fallback", "builtin"},
			allow: [][2]string{{"ssm:GetParameter", usw2.ParameterARN()}},
			deny:  [][2]string{{"ecr:GetAuthorizationToken", "*"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, tt.args...)
			r.wantCode(t, exitOK, tt.args...)
			doc := checkPolicyOutput(t, r.stdout, tt.allow, tt.deny)
			for _, a := range tt.conditional {
				if d := iampolicy.Evaluate(doc, a, "*"); d != iampolicy.Unsupported {
					t.Errorf("%s: %v, want unsupported (its condition decides)", a, d)
				}
			}
		})
	}
}

func TestPolicyCacheGalleryFallbackUsageErrors(t *testing.T) {
	for _, tt := range []struct {
		contains string
		args     []string
	}{
		{"give the cache's prefix URI", []string{"policy", "--region", "us-west-2", "--pull-through-cache", "ecr-public"}},
		{"2 to 30 characters", []string{"policy", "--region", "us-west-2", "--pull-through-cache", "111122223333.dkr.ecr.us-west-2.amazonaws.com/x"}},
		{"ECR Public exists only in the aws partition", []string{"policy", "--region", "cn-north-1", "--public-gallery"}},
		{"--fallback does not apply to --principal puller", []string{"policy", "--region", "us-west-2", "--fallback", "builtin"}},
		{"--public-gallery does not apply to --principal resolver", []string{"policy", "--principal", "resolver", "--region", "us-west-2", "--public-gallery"}},
		{"want repository=URI, gallery or builtin", []string{"policy", "--principal", "resolver", "--region", "us-west-2", "--fallback", "ssm"}},
		{"--all-regions does not apply to --principal cache-admin", []string{"policy", "--principal", "cache-admin", "--all-regions"}},
	} {
		t.Run(strings.Join(tt.args[1:], " "), func(t *testing.T) {
			r := runCLI(t, tt.args...)
			r.wantCode(t, exitUsage, tt.args...)
			r.wantOneLineError(t, tt.contains)
		})
	}
}
