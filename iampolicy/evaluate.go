package iampolicy

import (
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/arn"
)

// Decision is the answer of [Evaluate]. The zero value is [ImplicitDeny].
type Decision int

// Decisions. Their strings are those of the EvalDecision values of IAM's
// SimulateCustomPolicy, plus "unsupported".
const (
	// ImplicitDeny means no statement allows the call (and none denies it).
	ImplicitDeny Decision = iota
	// Allow means an Allow statement matches and no Deny statement does.
	Allow
	// ExplicitDeny means a Deny statement matches.
	ExplicitDeny
	// Unsupported means the answer depends on something Evaluate cannot know: a matching
	// statement has a Condition, a Principal or NotPrincipal, or a policy variable such
	// as ${aws:username} in a resource.
	Unsupported
)

// String returns "allowed", "explicitDeny", "implicitDeny" or "unsupported".
func (d Decision) String() string {
	switch d {
	case ImplicitDeny:
		return "implicitDeny"
	case Allow:
		return "allowed"
	case ExplicitDeny:
		return "explicitDeny"
	case Unsupported:
		return "unsupported"
	}
	return "Decision(" + strconv.Itoa(int(d)) + ")"
}

// Evaluate answers locally whether the identity policy doc allows action (such as
// "ecr:BatchGetImage") on resource (an ARN, or "*" for actions that support no
// resource-level permissions), with IAM's evaluation logic for one policy:
//
//   - a matching Deny statement wins ([ExplicitDeny]); else a matching Allow statement
//     allows ([Allow]); else the call is denied by default ([ImplicitDeny]);
//   - a statement matches when its Action matches (or its NotAction does not) and its
//     Resource matches (or its NotResource does not); a nil and an empty list both mean
//     the element is absent, as in the JSON [Document.MarshalJSON] writes, so Evaluate
//     gives the same answer for a valid document and for its JSON read back with [Parse];
//   - "*" matches any run of characters and "?" exactly one; actions match without
//     regard to case, resources with regard to case; in ARNs a wildcard in the partition,
//     service, region or account part stays within that part; a request resource "*" is
//     matched only by the policy resource "*";
//   - a statement that would match but has a Condition, a Principal or NotPrincipal, or
//     a policy variable in a resource, makes the answer [Unsupported] unless an
//     unconditional Deny decides it anyway (a conditional Deny is also Unsupported when
//     nothing allows the call: denied either way, but explicitly or implicitly depends on
//     the condition).
//
// Evaluate does not consult AWS and knows nothing of other policies (resource policies,
// permission boundaries, SCPs) that also take part in a real decision. Statements with an
// Effect other than Allow or Deny are ignored; [Document.Validate] reports them.
func Evaluate(doc Document, action, resource string) Decision {
	var allow, maybeAllow, maybeDeny bool
	for _, s := range doc.Statement {
		if s.Effect != EffectAllow && s.Effect != EffectDeny {
			continue
		}
		if !s.matchesAction(action) {
			continue
		}
		match, variable := s.matchesResource(resource)
		if !match && !variable {
			continue
		}
		conditional := variable || len(s.Condition) > 0 || len(s.Principal) > 0 || len(s.NotPrincipal) > 0
		switch {
		case s.Effect == EffectDeny && !conditional:
			return ExplicitDeny
		case s.Effect == EffectDeny:
			maybeDeny = true
		case !conditional:
			allow = true
		default:
			maybeAllow = true
		}
	}
	switch {
	case maybeDeny:
		return Unsupported
	case allow:
		return Allow
	case maybeAllow:
		return Unsupported
	}
	return ImplicitDeny
}

func (s Statement) matchesAction(action string) bool {
	a := strings.ToLower(action)
	// Empty and nil lists both mean "absent", as in the marshalled JSON.
	if len(s.Action) > 0 || len(s.NotAction) == 0 {
		for _, p := range s.Action {
			if globMatch(strings.ToLower(p), a) {
				return true
			}
		}
		return false
	}
	for _, p := range s.NotAction {
		if globMatch(strings.ToLower(p), a) {
			return false
		}
	}
	return true
}

// matchesResource reports whether the statement's resources match resource, and whether
// a policy variable leaves that open.
func (s Statement) matchesResource(resource string) (match, variable bool) {
	if len(s.Resource) == 0 && len(s.NotResource) == 0 {
		// Resource-based policies may omit Resource; identity policies may not
		// (Validate says so). Treat absence as "every resource".
		return true, false
	}
	list, negated := s.Resource, false
	if len(s.Resource) == 0 {
		list, negated = s.NotResource, true
	}
	for _, p := range list {
		if strings.Contains(p, "${") {
			variable = true
			continue
		}
		if resourceMatch(p, resource) {
			return !negated, false
		}
	}
	if variable {
		return false, true
	}
	return negated, false
}

// resourceMatch reports whether the policy resource pattern p matches the request
// resource r.
func resourceMatch(p, r string) bool {
	if p == "*" {
		return true
	}
	if r == "*" {
		return false
	}
	pa, pok := splitARN(p)
	if !pok && strings.HasPrefix(p, "arn:") && strings.ContainsAny(p, "*?") {
		pa, pok = shortARN(p), true
	}
	ra, rok := splitARN(r)
	if !pok || !rok {
		return pok == rok && globMatch(p, r)
	}
	return globMatch(pa.Partition, ra.Partition) &&
		globMatch(pa.Service, ra.Service) &&
		globMatch(pa.Region, ra.Region) &&
		globMatch(pa.AccountID, ra.AccountID) &&
		globMatch(pa.Resource, ra.Resource)
}

// shortARN reads an ARN pattern with fewer than six parts, such as "arn:aws:ecr:*": the
// missing parts are "*", which IAM lets them match.
func shortARN(p string) arn.ARN {
	parts := strings.Split(p, ":")[1:] // after "arn"
	part := func(i int) string {
		if i < len(parts) {
			return parts[i]
		}
		return "*"
	}
	return arn.ARN{Partition: part(0), Service: part(1), Region: part(2), AccountID: part(3), Resource: part(4)}
}
