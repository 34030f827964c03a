package dockerconfig_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/dockerconfig"
)

// exampleToken is a registry credential as a token provider returns it.
func exampleToken() appmeshenvoy.Token {
	return appmeshenvoy.Token{
		Registry:  "840364872350.dkr.ecr.us-west-2.amazonaws.com",
		Username:  "AWS",
		Password:  appmeshenvoy.NewSecret("example-password"),
		ExpiresAt: time.Now().Add(12 * time.Hour),
	}
}

// exampleHosts prints the "auths" hosts and the psFormat of the docker config at path,
// not its secrets.
func exampleHosts(path string) {
	b, _ := os.ReadFile(path)
	var doc struct {
		Auths    map[string]json.RawMessage `json:"auths"`
		PSFormat string                     `json:"psFormat"`
	}
	_ = json.Unmarshal(b, &doc)
	for _, host := range slices.Sorted(maps.Keys(doc.Auths)) {
		fmt.Println(host)
	}
	fmt.Println(doc.PSFormat)
}

func ExampleWrite() {
	dir, _ := os.MkdirTemp("", "docker")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "config.json")
	_ = os.WriteFile(path, []byte(`{"auths": {"ghcr.io": {"auth": "dXNlcjpwYXNz"}}, "psFormat": "table"}`), 0o600)

	notes, err := dockerconfig.Write(context.Background(), path, []appmeshenvoy.Token{exampleToken()},
		func(o *dockerconfig.Options) { o.LockTimeout = 10 * time.Second })
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, n := range notes {
		fmt.Println(n)
	}
	// The file now holds both registries (and keeps "psFormat").
	exampleHosts(path)
	// Output:
	// 840364872350.dkr.ecr.us-west-2.amazonaws.com
	// ghcr.io
	// table
}

func ExampleRemove() {
	dir, _ := os.MkdirTemp("", "docker")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "config.json")
	_ = os.WriteFile(path, []byte(`{"auths": {"ghcr.io": {"auth": "dXNlcjpwYXNz"}}, "psFormat": "table"}`), 0o600)
	ctx := context.Background()
	tok := exampleToken()
	if _, err := dockerconfig.Write(ctx, path, []appmeshenvoy.Token{tok}); err != nil {
		fmt.Println(err)
		return
	}

	notes, err := dockerconfig.Remove(ctx, path, []string{tok.Registry, "quay.io"})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, n := range notes {
		fmt.Println(n)
	}
	exampleHosts(path)
	// Output:
	// quay.io: no auths entry to remove
	// ghcr.io
	// table
}

func ExampleJSON() {
	b, err := dockerconfig.JSON(exampleToken())
	if err != nil {
		fmt.Println(err)
		return
	}
	// b is the content of a kubernetes.io/dockerconfigjson secret; it holds the password.
	var doc struct {
		Auths map[string]struct{ Auth string } `json:"auths"`
	}
	_ = json.Unmarshal(b, &doc)
	for host, a := range doc.Auths {
		fmt.Println(host, len(a.Auth) > 0)
	}
	// Output:
	// 840364872350.dkr.ecr.us-west-2.amazonaws.com true
}
