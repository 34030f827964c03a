package appmeshenvoytest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/appmeshenvoytest"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/testenv"
	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

// runCLI runs the AWS CLI against srv with the test credentials and returns stdout.
func runCLI(t *testing.T, cli string, srv *appmeshenvoytest.Server, regionCode string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	full := append([]string{"--endpoint-url", srv.URL, "--region", regionCode, "--no-cli-pager", "--output", "json"}, args...)
	cmd := exec.CommandContext(ctx, cli, full...)
	cmd.Env = cliEnv(t)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("aws %s: %v\nstderr: %s\nrefusals: %q", strings.Join(args, " "), err, stderr.String(), srv.Refusals())
	}
	return stdout.String()
}

// runCLIFails runs the AWS CLI against srv like runCLI, expects it to fail, and returns
// its stderr.
func runCLIFails(t *testing.T, cli string, srv *appmeshenvoytest.Server, regionCode string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	full := append([]string{"--endpoint-url", srv.URL, "--region", regionCode, "--no-cli-pager", "--output", "json"}, args...)
	cmd := exec.CommandContext(ctx, cli, full...)
	cmd.Env = cliEnv(t)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err == nil {
		t.Fatalf("aws %s succeeded, want a failure", strings.Join(args, " "))
	}
	return stderr.String()
}

// cliEnv is the environment of the AWS CLI: the test credentials, no profile, no
// instance metadata, no retries.
func cliEnv(t *testing.T) []string {
	home := t.TempDir()
	return []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + home,
		"AWS_ACCESS_KEY_ID=" + appmeshenvoytest.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY=" + appmeshenvoytest.SecretAccessKey,
		"AWS_EC2_METADATA_DISABLED=true",
		// Files that do not exist: no profile of the machine's, no system path read.
		"AWS_CONFIG_FILE=" + filepath.Join(home, "no-aws-config"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "no-aws-credentials"),
		"AWS_RETRY_MODE=standard",
		"AWS_MAX_ATTEMPTS=1",
	}
}

func decode[T any](t *testing.T, s string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("CLI output is not JSON: %v\n%s", err, s)
	}
	return v
}

