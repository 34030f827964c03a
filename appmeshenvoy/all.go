package appmeshenvoy

import (
	"context"
	"errors"
	"fmt"

	"golang.org/x/sync/errgroup"

	"github.com/appmesh-envoy/appmesh-envoy-go/internal/errcode"
	"github.com/appmesh-envoy/appmesh-envoy-go/region"
)

// ErrNoRegions is matched by the error of [Resolver.LatestAll] and [Resolver.PinAll]
// when they are given no region. "Every region" is never implied: name the regions, for
// example with region.Select(region.Selection{All: true, Partition: "aws"}).
var ErrNoRegions error = errcode.New(errcode.InvalidInput, "no regions")

// LatestAll resolves several regions concurrently (at most ResolverOptions.Concurrency
// at once) with [Resolver.Resolve] and returns one [Result] per region, in the order
// given, each region once (codes are normalized first, so " US-WEST-2" and "us-west-2"
// are one region). One region's failure never hides the others: it is that Result's Err.
//
// The error is for what fails every region alike: no regions given ([ErrNoRegions]), no
// usable credentials (checked once, before any call), credentials every region rejected,
// or ctx ending before any region answered; results are nil then. When ctx ends after
// some regions answered (a deadline shorter than one stalled region), their results are
// kept and every unfinished region's Err is ctx's error.
func (r *Resolver) LatestAll(ctx context.Context, regions []string) ([]Result, error) {
	return r.each(ctx, "resolve", regions, func(ctx context.Context, code string) Result {
		res, _ := r.Resolve(ctx, code)
		return res
	})
}

// PinAll is [Resolver.LatestAll] followed by [Resolver.Pin] for every region that
// resolved, under one ctx: each region is resolved and pinned on its own, so a stalled
// region does not delay (or, under a deadline, starve) the pins of the others. Each
// successful Result's Image carries its digest; a region whose pin failed has that
// error and the zero Image. Errors are as for LatestAll.
//
// With ResolverOptions.Fallbacks, a region whose parameter names an image that is gone
// from its registry (ErrImageNotFound) is answered by the fallbacks, as a missing
// parameter is, and that answer is pinned where it is. A pinned answer of the builtin
// source is no longer Unverified: its digest was read from the registry.
func (r *Resolver) PinAll(ctx context.Context, regions []string) ([]Result, error) {
	return r.each(ctx, "pin", regions, func(ctx context.Context, code string) Result {
		res, err := r.Resolve(ctx, code)
		if err != nil {
			return res
		}
		img, err := r.Pin(ctx, res.Image)
		if err != nil && res.Source == SourceSSM && errors.Is(err, ErrImageNotFound) && r.fallbackApplies(err) {
			if reg, lerr := region.Lookup(res.Region); lerr == nil {
				fres, _, ferr := r.fallback(ctx, reg, err)
				if ferr != nil {
					return Result{Region: res.Region, Err: ferr}
				}
				res = fres
				img, err = r.Pin(ctx, res.Image)
			}
		}
		if err != nil {
			return Result{Region: res.Region, Err: err}
		}
		res.Image = img
		if res.Unverified {
			res.Unverified = false
			res.Warning += "; pinned: the image is in " + img.Registry + " at " + img.Digest
		}
		return res
	})
}

// each runs one for every region (normalized, deduplicated) concurrently and collects the
// results as LatestAll documents.
func (r *Resolver) each(ctx context.Context, op string, regions []string, one func(context.Context, string) Result) ([]Result, error) {
	if err := r.usable(); err != nil {
		return nil, err
	}
	what := op + " all regions"
	if len(regions) == 0 {
		return nil, fmt.Errorf("%s: %w", what, errcode.Wrap(ErrNoRegions,
			"no regions given: name them, for example region.Codes(regions) of region.Select(region.Selection{All: true, Partition: \"aws\"})", nil))
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	codes := normalizeRegions(regions)
	if err := r.checkSharedCredentials(ctx); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	results := make([]Result, len(codes))
	var g errgroup.Group
	g.SetLimit(r.opts.Concurrency)
	for i, code := range codes {
		results[i].Region = code
	}
	for i, code := range codes {
		if ctx.Err() != nil {
			break
		}
		g.Go(func() error {
			results[i] = one(ctx, code)
			return nil
		})
	}
	_ = g.Wait()
	if err := ctx.Err(); err != nil {
		// Regions that answered before ctx ended keep their results; the others get
		// ctx's error. Only when no region answered is it the error of the whole call.
		answered := false
		for i := range results {
			switch {
			case results[i].Err == nil && results[i].Image == (Image{}):
				results[i].Err = &RegionError{Region: results[i].Region, Op: op, Err: err}
			case !errors.Is(results[i].Err, err):
				answered = true
			}
		}
		if !answered {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
	}
	if err := allRejected(results); err != nil {
		return nil, err
	}
	return results, nil
}

// normalizeRegions returns the codes as Results name them (see [Result.Region]), each
// once, in order.
func normalizeRegions(regions []string) []string {
	seen := make(map[string]bool, len(regions))
	out := make([]string, 0, len(regions))
	for _, c := range regions {
		norm := normalizedInput(c)
		if r, err := region.Lookup(c); err == nil {
			norm = r.Code
		}
		if !seen[norm] {
			seen[norm] = true
			out = append(out, norm)
		}
	}
	return out
}

// allRejected returns an error when every region failed because AWS rejected the
// credentials. Opt-in regions answer bad credentials the same way as "not enabled", so
// those count too, provided at least one other region said "invalid credentials".
func allRejected(results []Result) error {
	var first error
	for _, res := range results {
		switch {
		case errors.Is(res.Err, ErrInvalidCredentials):
			if first == nil {
				first = res.Err
			}
		case errors.Is(res.Err, ErrRegionNotEnabled):
		default:
			return nil
		}
	}
	if first == nil {
		return nil
	}
	return fmt.Errorf("every region rejected the credentials: %w", first)
}
