package appmeshenvoytest_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/google/go-cmp/cmp"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/appmeshenvoytest"
)

const testPolicy = `{"Version":"2012-10-17","Statement":[{"Sid":"Pull","Effect":"Allow","Action":["ecr:BatchGetImage"],"Resource":"arn:aws:ecr:us-west-2:840364872350:repository/aws-appmesh-envoy"}]}`

func TestIAMRolePolicies(t *testing.T) {
	srv := newServer(t)
	srv.AddRole("task-exec")
	ctx := context.Background()
	client := iam.NewFromConfig(srv.Config("us-east-1"))

	role, err := client.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("task-exec")})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := aws.ToString(role.Role.Arn), "arn:aws:iam::"+appmeshenvoytest.AccountID+":role/task-exec"; got != want {
		t.Errorf("role ARN = %q, want %q", got, want)
	}
	if !strings.HasPrefix(aws.ToString(role.Role.AssumeRolePolicyDocument), "%7B") {
		t.Errorf("trust policy not URL-encoded: %q", aws.ToString(role.Role.AssumeRolePolicyDocument))
	}

	_, err = client.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("nobody")})
	if code := apiCode(t, err); code != "NoSuchEntity" || httpStatus(err) != 404 {
		t.Errorf("missing role: %s %d", code, httpStatus(err))
	}

	if _, err := client.PutRolePolicy(ctx, &iam.PutRolePolicyInput{
		RoleName: aws.String("task-exec"), PolicyName: aws.String("envoy-pull"), PolicyDocument: aws.String(testPolicy),
	}); err != nil {
		t.Fatal(err)
	}
	got, err := client.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String("task-exec"), PolicyName: aws.String("envoy-pull")})
	if err != nil {
		t.Fatal(err)
	}
	enc := aws.ToString(got.PolicyDocument)
	if enc == testPolicy || !strings.Contains(enc, "%22") {
		t.Errorf("document is not URL-encoded: %q", enc)
	}
	dec, err := url.QueryUnescape(enc)
	if err != nil || dec != testPolicy {
		t.Errorf("decoded document = %q, %v", dec, err)
	}
	if doc, ok := srv.RolePolicy("task-exec", "envoy-pull"); !ok || doc != testPolicy {
		t.Errorf("RolePolicy = %q, %v", doc, ok)
	}

	_, err = client.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String("task-exec"), PolicyName: aws.String("nope")})
	if code := apiCode(t, err); code != "NoSuchEntity" {
		t.Errorf("missing inline policy: %s", code)
	}
	for _, doc := range []string{"not json", `{"Version":"2012-10-17"}`} {
		_, err = client.PutRolePolicy(ctx, &iam.PutRolePolicyInput{
			RoleName: aws.String("task-exec"), PolicyName: aws.String("bad"), PolicyDocument: aws.String(doc),
		})
		if code := apiCode(t, err); code != "MalformedPolicyDocument" || httpStatus(err) != 400 {
			t.Errorf("%q: %s %d", doc, code, httpStatus(err))
		}
	}
	big := `{"Statement":[{"Sid":"` + strings.Repeat("A", 10300) + `"}]}`
	_, err = client.PutRolePolicy(ctx, &iam.PutRolePolicyInput{
		RoleName: aws.String("task-exec"), PolicyName: aws.String("big"), PolicyDocument: aws.String(big),
	})
	if code := apiCode(t, err); code != "LimitExceeded" || httpStatus(err) != 409 {
		t.Errorf("oversized inline policy: %s %d", code, httpStatus(err))
	}
}

