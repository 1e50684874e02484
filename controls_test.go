package futures_test

import (
	"context"
	"errors"
	"log/slog"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gofutures/futures"
)

// gate is a one-shot latch that blocking tasks wait on.
type gate chan struct{}

func (g gate) open() { close(g) }

// blocker returns a task that signals started, then waits for g.
func blocker(g gate, started chan<- struct{}) func(context.Context) (int, error) {
	return func(context.Context) (int, error) {
		if started != nil {
			started <- struct{}{}
		}
		<-g
		return 1, nil
	}
}

func checkIdentity(t *testing.T, s futures.Stats) {
	t.Helper()
	sum := s.Completed + s.Failed + s.Canceled + s.Rejected + int64(s.Pending) + int64(s.Running)
	if s.Submitted != sum {
		t.Errorf("Stats identity broken: Submitted=%d, Completed+Failed+Canceled+Rejected+Pending+Running=%d (%+v)", s.Submitted, sum, s)
	}
	if s.Panicked > s.Failed {
		t.Errorf("Stats: Panicked=%d > Failed=%d", s.Panicked, s.Failed)
	}
}

func TestControlsQueuePolicies(t *testing.T) {
	ctx := context.Background()
	fill := func(t *testing.T, policy futures.FullPolicy) (*futures.Executor, gate, []*futures.Future[int]) {
		ex := newExecutor(t, futures.WithMaxWorkers(1), futures.WithQueueSize(2, policy))
		g := make(gate)
		started := make(chan struct{})
		running := futures.Submit(ctx, ex, blocker(g, started))
		<-started
		q1 := futures.Submit(ctx, ex, blocker(g, nil))
		q2 := futures.Submit(ctx, ex, blocker(g, nil))
		if s := ex.Stats(); s.Pending != 2 || s.Running != 1 {
			t.Fatalf("Stats() = %+v; want Pending 2, Running 1", s)
		}
		return ex, g, []*futures.Future[int]{running, q1, q2}
	}

	t.Run("Reject", func(t *testing.T) {
		ex, g, fs := fill(t, futures.Reject)
		f := futures.Submit(ctx, ex, blocker(g, nil))
		if _, err := f.Result(ctx); !errors.Is(err, futures.ErrQueueFull) {
			t.Errorf("Submit on a full queue: Result() error = %v; want ErrQueueFull", err)
		}
		if err := ex.Go(func(context.Context) {}); !errors.Is(err, futures.ErrQueueFull) {
			t.Errorf("Go on a full queue = %v; want ErrQueueFull", err)
		}
		g.open()
		for i, f := range fs {
			if v, err := f.Result(ctx); v != 1 || err != nil {
				t.Errorf("fs[%d].Result() = %v, %v; want 1, nil", i, v, err)
			}
		}
		s := ex.Stats()
		if s.Rejected != 2 {
			t.Errorf("Stats().Rejected = %d; want 2", s.Rejected)
		}
		checkIdentity(t, s)
	})

	t.Run("DiscardOldest", func(t *testing.T) {
		ex, g, fs := fill(t, futures.DiscardOldest)
		f := futures.Submit(ctx, ex, blocker(g, nil))
		_, err := fs[1].Result(ctx)
		if !errors.Is(err, futures.ErrCanceled) || !errors.Is(err, futures.ErrDiscarded) {
			t.Errorf("oldest queued Result() error = %v; want ErrCanceled and ErrDiscarded", err)
		}
		g.open()
		for i, f := range []*futures.Future[int]{fs[0], fs[2], f} {
			if v, err := f.Result(ctx); v != 1 || err != nil {
				t.Errorf("future %d Result() = %v, %v; want 1, nil", i, v, err)
			}
		}
		s := ex.Stats()
		if s.Canceled != 1 {
			t.Errorf("Stats().Canceled = %d; want 1", s.Canceled)
		}
		checkIdentity(t, s)
	})

	t.Run("CallerRuns", func(t *testing.T) {
		ex, g, fs := fill(t, futures.CallerRuns)
		var ranIn atomic.Pointer[string]
		here := "submitter"
		f := futures.Submit(ctx, ex, func(context.Context) (int, error) {
			ranIn.Store(&here)
			return 7, nil
		})
		if f.State() != futures.Finished || ranIn.Load() == nil {
			t.Fatalf("CallerRuns: the task did not run before Submit returned (state %v)", f.State())
		}
		if v, err := f.Result(ctx); v != 7 || err != nil {
			t.Errorf("Result() = %v, %v; want 7, nil", v, err)
		}
		ranGo := false
		if err := ex.Go(func(context.Context) { ranGo = true }); err != nil || !ranGo {
			t.Errorf("Go under CallerRuns = %v, ran %v; want nil, true", err, ranGo)
		}
		g.open()
		for _, f := range fs {
			f.Result(ctx)
		}
		s := ex.Stats()
		if s.Completed != 5 {
			t.Errorf("Stats().Completed = %d; want 5", s.Completed)
		}
		checkIdentity(t, s)
	})

	// The Block policy, in a synctest bubble: synctest.Wait tells when a submitter
	// is blocked waiting for room.
	t.Run("Block", func(t *testing.T) {
		checkLeaks(t)
		synctest.Test(t, func(t *testing.T) {
			ex, err := futures.New(futures.WithMaxWorkers(1), futures.WithQueueSize(2, futures.Block))
			if err != nil {
				t.Fatal(err)
			}
			g := make(gate)
			running := futures.Submit(ctx, ex, blocker(g, nil))
			q1 := futures.Submit(ctx, ex, blocker(g, nil))
			q2 := futures.Submit(ctx, ex, blocker(g, nil))
			synctest.Wait()
			// A submitter whose context ends while it waits for room.
			cctx, cancel := context.WithCancel(ctx)
			done := make(chan *futures.Future[int])
			go func() { done <- futures.Submit(cctx, ex, blocker(g, nil)) }()
			synctest.Wait()
			if s := ex.Stats(); s.Submitted != 3 {
				t.Fatalf("Stats().Submitted = %d while the 4th submission blocks; want 3", s.Submitted)
			}
			cancel()
			f := <-done
			// Canceled, as a queued task whose context ends, whichever of the
			// context's watch and the submitter's wait sees the end first.
			if _, err := f.Result(ctx); !errors.Is(err, context.Canceled) || !errors.Is(err, futures.ErrCanceled) || !f.Canceled() {
				t.Errorf("blocked Submit whose ctx ended: Result() error = %v, state %v; want Canceled, matching ErrCanceled and context.Canceled", err, f.State())
			}
			// A submitter that gets room when a task leaves the queue.
			go func() { done <- futures.Submit(ctx, ex, blocker(g, nil)) }()
			synctest.Wait()
			select {
			case <-done:
				t.Fatal("Submit returned while the queue was full")
			default:
			}
			q1.Cancel() // makes room
			f = <-done
			// And Go, blocked, is refused by a shutdown.
			errc := make(chan error)
			go func() { errc <- ex.Go(func(context.Context) {}) }()
			synctest.Wait()
			sctx, scancel := context.WithCancel(ctx)
			scancel()
			ex.Shutdown(sctx) // begin, do not wait
			if err := <-errc; !errors.Is(err, futures.ErrShutdown) {
				t.Errorf("Go blocked on a full queue during Shutdown = %v; want ErrShutdown", err)
			}
			g.open()
			for i, f := range []*futures.Future[int]{running, q2, f} {
				if v, err := f.Result(ctx); v != 1 || err != nil {
					t.Errorf("future %d: Result() = %v, %v; want 1, nil", i, v, err)
				}
			}
			if err := ex.Shutdown(ctx); err != nil {
				t.Fatal(err)
			}
			s := ex.Stats()
			// Rejected: Go during the shutdown. Canceled: the submission whose
			// context ended while it waited, and q1.
			if s.Rejected != 1 || s.Canceled != 2 || s.Completed != 3 {
				t.Errorf("Stats() = %+v; want 1 rejected, 2 canceled, 3 completed", s)
			}
			checkIdentity(t, s)
		})
	})
}

