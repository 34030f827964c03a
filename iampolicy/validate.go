package iampolicy

import (
	"strconv"
	"strings"
	"unicode"

	"github.com/appmesh-envoy/appmesh-envoy-go/internal/errcode"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/lazyregexp"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/quote"
	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

// Kind is where a policy document is stored; it decides the size limit and whether a
// Principal belongs in it. The zero value is [KindManaged].
type Kind int

// Kinds of policy.
const (
	// KindManaged is a customer managed policy (CreatePolicy): at most 6,144 characters.
	KindManaged Kind = iota
	// KindInline is an inline role policy (PutRolePolicy). IAM limits the inline
	// policies of one role to 10,240 characters together; Validate checks one document
	// against that whole budget.
	KindInline
	// KindEndpoint is a VPC endpoint policy (a resource-based policy with a Principal):
	// at most 20,480 characters.
	KindEndpoint
)

// Limit returns the size limit of the kind in characters, white space not counted.
// Source: IAM User Guide, "IAM and AWS STS quotas" (managed 6,144; role inline total
// 10,240) and VPC User Guide, "Endpoint policies" (20,480).
func (k Kind) Limit() int {
	switch k {
	case KindInline:
		return 10240
	case KindEndpoint:
		return 20480
	}
	return 6144
}

// String returns "managed", "inline" or "endpoint".
func (k Kind) String() string {
	switch k {
	case KindManaged:
		return "managed"
	case KindInline:
		return "inline"
	case KindEndpoint:
		return "endpoint"
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Size returns the size of d as IAM counts it: the characters of its canonical JSON,
// white space not counted.
func Size(d Document) int {
	n := 0
	for _, r := range d.String() {
		if !unicode.IsSpace(r) {
			n++
		}
	}
	return n
}

// Rules checked by [Document.Validate] and [Document.Lint]; they are the Rule of a
// [Problem].
const (
	RuleVersion      = "version"       // Version is "2012-10-17" (or the old "2008-10-17")
	RuleStatement    = "statement"     // at least one statement
	RuleEffect       = "effect"        // Effect is exactly "Allow" or "Deny"
	RuleAction       = "action"        // exactly one of Action and NotAction, well formed
	RuleResource     = "resource"      // exactly one of Resource and NotResource
	RulePrincipal    = "principal"     // Principal only in resource-based (endpoint) policies
	RuleSid          = "sid"           // Sid is letters and digits
	RuleDuplicateSid = "duplicate-sid" // Sids are unique
	RuleCharset      = "charset"       // tab, LF, CR and U+0020–U+00FF only
	RuleARN          = "arn"           // resources are "*" or well-formed ARNs of a known partition
	RulePartition    = "partition"     // one partition per document
	RuleUnknown      = "unknown-action"
	RuleResourceType = "resource-type" // actions and resources fit each other
	RuleSize         = "size"          // within the kind's size limit

	// Advisory rules, reported by Lint only.
	RuleWildcardResource = "wildcard-resource" // "*" where IAM allows something narrower
	RuleWildcardAction   = "wildcard-action"   // "ecr:*" or "*" in an Allow statement
	RuleNegation         = "negation"          // NotAction or NotResource in an Allow statement
)

// Problem is one finding of [Document.Validate] or [Document.Lint].
type Problem struct {
	// Rule is one of the Rule constants.
	Rule string
	// Statement is the index of the statement, or -1 for the document as a whole.
	Statement int
	// Sid is the statement's Sid, if any.
	Sid string
	// Message says what is wrong and what to do.
	Message string
}

// String returns the problem as one line.
func (p Problem) String() string {
	var b strings.Builder
	if p.Statement >= 0 {
		b.WriteString("Statement[" + strconv.Itoa(p.Statement) + "]")
		if p.Sid != "" {
			b.WriteString(" (" + quote.Text(p.Sid, quote.Max) + ")")
		}
		b.WriteString(": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// ValidationError lists every problem [Document.Validate] found.
type ValidationError struct {
	// Problems is never empty.
	Problems []Problem
}

// Error implements error.
func (e *ValidationError) Error() string {
	msgs := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		msgs[i] = p.String()
	}
	n := strconv.Itoa(len(e.Problems)) + " problems"
	if len(e.Problems) == 1 {
		n = "1 problem"
	}
	return "invalid policy: " + n + ": " + strings.Join(msgs, "; ")
}

// Is reports whether target is [ErrInvalidPolicy], or [ErrTooLarge] or
// [ErrMixedPartitions] when a problem is of that kind.
func (e *ValidationError) Is(target error) bool {
	switch target {
	case ErrInvalidPolicy:
		return true
	case ErrTooLarge:
		return e.has(RuleSize)
	case ErrMixedPartitions:
		return e.has(RulePartition)
	}
	return false
}

// ErrorCode returns "policy-too-large" when every problem is a size limit,
// "mixed-partitions" when every problem is a mix of partitions, and "invalid-policy"
// otherwise (the document needs fixing before size or partitions matter).
func (e *ValidationError) ErrorCode() errcode.Code {
	switch {
	case e.only(RuleSize):
		return errcode.PolicyTooLarge
	case e.only(RulePartition):
		return errcode.MixedPartitions
	}
	return errcode.InvalidPolicy
}

// only reports whether every problem is of rule.
func (e *ValidationError) only(rule string) bool {
	for _, p := range e.Problems {
		if p.Rule != rule {
			return false
		}
	}
	return len(e.Problems) > 0
}

func (e *ValidationError) has(rule string) bool {
	for _, p := range e.Problems {
		if p.Rule == rule {
			return true
		}
	}
	return false
}

// Validate checks d as a managed policy; see [Document.ValidateAs].
func (d Document) Validate() error { return d.ValidateAs(KindManaged) }

// ValidateAs checks what can be checked without AWS and returns a [*ValidationError]
// listing every problem, or nil:
//
//   - grammar: Version, at least one statement, Effect, exactly one of Action and
//     NotAction and of Resource and NotResource, Principal only in a [KindEndpoint]
//     policy (and required there);
//   - Sid of letters and digits only, unique;
//   - characters: tab, LF, CR and U+0020–U+00FF only, everywhere;
//   - resources: "*" or an ARN "arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE" of a known
//     partition whose region code (when literal) belongs to that partition, all in one
//     partition; for the services of the action table, the account and region fields
//     their ARNs need (S3 ARNs have neither, ECR ARNs both);
//   - action names of the services the builders emit ([KnownServices]) must exist in the
//     action table ([ActionTableSource]); other services are not checked;
//   - in Allow statements, each known action must fit at least one of the statement's
//     resources (an action without resource-level permissions only "*";
//     ecr:BatchGetImage a repository ARN; ssm:GetParameter a parameter ARN), and each
//     resource of a known service must fit at least one of its actions;
//   - size: at most kind.Limit() characters, white space not counted.
//
// Broad grants that IAM accepts ("*" where a narrower resource exists) are not errors;
// [Document.Lint] reports them.
func (d Document) ValidateAs(kind Kind) error {
	var ps []Problem
	add := func(i int, sid, rule, msg string) {
		ps = append(ps, Problem{Rule: rule, Statement: i, Sid: sid, Message: msg})
	}
	switch d.Version {
	case "", Version, "2008-10-17":
	default:
		add(-1, "", RuleVersion, "Version "+quote.Input(d.Version)+" is not a policy language version; use "+Version)
	}
	if bad := badChars(d.ID); bad != "" {
		add(-1, "", RuleCharset, "Id "+bad)
	}
	if len(d.Statement) == 0 {
		add(-1, "", RuleStatement, "the policy has no statement")
	}
	sids := map[string]int{}
	partitions := map[string]string{} // partition → first resource
	var partitionOrder []string
	for i, s := range d.Statement {
		sid := s.Sid
		at := func(rule, msg string) { add(i, sid, rule, msg) }
		for _, v := range s.allStrings() {
			if bad := badChars(v); bad != "" {
				at(RuleCharset, quote.Input(v)+" "+bad)
			}
		}
		if s.Sid != "" {
			if !sidPattern().MatchString(s.Sid) {
				at(RuleSid, "Sid "+quote.Input(s.Sid)+" may contain only letters A-Z, a-z and digits 0-9")
			}
			if j, dup := sids[s.Sid]; dup {
				at(RuleDuplicateSid, "Sid "+quote.Input(s.Sid)+" is also the Sid of Statement["+strconv.Itoa(j)+"]; Sids must be unique")
			} else {
				sids[s.Sid] = i
			}
		}
		if s.Effect != EffectAllow && s.Effect != EffectDeny {
			at(RuleEffect, "Effect "+quote.Input(s.Effect)+` must be "Allow" or "Deny"`)
		}
		switch {
		case len(s.Action) > 0 && len(s.NotAction) > 0:
			at(RuleAction, "a statement has either Action or NotAction, not both")
		case len(s.Action) == 0 && len(s.NotAction) == 0:
			at(RuleAction, "the statement has no Action")
		}
		switch {
		case len(s.Resource) > 0 && len(s.NotResource) > 0:
			at(RuleResource, "a statement has either Resource or NotResource, not both")
		case len(s.Resource) == 0 && len(s.NotResource) == 0:
			at(RuleResource, "the statement has no Resource; use an ARN or \"*\"")
		}
		hasPrincipal := len(s.Principal) > 0 || len(s.NotPrincipal) > 0
		switch {
		case hasPrincipal && kind != KindEndpoint:
			key := "Principal"
			if len(s.Principal) == 0 {
				key = "NotPrincipal"
			}
			at(RulePrincipal, key+" belongs in resource-based policies only; remove it from a "+kind.String()+" policy")
		case !hasPrincipal && kind == KindEndpoint:
			at(RulePrincipal, `an endpoint policy statement needs a Principal, such as "*"`)
		}
		actions := append(append([]string{}, s.Action...), s.NotAction...)
		for _, a := range actions {
			for _, msg := range checkAction(a) {
				at(actionRule(msg), msg.text)
			}
		}
		arnsOK := true
		for _, r := range append(append([]string{}, s.Resource...), s.NotResource...) {
			p, msgs := checkResource(r)
			for _, m := range msgs {
				at(RuleARN, m)
			}
			arnsOK = arnsOK && len(msgs) == 0
			if p != "" {
				if _, ok := partitions[p]; !ok {
					partitions[p] = r
					partitionOrder = append(partitionOrder, p)
				}
			}
		}
		if s.Effect == EffectAllow && arnsOK && len(s.Action) > 0 && len(s.Resource) > 0 {
			for _, m := range checkFit(s.Action, s.Resource) {
				at(RuleResourceType, m)
			}
		}
	}
	if len(partitionOrder) > 1 {
		var names []string
		for _, p := range partitionOrder {
			names = append(names, p+" ("+partitions[p]+")")
		}
		add(-1, "", RulePartition, "resources from more than one partition: "+strings.Join(names, ", ")+"; one policy lives in one partition, so write one per partition")
	}
	if n := Size(d); n > kind.Limit() {
		add(-1, "", RuleSize, "the policy has "+strconv.Itoa(n)+" characters (white space not counted), more than the "+
			strconv.Itoa(kind.Limit())+" IAM allows for a "+kind.String()+" policy; use the region-wildcard form (RegionWildcard) or Split")
	}
	if len(ps) == 0 {
		return nil
	}
	return &ValidationError{Problems: ps}
}

var (
	sidPattern     = lazyregexp.New(`^[A-Za-z0-9]+$`)
	servicePattern = lazyregexp.New(`^[a-z0-9-]+$`)
	actionPattern  = lazyregexp.New(`^[A-Za-z0-9*?-]+$`)
	accountPattern = lazyregexp.New(`^[0-9]{12}$`)
)

func (s Statement) allStrings() []string {
	out := []string{s.Sid, s.Effect}
	for _, l := range [][]string{s.Action, s.NotAction, s.Resource, s.NotResource} {
		out = append(out, l...)
	}
	for _, p := range []Principal{s.Principal, s.NotPrincipal} {
		for k, v := range p {
			out = append(out, k)
			out = append(out, v...)
		}
	}
	for op, kv := range s.Condition {
		out = append(out, op)
		for k, v := range kv {
			out = append(out, k)
			out = append(out, v...)
		}
	}
	return out
}

// badChars describes the first character of s that IAM does not accept, or "".
func badChars(s string) string {
	for _, r := range s {
		if r == '\t' || r == '\n' || r == '\r' || (r >= 0x20 && r <= 0xFF) {
			continue
		}
		return "contains the character U+" + strings.ToUpper(strconv.FormatInt(int64(r), 16)) +
			"; IAM accepts only tab, line feed, carriage return and U+0020 to U+00FF"
	}
	return ""
}

type actionMsg struct {
	unknown bool
	text    string
}

func actionRule(m actionMsg) string {
	if m.unknown {
		return RuleUnknown
	}
	return RuleAction
}

func checkAction(a string) []actionMsg {
	if a == "*" {
		return nil
	}
	svc, name, ok := strings.Cut(a, ":")
	if !ok || svc == "" || name == "" || !servicePattern().MatchString(strings.ToLower(svc)) || !actionPattern().MatchString(name) {
		return []actionMsg{{text: "action " + quote.Input(a) + ` is not of the form "service:Action"`}}
	}
	if strings.ContainsAny(a, "*?") {
		matches, known := expandAction(a)
		if known && len(matches) == 0 {
			return []actionMsg{{unknown: true, text: "action pattern " + quote.Input(a) + " matches no " + strings.ToLower(svc) + " action known in " + actionDataSource}}
		}
		return nil
	}
	if _, ok, known := lookupAction(a); known && !ok {
		return []actionMsg{{unknown: true, text: "unknown action " + quote.Input(a) + " (checked against " + actionDataSource + "); check the spelling"}}
	}
	return nil
}

// checkResource returns the partition of a resource ARN ("" for "*" or a wildcard
// partition) and its problems.
func checkResource(r string) (partition string, msgs []string) {
	if r == "*" {
		return "", nil
	}
	a, ok := splitARN(r)
	if !ok {
		return "", []string{"resource " + quote.Input(r) + ` is neither "*" nor an ARN "arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE"`}
	}
	if strings.ContainsAny(a.Partition, "*?") {
		partition = ""
	} else if p, err := region.LookupPartition(a.Partition); err != nil || p.ID != a.Partition {
		msgs = append(msgs, "resource "+quote.Input(r)+" names unknown partition "+quote.Input(a.Partition)+"; use aws, aws-cn, aws-us-gov or another AWS partition")
	} else {
		partition = p.ID
	}
	if a.Service == "" || !servicePattern().MatchString(a.Service) {
		msgs = append(msgs, "resource "+quote.Input(r)+" has no valid service part (wildcards are not allowed there)")
	}
	if a.Region != "" && !strings.ContainsAny(a.Region, "*?") {
		p, ok := region.PartitionOf(a.Region)
		switch {
		case !ok || p.ID == "" || a.Region != strings.ToLower(a.Region):
			msgs = append(msgs, "resource "+quote.Input(r)+" names "+quote.Input(a.Region)+", which is not a region code")
		case partition != "" && p.ID != partition:
			msgs = append(msgs, "resource "+quote.Input(r)+": region "+a.Region+" is in partition "+p.ID+", not "+partition)
		}
	}
	if a.AccountID != "" && !strings.ContainsAny(a.AccountID, "*?") && !accountPattern().MatchString(a.AccountID) && a.AccountID != "aws" {
		msgs = append(msgs, "resource "+quote.Input(r)+": account "+quote.Input(a.AccountID)+" is not a 12-digit account ID")
	}
	if a.Resource == "" {
		msgs = append(msgs, "resource "+quote.Input(r)+" has an empty resource part")
	}
	if types, known := resourceTypeData[a.Service]; known && len(msgs) == 0 {
		fits := false
		for t := range types {
			fits = fits || resourceFitsType(r, a.Service, t)
		}
		if !fits {
			msg := "resource " + quote.Input(r) + " is not the ARN of any " + a.Service + " resource type"
			if a.Service == "s3" {
				msg += "; S3 bucket and object ARNs have empty region and account parts (arn:PARTITION:s3:::bucket/key)"
			}
			msgs = append(msgs, msg)
		}
	}
	switch a.Service {
	case "ecr", "appmesh":
		if a.Region == "" || a.AccountID == "" {
			msgs = append(msgs, "resource "+quote.Input(r)+": "+a.Service+" ARNs need a region and an account")
		}
	case "ssm":
		if a.Region == "" {
			msgs = append(msgs, "resource "+quote.Input(r)+": ssm ARNs need a region")
		}
	}
	return partition, msgs
}

// checkFit reports known actions that none of the resources can grant, and resources of
// known services that none of the (all literal, known) actions can use.
func checkFit(actions, resources []string) []string {
	var msgs []string
	allKnown := true
	var infos []struct {
		svc  string
		info actionInfo
	}
	for _, a := range actions {
		if a == "*" || strings.ContainsAny(a, "*?") {
			allKnown = false
			continue
		}
		info, ok, _ := lookupAction(a)
		if !ok {
			allKnown = false
			continue
		}
		svc, _, _ := strings.Cut(a, ":")
		svc = strings.ToLower(svc)
		infos = append(infos, struct {
			svc  string
			info actionInfo
		}{svc, info})
		fits := false
		for _, r := range resources {
			if actionFits(svc, info, r) {
				fits = true
				break
			}
		}
		if !fits {
			if len(info.ResourceTypes) == 0 {
				msgs = append(msgs, "action "+a+` supports no resource-level permissions, so only Resource "*" grants it; add it in a statement with Resource "*"`)
			} else {
				msgs = append(msgs, "action "+a+" applies to "+strings.Join(info.ResourceTypes, " or ")+" resources, and none of the statement's resources is one")
			}
		}
	}
	if !allKnown {
		return msgs
	}
	for _, r := range resources {
		a, ok := splitARN(r)
		if !ok || r == "*" {
			continue
		}
		if _, known := actionData[a.Service]; !known {
			continue
		}
		used := false
		for _, x := range infos {
			if actionFits(x.svc, x.info, r) {
				used = true
				break
			}
		}
		if !used {
			msgs = append(msgs, "resource "+quote.Input(r)+" fits none of the statement's actions; remove it or move it to a statement whose actions apply to it")
		}
	}
	return msgs
}

func actionFits(svc string, info actionInfo, r string) bool {
	if r == "*" {
		return true
	}
	if len(info.ResourceTypes) == 0 {
		return false
	}
	a, ok := splitARN(r)
	if !ok {
		return false
	}
	otherService := a.Service != svc && !strings.ContainsAny(a.Service, "*?")
	for _, t := range info.ResourceTypes {
		// A resource type may live in another service's ARNs (sts:AssumeRole acts on
		// iam roles): its ARN template says so. Without a template, only the action's
		// own service fits.
		if _, known := resourceTypeData[svc][t]; otherService && !known {
			continue
		}
		if resourceFitsType(r, svc, t) {
			return true
		}
	}
	return false
}

// Lint reports advisory findings: grants broader than needed that IAM accepts.
//
//   - [RuleWildcardResource]: Resource "*" in an Allow statement with an action that
//     supports resource-level permissions (say which resources instead);
//   - [RuleWildcardAction]: an action wildcard ("ecr:*", "*") in an Allow statement;
//   - [RuleNegation]: NotAction or NotResource in an Allow statement (grants everything
//     else, including actions added to AWS later).
//
// The builders' documents have no Lint findings: each "*" they emit is required, as
// [WildcardReasons] explains.
func (d Document) Lint() []Problem {
	var ps []Problem
	for i, s := range d.Statement {
		if s.Effect != EffectAllow {
			continue
		}
		add := func(rule, msg string) { ps = append(ps, Problem{Rule: rule, Statement: i, Sid: s.Sid, Message: msg}) }
		if len(s.NotAction) > 0 {
			add(RuleNegation, "NotAction in an Allow statement grants every other action, including future ones; list the actions instead")
		}
		if len(s.NotResource) > 0 {
			add(RuleNegation, "NotResource in an Allow statement grants every other resource; list the resources instead")
		}
		for _, a := range s.Action {
			if strings.ContainsAny(a, "*?") {
				add(RuleWildcardAction, "action "+quote.Input(a)+" grants more actions than any one task needs; list the actions instead")
			}
		}
		for _, w := range WildcardReasons(Document{Statement: []Statement{s}}) {
			if w.Code == ReasonScopable {
				add(RuleWildcardResource, `Resource "*" is broader than needed for `+strings.Join(w.Scopable, ", ")+"; name their resource ARNs instead")
			}
		}
	}
	return ps
}

// Reason codes of a [WildcardReason].
const (
	// ReasonNoResourceLevel: every action of the statement supports no resource-level
	// permissions, so IAM accepts nothing narrower than Resource "*".
	ReasonNoResourceLevel = "no-resource-level-permissions"
	// ReasonScopable: some action of the statement could be limited to named resources;
	// Resource "*" grants more than needed.
	ReasonScopable = "narrower-resource-possible"
	// ReasonRegionWildcard: "*" as the region of an ARN, the opt-in short form
	// ([Regions.RegionWildcard]); it also covers regions not listed.
	ReasonRegionWildcard = "region-wildcard"
	// ReasonWholeMesh: "mesh/NAME/virtualNode/*", every virtual node of a mesh, asked for
	// with [ProxyOptions.Meshes]; broader than naming the nodes.
	ReasonWholeMesh = "whole-mesh"
	// ReasonLayerObjects: "*" as the object key in ECR's layer bucket; ECR chooses the
	// keys of image layers, so they cannot be named in advance.
	ReasonLayerObjects = "ecr-layer-objects"
	// ReasonPresignedPrincipal: Principal "*" in the S3 gateway endpoint policy; layer
	// downloads use pre-signed URLs signed by ECR, not by the puller's role, so no
	// narrower principal works.
	ReasonPresignedPrincipal = "presigned-url-principal"
	// ReasonCachePrefix: "repository/PREFIX/*" for ecr:BatchImportUpstreamImage and
	// ecr:CreateRepository, asked for with [PullOptions.PullThroughCaches]: the
	// repositories a pull-through cache creates under its prefix on first pull.
	ReasonCachePrefix = "pull-through-cache-prefix"
	// ReasonResourcePattern: any other wildcard in a resource ARN (such as a user's
	// "repository/team/*"); a choice of the policy's author.
	ReasonResourcePattern = "resource-pattern"
)

// WildcardReason explains one wildcard of a document: a Resource "*", a resource ARN
// with "*" or "?" in it, or a Principal "*".
type WildcardReason struct {
	// Statement is the statement's index; Sid its Sid.
	Statement int
	Sid       string
	// Element is "Resource" or "Principal"; Value is the wildcard element itself ("*" or
	// an ARN pattern).
	Element, Value string
	// Actions are the statement's actions.
	Actions []string
	// Required reports whether IAM (or the way ECR serves layers) allows nothing
	// narrower. It is false for broader forms a caller opted into
	// ([ReasonRegionWildcard], [ReasonWholeMesh]) and for other patterns.
	Required bool
	// Code is one of the Reason constants.
	Code string
	// Scopable lists, for Resource "*", the actions that support resource-level
	// permissions (empty when Required).
	Scopable []string
	// Detail is a sentence for people.
	Detail string
}

// WildcardReasons explains every wildcard of d, in statement order: each Resource "*"
// (whether IAM allows anything narrower for the statement's actions, by the action table
// [ActionTableSource]; actions of services outside the table, and action wildcards,
// count as scopable), each resource ARN containing "*" or "?", and each Principal "*".
// Every wildcard the builders emit has a Code here, so tools can show why a linter's
// "wildcard resource" finding does not apply, or that it was asked for.
func WildcardReasons(d Document) []WildcardReason {
	var out []WildcardReason
	for i, s := range d.Statement {
		base := WildcardReason{Statement: i, Sid: s.Sid, Actions: sortedSet(s.Action)}
		if s.Principal.isAll() || sliceHas(s.Principal["AWS"], "*") {
			w := base
			w.Element, w.Value = "Principal", "*"
			if isLayerBucketStatement(s) {
				w.Required, w.Code = true, ReasonPresignedPrincipal
				w.Detail = `Principal "*": ECR's layer downloads use pre-signed URLs signed by ECR, not by the puller's role, so the endpoint policy cannot name a narrower principal`
			} else {
				w.Code = ReasonResourcePattern
				w.Detail = `Principal "*" applies to everyone who reaches the resource`
			}
			out = append(out, w)
		}
		for _, r := range sortedSet(s.Resource) {
			switch {
			case r == "*":
				out = append(out, starReason(base, s))
			case strings.ContainsAny(r, "*?"):
				out = append(out, patternReason(base, r))
			}
		}
	}
	return out
}

func sliceHas(v []string, x string) bool {
	for _, s := range v {
		if s == x {
			return true
		}
	}
	return false
}

var layerBucketPattern = lazyregexp.New(`^arn:[a-z-]+:s3:::prod-([a-z0-9*-]+)-starport-layer-bucket/\*$`)

// isLayerBucketStatement reports whether s is an s3:GetObject grant on ECR's layer
// buckets only, as [EndpointPolicy] writes it.
func isLayerBucketStatement(s Statement) bool {
	if len(s.Resource) == 0 || len(s.Action) != 1 || !strings.EqualFold(s.Action[0], "s3:GetObject") {
		return false
	}
	for _, r := range s.Resource {
		if !layerBucketPattern().MatchString(r) {
			return false
		}
	}
	return true
}

func starReason(w WildcardReason, s Statement) WildcardReason {
	w.Element, w.Value = "Resource", "*"
	for _, a := range w.Actions {
		if !wildcardOnly(a) {
			w.Scopable = append(w.Scopable, a)
		}
	}
	if len(s.NotAction) > 0 {
		w.Scopable = append(w.Scopable, "NotAction")
	}
	w.Required = len(w.Scopable) == 0
	if w.Required {
		w.Code = ReasonNoResourceLevel
		w.Detail = strings.Join(w.Actions, ", ") + `: no resource-level permissions; IAM requires Resource "*" (Service Authorization Reference)`
	} else {
		w.Code = ReasonScopable
		w.Detail = strings.Join(w.Scopable, ", ") + ` can be limited to named resources; "*" grants more than needed`
	}
	return w
}

func patternReason(w WildcardReason, r string) WildcardReason {
	w.Element, w.Value = "Resource", r
	a, ok := splitARN(r)
	switch {
	case ok && a.Service == "s3" && layerBucketPattern().MatchString(r):
		if m := layerBucketPattern().FindStringSubmatch(r); strings.Contains(m[1], "*") {
			w.Code = ReasonRegionWildcard
			w.Detail = "ECR's layer buckets of every region (region-wildcard form); the object key is \"*\" because ECR chooses the layer keys"
		} else {
			w.Required, w.Code = true, ReasonLayerObjects
			w.Detail = "ECR chooses the object keys of image layers, so the objects of its layer bucket cannot be named in advance"
		}
	case ok && strings.ContainsAny(a.Region, "*?") && !strings.ContainsAny(a.Partition+a.Service+a.AccountID+a.Resource, "*?"):
		w.Code = ReasonRegionWildcard
		w.Detail = "region-wildcard form: the same resource in every region of the partition, including regions not listed"
	case ok && a.Service == "appmesh" && strings.HasSuffix(a.Resource, "/virtualNode/*") &&
		!strings.ContainsAny(a.Partition+a.Region+a.AccountID+strings.TrimSuffix(a.Resource, "*"), "*?"):
		w.Code = ReasonWholeMesh
		w.Detail = "every virtual node of the mesh, including nodes created later; broader than naming the nodes"
	case ok && a.Service == "ecr" && strings.HasSuffix(a.Resource, "/*") && onlyCacheImport(w.Actions) &&
		!strings.ContainsAny(a.Partition+a.Region+a.AccountID+strings.TrimSuffix(a.Resource, "*"), "*?"):
		w.Code = ReasonCachePrefix
		w.Detail = "the repositories a pull-through cache creates under its prefix on the first pull of each image (ECR User Guide, pull-through cache permissions)"
	default:
		w.Code = ReasonResourcePattern
		w.Detail = "a resource pattern chosen by the policy's author"
	}
	return w
}

// onlyCacheImport reports whether actions are the first-pull actions of a pull-through
// cache and nothing else.
func onlyCacheImport(actions []string) bool {
	for _, a := range actions {
		if !strings.EqualFold(a, "ecr:BatchImportUpstreamImage") && !strings.EqualFold(a, "ecr:CreateRepository") {
			return false
		}
	}
	return len(actions) > 0
}
