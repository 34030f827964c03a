package iampolicy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/appmesh-envoy/appmesh-envoy-go/internal/lazyregexp"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/quote"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// MaxPolicyVersions is how many versions IAM keeps of a managed policy. Source: IAM User
// Guide, "Versioning IAM policies".
const MaxPolicyVersions = 5

// ApplierOptions configures an [Applier]. Every field has a working default.
type ApplierOptions struct {
	// IAM is the IAM client. Default iam.NewFromConfig(cfg).
	IAM IAMAPI
	// STS is the STS client used to learn the account (and partition) that managed
	// policy ARNs are built from. Default sts.NewFromConfig(cfg).
	STS GetCallerIdentityAPI
	// DryRun reads the current state and reports the [Change] that would be made,
	// without writing anything. Default off.
	DryRun bool
	// Path is the IAM path of managed policies, starting and ending with "/". Default
	// "/".
	Path string
	// Description is the description of managed policies that are created. Default
	// none.
	Description string
	// MaxAttempts bounds the AttachRolePolicy calls made when IAM answers NoSuchEntity
	// for a managed policy this applier has just created (IAM is eventually
	// consistent). Nothing else is retried: a missing role fails at once. Default 5.
	MaxAttempts int
	// RetryDelay is the wait before the second attempt; it doubles for each further one,
	// up to 4 s. Default 500 ms.
	RetryDelay time.Duration
	// Logger receives debug records of each IAM call. Default: discards.
	Logger *slog.Logger
}

// Applier writes policies to IAM roles idempotently: it reads first and writes only when
// the stored policy means something else.
//
// An Applier is safe for concurrent use by multiple goroutines, though applying to the
// same role or policy concurrently races in IAM itself.
type Applier struct {
	iam  IAMAPI
	sts  GetCallerIdentityAPI
	opts ApplierOptions
}

// NewApplier returns an Applier using cfg for the default IAM and STS clients. IAM is
// a global service: any region of the partition works in cfg.
func NewApplier(cfg aws.Config, optFns ...func(*ApplierOptions)) *Applier {
	var o ApplierOptions
	for _, f := range optFns {
		f(&o)
	}
	if o.IAM == nil {
		o.IAM = iam.NewFromConfig(cfg)
	}
	if o.STS == nil {
		o.STS = sts.NewFromConfig(cfg)
	}
	if o.Path == "" {
		o.Path = "/"
	}
	if o.MaxAttempts < 1 {
		o.MaxAttempts = 5
	}
	if o.RetryDelay <= 0 {
		o.RetryDelay = 500 * time.Millisecond
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Applier{iam: o.IAM, sts: o.STS, opts: o}
}

// Operation is one IAM write an [Applier] made (or, in a dry run, would make).
type Operation struct {
	// API is the IAM operation, such as "CreatePolicyVersion".
	API string
	// Detail says what it does, such as "delete v2, the oldest non-default version".
	Detail string
}

// Change reports what [Applier.PutInline] or [Applier.PutManaged] did, or in a dry run
// would do.
type Change struct {
	// Kind is [KindInline] or [KindManaged].
	Kind Kind
	// Role and PolicyName name the role and the policy.
	Role, PolicyName string
	// PolicyARN is the managed policy's ARN ("" for inline policies).
	PolicyARN string
	// DryRun reports that nothing was written.
	DryRun bool
	// Operations lists the writes in order; empty when nothing needed to change.
	Operations []Operation
	// Previous is the policy stored before (the default version of a managed policy), or
	// nil when there was none.
	Previous *Document
	// Document is the policy that is (or would be) stored.
	Document Document
}

// Changed reports whether anything was (or in a dry run would be) written.
func (c Change) Changed() bool { return len(c.Operations) > 0 }

// String describes the change in one line.
func (c Change) String() string {
	what := c.Kind.String() + " policy " + c.PolicyName + " on role " + c.Role
	if !c.Changed() {
		return what + ": up to date"
	}
	ops := make([]string, len(c.Operations))
	for i, o := range c.Operations {
		ops[i] = o.API
		if o.Detail != "" {
			ops[i] += " (" + o.Detail + ")"
		}
	}
	verb := ": "
	if c.DryRun {
		verb = ": would call "
	}
	return what + verb + strings.Join(ops, ", ")
}

var roleNamePattern = lazyregexp.New(`^[\w+=,.@-]{1,64}$`)
var policyNamePattern = lazyregexp.New(`^[\w+=,.@-]{1,128}$`)

func checkNames(role, name string) error {
	if !roleNamePattern().MatchString(role) {
		return &InputError{Field: "role", Value: role, Msg: "not an IAM role name (1-64 letters, digits and +=,.@_-); give the name, not the ARN"}
	}
	if !policyNamePattern().MatchString(name) {
		return &InputError{Field: "policy name", Value: name, Msg: "not an IAM policy name (1-128 letters, digits and +=,.@_-)"}
	}
	return nil
}

// PutInline stores doc as the inline policy name of role (PutRolePolicy), unless the
// role already has an inline policy of that name that means the same ([Equivalent]).
// doc must pass ValidateAs([KindInline]).
//
// A role that does not exist is an error matching [ErrRoleNotFound], returned at once
// (also in a dry run): the applier creates no role, so there is nothing to wait for.
func (a *Applier) PutInline(ctx context.Context, role, name string, doc Document) (Change, error) {
	c := Change{Kind: KindInline, Role: role, PolicyName: name, DryRun: a.opts.DryRun, Document: doc.Normalize()}
	if err := checkNames(role, name); err != nil {
		return c, err
	}
	if err := doc.ValidateAs(KindInline); err != nil {
		return c, err
	}
	out, err := a.iam.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: &role, PolicyName: &name})
	if isNoSuchEntity(err) {
		// Either the policy does not exist yet (normal) or the role does not; IAM
		// answers NoSuchEntity for both, so ask about the role.
		out, err = nil, a.checkRole(ctx, role)
	}
	if err != nil {
		return c, fmt.Errorf("read inline policy %s of role %s: %w", name, role, err)
	}
	if out != nil {
		prev, err := decodeStored(aws.ToString(out.PolicyDocument))
		if err == nil {
			c.Previous = &prev
			if Equivalent(prev, doc) {
				a.log(ctx, "inline policy up to date", "role", role, "policy", name)
				return c, nil
			}
		}
	}
	detail := "create"
	if out != nil {
		detail = "replace"
	}
	c.Operations = append(c.Operations, Operation{API: "PutRolePolicy", Detail: detail})
	if a.opts.DryRun {
		return c, nil
	}
	body := c.Document.String()
	if _, err := a.iam.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: &role, PolicyName: &name, PolicyDocument: &body}); err != nil {
		if isNoSuchEntity(err) {
			// The role was there a moment ago (or has just been deleted).
			err = &RoleNotFoundError{Role: role, Err: err}
		}
		return c, fmt.Errorf("put inline policy %s on role %s: %w", name, role, err)
	}
	return c, nil
}

