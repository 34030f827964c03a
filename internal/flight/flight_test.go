package flight

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func newCache(clk *clock) *Cache[string, int] {
	return New[string, int](time.Second, clk.now, func(k string) string { return k })
}

func TestConcurrentCallersShareOneFetch(t *testing.T) {
	clk := &clock{t: time.Unix(0, 0)}
	c := newCache(clk)
	var calls atomic.Int32
	release := make(chan struct{})
	fetch := func(ctx context.Context) (int, Lifetime, error) {
		calls.Add(1)
		<-release
		return 42, Lifetime{RefreshAt: clk.now().Add(time.Minute)}, nil
	}
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if v, err := c.Do(context.Background(), "k", fetch); err != nil || v != 42 {
				t.Errorf("Do = %d, %v", v, err)
			}
		}()
	}
	time.Sleep(20 * time.Millisecond)
	close(release)
	wg.Wait()
	if n := calls.Load(); n != 1 {
		t.Fatalf("%d fetches, want 1", n)
	}
	if v, ok := c.Fresh("k"); !ok || v != 42 {
		t.Fatalf("Fresh = %d, %v", v, ok)
	}
}

func TestRefreshAndExpiry(t *testing.T) {
	clk := &clock{t: time.Unix(0, 0)}
	c := newCache(clk)
	n := 0
	fetch := func(context.Context) (int, Lifetime, error) {
		n++
		return n, Lifetime{RefreshAt: clk.now().Add(time.Minute), ExpiresAt: clk.now().Add(time.Hour)}, nil
	}
	if v, _ := c.Do(context.Background(), "k", fetch); v != 1 {
		t.Fatalf("first = %d", v)
	}
	clk.add(2 * time.Minute)
	if _, ok := c.Fresh("k"); ok {
		t.Fatal("fresh after RefreshAt")
	}
	if v, ok := c.Valid("k"); !ok || v != 1 {
		t.Fatal("not valid before ExpiresAt")
	}
	if v, _ := c.Do(context.Background(), "k", fetch); v != 2 {
		t.Fatalf("after refresh = %d", v)
	}
	clk.add(2 * time.Hour)
	if _, ok := c.Valid("k"); ok {
		t.Fatal("valid after ExpiresAt")
	}
}

func TestFailuresAndZeroLifetimeAreNotCached(t *testing.T) {
	clk := &clock{t: time.Unix(0, 0)}
	c := newCache(clk)
	boom := errors.New("boom")
	if _, err := c.Do(context.Background(), "k", func(context.Context) (int, Lifetime, error) { return 0, Lifetime{}, boom }); !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	if _, err := c.Do(context.Background(), "k", func(context.Context) (int, Lifetime, error) { return 7, Lifetime{}, nil }); err != nil {
		t.Fatal(err)
	}
	if c.Len() != 0 {
		t.Fatalf("%d entries cached", c.Len())
	}
}

func TestCallerLeavesFetchFinishesUnderItsOwnTimeout(t *testing.T) {
	clk := &clock{t: time.Unix(0, 0)}
	c := New[string, int](50*time.Millisecond, clk.now, func(k string) string { return k })
	done := make(chan error, 1)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		_, err := c.Do(ctx, "k", func(fctx context.Context) (int, Lifetime, error) {
			<-fctx.Done() // never answers: only the cache's timeout ends it
			done <- fctx.Err()
			return 0, Lifetime{}, fctx.Err()
		})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("caller got %v", err)
		}
	}()
	time.Sleep(10 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("fetch ended with %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the fetch outlived its timeout")
	}
}

func TestInvalidateDuringFetchDoesNotStore(t *testing.T) {
	clk := &clock{t: time.Unix(0, 0)}
	c := newCache(clk)
	started, release := make(chan struct{}), make(chan struct{})
	go func() {
		_, _ = c.Do(context.Background(), "k", func(context.Context) (int, Lifetime, error) {
			close(started)
			<-release
			return 1, Lifetime{RefreshAt: clk.now().Add(time.Hour)}, nil
		})
	}()
	<-started
	c.Invalidate(nil)
	// A caller after Invalidate does not join the old flight.
	v, err := c.Do(context.Background(), "k", func(context.Context) (int, Lifetime, error) {
		return 2, Lifetime{RefreshAt: clk.now().Add(time.Hour)}, nil
	})
	if err != nil || v != 2 {
		t.Fatalf("after Invalidate: %d, %v", v, err)
	}
	close(release)
	time.Sleep(10 * time.Millisecond)
	if v, _ := c.Fresh("k"); v != 2 {
		t.Fatalf("the stale flight overwrote the cache: %d", v)
	}
	c.Invalidate(func(k string) bool { return k == "k" })
	if _, ok := c.Fresh("k"); ok {
		t.Fatal("Invalidate(match) kept the entry")
	}
}

func TestFreshDoesNotAllocate(t *testing.T) {
	clk := &clock{t: time.Unix(0, 0)}
	c := newCache(clk)
	_, _ = c.Do(context.Background(), "k", func(context.Context) (int, Lifetime, error) {
		return 1, Lifetime{RefreshAt: clk.now().Add(time.Hour)}, nil
	})
	if n := testing.AllocsPerRun(100, func() { _, _ = c.Do(context.Background(), "k", nil) }); n != 0 {
		t.Fatalf("warm Do allocates %v times", n)
	}
}

func TestPanicInFetchIsAnError(t *testing.T) {
	clk := &clock{t: time.Unix(0, 0)}
	c := newCache(clk)
	_, err := c.Do(context.Background(), "k", func(context.Context) (int, Lifetime, error) {
		panic("a broken fake client")
	})
	if err == nil || !strings.Contains(err.Error(), "panic in a shared fetch") {
		t.Fatalf("err = %v", err)
	}
}
