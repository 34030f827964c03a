package appmeshenvoytest

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/aws/aws-sdk-go-v2/aws/arn"
)

var iamOps = map[string]handlerFunc{
	"GetRole":                  (*Server).iamGetRole,
	"PutRolePolicy":            (*Server).iamPutRolePolicy,
	"GetRolePolicy":            (*Server).iamGetRolePolicy,
	"CreatePolicy":             (*Server).iamCreatePolicy,
	"GetPolicy":                (*Server).iamGetPolicy,
	"CreatePolicyVersion":      (*Server).iamCreatePolicyVersion,
	"ListPolicyVersions":       (*Server).iamListPolicyVersions,
	"DeletePolicyVersion":      (*Server).iamDeletePolicyVersion,
	"GetPolicyVersion":         (*Server).iamGetPolicyVersion,
	"AttachRolePolicy":         (*Server).iamAttachRolePolicy,
	"ListAttachedRolePolicies": (*Server).iamListAttachedRolePolicies,
}

// IAM limits this server enforces, as IAM does.
const (
	maxPolicyVersions   = 5
	maxManagedPolicy    = 6144
	maxInlinePerRole    = 10240
	defaultTrustPolicy  = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	iamTimeFormat       = "2006-01-02T15:04:05Z"
	iamMaxSessionLength = 3600
)

type iamAccount struct {
	roles    map[string]*iamRole
	policies map[string]*iamPolicy // by name: names are unique per account, whatever the path
}

type iamRole struct {
	name, id string
	created  time.Time
	inline   map[string]string
	attached []string // policy ARNs, in attachment order
}

type iamPolicy struct {
	name, path, id string
	description    string
	created        time.Time
	updated        time.Time
	versions       []*iamVersion // oldest first
	next           int
	defaultID      string
	attachments    int
}

type iamVersion struct {
	id      string
	doc     string
	created time.Time
}

// PolicyVersion is one version of a managed policy, as reported by
// [Server.ManagedPolicyVersions].
type PolicyVersion struct {
	// VersionID is the version, such as "v2".
	VersionID string
	// Document is the policy document, decoded.
	Document string
	// IsDefault reports whether this is the policy's default version.
	IsDefault bool
	// Created is when the version was created.
	Created time.Time
}

func (s *Server) accountLocked(account string) *iamAccount {
	a := s.iam[account]
	if a == nil {
		a = &iamAccount{roles: map[string]*iamRole{}, policies: map[string]*iamPolicy{}}
		s.iam[account] = a
	}
	return a
}

// AddRole creates the IAM role name (path "/", trusted by ECS tasks) in account
// [AccountID]; an existing role is kept as it is.
func (s *Server) AddRole(name string) { s.AddRoleInAccount(AccountID, name) }

// AddRoleInAccount creates the IAM role name in account, like [Server.AddRole].
func (s *Server) AddRoleInAccount(account, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.accountLocked(account)
	if a.roles[name] == nil {
		a.roles[name] = &iamRole{name: name, id: userID("AROA", account+"/"+name), created: s.now(), inline: map[string]string{}}
	}
}

// RolePolicy returns the document of the inline policy name of role in account
// [AccountID], decoded, and whether it exists.
func (s *Server) RolePolicy(role, name string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.accountLocked(AccountID).roles[role]
	if r == nil {
		return "", false
	}
	doc, ok := r.inline[name]
	return doc, ok
}

// AttachedPolicies returns the ARNs of the managed policies attached to role in account
// [AccountID], in attachment order.
func (s *Server) AttachedPolicies(role string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.accountLocked(AccountID).roles[role]
	if r == nil {
		return nil
	}
	return append([]string(nil), r.attached...)
}

// ManagedPolicyVersions returns the versions of the customer managed policy with ARN
// policyARN, oldest first, or nil if there is no such policy.
func (s *Server) ManagedPolicyVersions(policyARN string) []PolicyVersion {
	s.mu.Lock()
	defer s.mu.Unlock()
	account, name, ok := parsePolicyARN(policyARN)
	if !ok {
		return nil
	}
	p := s.accountLocked(account).policies[name]
	if p == nil {
		return nil
	}
	out := make([]PolicyVersion, len(p.versions))
	for i, v := range p.versions {
		out[i] = PolicyVersion{VersionID: v.id, Document: v.doc, IsDefault: v.id == p.defaultID, Created: v.created}
	}
	return out
}

