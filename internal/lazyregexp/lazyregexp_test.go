package lazyregexp

import (
	"sync"
	"testing"
)

func TestNewCompilesOnceOnFirstUse(t *testing.T) {
	re := New(`^a+$`)
	var wg sync.WaitGroup
	got := make([]bool, 8)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i] = re().MatchString("aaa")
		}()
	}
	wg.Wait()
	for i, ok := range got {
		if !ok {
			t.Fatalf("goroutine %d: no match", i)
		}
	}
	if first, second := re(), re(); first != second {
		t.Fatal("each call compiled a new regexp")
	}
}

func TestNewPanicsOnFirstUseOfBadPattern(t *testing.T) {
	re := New(`(`) // must not panic here
	defer func() {
		if recover() == nil {
			t.Fatal("no panic for a bad pattern")
		}
	}()
	re()
}
