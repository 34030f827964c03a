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
	"github.com/google/go-cmp/cmp"
)

// fakeIAM is a function-field fake of IAMAPI and GetCallerIdentityAPI: each operation
// calls its XxxFunc (an unset one fails the call) and is recorded in calls.
type fakeIAM struct {
	mu    sync.Mutex
	calls []string

	GetRoleFunc                  func(*iam.GetRoleInput) (*iam.GetRoleOutput, error)
	GetRolePolicyFunc            func(*iam.GetRolePolicyInput) (*iam.GetRolePolicyOutput, error)
	PutRolePolicyFunc            func(*iam.PutRolePolicyInput) (*iam.PutRolePolicyOutput, error)
	GetPolicyFunc                func(*iam.GetPolicyInput) (*iam.GetPolicyOutput, error)
	GetPolicyVersionFunc         func(*iam.GetPolicyVersionInput) (*iam.GetPolicyVersionOutput, error)
	CreatePolicyFunc             func(*iam.CreatePolicyInput) (*iam.CreatePolicyOutput, error)
	CreatePolicyVersionFunc      func(*iam.CreatePolicyVersionInput) (*iam.CreatePolicyVersionOutput, error)
	ListPolicyVersionsFunc       func(*iam.ListPolicyVersionsInput) (*iam.ListPolicyVersionsOutput, error)
	DeletePolicyVersionFunc      func(*iam.DeletePolicyVersionInput) (*iam.DeletePolicyVersionOutput, error)
	ListAttachedRolePoliciesFunc func(*iam.ListAttachedRolePoliciesInput) (*iam.ListAttachedRolePoliciesOutput, error)
	AttachRolePolicyFunc         func(*iam.AttachRolePolicyInput) (*iam.AttachRolePolicyOutput, error)
	GetCallerIdentityFunc        func(*sts.GetCallerIdentityInput) (*sts.GetCallerIdentityOutput, error)
}

var (
	_ IAMAPI               = (*fakeIAM)(nil)
	_ GetCallerIdentityAPI = (*fakeIAM)(nil)
)

func call[In, Out any](f *fakeIAM, name string, fn func(In) (Out, error), in In) (Out, error) {
	f.mu.Lock()
	f.calls = append(f.calls, name)
	f.mu.Unlock()
	if fn == nil {
		var zero Out
		return zero, fmt.Errorf("fake: unexpected call to %s", name)
	}
	return fn(in)
}

func (f *fakeIAM) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string{}, f.calls...)
}

func (f *fakeIAM) GetRole(_ context.Context, in *iam.GetRoleInput, _ ...func(*iam.Options)) (*iam.GetRoleOutput, error) {
	return call(f, "GetRole", f.GetRoleFunc, in)
}
func (f *fakeIAM) GetRolePolicy(_ context.Context, in *iam.GetRolePolicyInput, _ ...func(*iam.Options)) (*iam.GetRolePolicyOutput, error) {
	return call(f, "GetRolePolicy", f.GetRolePolicyFunc, in)
}
func (f *fakeIAM) PutRolePolicy(_ context.Context, in *iam.PutRolePolicyInput, _ ...func(*iam.Options)) (*iam.PutRolePolicyOutput, error) {
	return call(f, "PutRolePolicy", f.PutRolePolicyFunc, in)
}
func (f *fakeIAM) GetPolicy(_ context.Context, in *iam.GetPolicyInput, _ ...func(*iam.Options)) (*iam.GetPolicyOutput, error) {
	return call(f, "GetPolicy", f.GetPolicyFunc, in)
}
func (f *fakeIAM) GetPolicyVersion(_ context.Context, in *iam.GetPolicyVersionInput, _ ...func(*iam.Options)) (*iam.GetPolicyVersionOutput, error) {
	return call(f, "GetPolicyVersion", f.GetPolicyVersionFunc, in)
}
func (f *fakeIAM) CreatePolicy(_ context.Context, in *iam.CreatePolicyInput, _ ...func(*iam.Options)) (*iam.CreatePolicyOutput, error) {
	return call(f, "CreatePolicy", f.CreatePolicyFunc, in)
}
func (f *fakeIAM) CreatePolicyVersion(_ context.Context, in *iam.CreatePolicyVersionInput, _ ...func(*iam.Options)) (*iam.CreatePolicyVersionOutput, error) {
	return call(f, "CreatePolicyVersion", f.CreatePolicyVersionFunc, in)
}
func (f *fakeIAM) ListPolicyVersions(_ context.Context, in *iam.ListPolicyVersionsInput, _ ...func(*iam.Options)) (*iam.ListPolicyVersionsOutput, error) {
	return call(f, "ListPolicyVersions", f.ListPolicyVersionsFunc, in)
}
func (f *fakeIAM) DeletePolicyVersion(_ context.Context, in *iam.DeletePolicyVersionInput, _ ...func(*iam.Options)) (*iam.DeletePolicyVersionOutput, error) {
	return call(f, "DeletePolicyVersion", f.DeletePolicyVersionFunc, in)
}
func (f *fakeIAM) ListAttachedRolePolicies(_ context.Context, in *iam.ListAttachedRolePoliciesInput, _ ...func(*iam.Options)) (*iam.ListAttachedRolePoliciesOutput, error) {
	return call(f, "ListAttachedRolePolicies", f.ListAttachedRolePoliciesFunc, in)
}
func (f *fakeIAM) AttachRolePolicy(_ context.Context, in *iam.AttachRolePolicyInput, _ ...func(*iam.Options)) (*iam.AttachRolePolicyOutput, error) {
	return call(f, "AttachRolePolicy", f.AttachRolePolicyFunc, in)
}
func (f *fakeIAM) GetCallerIdentity(_ context.Context, in *sts.GetCallerIdentityInput, _ ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error) {
	return call(f, "GetCallerIdentity", f.GetCallerIdentityFunc, in)
}

