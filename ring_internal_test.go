package futures

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// ok returns the second of two results.
func ok[T any](_ T, ok bool) bool { return ok }

// TestRingPushTake fills the ring, checks that it refuses when full, and that tasks
// come out in order across several laps.
func TestRingPushTake(t *testing.T) {
	r := newRing(ringMin, 0)
	next, want := int64(0), int64(0)
	for lap := 0; lap < 5; lap++ {
		for ok(r.push(goTask(nil), next)) {
			next++
		}
		if next-want != ringMin {
			t.Fatalf("lap %d: the ring took %d tasks; want %d", lap, next-want, ringMin)
		}
		for i := 0; i < ringMin/2+lap; i++ {
			_, at, ok := r.take()
			if !ok || at != want {
				t.Fatalf("lap %d: take() = %d, %v; want %d, true", lap, at, ok, want)
			}
			if s := &r.slot[(r.head.Load()-1)&r.mask]; s.t != nil {
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
	r := newRing(ringMin, 0)
	if !ok(r.push(goTask(nil), 1)) {
		t.Fatal("push on an empty ring failed")
	}
	r.close()
	if ok(r.push(goTask(nil), 2)) {
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
	r := newRing(ringMin, 0)
	var mu sync.Mutex // the consumer's side is guarded by the pool's mutex
	var wg sync.WaitGroup
	for p := range producers {
		wg.Go(func() {
			for i := range each {
				for !ok(r.push(goTask(nil), int64(p*each+i))) {
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

// TestRingGate checks that a new ring's gate is shut, that takeFast takes nothing while
// it is, that the lock's take ignores it, and that both count their positions apart.
func TestRingGate(t *testing.T) {
	r := newRing(ringMin, 0)
	for i := range 4 {
		r.push(goTask(nil), int64(i))
	}
	if _, _, ok := r.takeFast(); ok {
		t.Fatal("takeFast took a task from a new ring, whose gate is shut")
	}
	if _, at, ok := r.take(); !ok || at != 0 {
		t.Fatalf("take() = %d, %v with the gate shut; want 0, true", at, ok)
	}
	r.head.And(^uint64(ringGated))
	if _, at, ok := r.takeFast(); !ok || at != 1 {
		t.Fatalf("takeFast() = %d, %v with the gate open; want 1, true", at, ok)
	}
	if _, at, ok := r.take(); !ok || at != 2 {
		t.Fatalf("take() = %d, %v with the gate open; want 2, true", at, ok)
	}
	r.head.Or(ringGated)
	if _, _, ok := r.takeFast(); ok {
		t.Fatal("takeFast took a task with the gate shut again")
	}
	if got := r.head.Load() &^ ringGated; got != 3 || r.lockedTakes != 2 {
		t.Fatalf("head = %d, lockedTakes = %d; want 3 and 2", got, r.lockedTakes)
	}
}

// TestRingConsumersConcurrent has producers push while several consumers take
// without a lock and one takes under it, shutting and opening the gate now and then:
// every task comes out exactly once, takeFast never succeeds while the gate is shut,
// and the positions the lock's holder did not take add up to what takeFast took.
func TestRingConsumersConcurrent(t *testing.T) {
	const producers, each, consumers = 3, 20000, 2
	total := producers * each
	r := newRing(ringMin, 0)
	r.head.And(^uint64(ringGated))
	var mu sync.Mutex
	var wg sync.WaitGroup
	for p := range producers {
		wg.Go(func() {
			for i := range each {
				for !ok(r.push(goTask(nil), int64(p*each+i))) {
					runtime.Gosched()
				}
			}
		})
	}
	seen := make([]atomic.Bool, total)
	var got, fast atomic.Int64
	record := func(at int64) {
		if seen[at].Swap(true) {
			t.Errorf("task %d came out twice", at)
		}
		got.Add(1)
	}
	for range consumers {
		wg.Go(func() {
			for got.Load() < int64(total) {
				_, at, ok := r.takeFast()
				if !ok {
					runtime.Gosched()
					continue
				}
				fast.Add(1)
				record(at)
			}
		})
	}
	for i := 0; got.Load() < int64(total); i++ {
		mu.Lock()
		gated := i%3 == 0
		if gated {
			r.head.Or(ringGated)
		}
		_, at, ok := r.take()
		if gated {
			r.head.And(^uint64(ringGated))
		}
		mu.Unlock()
		if ok {
			record(at)
		} else {
			runtime.Gosched()
		}
	}
	wg.Wait()
	if n := got.Load(); n != int64(total) {
		t.Fatalf("%d tasks came out; want %d", n, total)
	}
	if took := r.head.Load()&^ringGated - r.lockedTakes; took != uint64(fast.Load()) {
		t.Fatalf("head minus lockedTakes = %d; takeFast took %d", took, fast.Load())
	}
}

// TestRingDeeper checks the backlog test of submitters: shallow while at most limit
// positions wait, deep beyond, and, once found deep, deep for the next deepRecheck
// positions even if workers have taken everything meanwhile; after that it looks again.
func TestRingDeeper(t *testing.T) {
	const limit = 100
	r := newRing(ringMin, 0)
	var pos uint64
	push := func() uint64 {
		t.Helper()
		p, ok := r.push(goTask(nil), 0)
		if !ok {
			t.Fatal("push refused")
		}
		return p
	}
	for range limit + 1 {
		if pos = push(); r.deeper(pos, limit) {
			t.Fatalf("deep at position %d with %d waiting; limit %d", pos, pos, limit)
		}
	}
	pos = push()
	if !r.deeper(pos, limit) {
		t.Fatalf("shallow at position %d with %d waiting; limit %d", pos, pos, limit)
	}
	for { // empty it
		if _, _, ok := r.take(); !ok {
			break
		}
	}
	for range deepRecheck - 1 {
		if pos = push(); !r.deeper(pos, limit) {
			t.Fatalf("shallow at position %d, within %d of the deep verdict", pos, deepRecheck)
		}
		r.take()
	}
	if pos = push(); r.deeper(pos, limit) {
		t.Fatalf("still deep at position %d with nothing waiting, %d after the deep verdict", pos, deepRecheck)
	}
}

// TestStatsSettlesRingTask: a submitter saw the ring open, and publishes its task just
// after the last busy worker went idle; Stats runs before the submitter takes the lock
// to settle it, and moves the task to the queue. The task must still go to the idle
// worker (it used to wait in the queue until some later event). The test takes the
// submitter's steps of pool.submit itself, in that order.
func TestStatsSettlesRingTask(t *testing.T) {
	ex, err := New(WithMaxWorkers(1))
	if err != nil {
		t.Fatal(err)
	}
	defer ex.Close()
	p := ex.p
	bg := context.Background()
	release := make(chan struct{})
	a := Submit(bg, ex, func(context.Context) (int, error) { <-release; return 1, nil })
	if !p.fast.Load() {
		t.Fatal("the ring is not open while the only worker is busy")
	}
	// The submitter's first look finds the ring open; it makes its task.
	b := &Future[int]{fn: func(context.Context) (int, error) { return 2, nil }}
	if !b.bind(bg, p) {
		t.Fatal("bind failed")
	}
	// Meanwhile the worker finishes a and goes idle: a task without callbacks
	// releases its worker before its future completes.
	close(release)
	if _, err := a.Result(bg); err != nil {
		t.Fatal(err)
	}
	p.mu.Lock()
	idle := len(p.idle)
	p.mu.Unlock()
	if idle != 1 || p.fast.Load() {
		t.Fatalf("after a's Result: %d idle workers, ring open %v; want 1, false", idle, p.fast.Load())
	}
	// The submitter publishes (the ring itself still takes pushes) ...
	if _, ok := p.ring.Load().push(b, p.now()); !ok {
		t.Fatal("push failed")
	}
	// ... Stats moves the task to the queue ...
	if s := ex.Stats(); s.Submitted != 2 {
		t.Fatalf("Stats().Submitted = %d; want 2", s.Submitted)
	}
	// ... and the submitter sees the ring shut, so it settles, as pool.submit does.
	if !p.fast.Load() {
		p.mu.Lock()
		p.unlock()
	}
	ctx, cancel := context.WithTimeout(bg, 10*time.Second)
	defer cancel()
	if v, err := b.Result(ctx); v != 2 || err != nil {
		t.Fatalf("b.Result() = %v, %v; want 2, nil (Stats %+v: a task pending while a worker idles)", v, err, ex.Stats())
	}
}