// waitFor yields until cond holds, failing the test after a generous bound. It is for
// states that no channel announces, such as a worker that has exited after a resize;
// it polls the state itself, never a guess of how long something takes.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached in 30s")
		}
		runtime.Gosched()
	}
}

func TestControlsQueueSizeInvalid(t *testing.T) {
	for _, tc := range []struct {
		opt  futures.Option
		want string
	}{
		{futures.WithQueueSize(0, futures.Block), "WithQueueSize(0"},
		{futures.WithQueueSize(-3, futures.Reject), "WithQueueSize(-3"},
		{futures.WithQueueSize(4, futures.FullPolicy(9)), "policy"},
		{futures.WithKeepAlive(-time.Second), "WithKeepAlive"},
		{futures.WithMinWorkers(-1), "WithMinWorkers(-1)"},
	} {
		_, err := futures.New(tc.opt)
		if !errors.Is(err, futures.ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("New(%s...) error = %v; want ErrInvalid naming %q", tc.want, err, tc.want)
		}
	}
	_, err := futures.New(futures.WithMaxWorkers(2), futures.WithMinWorkers(3))
	if !errors.Is(err, futures.ErrInvalid) {
		t.Errorf("New(WithMaxWorkers(2), WithMinWorkers(3)) error = %v; want ErrInvalid", err)
	}
}

