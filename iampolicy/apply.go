package iampolicy

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/appmesh-envoy/appmesh-envoy-go/internal/awserr"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/errcode"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/lazyregexp"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/quote"
	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

// MaxPolicyVersions is how many versions IAM keeps of a managed policy. Source: IAM User
// Guide, "Versioning IAM policies"
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_managed-versioning.html).
const MaxPolicyVersions = 5

// Defaults of [ApplierOptions].
const (
	// DefaultApplyTimeout bounds one [Applier.PutInline] or [Applier.PutManaged] call,
	// every IAM and STS request and retry included.
	DefaultApplyTimeout = time.Minute
	// DefaultApplyMaxAttempts bounds the AttachRolePolicy attempts for a managed policy
	// the applier has just created.
	DefaultApplyMaxAttempts = 5
	// DefaultApplyRetryDelay is the wait before the second of those attempts.
	DefaultApplyRetryDelay = 500 * time.Millisecond
)

// ApplierOptions configures an [Applier]. [NewApplier] fills in the defaults before it
// applies the caller's option functions, so a function sees (and may change) every
// default; values out of range are then replaced by the default.
type ApplierOptions struct {
	// IAM is the IAM client. Default: nil, which means iam.NewFromConfig(cfg).
	IAM IAMAPI
	// STS is the STS client used to learn the account (and partition) that managed
	// policy ARNs are built from. Default: nil, which means sts.NewFromConfig(cfg).
	STS GetCallerIdentityAPI
	// DryRun reads the current state and reports the [Change] that would be made,
	// without writing anything. Default: false.
	DryRun bool
	// Path is the IAM path of managed policies, starting and ending with "/". Default:
	// "/" (also when set to "").
	Path string
	// Description is the description of managed policies that are created. Default:
	// "", none.
	Description string
	// MaxAttempts bounds the AttachRolePolicy calls made when IAM answers NoSuchEntity
	// for a managed policy this applier has just created (IAM is eventually
	// consistent). Nothing else is retried here (the SDK client retries throttling and
	// server errors on its own): a missing role fails at once. Values below 1 mean the
	// default, DefaultApplyMaxAttempts (5).
	MaxAttempts int
	// RetryDelay is the wait before the second of those attempts; it doubles for each
	// further one, up to 4 s. Values <= 0 mean the default, DefaultApplyRetryDelay
	// (500 ms).
	RetryDelay time.Duration
	// Timeout bounds each PutInline or PutManaged call, every IAM and STS request and
	// retry included, so that a stalled IAM endpoint ends in an error instead of a hang;
	// the caller's context may end it sooner. Values <= 0 mean the default,
	// DefaultApplyTimeout (1 minute).
	Timeout time.Duration
	// Logger receives debug records of each IAM call. Default: nil, which discards.
	Logger *slog.Logger
}

func defaultApplierOptions() ApplierOptions {
	return ApplierOptions{
		Path:        "/",
		MaxAttempts: DefaultApplyMaxAttempts,
		RetryDelay:  DefaultApplyRetryDelay,
		Timeout:     DefaultApplyTimeout,
		Logger:      slog.New(slog.DiscardHandler),
	}
}

// normalize replaces values the caller's functions set out of range by the defaults.
func (o *ApplierOptions) normalize() {
	d := defaultApplierOptions()
	if o.Path == "" {
		o.Path = d.Path
	}
	if o.MaxAttempts < 1 {
		o.MaxAttempts = d.MaxAttempts
	}
	if o.RetryDelay <= 0 {
		o.RetryDelay = d.RetryDelay
	}
	if o.Timeout <= 0 {
		o.Timeout = d.Timeout
	}
	if o.Logger == nil {
		o.Logger = d.Logger
	}
}

// Applier writes policies to IAM roles idempotently: it reads first and writes only when
// the stored policy means something else.
//
// Create one with [NewApplier]. The zero Applier (and a nil *Applier) is not usable: its
// methods return an error matching [ErrNotInitialized]. An Applier is safe for
// concurrent use by multiple goroutines, though applying to the same role or policy
// concurrently races in IAM itself.
type Applier struct {
	iam  IAMAPI
	sts  GetCallerIdentityAPI
	opts ApplierOptions
	// partition is the partition of the aws.Config's region, for role ARNs in error
	// messages before STS has said whose credentials these are.
	partition string
}

