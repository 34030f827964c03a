package main

import (
	"fmt"
	"sort"
	"strings"
)

// registryEndpointFlag is the repeatable global flag --registry-endpoint HOST=URL: the
// registry traffic of HOST goes to URL, before --endpoint-url. The library checks the
// host and the URL (package mirror, Options.RegistryEndpoints); the flag only splits.
type registryEndpointFlag map[string]string

func (f *registryEndpointFlag) String() string {
	if f == nil || len(*f) == 0 {
		return ""
	}
	var out []string
	for h, u := range *f {
		out = append(out, h+"="+u)
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}

func (f *registryEndpointFlag) Set(v string) error {
	host, url, ok := strings.Cut(strings.TrimSpace(v), "=")
	if !ok || strings.TrimSpace(host) == "" || strings.TrimSpace(url) == "" {
		return fmt.Errorf("want HOST=URL, such as 111122223333.dkr.ecr.us-west-2.amazonaws.com=http://127.0.0.1:5000, got %q", v)
	}
	if *f == nil {
		*f = registryEndpointFlag{}
	}
	host = strings.ToLower(strings.TrimSpace(host))
	if prev, dup := (*f)[host]; dup && prev != strings.TrimSpace(url) {
		return fmt.Errorf("%s is given two URLs (%s and %s)", host, prev, url)
	}
	(*f)[host] = strings.TrimSpace(url)
	return nil
}
