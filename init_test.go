package futures_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/gofutures/futures"
)

// C-102: the initializer runs in every worker, in the worker's goroutine, before the
// worker's first task.
func TestInitRunsBeforeTasks(t *testing.T) {
	var mu sync.Mutex
	initialized := make(map[string]bool) // goroutines that ran the initializer
	var inits atomic.Int32
	ex := newExecutor(t, futures.WithMaxWorkers(2), futures.WithInitializer(func(ctx context.Context) error {
		if ctx == nil || ctx.Err() != nil {
			return fmt.Errorf("initializer context = %v; want a live context", ctx)
		}
		inits.Add(1)
		mu.Lock()
		initialized[currentGoroutineID()] = true
		mu.Unlock()
		return nil
	}))
	if n := inits.Load(); n != 0 {
		t.Errorf("the initializer ran %d times before any submission; want 0", n)
	}
	// Two tasks that wait for each other, so that they run on two workers at once.
	started := make(chan struct{}, 2)
	both := make(chan struct{})
	status := func(context.Context) (string, error) {
		started <- struct{}{}
		<-both
		mu.Lock()
		defer mu.Unlock()
		if initialized[currentGoroutineID()] {
			return "initialized", nil
		}
		return "uninitialized", nil
	}
	f1 := futures.Submit(context.Background(), ex, status)
	f2 := futures.Submit(context.Background(), ex, status)
	exRecv(t, started, 2, "tasks started")
	close(both)
	for i, f := range []*futures.Future[string]{f1, f2} {
		if v, err := f.Result(exWaitCtx(t)); v != "initialized" || err != nil {
			t.Errorf("f%d.Result() = %q, %v; want %q, nil", i+1, v, err, "initialized")
		}
	}
	if n := inits.Load(); n != 2 {
		t.Errorf("the initializer ran %d times for 2 workers; want 2", n)
	}
}

// C-103: a failing initializer breaks the executor for good. The submission that
// started the worker, and every later one, fail with an error that matches ErrBroken
// and wraps the initializer's error; the failure is logged; Shutdown still works.
func TestInitFailureBreaks(t *testing.T) {
	errInit := errors.New("error in initializer")
	rec := newExLogRecorder()
	ex := newExecutor(t,
		futures.WithName("BrokenPool"),
		futures.WithMaxWorkers(2),
		futures.WithLogger(slog.New(rec)),
		futures.WithInitializer(func(context.Context) error { return errInit }))
	var ran atomic.Int32
	task := func(context.Context) (int, error) { ran.Add(1); return 1, nil }

	f := futures.Submit(context.Background(), ex, task)
	_, err := f.Result(exWaitCtx(t))
	if !errors.Is(err, futures.ErrBroken) || !errors.Is(err, errInit) {
		t.Fatalf("f.Result() error = %v; want it to match ErrBroken and the initializer's error", err)
	}
	if f.Canceled() {
		t.Errorf("f.Canceled() = true; want a finished future")
	}

	// The failure was logged before the future failed.
	recs := rec.records()
	if len(recs) != 1 {
		t.Fatalf("got %d log records; want 1", len(recs))
	}
	if r := recs[0]; r.Level != slog.LevelError {
		t.Errorf("log record level = %v; want ERROR", r.Level)
	}
	if all := recs[0].Message + fmt.Sprint(exAttrs(recs[0])); !strings.Contains(all, "error in initializer") || !strings.Contains(all, "BrokenPool") {
		t.Errorf("log record %q does not carry the initializer's error and the executor's name", all)
	}

	// Later submissions are refused at once.
	for i := range 5 {
		g := futures.Submit(context.Background(), ex, task)
		if !g.IsDone() {
			t.Errorf("submission %d to a broken executor is not done at once", i)
		}
		if err := g.Err(endedCtx()); !errors.Is(err, futures.ErrBroken) || !errors.Is(err, errInit) {
			t.Errorf("submission %d to a broken executor: Err() = %v; want ErrBroken wrapping the initializer's error", i, err)
		}
	}
	if err := ex.Go(func(context.Context) { ran.Add(1) }); !errors.Is(err, futures.ErrBroken) || !errors.Is(err, errInit) {
		t.Errorf("ex.Go on a broken executor = %v; want ErrBroken wrapping the initializer's error", err)
	}
	if err := ex.Shutdown(exWaitCtx(t)); err != nil {
		t.Errorf("ex.Shutdown() on a broken executor = %v; want nil", err)
	}
	if n := ex.Workers(); n != 0 {
		t.Errorf("ex.Workers() = %d after Shutdown; want 0", n)
	}
	// Python checks broken before shut down (§8.2.1).
	if err := futures.Submit(context.Background(), ex, task).Err(endedCtx()); !errors.Is(err, futures.ErrBroken) {
		t.Errorf("Submit to a broken executor after Shutdown: Err() = %v; want ErrBroken", err)
	}
	if n := ran.Load(); n != 0 {
		t.Errorf("%d tasks ran on a broken executor; want 0", n)
	}
	if n := len(rec.records()); n != 1 {
		t.Errorf("got %d log records; want 1 (one worker failed)", n)
	}
}

