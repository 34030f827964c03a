package registry

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"hash"
	"strings"
)

// Digests are "<algorithm>:<hex>" (OCI image spec, "Digests"): sha256 with 64 lower-case
// hex digits, which every registry uses, or sha512 with 128.

// ValidDigest reports whether d is a sha256 or sha512 digest in canonical form.
func ValidDigest(d string) bool {
	alg, hx, ok := strings.Cut(d, ":")
	if !ok {
		return false
	}
	var n int
	switch alg {
	case "sha256":
		n = 64
	case "sha512":
		n = 128
	default:
		return false
	}
	if len(hx) != n {
		return false
	}
	for i := 0; i < len(hx); i++ {
		if c := hx[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// newHash returns the hash of a valid digest's algorithm.
func newHash(d string) hash.Hash {
	if strings.HasPrefix(d, "sha512:") {
		return sha512.New()
	}
	return sha256.New()
}

// digestOf returns the digest of b in the algorithm of like (sha256 when like is "").
func digestOf(b []byte, like string) string {
	h := newHash(like)
	h.Write(b)
	alg, _, _ := strings.Cut(like, ":")
	if alg == "" {
		alg = "sha256"
	}
	return alg + ":" + hex.EncodeToString(h.Sum(nil))
}

// Digest returns the sha256 digest of b, "sha256:<hex>".
func Digest(b []byte) string { return digestOf(b, "") }

// sumString returns the digest of a finished hash in the algorithm of like.
func sumString(h hash.Hash, like string) string {
	alg, _, _ := strings.Cut(like, ":")
	return alg + ":" + hex.EncodeToString(h.Sum(nil))
}