func TestControlsResize(t *testing.T) {
	ctx := context.Background()
	ex := newExecutor(t, futures.WithMaxWorkers(2))
	g := make(gate)
	started := make(chan struct{}, 10)
	var fs []*futures.Future[int]
	for range 10 {
		fs = append(fs, futures.Submit(ctx, ex, blocker(g, started)))
	}
	<-started
	<-started
	if n := ex.Workers(); n != 2 {
		t.Fatalf("Workers() = %d; want 2", n)
	}
	// Growing starts workers for the queued tasks at once.
	if err := ex.SetMaxWorkers(5); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		<-started
	}
	if s := ex.Stats(); s.Running != 5 || s.Workers != 5 || s.Pending != 5 || s.MaxWorkers != 5 {
		t.Fatalf("after SetMaxWorkers(5): Stats() = %+v; want 5 running, 5 workers, 5 pending", s)
	}
	if err := ex.SetMaxWorkers(0); !errors.Is(err, futures.ErrInvalid) {
		t.Errorf("SetMaxWorkers(0) = %v; want ErrInvalid", err)
	}
	// Shrinking: no new task starts until fewer than 1 run.
	if err := ex.SetMaxWorkers(1); err != nil {
		t.Fatal(err)
	}
	g.open()
	for _, f := range fs {
		f.Result(ctx)
	}
	waitFor(t, func() bool { return ex.Workers() == 1 })
	if s := ex.Stats(); s.Completed != 10 {
		t.Errorf("Stats().Completed = %d; want 10", s.Completed)
	}
}

// TestControlsResizeStress resizes the executor up and down while tasks run, and checks
// that no task starts while the running ones are at the current maximum.
func TestControlsResizeStress(t *testing.T) {
	ctx := context.Background()
	ex := newExecutor(t, futures.WithMaxWorkers(4))
	var mu sync.Mutex
	running, violations := 0, 0
	var max atomic.Int64
	max.Store(4)
	task := func(context.Context) (int, error) {
		mu.Lock()
		running++
		if int64(running) > max.Load() {
			violations++
		}
		mu.Unlock()
		for i := 0; i < 200; i++ { // a little work, so that tasks overlap
			_ = i * i
		}
		mu.Lock()
		running--
		mu.Unlock()
		return 0, nil
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		sizes := []int{1, 3, 8, 2, 6, 1, 4}
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			n := sizes[i%len(sizes)]
			// While shrinking, tasks above the new maximum may still be running; the
			// bound applies to tasks that start after the change. Record the larger
			// bound until the change has taken effect.
			mu.Lock()
			old := max.Load()
			if int64(n) > old {
				max.Store(int64(n))
			}
			mu.Unlock()
			ex.SetMaxWorkers(n)
			waitFor(t, func() bool { s := ex.Stats(); return s.Running <= n })
			mu.Lock()
			max.Store(int64(n))
			mu.Unlock()
		}
	})
	var fs []*futures.Future[int]
	for range 20000 {
		fs = append(fs, futures.Submit(ctx, ex, task))
	}
	for _, f := range fs {
		f.Result(ctx)
	}
	close(stop)
	wg.Wait()
	if violations > 0 {
		t.Errorf("%d task starts exceeded the current maximum", violations)
	}
	checkIdentity(t, ex.Stats())
}