func TestAWSCLIFidelity(t *testing.T) {
	cli := testenv.AWSCLI(t)
	srv := newServer(t)
	srv.AddRole("envoy-task")
	r := region.MustLookup("eu-central-2")
	wantValue := r.RepositoryURI() + ":" + appmeshenvoytest.DefaultTag

	t.Run("ssm get-parameter", func(t *testing.T) {
		out := runCLI(t, cli, srv, r.Code, "ssm", "get-parameter", "--name", region.ParameterName, "--query", "Parameter.Value", "--output", "text")
		if strings.TrimSpace(out) != wantValue {
			t.Errorf("value = %q, want %q", out, wantValue)
		}
	})
	t.Run("ssm get-parameters", func(t *testing.T) {
		out := decode[struct {
			Parameters        []struct{ Name, Value, ARN string }
			InvalidParameters []string
		}](t, runCLI(t, cli, srv, r.Code, "ssm", "get-parameters", "--names", region.ParameterName, "/missing"))
		if len(out.Parameters) != 1 || out.Parameters[0].Value != wantValue || out.Parameters[0].ARN != r.ParameterARN() {
			t.Errorf("parameters = %+v", out.Parameters)
		}
		if diff := cmp.Diff([]string{"/missing"}, out.InvalidParameters); diff != "" {
			t.Errorf("invalid (-want +got):\n%s", diff)
		}
	})
	t.Run("ecr get-login-password", func(t *testing.T) {
		out := runCLI(t, cli, srv, r.Code, "ecr", "get-login-password")
		if strings.TrimSpace(out) != srv.Password() {
			t.Error("get-login-password output is not the server's password")
		}
	})
	t.Run("ecr batch-get-image", func(t *testing.T) {
		_, mt, digest := srv.Manifest()
		out := decode[struct {
			Images []struct {
				RegistryID             string                                 `json:"registryId"`
				ImageID                struct{ ImageDigest, ImageTag string } `json:"imageId"`
				ImageManifest          string                                 `json:"imageManifest"`
				ImageManifestMediaType string                                 `json:"imageManifestMediaType"`
			} `json:"images"`
		}](t, runCLI(t, cli, srv, r.Code, "ecr", "batch-get-image", "--registry-id", r.Account, "--repository-name", region.RepositoryName,
			"--image-ids", "imageTag="+appmeshenvoytest.DefaultTag, "--accepted-media-types", mt))
		if len(out.Images) != 1 || out.Images[0].ImageID.ImageDigest != digest || out.Images[0].ImageManifestMediaType != mt || out.Images[0].RegistryID != r.Account {
			t.Errorf("images = %+v", out.Images)
		}
	})
	t.Run("ecr describe-images", func(t *testing.T) {
		type details struct {
			ImageDetails []struct {
				RegistryID             string   `json:"registryId"`
				RepositoryName         string   `json:"repositoryName"`
				ImageDigest            string   `json:"imageDigest"`
				ImageTags              []string `json:"imageTags"`
				ImageSizeInBytes       int64    `json:"imageSizeInBytes"`
				ImagePushedAt          string   `json:"imagePushedAt"`
				ImageManifestMediaType string   `json:"imageManifestMediaType"`
			} `json:"imageDetails"`
		}
		_, mt, digest := srv.Manifest()
		out := decode[details](t, runCLI(t, cli, srv, r.Code, "ecr", "describe-images", "--registry-id", r.Account,
			"--repository-name", region.RepositoryName, "--filter", "tagStatus=TAGGED"))
		if len(out.ImageDetails) != 1 {
			t.Fatalf("%d tagged images", len(out.ImageDetails))
		}
		d := out.ImageDetails[0]
		if d.ImageDigest != digest || d.ImageManifestMediaType != mt || !slices.Equal(d.ImageTags, []string{appmeshenvoytest.DefaultTag}) ||
			d.RegistryID != r.Account || d.RepositoryName != region.RepositoryName || d.ImageSizeInBytes <= 0 || !strings.HasPrefix(d.ImagePushedAt, "2026-09-09T17:00:00") {
			t.Errorf("image = %+v", d)
		}
		// The CLI follows nextToken through pages of one.
		all := decode[details](t, runCLI(t, cli, srv, r.Code, "ecr", "describe-images", "--registry-id", r.Account,
			"--repository-name", region.RepositoryName, "--page-size", "1"))
		if len(all.ImageDetails) != 3 {
			t.Errorf("%d images over pages of one, want 3 (the index and its two platform images)", len(all.ImageDetails))
		}
		if got := srv.Requests("ecr:DescribeImages", r.Code); got != 4 {
			t.Errorf("DescribeImages requests = %d, want 4 (one filtered, three pages)", got)
		}
	})
	t.Run("ecr list-images", func(t *testing.T) {
		out := decode[struct {
			ImageIDs []struct {
				ImageDigest string `json:"imageDigest"`
				ImageTag    string `json:"imageTag"`
			} `json:"imageIds"`
		}](t, runCLI(t, cli, srv, r.Code, "ecr", "list-images", "--registry-id", r.Account, "--repository-name", region.RepositoryName, "--page-size", "1"))
		tags := 0
		for _, id := range out.ImageIDs {
			if id.ImageTag != "" {
				tags++
			}
		}
		if len(out.ImageIDs) != 3 || tags != 1 {
			t.Errorf("image IDs = %+v", out.ImageIDs)
		}
	})
	t.Run("ecr create-repository and describe-repositories", func(t *testing.T) {
		type repository struct {
			RepositoryArn           string `json:"repositoryArn"`
			RepositoryName          string `json:"repositoryName"`
			RepositoryURI           string `json:"repositoryUri"`
			RegistryID              string `json:"registryId"`
			ImageTagMutability      string `json:"imageTagMutability"`
			CreatedAt               string `json:"createdAt"`
			EncryptionConfiguration struct {
				EncryptionType string `json:"encryptionType"`
				KmsKey         string `json:"kmsKey"`
			} `json:"encryptionConfiguration"`
		}
		created := decode[struct {
			Repository repository `json:"repository"`
		}](t, runCLI(t, cli, srv, r.Code, "ecr", "create-repository", "--repository-name", "cli/envoy", "--image-tag-mutability", "IMMUTABLE",
			"--encryption-configuration", "encryptionType=KMS,kmsKey=arn:aws:kms:eu-central-2:123456789012:key/k1", "--tags", "Key=team,Value=mesh"))
		want := repository{RepositoryArn: "arn:aws:ecr:eu-central-2:" + appmeshenvoytest.AccountID + ":repository/cli/envoy", RepositoryName: "cli/envoy",
			RepositoryURI: appmeshenvoytest.AccountID + ".dkr.ecr.eu-central-2.amazonaws.com/cli/envoy", RegistryID: appmeshenvoytest.AccountID,
			ImageTagMutability: "IMMUTABLE", CreatedAt: created.Repository.CreatedAt}
		want.EncryptionConfiguration.EncryptionType, want.EncryptionConfiguration.KmsKey = "KMS", "arn:aws:kms:eu-central-2:123456789012:key/k1"
		if diff := cmp.Diff(want, created.Repository); diff != "" || created.Repository.CreatedAt == "" {
			t.Errorf("created (-want +got):\n%s", diff)
		}
		described := decode[struct {
			Repositories []repository `json:"repositories"`
		}](t, runCLI(t, cli, srv, r.Code, "ecr", "describe-repositories", "--repository-names", "cli/envoy"))
		if len(described.Repositories) != 1 || described.Repositories[0] != created.Repository {
			t.Errorf("described %+v", described.Repositories)
		}
		stderr := runCLIFails(t, cli, srv, r.Code, "ecr", "create-repository", "--repository-name", "cli/envoy")
		if !strings.Contains(stderr, "RepositoryAlreadyExistsException") {
			t.Errorf("create again: %s", stderr)
		}
		stderr = runCLIFails(t, cli, srv, r.Code, "ecr", "describe-repositories", "--repository-names", "cli/missing")
		if !strings.Contains(stderr, "RepositoryNotFoundException") || !strings.Contains(stderr, "cli/missing") {
			t.Errorf("describe missing: %s", stderr)
		}
	})
	t.Run("iam put-role-policy and get-role-policy", func(t *testing.T) {
		runCLI(t, cli, srv, "us-east-1", "iam", "put-role-policy", "--role-name", "envoy-task", "--policy-name", "pull", "--policy-document", testPolicy)
		if doc, ok := srv.RolePolicy("envoy-task", "pull"); !ok || doc != testPolicy {
			t.Errorf("stored document = %q, %v", doc, ok)
		}
		out := decode[struct {
			RoleName, PolicyName string
			PolicyDocument       any
		}](t, runCLI(t, cli, srv, "us-east-1", "iam", "get-role-policy", "--role-name", "envoy-task", "--policy-name", "pull"))
		// The CLI URL-decodes and parses the document, as it does against IAM.
		want := decode[any](t, testPolicy)
		if diff := cmp.Diff(want, out.PolicyDocument); diff != "" || out.RoleName != "envoy-task" {
			t.Errorf("document (-want +got):\n%s", diff)
		}
	})
	t.Run("iam create-policy", func(t *testing.T) {
		out := decode[struct {
			Policy struct{ PolicyName, Arn, DefaultVersionId string }
		}](t, runCLI(t, cli, srv, "us-east-1", "iam", "create-policy", "--policy-name", "envoy-pull", "--policy-document", testPolicy))
		want := "arn:aws:iam::" + appmeshenvoytest.AccountID + ":policy/envoy-pull"
		if out.Policy.Arn != want || out.Policy.DefaultVersionId != "v1" {
			t.Errorf("policy = %+v", out.Policy)
		}
		if v := srv.ManagedPolicyVersions(want); len(v) != 1 || v[0].Document != testPolicy {
			t.Errorf("versions = %+v", v)
		}
	})
	t.Run("sts get-caller-identity", func(t *testing.T) {
		out := decode[struct{ Account, Arn, UserId string }](t, runCLI(t, cli, srv, r.Code, "sts", "get-caller-identity"))
		if out.Account != appmeshenvoytest.AccountID || out.Arn != "arn:aws:iam::"+appmeshenvoytest.AccountID+":user/"+appmeshenvoytest.UserName {
			t.Errorf("identity = %+v", out)
		}
	})
	if rf := srv.Refusals(); len(rf) != 0 {
		t.Errorf("the server refused CLI requests: %q", rf)
	}
}

