package iampolicy

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/appmeshenvoytest"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/errcode"
)

// The unit tests of the applier use the function-field fakes of appmeshenvoytest:
// appmeshenvoytest.IAM and appmeshenvoytest.STS record every call.

// ops returns the operations of calls, in order ("iam:GetRolePolicy", ...).
func ops(calls []appmeshenvoytest.Call) []string {
	var out []string
	for _, c := range calls {
		out = append(out, c.Operation)
	}
	return out
}

func noSuchEntity() error {
	return &types.NoSuchEntityException{Message: aws.String("The role with name envoy cannot be found.")}
}

func roleExists(_ context.Context, in *iam.GetRoleInput, _ ...func(*iam.Options)) (*iam.GetRoleOutput, error) {
	return &iam.GetRoleOutput{Role: &types.Role{RoleName: in.RoleName}}, nil
}

func noSuchRole(context.Context, *iam.GetRoleInput, ...func(*iam.Options)) (*iam.GetRoleOutput, error) {
	return nil, noSuchEntity()
}

func noInlinePolicy(context.Context, *iam.GetRolePolicyInput, ...func(*iam.Options)) (*iam.GetRolePolicyOutput, error) {
	return nil, noSuchEntity()
}

func putOK(context.Context, *iam.PutRolePolicyInput, ...func(*iam.Options)) (*iam.PutRolePolicyOutput, error) {
	return &iam.PutRolePolicyOutput{}, nil
}

func callerIdentity(context.Context, *sts.GetCallerIdentityInput, ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error) {
	return &sts.GetCallerIdentityOutput{Account: aws.String("111122223333"), Arn: aws.String("arn:aws:sts::111122223333:assumed-role/deployer/session")}, nil
}

// testApplier returns an applier over the fakes with a short eventual-consistency delay.
func testApplier(f *appmeshenvoytest.IAM, s *appmeshenvoytest.STS, dryRun bool) *Applier {
	if s == nil {
		s = &appmeshenvoytest.STS{GetCallerIdentityFunc: callerIdentity}
	}
	cfg := aws.Config{Region: "us-west-2", Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "fake-secret", "")}
	return NewApplier(cfg, func(o *ApplierOptions) {
		o.IAM = f
		o.STS = s
		o.DryRun = dryRun
		o.RetryDelay = time.Millisecond
	})
}