// An initializer that fails, panics or calls runtime.Goexit while tasks are queued:
// the task that started the worker and every queued task fail with ErrBroken.
func TestInitFailureWithQueuedTasks(t *testing.T) {
	errInit := errors.New("init failed")
	tests := []struct {
		name  string
		fail  func() error
		check func(t *testing.T, err error)
	}{
		{"error", func() error { return errInit }, func(t *testing.T, err error) {
			if !errors.Is(err, errInit) {
				t.Errorf("error %v does not wrap the initializer's error", err)
			}
		}},
		{"panic", func() error { panic("init boom") }, func(t *testing.T, err error) {
			var pe *futures.PanicError
			if !errors.As(err, &pe) || pe.Value != "init boom" || pe.Goexit {
				t.Errorf("error %v does not wrap a *PanicError with the panic value", err)
			}
		}},
		{"Goexit", func() error { runtime.Goexit(); return nil }, func(t *testing.T, err error) {
			var pe *futures.PanicError
			if !errors.Is(err, futures.ErrGoexit) || !errors.As(err, &pe) || !pe.Goexit {
				t.Errorf("error %v does not wrap a Goexit *PanicError", err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkLeaks(t)
			synctest.Test(t, func(t *testing.T) {
				gate := make(chan struct{})
				ex, err := futures.New(
					futures.WithMaxWorkers(1),
					futures.WithLogger(slog.New(slog.DiscardHandler)),
					futures.WithInitializer(func(context.Context) error {
						<-gate
						return tt.fail()
					}))
				if err != nil {
					t.Fatal(err)
				}
				var ran atomic.Int32
				var fs []*futures.Future[int]
				for i := range 5 {
					fs = append(fs, futures.Submit(context.Background(), ex, func(context.Context) (int, error) { ran.Add(1); return i, nil }))
				}
				synctest.Wait()
				for i, f := range fs {
					if f.IsDone() {
						t.Errorf("fs[%d] done while the initializer runs", i)
					}
				}
				close(gate)
				for i, f := range fs {
					err := f.Err(context.Background())
					if !errors.Is(err, futures.ErrBroken) {
						t.Errorf("fs[%d].Err() = %v; want ErrBroken", i, err)
						continue
					}
					tt.check(t, err)
				}
				if err := futures.Submit(context.Background(), ex, func(context.Context) (int, error) { ran.Add(1); return 0, nil }).Err(context.Background()); !errors.Is(err, futures.ErrBroken) {
					t.Errorf("Submit after the failure: Err() = %v; want ErrBroken", err)
				}
				if err := ex.Go(func(context.Context) { ran.Add(1) }); !errors.Is(err, futures.ErrBroken) {
					t.Errorf("ex.Go after the failure = %v; want ErrBroken", err)
				}
				if err := ex.Shutdown(context.Background()); err != nil {
					t.Errorf("ex.Shutdown() = %v; want nil", err)
				}
				if n := ex.Workers(); n != 0 {
					t.Errorf("ex.Workers() = %d after Shutdown; want 0", n)
				}
				if n := ran.Load(); n != 0 {
					t.Errorf("%d tasks ran; want 0", n)
				}
			})
		})
	}
}

// C-105: the initializer runs exactly once per worker, including workers started
// later, and not again when a task panics or calls runtime.Goexit.
func TestInitOncePerWorker(t *testing.T) {
	t.Run("three workers", func(t *testing.T) {
		var inits atomic.Int32
		ex := newExecutor(t, futures.WithMaxWorkers(3), futures.WithInitializer(func(context.Context) error {
			inits.Add(1)
			return nil
		}))
		gate := make(chan struct{})
		started := make(chan struct{}, 3)
		var fs []*futures.Future[int]
		for i := range 3 {
			fs = append(fs, futures.Submit(context.Background(), ex, exBlocker(started, gate, i)))
		}
		exRecv(t, started, 3, "blockers started")
		close(gate)
		for _, f := range fs {
			f.Result(exWaitCtx(t))
		}
		for i := range 10 {
			if v, err := futures.Submit(context.Background(), ex, func(context.Context) (int, error) { return i, nil }).Result(exWaitCtx(t)); v != i || err != nil {
				t.Errorf("quick task %d: Result() = %v, %v", i, v, err)
			}
		}
		if n := inits.Load(); n != 3 {
			t.Errorf("the initializer ran %d times; want 3", n)
		}
	})
	t.Run("after panic and Goexit", func(t *testing.T) {
		var inits atomic.Int32
		ex := newExecutor(t,
			futures.WithMaxWorkers(1),
			futures.WithLogger(slog.New(slog.DiscardHandler)),
			futures.WithInitializer(func(context.Context) error {
				inits.Add(1)
				return nil
			}))
		ctx := exWaitCtx(t)
		futures.Submit(context.Background(), ex, func(context.Context) (int, error) { panic("boom") }).Result(ctx)
		futures.Submit(context.Background(), ex, func(context.Context) (int, error) { runtime.Goexit(); return 0, nil }).Result(ctx)
		ex.Go(func(context.Context) { runtime.Goexit() })
		for i := range 5 {
			if v, err := futures.Submit(context.Background(), ex, func(context.Context) (int, error) { return i, nil }).Result(ctx); v != i || err != nil {
				t.Errorf("task %d: Result() = %v, %v", i, v, err)
			}
		}
		if n := inits.Load(); n != 1 {
			t.Errorf("the initializer ran %d times on one worker; want 1", n)
		}
	})
}

// The initializer of the second worker fails while the first worker runs a task: that
// task finishes normally; the task that started the second worker, and the ones queued
// meanwhile, fail with ErrBroken.
func TestInitFailsOnSecondWorker(t *testing.T) {
	checkLeaks(t)
	synctest.Test(t, func(t *testing.T) {
		errInit := errors.New("second worker failed")
		initGate := make(chan struct{})
		var inits atomic.Int32
		ex, err := futures.New(
			futures.WithMaxWorkers(2),
			futures.WithLogger(slog.New(slog.DiscardHandler)),
			futures.WithInitializer(func(context.Context) error {
				if inits.Add(1) == 2 {
					<-initGate
					return errInit
				}
				return nil
			}))
		if err != nil {
			t.Fatal(err)
		}
		gate := make(chan struct{})
		started := make(chan struct{}, 1)
		a := futures.Submit(context.Background(), ex, exBlocker(started, gate, 1))
		<-started
		var ran atomic.Int32
		b := futures.Submit(context.Background(), ex, func(context.Context) (int, error) { ran.Add(1); return 2, nil })
		c := futures.Submit(context.Background(), ex, func(context.Context) (int, error) { ran.Add(1); return 3, nil })
		synctest.Wait()
		if n := ex.Workers(); n != 2 {
			t.Errorf("ex.Workers() = %d; want 2", n)
		}
		close(initGate)
		for name, f := range map[string]*futures.Future[int]{"b": b, "c": c} {
			if err := f.Err(context.Background()); !errors.Is(err, futures.ErrBroken) || !errors.Is(err, errInit) {
				t.Errorf("%s.Err() = %v; want ErrBroken wrapping the initializer's error", name, err)
			}
		}
		if a.IsDone() {
			t.Errorf("a is done while its task is blocked")
		}
		close(gate)
		if v, err := a.Result(context.Background()); v != 1 || err != nil {
			t.Errorf("a.Result() = %v, %v; want 1, nil: a task running on a healthy worker finishes normally", v, err)
		}
		if err := futures.Submit(context.Background(), ex, func(context.Context) (int, error) { ran.Add(1); return 4, nil }).Err(context.Background()); !errors.Is(err, futures.ErrBroken) {
			t.Errorf("Submit after the failure: Err() = %v; want ErrBroken", err)
		}
		if err := ex.Shutdown(context.Background()); err != nil {
			t.Errorf("ex.Shutdown() = %v; want nil", err)
		}
		if n := ex.Workers(); n != 0 {
			t.Errorf("ex.Workers() = %d after Shutdown; want 0", n)
		}
		if n := ran.Load(); n != 0 {
			t.Errorf("%d tasks ran on the failed worker or after the failure; want 0", n)
		}
		if n := inits.Load(); n != 2 {
			t.Errorf("the initializer ran %d times; want 2", n)
		}
	})
}

// The initializer's context is the executor's: ShutdownNow ends it, and a blocked
// initializer does not hang ShutdownNow.
func TestInitContextEndedByShutdownNow(t *testing.T) {
	checkLeaks(t)
	synctest.Test(t, func(t *testing.T) {
		ex, err := futures.New(
			futures.WithMaxWorkers(1),
			futures.WithLogger(slog.New(slog.DiscardHandler)),
			futures.WithInitializer(func(ctx context.Context) error {
				<-ctx.Done()
				return context.Cause(ctx)
			}))
		if err != nil {
			t.Fatal(err)
		}
		var ran atomic.Bool
		f := futures.Submit(context.Background(), ex, func(context.Context) (int, error) { ran.Store(true); return 1, nil })
		q := futures.Submit(context.Background(), ex, func(context.Context) (int, error) { ran.Store(true); return 2, nil })
		synctest.Wait()
		if err := ex.ShutdownNow(context.Background()); err != nil {
			t.Fatalf("ex.ShutdownNow() = %v; want nil", err)
		}
		if err := f.Err(context.Background()); err == nil {
			t.Errorf("f.Err() = nil; want an error: its worker's initializer failed")
		} else if !errors.Is(err, futures.ErrShutdown) {
			t.Errorf("f.Err() = %v; want it to match ErrShutdown", err)
		}
		if err := q.Err(context.Background()); !errors.Is(err, futures.ErrCanceled) || !errors.Is(err, futures.ErrShutdown) {
			t.Errorf("q.Err() = %v; want ErrCanceled and ErrShutdown", err)
		}
		if ran.Load() {
			t.Errorf("a task ran")
		}
		if n := ex.Workers(); n != 0 {
			t.Errorf("ex.Workers() = %d; want 0", n)
		}
	})
}

// The task a worker is started for waits in the queue while the worker runs the
// initializer, as in CPython (the worker runs it before it takes any item): it is
// Pending, Cancel succeeds, and so does the end of its submit context; a canceled task
// never runs, and the worker takes the next one once initialized.
func TestInitFirstTaskPendingDuringInitializer(t *testing.T) {
	for _, how := range []string{"Cancel", "submit context"} {
		t.Run(how, func(t *testing.T) {
			cfBubble(t, func(t *testing.T) {
				release := make(chan struct{})
				var inits atomic.Int32
				ex := cfBubbleExecutor(t, futures.WithMaxWorkers(1), futures.WithInitializer(func(context.Context) error {
					inits.Add(1)
					<-release
					return nil
				}))
				ctx, cancel := context.WithCancel(t.Context())
				defer cancel()
				var ran atomic.Bool
				first := futures.Submit(ctx, ex, func(context.Context) (int, error) { ran.Store(true); return 1, nil })
				synctest.Wait() // the worker is in its initializer
				if st := first.State(); st != futures.Pending || first.Running() {
					t.Errorf("during the initializer, the first future is %v (Running %v); want pending", st, first.Running())
				}
				if s := ex.Stats(); s.Pending != 1 || s.Running != 0 || s.Workers != 1 {
					t.Errorf("during the initializer, Stats = %+v; want 1 pending, 0 running, 1 worker", s)
				}
				switch how {
				case "Cancel":
					if !first.Cancel() {
						t.Errorf("Cancel() of the first task during the initializer = false; want true")
					}
				default:
					cancel()
					synctest.Wait()
				}
				if _, err := first.Result(cfHour(t)); !first.Canceled() || !errors.Is(err, futures.ErrCanceled) {
					t.Errorf("first future after %s: %v, %v; want canceled", how, first.State(), err)
				}
				close(release)
				second := futures.Submit(t.Context(), ex, func(context.Context) (int, error) { return 2, nil })
				if v, err := second.Result(cfHour(t)); v != 2 || err != nil {
					t.Errorf("second.Result() = %d, %v; want 2, nil", v, err)
				}
				synctest.Wait()
				if ran.Load() {
					t.Errorf("the canceled first task ran")
				}
				if n := inits.Load(); n != 1 {
					t.Errorf("the initializer ran %d times; want 1 (one worker)", n)
				}
				if s := ex.Stats(); s.Canceled != 1 || s.Completed != 1 || s.Workers != 1 {
					t.Errorf("Stats = %+v; want 1 canceled, 1 completed, 1 worker", s)
				}
			})
		})
	}
}

// A task queued for a worker that is still in its initializer goes to whichever worker
// is free first: here the worker that was already running, as in CPython.
func TestInitFirstTaskTakenByFreeWorker(t *testing.T) {
	cfBubble(t, func(t *testing.T) {
		second := make(chan struct{})
		var inits atomic.Int32
		ex := cfBubbleExecutor(t, futures.WithMaxWorkers(2), futures.WithInitializer(func(context.Context) error {
			if inits.Add(1) == 2 {
				<-second // the second worker stays in its initializer
			}
			return nil
		}))
		gate := make(chan struct{})
		worker := func(context.Context) (string, error) { return currentGoroutineID(), nil }
		blocker := futures.Submit(t.Context(), ex, func(ctx context.Context) (string, error) { <-gate; return worker(ctx) })
		synctest.Wait()
		queued := futures.Submit(t.Context(), ex, worker) // starts the second worker
		synctest.Wait()
		if n := inits.Load(); n != 2 || queued.State() != futures.Pending {
			t.Fatalf("after the second submission: %d initializers, second future %v; want 2, pending", n, queued.State())
		}
		close(gate)
		g1, err1 := blocker.Result(cfHour(t))
		g2, err2 := queued.Result(cfHour(t))
		if err1 != nil || err2 != nil || g1 != g2 {
			t.Errorf("the queued task ran on goroutine %q (%v), the first worker is %q (%v); want the first worker, which was free first", g2, err2, g1, err1)
		}
		close(second)
	})
}

// Workers started for queued tasks by SetMaxWorkers, or for a task that waits on a
// future of its own executor, also run the initializer before they take a task.
func TestInitGrowthStartsInitializedWorkers(t *testing.T) {
	cfBubble(t, func(t *testing.T) {
		var mu sync.Mutex
		initialized := make(map[string]bool)
		ex := cfBubbleExecutor(t, futures.WithMaxWorkers(1), futures.WithInitializer(func(context.Context) error {
			mu.Lock()
			defer mu.Unlock()
			initialized[currentGoroutineID()] = true
			return nil
		}))
		check := func(context.Context) (bool, error) {
			mu.Lock()
			defer mu.Unlock()
			return initialized[currentGoroutineID()], nil
		}
		// A task that waits on another it submits: the executor lets one more worker
		// run while it waits.
		outer := futures.Submit(t.Context(), ex, func(ctx context.Context) (bool, error) {
			return futures.Submit(ctx, ex, check).Result(ctx)
		})
		if ok, err := outer.Result(cfHour(t)); !ok || err != nil {
			t.Errorf("nested task on the extra worker: initialized = %v, %v; want true, nil", ok, err)
		}
		// Queued tasks, then a larger maximum.
		gate := make(chan struct{})
		busy := futures.Submit(t.Context(), ex, func(context.Context) (bool, error) { <-gate; return true, nil })
		synctest.Wait()
		var fs []*futures.Future[bool]
		for range 3 {
			fs = append(fs, futures.Submit(t.Context(), ex, check))
		}
		if err := ex.SetMaxWorkers(4); err != nil {
			t.Fatal(err)
		}
		for i, f := range fs {
			if ok, err := f.Result(cfHour(t)); !ok || err != nil {
				t.Errorf("queued task %d after SetMaxWorkers(4): initialized = %v, %v; want true, nil", i, ok, err)
			}
		}
		close(gate)
		if _, err := busy.Result(cfHour(t)); err != nil {
			t.Error(err)
		}
		if s := ex.Stats(); s.PeakWorkers > 4 {
			t.Errorf("Stats().PeakWorkers = %d; want at most 4", s.PeakWorkers)
		}
	})
}
