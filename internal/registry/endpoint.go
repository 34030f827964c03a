package registry

import (
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"github.com/appmesh-envoy/appmesh-envoy-go/internal/errcode"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/quote"
)

// ErrInvalidEndpoint is matched by the errors of [ParseOverride], [ParseEndpointURL]
// and [NormalizeHost].
var ErrInvalidEndpoint error = errcode.New(errcode.InvalidInput, "invalid registry endpoint")

// Endpoint is where the traffic of one registry host goes.
type Endpoint struct {
	// Host is the registry host references name, in lower case, with its port if it
	// has one, such as "111122223333.dkr.ecr.us-west-2.amazonaws.com".
	Host string
	// URL is the base URL of the registry API: scheme, host and port, and a path
	// (without trailing slash) that prefixes every repository name.
	URL *url.URL
	// Overridden reports that URL is not the host's own address (an override, or a
	// local endpoint serving AWS registry hosts by path).
	Overridden bool
}

// String returns "HOST → URL", the line the CLI prints for every override.
func (e Endpoint) String() string { return e.Host + " → " + e.URL.String() }

// prefix returns the repository-name prefix of the endpoint's URL path: "" or
// "segment/.../".
func (e Endpoint) prefix() string {
	p := strings.Trim(e.URL.Path, "/")
	if p == "" {
		return ""
	}
	return p + "/"
}

// ParseEndpoints parses a caller's endpoint settings, as the packages that own a
// registry client take them: overrides from a registry host to the URL its traffic goes
// to ([Options.Overrides]), and the URL of a local endpoint that serves every AWS
// registry host by path ([Options.AWSEndpoint], nil when awsEndpoint is "").
func ParseEndpoints(overrides map[string]string, awsEndpoint string) (map[string]*url.URL, *url.URL, error) {
	parsed := make(map[string]*url.URL, len(overrides))
	for h, raw := range overrides {
		host, err := NormalizeHost(h)
		if err != nil {
			return nil, nil, err
		}
		u, err := ParseEndpointURL(raw)
		if err != nil {
			return nil, nil, err
		}
		parsed[host] = u
	}
	if awsEndpoint == "" {
		return parsed, nil, nil
	}
	u, err := ParseEndpointURL(awsEndpoint)
	if err != nil {
		return nil, nil, err
	}
	return parsed, u, nil
}

// TransportOf returns the transport of an HTTP client that exposes one, such as the
// SDK's default client (aws.Config.HTTPClient, an awshttp.BuildableClient), so that
// registry traffic shares its proxy and TLS settings (AWS_CA_BUNDLE); otherwise nil,
// which [New] reads as [DefaultTransport].
func TransportOf(client any) *http.Transport {
	if c, ok := client.(interface{ GetTransport() *http.Transport }); ok {
		return c.GetTransport()
	}
	return nil
}

// ParseOverride parses an override "HOST=URL", as --registry-endpoint takes it: the
// registry host references name, and the URL its traffic goes to ([ParseEndpointURL]).
func ParseOverride(s string) (host string, u *url.URL, err error) {
	h, raw, ok := strings.Cut(strings.TrimSpace(s), "=")
	if !ok {
		return "", nil, errcode.Wrap(ErrInvalidEndpoint, "registry endpoint "+quote.Input(s)+
			": want HOST=URL, such as 111122223333.dkr.ecr.us-west-2.amazonaws.com=http://127.0.0.1:5000", nil)
	}
	if host, err = NormalizeHost(h); err != nil {
		return "", nil, err
	}
	if u, err = ParseEndpointURL(raw); err != nil {
		return "", nil, err
	}
	return host, u, nil
}

