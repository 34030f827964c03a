package appmeshenvoytest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/arn"

	"github.com/appmesh-envoy/appmesh-envoy-go/internal/lazyregexp"
)

// AssumeRole limits, as the STS API Reference gives them
// (https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html): a session
// name of 2 to 64 characters of [\w+=,.@-], a duration from 900 seconds to the role's
// maximum session duration (3600 seconds for the roles of this server).
const (
	minSessionSeconds = 900
	maxSessions       = 10000 // distinct temporary identities the server keeps
)

var sessionNamePattern = lazyregexp.New(`^[\w+=,.@-]{2,64}$`)

// stsAssumeRole answers STS AssumeRole for a role that exists in its account (see
// [Server.AddRoleInAccount] and [ECSSeed.Roles]) with temporary credentials that sign as
// the role: later calls made with them belong to the role's account, and the operation
// log records them under the assumed-role ARN
// ("arn:aws:sts::111122223333:assumed-role/NAME/SESSION"). The trust policy is not
// evaluated: any caller may assume any role that exists. A role that does not exist is
// AccessDenied, as STS answers when the role cannot be assumed. The same role and
// session name always give the same credentials, so repeated calls do not grow the
// server's state; the session token is not checked on later calls.
func (s *Server) stsAssumeRole(c *call) (any, *AWSError) {
	roleARN := c.form.Get("RoleArn")
	session := c.form.Get("RoleSessionName")
	c.resources = []string{roleARN}
	if roleARN == "" {
		return nil, stsValidation("1 validation error detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null")
	}
	if !sessionNamePattern().MatchString(session) {
		return nil, stsValidation("1 validation error detected: Value at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*")
	}
	duration := 3600
	if d := c.form.Get("DurationSeconds"); d != "" {
		n, err := strconv.Atoi(d)
		if err != nil || n < minSessionSeconds {
			return nil, stsValidation("1 validation error detected: Value '" + clip(d, 16) + "' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900")
		}
		if n > iamMaxSessionLength {
			return nil, stsValidation("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
		}
		duration = n
	}
	a, err := arn.Parse(roleARN)
	path, isRole := strings.CutPrefix(a.Resource, "role/")
	if err != nil || a.Service != "iam" || !isRole || !isAccount(a.AccountID) || path == "" {
		return nil, stsValidation(clip(roleARN, 64) + " is invalid")
	}
	name := path[strings.LastIndexByte(path, '/')+1:]
	s.mu.Lock()
	defer s.mu.Unlock()
	acct := s.iam[a.AccountID]
	if acct == nil || acct.roles[name] == nil {
		return nil, &AWSError{Code: "AccessDenied", Status: http.StatusForbidden,
			Message: "User: " + principalARN(c.account, c.user, c.region) + " is not authorized to perform: sts:AssumeRole on resource: " + roleARN}
	}
	keyID, secret, token := s.sessionCredentials(roleARN, session)
	if _, known := s.creds[keyID]; !known && len(s.creds) >= maxSessions {
		return nil, stsValidation("appmeshenvoytest keeps at most 10000 sessions; start a new server")
	}
	assumed := arn.ARN{Partition: a.Partition, Service: "sts", AccountID: a.AccountID, Resource: "assumed-role/" + name + "/" + session}.String()
	s.creds[keyID] = identity{secret: secret, account: a.AccountID, user: name, arn: assumed}
	type credentials struct {
		AccessKeyID     string `xml:"AccessKeyId"`
		SecretAccessKey string `xml:"SecretAccessKey"`
		SessionToken    string `xml:"SessionToken"`
		Expiration      string `xml:"Expiration"`
	}
	type assumedUser struct {
		Arn           string `xml:"Arn"`
		AssumedRoleID string `xml:"AssumedRoleId"`
	}
	return struct {
		Credentials     credentials `xml:"Credentials"`
		AssumedRoleUser assumedUser `xml:"AssumedRoleUser"`
	}{
		Credentials: credentials{AccessKeyID: keyID, SecretAccessKey: secret, SessionToken: token,
			Expiration: s.now().Add(time.Duration(duration) * time.Second).Format(time.RFC3339)},
		AssumedRoleUser: assumedUser{Arn: assumed, AssumedRoleID: acct.roles[name].id + ":" + session},
	}, nil
}

// sessionCredentials derives the temporary credentials of a role session from the
// server's key: stable for the server's lifetime, different on every server.
func (s *Server) sessionCredentials(roleARN, session string) (keyID, secret, token string) {
	mac := func(label string) []byte {
		h := hmac.New(sha256.New, s.key[:])
		h.Write([]byte(label + "\x00" + roleARN + "\x00" + session))
		return h.Sum(nil)
	}
	keyID = "ASIA" + base32.StdEncoding.EncodeToString(mac("key"))[:16]
	secret = base64.RawStdEncoding.EncodeToString(mac("secret"))[:40]
	token = "appmeshenvoytest/" + base64.RawURLEncoding.EncodeToString(mac("token"))
	return keyID, secret, token
}

func stsValidation(msg string) *AWSError {
	return &AWSError{Code: "ValidationError", Status: http.StatusBadRequest, Message: msg}
}
