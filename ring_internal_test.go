package futures

import (
	"runtime"
	"sync"
	"testing"
)

// TestRingPushTake fills the ring, checks that it refuses when full, and that tasks
// come out in order across several laps.
func TestRingPushTake(t *testing.T) {
	r := newRing()
	next, want := int64(0), int64(0)
	for lap := 0; lap < 5; lap++ {
		for r.push(goTask(nil), next) {
			next++
		}
		if next-want != ringSize {
			t.Fatalf("lap %d: the ring took %d tasks; want %d", lap, next-want, ringSize)
		}
		for i := 0; i < ringSize/2+lap; i++ {
			_, at, ok := r.take()
			if !ok || at != want {
				t.Fatalf("lap %d: take() = %d, %v; want %d, true", lap, at, ok, want)
			}
			if s := &r.slot[(r.head-1)%ringSize]; s.t != nil {
				t.Fatalf("lap %d: a taken slot still holds its task", lap)
			}
			want++
		}
	}
	for {
		_, at, ok := r.take()
		if !ok {
			break
		}
		if at != want {
			t.Fatalf("take() = %d; want %d", at, want)
		}
		want++
	}
	if want != next {
		t.Fatalf("took %d tasks; pushed %d", want, next)
	}
}

// TestRingClose checks that a closed ring refuses pushes and keeps what it holds.
func TestRingClose(t *testing.T) {
	r := newRing()
	if !r.push(goTask(nil), 1) {
		t.Fatal("push on an empty ring failed")
	}
	r.close()
	if r.push(goTask(nil), 2) {
		t.Fatal("push on a closed ring succeeded")
	}
	if _, at, ok := r.take(); !ok || at != 1 {
		t.Fatalf("take() = %d, %v after close; want 1, true", at, ok)
	}
	if _, _, ok := r.take(); ok {
		t.Fatal("take() found a second task")
	}
}

// TestRingConcurrent has several producers push while one consumer, under a mutex as
// the pool's is, takes: every task comes out exactly once, and each producer's tasks
// come out in the order it pushed them.
func TestRingConcurrent(t *testing.T) {
	const producers, each = 4, 20000
	r := newRing()
	var mu sync.Mutex // the consumer's side is guarded by the pool's mutex
	var wg sync.WaitGroup
	for p := range producers {
		wg.Go(func() {
			for i := range each {
				for !r.push(goTask(nil), int64(p*each+i)) {
					runtime.Gosched() // full: let the consumer run
				}
			}
		})
	}
	last := make([]int64, producers)
	for i := range last {
		last[i] = -1
	}
	for got := 0; got < producers*each; {
		mu.Lock()
		_, at, ok := r.take()
		mu.Unlock()
		if !ok {
			runtime.Gosched()
			continue
		}
		p, i := at/each, at%each
		if i <= last[p] {
			t.Fatalf("producer %d: task %d came after %d", p, i, last[p])
		}
		last[p] = i
		got++
	}
	wg.Wait()
	if _, _, ok := r.take(); ok {
		t.Fatal("the ring holds a task nobody pushed")
	}
}
