package mirror

import (
	"context"
	"io"
	"log/slog"
	"sync"

	"golang.org/x/sync/errgroup"
	"golang.org/x/sync/semaphore"

	"github.com/appmesh-envoy/appmesh-envoy-go/internal/errcode"
)

// target is one destination of one source image, while it is being copied.
type target struct {
	d   destination
	res Result

	mu    sync.Mutex
	err   error
	write bool            // manifests and tag are to be written
	need  map[string]bool // blobs to transfer
	have  map[string]bool // blobs the destination holds (mount sources)
	prog  Progress
	last  int64 // BytesDone at the last report
}

// fail records the first error of t.
func (t *target) fail(err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.err == nil {
		t.err = err
	}
}

// failed returns t's error, if any.
func (t *target) failed() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.err
}

// concurrentTargets runs fn for every target that has not failed, all at once (there
// are few destinations; blob transfers are bounded elsewhere).
func concurrentTargets(targets []*target, fn func(*target) error) {
	var g errgroup.Group
	for _, t := range targets {
		if t.failed() != nil {
			continue
		}
		g.Go(func() error {
			if err := fn(t); err != nil {
				t.fail(err)
			}
			return nil
		})
	}
	_ = g.Wait()
}

// runJob copies one source image (one tag) into every destination of g.
func (m *Mirror) runJob(ctx context.Context, sem *semaphore.Weighted, g group, tag string, req Request) []Result {
	targets := make([]*target, len(g.dests))
	for i, d := range g.dests {
		targets[i] = &target{d: d, res: m.newResult(g, d, tag), need: map[string]bool{}, have: map[string]bool{}}
		targets[i].prog = Progress{Destination: targets[i].res.Destination, Tag: tag}
	}
	img, err := m.fetchSource(ctx, g.src, tag)
	if err != nil {
		return m.failAll(g, tag, err)
	}
	for _, t := range targets {
		t.res.Source.Digest = img.top.Digest
		t.res.Image.Digest = img.top.Digest
	}
	m.opts.Logger.LogAttrs(ctx, slog.LevelDebug, "mirror: source read", slog.String("source", g.src.String()+":"+tag),
		slog.String("digest", img.top.Digest), slog.Int("manifests", 1+len(img.children)), slog.Int("blobs", len(img.blobs)))

	concurrentTargets(targets, func(t *target) error { return m.prepare(ctx, t, img, tag, req) })
	if req.DryRun {
		for _, t := range targets {
			if t.write {
				t.res.Manifests = 1 + len(img.children)
			}
		}
	} else {
		m.transferAll(ctx, sem, g.src, img, targets)
		concurrentTargets(targets, func(t *target) error { return m.writeManifests(ctx, t, img, tag) })
	}
	if req.Verify && !req.DryRun {
		concurrentTargets(targets, func(t *target) error { return m.verify(ctx, sem, t, img, tag) })
	}
	out := make([]Result, len(targets))
	for i, t := range targets {
		out[i] = m.finish(t, req)
	}
	return out
}