// TestAWSCLIPullThroughCacheAndECRPublic points the AWS CLI at the server's pull-through
// cache operations and ECR Public's GetAuthorizationToken, with the options every AWS
// CLI version that knows these commands has (Debian's 2.9.19 has no --upstream-registry,
// so it is not used: the URL alone names ECR Public).
func TestAWSCLIPullThroughCacheAndECRPublic(t *testing.T) {
	cli := testenv.AWSCLI(t)
	srv := newServer(t)
	out := decode[struct {
		EcrRepositoryPrefix string `json:"ecrRepositoryPrefix"`
		UpstreamRegistryURL string `json:"upstreamRegistryUrl"`
		RegistryID          string `json:"registryId"`
	}](t, runCLI(t, cli, srv, "us-west-2", "ecr", "create-pull-through-cache-rule", "--ecr-repository-prefix", "ecr-public", "--upstream-registry-url", "public.ecr.aws"))
	if out.EcrRepositoryPrefix != "ecr-public" || out.UpstreamRegistryURL != "public.ecr.aws" || out.RegistryID != appmeshenvoytest.AccountID {
		t.Errorf("create-pull-through-cache-rule = %+v", out)
	}
	stderr := runCLIFails(t, cli, srv, "us-west-2", "ecr", "create-pull-through-cache-rule", "--ecr-repository-prefix", "ecr-public", "--upstream-registry-url", "public.ecr.aws")
	if !strings.Contains(stderr, "PullThroughCacheRuleAlreadyExistsException") {
		t.Errorf("second create: %s", stderr)
	}
	rules := decode[struct {
		PullThroughCacheRules []struct {
			EcrRepositoryPrefix string `json:"ecrRepositoryPrefix"`
			UpstreamRegistryURL string `json:"upstreamRegistryUrl"`
		} `json:"pullThroughCacheRules"`
	}](t, runCLI(t, cli, srv, "us-west-2", "ecr", "describe-pull-through-cache-rules"))
	if len(rules.PullThroughCacheRules) != 1 || rules.PullThroughCacheRules[0].EcrRepositoryPrefix != "ecr-public" {
		t.Errorf("describe-pull-through-cache-rules = %+v", rules)
	}
	pw := strings.TrimSpace(runCLI(t, cli, srv, "us-east-1", "ecr-public", "get-login-password"))
	c := newRegClient(t, srv, basicAuth(pw))
	if r := c.do("GET", "/token/?service=public.ecr.aws&scope=aws", nil, nil); r.status != 200 {
		t.Errorf("the token endpoint refused the password of 'aws ecr-public get-login-password': %d %s", r.status, r.body)
	}
	if refusals := srv.Refusals(); len(refusals) > 0 {
		t.Errorf("refusals: %q", refusals)
	}
}
