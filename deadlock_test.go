package futures_test

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gofutures/futures"
)

// C-106: a task's error reaches its future at once, and the executor goes on working.
func TestDeadlockTaskError(t *testing.T) {
	ex := newExecutor(t, futures.WithMaxWorkers(2))
	errTask := errors.New("runtime error in task")
	v, err := futures.Submit(context.Background(), ex, func(context.Context) (int, error) { return 0, errTask }).Result(exWaitCtx(t))
	if v != 0 || err != errTask {
		t.Errorf("Result() = %v, %v; want 0, %v", v, err, errTask)
	}
	if v, err := futures.Submit(context.Background(), ex, func(context.Context) (int, error) { return 5, nil }).Result(exWaitCtx(t)); v != 5 || err != nil {
		t.Errorf("Submit after a failed task: Result() = %v, %v; want 5, nil", v, err)
	}
	if err := ex.Shutdown(exWaitCtx(t)); err != nil {
		t.Errorf("ex.Shutdown() = %v; want nil", err)
	}
}

// C-107: a panic or runtime.Goexit in a task (Python's SystemExit) is captured in its
// future, and the workers keep serving.
func TestDeadlockTaskExit(t *testing.T) {
	tests := []struct {
		name string
		fn   func(context.Context) (int, error)
		want error
	}{
		{"panic", func(context.Context) (int, error) { panic(errors.New("SystemExit")) }, nil},
		{"Goexit", func(context.Context) (int, error) { runtime.Goexit(); return 0, nil }, futures.ErrGoexit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ex := newExecutor(t, futures.WithMaxWorkers(2))
			ctx := exWaitCtx(t)
			var fs []*futures.Future[int]
			for range 4 {
				fs = append(fs, futures.Submit(context.Background(), ex, tt.fn))
			}
			for i, f := range fs {
				err := f.Err(ctx)
				var pe *futures.PanicError
				if !errors.As(err, &pe) {
					t.Errorf("fs[%d].Err() = %v; want a *PanicError", i, err)
				}
				if tt.want != nil && !errors.Is(err, tt.want) {
					t.Errorf("fs[%d].Err() = %v; want it to match %v", i, err, tt.want)
				}
			}
			for i := range 10 {
				if v, err := futures.Submit(context.Background(), ex, func(context.Context) (int, error) { return i, nil }).Result(ctx); v != i || err != nil {
					t.Errorf("task %d after the failures: Result() = %v, %v; want %d, nil", i, v, err, i)
				}
			}
			if n := ex.Workers(); n < 1 || n > 2 {
				t.Errorf("ex.Workers() = %d; want 1 or 2", n)
			}
			if err := ex.Shutdown(ctx); err != nil {
				t.Errorf("ex.Shutdown() = %v; want nil", err)
			}
		})
	}
}

// C-109: a task that fails right before Shutdown(wait=False) still reports its error,
// and every worker exits.
func TestDeadlockFailureAfterShutdownNoWait(t *testing.T) {
	ex := newExecutor(t, futures.WithMaxWorkers(5))
	if v, err := futures.Submit(context.Background(), ex, func(context.Context) (int, error) { return 42, nil }).Result(exWaitCtx(t)); v != 42 || err != nil {
		t.Fatalf("warm-up Result() = %v, %v; want 42, nil", v, err)
	}
	errTask := errors.New("task failed")
	f := futures.Submit(context.Background(), ex, func(context.Context) (int, error) { return 0, errTask })
	ex.Shutdown(endedCtx())
	if err := f.Err(exWaitCtx(t)); err != errTask {
		t.Errorf("f.Err() = %v; want %v", err, errTask)
	}
	if err := ex.Shutdown(exWaitCtx(t)); err != nil {
		t.Errorf("ex.Shutdown() = %v; want nil", err)
	}
	if n := ex.Workers(); n != 0 {
		t.Errorf("ex.Workers() = %d; want 0", n)
	}
}

