package iampolicy_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/appmesh-envoy/appmesh-envoy-go/iampolicy"
)

// TestPolicyJSONThatIsNotIAM: documents that are JSON (or nearly) but not IAM policies
// give clear errors from Parse or Validate.
func TestPolicyJSONThatIsNotIAM(t *testing.T) {
	const stmt = `{"Effect":"Allow","Action":"ssm:GetParameter","Resource":"arn:aws:ssm:us-west-2::parameter/aws/service/appmesh/envoy"}`
	tests := []struct {
		name, doc string
		// says is a piece of the error message that points at the problem.
		says string
	}{
		{"empty", ``, ""},
		{"null", `null`, ""},
		{"YAML", "Version: '2012-10-17'\nStatement:\n  - Effect: Allow\n", ""},
		{"docker config", `{"auths":{"840364872350.dkr.ecr.us-west-2.amazonaws.com":{"auth":"eDp5"}}}`, "auths"},
		{"CloudFormation wrapper", `{"PolicyName":"p","PolicyDocument":{"Version":"2012-10-17","Statement":[` + stmt + `]}}`, "Policy"},
		{"Terraform data source", `{"statement":[{"actions":["ssm:GetParameter"],"resources":["*"]}]}`, "Statement"},
		{"UTF-16", "\xff\xfe{\x00}\x00", ""},
		{"array of statements", `[` + stmt + `]`, ""},
		{"lower-case effect", `{"Version":"2012-10-17","Statement":[{"Effect":"allow","Action":"ssm:GetParameter","Resource":"*"}]}`, "Effect"},
		{"unknown version", `{"Version":"2012-10-18","Statement":[` + stmt + `]}`, "Version"},
		{"action without service", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"GetParameter","Resource":"*"}]}`, "GetParameter"},
		{"no resource", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ssm:GetParameter"}]}`, "Resource"},
		{"Action and NotAction", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ssm:GetParameter","NotAction":"ssm:PutParameter","Resource":"*"}]}`, "NotAction"},
		{"Sid with dashes", `{"Version":"2012-10-17","Statement":[{"Sid":"read-param","Effect":"Allow","Action":"ssm:GetParameter","Resource":"*"}]}`, "Sid"},
		{"control character", "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"A\",\"Effect\":\"Allow\",\"Action\":\"ssm:GetParameter\",\"Resource\":\"arn:aws:ssm:us-west-2::parameter/x\u0001\"}]}", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := iampolicy.Parse([]byte(tt.doc))
			if err == nil {
				err = doc.Validate()
			}
			if err == nil {
				t.Fatal("accepted as an IAM policy")
			}
			if !errors.Is(err, iampolicy.ErrInvalidPolicy) {
				t.Errorf("err = %v, want ErrInvalidPolicy", err)
			}
			if tt.says != "" && !strings.Contains(err.Error(), tt.says) {
				t.Errorf("error %q does not point at %q", err, tt.says)
			}
			if strings.ContainsAny(err.Error(), "\x00\x01") {
				t.Errorf("error %q carries control characters", err)
			}
		})
	}
}
