package futures_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gofutures/futures"
)

// These tests aim at the workers' lock-free path (fast.go): while the executor is
// busy, a worker whose task ends takes the next one from the ring without the lock,
// and counts it in counts of its own that Stats and shutdown fold in.

// startOrder records the order in which fire-and-forget tasks start.
type startOrder struct {
	mu  sync.Mutex
	got []int
	ran sync.WaitGroup
}

// goN submits n tasks to ex, each of which records its index.
func (o *startOrder) goN(t *testing.T, ex *futures.Executor, n int) {
	t.Helper()
	o.ran.Add(n)
	for i := range n {
		err := ex.Go(func(context.Context) {
			o.mu.Lock()
			o.got = append(o.got, i)
			o.mu.Unlock()
			o.ran.Done()
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// check waits for the n tasks and fails t unless they started in submission order.
func (o *startOrder) check(t *testing.T, n int) {
	t.Helper()
	awaitAll(t, &o.ran, "tasks")
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.got) != n {
		t.Fatalf("%d tasks ran; want %d", len(o.got), n)
	}
	for i, v := range o.got {
		if v != i {
			t.Fatalf("task %d started in place %d", v, i)
		}
	}
}

// checkStatsLoop calls Stats on ex in a loop, in a goroutine of its own, and checks that
// every snapshot adds up, until the function it returns is called; that function
// returns once the loop has ended.
func checkStatsLoop(t *testing.T, ex *futures.Executor) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-done:
				return
			default:
			}
			checkIdentity(t, ex.Stats())
			runtime.Gosched()
		}
	})
	return func() { close(done); wg.Wait() }
}

// TestFastPathOrderAndCount releases a busy worker on a hundred tasks that went
// through the ring: it takes every one without the lock, in submission order, and
// Stats counts them all.
func TestFastPathOrderAndCount(t *testing.T) {
	ex, g := busyExecutor(t)
	const n = 100
	var order startOrder
	order.goN(t, ex, n)
	close(g)
	order.check(t, n)
	waitFor(t, func() bool { return ex.Stats().Running == 0 })
	if got := futures.FastTaken(ex); got != n {
		t.Errorf("the worker took %d tasks without the lock; want %d", got, n)
	}
	s := ex.Stats()
	checkIdentity(t, s)
	if s.Submitted != n+1 || s.Started != n+1 || s.Completed != n+1 {
		t.Errorf("Stats = %+v; want %d submitted, started and completed", s, n+1)
	}
}

// TestFastPathStatsDuringRun calls Stats while two workers race through tasks on
// their lock-free path: every snapshot adds up, and nothing is counted twice.
func TestFastPathStatsDuringRun(t *testing.T) {
	ex := newExecutor(t, futures.WithMaxWorkers(2))
	for round := range 20 {
		const n = 3000
		fs := make([]*futures.Future[int], n)
		for i := range fs {
			fs[i] = futures.Submit(context.Background(), ex, func(context.Context) (int, error) { return i, nil })
		}
		stop := checkStatsLoop(t, ex)
		for i, f := range fs {
			if v, err := f.Result(context.Background()); v != i || err != nil {
				t.Fatalf("round %d: Result = %d, %v; want %d, nil", round, v, err, i)
			}
		}
		stop()
	}
	waitFor(t, func() bool { return ex.Stats().Running == 0 })
	s := ex.Stats()
	checkIdentity(t, s)
	if s.Submitted != 20*3000 || s.Completed != s.Submitted {
		t.Errorf("Stats = %+v; want %d submitted and completed", s, 20*3000)
	}
	if futures.FastTaken(ex) == 0 {
		t.Error("no task was taken without the lock")
	}
}

// TestFastPathContextEnded cancels the context of tasks waiting in the ring, then
// lets the worker through them. Their watches cancel them in goroutines of their own,
// so the worker meets some already canceled and some whose context has ended but that
// are still pending: none of them runs, each ends Canceled, and Stats counts each once.
func TestFastPathContextEnded(t *testing.T) {
	for round := range 50 {
		ex, g := busyExecutor(t)
		ctx, cancel := context.WithCancel(context.Background())
		const n = 200
		fs := make([]*futures.Future[int], n)
		for i := range fs {
			fs[i] = futures.Submit(ctx, ex, func(context.Context) (int, error) {
				t.Errorf("round %d: task %d ran after its context ended", round, i)
				return 0, nil
			})
		}
		cancel()
		close(g)
		for i, f := range fs {
			if _, err := f.Result(context.Background()); !errors.Is(err, futures.ErrCanceled) {
				t.Fatalf("round %d: task %d: err = %v; want ErrCanceled", round, i, err)
			}
		}
		waitFor(t, func() bool { s := ex.Stats(); return s.Running == 0 && s.Pending == 0 })
		s := ex.Stats()
		checkIdentity(t, s)
		if s.Canceled != n || s.Completed != 1 {
			t.Fatalf("round %d: Stats = %+v; want %d canceled and 1 completed", round, s, n)
		}
		ex.Shutdown(context.Background())
	}
}

