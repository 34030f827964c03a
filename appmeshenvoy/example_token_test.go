package appmeshenvoy_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
)

// tokenExampleECR answers GetAuthorizationToken like ECR does, with a fixed password.
type tokenExampleECR struct{ now time.Time }

func (f tokenExampleECR) GetAuthorizationToken(context.Context, *ecr.GetAuthorizationTokenInput, ...func(*ecr.Options)) (*ecr.GetAuthorizationTokenOutput, error) {
	return &ecr.GetAuthorizationTokenOutput{AuthorizationData: []ecrtypes.AuthorizationData{{
		AuthorizationToken: aws.String(base64.StdEncoding.EncodeToString([]byte("AWS:example-password"))),
		ExpiresAt:          aws.Time(f.now.Add(12 * time.Hour)),
		ProxyEndpoint:      aws.String("https://123456789012.dkr.ecr.us-west-2.amazonaws.com"),
	}}}, nil
}

func ExampleTokenProvider_Token() {
	now := time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC)
	cfg := aws.Config{Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", "")}
	p := appmeshenvoy.NewTokenProvider(cfg, func(o *appmeshenvoy.TokenOptions) {
		// Real code leaves this out and gets an *ecr.Client per region.
		o.ECRClientForRegion = func(string) appmeshenvoy.GetAuthorizationTokenAPI { return tokenExampleECR{now} }
		o.Clock = func() time.Time { return now }
	})
	tok, err := p.Token(context.Background(), "us-west-2")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(tok.Registry) // the image owner's registry, not the caller's proxyEndpoint
	fmt.Println(tok.Username, tok.Password, tok.ExpiresAt.Format(time.RFC3339))
	fmt.Printf("%+v\n", tok)
	// Output:
	// 840364872350.dkr.ecr.us-west-2.amazonaws.com
	// AWS [REDACTED] 2026-01-02T15:00:00Z
	// {Registry:840364872350.dkr.ecr.us-west-2.amazonaws.com Username:AWS Password:[REDACTED] ExpiresAt:2026-01-02 15:00:00 +0000 UTC}
}