// checkRole returns a [*RoleNotFoundError] when role does not exist, nil when it does.
func (a *Applier) checkRole(ctx context.Context, role string) error {
	_, err := a.iam.GetRole(ctx, &iam.GetRoleInput{RoleName: &role})
	if isNoSuchEntity(err) {
		return &RoleNotFoundError{Role: role, Err: err}
	}
	if err != nil {
		return fmt.Errorf("read role %s: %w", role, err)
	}
	return nil
}

// PutManaged makes sure the customer managed policy name (in the caller's account, under
// ApplierOptions.Path) holds doc as its default version and is attached to role:
//
//   - when the policy does not exist: CreatePolicy;
//   - when its default version means something else: CreatePolicyVersion with
//     SetAsDefault, first deleting the oldest non-default version when the policy
//     already has [MaxPolicyVersions] (the default version is never deleted);
//   - when the role does not list it among its attached policies: AttachRolePolicy.
//
// The account and partition of the policy ARN come from STS GetCallerIdentity. doc
// must pass ValidateAs([KindManaged]).
//
// The role is checked first (ListAttachedRolePolicies): a role that does not exist is an
// error matching [ErrRoleNotFound], returned at once and before any policy is created.
// Only when this call has just created the policy does a NoSuchEntity answer to
// AttachRolePolicy count as IAM's eventual consistency and get retried, as
// ApplierOptions.MaxAttempts and RetryDelay say.
func (a *Applier) PutManaged(ctx context.Context, role, name string, doc Document) (Change, error) {
	c := Change{Kind: KindManaged, Role: role, PolicyName: name, DryRun: a.opts.DryRun, Document: doc.Normalize()}
	if err := checkNames(role, name); err != nil {
		return c, err
	}
	if err := doc.ValidateAs(KindManaged); err != nil {
		return c, err
	}
	if p := a.opts.Path; !strings.HasPrefix(p, "/") || !strings.HasSuffix(p, "/") || len(p) > 512 {
		return c, &InputError{Field: "Path", Value: p, Msg: `an IAM path starts and ends with "/", such as "/appmesh/"`}
	}
	policyARN, err := a.policyARN(ctx, name)
	if err != nil {
		return c, err
	}
	c.PolicyARN = policyARN
	body := c.Document.String()

	attached, err := a.isAttached(ctx, role, policyARN)
	if err != nil {
		return c, err
	}
	created := false
	got, err := a.iam.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: &policyARN})
	switch {
	case isNoSuchEntity(err):
		c.Operations = append(c.Operations, Operation{API: "CreatePolicy", Detail: policyARN})
		if !a.opts.DryRun {
			in := &iam.CreatePolicyInput{PolicyName: &name, PolicyDocument: &body, Path: &a.opts.Path}
			if a.opts.Description != "" {
				in.Description = &a.opts.Description
			}
			if _, err := a.iam.CreatePolicy(ctx, in); err != nil {
				return c, fmt.Errorf("create managed policy %s: %w", policyARN, err)
			}
			created = true
		}
	case err != nil:
		return c, fmt.Errorf("read managed policy %s: %w", policyARN, err)
	default:
		if err := a.updateVersion(ctx, &c, got, body); err != nil {
			return c, err
		}
	}
	if attached {
		return c, nil
	}
	c.Operations = append(c.Operations, Operation{API: "AttachRolePolicy", Detail: "attach to role " + role})
	if a.opts.DryRun {
		return c, nil
	}
	attach := func() error {
		_, err := a.iam.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: &role, PolicyArn: &policyARN})
		return err
	}
	if created {
		// The policy is moments old: IAM may not show it to AttachRolePolicy yet.
		err = a.retry(ctx, "AttachRolePolicy", attach)
	} else {
		err = attach()
	}
	if err != nil {
		hint := ""
		if isNoSuchEntity(err) {
			hint = "; the role or the policy was deleted meanwhile, or IAM has not caught up yet: run again"
		}
		return c, fmt.Errorf("attach %s to role %s: %w%s", policyARN, role, err, hint)
	}
	return c, nil
}