// TestFastPathShutdownNowInterrupts has the worker take, without the lock, a task
// that runs until its context ends, on a context of its own (it carries a value), so
// that only ShutdownNow's interruption of running tasks can end it: ShutdownNow must
// find it although no lock was taken when it started.
func TestFastPathShutdownNowInterrupts(t *testing.T) {
	ex, g := busyExecutor(t)
	type key struct{}
	started := make(chan struct{})
	f := futures.Submit(context.WithValue(context.Background(), key{}, 1), ex, func(ctx context.Context) (int, error) {
		close(started)
		<-ctx.Done()
		return 0, context.Cause(ctx)
	})
	close(g)
	<-started
	if got := futures.FastTaken(ex); got != 1 {
		t.Fatalf("the worker took %d tasks without the lock; want 1", got)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := ex.ShutdownNow(ctx); err != nil {
		t.Fatalf("ShutdownNow = %v: it did not end the running task", err)
	}
	if _, err := f.Result(context.Background()); !errors.Is(err, futures.ErrShutdown) {
		t.Fatalf("err = %v; want ErrShutdown", err)
	}
}

// TestFastPathCanceledInRing cancels every other future while they wait in the ring:
// the worker skips those without running them, and Stats counts each once.
func TestFastPathCanceledInRing(t *testing.T) {
	ex, g := busyExecutor(t)
	const n = 100
	var ran sync.WaitGroup
	fs := make([]*futures.Future[int], n)
	for i := range fs {
		if i%2 == 0 {
			ran.Add(1)
		}
		fs[i] = futures.Submit(context.Background(), ex, func(context.Context) (int, error) {
			if i%2 != 0 {
				t.Errorf("task %d ran after it was canceled", i)
			}
			ran.Done()
			return i, nil
		})
	}
	for i := 1; i < n; i += 2 {
		if !fs[i].Cancel() {
			t.Fatalf("Cancel of task %d, pending in the ring, failed", i)
		}
	}
	close(g)
	awaitAll(t, &ran, "tasks")
	for i, f := range fs {
		v, err := f.Result(context.Background())
		if i%2 == 0 && (v != i || err != nil) || i%2 != 0 && !errors.Is(err, futures.ErrCanceled) {
			t.Errorf("task %d: Result = %d, %v", i, v, err)
		}
	}
	waitFor(t, func() bool { return ex.Stats().Running == 0 })
	if got := futures.FastTaken(ex); got != n {
		t.Errorf("the worker took %d tasks without the lock; want %d", got, n)
	}
	s := ex.Stats()
	checkIdentity(t, s)
	if s.Canceled != n/2 || s.Completed != n/2+1 {
		t.Errorf("Stats = %+v; want %d canceled, %d completed", s, n/2, n/2+1)
	}
}

// TestFastPathTiming checks, on synctest's fake clock, that tasks taken without the
// lock have their queue wait measured and passed to the hooks: a few, and a flood that
// grows the ring (the timestamps move with the tasks) and overflows it into the queue.
func TestFastPathTiming(t *testing.T) {
	for _, n := range []int{10, 3 * futures.BacklogMin} {
		t.Run(fmt.Sprintf("n=%d", n), func(t *testing.T) {
			checkLeaks(t)
			synctest.Test(t, func(t *testing.T) {
				hooks, waits := queueWaits()
				ex, err := futures.New(futures.WithMaxWorkers(1), futures.WithHooks(hooks))
				if err != nil {
					t.Fatal(err)
				}
				g := make(gate)
				futures.Submit(context.Background(), ex, blocker(g, nil))
				synctest.Wait()
				before := futures.RingSize(ex)
				for range n {
					ex.Go(func(context.Context) {})
				}
				grown := futures.RingSize(ex) > before
				time.Sleep(time.Second)
				close(g)
				synctest.Wait() // the worker has run them all, and idles
				if err := ex.Shutdown(context.Background()); err != nil {
					t.Fatal(err)
				}
				if got := futures.FastTaken(ex); n == 10 && got != uint64(n) {
					t.Errorf("the worker took %d tasks without the lock; want %d", got, n)
				}
				if n > 10 && !grown {
					t.Errorf("a flood of %d tasks did not grow the ring", n)
				}
				if s := ex.Stats(); s.QueueWait != time.Duration(n)*time.Second || s.Completed != int64(n)+1 {
					t.Errorf("Stats = %+v; want QueueWait %v, %d completed", s, time.Duration(n)*time.Second, n+1)
				}
				w := waits()
				if len(w) != n+1 {
					t.Fatalf("BeforeTask saw %d tasks; want %d", len(w), n+1)
				}
				if w[0] != 0 {
					t.Errorf("the first task's queue wait = %v; want 0", w[0])
				}
				if i := slices.IndexFunc(w[1:], func(d time.Duration) bool { return d != time.Second }); i >= 0 {
					t.Errorf("queue wait of task %d = %v; want 1s for each of the %d queued tasks", i+1, w[i+1], n)
				}
			})
		})
	}
}

// TestRingGrowsInOrder floods four blocked workers with more tasks than the ring first
// holds: it grows (to twice the backlog behind which submitters yield) and then
// overflows into the queue. Shrunk to one worker, the executor then runs every task
// exactly once, in submission order, across the grown ring and the queue.
func TestRingGrowsInOrder(t *testing.T) {
	ex := newExecutor(t, futures.WithMaxWorkers(4))
	g := make(gate)
	started := make(chan struct{})
	for range 4 {
		if err := ex.Go(func(context.Context) { started <- struct{}{}; <-g }); err != nil {
			t.Fatal(err)
		}
	}
	for range 4 {
		<-started
	}
	before := futures.RingSize(ex)
	const n = 3 * futures.BacklogMin
	var order startOrder
	order.goN(t, ex, n)
	after := futures.RingSize(ex)
	if after <= before {
		t.Errorf("the ring has %d slots after the flood, %d before: it did not grow", after, before)
	}
	if after >= n {
		t.Fatalf("the ring grew to %d slots: the test no longer overflows it into the queue", after)
	}
	if err := ex.SetMaxWorkers(1); err != nil {
		t.Fatal(err)
	}
	close(g)
	order.check(t, n)
	waitFor(t, func() bool { return ex.Stats().Running == 0 })
	s := ex.Stats()
	checkIdentity(t, s)
	if s.Completed != n+4 {
		t.Errorf("Stats = %+v; want %d completed", s, n+4)
	}
}

// TestRingGrowsUnderLoad has four submitters flood eight workers while Stats is called
// in a loop, so that the ring grows while submitters push into it, workers take from it
// without the lock, and Stats quiesces them: every task runs once, and every snapshot
// adds up.
func TestRingGrowsUnderLoad(t *testing.T) {
	ex := newExecutor(t, futures.WithMaxWorkers(8))
	const submitters, each = 4, 20000
	var count atomic.Int64
	var ran sync.WaitGroup
	ran.Add(submitters * each)
	stop := checkStatsLoop(t, ex)
	var subs sync.WaitGroup
	for range submitters {
		subs.Go(func() {
			for range each {
				if err := ex.Go(func(context.Context) { count.Add(1); ran.Done() }); err != nil {
					t.Error(err)
					ran.Done()
				}
			}
		})
	}
	subs.Wait()
	awaitAll(t, &ran, "tasks")
	stop()
	if got := count.Load(); got != submitters*each {
		t.Fatalf("%d tasks ran; want %d", got, submitters*each)
	}
	waitFor(t, func() bool { return ex.Stats().Running == 0 })
	s := ex.Stats()
	checkIdentity(t, s)
	if s.Completed != submitters*each {
		t.Errorf("Stats = %+v; want %d completed", s, submitters*each)
	}
	t.Logf("ring: %d slots; %d tasks taken without the lock", futures.RingSize(ex), futures.FastTaken(ex))
}

// TestRingShrinksWhenIdle checks that a ring grown by a flood goes back to its first
// size once every worker is idle, and that the executor goes on taking tasks through
// it.
func TestRingShrinksWhenIdle(t *testing.T) {
	ex := newExecutor(t, futures.WithMaxWorkers(4))
	for round := range 3 {
		g := make(gate)
		started := make(chan struct{})
		for range 4 {
			ex.Go(func(context.Context) { started <- struct{}{}; <-g })
		}
		for range 4 {
			<-started
		}
		small := futures.RingSize(ex)
		var ran sync.WaitGroup
		ran.Add(3000)
		for range 3000 {
			ex.Go(func(context.Context) { ran.Done() })
		}
		if grown := futures.RingSize(ex); grown <= small {
			t.Fatalf("round %d: the ring has %d slots after the flood, %d before", round, grown, small)
		}
		close(g)
		awaitAll(t, &ran, "tasks")
		waitFor(t, func() bool { return ex.Stats().IdleWorkers == 4 })
		if got := futures.RingSize(ex); got != small {
			t.Fatalf("round %d: the ring has %d slots with every worker idle; want %d", round, got, small)
		}
	}
	s := ex.Stats()
	checkIdentity(t, s)
	if s.Completed != 3*3004 {
		t.Errorf("Stats = %+v; want %d completed", s, 3*3004)
	}
}

// TestShutdownDrainsRing shuts down an executor whose worker is busy and whose ring
// holds a hundred tasks: the shutdown refuses new work at once, and the worker then
// drains the ring without the lock, in submission order.
func TestShutdownDrainsRing(t *testing.T) {
	ex, g := busyExecutor(t)
	const n = 100
	var order startOrder
	order.goN(t, ex, n)
	var se *futures.ShutdownError
	if err := ex.Shutdown(endedCtx()); !errors.As(err, &se) || se.Running != 1 || se.Queued != n {
		t.Fatalf("Shutdown(ended context) = %v; want a *ShutdownError with 1 running and %d queued", err, n)
	}
	if err := ex.Go(func(context.Context) {}); !errors.Is(err, futures.ErrShutdown) {
		t.Fatalf("Go after Shutdown = %v; want ErrShutdown", err)
	}
	g.open()
	order.check(t, n)
	if err := ex.Shutdown(context.Background()); err != nil {
		t.Fatalf("Shutdown = %v", err)
	}
	// ShutdownError counted the ring's tasks by moving them to the queue: the ones the
	// worker took through the ring are the ones it had not moved.
	s := ex.Stats()
	checkIdentity(t, s)
	if s.Submitted != n+2 || s.Completed != n+1 || s.Rejected != 1 {
		t.Errorf("Stats = %+v; want %d submitted, %d completed, 1 rejected", s, n+2, n+1)
	}
}

// TestShutdownDrainsRingWithoutLock checks that the drain takes the lock-free path:
// with no one asking for exact counts meanwhile, every task that waited in the ring is
// taken from it without the lock.
func TestShutdownDrainsRingWithoutLock(t *testing.T) {
	ex, g := busyExecutor(t)
	const n = 100
	var order startOrder
	order.goN(t, ex, n)
	done := make(chan error)
	go func() { done <- ex.Shutdown(context.Background()) }()
	probes := 0 // accepted before the shutdown began: they go through the ring too
	waitFor(t, func() bool {
		err := ex.Go(func(context.Context) {})
		if err == nil {
			probes++
		}
		return errors.Is(err, futures.ErrShutdown)
	})
	g.open()
	order.check(t, n)
	if err := <-done; err != nil {
		t.Fatalf("Shutdown = %v", err)
	}
	if got := futures.FastTaken(ex); got != uint64(n+probes) {
		t.Errorf("the worker took %d of the %d tasks in the ring without the lock", got, n+probes)
	}
}

// TestShutdownNowDuringDrain calls ShutdownNow while a graceful shutdown drains the
// ring: the futures still in the ring are canceled, with ErrShutdown, and none runs.
func TestShutdownNowDuringDrain(t *testing.T) {
	ex, g := busyExecutor(t)
	const n = 100
	var ran atomic.Int64
	fs := make([]*futures.Future[int], n)
	for i := range fs {
		fs[i] = futures.Submit(context.Background(), ex, func(context.Context) (int, error) {
			ran.Add(1)
			return i, nil
		})
	}
	ex.Shutdown(endedCtx())
	stop := checkStatsLoop(t, ex)
	ex.ShutdownNow(endedCtx())
	stop()
	for i, f := range fs {
		if !f.Canceled() {
			t.Fatalf("future %d in the ring not canceled by ShutdownNow", i)
		}
		if _, err := f.Result(context.Background()); !errors.Is(err, futures.ErrShutdown) {
			t.Fatalf("future %d: Result error %v; want ErrShutdown", i, err)
		}
	}
	g.open()
	if err := ex.Shutdown(context.Background()); err != nil {
		t.Fatalf("Shutdown = %v", err)
	}
	if ran.Load() != 0 {
		t.Errorf("%d canceled tasks ran", ran.Load())
	}
	s := ex.Stats()
	checkIdentity(t, s)
	if s.Canceled != n || s.Completed != 1 {
		t.Errorf("Stats = %+v; want %d canceled, 1 completed", s, n)
	}
}