// NewApplier returns an Applier using cfg for the default IAM and STS clients. IAM is
// a global service: any region of the partition works in cfg.
func NewApplier(cfg aws.Config, optFns ...func(*ApplierOptions)) *Applier {
	o := defaultApplierOptions()
	for _, f := range optFns {
		f(&o)
	}
	o.normalize()
	if o.IAM == nil {
		o.IAM = iam.NewFromConfig(cfg)
	}
	if o.STS == nil {
		o.STS = sts.NewFromConfig(cfg)
	}
	partition := region.PartitionAWS
	if p, ok := region.PartitionOf(cfg.Region); ok {
		partition = p.ID
	}
	return &Applier{iam: o.IAM, sts: o.STS, opts: o, partition: partition}
}

// ready reports ErrNotInitialized for an Applier not made by NewApplier.
func (a *Applier) ready() error {
	if a == nil || a.iam == nil || a.sts == nil {
		return ErrNotInitialized
	}
	return nil
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
// Other IAM errors say what to do (access denied names the missing action and the
// role); the call ends after ApplierOptions.Timeout.
func (a *Applier) PutInline(ctx context.Context, role, name string, doc Document) (Change, error) {
	c := Change{Kind: KindInline, Role: role, PolicyName: name, Document: doc.Normalize()}
	if err := a.ready(); err != nil {
		return c, err
	}
	c.DryRun = a.opts.DryRun
	if err := checkNames(role, name); err != nil {
		return c, err
	}
	if err := doc.ValidateAs(KindInline); err != nil {
		return c, err
	}
	caller := ctx
	ctx, cancel := context.WithTimeout(ctx, a.opts.Timeout)
	defer cancel()
	roleARN := a.roleARN(identity{}, role)

	out, err := a.iam.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: &role, PolicyName: &name})
	if isNoSuchEntity(err) {
		// Either the policy does not exist yet (normal) or the role does not; IAM
		// answers NoSuchEntity for both, so ask about the role.
		out = nil
		if err = a.checkRole(ctx, caller, role, roleARN); err != nil {
			return c, err
		}
	} else if err != nil {
		return c, fmt.Errorf("read inline policy %s of role %s: %w", name, role, a.awsError(caller, err, "iam:GetRolePolicy", roleARN))
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
			return c, fmt.Errorf("put inline policy %s on role %s: %w", name, role, &RoleNotFoundError{Role: role, Err: err})
		}
		return c, fmt.Errorf("put inline policy %s on role %s: %w", name, role, a.awsError(caller, err, "iam:PutRolePolicy", roleARN))
	}
	return c, nil
}