// parsePolicyARN splits "arn:<partition>:iam::<account>:policy/<path>/<name>".
func parsePolicyARN(s string) (account, name string, ok bool) {
	a, err := arn.Parse(s)
	if err != nil || a.Service != "iam" || a.Region != "" || !strings.HasPrefix(a.Resource, "policy/") {
		return "", "", false
	}
	return a.AccountID, a.Resource[strings.LastIndex(a.Resource, "/")+1:], true
}

func (c *call) policyARN(p *iamPolicy) string {
	return arn.ARN{Partition: partitionID(c.region), Service: "iam", AccountID: c.account, Resource: "policy" + p.path + p.name}.String()
}

func iamErr(code string, status int, msg string) *AWSError {
	return &AWSError{Code: code, Status: status, Message: msg}
}

func noSuchEntity(msg string) *AWSError { return iamErr("NoSuchEntity", http.StatusNotFound, msg) }

func required(c *call, names ...string) *AWSError {
	for _, n := range names {
		if c.form.Get(n) == "" {
			return iamErr("ValidationError", http.StatusBadRequest,
				"1 validation error detected: Value null at '"+lowerFirst(n)+"' failed to satisfy constraint: Member must not be null")
		}
	}
	return nil
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// encodeDocument URL-encodes a policy document the way IAM returns it.
func encodeDocument(doc string) string {
	return strings.ReplaceAll(url.QueryEscape(doc), "+", "%20")
}

// checkDocument answers MalformedPolicyDocument for a document that is not a JSON
// object with a Statement, and returns its size without whitespace.
// checkManagedDocument is checkDocument plus the managed-policy size quota.
func checkManagedDocument(doc string) *AWSError {
	size, err := checkDocument(doc)
	if err != nil {
		return err
	}
	if size > maxManagedPolicy {
		return iamErr("LimitExceeded", http.StatusConflict, "Cannot exceed quota for PolicySize: "+strconv.Itoa(maxManagedPolicy))
	}
	return nil
}

func checkDocument(doc string) (int, *AWSError) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(doc), &m); err != nil {
		return 0, iamErr("MalformedPolicyDocument", http.StatusBadRequest, "Syntax errors in policy.")
	}
	if _, ok := m["Statement"]; !ok {
		return 0, iamErr("MalformedPolicyDocument", http.StatusBadRequest, "Missing required field Statement")
	}
	n := 0
	for _, r := range doc {
		if !unicode.IsSpace(r) {
			n++
		}
	}
	return n, nil
}

type xmlRole struct {
	Path                     string `xml:"Path"`
	RoleName                 string `xml:"RoleName"`
	RoleID                   string `xml:"RoleId"`
	Arn                      string `xml:"Arn"`
	CreateDate               string `xml:"CreateDate"`
	AssumeRolePolicyDocument string `xml:"AssumeRolePolicyDocument"`
	MaxSessionDuration       int    `xml:"MaxSessionDuration"`
}

type xmlPolicy struct {
	PolicyName                    string `xml:"PolicyName"`
	PolicyID                      string `xml:"PolicyId"`
	Arn                           string `xml:"Arn"`
	Path                          string `xml:"Path"`
	DefaultVersionID              string `xml:"DefaultVersionId"`
	AttachmentCount               int    `xml:"AttachmentCount"`
	PermissionsBoundaryUsageCount int    `xml:"PermissionsBoundaryUsageCount"`
	IsAttachable                  bool   `xml:"IsAttachable"`
	Description                   string `xml:"Description,omitempty"`
	CreateDate                    string `xml:"CreateDate"`
	UpdateDate                    string `xml:"UpdateDate"`
}

type xmlPolicyVersion struct {
	Document         string `xml:"Document,omitempty"`
	VersionID        string `xml:"VersionId"`
	IsDefaultVersion bool   `xml:"IsDefaultVersion"`
	CreateDate       string `xml:"CreateDate"`
}

