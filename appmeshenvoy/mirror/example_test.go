package mirror_test

import (
	"context"
	"fmt"

	"github.com/google/go-containerregistry/pkg/authn"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/appmeshenvoytest"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/mirror"
)

// Copy the latest Envoy image of us-west-2 into a repository of your own, created on the
// way, then run the same copy again. The local endpoint of appmeshenvoytest plays AWS
// (SSM, ECR and the registries), so this runs without an AWS account.
func ExampleCopier_Copy() {
	srv := appmeshenvoytest.NewServer()
	defer srv.Close()

	m := mirror.New(srv.Config("us-west-2"), func(o *mirror.Options) {
		o.AWSRegistryEndpoint = srv.URL       // the registries, as --endpoint-url does
		o.Keychain = authn.NewMultiKeychain() // no docker config: only ECR registries here
	})
	defer m.CloseIdleConnections()
	req := mirror.Request{
		Regions:      []string{"us-west-2"},
		Destinations: []string{appmeshenvoytest.AccountID + ".dkr.ecr.us-west-2.amazonaws.com/platform/envoy"},
		Create:       &mirror.RepositorySettings{}, // immutable tags, AES256
	}
	for run := 1; run <= 2; run++ {
		results, err := m.Copy(context.Background(), req)
		if err != nil {
			fmt.Println(err)
			return
		}
		for _, r := range results {
			fmt.Printf("run %d: %s %s, %d blobs copied\n", run, r.Destination+":"+r.Tag, r.Status, r.BlobsCopied)
			fmt.Println("  pin:", r.Image.Digest)
		}
	}
	// Output:
	// run 1: 123456789012.dkr.ecr.us-west-2.amazonaws.com/platform/envoy:v1.39.1.0-prod copied, 8 blobs copied
	//   pin: sha256:583ec0b913088b3c0eea29265d267130ce71119c3c9809186379d27d48cd6dbc
	// run 2: 123456789012.dkr.ecr.us-west-2.amazonaws.com/platform/envoy:v1.39.1.0-prod up-to-date, 0 blobs copied
	//   pin: sha256:583ec0b913088b3c0eea29265d267130ce71119c3c9809186379d27d48cd6dbc
}
