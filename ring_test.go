package futures_test

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gofutures/futures"
)

// These tests aim at the lock-free submission path (ring.go): submissions made while
// every worker is busy go through a ring without the executor's lock.

// busyExecutor returns an executor with one worker, busy with a task that waits for
// the gate it also returns: whatever is submitted next is queued.
func busyExecutor(t *testing.T) (*futures.Executor, gate) {
	t.Helper()
	ex := newExecutor(t, futures.WithMaxWorkers(1))
	g := make(gate)
	started := make(chan struct{})
	futures.Submit(context.Background(), ex, blocker(g, started))
	<-started
	return ex, g
}

// awaitAll waits for wg, failing the test if that takes more than a generous bound:
// a task stranded in the ring would otherwise hang the test.
func awaitAll(t *testing.T, wg *sync.WaitGroup, what string) {
	t.Helper()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatalf("%s: not done after 30s: a task is stranded", what)
	}
}

// TestRingWorkersIdleAndBusy has submitters race with workers that keep going idle and
// busy, so that submissions flip between the ring and the locked path: every task must
// run once, and none may wait in the ring while a worker idles.
func TestRingWorkersIdleAndBusy(t *testing.T) {
	ex := newExecutor(t, futures.WithMaxWorkers(2))
	for round := range 2000 {
		var ran sync.WaitGroup
		var count atomic.Int64
		var submitters sync.WaitGroup
		n := 1 + round%40
		ran.Add(4 * n)
		for range 4 {
			submitters.Go(func() {
				for range n {
					if err := ex.Go(func(context.Context) { count.Add(1); ran.Done() }); err != nil {
						t.Error(err)
						ran.Done()
					}
				}
			})
		}
		submitters.Wait()
		awaitAll(t, &ran, "round")
		if got := count.Load(); got != int64(4*n) {
			t.Fatalf("round %d: %d tasks ran; want %d", round, got, 4*n)
		}
	}
	// The last tasks have signaled, but their workers may not have counted them yet.
	waitFor(t, func() bool { s := ex.Stats(); return s.Pending == 0 && s.Running == 0 })
	checkIdentity(t, ex.Stats())
}

// TestRingQueuedStats checks that tasks queued through the ring are counted: Stats
// sees them pending at once, in submission order, and a future canceled while still in
// the ring counts as canceled.
func TestRingQueuedStats(t *testing.T) {
	ctx := context.Background()
	ex, g := busyExecutor(t)
	// The only worker is busy: these go through the ring, and some past it.
	const n = 1000
	var order []int
	var mu sync.Mutex
	fs := make([]*futures.Future[int], n)
	for i := range n {
		fs[i] = futures.Submit(ctx, ex, func(context.Context) (int, error) {
			mu.Lock()
			order = append(order, i)
			mu.Unlock()
			return i, nil
		})
	}
	if s := ex.Stats(); s.Pending != n || s.Submitted != n+1 || s.Running != 1 {
		t.Errorf("Stats() = %+v; want %d pending, %d submitted, 1 running", s, n, n+1)
	}
	if !fs[n-1].Cancel() {
		t.Fatal("Cancel of a queued future failed")
	}
	if s := ex.Stats(); s.Pending != n-1 || s.Canceled != 1 {
		t.Errorf("Stats() = %+v after Cancel; want %d pending, 1 canceled", s, n-1)
	}
	g.open()
	for i, f := range fs[:n-1] {
		if v, err := f.Result(ctx); v != i || err != nil {
			t.Fatalf("future %d: Result() = %d, %v", i, v, err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for i, v := range order {
		if v != i {
			t.Fatalf("task %d started %dth; want submission order", v, i)
		}
	}
	if len(order) != n-1 {
		t.Fatalf("%d tasks ran; want %d", len(order), n-1)
	}
}

// TestRingShutdownRace shuts executors down while submitters are busy: a Go that
// returned nil must run, a refused one must not, every future must end, and the counts
// must add up with nothing left pending, running or alive.
func TestRingShutdownRace(t *testing.T) {
	ctx := context.Background()
	for round := range 100 {
		now := round%2 == 1
		ex := newExecutor(t, futures.WithMaxWorkers(2))
		var accepted, ran atomic.Int64
		var futs [4][]*futures.Future[int]
		var submitters sync.WaitGroup
		startShutdown := make(chan struct{})
		for s := range 4 {
			submitters.Go(func() {
				for i := 0; ; i++ {
					if i == 50 && s == 0 {
						close(startShutdown)
					}
					if i%2 == 0 {
						f := futures.Submit(ctx, ex, func(context.Context) (int, error) { return 1, nil })
						futs[s] = append(futs[s], f)
						continue
					}
					if err := ex.Go(func(context.Context) { ran.Add(1) }); err != nil {
						return // refused: the shutdown has begun
					}
					accepted.Add(1)
				}
			})
		}
		<-startShutdown
		var err error
		if now {
			err = ex.ShutdownNow(ctx)
		} else {
			err = ex.Shutdown(ctx)
		}
		if err != nil {
			t.Fatal(err)
		}
		submitters.Wait()
		if !now && ran.Load() != accepted.Load() {
			t.Fatalf("round %d: %d accepted fire-and-forget tasks, %d ran", round, accepted.Load(), ran.Load())
		}
		if ran.Load() > accepted.Load() {
			t.Fatalf("round %d: %d ran, only %d accepted", round, ran.Load(), accepted.Load())
		}
		for _, fs := range futs {
			for _, f := range fs {
				if !f.IsDone() {
					t.Fatalf("round %d: a future is %v after the shutdown returned", round, f.State())
				}
			}
		}
		s := ex.Stats()
		checkIdentity(t, s)
		if s.Pending != 0 || s.Running != 0 || s.Workers != 0 {
			t.Fatalf("round %d: Stats() = %+v after the shutdown; want nothing pending, running or alive", round, s)
		}
	}
}

// TestRingBacklogNeverBlocks floods an executor whose only worker is blocked: every
// submission returns (a submitter facing a deep backlog yields the processor, but
// never waits for room), and every task then runs.
func TestRingBacklogNeverBlocks(t *testing.T) {
	ex, g := busyExecutor(t)
	const n = 20000
	var ran sync.WaitGroup
	ran.Add(n)
	for range n {
		if err := ex.Go(func(context.Context) { ran.Done() }); err != nil {
			t.Fatal(err)
		}
	}
	if s := ex.Stats(); s.Pending != n {
		t.Errorf("Stats().Pending = %d with the worker blocked; want %d", s.Pending, n)
	}
	g.open()
	awaitAll(t, &ran, "backlog")
}

// TestFloodLetsWorkersRun floods an executor from a goroutine that never blocks, on a
// single processor: the submission that finds a deep backlog yields, so the worker runs
// tasks while the flood goes on. (Without the yield the submitter would keep the only
// processor until the scheduler preempts it, some 10 ms later, and nothing would have
// run by the end of this loop.)
func TestFloodLetsWorkersRun(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	ex := newExecutor(t, futures.WithMaxWorkers(1))
	var ran atomic.Int64
	const n = 4 * futures.BacklogMin // beyond the backlog a single worker may have before submitters yield
	for range n {
		if err := ex.Go(func(context.Context) { ran.Add(1) }); err != nil {
			t.Fatal(err)
		}
	}
	if got := ran.Load(); got == 0 {
		t.Errorf("no task ran during a flood of %d on one processor; want the submitter to yield behind a deep backlog", n)
	}
	if err := ex.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := ran.Load(); got != n {
		t.Errorf("%d tasks ran; want %d", got, n)
	}
}
