package dockerconfig_test

import (
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

func ExampleWrite() {
	dir, _ := os.MkdirTemp("", "docker")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "config.json")
	_ = os.WriteFile(path, []byte(`{"auths": {"ghcr.io": {"auth": "dXNlcjpwYXNz"}}, "psFormat": "table"}`), 0o600)

	tok := appmeshenvoy.Token{
		Registry:  "840364872350.dkr.ecr.us-west-2.amazonaws.com",
		Username:  "AWS",
		Password:  appmeshenvoy.NewSecret("example-password"),
		ExpiresAt: time.Now().Add(12 * time.Hour),
	}
	notes, err := dockerconfig.Write(path, tok)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, n := range notes {
		fmt.Println(n)
	}
	// The file now holds both registries (and keeps "psFormat"); print its hosts, not
	// its secrets.
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
	// Output:
	// 840364872350.dkr.ecr.us-west-2.amazonaws.com
	// ghcr.io
	// table
}