func (c *call) xmlPolicy(p *iamPolicy, withDescription bool) xmlPolicy {
	x := xmlPolicy{
		PolicyName: p.name, PolicyID: p.id, Arn: c.policyARN(p), Path: p.path,
		DefaultVersionID: p.defaultID, AttachmentCount: p.attachments, IsAttachable: true,
		CreateDate: p.created.Format(iamTimeFormat), UpdateDate: p.updated.Format(iamTimeFormat),
	}
	if withDescription {
		x.Description = p.description
	}
	return x
}

func (s *Server) roleLocked(c *call) (*iamRole, *AWSError) {
	name := c.form.Get("RoleName")
	r := s.accountLocked(c.account).roles[name]
	if r == nil {
		return nil, noSuchEntity("The role with name " + name + " cannot be found.")
	}
	return r, nil
}

func (s *Server) policyLocked(c *call) (*iamPolicy, *AWSError) {
	arn := c.form.Get("PolicyArn")
	account, name, ok := parsePolicyARN(arn)
	if !ok {
		return nil, iamErr("InvalidInput", http.StatusBadRequest, "ARN "+arn+" is not valid.")
	}
	var p *iamPolicy
	if account == c.account {
		p = s.accountLocked(c.account).policies[name]
	}
	if p == nil || c.policyARN(p) != arn {
		return nil, noSuchEntity("Policy " + arn + " does not exist or is not attachable.")
	}
	return p, nil
}

// page returns the slice bounds of one page of n items for the Marker and MaxItems of
// the request, and the marker of the next page ("" on the last page).
func (s *Server) page(c *call, n int) (start, end int, next string, aerr *AWSError) {
	size := s.opts.pageSize
	if v := c.form.Get("MaxItems"); v != "" {
		m, err := strconv.Atoi(v)
		if err != nil || m < 1 || m > 1000 {
			return 0, 0, "", iamErr("ValidationError", http.StatusBadRequest,
				"1 validation error detected: Value '"+v+"' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 1000")
		}
		size = m
	}
	from := 0
	if m := c.form.Get("Marker"); m != "" {
		b, err := base64.RawURLEncoding.DecodeString(m)
		idx, ok := strings.CutPrefix(string(b), "appmeshenvoytest-marker:")
		i, err2 := strconv.Atoi(idx)
		if err != nil || !ok || err2 != nil || i < 0 || i > n {
			return 0, 0, "", iamErr("InvalidInput", http.StatusBadRequest, "Invalid Marker.")
		}
		from = i
	}
	end = min(from+size, n)
	if end < n {
		next = base64.RawURLEncoding.EncodeToString([]byte("appmeshenvoytest-marker:" + strconv.Itoa(end)))
	}
	return from, end, next, nil
}

func (s *Server) iamGetRole(c *call) (any, *AWSError) {
	if err := required(c, "RoleName"); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.roleLocked(c)
	if err != nil {
		return nil, err
	}
	return struct {
		Role xmlRole `xml:"Role"`
	}{xmlRole{
		Path: "/", RoleName: r.name, RoleID: r.id,
		Arn:                      arn.ARN{Partition: partitionID(c.region), Service: "iam", AccountID: c.account, Resource: "role/" + r.name}.String(),
		CreateDate:               r.created.Format(iamTimeFormat),
		AssumeRolePolicyDocument: encodeDocument(defaultTrustPolicy),
		MaxSessionDuration:       iamMaxSessionLength,
	}}, nil
}

func (s *Server) iamPutRolePolicy(c *call) (any, *AWSError) {
	if err := required(c, "RoleName", "PolicyName", "PolicyDocument"); err != nil {
		return nil, err
	}
	doc := c.form.Get("PolicyDocument")
	size, err := checkDocument(doc)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.roleLocked(c)
	if err != nil {
		return nil, err
	}
	name := c.form.Get("PolicyName")
	total := size
	for n, d := range r.inline {
		if n != name {
			sz, _ := checkDocument(d)
			total += sz
		}
	}
	if total > maxInlinePerRole {
		return nil, iamErr("LimitExceeded", http.StatusConflict,
			"Maximum policy size of "+strconv.Itoa(maxInlinePerRole)+" bytes exceeded for role "+r.name)
	}
	r.inline[name] = doc
	return nil, nil
}