func TestControlsKeepAlive(t *testing.T) {
	checkLeaks(t)
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		ex, err := futures.New(futures.WithMaxWorkers(4), futures.WithKeepAlive(time.Minute), futures.WithMinWorkers(1))
		if err != nil {
			t.Fatal(err)
		}
		g := make(gate)
		var fs []*futures.Future[int]
		for range 4 {
			fs = append(fs, futures.Submit(ctx, ex, blocker(g, nil)))
		}
		synctest.Wait()
		if n := ex.Workers(); n != 4 {
			t.Fatalf("Workers() = %d; want 4", n)
		}
		g.open()
		for _, f := range fs {
			f.Result(ctx)
		}
		synctest.Wait()
		time.Sleep(59 * time.Second)
		synctest.Wait()
		if n := ex.Workers(); n != 4 {
			t.Errorf("Workers() before the keep-alive passed = %d; want 4", n)
		}
		time.Sleep(2 * time.Second)
		synctest.Wait()
		if n := ex.Workers(); n != 1 {
			t.Errorf("Workers() after the keep-alive = %d; want the minimum, 1", n)
		}
		// The survivor still serves, and new workers start again on demand.
		if v, err := futures.Submit(ctx, ex, func(context.Context) (int, error) { return 3, nil }).Result(ctx); v != 3 || err != nil {
			t.Errorf("Result() after expiry = %v, %v; want 3, nil", v, err)
		}
		time.Sleep(time.Hour)
		synctest.Wait()
		if n := ex.Workers(); n != 1 {
			t.Errorf("Workers() an hour later = %d; want 1 (the minimum never expires)", n)
		}
		if err := ex.Shutdown(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

func TestControlsKeepAliveNoMinimum(t *testing.T) {
	checkLeaks(t)
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		ex, _ := futures.New(futures.WithKeepAlive(time.Second))
		futures.Submit(ctx, ex, func(context.Context) (int, error) { return 1, nil }).Result(ctx)
		time.Sleep(2 * time.Second)
		synctest.Wait()
		if n := ex.Workers(); n != 0 {
			t.Errorf("Workers() after the keep-alive = %d; want 0: an idle executor keeps no goroutine", n)
		}
		if err := ex.Shutdown(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

// TestControlsStatsUnderLoad checks the accounting identity while many goroutines
// submit, cancel, fail and panic, and at the end.
func TestControlsStatsUnderLoad(t *testing.T) {
	ctx := context.Background()
	ex := newExecutor(t, futures.WithMaxWorkers(3), futures.WithQueueSize(500, futures.Reject),
		futures.WithTiming(), futures.WithLogger(slog.New(slog.DiscardHandler)))
	var wg sync.WaitGroup
	stop := make(chan struct{})
	var checks atomic.Int64
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			checkIdentity(t, ex.Stats())
			checks.Add(1)
		}
	})
	var submitters sync.WaitGroup
	for s := range 4 {
		submitters.Go(func() {
			for i := range 2000 {
				cctx, cancel := context.WithCancel(ctx)
				f := futures.Submit(cctx, ex, func(ctx context.Context) (int, error) {
					switch i % 5 {
					case 1:
						return 0, errors.New("failed")
					case 2:
						panic("boom")
					}
					return i, nil
				})
				switch (i + s) % 4 {
				case 0:
					f.Cancel()
				case 1:
					cancel()
				}
				if i%7 == 0 {
					ex.Go(func(context.Context) {})
				}
				cancel()
			}
		})
	}
	submitters.Wait()
	// One of each outcome for certain, whatever the load phase's timing gave.
	futures.Submit(ctx, ex, func(context.Context) (int, error) { return 0, errors.New("failed") }).Result(ctx)
	futures.Submit(ctx, ex, func(context.Context) (int, error) { panic("boom") }).Result(ctx)
	futures.Submit(ctx, ex, func(context.Context) (int, error) { return 1, nil }).Result(ctx)
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	futures.Submit(cctx, ex, func(context.Context) (int, error) { return 1, nil })
	if err := ex.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	close(stop)
	wg.Wait()
	s := ex.Stats()
	checkIdentity(t, s)
	if s.Pending != 0 || s.Running != 0 || s.Workers != 0 {
		t.Errorf("after Shutdown: Stats() = %+v; want nothing pending, running or alive", s)
	}
	if s.Panicked == 0 || s.Failed < s.Panicked || s.Completed == 0 || s.Canceled == 0 {
		t.Errorf("Stats() = %+v; want some of every outcome", s)
	}
	if s.RunTime <= 0 {
		t.Errorf("Stats().RunTime = %v with WithTiming; want > 0", s.RunTime)
	}
	if checks.Load() == 0 {
		t.Error("the identity was never checked under load")
	}
}

func TestControlsHooks(t *testing.T) {
	ctx := context.Background()
	var buf syncBuffer
	var mu sync.Mutex
	var before, after []futures.TaskInfo
	ex := newExecutor(t, futures.WithMaxWorkers(1), futures.WithName("hooked"),
		futures.WithLogger(slog.New(slog.NewTextHandler(&buf, nil))),
		futures.WithHooks(futures.Hooks{
			BeforeTask: func(ti futures.TaskInfo) {
				mu.Lock()
				before = append(before, ti)
				mu.Unlock()
				if ti.Worker < 0 {
					panic("never")
				}
			},
			AfterTask: func(ti futures.TaskInfo) {
				mu.Lock()
				after = append(after, ti)
				n := len(after)
				mu.Unlock()
				if n == 2 {
					panic("hook panic")
				}
			},
		}))
	boom := errors.New("boom")
	f1 := futures.Submit(ctx, ex, func(context.Context) (int, error) { return 1, nil })
	f2 := futures.Submit(ctx, ex, func(context.Context) (int, error) { return 0, boom })
	f3 := futures.Submit(ctx, ex, func(context.Context) (int, error) { return 3, nil })
	for _, f := range []*futures.Future[int]{f1, f2, f3} {
		f.Result(ctx)
	}
	if err := ex.Shutdown(ctx); err != nil { // AfterTask runs after completion: wait for it
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(before) != 3 || len(after) != 3 {
		t.Fatalf("hooks ran %d and %d times; want 3 and 3", len(before), len(after))
	}
	if after[1].Err != boom || after[0].Err != nil || after[0].Executor != "hooked" {
		t.Errorf("AfterTask infos = %+v; want the tasks' errors and the executor's name", after)
	}
	if v, err := f3.Result(ctx); v != 3 || err != nil {
		t.Errorf("the task after a panicking hook: Result() = %v, %v; want 3, nil", v, err)
	}
	if !strings.Contains(buf.String(), "hook panic") {
		t.Errorf("log = %q; want the hook's panic logged", buf.String())
	}
}

// queueWaits returns hooks whose BeforeTask records each task's queue wait, and a
// function that returns the waits recorded so far.
func queueWaits() (futures.Hooks, func() []time.Duration) {
	var mu sync.Mutex
	var waits []time.Duration
	h := futures.Hooks{BeforeTask: func(ti futures.TaskInfo) {
		mu.Lock()
		waits = append(waits, ti.QueueWait)
		mu.Unlock()
	}}
	return h, func() []time.Duration {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(waits)
	}
}

// TestControlsStatsFields checks the fields of Stats that the load tests do not pin:
// the timing totals (exact, on synctest's fake clock), the idle and peak workers, and
// the queue wait that hooks see.
func TestControlsStatsFields(t *testing.T) {
	checkLeaks(t)
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		hooks, waits := queueWaits()
		ex, err := futures.New(futures.WithMaxWorkers(2), futures.WithHooks(hooks))
		if err != nil {
			t.Fatal(err)
		}
		sleeper := func(d time.Duration) func(context.Context) (int, error) {
			return func(context.Context) (int, error) { time.Sleep(d); return 0, nil }
		}
		// Two tasks of 1s start at once; the third waits 1s in the queue, runs 2s.
		fs := []*futures.Future[int]{
			futures.Submit(ctx, ex, sleeper(time.Second)),
			futures.Submit(ctx, ex, sleeper(time.Second)),
			futures.Submit(ctx, ex, sleeper(2*time.Second)),
		}
		synctest.Wait()
		if s := ex.Stats(); s.Running != 2 || s.Pending != 1 || s.IdleWorkers != 0 || s.PeakWorkers != 2 {
			t.Errorf("while running: Stats() = %+v; want 2 running, 1 pending, 0 idle, peak 2", s)
		}
		for _, f := range fs {
			f.Result(ctx)
		}
		synctest.Wait()
		s := ex.Stats()
		if s.QueueWait != time.Second || s.RunTime != 4*time.Second {
			t.Errorf("Stats() QueueWait, RunTime = %v, %v; want 1s, 4s", s.QueueWait, s.RunTime)
		}
		if s.IdleWorkers != 2 || s.Workers != 2 || s.PeakWorkers != 2 || s.Completed != 3 || s.Started != 3 {
			t.Errorf("after: Stats() = %+v; want 2 idle of 2 workers, peak 2, 3 started and completed", s)
		}
		if w := waits(); len(w) != 3 || w[2] != time.Second {
			t.Errorf("BeforeTask queue waits = %v; want [0 0 1s]", w)
		}
		if err := ex.Shutdown(ctx); err != nil {
			t.Fatal(err)
		}
		if s := ex.Stats(); s.Workers != 0 || s.IdleWorkers != 0 || s.PeakWorkers != 2 {
			t.Errorf("after Shutdown: Stats() = %+v; want no workers, peak still 2", s)
		}
	})
}

