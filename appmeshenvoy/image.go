package appmeshenvoy

import (
	"strings"

	"github.com/appmesh-envoy/appmesh-envoy-go/internal/quote"
)

// Image is a container image reference taken apart, such as
// "840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.29.6.0-prod".
//
// Image is an identity: a plain comparable value, and two Images are the same reference
// exactly when they are ==. The account and region of an ECR image are derived from its
// registry host ([Image.Account], [Image.Region]), so they cannot disagree with it. The
// zero Image is empty and not a valid reference.
type Image struct {
	// Registry is the registry host, with a port if the reference had one, such as
	// "840364872350.dkr.ecr.us-west-2.amazonaws.com", "public.ecr.aws" or
	// "127.0.0.1:5000".
	Registry string
	// Repository is the repository path, such as "aws-appmesh-envoy" or
	// "appmesh/aws-appmesh-envoy".
	Repository string
	// Tag is the tag, such as "v1.29.6.0-prod", or "".
	Tag string
	// Digest is the manifest digest, "sha256:" and 64 hex digits, or "".
	Digest string
}

// ECR returns the image's registry as [ParseRegistryHost] reads it, and false when
// Registry is not an ECR host. The public gallery (public.ecr.aws) is an ECR host without
// account or region.
func (i Image) ECR() (Registry, bool) {
	r, err := ParseRegistryHost(i.Registry)
	if err != nil {
		return Registry{}, false
	}
	return r, true
}

// Account returns the 12-digit registry account of an ECR private image, else "".
func (i Image) Account() string {
	r, _ := i.ECR()
	return r.Account
}

// Region returns the region code of an ECR private image, else "".
func (i Image) Region() string {
	r, _ := i.ECR()
	return r.Region
}

// maxImageRefLen bounds the input of ParseImage. Real references are far shorter.
const maxImageRefLen = 1024

// ParseImage parses an image reference "host[:port]/repository[:tag][@sha256:hex]". A
// registry host is required (a host has a dot or a port, or is "localhost"), and so is
// a tag or a digest or both; a digest-only reference is valid here. For ECR hosts (see
// [ParseRegistryHost]) [Image.Account] and [Image.Region] tell the account and region.
// Errors match [ErrInvalidImage].
func ParseImage(ref string) (Image, error) {
	fail := func(reason string) (Image, error) {
		return Image{}, &ParseError{Kind: "image reference", Input: ref, Reason: reason, Err: ErrInvalidImage}
	}
	switch {
	case ref == "":
		return fail("empty")
	case len(ref) > maxImageRefLen:
		return fail("longer than 1024 characters")
	case strings.Contains(ref, "://"):
		return fail("an image reference has no scheme (remove http:// or https://)")
	}
	var img Image
	name := ref
	if i := strings.IndexByte(ref, '@'); i >= 0 {
		name, img.Digest = ref[:i], ref[i+1:]
		if !isDigest(img.Digest) {
			return fail("the digest must be sha256: and 64 lower-case hex digits")
		}
	}
	host, path, ok := strings.Cut(name, "/")
	if !ok {
		return fail("no registry host (as in 840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.29.6.0-prod)")
	}
	if !isRegistryHostPort(host) {
		return fail("bad registry host " + quote.Input(host) + " (a lower-case host name with a dot or a port, or localhost)")
	}
	img.Registry = host
	if i := strings.LastIndexByte(path, ':'); i >= 0 {
		path, img.Tag = path[:i], path[i+1:]
		if !isTag(img.Tag) {
			return fail("bad tag " + quote.Input(img.Tag) + " (letters, digits, _ . -, at most 128, not starting with . or -)")
		}
	}
	if !isRepository(path) {
		return fail("bad repository " + quote.Input(path) + " (lower-case path components separated by /)")
	}
	img.Repository = path
	if img.Tag == "" && img.Digest == "" {
		return fail("no tag or digest; add a tag such as :v1.29.6.0-prod")
	}
	return img, nil
}

// String returns the reference: "registry/repository[:tag][@digest]".
func (i Image) String() string {
	var b strings.Builder
	b.Grow(len(i.Registry) + len(i.Repository) + len(i.Tag) + len(i.Digest) + 3)
	b.WriteString(i.Registry)
	b.WriteByte('/')
	b.WriteString(i.Repository)
	if i.Tag != "" {
		b.WriteByte(':')
		b.WriteString(i.Tag)
	}
	if i.Digest != "" {
		b.WriteByte('@')
		b.WriteString(i.Digest)
	}
	return b.String()
}

// RepositoryURI returns the reference without tag and digest: "registry/repository".
func (i Image) RepositoryURI() string { return i.Registry + "/" + i.Repository }

// Version parses the tag as a [Version]. It fails (matching [ErrInvalidVersion]) when the
// image has no tag or the tag is not an App Mesh Envoy version.
func (i Image) Version() (Version, error) {
	if i.Tag == "" {
		return Version{}, &ParseError{Kind: "version", Input: i.String(), Reason: "the image has no tag", Err: ErrInvalidVersion}
	}
	return ParseVersion(i.Tag)
}

func isDigest(s string) bool {
	hex, ok := strings.CutPrefix(s, "sha256:")
	if !ok || len(hex) != 64 {
		return false
	}
	for i := 0; i < len(hex); i++ {
		c := hex[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

func isTag(s string) bool {
	if s == "" || len(s) > 128 || s[0] == '.' || s[0] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isAlnum(c) && (c < 'A' || c > 'Z') && c != '_' && c != '.' && c != '-' {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') }

// isRegistryHostPort checks "host[:port]" with a lower-case host name of labels made of
// letters, digits and inner hyphens; the host needs a dot or a port, or is localhost.
func isRegistryHostPort(s string) bool {
	host, port, hasPort := strings.Cut(s, ":")
	if hasPort {
		if port == "" || len(port) > 5 || port[0] == '0' {
			return false
		}
		for i := 0; i < len(port); i++ {
			if port[i] < '0' || port[i] > '9' {
				return false
			}
		}
	}
	if host == "" || len(host) > 253 {
		return false
	}
	if !hasPort && !strings.Contains(host, ".") && host != "localhost" {
		return false
	}
	for _, label := range strings.Split(host, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			if !isAlnum(label[i]) && label[i] != '-' {
				return false
			}
		}
	}
	return true
}

// isRepository checks the distribution grammar for repository paths: lower-case
// components of [a-z0-9] separated by ".", "_", "__" or runs of "-", joined by "/".
func isRepository(s string) bool {
	if s == "" || len(s) > 255 {
		return false
	}
	for _, comp := range strings.Split(s, "/") {
		if comp == "" || !isAlnum(comp[0]) || !isAlnum(comp[len(comp)-1]) {
			return false
		}
		for i := 1; i < len(comp); i++ {
			c := comp[i]
			switch {
			case isAlnum(c), c == '-':
			case c == '.':
				if !isAlnum(comp[i-1]) {
					return false
				}
			case c == '_':
				// "_" or "__" between alphanumerics.
				if !isAlnum(comp[i-1]) && !(comp[i-1] == '_' && i >= 2 && isAlnum(comp[i-2])) {
					return false
				}
			default:
				return false
			}
		}
		// A separator must be followed by an alphanumeric: checked by the rules above
		// for "." and "_" (their predecessor is alphanumeric) and by the last character.
		if strings.Contains(comp, ".-") || strings.Contains(comp, "_-") || strings.Contains(comp, "-.") || strings.Contains(comp, "-_") {
			return false
		}
	}
	return true
}
