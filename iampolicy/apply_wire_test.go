package iampolicy_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/appmeshenvoytest"
	"github.com/appmesh-envoy/appmesh-envoy-go/iampolicy"
)

// Wire tests: the real IAM and STS clients of aws-sdk-go-v2 (signing, Query protocol,
// XML errors, retries) against the local AWS endpoint of appmeshenvoytest.

func wireApplier(t *testing.T, srv *appmeshenvoytest.Server, dryRun bool) *iampolicy.Applier {
	t.Helper()
	return iampolicy.NewApplier(srv.Config("us-west-2"), func(o *iampolicy.ApplierOptions) {
		o.RetryDelay = 5 * time.Millisecond
		o.MaxAttempts = 3
		o.DryRun = dryRun
	})
}

func mustPull(t *testing.T, codes ...string) iampolicy.Document {
	t.Helper()
	d, err := iampolicy.ImagePull(iampolicy.PullOptions{Regions: iampolicy.Regions{Codes: codes}})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestWirePutInline(t *testing.T) {
	srv := appmeshenvoytest.NewServer()
	defer srv.Close()
	srv.AddRole("envoy-exec")
	ctx := context.Background()
	a := wireApplier(t, srv, false)
	doc := mustPull(t, "us-west-2", "eu-south-1")

	// Dry run first: nothing stored.
	c, err := wireApplier(t, srv, true).PutInline(ctx, "envoy-exec", "envoy-pull", doc)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Changed() {
		t.Errorf("dry run: %v", c)
	}
	if _, ok := srv.RolePolicy("envoy-exec", "envoy-pull"); ok {
		t.Fatal("dry run stored a policy")
	}

	c, err = a.PutInline(ctx, "envoy-exec", "envoy-pull", doc)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Changed() {
		t.Errorf("first put: %v", c)
	}
	got, ok := srv.RolePolicy("envoy-exec", "envoy-pull")
	if !ok {
		t.Fatal("no inline policy stored")
	}
	stored, err := iampolicy.Parse([]byte(got))
	if err != nil {
		t.Fatal(err)
	}
	if !iampolicy.Equivalent(stored, doc) {
		t.Errorf("stored policy differs: %s", got)
	}

	// The same document again: read (URL-encoded by IAM), compare, no write.
	srv.ResetCounts()
	c, err = a.PutInline(ctx, "envoy-exec", "envoy-pull", doc)
	if err != nil {
		t.Fatal(err)
	}
	if c.Changed() {
		t.Errorf("second put: %v, want up to date", c)
	}
	if n := srv.Requests("iam:PutRolePolicy", "*"); n != 0 {
		t.Errorf("%d PutRolePolicy requests for an unchanged policy", n)
	}

	// A role that does not exist: a clear error at once, no write, no retries (the
	// applier created nothing it could be waiting for).
	a = iampolicy.NewApplier(srv.Config("us-west-2"), func(o *iampolicy.ApplierOptions) {
		o.RetryDelay = time.Hour // a retry would hang the test
	})
	for _, dryRun := range []bool{false, true} {
		srv.ResetCounts()
		ap := a
		if dryRun {
			ap = wireApplier(t, srv, true)
		}
		_, err = ap.PutInline(ctx, "no-such-role", "envoy-pull", doc)
		var nse *types.NoSuchEntityException
		if !errors.Is(err, iampolicy.ErrRoleNotFound) || !errors.As(err, &nse) {
			t.Fatalf("dry run %v: error = %v, want ErrRoleNotFound wrapping NoSuchEntity", dryRun, err)
		}
		if !strings.Contains(err.Error(), `role "no-such-role" not found; create it first`) {
			t.Errorf("error = %q", err)
		}
		if n := srv.Requests("iam:PutRolePolicy", "*"); n != 0 {
			t.Errorf("dry run %v: %d PutRolePolicy requests for a missing role, want 0", dryRun, n)
		}
		if n := srv.Requests("iam:GetRole", "*"); n != 1 {
			t.Errorf("dry run %v: %d GetRole requests, want 1", dryRun, n)
		}
	}
}

func TestWirePutManagedMissingRole(t *testing.T) {
	srv := appmeshenvoytest.NewServer()
	defer srv.Close()
	a := iampolicy.NewApplier(srv.Config("us-west-2"), func(o *iampolicy.ApplierOptions) {
		o.RetryDelay = time.Hour // a retry would hang the test
	})
	_, err := a.PutManaged(context.Background(), "no-such-role", "envoy-pull", mustPull(t, "us-west-2"))
	if !errors.Is(err, iampolicy.ErrRoleNotFound) || !strings.Contains(err.Error(), "create it first") {
		t.Fatalf("error = %v, want ErrRoleNotFound", err)
	}
	for _, op := range []string{"iam:CreatePolicy", "iam:AttachRolePolicy", "iam:CreatePolicyVersion"} {
		if n := srv.Requests(op, "*"); n != 0 {
			t.Errorf("%d %s requests for a missing role, want 0", n, op)
		}
	}
	if v := srv.ManagedPolicyVersions("arn:aws:iam::" + appmeshenvoytest.AccountID + ":policy/envoy-pull"); len(v) != 0 {
		t.Errorf("a managed policy was created: %+v", v)
	}
}

func TestWirePutManaged(t *testing.T) {
	srv := appmeshenvoytest.NewServer()
	defer srv.Close()
	srv.AddRole("envoy-node")
	ctx := context.Background()
	a := wireApplier(t, srv, false)
	wantARN := "arn:aws:iam::" + appmeshenvoytest.AccountID + ":policy/envoy-pull"

	c, err := a.PutManaged(ctx, "envoy-node", "envoy-pull", mustPull(t, "us-west-2"))
	if err != nil {
		t.Fatal(err)
	}
	if c.PolicyARN != wantARN || !c.Changed() {
		t.Errorf("create: %v (ARN %s)", c, c.PolicyARN)
	}
	if got := srv.AttachedPolicies("envoy-node"); len(got) != 1 || got[0] != wantARN {
		t.Errorf("attached = %v", got)
	}

	// Unchanged: no new version, no second attach.
	c, err = a.PutManaged(ctx, "envoy-node", "envoy-pull", mustPull(t, "us-west-2"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Changed() {
		t.Errorf("unchanged: %v", c)
	}

	// Six updates: IAM keeps 5 versions; rotation must avoid LimitExceeded.
	codes := []string{"us-east-1", "us-east-2", "eu-west-1", "eu-west-2", "eu-west-3", "ap-south-1"}
	var last iampolicy.Document
	for i := range codes {
		last = mustPull(t, append([]string{"us-west-2"}, codes[:i+1]...)...)
		c, err := a.PutManaged(ctx, "envoy-node", "envoy-pull", last)
		if err != nil {
			t.Fatalf("update %d: %v", i+1, err)
		}
		if !c.Changed() {
			t.Errorf("update %d: nothing changed", i+1)
		}
	}
	versions := srv.ManagedPolicyVersions(wantARN)
	if len(versions) != iampolicy.MaxPolicyVersions {
		t.Fatalf("%d versions, want %d", len(versions), iampolicy.MaxPolicyVersions)
	}
	var def *appmeshenvoytest.PolicyVersion
	for i := range versions {
		if versions[i].IsDefault {
			def = &versions[i]
		}
	}
	if def == nil || def.VersionID != "v7" {
		t.Fatalf("default version = %+v, want v7", def)
	}
	stored, err := iampolicy.Parse([]byte(def.Document))
	if err != nil {
		t.Fatal(err)
	}
	if !iampolicy.Equivalent(stored, last) {
		t.Errorf("default version holds %s", def.Document)
	}
	if got := srv.AttachedPolicies("envoy-node"); len(got) != 1 {
		t.Errorf("attached = %v, want once", got)
	}

	// Dry run of a further change: reports rotation, writes nothing.
	srv.ResetCounts()
	c, err = wireApplier(t, srv, true).PutManaged(ctx, "envoy-node", "envoy-pull", mustPull(t, "sa-east-1"))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Operations) != 2 || c.Operations[0].API != "DeletePolicyVersion" || c.Operations[1].API != "CreatePolicyVersion" {
		t.Errorf("dry run operations = %+v", c.Operations)
	}
	for _, op := range []string{"iam:DeletePolicyVersion", "iam:CreatePolicyVersion", "iam:AttachRolePolicy", "iam:CreatePolicy"} {
		if n := srv.Requests(op, "*"); n != 0 {
			t.Errorf("dry run sent %d %s requests", n, op)
		}
	}
}

func TestWireEventualConsistency(t *testing.T) {
	srv := appmeshenvoytest.NewServer()
	defer srv.Close()
	srv.AddRole("envoy-task")
	// The policy was just created: the first two attach calls do not see it yet.
	srv.FailNext("iam:AttachRolePolicy", "*", 2, appmeshenvoytest.AWSError{Code: "NoSuchEntity", Status: 404, Message: "Policy arn:aws:iam::" + appmeshenvoytest.AccountID + ":policy/envoy-proxy does not exist or is not attachable."})
	c, err := wireApplier(t, srv, false).PutManaged(context.Background(), "envoy-task", "envoy-proxy", mustProxy(t))
	if err != nil {
		t.Fatal(err)
	}
	if n := srv.Requests("iam:AttachRolePolicy", "*"); n != 3 {
		t.Errorf("%d AttachRolePolicy requests, want 3", n)
	}
	if got := srv.AttachedPolicies("envoy-task"); len(got) != 1 || got[0] != c.PolicyARN {
		t.Errorf("attached = %v", got)
	}
}

func mustProxy(t *testing.T) iampolicy.Document {
	t.Helper()
	d, err := iampolicy.ProxyAuthorization(iampolicy.ProxyOptions{
		Resources: []string{"arn:aws:appmesh:us-west-2:" + appmeshenvoytest.AccountID + ":mesh/shop/virtualNode/cart"},
		Tracing:   true,
	})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestWireStalledIAM: an IAM endpoint that accepts the request and never answers ends
// in the applier's timeout, not in a hang.
func TestWireStalledIAM(t *testing.T) {
	srv := appmeshenvoytest.NewServer()
	defer srv.Close()
	srv.AddRole("envoy-exec")
	srv.Stall("iam:GetRole", "*")
	a := iampolicy.NewApplier(srv.Config("us-west-2"), func(o *iampolicy.ApplierOptions) { o.Timeout = 200 * time.Millisecond })
	_, err := a.PutInline(context.Background(), "envoy-exec", "envoy-pull", mustPull(t, "us-west-2"))
	if !errors.Is(err, context.DeadlineExceeded) || appmeshenvoy.CodeOf(err) != appmeshenvoy.CodeTimeout {
		t.Fatalf("error = %v (code %s), want the applier's timeout", err, appmeshenvoy.CodeOf(err))
	}
	if !strings.Contains(err.Error(), "iam:GetRole did not finish within 200ms") {
		t.Errorf("error %q does not name the call and the timeout", err)
	}
}

// TestWireErrorCodes: IAM's and STS's error answers, read by the real SDK clients, come
// back with the module's codes and name the call.
func TestWireErrorCodes(t *testing.T) {
	tests := []struct {
		name    string
		op      string
		fault   appmeshenvoytest.AWSError
		managed bool
		code    appmeshenvoy.Code
		says    string
	}{
		{"inline read denied", "iam:GetRolePolicy", appmeshenvoytest.AccessDenied("iam:GetRolePolicy"), false, appmeshenvoy.CodeAccessDenied, "iam:GetRolePolicy on arn:aws:iam::*:role/envoy-exec"},
		{"inline write throttled", "iam:PutRolePolicy", appmeshenvoytest.AWSError{Code: "Throttling", Message: "Rate exceeded"}, false, appmeshenvoy.CodeThrottled, "iam:PutRolePolicy"},
		{"expired credentials", "sts:GetCallerIdentity", appmeshenvoytest.ExpiredToken("sts:GetCallerIdentity"), true, appmeshenvoy.CodeInvalidCredentials, "expired"},
		{"managed attach denied", "iam:AttachRolePolicy", appmeshenvoytest.AccessDenied("iam:AttachRolePolicy"), true, appmeshenvoy.CodeAccessDenied,
			"iam:AttachRolePolicy on arn:aws:iam::" + appmeshenvoytest.AccountID + ":role/envoy-exec"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := appmeshenvoytest.NewServer()
			defer srv.Close()
			srv.AddRole("envoy-exec")
			srv.FailNext(tc.op, "*", 10, tc.fault)
			cfg := srv.Config("us-west-2")
			cfg.RetryMaxAttempts = 1 // the classification, not the SDK's retries, is under test
			a := iampolicy.NewApplier(cfg)
			doc := mustPull(t, "us-west-2")
			var err error
			if tc.managed {
				_, err = a.PutManaged(context.Background(), "envoy-exec", "envoy-pull", doc)
			} else {
				_, err = a.PutInline(context.Background(), "envoy-exec", "envoy-pull", doc)
			}
			if got := appmeshenvoy.CodeOf(err); got != tc.code {
				t.Errorf("error %v: code %q, want %q", err, got, tc.code)
			}
			if err == nil || !strings.Contains(err.Error(), tc.says) {
				t.Errorf("error %v does not say %q", err, tc.says)
			}
		})
	}
}