// C-112, OUR FIX: a task that waits, with its own context, on a future of its own full
// executor does not deadlock: the executor runs one more worker while it waits.
func TestDeadlockNestedSubmit(t *testing.T) {
	square := func(context.Context) (int, error) { return 5 * 5, nil }
	type ctxs struct {
		outer func(t *testing.T) context.Context                   // the submit context of A
		inner func(task context.Context) context.Context           // the submit context of inner
		wait  func(task context.Context) (context.Context, func()) // the context A waits with
	}
	taskCtx := func(task context.Context) context.Context { return task }
	background := func(*testing.T) context.Context { return context.Background() }
	cancelable := func(t *testing.T) context.Context {
		ctx, cancel := context.WithCancel(context.Background())
		t.Cleanup(cancel)
		return ctx
	}
	waitTask := func(task context.Context) (context.Context, func()) { return task, func() {} }
	waitDerived := func(task context.Context) (context.Context, func()) {
		return context.WithTimeout(task, time.Hour)
	}
	tests := []struct {
		name string
		ctxs
	}{
		{"background", ctxs{background, taskCtx, waitTask}},
		{"cancelable", ctxs{cancelable, taskCtx, waitTask}},
		{"inner background", ctxs{background, func(context.Context) context.Context { return context.Background() }, waitTask}},
		{"derived wait context", ctxs{background, taskCtx, waitDerived}},
		{"cancelable, derived wait context", ctxs{cancelable, taskCtx, waitDerived}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkLeaks(t)
			synctest.Test(t, func(t *testing.T) {
				ex, err := futures.New(futures.WithMaxWorkers(1))
				if err != nil {
					t.Fatal(err)
				}
				a := futures.Submit(tt.outer(t), ex, func(ctx context.Context) (int, error) {
					inner := futures.Submit(tt.inner(ctx), ex, square)
					wctx, cancel := tt.wait(ctx)
					defer cancel()
					return inner.Result(wctx)
				})
				if v, err := a.Result(context.Background()); v != 25 || err != nil {
					t.Fatalf("a.Result() = %v, %v; want 25, nil", v, err)
				}
				synctest.Wait()
				if n := ex.Workers(); n != 1 {
					t.Errorf("ex.Workers() = %d once the wait is over; want 1 (the extra worker retires)", n)
				}
				// The maximum holds again.
				gate := make(chan struct{})
				for i := range 3 {
					futures.Submit(context.Background(), ex, exBlocker(nil, gate, i))
				}
				synctest.Wait()
				if n := ex.Workers(); n != 1 {
					t.Errorf("ex.Workers() = %d with 3 blocking tasks; want 1", n)
				}
				close(gate)
				if err := ex.Shutdown(context.Background()); err != nil {
					t.Errorf("ex.Shutdown() = %v; want nil", err)
				}
			})
		})
	}
	t.Run("Go task", func(t *testing.T) {
		checkLeaks(t)
		synctest.Test(t, func(t *testing.T) {
			ex, err := futures.New(futures.WithMaxWorkers(1))
			if err != nil {
				t.Fatal(err)
			}
			type result struct {
				v   int
				err error
			}
			got := make(chan result, 1)
			if err := ex.Go(func(ctx context.Context) {
				v, err := futures.Submit(ctx, ex, square).Result(ctx)
				got <- result{v, err}
			}); err != nil {
				t.Fatalf("ex.Go() = %v", err)
			}
			if r := <-got; r.v != 25 || r.err != nil {
				t.Errorf("nested Result() in a Go task = %v, %v; want 25, nil", r.v, r.err)
			}
			if err := ex.Shutdown(context.Background()); err != nil {
				t.Errorf("ex.Shutdown() = %v; want nil", err)
			}
		})
	})
	t.Run("foreign wait context", func(t *testing.T) {
		// The documented limit: waiting with a context that is not the task's gives
		// CPython's behaviour. The wait times out, and inner runs after A.
		checkLeaks(t)
		synctest.Test(t, func(t *testing.T) {
			ex, err := futures.New(futures.WithMaxWorkers(1))
			if err != nil {
				t.Fatal(err)
			}
			innerc := make(chan *futures.Future[int], 1)
			a := futures.Submit(context.Background(), ex, func(context.Context) (int, error) {
				inner := futures.Submit(context.Background(), ex, square)
				innerc <- inner
				ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
				defer cancel()
				return inner.Result(ctx)
			})
			if _, err := a.Result(context.Background()); !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("a.Result() error = %v; want DeadlineExceeded", err)
			}
			if v, err := (<-innerc).Result(context.Background()); v != 25 || err != nil {
				t.Errorf("inner.Result() = %v, %v; want 25, nil", v, err)
			}
			if err := ex.Shutdown(context.Background()); err != nil {
				t.Errorf("ex.Shutdown() = %v; want nil", err)
			}
		})
	})
}

