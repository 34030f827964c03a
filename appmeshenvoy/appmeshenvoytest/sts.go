package appmeshenvoytest

import (
	"crypto/sha256"
	"encoding/base32"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/arn"
)

var stsOps = map[string]handlerFunc{
	"GetCallerIdentity": (*Server).stsGetCallerIdentity,
	"AssumeRole":        (*Server).stsAssumeRole,
}

// userID returns a stable IAM user ID ("AIDA...") for a user name.
func userID(prefix, name string) string {
	sum := sha256.Sum256([]byte(name))
	return prefix + strings.ToUpper(base32.StdEncoding.EncodeToString(sum[:])[:17])
}

func (s *Server) stsGetCallerIdentity(c *call) (any, *AWSError) {
	c.resources = []string{"*"}
	principal := c.principal
	if principal == "" {
		principal = arn.ARN{Partition: partitionID(c.region), Service: "iam", AccountID: c.account, Resource: "user/" + c.user}.String()
	}
	return struct {
		Arn     string `xml:"Arn"`
		UserID  string `xml:"UserId"`
		Account string `xml:"Account"`
	}{
		Arn:     principal,
		UserID:  userID("AIDA", c.account+"/"+c.user),
		Account: c.account,
	}, nil
}