func roleExists(in *iam.GetRoleInput) (*iam.GetRoleOutput, error) {
	return &iam.GetRoleOutput{Role: &types.Role{RoleName: in.RoleName}}, nil
}

func noSuchRole(*iam.GetRoleInput) (*iam.GetRoleOutput, error) { return nil, noSuchEntity() }

func noSuchEntity() error {
	return &types.NoSuchEntityException{Message: aws.String("The role with name envoy cannot be found.")}
}

func testApplier(f *fakeIAM, dryRun bool) *Applier {
	cfg := aws.Config{Region: "us-west-2", Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "fake-secret", "")}
	return NewApplier(cfg, func(o *ApplierOptions) {
		o.IAM = f
		o.STS = f
		o.DryRun = dryRun
		o.RetryDelay = time.Millisecond
	})
}

func callerIdentity(*sts.GetCallerIdentityInput) (*sts.GetCallerIdentityOutput, error) {
	return &sts.GetCallerIdentityOutput{Account: aws.String("111122223333"), Arn: aws.String("arn:aws:sts::111122223333:assumed-role/deployer/session")}, nil
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
		f := &fakeIAM{GetRolePolicyFunc: func(in *iam.GetRolePolicyInput) (*iam.GetRolePolicyOutput, error) {
			return &iam.GetRolePolicyOutput{PolicyDocument: stored(reordered)}, nil
		}}
		c, err := testApplier(f, false).PutInline(context.Background(), "envoy", "envoy-pull", doc)
		if err != nil {
			t.Fatal(err)
		}
		if c.Changed() || c.Previous == nil {
			t.Errorf("change = %v (previous %v), want up to date", c, c.Previous)
		}
		if diff := cmp.Diff([]string{"GetRolePolicy"}, f.Calls()); diff != "" {
			t.Errorf("calls (-want +got):\n%s", diff)
		}
	})
	t.Run("put when different", func(t *testing.T) {
		var put *iam.PutRolePolicyInput
		f := &fakeIAM{
			GetRolePolicyFunc: func(in *iam.GetRolePolicyInput) (*iam.GetRolePolicyOutput, error) {
				return &iam.GetRolePolicyOutput{PolicyDocument: stored(pullDoc(t, "us-east-1"))}, nil
			},
			PutRolePolicyFunc: func(in *iam.PutRolePolicyInput) (*iam.PutRolePolicyOutput, error) {
				put = in
				return &iam.PutRolePolicyOutput{}, nil
			},
		}
		c, err := testApplier(f, false).PutInline(context.Background(), "envoy", "envoy-pull", doc)
		if err != nil {
			t.Fatal(err)
		}
		if !c.Changed() || c.Operations[0].API != "PutRolePolicy" || c.Operations[0].Detail != "replace" {
			t.Errorf("change = %v", c)
		}
		if aws.ToString(put.RoleName) != "envoy" || aws.ToString(put.PolicyName) != "envoy-pull" || aws.ToString(put.PolicyDocument) != doc.String() {
			t.Errorf("PutRolePolicy input = %+v", put)
		}
	})
	t.Run("create when missing", func(t *testing.T) {
		f := &fakeIAM{
			GetRolePolicyFunc: func(*iam.GetRolePolicyInput) (*iam.GetRolePolicyOutput, error) { return nil, noSuchEntity() },
			GetRoleFunc:       roleExists,
			PutRolePolicyFunc: func(*iam.PutRolePolicyInput) (*iam.PutRolePolicyOutput, error) {
				return &iam.PutRolePolicyOutput{}, nil
			},
		}
		c, err := testApplier(f, false).PutInline(context.Background(), "envoy", "envoy-pull", doc)
		if err != nil {
			t.Fatal(err)
		}
		if c.Previous != nil || c.Operations[0].Detail != "create" {
			t.Errorf("change = %v", c)
		}
		if diff := cmp.Diff([]string{"GetRolePolicy", "GetRole", "PutRolePolicy"}, f.Calls()); diff != "" {
			t.Errorf("calls (-want +got):\n%s", diff)
		}
	})
	for _, dryRun := range []bool{false, true} {
		t.Run(fmt.Sprintf("a missing role fails fast (dry run %v)", dryRun), func(t *testing.T) {
			f := &fakeIAM{
				GetRolePolicyFunc: func(*iam.GetRolePolicyInput) (*iam.GetRolePolicyOutput, error) { return nil, noSuchEntity() },
				GetRoleFunc:       noSuchRole,
			}
			a := NewApplier(aws.Config{}, func(o *ApplierOptions) {
				o.IAM, o.STS, o.DryRun = f, f, dryRun
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
			if diff := cmp.Diff([]string{"GetRolePolicy", "GetRole"}, f.Calls()); diff != "" {
				t.Errorf("calls (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("a role deleted between read and write is not retried", func(t *testing.T) {
		f := &fakeIAM{
			GetRolePolicyFunc: func(*iam.GetRolePolicyInput) (*iam.GetRolePolicyOutput, error) { return nil, noSuchEntity() },
			GetRoleFunc:       roleExists,
			PutRolePolicyFunc: func(*iam.PutRolePolicyInput) (*iam.PutRolePolicyOutput, error) { return nil, noSuchEntity() },
		}
		_, err := testApplier(f, false).PutInline(context.Background(), "envoy", "envoy-pull", doc)
		if !errors.Is(err, ErrRoleNotFound) {
			t.Errorf("error = %v, want ErrRoleNotFound", err)
		}
		if diff := cmp.Diff([]string{"GetRolePolicy", "GetRole", "PutRolePolicy"}, f.Calls()); diff != "" {
			t.Errorf("calls (-want +got):\n%s", diff)
		}
	})
	t.Run("other read errors are reported", func(t *testing.T) {
		f := &fakeIAM{
			GetRolePolicyFunc: func(*iam.GetRolePolicyInput) (*iam.GetRolePolicyOutput, error) { return nil, noSuchEntity() },
			GetRoleFunc: func(*iam.GetRoleInput) (*iam.GetRoleOutput, error) {
				return nil, &types.ServiceFailureException{Message: aws.String("boom")}
			},
		}
		_, err := testApplier(f, false).PutInline(context.Background(), "envoy", "envoy-pull", doc)
		var sf *types.ServiceFailureException
		if !errors.As(err, &sf) || errors.Is(err, ErrRoleNotFound) {
			t.Errorf("error = %v, want the ServiceFailure", err)
		}
	})
	t.Run("dry run writes nothing", func(t *testing.T) {
		f := &fakeIAM{
			GetRolePolicyFunc: func(*iam.GetRolePolicyInput) (*iam.GetRolePolicyOutput, error) { return nil, noSuchEntity() },
			GetRoleFunc:       roleExists,
		}
		c, err := testApplier(f, true).PutInline(context.Background(), "envoy", "envoy-pull", doc)
		if err != nil {
			t.Fatal(err)
		}
		if !c.DryRun || !c.Changed() || !strings.Contains(c.String(), "would call PutRolePolicy") {
			t.Errorf("change = %v", c)
		}
		if diff := cmp.Diff([]string{"GetRolePolicy", "GetRole"}, f.Calls()); diff != "" {
			t.Errorf("calls (-want +got):\n%s", diff)
		}
	})
	t.Run("invalid input makes no call", func(t *testing.T) {
		f := &fakeIAM{}
		a := testApplier(f, false)
		if _, err := a.PutInline(context.Background(), "arn:aws:iam::111122223333:role/envoy", "p", doc); !errors.Is(err, ErrInvalidInput) {
			t.Errorf("role ARN: error %v", err)
		}
		if _, err := a.PutInline(context.Background(), "envoy", "p", Document{}); !errors.Is(err, ErrInvalidPolicy) {
			t.Errorf("empty document: error %v", err)
		}
		if len(f.Calls()) != 0 {
			t.Errorf("calls: %v", f.Calls())
		}
	})
}

// managedFake is an in-memory managed policy store behind fakeIAM's function fields.
type managedFake struct {
	*fakeIAM
	exists   bool
	versions []types.PolicyVersion // with Document set
	def      string
	attached []string
	next     int
	created  []string // CreatePolicyVersion bodies
	deleted  []string
	pageSize int
}

func newManagedFake(t *testing.T) *managedFake {
	m := &managedFake{fakeIAM: &fakeIAM{}, pageSize: 2}
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	add := func(body string) string {
		m.next++
		id := "v" + itoa(m.next)
		m.versions = append(m.versions, types.PolicyVersion{VersionId: aws.String(id), Document: aws.String(url.QueryEscape(body)), CreateDate: aws.Time(base.Add(time.Duration(m.next) * time.Hour))})
		return id
	}
	f := m.fakeIAM
	f.GetCallerIdentityFunc = callerIdentity
	f.GetPolicyFunc = func(in *iam.GetPolicyInput) (*iam.GetPolicyOutput, error) {
		if !m.exists || aws.ToString(in.PolicyArn) != wantARN {
			return nil, noSuchEntity()
		}
		return &iam.GetPolicyOutput{Policy: &types.Policy{Arn: in.PolicyArn, DefaultVersionId: aws.String(m.def)}}, nil
	}
	f.GetPolicyVersionFunc = func(in *iam.GetPolicyVersionInput) (*iam.GetPolicyVersionOutput, error) {
		for _, v := range m.versions {
			if aws.ToString(v.VersionId) == aws.ToString(in.VersionId) {
				v.IsDefaultVersion = aws.ToString(v.VersionId) == m.def
				return &iam.GetPolicyVersionOutput{PolicyVersion: &v}, nil
			}
		}
		return nil, noSuchEntity()
	}
	f.CreatePolicyFunc = func(in *iam.CreatePolicyInput) (*iam.CreatePolicyOutput, error) {
		if aws.ToString(in.Path) != "/" || aws.ToString(in.PolicyName) != "envoy-pull" {
			t.Errorf("CreatePolicy input %+v", in)
		}
		m.exists = true
		m.def = add(aws.ToString(in.PolicyDocument))
		return &iam.CreatePolicyOutput{Policy: &types.Policy{Arn: aws.String(wantARN)}}, nil
	}
	f.ListPolicyVersionsFunc = func(in *iam.ListPolicyVersionsInput) (*iam.ListPolicyVersionsOutput, error) {
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
	f.DeletePolicyVersionFunc = func(in *iam.DeletePolicyVersionInput) (*iam.DeletePolicyVersionOutput, error) {
		id := aws.ToString(in.VersionId)
		if id == m.def {
			t.Errorf("deleted the default version %s", id)
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
	f.CreatePolicyVersionFunc = func(in *iam.CreatePolicyVersionInput) (*iam.CreatePolicyVersionOutput, error) {
		if len(m.versions) >= MaxPolicyVersions {
			return nil, &types.LimitExceededException{Message: aws.String("A managed policy can have up to 5 versions.")}
		}
		id := add(aws.ToString(in.PolicyDocument))
		if in.SetAsDefault {
			m.def = id
		}
		m.created = append(m.created, aws.ToString(in.PolicyDocument))
		return &iam.CreatePolicyVersionOutput{}, nil
	}
	f.ListAttachedRolePoliciesFunc = func(in *iam.ListAttachedRolePoliciesInput) (*iam.ListAttachedRolePoliciesOutput, error) {
		out := &iam.ListAttachedRolePoliciesOutput{}
		for _, a := range m.attached {
			out.AttachedPolicies = append(out.AttachedPolicies, types.AttachedPolicy{PolicyArn: aws.String(a)})
		}
		return out, nil
	}
	f.AttachRolePolicyFunc = func(in *iam.AttachRolePolicyInput) (*iam.AttachRolePolicyOutput, error) {
		m.attached = append(m.attached, aws.ToString(in.PolicyArn))
		return &iam.AttachRolePolicyOutput{}, nil
	}
	return m
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
		m := newManagedFake(t)
		a := testApplier(m.fakeIAM, false)
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
		m := newManagedFake(t)
		a := testApplier(m.fakeIAM, false)
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
	t.Run("the oldest version is the default: delete the next oldest", func(t *testing.T) {
		m := newManagedFake(t)
		a := testApplier(m.fakeIAM, false)
		for i := 0; i < 5; i++ {
			if _, err := a.PutManaged(ctx, "envoy", "envoy-pull", pullDoc(t, []string{"us-west-2", "us-east-1", "us-east-2", "eu-west-1", "eu-west-2"}[:i+1]...)); err != nil {
				t.Fatal(err)
			}
		}
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
		m := newManagedFake(t)
		a := testApplier(m.fakeIAM, false)
		for i := 0; i < 5; i++ {
			if _, err := a.PutManaged(ctx, "envoy", "envoy-pull", pullDoc(t, []string{"us-west-2", "us-east-1", "us-east-2", "eu-west-1", "eu-west-2"}[:i+1]...)); err != nil {
				t.Fatal(err)
			}
		}
		m.attached = nil
		before := len(m.Calls())
		dry := testApplier(m.fakeIAM, true)
		c, err := dry.PutManaged(ctx, "envoy", "envoy-pull", pullDoc(t, "ap-south-1"))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"DeletePolicyVersion", "CreatePolicyVersion", "AttachRolePolicy"}, apis(c)); diff != "" {
			t.Errorf("operations (-want +got):\n%s", diff)
		}
		for _, name := range m.Calls()[before:] {
			switch name {
			case "DeletePolicyVersion", "CreatePolicyVersion", "CreatePolicy", "AttachRolePolicy":
				t.Errorf("dry run called %s", name)
			}
		}
		if !strings.Contains(c.String(), "would call DeletePolicyVersion") {
			t.Errorf("String() = %q", c.String())
		}
	})
	t.Run("dry run of a new policy", func(t *testing.T) {
		m := newManagedFake(t)
		c, err := testApplier(m.fakeIAM, true).PutManaged(ctx, "envoy", "envoy-pull", pullDoc(t, "us-west-2"))
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
	t.Run("attach retried while the new role is not visible", func(t *testing.T) {
		m := newManagedFake(t)
		n := 0
		attach := m.AttachRolePolicyFunc
		m.AttachRolePolicyFunc = func(in *iam.AttachRolePolicyInput) (*iam.AttachRolePolicyOutput, error) {
			if n++; n < 3 {
				return nil, noSuchEntity()
			}
			return attach(in)
		}
		if _, err := testApplier(m.fakeIAM, false).PutManaged(ctx, "envoy", "envoy-pull", pullDoc(t, "us-west-2")); err != nil {
			t.Fatal(err)
		}
		if n != 3 || len(m.attached) != 1 {
			t.Errorf("attach attempts %d, attached %v", n, m.attached)
		}
	})
	for _, dryRun := range []bool{false, true} {
		t.Run(fmt.Sprintf("a missing role fails fast and creates nothing (dry run %v)", dryRun), func(t *testing.T) {
			m := newManagedFake(t)
			m.ListAttachedRolePoliciesFunc = func(*iam.ListAttachedRolePoliciesInput) (*iam.ListAttachedRolePoliciesOutput, error) {
				return nil, noSuchEntity()
			}
			a := NewApplier(aws.Config{}, func(o *ApplierOptions) {
				o.IAM, o.STS, o.DryRun = m.fakeIAM, m.fakeIAM, dryRun
				o.RetryDelay = time.Hour // a retry would hang the test
			})
			_, err := a.PutManaged(ctx, "envoy", "envoy-pull", pullDoc(t, "us-west-2"))
			if !errors.Is(err, ErrRoleNotFound) || !strings.Contains(err.Error(), "create it first") {
				t.Fatalf("error = %v, want ErrRoleNotFound", err)
			}
			if diff := cmp.Diff([]string{"GetCallerIdentity", "ListAttachedRolePolicies"}, m.Calls()); diff != "" {
				t.Errorf("calls (-want +got):\n%s", diff)
			}
			if m.exists {
				t.Error("a policy was created for a role that does not exist")
			}
		})
	}
	t.Run("NoSuchEntity attaching an existing policy is not retried", func(t *testing.T) {
		m := newManagedFake(t)
		a := testApplier(m.fakeIAM, false)
		if _, err := a.PutManaged(ctx, "envoy", "envoy-pull", pullDoc(t, "us-west-2")); err != nil {
			t.Fatal(err)
		}
		m.attached = nil // detached by hand; the policy exists
		n := 0
		m.AttachRolePolicyFunc = func(*iam.AttachRolePolicyInput) (*iam.AttachRolePolicyOutput, error) {
			n++
			return nil, noSuchEntity()
		}
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
		m := newManagedFake(t)
		n := 0
		m.AttachRolePolicyFunc = func(*iam.AttachRolePolicyInput) (*iam.AttachRolePolicyOutput, error) {
			n++
			return nil, noSuchEntity()
		}
		_, err := testApplier(m.fakeIAM, false).PutManaged(ctx, "envoy", "envoy-pull", pullDoc(t, "us-west-2"))
		var nse *types.NoSuchEntityException
		if !errors.As(err, &nse) {
			t.Errorf("error = %v, want NoSuchEntity", err)
		}
		if n != 5 {
			t.Errorf("%d AttachRolePolicy calls, want the default MaxAttempts 5", n)
		}
	})
	t.Run("already attached on a later page", func(t *testing.T) {
		m := newManagedFake(t)
		m.ListAttachedRolePoliciesFunc = func(in *iam.ListAttachedRolePoliciesInput) (*iam.ListAttachedRolePoliciesOutput, error) {
			if in.Marker == nil {
				return &iam.ListAttachedRolePoliciesOutput{AttachedPolicies: []types.AttachedPolicy{{PolicyArn: aws.String("arn:aws:iam::aws:policy/Other")}}, IsTruncated: true, Marker: aws.String("p2")}, nil
			}
			return &iam.ListAttachedRolePoliciesOutput{AttachedPolicies: []types.AttachedPolicy{{PolicyArn: aws.String(wantARN)}}}, nil
		}
		c, err := testApplier(m.fakeIAM, false).PutManaged(ctx, "envoy", "envoy-pull", pullDoc(t, "us-west-2"))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"CreatePolicy"}, apis(c)); diff != "" {
			t.Errorf("operations (-want +got):\n%s", diff)
		}
	})
	t.Run("partition and account from STS", func(t *testing.T) {
		f := &fakeIAM{
			GetCallerIdentityFunc: func(*sts.GetCallerIdentityInput) (*sts.GetCallerIdentityOutput, error) {
				return &sts.GetCallerIdentityOutput{Account: aws.String("444455556666"), Arn: aws.String("arn:aws-cn:iam::444455556666:user/deployer")}, nil
			},
			GetPolicyFunc: func(in *iam.GetPolicyInput) (*iam.GetPolicyOutput, error) { return nil, noSuchEntity() },
			ListAttachedRolePoliciesFunc: func(*iam.ListAttachedRolePoliciesInput) (*iam.ListAttachedRolePoliciesOutput, error) {
				return &iam.ListAttachedRolePoliciesOutput{}, nil
			},
		}
		a := NewApplier(aws.Config{}, func(o *ApplierOptions) { o.IAM, o.STS, o.DryRun, o.Path = f, f, true, "/appmesh/" })
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
		f := &fakeIAM{GetCallerIdentityFunc: func(*sts.GetCallerIdentityInput) (*sts.GetCallerIdentityOutput, error) {
			return nil, errors.New("no credentials")
		}}
		_, err := testApplier(f, false).PutManaged(ctx, "envoy", "envoy-pull", pullDoc(t, "us-west-2"))
		if err == nil || !strings.Contains(err.Error(), "GetCallerIdentity") {
			t.Errorf("error = %v", err)
		}
		a := NewApplier(aws.Config{}, func(o *ApplierOptions) { o.IAM, o.STS, o.Path = f, f, "appmesh" })
		if _, err := a.PutManaged(ctx, "envoy", "envoy-pull", pullDoc(t, "us-west-2")); !errors.Is(err, ErrInvalidInput) {
			t.Errorf("bad path: error = %v", err)
		}
	})
}

func TestRetryStopsWithContext(t *testing.T) {
	m := newManagedFake(t)
	var mu sync.Mutex
	attempts := 0
	m.AttachRolePolicyFunc = func(*iam.AttachRolePolicyInput) (*iam.AttachRolePolicyOutput, error) {
		mu.Lock()
		attempts++
		mu.Unlock()
		return nil, noSuchEntity()
	}
	a := NewApplier(aws.Config{}, func(o *ApplierOptions) {
		o.IAM, o.STS, o.RetryDelay, o.MaxAttempts = m.fakeIAM, m.fakeIAM, time.Hour, 10
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
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error = %v, want context.Canceled", err)
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