func TestControlsFullPolicyString(t *testing.T) {
	for p, want := range map[futures.FullPolicy]string{
		futures.Block: "Block", futures.Reject: "Reject", futures.CallerRuns: "CallerRuns",
		futures.DiscardOldest: "DiscardOldest", futures.FullPolicy(9): "FullPolicy(9)",
	} {
		if got := p.String(); got != want {
			t.Errorf("FullPolicy(%d).String() = %q; want %q", int(p), got, want)
		}
	}
}

// TestStatsFinalAfterShutdown cancels queued futures through their contexts just
// before a shutdown: a context cancels its futures from goroutines of its own
// (context.AfterFunc), and Stats after Shutdown must already count every one of them.
func TestStatsFinalAfterShutdown(t *testing.T) {
	for round := range 200 {
		ex, g := busyExecutor(t)
		const n = 20
		cancels := make([]context.CancelFunc, n)
		for i := range n {
			ctx, cancel := context.WithCancel(context.Background())
			cancels[i] = cancel
			futures.Submit(ctx, ex, func(context.Context) (int, error) { return 1, nil })
		}
		for _, cancel := range cancels {
			cancel()
		}
		g.open()
		if err := ex.Shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}
		s := ex.Stats()
		checkIdentity(t, s)
		if s.Pending != 0 || s.Canceled+s.Completed != n+1 {
			t.Fatalf("round %d: Stats() = %+v after Shutdown; want nothing pending and %d futures ended", round, s, n+1)
		}
	}
}

