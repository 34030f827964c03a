package appmeshenvoy

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strconv"
	"strings"

	"github.com/appmesh-envoy/appmesh-envoy-go/internal/errcode"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/flight"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/quote"
	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

// RegionPlaceholder stands for the region being resolved in a [Fallback] repository,
// as in "111122223333.dkr.ecr.{region}.amazonaws.com/envoy".
const RegionPlaceholder = "{region}"

// Fallback is one place a [Resolver] looks for the latest image when the SSM parameter
// cannot say (see ResolverOptions.Fallbacks). Write one by hand or with
// [ParseFallback]. The zero Fallback is not a source: a Resolver given one answers
// every call with an invalid-input error.
type Fallback struct {
	// Source is SourceRepository, SourceGallery or SourceBuiltin.
	Source Source
	// Repository is the repository of a SourceRepository fallback, "host/name" without
	// tag or digest: an ECR private repository (a mirror or a pull-through cache), read
	// with ecr:DescribeImages in its own region, or a repository of any other registry,
	// read through the registry's tag list. RegionPlaceholder ("{region}") is replaced
	// by the region being resolved. Empty for the other sources.
	Repository string
}

// String returns the fallback as [ParseFallback] reads it: "repository=URI", "gallery"
// or "builtin".
func (f Fallback) String() string {
	if f.Source == SourceRepository {
		return string(SourceRepository) + "=" + f.Repository
	}
	return string(f.Source)
}

// ParseFallback reads a fallback as the CLI's --fallback flag takes it:
// "repository=URI" (URI as in [Fallback.Repository], "{region}" allowed), "gallery" or
// "builtin". Errors match [ErrInvalidFallback].
func ParseFallback(s string) (Fallback, error) {
	in := strings.TrimSpace(s)
	kind, uri, hasURI := strings.Cut(in, "=")
	var f Fallback
	switch Source(strings.ToLower(strings.TrimSpace(kind))) {
	case SourceRepository:
		if !hasURI || strings.TrimSpace(uri) == "" {
			return Fallback{}, fallbackInputError(s, "repository= needs a repository, as in repository=111122223333.dkr.ecr.{region}.amazonaws.com/envoy")
		}
		f = Fallback{Source: SourceRepository, Repository: strings.TrimSpace(uri)}
	case SourceGallery, SourceBuiltin:
		if hasURI {
			return Fallback{}, fallbackInputError(s, kind+" takes no value")
		}
		f = Fallback{Source: Source(strings.ToLower(strings.TrimSpace(kind)))}
	default:
		return Fallback{}, fallbackInputError(s, "want repository=URI, gallery or builtin")
	}
	if err := f.check(); err != nil {
		return Fallback{}, err
	}
	return f, nil
}

// ErrInvalidFallback is matched by the errors of [ParseFallback] and by the error a
// [Resolver] with an invalid ResolverOptions.Fallbacks entry returns.
var ErrInvalidFallback error = errcode.New(errcode.InvalidInput, "invalid fallback")

func fallbackInputError(s, why string) error {
	return errcode.Wrap(ErrInvalidFallback, "invalid fallback "+quote.Input(s)+": "+why, nil)
}

// check reports whether f is a usable source; for a repository, with an example region
// in place of RegionPlaceholder.
func (f Fallback) check() error {
	switch f.Source {
	case SourceGallery, SourceBuiltin:
		if f.Repository != "" {
			return fallbackInputError(f.String(), string(f.Source)+" takes no repository")
		}
		return nil
	case SourceRepository:
		_, err := f.repositoryIn("us-east-1")
		return err
	case SourceSSM:
		return fallbackInputError(f.String(), "the SSM parameter is what fallbacks stand in for, not a fallback")
	}
	return fallbackInputError(f.String(), "want a repository, gallery or builtin source")
}

// Reasons for moving on to the next fallback source. A source error that matches none
// of them ends the chain: access denied, throttling, an unreachable private registry
// and the like are problems to fix, not answers to skip.
var (
	// ErrNoReleaseTag means a repository holds no Envoy release tag: no tag at all, or
	// only tags such as "latest" or "v1.29.0.0-dev".
	ErrNoReleaseTag error = errcode.New(errcode.ImageNotFound, "no Envoy release tag")
)

