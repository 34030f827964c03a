package mirror

import (
	"context"
	"errors"
	"io"
	"sort"
	"sync"
	"sync/atomic"

	"golang.org/x/sync/errgroup"
	"golang.org/x/sync/semaphore"

	"github.com/appmesh-envoy/appmesh-envoy-go/internal/errcode"
	"github.com/appmesh-envoy/appmesh-envoy-go/internal/registry"
)

// Blob transfers. Each blob some destination lacks is read from the source once and
// streamed to one destination per registry at the same time (a fan-out through pipes:
// the slowest destination sets the pace, nothing is buffered beyond one chunk); the
// other destinations of a registry then mount it from the one that has it. At most
// Options.Concurrency blobs are read at once, across every job, first come first served
// (golang.org/x/sync/semaphore is FIFO), so no destination starves.

// maxTransferAttempts bounds the attempts of one blob for one destination.
const maxTransferAttempts = 3

// chunkSize is what one source read hands to every destination.
const chunkSize = 256 << 10

// reportEvery is how many bytes pass between two progress reports of a destination.
const reportEvery = 4 << 20

// transferAll copies every blob some destination needs, largest first.
func (m *Mirror) transferAll(ctx context.Context, sem *semaphore.Weighted, src registry.Repo, img *image, targets []*target) {
	blobs := append([]registry.Descriptor(nil), img.blobs...)
	sort.SliceStable(blobs, func(i, j int) bool { return blobs[i].Size > blobs[j].Size })
	var g errgroup.Group
	for _, b := range blobs {
		g.Go(func() error {
			m.transferBlob(ctx, sem, src, b, targets)
			return nil
		})
	}
	_ = g.Wait()
}

// transferBlob puts blob b into every destination that lacks it.
func (m *Mirror) transferBlob(ctx context.Context, sem *semaphore.Weighted, src registry.Repo, b registry.Descriptor, targets []*target) {
	type regGroup struct {
		needers []*target
		from    *target // a destination of this registry that holds b already
	}
	groups := map[string]*regGroup{}
	var order []string
	for _, t := range targets {
		if t.failed() != nil {
			continue
		}
		key := registryKey(t.d)
		rg := groups[key]
		if rg == nil {
			rg = &regGroup{}
			groups[key] = rg
			order = append(order, key)
		}
		t.mu.Lock()
		need, has := t.need[b.Digest], t.have[b.Digest]
		t.mu.Unlock()
		switch {
		case need:
			rg.needers = append(rg.needers, t)
		case has && rg.from == nil:
			rg.from = t
		}
	}
	var uploaders []*target
	type mount struct{ to, from *target }
	var mounts []mount
	for _, key := range order {
		rg := groups[key]
		if len(rg.needers) == 0 {
			continue
		}
		rest := rg.needers
		from := rg.from
		if from == nil {
			from = rg.needers[0]
			uploaders = append(uploaders, from)
			rest = rest[1:]
		}
		for _, t := range rest {
			mounts = append(mounts, mount{t, from})
		}
	}
	if len(uploaders) > 0 {
		m.upload(ctx, sem, src, b, uploaders)
	}
	for _, mt := range mounts {
		if mt.from.failed() != nil || !mt.from.holds(b.Digest) {
			m.upload(ctx, sem, src, b, []*target{mt.to})
			continue
		}
		mounted, err := m.reg.Mount(ctx, mt.to.d.repo, b, mt.from.d.repo)
		switch {
		case err != nil:
			mt.to.fail(err)
		case mounted:
			mt.to.blobMounted(m, b)
		default:
			m.upload(ctx, sem, src, b, []*target{mt.to})
		}
	}
}

// upload streams b from the source into the targets, with up to maxTransferAttempts
// attempts for failures that another attempt may cure.
func (m *Mirror) upload(ctx context.Context, sem *semaphore.Weighted, src registry.Repo, b registry.Descriptor, targets []*target) {
	pending := targets
	for attempt := 1; len(pending) > 0; attempt++ {
		if err := sem.Acquire(ctx, 1); err != nil {
			for _, t := range pending {
				t.fail(err)
			}
			return
		}
		errs := m.fanout(ctx, src, b, pending)
		sem.Release(1)
		var again []*target
		for i, t := range pending {
			switch err := errs[i]; {
			case err == nil:
				t.blobCopied(m, b)
			case attempt < maxTransferAttempts && ctx.Err() == nil && retryable(err):
				again = append(again, t)
			default:
				t.fail(err)
			}
		}
		pending = again
	}
}