// TestControlsHookGoexit: a hook that calls runtime.Goexit ends its worker goroutine,
// and the worker goes on in a new one. In BeforeTask, the task does not run and its
// future finishes with an error matching ErrGoexit; in AfterTask, the task's outcome
// stands. Either way the next tasks run, Shutdown returns, and Stats adds up. The
// Goexit comes for a worker's first task, for a task the busy worker takes from the
// queue, and for a task handed to the idle worker.
func TestControlsHookGoexit(t *testing.T) {
	ctx := context.Background()
	for _, hook := range []string{"BeforeTask", "AfterTask"} {
		for _, when := range []string{"first task", "queued task", "task to an idle worker"} {
			t.Run(hook+"/"+when, func(t *testing.T) {
				var calls atomic.Int32
				exitAt := int32(1) // the first task's hook
				if when != "first task" {
					exitAt = 2
				}
				h := func(futures.TaskInfo) {
					if calls.Add(1) == exitAt {
						runtime.Goexit()
					}
				}
				hooks := futures.Hooks{BeforeTask: h}
				if hook == "AfterTask" {
					hooks = futures.Hooks{AfterTask: h}
				}
				ex := newExecutor(t, futures.WithMaxWorkers(1), futures.WithHooks(hooks))
				var ran atomic.Int32
				task := func(v int) func(context.Context) (int, error) {
					return func(context.Context) (int, error) { ran.Add(1); return v, nil }
				}
				var fs []*futures.Future[int]
				switch when {
				case "first task":
					fs = append(fs, futures.Submit(ctx, ex, task(1)))
				case "queued task":
					g := make(gate)
					started := make(chan struct{}, 1)
					first := futures.Submit(ctx, ex, blocker(g, started))
					<-started
					fs = append(fs, futures.Submit(ctx, ex, task(1))) // queued behind first
					g.open()
					if _, err := first.Result(ctx); err != nil {
						t.Fatal(err)
					}
				case "task to an idle worker":
					if _, err := futures.Submit(ctx, ex, task(0)).Result(ctx); err != nil {
						t.Fatal(err)
					}
					fs = append(fs, futures.Submit(ctx, ex, task(1)))
				}
				wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
				defer cancel()
				v, err := fs[0].Result(wctx)
				if hook == "BeforeTask" {
					if !errors.Is(err, futures.ErrGoexit) {
						t.Errorf("the task whose BeforeTask hook called Goexit: Result() = %v, %v; want an error matching ErrGoexit", v, err)
					}
				} else if v != 1 || err != nil {
					t.Errorf("the task whose AfterTask hook called Goexit: Result() = %v, %v; want 1, nil", v, err)
				}
				ranBefore := ran.Load()
				// The worker goes on: a task submitted now, and one through Go, run.
				if v, err := futures.Submit(ctx, ex, task(2)).Result(wctx); v != 2 || err != nil {
					t.Errorf("the next task: Result() = %v, %v; want 2, nil", v, err)
				}
				if err := ex.Go(func(context.Context) { ran.Add(1) }); err != nil {
					t.Fatal(err)
				}
				if err := ex.Shutdown(wctx); err != nil {
					t.Fatalf("Shutdown: %v", err)
				}
				if got := ran.Load(); got != ranBefore+2 {
					t.Errorf("%d tasks ran after the hook's Goexit; want 2", got-ranBefore)
				}
				want := int32(1) // the hooked task's function runs unless BeforeTask ended it
				if when == "task to an idle worker" {
					want++ // the task before it (the queued case's blocker is not counted)
				}
				if hook == "BeforeTask" {
					want--
				}
				if ranBefore != want {
					t.Errorf("%d task functions ran before the next task; want %d (the hooked one runs only if its BeforeTask returned)", ranBefore, want)
				}
				s := ex.Stats()
				checkIdentity(t, s)
				if s.Running != 0 || s.Pending != 0 || s.Workers != 0 {
					t.Errorf("Stats after Shutdown: %+v; want nothing running, pending or alive", s)
				}
			})
		}
	}
}