func (s *Server) iamGetRolePolicy(c *call) (any, *AWSError) {
	if err := required(c, "RoleName", "PolicyName"); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.roleLocked(c)
	if err != nil {
		return nil, err
	}
	name := c.form.Get("PolicyName")
	doc, ok := r.inline[name]
	if !ok {
		return nil, noSuchEntity("The role policy with name " + name + " cannot be found.")
	}
	return struct {
		RoleName       string `xml:"RoleName"`
		PolicyName     string `xml:"PolicyName"`
		PolicyDocument string `xml:"PolicyDocument"`
	}{r.name, name, encodeDocument(doc)}, nil
}

func (s *Server) iamCreatePolicy(c *call) (any, *AWSError) {
	if err := required(c, "PolicyName", "PolicyDocument"); err != nil {
		return nil, err
	}
	doc := c.form.Get("PolicyDocument")
	if err := checkManagedDocument(doc); err != nil {
		return nil, err
	}
	path := c.form.Get("Path")
	if path == "" {
		path = "/"
	}
	if !strings.HasPrefix(path, "/") || !strings.HasSuffix(path, "/") {
		return nil, iamErr("ValidationError", http.StatusBadRequest, "The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters.")
	}
	name := c.form.Get("PolicyName")
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.accountLocked(c.account)
	if a.policies[name] != nil {
		return nil, iamErr("EntityAlreadyExists", http.StatusConflict, "A policy called "+name+" already exists. Duplicate names are not allowed.")
	}
	now := s.now()
	p := &iamPolicy{
		name: name, path: path, id: userID("ANPA", c.account+"/"+name), description: c.form.Get("Description"),
		created: now, updated: now, next: 2, defaultID: "v1",
		versions: []*iamVersion{{id: "v1", doc: doc, created: now}},
	}
	a.policies[name] = p
	return struct {
		Policy xmlPolicy `xml:"Policy"`
	}{c.xmlPolicy(p, false)}, nil
}

func (s *Server) iamGetPolicy(c *call) (any, *AWSError) {
	if err := required(c, "PolicyArn"); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.policyLocked(c)
	if err != nil {
		return nil, err
	}
	return struct {
		Policy xmlPolicy `xml:"Policy"`
	}{c.xmlPolicy(p, true)}, nil
}

func (s *Server) iamCreatePolicyVersion(c *call) (any, *AWSError) {
	if err := required(c, "PolicyArn", "PolicyDocument"); err != nil {
		return nil, err
	}
	doc := c.form.Get("PolicyDocument")
	if err := checkManagedDocument(doc); err != nil {
		return nil, err
	}
	setDefault := strings.EqualFold(c.form.Get("SetAsDefault"), "true")
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.policyLocked(c)
	if err != nil {
		return nil, err
	}
	if len(p.versions) >= maxPolicyVersions {
		return nil, iamErr("LimitExceeded", http.StatusConflict,
			"A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.")
	}
	now := s.now()
	v := &iamVersion{id: "v" + strconv.Itoa(p.next), doc: doc, created: now}
	p.next++
	p.versions = append(p.versions, v)
	p.updated = now
	if setDefault {
		p.defaultID = v.id
	}
	return struct {
		PolicyVersion xmlPolicyVersion `xml:"PolicyVersion"`
	}{p.xmlVersion(v, false)}, nil
}

func (s *Server) iamListPolicyVersions(c *call) (any, *AWSError) {
	if err := required(c, "PolicyArn"); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.policyLocked(c)
	if err != nil {
		return nil, err
	}
	// IAM lists the newest version first.
	all := make([]xmlPolicyVersion, 0, len(p.versions))
	for i := len(p.versions) - 1; i >= 0; i-- {
		v := p.versions[i]
		all = append(all, p.xmlVersion(v, false))
	}
	start, end, next, err := s.page(c, len(all))
	if err != nil {
		return nil, err
	}
	return struct {
		Versions    []xmlPolicyVersion `xml:"Versions>member"`
		IsTruncated bool               `xml:"IsTruncated"`
		Marker      string             `xml:"Marker,omitempty"`
	}{all[start:end], next != "", next}, nil
}