func pullDoc(t *testing.T, codes ...string) Document {
	t.Helper()
	d, err := ImagePull(PullOptions{Regions: Regions{Codes: codes}})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// stored returns the document as IAM returns it: URL-encoded, with its own spacing and
// order.
func stored(d Document) *string {
	return aws.String(url.QueryEscape(string(d.Indent())))
}

const wantARN = "arn:aws:iam::111122223333:policy/envoy-pull"

func TestPutInline(t *testing.T) {
	doc := pullDoc(t, "us-west-2")
	t.Run("no-op when the stored policy means the same", func(t *testing.T) {
		reordered := doc
		reordered.Statement = []Statement{doc.Statement[1], doc.Statement[0]}
		f := &appmeshenvoytest.IAM{GetRolePolicyFunc: func(context.Context, *iam.GetRolePolicyInput, ...func(*iam.Options)) (*iam.GetRolePolicyOutput, error) {
			return &iam.GetRolePolicyOutput{PolicyDocument: stored(reordered)}, nil
		}}
		c, err := testApplier(f, nil, false).PutInline(context.Background(), "envoy", "envoy-pull", doc)
		if err != nil {
			t.Fatal(err)
		}
		if c.Changed() || c.Previous == nil {
			t.Errorf("change = %v (previous %v), want up to date", c, c.Previous)
		}
		if diff := cmp.Diff([]string{"iam:GetRolePolicy"}, ops(f.Calls())); diff != "" {
			t.Errorf("calls (-want +got):\n%s", diff)
		}
	})
	t.Run("put when different", func(t *testing.T) {
		f := &appmeshenvoytest.IAM{
			GetRolePolicyFunc: func(context.Context, *iam.GetRolePolicyInput, ...func(*iam.Options)) (*iam.GetRolePolicyOutput, error) {
				return &iam.GetRolePolicyOutput{PolicyDocument: stored(pullDoc(t, "us-east-1"))}, nil
			},
			PutRolePolicyFunc: putOK,
		}
		c, err := testApplier(f, nil, false).PutInline(context.Background(), "envoy", "envoy-pull", doc)
		if err != nil {
			t.Fatal(err)
		}
		if !c.Changed() || c.Operations[0].API != "PutRolePolicy" || c.Operations[0].Detail != "replace" {
			t.Errorf("change = %v", c)
		}
		puts := appmeshenvoytest.InputsOf[*iam.PutRolePolicyInput](f.Calls())
		if len(puts) != 1 || aws.ToString(puts[0].RoleName) != "envoy" || aws.ToString(puts[0].PolicyName) != "envoy-pull" ||
			aws.ToString(puts[0].PolicyDocument) != doc.String() {
			t.Errorf("PutRolePolicy inputs = %+v", puts)
		}
	})
	t.Run("create when missing", func(t *testing.T) {
		f := &appmeshenvoytest.IAM{GetRolePolicyFunc: noInlinePolicy, GetRoleFunc: roleExists, PutRolePolicyFunc: putOK}
		c, err := testApplier(f, nil, false).PutInline(context.Background(), "envoy", "envoy-pull", doc)
		if err != nil {
			t.Fatal(err)
		}
		if c.Previous != nil || c.Operations[0].Detail != "create" {
			t.Errorf("change = %v", c)
		}
		if diff := cmp.Diff([]string{"iam:GetRolePolicy", "iam:GetRole", "iam:PutRolePolicy"}, ops(f.Calls())); diff != "" {
			t.Errorf("calls (-want +got):\n%s", diff)
		}
	})
	for _, dryRun := range []bool{false, true} {
		t.Run(fmt.Sprintf("a missing role fails fast (dry run %v)", dryRun), func(t *testing.T) {
			f := &appmeshenvoytest.IAM{GetRolePolicyFunc: noInlinePolicy, GetRoleFunc: noSuchRole}
			a := NewApplier(aws.Config{}, func(o *ApplierOptions) {
				o.IAM, o.STS, o.DryRun = f, &appmeshenvoytest.STS{}, dryRun
				o.RetryDelay = time.Hour // a retry would hang the test
			})
			_, err := a.PutInline(context.Background(), "envoy", "envoy-pull", doc)
			var nse *types.NoSuchEntityException
			var rnf *RoleNotFoundError
			if !errors.Is(err, ErrRoleNotFound) || !errors.As(err, &nse) || !errors.As(err, &rnf) || rnf.Role != "envoy" {
				t.Fatalf("error = %v, want ErrRoleNotFound wrapping NoSuchEntity", err)
			}
			if !strings.Contains(err.Error(), `role "envoy" not found; create it first`) {
				t.Errorf("error = %q, want it to name the role and say to create it", err)
			}
			if code := errcode.Of(err); code != errcode.RoleNotFound {
				t.Errorf("code %q", code)
			}
			if diff := cmp.Diff([]string{"iam:GetRolePolicy", "iam:GetRole"}, ops(f.Calls())); diff != "" {
				t.Errorf("calls (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("a role deleted between read and write is not retried", func(t *testing.T) {
		f := &appmeshenvoytest.IAM{
			GetRolePolicyFunc: noInlinePolicy,
			GetRoleFunc:       roleExists,
			PutRolePolicyFunc: func(context.Context, *iam.PutRolePolicyInput, ...func(*iam.Options)) (*iam.PutRolePolicyOutput, error) {
				return nil, noSuchEntity()
			},
		}
		_, err := testApplier(f, nil, false).PutInline(context.Background(), "envoy", "envoy-pull", doc)
		if !errors.Is(err, ErrRoleNotFound) {
			t.Errorf("error = %v, want ErrRoleNotFound", err)
		}
		if diff := cmp.Diff([]string{"iam:GetRolePolicy", "iam:GetRole", "iam:PutRolePolicy"}, ops(f.Calls())); diff != "" {
			t.Errorf("calls (-want +got):\n%s", diff)
		}
	})
	t.Run("other read errors are reported", func(t *testing.T) {
		f := &appmeshenvoytest.IAM{
			GetRolePolicyFunc: noInlinePolicy,
			GetRoleFunc: func(context.Context, *iam.GetRoleInput, ...func(*iam.Options)) (*iam.GetRoleOutput, error) {
				return nil, &types.ServiceFailureException{Message: aws.String("boom")}
			},
		}
		_, err := testApplier(f, nil, false).PutInline(context.Background(), "envoy", "envoy-pull", doc)
		var sf *types.ServiceFailureException
		if !errors.As(err, &sf) || errors.Is(err, ErrRoleNotFound) {
			t.Errorf("error = %v, want the ServiceFailure", err)
		}
	})
	t.Run("dry run writes nothing", func(t *testing.T) {
		f := &appmeshenvoytest.IAM{GetRolePolicyFunc: noInlinePolicy, GetRoleFunc: roleExists}
		c, err := testApplier(f, nil, true).PutInline(context.Background(), "envoy", "envoy-pull", doc)
		if err != nil {
			t.Fatal(err)
		}
		if !c.DryRun || !c.Changed() || !strings.Contains(c.String(), "would call PutRolePolicy") {
			t.Errorf("change = %v", c)
		}
		if diff := cmp.Diff([]string{"iam:GetRolePolicy", "iam:GetRole"}, ops(f.Calls())); diff != "" {
			t.Errorf("calls (-want +got):\n%s", diff)
		}
	})
	t.Run("invalid input makes no call", func(t *testing.T) {
		f := &appmeshenvoytest.IAM{}
		a := testApplier(f, nil, false)
		if _, err := a.PutInline(context.Background(), "arn:aws:iam::111122223333:role/envoy", "p", doc); !errors.Is(err, ErrInvalidInput) {
			t.Errorf("role ARN: error %v", err)
		}
		if _, err := a.PutInline(context.Background(), "envoy", "p", Document{}); !errors.Is(err, ErrInvalidPolicy) {
			t.Errorf("empty document: error %v", err)
		}
		if len(f.Calls()) != 0 {
			t.Errorf("calls: %v", ops(f.Calls()))
		}
	})
}

// managedStore is an in-memory managed policy store that answers the IAM fake's managed
// policy operations.
type managedStore struct {
	t        *testing.T
	exists   bool
	versions []types.PolicyVersion // with Document set
	def      string
	attached []string
	next     int
	created  []string // CreatePolicyVersion bodies
	deleted  []string
	pageSize int
}

// newManagedFake returns the store and an IAM fake whose managed-policy operations it
// answers (tests replace single functions to inject faults).
func newManagedFake(t *testing.T) (*managedStore, *appmeshenvoytest.IAM) {
	m := &managedStore{t: t, pageSize: 2}
	return m, &appmeshenvoytest.IAM{
		GetPolicyFunc:                m.getPolicy,
		GetPolicyVersionFunc:         m.getPolicyVersion,
		CreatePolicyFunc:             m.createPolicy,
		ListPolicyVersionsFunc:       m.listPolicyVersions,
		DeletePolicyVersionFunc:      m.deletePolicyVersion,
		CreatePolicyVersionFunc:      m.createPolicyVersion,
		ListAttachedRolePoliciesFunc: m.listAttached,
		AttachRolePolicyFunc:         m.attach,
	}
}

func (m *managedStore) add(body string) string {
	m.next++
	id := "v" + itoa(m.next)
	created := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(m.next) * time.Hour)
	m.versions = append(m.versions, types.PolicyVersion{VersionId: aws.String(id), Document: aws.String(url.QueryEscape(body)), CreateDate: aws.Time(created)})
	return id
}

func (m *managedStore) getPolicy(_ context.Context, in *iam.GetPolicyInput, _ ...func(*iam.Options)) (*iam.GetPolicyOutput, error) {
	if !m.exists || aws.ToString(in.PolicyArn) != wantARN {
		return nil, noSuchEntity()
	}
	return &iam.GetPolicyOutput{Policy: &types.Policy{Arn: in.PolicyArn, DefaultVersionId: aws.String(m.def)}}, nil
}

func (m *managedStore) getPolicyVersion(_ context.Context, in *iam.GetPolicyVersionInput, _ ...func(*iam.Options)) (*iam.GetPolicyVersionOutput, error) {
	for _, v := range m.versions {
		if aws.ToString(v.VersionId) == aws.ToString(in.VersionId) {
			v.IsDefaultVersion = aws.ToString(v.VersionId) == m.def
			return &iam.GetPolicyVersionOutput{PolicyVersion: &v}, nil
		}
	}
	return nil, noSuchEntity()
}

func (m *managedStore) createPolicy(_ context.Context, in *iam.CreatePolicyInput, _ ...func(*iam.Options)) (*iam.CreatePolicyOutput, error) {
	if aws.ToString(in.Path) != "/" || aws.ToString(in.PolicyName) != "envoy-pull" {
		m.t.Errorf("CreatePolicy input %+v", in)
	}
	m.exists = true
	m.def = m.add(aws.ToString(in.PolicyDocument))
	return &iam.CreatePolicyOutput{Policy: &types.Policy{Arn: aws.String(wantARN)}}, nil
}

func (m *managedStore) listPolicyVersions(_ context.Context, in *iam.ListPolicyVersionsInput, _ ...func(*iam.Options)) (*iam.ListPolicyVersionsOutput, error) {
	start := 0
	if in.Marker != nil {
		fmt.Sscan(aws.ToString(in.Marker), &start)
	}
	end := min(start+m.pageSize, len(m.versions))
	out := &iam.ListPolicyVersionsOutput{}
	for _, v := range m.versions[start:end] {
		v.IsDefaultVersion = aws.ToString(v.VersionId) == m.def
		v.Document = nil // ListPolicyVersions does not return documents
		out.Versions = append(out.Versions, v)
	}
	if end < len(m.versions) {
		out.IsTruncated = true
		out.Marker = aws.String(itoa(end))
	}
	return out, nil
}

func (m *managedStore) deletePolicyVersion(_ context.Context, in *iam.DeletePolicyVersionInput, _ ...func(*iam.Options)) (*iam.DeletePolicyVersionOutput, error) {
	id := aws.ToString(in.VersionId)
	if id == m.def {
		m.t.Errorf("deleted the default version %s", id)
	}
	for i, v := range m.versions {
		if aws.ToString(v.VersionId) == id {
			m.versions = append(m.versions[:i], m.versions[i+1:]...)
			m.deleted = append(m.deleted, id)
			return &iam.DeletePolicyVersionOutput{}, nil
		}
	}
	return nil, noSuchEntity()
}

func (m *managedStore) createPolicyVersion(_ context.Context, in *iam.CreatePolicyVersionInput, _ ...func(*iam.Options)) (*iam.CreatePolicyVersionOutput, error) {
	if len(m.versions) >= MaxPolicyVersions {
		return nil, &types.LimitExceededException{Message: aws.String("A managed policy can have up to 5 versions.")}
	}
	id := m.add(aws.ToString(in.PolicyDocument))
	if in.SetAsDefault {
		m.def = id
	}
	m.created = append(m.created, aws.ToString(in.PolicyDocument))
	return &iam.CreatePolicyVersionOutput{}, nil
}

func (m *managedStore) listAttached(context.Context, *iam.ListAttachedRolePoliciesInput, ...func(*iam.Options)) (*iam.ListAttachedRolePoliciesOutput, error) {
	out := &iam.ListAttachedRolePoliciesOutput{}
	for _, a := range m.attached {
		out.AttachedPolicies = append(out.AttachedPolicies, types.AttachedPolicy{PolicyArn: aws.String(a)})
	}
	return out, nil
}

func (m *managedStore) attach(_ context.Context, in *iam.AttachRolePolicyInput, _ ...func(*iam.Options)) (*iam.AttachRolePolicyOutput, error) {
	m.attached = append(m.attached, aws.ToString(in.PolicyArn))
	return &iam.AttachRolePolicyOutput{}, nil
}

// attachFails answers AttachRolePolicy with NoSuchEntity, counting the calls.
func attachFails(n *int) func(context.Context, *iam.AttachRolePolicyInput, ...func(*iam.Options)) (*iam.AttachRolePolicyOutput, error) {
	return func(context.Context, *iam.AttachRolePolicyInput, ...func(*iam.Options)) (*iam.AttachRolePolicyOutput, error) {
		*n++
		return nil, noSuchEntity()
	}
}

func apis(c Change) []string {
	var out []string
	for _, o := range c.Operations {
		out = append(out, o.API)
	}
	return out
}

func TestPutManaged(t *testing.T) {
	ctx := context.Background()
	t.Run("create and attach, then no-op", func(t *testing.T) {
		m, f := newManagedFake(t)
		a := testApplier(f, nil, false)
		doc := pullDoc(t, "us-west-2")
		c, err := a.PutManaged(ctx, "envoy", "envoy-pull", doc)
		if err != nil {
			t.Fatal(err)
		}
		if c.PolicyARN != wantARN {
			t.Errorf("PolicyARN = %s", c.PolicyARN)
		}
		if diff := cmp.Diff([]string{"CreatePolicy", "AttachRolePolicy"}, apis(c)); diff != "" {
			t.Errorf("operations (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{wantARN}, m.attached); diff != "" {
			t.Errorf("attached (-want +got):\n%s", diff)
		}
		c, err = a.PutManaged(ctx, "envoy", "envoy-pull", doc)
		if err != nil {
			t.Fatal(err)
		}
		if c.Changed() || c.Previous == nil {
			t.Errorf("second apply: %v", c)
		}
		if len(m.versions) != 1 {
			t.Errorf("%d versions after a no-op, want 1", len(m.versions))
		}
	})
	t.Run("rotation keeps five versions and the default", func(t *testing.T) {
		m, f := newManagedFake(t)
		a := testApplier(f, nil, false)
		codes := []string{"us-west-2", "us-east-1", "us-east-2", "eu-west-1", "eu-west-2", "eu-west-3", "ap-south-1", "sa-east-1"}
		for i := range codes {
			c, err := a.PutManaged(ctx, "envoy", "envoy-pull", pullDoc(t, codes[:i+1]...))
			if err != nil {
				t.Fatalf("apply %d: %v", i, err)
			}
			want := []string{"CreatePolicyVersion"}
			switch {
			case i == 0:
				want = []string{"CreatePolicy", "AttachRolePolicy"}
			case i >= MaxPolicyVersions:
				want = []string{"DeletePolicyVersion", "CreatePolicyVersion"}
			}
			if diff := cmp.Diff(want, apis(c)); diff != "" {
				t.Errorf("apply %d operations (-want +got):\n%s", i, diff)
			}
			if len(m.versions) > MaxPolicyVersions {
				t.Fatalf("%d versions", len(m.versions))
			}
		}
		// The oldest non-default versions went first: v1, v2, v3.
		if diff := cmp.Diff([]string{"v1", "v2", "v3"}, m.deleted); diff != "" {
			t.Errorf("deleted (-want +got):\n%s", diff)
		}
		if m.def != "v8" {
			t.Errorf("default = %s, want v8", m.def)
		}
		if len(m.attached) != 1 {
			t.Errorf("attached %d times", len(m.attached))
		}
	})
	fiveVersions := func(t *testing.T, a *Applier) {
		t.Helper()
		for i := 0; i < 5; i++ {
			if _, err := a.PutManaged(ctx, "envoy", "envoy-pull", pullDoc(t, []string{"us-west-2", "us-east-1", "us-east-2", "eu-west-1", "eu-west-2"}[:i+1]...)); err != nil {
				t.Fatal(err)
			}
		}
	}
	t.Run("the oldest version is the default: delete the next oldest", func(t *testing.T) {
		m, f := newManagedFake(t)
		a := testApplier(f, nil, false)
		fiveVersions(t, a)
		m.def = "v1" // someone rolled back by hand
		c, err := a.PutManaged(ctx, "envoy", "envoy-pull", pullDoc(t, "ap-south-1"))
		if err != nil {
			t.Fatal(err)
		}
		if c.Operations[0].API != "DeletePolicyVersion" || !strings.HasPrefix(c.Operations[0].Detail, "v2,") {
			t.Errorf("operations = %+v, want v2 deleted", c.Operations)
		}
	})
	t.Run("dry run reports rotation and writes nothing", func(t *testing.T) {
		m, f := newManagedFake(t)
		fiveVersions(t, testApplier(f, nil, false))
		m.attached = nil
		f.Reset()
		c, err := testApplier(f, nil, true).PutManaged(ctx, "envoy", "envoy-pull", pullDoc(t, "ap-south-1"))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"DeletePolicyVersion", "CreatePolicyVersion", "AttachRolePolicy"}, apis(c)); diff != "" {
			t.Errorf("operations (-want +got):\n%s", diff)
		}
		for _, op := range ops(f.Calls()) {
			switch op {
			case "iam:DeletePolicyVersion", "iam:CreatePolicyVersion", "iam:CreatePolicy", "iam:AttachRolePolicy":
				t.Errorf("dry run called %s", op)
			}
		}
		if !strings.Contains(c.String(), "would call DeletePolicyVersion") {
			t.Errorf("String() = %q", c.String())
		}
	})
	t.Run("dry run of a new policy", func(t *testing.T) {
		m, f := newManagedFake(t)
		c, err := testApplier(f, nil, true).PutManaged(ctx, "envoy", "envoy-pull", pullDoc(t, "us-west-2"))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"CreatePolicy", "AttachRolePolicy"}, apis(c)); diff != "" {
			t.Errorf("operations (-want +got):\n%s", diff)
		}
		if m.exists {
			t.Error("dry run created the policy")
		}
	})
	t.Run("attach retried while the new policy is not visible", func(t *testing.T) {
		m, f := newManagedFake(t)
		n := 0
		f.AttachRolePolicyFunc = func(ctx context.Context, in *iam.AttachRolePolicyInput, o ...func(*iam.Options)) (*iam.AttachRolePolicyOutput, error) {
			if n++; n < 3 {
				return nil, noSuchEntity()
			}
			return m.attach(ctx, in, o...)
		}
		if _, err := testApplier(f, nil, false).PutManaged(ctx, "envoy", "envoy-pull", pullDoc(t, "us-west-2")); err != nil {
			t.Fatal(err)
		}
		if n != 3 || len(m.attached) != 1 {
			t.Errorf("attach attempts %d, attached %v", n, m.attached)
		}
	})
	for _, dryRun := range []bool{false, true} {
		t.Run(fmt.Sprintf("a missing role fails fast and creates nothing (dry run %v)", dryRun), func(t *testing.T) {
			m, f := newManagedFake(t)
			f.ListAttachedRolePoliciesFunc = func(context.Context, *iam.ListAttachedRolePoliciesInput, ...func(*iam.Options)) (*iam.ListAttachedRolePoliciesOutput, error) {
				return nil, noSuchEntity()
			}
			s := &appmeshenvoytest.STS{GetCallerIdentityFunc: callerIdentity}
			a := NewApplier(aws.Config{}, func(o *ApplierOptions) {
				o.IAM, o.STS, o.DryRun = f, s, dryRun
				o.RetryDelay = time.Hour // a retry would hang the test
			})
			_, err := a.PutManaged(ctx, "envoy", "envoy-pull", pullDoc(t, "us-west-2"))
			if !errors.Is(err, ErrRoleNotFound) || !strings.Contains(err.Error(), "create it first") {
				t.Fatalf("error = %v, want ErrRoleNotFound", err)
			}
			if diff := cmp.Diff([]string{"sts:GetCallerIdentity"}, ops(s.Calls())); diff != "" {
				t.Errorf("STS calls (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]string{"iam:ListAttachedRolePolicies"}, ops(f.Calls())); diff != "" {
				t.Errorf("IAM calls (-want +got):\n%s", diff)
			}
			if m.exists {
				t.Error("a policy was created for a role that does not exist")
			}
		})
	}
	t.Run("NoSuchEntity attaching an existing policy is not retried", func(t *testing.T) {
		m, f := newManagedFake(t)
		a := testApplier(f, nil, false)
		if _, err := a.PutManaged(ctx, "envoy", "envoy-pull", pullDoc(t, "us-west-2")); err != nil {
			t.Fatal(err)
		}
		m.attached = nil // detached by hand; the policy exists
		n := 0
		f.AttachRolePolicyFunc = attachFails(&n)
		_, err := a.PutManaged(ctx, "envoy", "envoy-pull", pullDoc(t, "us-west-2"))
		var nse *types.NoSuchEntityException
		if !errors.As(err, &nse) || !strings.Contains(err.Error(), "run again") {
			t.Errorf("error = %v, want NoSuchEntity with a hint", err)
		}
		if n != 1 {
			t.Errorf("%d AttachRolePolicy calls, want 1 (nothing was just created)", n)
		}
	})
	t.Run("retries after a create are bounded", func(t *testing.T) {
		_, f := newManagedFake(t)
		n := 0
		f.AttachRolePolicyFunc = attachFails(&n)
		_, err := testApplier(f, nil, false).PutManaged(ctx, "envoy", "envoy-pull", pullDoc(t, "us-west-2"))
		var nse *types.NoSuchEntityException
		if !errors.As(err, &nse) {
			t.Errorf("error = %v, want NoSuchEntity", err)
		}
		if n != DefaultApplyMaxAttempts {
			t.Errorf("%d AttachRolePolicy calls, want the default MaxAttempts %d", n, DefaultApplyMaxAttempts)
		}
	})
	t.Run("already attached on a later page", func(t *testing.T) {
		_, f := newManagedFake(t)
		f.ListAttachedRolePoliciesFunc = func(_ context.Context, in *iam.ListAttachedRolePoliciesInput, _ ...func(*iam.Options)) (*iam.ListAttachedRolePoliciesOutput, error) {
			if in.Marker == nil {
				return &iam.ListAttachedRolePoliciesOutput{AttachedPolicies: []types.AttachedPolicy{{PolicyArn: aws.String("arn:aws:iam::aws:policy/Other")}}, IsTruncated: true, Marker: aws.String("p2")}, nil
			}
			return &iam.ListAttachedRolePoliciesOutput{AttachedPolicies: []types.AttachedPolicy{{PolicyArn: aws.String(wantARN)}}}, nil
		}
		c, err := testApplier(f, nil, false).PutManaged(ctx, "envoy", "envoy-pull", pullDoc(t, "us-west-2"))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"CreatePolicy"}, apis(c)); diff != "" {
			t.Errorf("operations (-want +got):\n%s", diff)
		}
	})
	t.Run("partition and account from STS", func(t *testing.T) {
		f := &appmeshenvoytest.IAM{
			GetPolicyFunc: func(context.Context, *iam.GetPolicyInput, ...func(*iam.Options)) (*iam.GetPolicyOutput, error) {
				return nil, noSuchEntity()
			},
			ListAttachedRolePoliciesFunc: func(context.Context, *iam.ListAttachedRolePoliciesInput, ...func(*iam.Options)) (*iam.ListAttachedRolePoliciesOutput, error) {
				return &iam.ListAttachedRolePoliciesOutput{}, nil
			},
		}
		s := &appmeshenvoytest.STS{GetCallerIdentityFunc: func(context.Context, *sts.GetCallerIdentityInput, ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error) {
			return &sts.GetCallerIdentityOutput{Account: aws.String("444455556666"), Arn: aws.String("arn:aws-cn:iam::444455556666:user/deployer")}, nil
		}}
		a := NewApplier(aws.Config{}, func(o *ApplierOptions) { o.IAM, o.STS, o.DryRun, o.Path = f, s, true, "/appmesh/" })
		d, err := ImagePull(PullOptions{Regions: Regions{Partition: "aws-cn"}})
		if err != nil {
			t.Fatal(err)
		}
		c, err := a.PutManaged(ctx, "envoy", "envoy-pull", d)
		if err != nil {
			t.Fatal(err)
		}
		if c.PolicyARN != "arn:aws-cn:iam::444455556666:policy/appmesh/envoy-pull" {
			t.Errorf("PolicyARN = %s", c.PolicyARN)
		}
	})
	t.Run("errors", func(t *testing.T) {
		f := &appmeshenvoytest.IAM{}
		s := &appmeshenvoytest.STS{GetCallerIdentityFunc: func(context.Context, *sts.GetCallerIdentityInput, ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error) {
			return nil, errors.New("no credentials")
		}}
		_, err := testApplier(f, s, false).PutManaged(ctx, "envoy", "envoy-pull", pullDoc(t, "us-west-2"))
		if err == nil || !strings.Contains(err.Error(), "sts:GetCallerIdentity") {
			t.Errorf("error = %v", err)
		}
		a := NewApplier(aws.Config{}, func(o *ApplierOptions) { o.IAM, o.STS, o.Path = f, s, "appmesh" })
		if _, err := a.PutManaged(ctx, "envoy", "envoy-pull", pullDoc(t, "us-west-2")); !errors.Is(err, ErrInvalidInput) {
			t.Errorf("bad path: error = %v", err)
		}
	})
}