func (a *Applier) updateVersion(ctx context.Context, c *Change, got *iam.GetPolicyOutput, body string) error {
	def := ""
	if got.Policy != nil {
		def = aws.ToString(got.Policy.DefaultVersionId)
	}
	if def != "" {
		v, err := a.iam.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: &c.PolicyARN, VersionId: &def})
		if err != nil {
			return fmt.Errorf("read default version %s of %s: %w", def, c.PolicyARN, err)
		}
		if v.PolicyVersion != nil {
			if prev, err := decodeStored(aws.ToString(v.PolicyVersion.Document)); err == nil {
				c.Previous = &prev
				if Equivalent(prev, c.Document) {
					a.log(ctx, "managed policy up to date", "policy", c.PolicyARN, "version", def)
					return nil
				}
			}
		}
	}
	versions, err := a.listVersions(ctx, c.PolicyARN)
	if err != nil {
		return err
	}
	if len(versions) >= MaxPolicyVersions {
		victim, ok := oldestNonDefault(versions)
		if !ok {
			return fmt.Errorf("update managed policy %s: it has %d versions and none is deletable; delete a non-default version by hand", c.PolicyARN, len(versions))
		}
		id := aws.ToString(victim.VersionId)
		c.Operations = append(c.Operations, Operation{API: "DeletePolicyVersion", Detail: id + ", the oldest non-default version (IAM keeps at most 5)"})
		if !a.opts.DryRun {
			if _, err := a.iam.DeletePolicyVersion(ctx, &iam.DeletePolicyVersionInput{PolicyArn: &c.PolicyARN, VersionId: &id}); err != nil {
				return fmt.Errorf("delete version %s of %s: %w", id, c.PolicyARN, err)
			}
		}
	}
	c.Operations = append(c.Operations, Operation{API: "CreatePolicyVersion", Detail: "new default version"})
	if a.opts.DryRun {
		return nil
	}
	if _, err := a.iam.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: &c.PolicyARN, PolicyDocument: &body, SetAsDefault: true}); err != nil {
		return fmt.Errorf("create a version of %s: %w", c.PolicyARN, err)
	}
	return nil
}

// maxPages bounds pagination loops.
const maxPages = 1000

func (a *Applier) listVersions(ctx context.Context, policyARN string) ([]types.PolicyVersion, error) {
	var all []types.PolicyVersion
	var marker *string
	for page := 0; page < maxPages; page++ {
		out, err := a.iam.ListPolicyVersions(ctx, &iam.ListPolicyVersionsInput{PolicyArn: &policyARN, Marker: marker})
		if err != nil {
			return nil, fmt.Errorf("list versions of %s: %w", policyARN, err)
		}
		all = append(all, out.Versions...)
		if !out.IsTruncated || aws.ToString(out.Marker) == "" {
			return all, nil
		}
		marker = out.Marker
	}
	return nil, fmt.Errorf("list versions of %s: more than %d pages; IAM kept answering IsTruncated", policyARN, maxPages)
}

