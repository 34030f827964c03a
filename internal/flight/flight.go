// Package flight is a per-key cache whose misses are filled by one shared fetch: the
// machinery behind the resolver's image and digest caches and the ECR token cache.
//
// Concurrent callers of one key share one fetch (singleflight). The fetch runs under its
// own timeout, detached from every caller's cancellation, so it ends even when all
// callers have given up, and no goroutine outlives it; each caller waits only as long as
// its own context allows. [Cache.Invalidate] drops entries, and a fetch that started
// before it neither stores its answer nor is joined by callers after it.
package flight

import (
	"context"
	"fmt"
	"runtime/debug"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// Lifetime says when a fetched value is due for refresh and when it must no longer be
// used. A zero RefreshAt means "do not cache".
type Lifetime struct {
	// RefreshAt is when the value is due for a new fetch: until then [Cache.Do] returns
	// it without fetching.
	RefreshAt time.Time
	// ExpiresAt is when the value must no longer be used; [Cache.Valid] returns it until
	// then. When zero it is RefreshAt.
	ExpiresAt time.Time
}

// Fetch produces the value of a key and its lifetime. ctx carries the first caller's
// values, the cache's timeout and no caller's cancellation.
type Fetch[V any] func(ctx context.Context) (V, Lifetime, error)

type entry[V any] struct {
	val       V
	refreshAt time.Time
	expiresAt time.Time
}

// Cache maps keys of type K to values of type V. Create it with [New]. It is safe for
// concurrent use.
type Cache[K comparable, V any] struct {
	timeout time.Duration
	now     func() time.Time
	name    func(K) string

	mu      sync.RWMutex
	entries map[K]entry[V]
	epoch   uint64 // counts Invalidate calls
	group   singleflight.Group
}

// New returns an empty cache. timeout bounds each shared fetch; now is the clock
// (time.Now when nil); name turns a key into the string that identifies its flight (two
// keys must not share a name).
func New[K comparable, V any](timeout time.Duration, now func() time.Time, name func(K) string) *Cache[K, V] {
	if now == nil {
		now = time.Now
	}
	return &Cache[K, V]{timeout: timeout, now: now, name: name, entries: map[K]entry[V]{}}
}

// Fresh returns the value of key when it is not yet due for refresh. It does not
// allocate.
func (c *Cache[K, V]) Fresh(key K) (V, bool) {
	c.mu.RLock()
	e, ok := c.entries[key]
	c.mu.RUnlock()
	if !ok || !c.now().Before(e.refreshAt) {
		var zero V
		return zero, false
	}
	return e.val, true
}

// Valid returns the value of key when it has not expired, even when it is due for
// refresh: the value to fall back on when a refresh fails.
func (c *Cache[K, V]) Valid(key K) (V, bool) {
	c.mu.RLock()
	e, ok := c.entries[key]
	c.mu.RUnlock()
	if !ok || !c.now().Before(e.expiresAt) {
		var zero V
		return zero, false
	}
	return e.val, true
}

// Len returns the number of entries, expired ones included.
func (c *Cache[K, V]) Len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.entries)
}

// Do returns the fresh value of key, or the result of fetch, run once for all concurrent
// callers of key. A caller whose ctx ends first gets ctx's error at once (the fetch goes
// on, bounded by the cache's timeout, and fills the cache for the next caller). ctx's
// error is returned before anything is fetched when ctx has already ended.
func (c *Cache[K, V]) Do(ctx context.Context, key K, fetch Fetch[V]) (V, error) {
	var zero V
	if v, ok := c.Fresh(key); ok {
		return v, nil
	}
	if err := ctx.Err(); err != nil {
		return zero, err
	}
	c.mu.RLock()
	epoch := c.epoch
	c.mu.RUnlock()
	ch := c.group.DoChan(c.name(key)+"#"+strconv.FormatUint(epoch, 10), func() (any, error) {
		// A caller that missed the cache may start a flight just after another one
		// finished and filled it.
		if v, ok := c.Fresh(key); ok {
			return v, nil
		}
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.timeout)
		defer cancel()
		v, life, err := safeFetch(fctx, fetch)
		if err != nil {
			return zero, err
		}
		if !life.RefreshAt.IsZero() {
			exp := life.ExpiresAt
			if exp.IsZero() {
				exp = life.RefreshAt
			}
			c.mu.Lock()
			if c.epoch == epoch { // else Invalidate ran meanwhile: the answer may be stale
				c.entries[key] = entry[V]{val: v, refreshAt: life.RefreshAt, expiresAt: exp}
			}
			c.mu.Unlock()
		}
		return v, nil
	})
	select {
	case res := <-ch:
		if res.Err != nil {
			return zero, res.Err
		}
		return res.Val.(V), nil
	case <-ctx.Done():
		return zero, ctx.Err()
	}
}

// safeFetch runs fetch and turns a panic into an error: fetch runs in a goroutine of
// its own (singleflight), where a panic, of a caller's fake client say, would end the
// whole process instead of failing the call.
func safeFetch[V any](ctx context.Context, fetch Fetch[V]) (v V, life Lifetime, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic in a shared fetch (a bug in a client or option function?): %v\n%s", p, debug.Stack())
		}
	}()
	return fetch(ctx)
}

// Invalidate drops the entries whose key match reports true, or every entry when match
// is nil. Fetches in flight do not store their answers, and callers after Invalidate do
// not join them.
func (c *Cache[K, V]) Invalidate(match func(K) bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.epoch++
	if match == nil {
		clear(c.entries)
		return
	}
	for k := range c.entries {
		if match(k) {
			delete(c.entries, k)
		}
	}
}