// SourceError is the failure of one fallback source in one region. It matches its
// cause with [errors.Is] and [errors.As].
type SourceError struct {
	// Source is the source that failed.
	Source Source
	// Repository is the repository asked ("" for builtin).
	Repository string
	// Err is the cause.
	Err error
}

// Error implements error: "fallback repository URI: ..." or "fallback builtin: ...".
func (e *SourceError) Error() string {
	s := "fallback " + string(e.Source)
	if e.Repository != "" {
		s += " " + e.Repository
	}
	return s + ": " + e.Err.Error()
}

// Unwrap returns the cause.
func (e *SourceError) Unwrap() error { return e.Err }

// FallbackError says why no fallback source answered for a region: what made the
// resolver look (Cause: the parameter's ErrParameterNotFound, or a pinned image's
// ErrImageNotFound) and each source's failure in order. Its code is that of the source
// that ended the chain when that was an error to fix (access denied, throttled, ...),
// else the Cause's. It matches the Cause and every source error with [errors.Is].
type FallbackError struct {
	// Cause is why the resolver turned to the fallbacks.
	Cause error
	// Sources are the failures of the sources asked, in order.
	Sources []*SourceError
}

// Error implements error.
func (e *FallbackError) Error() string {
	var b strings.Builder
	b.WriteString(e.Cause.Error())
	b.WriteString("; no fallback answered: ")
	for i, s := range e.Sources {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(s.Error())
	}
	return b.String()
}

// ErrorCode returns the code of the last source's error when it ended the chain (see
// the type's documentation), else the code of Cause.
func (e *FallbackError) ErrorCode() Code {
	if n := len(e.Sources); n > 0 && !skippable(e.Sources[n-1]) {
		return CodeOf(e.Sources[n-1])
	}
	return CodeOf(e.Cause)
}

// Unwrap returns Cause and the source errors.
func (e *FallbackError) Unwrap() []error {
	out := []error{e.Cause}
	for _, s := range e.Sources {
		out = append(out, s)
	}
	return out
}

// skippable reports whether the next source may be asked after e: the source has no
// answer (no repository, no release tag, no confirmed FIPS tag), or it is the gallery
// and cannot be reached (air-gapped clusters).
func skippable(e *SourceError) bool {
	switch CodeOf(e.Err) {
	case CodeImageNotFound, CodeManifestUnknown, CodeFIPSUnavailable:
		return true // ErrNoReleaseTag has code image-not-found
	}
	switch {
	case e.Source == SourceGallery && CodeOf(e.Err) == CodeRegistryUnreachable:
		return true
	}
	return false
}

// fallbackApplies reports whether err (of the parameter, or of pinning what it names)
// sends the resolver to its fallbacks: only a parameter or an image that is gone.
func (r *Resolver) fallbackApplies(err error) bool {
	return len(r.opts.Fallbacks) > 0 && (errors.Is(err, ErrParameterNotFound) || errors.Is(err, ErrImageNotFound))
}

// fallback asks the fallback sources in order for reg's latest image, because of
// cause, and returns the first answer.
func (r *Resolver) fallback(ctx context.Context, reg region.Region, cause error) (Result, flight.Lifetime, error) {
	fe := &FallbackError{Cause: unwrapRegionError(cause)}
	for _, f := range r.opts.Fallbacks {
		ans, err := r.ask(ctx, reg, f)
		if err != nil {
			se := &SourceError{Source: f.Source, Repository: ans.repository, Err: err}
			fe.Sources = append(fe.Sources, se)
			r.opts.Logger.LogAttrs(ctx, slog.LevelDebug, "appmeshenvoy: fallback failed",
				slog.String("region", reg.Code), slog.String("fallback", f.String()), slog.Any("error", err))
			if !skippable(se) {
				break
			}
			continue
		}
		warning := fallbackReason(fe.Cause, reg.Code) + "; " + ans.note
		for _, s := range fe.Sources {
			warning += " (before it, " + s.Error() + ")"
		}
		r.opts.Logger.LogAttrs(ctx, slog.LevelWarn, "appmeshenvoy: "+warning,
			slog.String("region", reg.Code), slog.String("image", ans.image.String()))
		return Result{Region: reg.Code, Image: ans.image, Source: f.Source, Warning: warning, Unverified: ans.unverified},
			r.lifetime(), nil
	}
	return Result{}, flight.Lifetime{}, &RegionError{Region: reg.Code, Op: "resolve", Err: fe}
}

