package rewrite

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy"
	"github.com/appmesh-envoy/appmesh-envoy-go/appmeshenvoy/inventory"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/errcode"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/manifest"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/quote"
)

// Pinner reads the digest of an image in the mirror: it returns img with Digest set to
// the digest its tag points at, or an error when the mirror does not hold the image
// (appmeshenvoy.ErrImageNotFound) or, when img already has a digest, when the tag
// points at another one (appmeshenvoy.ErrDigestMismatch). *appmeshenvoy.Resolver is a
// Pinner for ECR mirrors (ecr:BatchGetImage); [PinFunc] adapts a function for other
// registries.
type Pinner interface {
	Pin(ctx context.Context, img appmeshenvoy.Image) (appmeshenvoy.Image, error)
}

// PinFunc is a function that is a [Pinner].
type PinFunc func(ctx context.Context, img appmeshenvoy.Image) (appmeshenvoy.Image, error)

// Pin calls f.
func (f PinFunc) Pin(ctx context.Context, img appmeshenvoy.Image) (appmeshenvoy.Image, error) {
	return f(ctx, img)
}

var _ Pinner = (*appmeshenvoy.Resolver)(nil)

// Errors of a rewrite.
var (
	// ErrInvalidTarget is matched when the mirror repository is not "host/path".
	ErrInvalidTarget error = errcode.New(errcode.InvalidInput, "invalid mirror repository")
	// ErrMalformed is matched by input that is not YAML or JSON, or not a task
	// definition (code invalid-input); the message names the file and position.
	ErrMalformed error = errcode.New(errcode.InvalidInput, "malformed input")
	// ErrCannotRewrite is matched when an Envoy image cannot be rewritten: it has no tag,
	// names no region for "{region}", or its value cannot be replaced in place (a YAML
	// block scalar, or an anchor also used outside container images). Code
	// invalid-input.
	ErrCannotRewrite error = errcode.New(errcode.InvalidInput, "cannot rewrite the image")
)

// Options configures a [Rewriter]. [New] fills in the defaults before it applies the
// caller's option functions.
type Options struct {
	// Matcher decides which images are Envoy images. Default: the zero Matcher
	// (repositories named aws-appmesh-envoy).
	Matcher inventory.Matcher
	// Region replaces "{region}" in the mirror repository for images whose registry
	// names no region (the public gallery, another registry). Default: "", which makes
	// such an image an error when the repository has "{region}".
	Region string
}

// Rewriter points the Envoy images of Kubernetes manifests and ECS task definitions at a
// mirror, pinned by digest. It is safe for concurrent use; the zero Rewriter is not
// usable (its methods return an error with code not-initialized).
type Rewriter struct {
	to     string
	pinner Pinner
	opts   Options
}

// New returns a Rewriter that points Envoy images at the repository to ("host/path",
// such as "111122223333.dkr.ecr.{region}.amazonaws.com/mirror/aws-appmesh-envoy";
// "{region}" is replaced with each image's region), keeping each image's tag and
// adding the digest pinner reads from the mirror. Building it does no I/O.
func New(to string, pinner Pinner, optFns ...func(*Options)) (*Rewriter, error) {
	var opts Options
	for _, fn := range optFns {
		fn(&opts)
	}
	to = strings.TrimSuffix(strings.TrimSpace(to), "/")
	probe := strings.ReplaceAll(to, "{region}", "us-west-2") + ":probe"
	img, err := appmeshenvoy.ParseImage(probe)
	if err != nil || img.RepositoryURI()+":probe" != probe {
		return nil, errcode.Wrap(ErrInvalidTarget, "mirror repository "+quote.Input(to)+
			" is not host/path without tag or digest (such as 111122223333.dkr.ecr.{region}.amazonaws.com/aws-appmesh-envoy)", nil)
	}
	if pinner == nil {
		return nil, errcode.Wrap(ErrInvalidTarget, "rewrite: no Pinner: an image is pinned by the digest read from the mirror, never guessed", nil)
	}
	return &Rewriter{to: to, pinner: pinner, opts: opts}, nil
}

var errNotInitialized = errcode.New(errcode.NotInitialized, "rewrite: the Rewriter is not initialized; create it with rewrite.New")

// Change is one image value replaced.
type Change struct {
	// Line and Column locate the value in the input, from 1.
	Line, Column int
	// Kind, Name and Container say whose image it is: a Kubernetes workload ("Deployment",
	// "web") or "TaskDefinition" and the family.
	Kind, Name, Container string
	// From and To are the old and new references.
	From, To string
}

// Result is the rewritten input and what changed. When nothing changed (no Envoy image),
// Output is the input itself and Changes is empty.
type Result struct {
	// Output is the rewritten document.
	Output []byte
	// Changes lists the replaced values in input order (one per container, so a YAML
	// anchor used by two containers is listed twice).
	Changes []Change
}

