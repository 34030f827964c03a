package appmeshenvoytest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/appmeshenvoytest"
	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

// awsCLI returns the AWS CLI to use: /usr/bin/aws (Debian's awscli v2), else aws on
// PATH. It skips the test when there is none, and fails it when CI is set.
func awsCLI(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat("/usr/bin/aws"); err == nil {
		return "/usr/bin/aws"
	}
	if p, err := exec.LookPath("aws"); err == nil {
		return p
	}
	if os.Getenv("CI") != "" {
		t.Fatal("the AWS CLI is required when CI is set: install the awscli package")
	}
	t.Skip("the AWS CLI is not installed")
	return ""
}

// runCLI runs the AWS CLI against srv with the test credentials and returns stdout.
func runCLI(t *testing.T, cli string, srv *appmeshenvoytest.Server, regionCode string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	full := append([]string{"--endpoint-url", srv.URL, "--region", regionCode, "--no-cli-pager", "--output", "json"}, args...)
	cmd := exec.CommandContext(ctx, cli, full...)
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + t.TempDir(),
		"AWS_ACCESS_KEY_ID=" + appmeshenvoytest.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY=" + appmeshenvoytest.SecretAccessKey,
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_CONFIG_FILE=/dev/null",
		"AWS_SHARED_CREDENTIALS_FILE=/dev/null",
		"AWS_RETRY_MODE=standard",
		"AWS_MAX_ATTEMPTS=1",
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("aws %s: %v\nstderr: %s\nrefusals: %q", strings.Join(args, " "), err, stderr.String(), srv.Refusals())
	}
	return stdout.String()
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
	cli := awsCLI(t)
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