// oldestNonDefault picks the version to delete: the earliest CreateDate among the
// non-default versions (a missing date counts as oldest), ties broken by the lower
// version number.
func oldestNonDefault(vs []types.PolicyVersion) (types.PolicyVersion, bool) {
	var cands []types.PolicyVersion
	for _, v := range vs {
		if !v.IsDefaultVersion {
			cands = append(cands, v)
		}
	}
	if len(cands) == 0 {
		return types.PolicyVersion{}, false
	}
	num := func(v types.PolicyVersion) int {
		n, err := strconv.Atoi(strings.TrimPrefix(aws.ToString(v.VersionId), "v"))
		if err != nil {
			return int(^uint(0) >> 1)
		}
		return n
	}
	sort.SliceStable(cands, func(i, j int) bool {
		ci, cj := aws.ToTime(cands[i].CreateDate), aws.ToTime(cands[j].CreateDate)
		if !ci.Equal(cj) {
			return ci.Before(cj)
		}
		return num(cands[i]) < num(cands[j])
	})
	return cands[0], true
}

// isAttached reports whether policyARN is among the managed policies attached to role.
// It is also the applier's check that the role exists: NoSuchEntity here can only mean
// the role, and gives a [*RoleNotFoundError] at once.
func (a *Applier) isAttached(ctx context.Context, role, policyARN string) (bool, error) {
	var marker *string
	for page := 0; page < maxPages; page++ {
		out, err := a.iam.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: &role, Marker: marker})
		if isNoSuchEntity(err) {
			return false, &RoleNotFoundError{Role: role, Err: err}
		}
		if err != nil {
			return false, fmt.Errorf("list policies attached to role %s: %w", role, err)
		}
		for _, p := range out.AttachedPolicies {
			if aws.ToString(p.PolicyArn) == policyARN {
				return true, nil
			}
		}
		if !out.IsTruncated || aws.ToString(out.Marker) == "" {
			return false, nil
		}
		marker = out.Marker
	}
	return false, fmt.Errorf("list policies attached to role %s: more than %d pages; IAM kept answering IsTruncated", role, maxPages)
}

// policyARN builds the ARN of a customer managed policy of the caller's account.
func (a *Applier) policyARN(ctx context.Context, name string) (string, error) {
	out, err := a.sts.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return "", fmt.Errorf("find the account for managed policy %s (sts GetCallerIdentity): %w", name, err)
	}
	account := aws.ToString(out.Account)
	if !accountPattern().MatchString(account) {
		return "", fmt.Errorf("find the account for managed policy %s: sts GetCallerIdentity returned account %s, not a 12-digit ID", name, quote.Input(account))
	}
	partition := "aws"
	if c, ok := splitARN(aws.ToString(out.Arn)); ok && c.partition != "" {
		partition = c.partition
	}
	return "arn:" + partition + ":iam::" + account + ":policy" + a.opts.Path + name, nil
}

// retry calls f until it succeeds, fails with something other than NoSuchEntity, or
// MaxAttempts calls were made. Use it only where NoSuchEntity can mean "just created,
// not visible yet".
func (a *Applier) retry(ctx context.Context, op string, f func() error) error {
	delay := a.opts.RetryDelay
	var err error
	for attempt := 1; ; attempt++ {
		err = f()
		if err == nil || !isNoSuchEntity(err) || attempt >= a.opts.MaxAttempts {
			return err
		}
		a.log(ctx, "IAM answered NoSuchEntity; retrying (eventual consistency)", "op", op, "attempt", attempt, "delay", delay)
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return errors.Join(err, ctx.Err())
		case <-t.C:
		}
		if delay *= 2; delay > 4*time.Second {
			delay = 4 * time.Second
		}
	}
}

func (a *Applier) log(ctx context.Context, msg string, args ...any) {
	a.opts.Logger.DebugContext(ctx, msg, args...)
}

func isNoSuchEntity(err error) bool {
	var e *types.NoSuchEntityException
	return errors.As(err, &e)
}

// decodeStored parses a policy document as IAM returns it: URL-encoded (RFC 3986).
// Plain JSON is accepted too.
func decodeStored(s string) (Document, error) {
	var firstErr error
	for _, dec := range []func(string) (string, error){url.QueryUnescape, url.PathUnescape, func(s string) (string, error) { return s, nil }} {
		t, err := dec(s)
		if err != nil {
			continue
		}
		d, err := Parse([]byte(t))
		if err == nil {
			return d, nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	if firstErr == nil {
		firstErr = &ParseError{Key: "policy", Msg: "not URL-encoded JSON"}
	}
	return Document{}, firstErr
}