// unwrapRegionError returns the cause inside a *RegionError, whose region the
// FallbackError's own RegionError names already.
func unwrapRegionError(err error) error {
	var re *RegionError
	if errors.As(err, &re) {
		return re.Err
	}
	return err
}

// fallbackReason says why a fallback answered instead of the parameter.
func fallbackReason(cause error, code string) string {
	if errors.Is(cause, ErrParameterNotFound) {
		return "the SSM parameter " + region.ParameterName + " is gone from " + code
	}
	return "the image the SSM parameter names is gone from its registry"
}

// answer is what one fallback source says.
type answer struct {
	image      Image
	repository string // the repository asked, for messages ("" for builtin)
	note       string // which source answered, and what the answer means
	unverified bool
}

// ask asks one fallback source for reg's latest image.
func (r *Resolver) ask(ctx context.Context, reg region.Region, f Fallback) (answer, error) {
	switch f.Source {
	case SourceBuiltin:
		return r.askBuiltin(reg)
	case SourceRepository:
		repo, err := f.repositoryIn(reg.Code)
		if err != nil {
			return answer{repository: f.Repository}, err
		}
		return r.askRepository(ctx, repo)
	case SourceGallery:
		return r.askGallery(ctx)
	}
	return answer{}, f.check()
}

// askBuiltin answers with the final release in the region's own registry, unverified:
// nothing was read, so nothing says the image is still there.
func (r *Resolver) askBuiltin(reg region.Region) (answer, error) {
	final := FinalRelease()
	if r.opts.FIPS {
		return answer{}, errcode.Wrap(ErrFIPSUnavailable, "AWS has not confirmed a FIPS variant ("+final.WithFIPS(true).String()+
			") of the final release; use a repository or gallery fallback that holds FIPS tags, or pin a FIPS image you run", nil)
	}
	img := Image{Registry: reg.RegistryHost(), Repository: region.RepositoryName, Tag: final.String()}
	return answer{image: img, unverified: true,
		note: "answered by fallback builtin: " + final.String() + ", the final App Mesh release this library knows, unverified until pinned (nothing was read from " + img.Registry + ")"}, nil
}

// releaseTag picks the highest App Mesh Envoy release tag of tags by [Version.Compare]:
// "-prod" tags, or "-prod-fips" tags when fips is set; pre-releases ("-beta"), other
// suffixes and tags that are no version are ignored.
func releaseTag(tags []string, fips bool) (string, bool) {
	var best string
	var bestV Version
	for _, t := range tags {
		want := "-prod"
		if fips {
			want = "-prod-fips"
		}
		if !strings.HasSuffix(t, want) {
			continue
		}
		v, err := ParseVersion(t)
		if err != nil || v.Pre != "" || v.FIPS != fips {
			continue
		}
		if best == "" || v.Compare(bestV) > 0 {
			best, bestV = t, v
		}
	}
	return best, best != ""
}

// noReleaseTag is the error of a repository without a release tag; it names a few of
// the tags it has.
func noReleaseTag(tags []string, fips bool) error {
	want := "vMAJOR.MINOR.PATCH.BUILD-prod"
	if fips {
		want += "-fips"
	}
	if len(tags) == 0 {
		return errcode.Wrap(ErrNoReleaseTag, "the repository has no tags; it holds no Envoy release ("+want+")", nil)
	}
	tags = slices.Sorted(slices.Values(tags))
	shown := make([]string, 0, 3)
	for _, t := range tags[:min(3, len(tags))] {
		shown = append(shown, quote.Input(t))
	}
	more := ""
	if len(tags) > 3 {
		more = ", ..."
	}
	return errcode.Wrap(ErrNoReleaseTag, "no Envoy release tag ("+want+") among its "+strconv.Itoa(len(tags))+" tags ("+strings.Join(shown, ", ")+more+")", nil)
}