func TestRetryStopsWithContext(t *testing.T) {
	_, f := newManagedFake(t)
	var mu sync.Mutex
	attempts := 0
	f.AttachRolePolicyFunc = func(context.Context, *iam.AttachRolePolicyInput, ...func(*iam.Options)) (*iam.AttachRolePolicyOutput, error) {
		mu.Lock()
		attempts++
		mu.Unlock()
		return nil, noSuchEntity()
	}
	a := NewApplier(aws.Config{}, func(o *ApplierOptions) {
		o.IAM, o.STS, o.RetryDelay, o.MaxAttempts = f, &appmeshenvoytest.STS{GetCallerIdentityFunc: callerIdentity}, time.Hour, 10
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 10000; i++ {
			mu.Lock()
			n := attempts
			mu.Unlock()
			if n >= 1 {
				break
			}
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	_, err := a.PutManaged(ctx, "envoy", "envoy-pull", pullDoc(t, "us-west-2"))
	<-done
	if !errors.Is(err, context.Canceled) || errcode.Of(err) != errcode.Canceled {
		t.Errorf("error = %v (code %s), want context.Canceled", err, errcode.Of(err))
	}
}

// TestNewApplierDefaultsBeforeOptions: the option functions see the defaults (and may
// build on them), and values they leave out of range become the defaults.
func TestNewApplierDefaultsBeforeOptions(t *testing.T) {
	var seen ApplierOptions
	NewApplier(aws.Config{}, func(o *ApplierOptions) { seen = *o })
	want := ApplierOptions{Path: "/", MaxAttempts: DefaultApplyMaxAttempts, RetryDelay: DefaultApplyRetryDelay, Timeout: DefaultApplyTimeout}
	if diff := cmp.Diff(want, seen, cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".Logger" }, cmp.Ignore())); diff != "" {
		t.Errorf("options seen by the function (-want +got):\n%s", diff)
	}
	if seen.Logger == nil {
		t.Error("the function saw no default Logger")
	}
	a := NewApplier(aws.Config{}, func(o *ApplierOptions) {
		o.MaxAttempts *= 2 // builds on the default
		o.RetryDelay, o.Timeout, o.Path, o.Logger = -1, 0, "", nil
	})
	got := a.opts
	if got.MaxAttempts != 2*DefaultApplyMaxAttempts || got.RetryDelay != DefaultApplyRetryDelay || got.Timeout != DefaultApplyTimeout ||
		got.Path != "/" || got.Logger == nil || got.IAM == nil || got.STS == nil {
		t.Errorf("options after out-of-range values: %+v", got)
	}
}

// TestZeroApplier: an Applier not made by NewApplier returns an error naming the
// constructor (it used to panic on a nil client).
func TestZeroApplier(t *testing.T) {
	doc := pullDoc(t, "us-west-2")
	var zero Applier
	var nilApplier *Applier
	for name, put := range map[string]func() (Change, error){
		"zero PutInline":  func() (Change, error) { return zero.PutInline(context.Background(), "envoy", "p", doc) },
		"zero PutManaged": func() (Change, error) { return zero.PutManaged(context.Background(), "envoy", "p", doc) },
		"nil PutInline":   func() (Change, error) { return nilApplier.PutInline(context.Background(), "envoy", "p", doc) },
		"nil PutManaged":  func() (Change, error) { return nilApplier.PutManaged(context.Background(), "envoy", "p", doc) },
	} {
		t.Run(name, func(t *testing.T) {
			_, err := put()
			if !errors.Is(err, ErrNotInitialized) || errcode.Of(err) != errcode.NotInitialized || !strings.Contains(err.Error(), "NewApplier") {
				t.Errorf("error = %v (code %s), want ErrNotInitialized naming NewApplier", err, errcode.Of(err))
			}
		})
	}
}

// TestApplierErrorCodes: IAM and STS errors come back classified, with a code and a
// message that names the action and the resource, and keep the SDK error reachable.
func TestApplierErrorCodes(t *testing.T) {
	apiErr := func(code string) error { return &smithy.GenericAPIError{Code: code, Message: "from AWS"} }
	doc := pullDoc(t, "us-west-2")
	tests := []struct {
		name     string
		managed  bool
		iam      func(*appmeshenvoytest.IAM)
		sts      error
		code     errcode.Code
		contains []string
	}{
		{"inline read denied", false, func(f *appmeshenvoytest.IAM) {
			f.GetRolePolicyFunc = func(context.Context, *iam.GetRolePolicyInput, ...func(*iam.Options)) (*iam.GetRolePolicyOutput, error) {
				return nil, apiErr("AccessDenied")
			}
		}, nil, errcode.AccessDenied, []string{"iam:GetRolePolicy", "arn:aws:iam::*:role/envoy"}},
		{"inline write throttled", false, func(f *appmeshenvoytest.IAM) {
			f.GetRolePolicyFunc, f.GetRoleFunc = noInlinePolicy, roleExists
			f.PutRolePolicyFunc = func(context.Context, *iam.PutRolePolicyInput, ...func(*iam.Options)) (*iam.PutRolePolicyOutput, error) {
				return nil, apiErr("Throttling")
			}
		}, nil, errcode.Throttled, []string{"iam:PutRolePolicy"}},
		{"credentials rejected", true, func(*appmeshenvoytest.IAM) {}, apiErr("InvalidClientTokenId"), errcode.InvalidCredentials,
			[]string{"sts:GetCallerIdentity", "check the credentials"}},
		{"managed create denied", true, func(f *appmeshenvoytest.IAM) {
			f.ListAttachedRolePoliciesFunc = func(context.Context, *iam.ListAttachedRolePoliciesInput, ...func(*iam.Options)) (*iam.ListAttachedRolePoliciesOutput, error) {
				return &iam.ListAttachedRolePoliciesOutput{}, nil
			}
			f.GetPolicyFunc = func(context.Context, *iam.GetPolicyInput, ...func(*iam.Options)) (*iam.GetPolicyOutput, error) {
				return nil, noSuchEntity()
			}
			f.CreatePolicyFunc = func(context.Context, *iam.CreatePolicyInput, ...func(*iam.Options)) (*iam.CreatePolicyOutput, error) {
				return nil, apiErr("AccessDenied")
			}
		}, nil, errcode.AccessDenied, []string{"iam:CreatePolicy", wantARN}},
		{"managed role listing denied", true, func(f *appmeshenvoytest.IAM) {
			f.ListAttachedRolePoliciesFunc = func(context.Context, *iam.ListAttachedRolePoliciesInput, ...func(*iam.Options)) (*iam.ListAttachedRolePoliciesOutput, error) {
				return nil, apiErr("AccessDenied")
			}
		}, nil, errcode.AccessDenied, []string{"iam:ListAttachedRolePolicies", "arn:aws:iam::111122223333:role/envoy"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := &appmeshenvoytest.IAM{}
			tc.iam(f)
			s := &appmeshenvoytest.STS{GetCallerIdentityFunc: callerIdentity}
			if tc.sts != nil {
				s.GetCallerIdentityFunc = func(context.Context, *sts.GetCallerIdentityInput, ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error) {
					return nil, tc.sts
				}
			}
			a := testApplier(f, s, false)
			var err error
			if tc.managed {
				_, err = a.PutManaged(context.Background(), "envoy", "envoy-pull", doc)
			} else {
				_, err = a.PutInline(context.Background(), "envoy", "envoy-pull", doc)
			}
			if got := errcode.Of(err); got != tc.code {
				t.Errorf("error %v: code %q, want %q", err, got, tc.code)
			}
			for _, c := range tc.contains {
				if err == nil || !strings.Contains(err.Error(), c) {
					t.Errorf("error %v does not contain %q", err, c)
				}
			}
			var ae smithy.APIError
			if !errors.As(err, &ae) {
				t.Errorf("error %v: the AWS error is not reachable", err)
			}
		})
	}
}

// TestApplierTimeout: ApplierOptions.Timeout ends a call that IAM does not answer; the
// caller's own cancellation is reported as such, not as the applier's timeout.
func TestApplierTimeout(t *testing.T) {
	stalled := func(ctx context.Context, _ *iam.GetRolePolicyInput, _ ...func(*iam.Options)) (*iam.GetRolePolicyOutput, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	doc := pullDoc(t, "us-west-2")
	f := &appmeshenvoytest.IAM{GetRolePolicyFunc: stalled}
	a := NewApplier(aws.Config{}, func(o *ApplierOptions) {
		o.IAM, o.STS, o.Timeout = f, &appmeshenvoytest.STS{}, 10*time.Millisecond
	})
	_, err := a.PutInline(context.Background(), "envoy", "envoy-pull", doc)
	if !errors.Is(err, context.DeadlineExceeded) || errcode.Of(err) != errcode.Timeout || !strings.Contains(err.Error(), "did not finish within 10ms") {
		t.Errorf("error = %v (code %s), want the applier's timeout", err, errcode.Of(err))
	}

	a = NewApplier(aws.Config{}, func(o *ApplierOptions) { o.IAM, o.STS = f, &appmeshenvoytest.STS{} })
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = a.PutInline(ctx, "envoy", "envoy-pull", doc)
	if !errors.Is(err, context.Canceled) || errcode.Of(err) != errcode.Canceled || strings.Contains(err.Error(), "did not finish") {
		t.Errorf("error = %v (code %s), want the caller's cancellation", err, errcode.Of(err))
	}
}

func TestOldestNonDefault(t *testing.T) {
	at := func(h int) *time.Time { return aws.Time(time.Date(2026, 1, 1, h, 0, 0, 0, time.UTC)) }
	vs := []types.PolicyVersion{
		{VersionId: aws.String("v10"), CreateDate: at(5)},
		{VersionId: aws.String("v9"), CreateDate: at(1), IsDefaultVersion: true},
		{VersionId: aws.String("v11"), CreateDate: at(3)},
		{VersionId: aws.String("v12"), CreateDate: at(3)},
	}
	v, ok := oldestNonDefault(vs)
	if !ok || aws.ToString(v.VersionId) != "v11" {
		t.Errorf("got %v, want v11 (oldest by date, then number)", aws.ToString(v.VersionId))
	}
	v, _ = oldestNonDefault(append(vs, types.PolicyVersion{VersionId: aws.String("v13")}, types.PolicyVersion{VersionId: aws.String("v3")}))
	if aws.ToString(v.VersionId) != "v3" {
		t.Errorf("got %v, want v3 (no date counts as oldest)", aws.ToString(v.VersionId))
	}
	if _, ok := oldestNonDefault(vs[1:2]); ok {
		t.Error("only the default: got a victim")
	}
}

func TestDecodeStored(t *testing.T) {
	doc := pullDoc(t, "us-west-2")
	for name, s := range map[string]string{
		"query-escaped": url.QueryEscape(string(doc.Indent())),
		"path-escaped":  url.PathEscape(string(doc.Indent())),
		"plain":         string(doc.Indent()),
	} {
		got, err := decodeStored(s)
		if err != nil || !Equivalent(got, doc) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := decodeStored("%zz"); err == nil {
		t.Error("garbage decoded")
	}
}