// NormalizeHost checks a registry host as references name it — a DNS name or an IP
// address (IPv6 in brackets), optionally with a port — and returns it in lower case.
func NormalizeHost(s string) (string, error) {
	fail := func(why string) (string, error) {
		return "", errcode.Wrap(ErrInvalidEndpoint, "registry host "+quote.Input(s)+": "+why, nil)
	}
	h := strings.ToLower(strings.TrimSpace(s))
	if h == "" {
		return fail("empty")
	}
	if len(h) > 255 {
		return fail("longer than 255 characters")
	}
	if strings.Contains(h, "://") || strings.ContainsAny(h, "/@?#") {
		return fail("give the host alone, without scheme, path or user")
	}
	name := h
	if strings.HasPrefix(h, "[") || strings.Count(h, ":") == 1 {
		n, port, err := net.SplitHostPort(h)
		if err != nil {
			if strings.HasPrefix(h, "[") && strings.HasSuffix(h, "]") {
				n, port = h[1:len(h)-1], ""
			} else {
				return fail("bad host:port")
			}
		}
		if port != "" {
			if p, err := strconv.Atoi(port); err != nil || p < 1 || p > 65535 || port[0] == '0' {
				return fail("bad port " + quote.Input(port))
			}
		}
		name = n
	}
	if ip, err := netip.ParseAddr(name); err == nil {
		if isLinkLocal(ip) {
			return fail("a link-local address (instance metadata lives there) is never a registry")
		}
		return h, nil
	}
	if strings.Contains(name, ":") {
		return fail("an IPv6 address needs brackets, as in [::1]:5000")
	}
	for _, label := range strings.Split(strings.TrimSuffix(name, "."), ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return fail("not a DNS name")
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' && c != '_' {
				return fail("not a DNS name")
			}
		}
	}
	return h, nil
}

// ParseEndpointURL checks the URL of a registry endpoint: http or https, a host, no
// user, query or fragment; plain http only to a loopback address (127.0.0.0/8, ::1,
// localhost), since credentials travel in clear over it; never a link-local address.
// The path, if any, prefixes every repository name.
func ParseEndpointURL(s string) (*url.URL, error) {
	fail := func(why string) (*url.URL, error) {
		return nil, errcode.Wrap(ErrInvalidEndpoint, "registry endpoint URL "+quote.Input(s)+": "+why, nil)
	}
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil {
		return fail("not a URL")
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return fail("want an http:// or https:// URL")
	case u.Host == "":
		return fail("no host")
	case u.User != nil:
		return fail("a URL with a user name would send it to the registry; use the docker config for credentials")
	case u.RawQuery != "" || u.Fragment != "" || u.Opaque != "":
		return fail("a registry endpoint has no query or fragment")
	}
	if _, err := NormalizeHost(u.Host); err != nil {
		return nil, errcode.Wrap(ErrInvalidEndpoint, "registry endpoint URL "+quote.Input(s)+": "+err.Error(), nil)
	}
	if u.Scheme == "http" && !IsLoopback(u.Host) {
		return fail("plain http only to a loopback address (127.0.0.1, [::1], localhost): credentials would cross the network in clear; use https")
	}
	out := &url.URL{Scheme: u.Scheme, Host: strings.ToLower(u.Host), Path: strings.TrimRight(u.Path, "/")}
	for _, seg := range strings.Split(strings.Trim(out.Path, "/"), "/") {
		if seg == "." || seg == ".." {
			return fail("the path may not contain . or ..")
		}
	}
	return out, nil
}

// IsLoopback reports whether host (with or without a port) is a loopback address or
// "localhost".
func IsLoopback(host string) bool {
	h := host
	if n, _, err := net.SplitHostPort(host); err == nil {
		h = n
	}
	h = strings.TrimSuffix(strings.Trim(strings.ToLower(h), "[]"), ".")
	if h == "localhost" {
		return true
	}
	ip, err := netip.ParseAddr(h)
	return err == nil && ip.Unmap().IsLoopback()
}

// ec2IPv6Metadata is the IPv6 address of the instance metadata service (the EC2 User
// Guide, "Access instance metadata": fd00:ec2::254), which is not link-local by its
// prefix but plays the same part.
var ec2IPv6Metadata = netip.MustParseAddr("fd00:ec2::254")

// isLinkLocal reports whether ip is link-local (169.254.0.0/16, fe80::/10) or the IPv6
// instance metadata address.
func isLinkLocal(ip netip.Addr) bool {
	ip = ip.Unmap()
	return ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() || ip == ec2IPv6Metadata
}

// hostIsLinkLocal reports whether a URL host (with or without port) is a literal
// link-local address.
func hostIsLinkLocal(host string) bool {
	h := host
	if n, _, err := net.SplitHostPort(host); err == nil {
		h = n
	}
	ip, err := netip.ParseAddr(strings.Trim(h, "[]"))
	return err == nil && isLinkLocal(ip)
}