// xmlVersion is version v of p as IAM lists it, with its URL-encoded document when
// withDocument is set (GetPolicyVersion).
func (p *iamPolicy) xmlVersion(v *iamVersion, withDocument bool) xmlPolicyVersion {
	x := xmlPolicyVersion{VersionID: v.id, IsDefaultVersion: v.id == p.defaultID, CreateDate: v.created.Format(iamTimeFormat)}
	if withDocument {
		x.Document = encodeDocument(v.doc)
	}
	return x
}

func (s *Server) findVersionLocked(c *call, p *iamPolicy) (int, *AWSError) {
	id := c.form.Get("VersionId")
	for i, v := range p.versions {
		if v.id == id {
			return i, nil
		}
	}
	return -1, noSuchEntity("Policy " + c.policyARN(p) + " version " + id + " does not exist or is not attachable.")
}

func (s *Server) iamDeletePolicyVersion(c *call) (any, *AWSError) {
	if err := required(c, "PolicyArn", "VersionId"); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.policyLocked(c)
	if err != nil {
		return nil, err
	}
	i, err := s.findVersionLocked(c, p)
	if err != nil {
		return nil, err
	}
	if p.versions[i].id == p.defaultID {
		return nil, iamErr("DeleteConflict", http.StatusConflict, "Cannot delete the default version of a policy.")
	}
	p.versions = append(p.versions[:i], p.versions[i+1:]...)
	return nil, nil
}

func (s *Server) iamGetPolicyVersion(c *call) (any, *AWSError) {
	if err := required(c, "PolicyArn", "VersionId"); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.policyLocked(c)
	if err != nil {
		return nil, err
	}
	i, err := s.findVersionLocked(c, p)
	if err != nil {
		return nil, err
	}
	v := p.versions[i]
	return struct {
		PolicyVersion xmlPolicyVersion `xml:"PolicyVersion"`
	}{p.xmlVersion(v, true)}, nil
}

// isAWSManaged reports whether arn names an AWS managed policy
// ("arn:<partition>:iam::aws:policy/...").
func isAWSManaged(arn string) bool {
	account, _, ok := parsePolicyARN(arn)
	return ok && account == "aws"
}

func (s *Server) iamAttachRolePolicy(c *call) (any, *AWSError) {
	if err := required(c, "RoleName", "PolicyArn"); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.roleLocked(c)
	if err != nil {
		return nil, err
	}
	arn := c.form.Get("PolicyArn")
	var p *iamPolicy
	if !isAWSManaged(arn) {
		if p, err = s.policyLocked(c); err != nil {
			return nil, err
		}
	}
	for _, a := range r.attached {
		if a == arn {
			return nil, nil
		}
	}
	r.attached = append(r.attached, arn)
	if p != nil {
		p.attachments++
	}
	return nil, nil
}

func (s *Server) iamListAttachedRolePolicies(c *call) (any, *AWSError) {
	if err := required(c, "RoleName"); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.roleLocked(c)
	if err != nil {
		return nil, err
	}
	type attached struct {
		PolicyName string `xml:"PolicyName"`
		PolicyArn  string `xml:"PolicyArn"`
	}
	prefix := c.form.Get("PathPrefix")
	var all []attached
	for _, arn := range r.attached {
		_, name, _ := parsePolicyARN(arn)
		res := arn[strings.Index(arn, ":policy/")+len(":policy"):]
		if prefix != "" && !strings.HasPrefix(res, prefix) {
			continue
		}
		all = append(all, attached{PolicyName: name, PolicyArn: arn})
	}
	start, end, next, err := s.page(c, len(all))
	if err != nil {
		return nil, err
	}
	return struct {
		AttachedPolicies []attached `xml:"AttachedPolicies>member"`
		IsTruncated      bool       `xml:"IsTruncated"`
		Marker           string     `xml:"Marker,omitempty"`
	}{all[start:end], next != "", next}, nil
}