// C-112 with two workers and two tasks that each wait on a nested submission at once.
func TestDeadlockNestedSubmitTwoWorkers(t *testing.T) {
	checkLeaks(t)
	synctest.Test(t, func(t *testing.T) {
		ex, err := futures.New(futures.WithMaxWorkers(2))
		if err != nil {
			t.Fatal(err)
		}
		started := make(chan struct{}, 2)
		both := make(chan struct{})
		outer := func(ctx context.Context) (int, error) {
			started <- struct{}{}
			<-both // both outer tasks occupy both workers
			inner := futures.Submit(ctx, ex, func(context.Context) (int, error) { return 25, nil })
			return inner.Result(ctx)
		}
		a1 := futures.Submit(context.Background(), ex, outer)
		a2 := futures.Submit(context.Background(), ex, outer)
		<-started
		<-started
		if n := ex.Workers(); n != 2 {
			t.Errorf("ex.Workers() = %d with both outer tasks running; want 2", n)
		}
		close(both)
		for i, a := range []*futures.Future[int]{a1, a2} {
			if v, err := a.Result(context.Background()); v != 25 || err != nil {
				t.Errorf("a%d.Result() = %v, %v; want 25, nil", i+1, v, err)
			}
		}
		synctest.Wait()
		if n := ex.Workers(); n != 2 {
			t.Errorf("ex.Workers() = %d once the waits are over; want 2", n)
		}
		if err := ex.Shutdown(context.Background()); err != nil {
			t.Errorf("ex.Shutdown() = %v; want nil", err)
		}
	})
}

// TestDeadlockNestedWaitKeepsMax: the extra worker that a task's wait on its own
// executor lets run is surplus once the wait is over, and exits if it is idle: the
// executor is back to its maximum at once, and a task submitted while the waiting task
// still runs is queued, not started.
func TestDeadlockNestedWaitKeepsMax(t *testing.T) {
	ex := newExecutor(t, futures.WithMaxWorkers(1))
	bg := context.Background()
	waited, hold := make(chan struct{}), make(chan struct{})
	outer := futures.Submit(bg, ex, func(ctx context.Context) (int, error) {
		inner := futures.Submit(ctx, ex, func(context.Context) (int, error) { return 2, nil })
		if _, err := inner.Result(ctx); err != nil { // an extra worker runs inner
			return 0, err
		}
		close(waited)
		<-hold
		return 1, nil
	})
	<-waited
	later := futures.Submit(bg, ex, func(context.Context) (int, error) { return 3, nil })
	if st := later.State(); st != futures.Pending {
		t.Errorf("a task submitted while the outer task still runs on the only allowed worker is %v; want Pending", st)
	}
	if s := ex.Stats(); s.Running != 1 || s.Pending != 1 || s.IdleWorkers != 0 {
		t.Errorf("Stats after the wait: Running %d, Pending %d, IdleWorkers %d; want 1, 1, 0", s.Running, s.Pending, s.IdleWorkers)
	}
	close(hold)
	for i, f := range []*futures.Future[int]{outer, later} {
		if v, err := f.Result(bg); v != i*2+1 || err != nil {
			t.Errorf("task %d: Result() = %v, %v; want %d, nil", i, v, err, i*2+1)
		}
	}
}

// C-112 with a chain of five tasks on one worker, each waiting on the next.
func TestDeadlockNestedChain(t *testing.T) {
	checkLeaks(t)
	synctest.Test(t, func(t *testing.T) {
		ex, err := futures.New(futures.WithMaxWorkers(1))
		if err != nil {
			t.Fatal(err)
		}
		const depth = 5
		workersAtBottom := make(chan int, 1)
		var link func(n int) func(context.Context) (int, error)
		link = func(n int) func(context.Context) (int, error) {
			return func(ctx context.Context) (int, error) {
				if n == depth {
					workersAtBottom <- ex.Workers()
					return 25, nil
				}
				return futures.Submit(ctx, ex, link(n+1)).Result(ctx)
			}
		}
		if v, err := futures.Submit(context.Background(), ex, link(1)).Result(context.Background()); v != 25 || err != nil {
			t.Fatalf("chain of %d: Result() = %v, %v; want 25, nil", depth, v, err)
		}
		if n := <-workersAtBottom; n != depth {
			t.Errorf("ex.Workers() = %d while %d tasks wait on each other; want %d", n, depth, depth)
		}
		synctest.Wait()
		if n := ex.Workers(); n != 1 {
			t.Errorf("ex.Workers() = %d once the chain is done; want 1", n)
		}
		if err := ex.Shutdown(context.Background()); err != nil {
			t.Errorf("ex.Shutdown() = %v; want nil", err)
		}
	})
}