// A Go task that panics reaches the panic handler even when the AfterTask hook, which
// runs first, calls runtime.Goexit; and a task whose done-callback calls Goexit still
// gets its AfterTask call. The hooks wrap every task a worker runs.
func TestControlsHooksAroundGoexit(t *testing.T) {
	ctx := context.Background()
	t.Run("panic handler after an AfterTask that calls Goexit", func(t *testing.T) {
		handled := make(chan *futures.PanicError, 1)
		ex := newExecutor(t, futures.WithMaxWorkers(1), futures.WithPanicHandler(func(pe *futures.PanicError) { handled <- pe }),
			futures.WithHooks(futures.Hooks{AfterTask: func(futures.TaskInfo) { runtime.Goexit() }}))
		if err := ex.Go(func(context.Context) { panic("go boom") }); err != nil {
			t.Fatal(err)
		}
		// The next task runs on the same worker's next goroutine, after the handler.
		if err := futures.Submit(ctx, ex, func(context.Context) (int, error) { return 1, nil }).Err(exWaitCtx(t)); err != nil {
			t.Fatal(err)
		}
		select {
		case pe := <-handled:
			if pe.Value != "go boom" {
				t.Errorf("the panic handler got %v; want the task's panic", pe.Value)
			}
		default:
			t.Errorf("the Go task's panic never reached the panic handler")
		}
	})
	t.Run("AfterTask after a callback that calls Goexit", func(t *testing.T) {
		var before, after atomic.Int32
		ex := newExecutor(t, futures.WithMaxWorkers(1), futures.WithLogger(slog.New(slog.DiscardHandler)),
			futures.WithHooks(futures.Hooks{BeforeTask: func(futures.TaskInfo) { before.Add(1) }, AfterTask: func(futures.TaskInfo) { after.Add(1) }}))
		g := make(gate)
		f := futures.Submit(ctx, ex, func(context.Context) (int, error) { <-g; return 1, nil })
		f.AddDoneCallback(func(*futures.Future[int]) { runtime.Goexit() })
		g.open()
		if err := ex.Shutdown(exWaitCtx(t)); err != nil {
			t.Fatal(err)
		}
		if b, a := before.Load(), after.Load(); b != 1 || a != 1 {
			t.Errorf("BeforeTask ran %d times, AfterTask %d times; want 1 and 1", b, a)
		}
	})
}
