package appmeshenvoy

// Source says where an answer came from.
type Source string

// Sources of an answer.
const (
	// SourceSSM: the region's public SSM parameter /aws/service/appmesh/envoy.
	SourceSSM Source = "ssm"
	// SourceRepository: the highest Envoy release tag in a repository of the caller's
	// (a mirror or a pull-through cache), used because the parameter is gone.
	SourceRepository Source = "repository"
	// SourceGallery: the highest Envoy release tag in the ECR Public Gallery, used
	// because the parameter is gone.
	SourceGallery Source = "gallery"
	// SourceBuiltin: the final App Mesh release this library knows, used because the
	// parameter is gone; unverified until pinned.
	SourceBuiltin Source = "builtin"
)

// Result is the answer for one region: the image and where it came from, or the
// region's error. [Resolver.Resolve] returns one; [Resolver.LatestAll] and
// [Resolver.PinAll] return one per region.
//
// Result is a plain value.
type Result struct {
	// Region is the region code, normalized ("us-west-2"); for input that is no
	// supported region, the input trimmed, lower-cased and cut to 64 bytes.
	Region string
	// Image is the image; the zero Image when Err is set.
	Image Image
	// Source says where Image came from; "" when Err is set.
	Source Source
	// Warning is set when the answer is usable but not what a plain, verified answer
	// would be: a parameter whose registry account differs from the region table (see
	// ResolverOptions.TrustParameterAccount), or an answer from a fallback source.
	Warning string
	// Unverified reports an answer nothing was read for: the built-in final release
	// (SourceBuiltin), which may no longer be in its registry. [Resolver.PinAll] clears
	// it when the pin succeeds (the digest was read where the image is).
	Unverified bool
	// Err is the region's error (a [*RegionError]), or nil.
	Err error
}

// Fallback reports whether the answer came from somewhere other than the SSM parameter.
func (r Result) Fallback() bool { return r.Err == nil && r.Source != SourceSSM }