func TestIAMManagedPolicyVersions(t *testing.T) {
	srv := newServer(t)
	srv.AddRole("node")
	ctx := context.Background()
	client := iam.NewFromConfig(srv.Config("cn-north-1"))

	created, err := client.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("envoy"), PolicyDocument: aws.String(testPolicy), Path: aws.String("/appmesh/")})
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(created.Policy.Arn)
	if want := "arn:aws-cn:iam::" + appmeshenvoytest.AccountID + ":policy/appmesh/envoy"; arn != want {
		t.Errorf("ARN = %q, want %q", arn, want)
	}
	_, err = client.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("envoy"), PolicyDocument: aws.String(testPolicy)})
	if code := apiCode(t, err); code != "EntityAlreadyExists" || httpStatus(err) != 409 {
		t.Errorf("duplicate: %s %d", code, httpStatus(err))
	}

	for i := 2; i <= 5; i++ {
		v, err := client.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: aws.String(arn), PolicyDocument: aws.String(testPolicy), SetAsDefault: i == 4})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(v.PolicyVersion.VersionId) != "v"+string(rune('0'+i)) || v.PolicyVersion.IsDefaultVersion != (i == 4) {
			t.Errorf("version %d = %+v", i, v.PolicyVersion)
		}
	}
	_, err = client.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: aws.String(arn), PolicyDocument: aws.String(testPolicy)})
	if code := apiCode(t, err); code != "LimitExceeded" || httpStatus(err) != 409 {
		t.Errorf("sixth version: %s %d", code, httpStatus(err))
	}

	// Paginate with the server's small default page, then with MaxItems.
	var ids []string
	p := iam.NewListPolicyVersionsPaginator(client, &iam.ListPolicyVersionsInput{PolicyArn: aws.String(arn)})
	pages := 0
	for p.HasMorePages() && pages < 10 {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, v := range page.Versions {
			ids = append(ids, aws.ToString(v.VersionId))
			if v.Document != nil {
				t.Error("ListPolicyVersions returned a document")
			}
		}
	}
	if diff := cmp.Diff([]string{"v5", "v4", "v3", "v2", "v1"}, ids); diff != "" || pages != 3 {
		t.Errorf("pages %d, versions (-want +got):\n%s", pages, diff)
	}
	one, err := client.ListPolicyVersions(ctx, &iam.ListPolicyVersionsInput{PolicyArn: aws.String(arn), MaxItems: aws.Int32(4)})
	if err != nil || len(one.Versions) != 4 || !one.IsTruncated || one.Marker == nil {
		t.Errorf("MaxItems 4: %v, %+v", err, one)
	}

	_, err = client.DeletePolicyVersion(ctx, &iam.DeletePolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("v4")})
	if code := apiCode(t, err); code != "DeleteConflict" {
		t.Errorf("delete default: %s", code)
	}
	if _, err := client.DeletePolicyVersion(ctx, &iam.DeletePolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("v1")}); err != nil {
		t.Fatal(err)
	}
	v6, err := client.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: aws.String(arn), PolicyDocument: aws.String(`{"Statement":[]}`), SetAsDefault: true})
	if err != nil || aws.ToString(v6.PolicyVersion.VersionId) != "v6" {
		t.Fatalf("v6: %v", err)
	}
	gv, err := client.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("v6")})
	if err != nil {
		t.Fatal(err)
	}
	if dec, _ := url.QueryUnescape(aws.ToString(gv.PolicyVersion.Document)); dec != `{"Statement":[]}` || !gv.PolicyVersion.IsDefaultVersion {
		t.Errorf("GetPolicyVersion = %+v", gv.PolicyVersion)
	}
	pol, err := client.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(arn)})
	if err != nil || aws.ToString(pol.Policy.DefaultVersionId) != "v6" {
		t.Errorf("GetPolicy: %v %+v", err, pol)
	}
	var gotIDs []string
	for _, v := range srv.ManagedPolicyVersions(arn) {
		gotIDs = append(gotIDs, v.VersionID)
	}
	if diff := cmp.Diff([]string{"v2", "v3", "v4", "v5", "v6"}, gotIDs); diff != "" {
		t.Errorf("ManagedPolicyVersions (-want +got):\n%s", diff)
	}

	_, err = client.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String("arn:aws-cn:iam::" + appmeshenvoytest.AccountID + ":policy/nope")})
	if code := apiCode(t, err); code != "NoSuchEntity" {
		t.Errorf("missing policy: %s", code)
	}

	// Attachments, paginated; AWS managed policies can be attached too.
	managed := "arn:aws-cn:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly"
	for _, a := range []string{arn, managed, arn} {
		if _, err := client.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("node"), PolicyArn: aws.String(a)}); err != nil {
			t.Fatal(err)
		}
	}
	att, err := client.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String("node"), MaxItems: aws.Int32(1)})
	if err != nil || len(att.AttachedPolicies) != 1 || !att.IsTruncated {
		t.Fatalf("first page: %v %+v", err, att)
	}
	att2, err := client.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String("node"), Marker: att.Marker})
	if err != nil || len(att2.AttachedPolicies) != 1 || att2.IsTruncated || aws.ToString(att2.AttachedPolicies[0].PolicyName) != "AmazonEC2ContainerRegistryReadOnly" {
		t.Errorf("second page: %v %+v", err, att2)
	}
	if diff := cmp.Diff([]string{arn, managed}, srv.AttachedPolicies("node")); diff != "" {
		t.Errorf("AttachedPolicies (-want +got):\n%s", diff)
	}
	_, err = client.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("node"), PolicyArn: aws.String("arn:aws-cn:iam::" + appmeshenvoytest.AccountID + ":policy/nope")})
	if code := apiCode(t, err); code != "NoSuchEntity" {
		t.Errorf("attach missing: %s", code)
	}
}

func TestIAMThrottlingRetried(t *testing.T) {
	srv := newServer(t)
	srv.AddRole("r")
	srv.FailNext("iam:GetRole", "", 1, appmeshenvoytest.Throttling("iam:GetRole"))
	srv.FailNext("iam:GetRole", "", 1, appmeshenvoytest.InternalError("iam:GetRole"))
	if _, err := iam.NewFromConfig(srv.Config("us-east-1")).GetRole(context.Background(), &iam.GetRoleInput{RoleName: aws.String("r")}); err != nil {
		t.Fatal(err)
	}
	if got := srv.Requests("iam:GetRole", "us-east-1"); got != 3 {
		t.Errorf("requests = %d, want 3", got)
	}
}