// prepare finds what a destination needs: its repository (created when asked), its
// tag, and the blobs it lacks.
func (m *Mirror) prepare(ctx context.Context, t *target, img *image, tag string, req Request) error {
	created := false
	if req.Create != nil && t.d.ecr != nil {
		var err error
		if created, err = m.ensureRepository(ctx, t.d, *req.Create, req.DryRun); err != nil {
			return err
		}
		t.res.RepositoryCreated = created
	}
	if !created {
		d, ok, err := m.reg.HeadManifest(ctx, t.d.repo, tag)
		if err != nil {
			return err
		}
		if ok && d.Digest == img.top.Digest {
			t.res.Status = StatusUpToDate
			return nil
		}
		if ok {
			if !req.Force {
				return errcode.Wrap(ErrTagExists, "tag "+tag+" of "+t.d.repo.String()+" points at "+d.Digest+", the source "+
					img.top.Digest+"; the tag was moved on one side: check which image you want, then pass --force (Request.Force) to move the destination tag, "+
					"which a repository with immutable tags refuses", nil)
			}
			t.res.Status = StatusMoved
		}
	}
	t.write = true
	t.prog.BlobsTotal, t.prog.BytesTotal = len(img.blobs), img.bytes
	if created {
		for _, b := range img.blobs {
			t.need[b.Digest] = true
		}
		return nil
	}
	var mu sync.Mutex
	var g errgroup.Group
	g.SetLimit(4)
	for _, b := range img.blobs {
		g.Go(func() error {
			ok, err := m.reg.BlobExists(ctx, t.d.repo, b)
			if err != nil {
				return err
			}
			mu.Lock()
			defer mu.Unlock()
			if ok {
				t.have[b.Digest] = true
			} else {
				t.need[b.Digest] = true
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	t.res.BlobsSkipped = len(t.have)
	t.prog.BlobsDone = len(t.have)
	t.prog.BytesTotal = 0
	for _, b := range img.blobs {
		if t.need[b.Digest] {
			t.prog.BytesTotal += b.Size
		}
	}
	m.report(t.prog)
	return nil
}

// writeManifests writes the children of the index by digest, then the top manifest
// under the tag: the tag last, after everything it references exists.
func (m *Mirror) writeManifests(ctx context.Context, t *target, img *image, tag string) error {
	if !t.write {
		return nil
	}
	for _, c := range img.children {
		if err := m.reg.PutManifest(ctx, t.d.repo, c.Digest, c); err != nil {
			return err
		}
		t.res.Manifests++
	}
	if err := m.reg.PutManifest(ctx, t.d.repo, tag, img.top); err != nil {
		return err
	}
	t.res.Manifests++
	if t.res.Status != StatusMoved {
		t.res.Status = StatusCopied
	}
	return nil
}

// verify re-reads the image from the destination: the tag's manifest, every child and
// every blob, each checked against its digest and size.
func (m *Mirror) verify(ctx context.Context, sem *semaphore.Weighted, t *target, img *image, tag string) error {
	top, err := m.reg.GetManifest(ctx, t.d.repo, tag)
	if err != nil {
		return errcode.Wrap(ErrVerify, "verify "+t.d.repo.String()+":"+tag+": "+err.Error(), err)
	}
	if top.Digest != img.top.Digest {
		return errcode.Wrap(ErrVerify, "verify "+t.d.repo.String()+":"+tag+": the tag points at "+top.Digest+", not the source's "+img.top.Digest, nil)
	}
	for _, c := range img.children {
		if _, err := m.reg.GetManifest(ctx, t.d.repo, c.Digest); err != nil {
			return errcode.Wrap(ErrVerify, "verify "+t.d.repo.String()+": "+err.Error(), err)
		}
	}
	for _, b := range img.blobs {
		if err := sem.Acquire(ctx, 1); err != nil {
			return err
		}
		err := func() error {
			defer sem.Release(1)
			rc, err := m.reg.OpenBlob(ctx, t.d.repo, b)
			if err != nil {
				return err
			}
			defer rc.Close()
			_, err = io.Copy(io.Discard, rc)
			return err
		}()
		if err != nil {
			return errcode.Wrap(ErrVerify, "verify "+t.d.repo.String()+": "+err.Error(), err)
		}
	}
	t.res.Verified = true
	return nil
}

// finish fills in t's result and sends its last progress report.
func (m *Mirror) finish(t *target, req Request) Result {
	r := t.res
	if err := t.failed(); err != nil {
		r.Status, r.Err = StatusFailed, err
	} else if req.DryRun {
		if t.write {
			r.Status = StatusPlanned
			r.BlobsCopied = len(t.need)
			r.BytesCopied = t.prog.BytesTotal
		}
	}
	t.prog.Done, t.prog.Status = true, r.Status
	m.report(t.prog)
	return r
}

// registryKey identifies the registry of a destination for mounts: one ECR account in
// one region (ECR mounts only within one registry), or one host elsewhere.
func registryKey(d destination) string {
	if d.ecr != nil {
		return d.ecr.Partition + "/" + d.ecr.Region + "/" + d.ecr.Account
	}
	return d.repo.Host
}
