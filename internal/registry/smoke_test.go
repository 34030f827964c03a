package registry_test

import (
	"context"
	"encoding/base64"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/google/go-containerregistry/pkg/authn"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/appmeshenvoytest"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/registry"
	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

type staticKeychain map[string]authn.AuthConfig

func (k staticKeychain) Resolve(r authn.Resource) (authn.Authenticator, error) {
	if c, ok := k[r.RegistryStr()]; ok {
		return authn.FromConfig(c), nil
	}
	return authn.Anonymous, nil
}

func password(t *testing.T, srv *appmeshenvoytest.Server, regionCode string) string {
	out, err := ecr.NewFromConfig(srv.Config(regionCode)).GetAuthorizationToken(context.Background(), &ecr.GetAuthorizationTokenInput{})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := base64.StdEncoding.DecodeString(aws.ToString(out.AuthorizationData[0].AuthorizationToken))
	return strings.TrimPrefix(string(raw), "AWS:")
}

func TestSmoke(t *testing.T) {
	srv := appmeshenvoytest.NewServer()
	defer srv.Close()
	pw := password(t, srv, "us-west-2")
	src := registry.Repo{Host: region.MustLookup("us-west-2").RegistryHost(), Name: region.RepositoryName}
	dst := registry.Repo{Host: appmeshenvoytest.AccountID + ".dkr.ecr.us-west-2.amazonaws.com", Name: "mirror/envoy"}
	if err := srv.CreateRepository(dst.String(), appmeshenvoytest.RepositoryOptions{}); err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(srv.URL)
	c, err := registry.New(func(o *registry.Options) {
		o.AWSEndpoint = u
		o.IsAWSHost = func(h string) bool { return strings.Contains(h, ".dkr.ecr.") || h == "public.ecr.aws" }
		o.BasicFirst = func(h string) bool { return strings.Contains(h, ".dkr.ecr.") }
		o.Keychain = staticKeychain{src.Host: {Username: "AWS", Password: pw}, dst.Host: {Username: "AWS", Password: pw}}
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	idx, err := c.GetManifest(ctx, src, appmeshenvoytest.DefaultTag)
	if err != nil {
		t.Fatal(err)
	}
	cont, err := idx.Contents()
	if err != nil {
		t.Fatal(err)
	}
	for _, child := range cont.Manifests {
		m, err := c.GetManifest(ctx, src, child.Digest)
		if err != nil {
			t.Fatal(err)
		}
		mc, err := m.Contents()
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range mc.Blobs {
			ok, err := c.BlobExists(ctx, dst, b)
			if err != nil || ok {
				t.Fatal(ok, err)
			}
			rc, err := c.OpenBlob(ctx, src, b)
			if err != nil {
				t.Fatal(err)
			}
			if err := c.Upload(ctx, dst, b, rc); err != nil {
				t.Fatal(err)
			}
			rc.Close()
		}
		if err := c.PutManifest(ctx, dst, m.Digest, m); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.PutManifest(ctx, dst, appmeshenvoytest.DefaultTag, idx); err != nil {
		t.Fatal(err)
	}
	d, ok, err := c.HeadManifest(ctx, dst, appmeshenvoytest.DefaultTag)
	if err != nil || !ok || d.Digest != idx.Digest {
		t.Fatal(d, ok, err)
	}
	tags, err := c.ListTags(ctx, dst)
	t.Log(tags, err)
	if r := srv.Refusals(); len(r) > 0 {
		t.Fatal(r)
	}
}
