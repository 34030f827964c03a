package ecrkeychain_test

import (
	"fmt"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/ecrkeychain"
)

func ExampleNew() {
	// Real code: p := appmeshenvoy.NewTokenProvider(cfg) with cfg from
	// config.LoadDefaultConfig, then remote.Image(ref, remote.WithAuthFromKeychain(kc)).
	kc := authn.NewMultiKeychain(ecrkeychain.New(newKeychainProvider()), authn.DefaultKeychain)

	ref := name.MustParseReference("840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.29.12.0-prod")
	auth, err := kc.Resolve(ref.Context())
	if err != nil {
		fmt.Println(err)
		return
	}
	cfg, _ := auth.Authorization()
	fmt.Println(cfg.Username, cfg.Password != "")
	// Output: AWS true
}