// checkRole returns a [*RoleNotFoundError] when role does not exist, nil when it does.
func (a *Applier) checkRole(ctx, caller context.Context, role, roleARN string) error {
	_, err := a.iam.GetRole(ctx, &iam.GetRoleInput{RoleName: &role})
	if isNoSuchEntity(err) {
		return &RoleNotFoundError{Role: role, Err: err}
	}
	if err != nil {
		return fmt.Errorf("read role %s: %w", role, a.awsError(caller, err, "iam:GetRole", roleARN))
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
// ApplierOptions.MaxAttempts and RetryDelay say. The call ends after
// ApplierOptions.Timeout.
func (a *Applier) PutManaged(ctx context.Context, role, name string, doc Document) (Change, error) {
	c := Change{Kind: KindManaged, Role: role, PolicyName: name, Document: doc.Normalize()}
	if err := a.ready(); err != nil {
		return c, err
	}
	c.DryRun = a.opts.DryRun
	if err := checkNames(role, name); err != nil {
		return c, err
	}
	if err := doc.ValidateAs(KindManaged); err != nil {
		return c, err
	}
	if p := a.opts.Path; !strings.HasPrefix(p, "/") || !strings.HasSuffix(p, "/") || len(p) > 512 {
		return c, &InputError{Field: "Path", Value: p, Msg: `an IAM path starts and ends with "/", such as "/appmesh/"`}
	}
	caller := ctx
	ctx, cancel := context.WithTimeout(ctx, a.opts.Timeout)
	defer cancel()
	id, err := a.callerIdentity(ctx, caller, name)
	if err != nil {
		return c, err
	}
	policyARN := arn.ARN{Partition: id.partition, Service: "iam", AccountID: id.account, Resource: "policy" + a.opts.Path + name}.String()
	c.PolicyARN = policyARN
	roleARN := a.roleARN(id, role)
	body := c.Document.String()

	attached, err := a.isAttached(ctx, caller, role, roleARN, policyARN)
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
				return c, fmt.Errorf("create managed policy %s: %w", policyARN, a.awsError(caller, err, "iam:CreatePolicy", policyARN))
			}
			created = true
		}
	case err != nil:
		return c, fmt.Errorf("read managed policy %s: %w", policyARN, a.awsError(caller, err, "iam:GetPolicy", policyARN))
	default:
		if err := a.updateVersion(ctx, caller, &c, got, body); err != nil {
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
		// The policy is moments old: IAM may not show it to AttachRolePolicy yet (IAM
		// User Guide, "Changes that I make are not always immediately visible",
		// https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html).
		err = a.retry(ctx, "AttachRolePolicy", attach)
	} else {
		err = attach()
	}
	switch {
	case err == nil:
		return c, nil
	case ctx.Err() == nil && isNoSuchEntity(err):
		return c, fmt.Errorf("attach %s to role %s: %w; the role or the policy was deleted meanwhile, or IAM has not caught up yet: run again",
			policyARN, role, &errcode.Error{Code: errcode.AWSError, Msg: "IAM answered NoSuchEntity", Cause: err})
	}
	return c, fmt.Errorf("attach %s to role %s: %w", policyARN, role, a.awsError(caller, err, "iam:AttachRolePolicy", roleARN))
}

func (a *Applier) updateVersion(ctx, caller context.Context, c *Change, got *iam.GetPolicyOutput, body string) error {
	def := ""
	if got.Policy != nil {
		def = aws.ToString(got.Policy.DefaultVersionId)
	}
	if def != "" {
		v, err := a.iam.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: &c.PolicyARN, VersionId: &def})
		if err != nil {
			return fmt.Errorf("read default version %s of %s: %w", def, c.PolicyARN, a.awsError(caller, err, "iam:GetPolicyVersion", c.PolicyARN))
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
	versions, err := a.listVersions(ctx, caller, c.PolicyARN)
	if err != nil {
		return err
	}
	if len(versions) >= MaxPolicyVersions {
		victim, ok := oldestNonDefault(versions)
		if !ok {
			return &errcode.Error{Code: errcode.AWSError, Msg: fmt.Sprintf("update managed policy %s: it has %d versions and none is deletable; delete a non-default version by hand", c.PolicyARN, len(versions))}
		}
		id := aws.ToString(victim.VersionId)
		c.Operations = append(c.Operations, Operation{API: "DeletePolicyVersion", Detail: id + ", the oldest non-default version (IAM keeps at most 5)"})
		if !a.opts.DryRun {
			if _, err := a.iam.DeletePolicyVersion(ctx, &iam.DeletePolicyVersionInput{PolicyArn: &c.PolicyARN, VersionId: &id}); err != nil {
				return fmt.Errorf("delete version %s of %s: %w", id, c.PolicyARN, a.awsError(caller, err, "iam:DeletePolicyVersion", c.PolicyARN))
			}
		}
	}
	c.Operations = append(c.Operations, Operation{API: "CreatePolicyVersion", Detail: "new default version"})
	if a.opts.DryRun {
		return nil
	}
	if _, err := a.iam.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: &c.PolicyARN, PolicyDocument: &body, SetAsDefault: true}); err != nil {
		return fmt.Errorf("create a version of %s: %w", c.PolicyARN, a.awsError(caller, err, "iam:CreatePolicyVersion", c.PolicyARN))
	}
	return nil
}

// maxPages bounds pagination loops.
const maxPages = 1000