// retryable reports errors another attempt may cure: the network, an idle timeout,
// throttling, a server error. Refused requests, bad content and denials are final.
func retryable(err error) bool {
	if errors.Is(err, registry.ErrRefused) {
		return false
	}
	switch errcode.Of(err) {
	case errcode.RegistryUnreachable, errcode.Timeout, errcode.ServerError, errcode.RateLimited:
		return true
	}
	return false
}

// errUploadOver tells the source reader that a destination's upload has ended.
var errUploadOver = errors.New("the upload ended")

// fanout reads b from the source once and uploads it into every target at the same
// time, and returns each target's error. A target that fails drops out; the source is
// read as long as one target takes the bytes. When the source fails (or its bytes do not
// match the digest), every upload is aborted before it is committed, and the source's
// error is every target's.
func (m *Mirror) fanout(ctx context.Context, src registry.Repo, b registry.Descriptor, targets []*target) []error {
	errs := make([]error, len(targets))
	rc, err := m.reg.OpenBlob(ctx, src, b)
	if err != nil {
		for i := range errs {
			errs[i] = err
		}
		return errs
	}
	defer rc.Close()
	pws := make([]*io.PipeWriter, len(targets))
	alive := make([]bool, len(targets))
	var wg sync.WaitGroup
	for i, t := range targets {
		pr, pw := io.Pipe()
		pws[i], alive[i] = pw, true
		wg.Add(1)
		go func() {
			defer wg.Done()
			cr := &countingReader{r: pr, t: t, m: m}
			err := m.reg.Upload(ctx, t.d.repo, b, cr)
			pr.CloseWithError(errUploadOver)
			if err != nil {
				t.addBytes(m, -cr.n.Load())
			}
			errs[i] = err
		}()
	}
	buf := make([]byte, chunkSize)
	var srcErr error
	for {
		n, rerr := rc.Read(buf)
		if n > 0 {
			live := 0
			for i, pw := range pws {
				if !alive[i] {
					continue
				}
				if _, werr := pw.Write(buf[:n]); werr != nil {
					alive[i] = false
					continue
				}
				live++
			}
			if live == 0 {
				break
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			srcErr = rerr
			break
		}
	}
	for _, pw := range pws {
		if srcErr != nil {
			pw.CloseWithError(srcErr)
		} else {
			pw.Close()
		}
	}
	wg.Wait()
	if srcErr != nil {
		for i := range errs {
			if errs[i] != nil {
				errs[i] = srcErr
			}
		}
	}
	return errs
}

// countingReader counts the bytes an upload takes, for progress.
type countingReader struct {
	r io.Reader
	t *target
	m *Mirror
	n atomic.Int64 // the transport may still read after Upload returned
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if n > 0 {
		c.n.Add(int64(n))
		c.t.addBytes(c.m, int64(n))
	}
	return n, err
}

// addBytes counts uploaded bytes (negative: an attempt that failed) and reports every
// few MiB.
func (t *target) addBytes(m *Mirror, n int64) {
	t.mu.Lock()
	t.prog.BytesDone += n
	p, due := t.prog, t.prog.BytesDone-t.last >= reportEvery
	if due {
		t.last = t.prog.BytesDone
	}
	t.mu.Unlock()
	if due {
		m.report(p)
	}
}

// holds reports whether the destination holds blob d.
func (t *target) holds(d string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.have[d]
}

// blobCopied records an uploaded blob.
func (t *target) blobCopied(m *Mirror, b registry.Descriptor) {
	t.mu.Lock()
	delete(t.need, b.Digest)
	t.have[b.Digest] = true
	t.res.BlobsCopied++
	t.res.BytesCopied += b.Size
	t.prog.BlobsDone++
	p := t.prog
	t.mu.Unlock()
	m.report(p)
}

// blobMounted records a blob mounted from another repository of the registry.
func (t *target) blobMounted(m *Mirror, b registry.Descriptor) {
	t.mu.Lock()
	delete(t.need, b.Digest)
	t.have[b.Digest] = true
	t.res.BlobsMounted++
	t.prog.BlobsDone++
	t.prog.BytesTotal -= b.Size
	p := t.prog
	t.mu.Unlock()
	m.report(p)
}
