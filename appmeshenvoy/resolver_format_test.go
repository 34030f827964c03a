package appmeshenvoy

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

func TestResolverNeverPrintsCredentials(t *testing.T) {
	const secret = "resolver-format-secret-key"
	r := NewResolver(aws.Config{Region: "us-west-2", Credentials: credentials.NewStaticCredentialsProvider("AKIDFORMAT", secret, "session-token-format")})
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		for _, v := range []any{r, []any{r}, struct{ R *Resolver }{r}} {
			out := fmt.Sprintf(verb, v)
			if strings.Contains(out, secret) || strings.Contains(out, "session-token-format") {
				t.Errorf("fmt %s of a %T prints the credentials", verb, v)
			}
		}
	}
	var nilResolver *Resolver
	if got := fmt.Sprintf("%v", nilResolver); got != "<uninitialized appmeshenvoy.Resolver>" {
		t.Errorf("nil resolver prints %q", got)
	}
}