func (a *Applier) listVersions(ctx, caller context.Context, policyARN string) ([]types.PolicyVersion, error) {
	var all []types.PolicyVersion
	var marker *string
	for page := 0; page < maxPages; page++ {
		out, err := a.iam.ListPolicyVersions(ctx, &iam.ListPolicyVersionsInput{PolicyArn: &policyARN, Marker: marker})
		if err != nil {
			return nil, fmt.Errorf("list versions of %s: %w", policyARN, a.awsError(caller, err, "iam:ListPolicyVersions", policyARN))
		}
		all = append(all, out.Versions...)
		if !out.IsTruncated || aws.ToString(out.Marker) == "" {
			return all, nil
		}
		marker = out.Marker
	}
	return nil, tooManyPages("list versions of " + policyARN)
}

func tooManyPages(what string) error {
	return &errcode.Error{Code: errcode.AWSError, Msg: fmt.Sprintf("%s: more than %d pages; IAM kept answering IsTruncated", what, maxPages)}
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
func (a *Applier) isAttached(ctx, caller context.Context, role, roleARN, policyARN string) (bool, error) {
	var marker *string
	for page := 0; page < maxPages; page++ {
		out, err := a.iam.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: &role, Marker: marker})
		if isNoSuchEntity(err) {
			return false, &RoleNotFoundError{Role: role, Err: err}
		}
		if err != nil {
			return false, fmt.Errorf("list policies attached to role %s: %w", role, a.awsError(caller, err, "iam:ListAttachedRolePolicies", roleARN))
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
	return false, tooManyPages("list policies attached to role " + role)
}

// identity is whose credentials the applier uses: partition and 12-digit account.
type identity struct{ partition, account string }

// callerIdentity asks STS whose credentials these are. GetCallerIdentity needs no IAM
// permission (AWS STS API Reference, GetCallerIdentity,
// https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html).
func (a *Applier) callerIdentity(ctx, caller context.Context, policyName string) (identity, error) {
	out, err := a.sts.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return identity{}, fmt.Errorf("find the account for managed policy %s (sts:GetCallerIdentity): %w", policyName, a.awsError(caller, err, "sts:GetCallerIdentity", "*"))
	}
	id := identity{partition: a.partition, account: aws.ToString(out.Account)}
	if !accountPattern().MatchString(id.account) {
		return identity{}, &errcode.Error{Code: errcode.AWSError,
			Msg: "find the account for managed policy " + policyName + ": sts GetCallerIdentity returned account " + quote.Input(id.account) + ", not a 12-digit ID"}
	}
	if c, ok := splitARN(aws.ToString(out.Arn)); ok && c.Partition != "" {
		id.partition = c.Partition
	}
	return id, nil
}

// roleARN is the ARN of role as an IAM policy names it, for error messages: the account
// is "*" until STS has told it (a role with a path has it between "role/" and the name).
func (a *Applier) roleARN(id identity, role string) string {
	if id.partition == "" {
		id.partition = a.partition
	}
	if id.account == "" {
		id.account = "*"
	}
	return arn.ARN{Partition: id.partition, Service: "iam", AccountID: id.account, Resource: "role/" + role}.String()
}

// awsError turns the error of an IAM or STS call into one that says what to do, with a
// code: the caller's own cancellation or deadline as it is, anything else through the
// module's classifier (access denied with the action and resource, throttling, bad
// credentials, and the end of ApplierOptions.Timeout).
func (a *Applier) awsError(caller context.Context, err error, action, resource string) error {
	if caller.Err() != nil {
		return fmt.Errorf("%s: %w", action, caller.Err())
	}
	return awserr.Classify(err, awserr.Call{Action: action, Resource: resource, Attempts: 1, Timeout: a.opts.Timeout,
		PolicyHint: "grant it to the identity that applies policies; it is not part of the policies this package builds"})
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

// isNoSuchEntity reports IAM's NoSuchEntity answer (HTTP 404): the role, the policy or
// the policy version does not exist.
func isNoSuchEntity(err error) bool { return awserr.IsCode(err, "NoSuchEntity") }

// decodeStored parses a policy document as IAM returns it: URL-encoded (RFC 3986; IAM
// API Reference, GetRolePolicy,
// https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetRolePolicy.html). Plain
// JSON is accepted too.
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
