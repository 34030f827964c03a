package mirror_test

import (
	"context"
	"testing"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/appmeshenvoytest"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/mirror"
)

func TestSmoke(t *testing.T) {
	srv := appmeshenvoytest.NewServer()
	defer srv.Close()
	m := mirror.New(srv.Config("us-west-2"), func(o *mirror.Options) {
		o.AWSRegistryEndpoint = srv.URL
		o.OnEndpoint = func(h, u string) { t.Logf("%s → %s", h, u) }
	})
	req := mirror.Request{Regions: []string{"us-west-2"}, FIPS: true, Destinations: []string{
		appmeshenvoytest.AccountID + ".dkr.ecr.us-west-2.amazonaws.com/mirror/envoy",
		appmeshenvoytest.AccountID + ".dkr.ecr.us-west-2.amazonaws.com/other/envoy",
		appmeshenvoytest.AccountID + ".dkr.ecr.us-east-1.amazonaws.com/mirror/envoy",
	}, Create: &mirror.RepositorySettings{}, Verify: true}
	for run := 0; run < 2; run++ {
		srv.ResetCounts()
		res, err := m.Copy(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res {
			t.Logf("%+v", r)
		}
	}
	for _, op := range srv.Operations() {
		t.Log(op)
	}
	t.Log(srv.Refusals())
}