// target returns the mirror image for an Envoy image: the mirror repository (with its
// region) and the image's tag, keeping the image's digest so that the Pinner checks the
// mirror holds that same image.
func (r *Rewriter) target(img appmeshenvoy.Image) (appmeshenvoy.Image, error) {
	if img.Tag == "" {
		return appmeshenvoy.Image{}, errcode.Wrap(ErrCannotRewrite, "the image has no tag; the mirror is looked up by tag: add the tag it was copied with", nil)
	}
	to := r.to
	if strings.Contains(to, "{region}") {
		reg := img.Region()
		if reg == "" {
			reg = r.opts.Region
		}
		if reg == "" {
			return appmeshenvoy.Image{}, errcode.Wrap(ErrCannotRewrite, "the image's registry names no region for {region} in the mirror repository; give the region (--region)", nil)
		}
		to = strings.ReplaceAll(to, "{region}", reg)
	}
	t, err := appmeshenvoy.ParseImage(to + ":" + img.Tag)
	if err != nil {
		return appmeshenvoy.Image{}, errcode.Wrap(ErrInvalidTarget, "mirror repository "+quote.Input(to)+": "+err.Error(), err)
	}
	t.Digest = img.Digest
	return t, nil
}

// plan computes the replacements of the Envoy images among imgs: one pin per distinct
// target.
func (r *Rewriter) plan(ctx context.Context, file string, imgs []manifest.Image) ([]edit, []Change, error) {
	if r == nil || r.pinner == nil {
		return nil, nil, errNotInitialized
	}
	pinned := map[appmeshenvoy.Image]appmeshenvoy.Image{}
	var edits []edit
	var changes []Change
	for _, im := range imgs {
		img, ok, err := r.opts.Matcher.Match(im.Value)
		where := quote.Text(file, 256) + ":" + strconv.Itoa(im.Line) + ":" + strconv.Itoa(im.Column) + ": " + quote.Input(im.Value)
		if err != nil {
			return nil, nil, errcode.Wrap(ErrMalformed, quote.Text(file, 256)+":"+strconv.Itoa(im.Line)+":"+strconv.Itoa(im.Column)+": "+err.Error(), err)
		}
		if !ok {
			continue
		}
		if im.Problem != "" {
			return nil, nil, errcode.Wrap(ErrCannotRewrite, where+": cannot be replaced in place: "+im.Problem+"; rewrite it by hand", nil)
		}
		t, err := r.target(img)
		if err != nil {
			return nil, nil, prefix(where, err)
		}
		p, ok := pinned[t]
		if !ok {
			if p, err = r.pinner.Pin(ctx, t); err != nil {
				return nil, nil, prefix(where+": the mirror's "+t.String(), err)
			}
			if p.Digest == "" || p.Registry != t.Registry || p.Repository != t.Repository || p.Tag != t.Tag {
				return nil, nil, errcode.Wrap(appmeshenvoy.ErrDigestMismatch, where+": the Pinner answered "+quote.Input(p.String())+" for "+t.String(), nil)
			}
			pinned[t] = p
		}
		edits = append(edits, edit{start: im.Start, end: im.End, quote: im.Quote, value: p.String()})
		changes = append(changes, Change{Line: im.Line, Column: im.Column, Kind: im.Kind, Name: im.Name, Container: im.Container, From: im.Value, To: p.String()})
	}
	return edits, changes, nil
}

// prefix puts where in front of err's message, keeping err's code and chain.
func prefix(where string, err error) error {
	var ce interface{ ErrorCode() errcode.Code }
	code := errcode.Of(err)
	if !errors.As(err, &ce) {
		code = errcode.Unknown
	}
	return &errcode.Error{Code: code, Msg: where + ": " + err.Error(), Cause: err}
}

// Kubernetes rewrites the Envoy images (containers and init containers) of Kubernetes
// manifests: YAML or JSON, several documents, List kinds. Only the bytes of each image
// value change — comments, key order, quoting style and formatting stay — and nothing
// that merely looks like the reference elsewhere (annotations, environment values) is
// touched. file names the input in errors. Errors: [ErrMalformed] for input that is not
// YAML or JSON, [ErrCannotRewrite], or the Pinner's error (the mirror has no such image:
// appmeshenvoy.ErrImageNotFound), each naming file, line and column.
func (r *Rewriter) Kubernetes(ctx context.Context, file string, data []byte) (Result, error) {
	imgs, err := manifest.Kubernetes(data)
	if err != nil {
		return Result{}, errcode.Wrap(ErrMalformed, quote.Text(file, 256)+": "+err.Error(), err)
	}
	edits, changes, err := r.plan(ctx, file, imgs)
	if err != nil || len(edits) == 0 {
		return Result{Output: data}, err
	}
	out, err := splice(data, edits)
	if err != nil {
		return Result{}, err
	}
	if err := verify(data, out, manifest.Kubernetes, edits); err != nil {
		return Result{}, err
	}
	return Result{Output: out, Changes: changes}, nil
}
