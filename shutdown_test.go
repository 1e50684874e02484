package futures_test

import (
	"context"
	"errors"
	"iter"
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

// C-085: submissions after Shutdown or ShutdownNow are refused with ErrShutdown.
func TestShutdownRefusesSubmit(t *testing.T) {
	tests := []struct {
		name string
		stop func(*futures.Executor, context.Context) error
	}{
		{"Shutdown", (*futures.Executor).Shutdown},
		{"ShutdownNow", (*futures.Executor).ShutdownNow},
		{"Close", func(ex *futures.Executor, _ context.Context) error { return ex.Close() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ex := newExecutor(t)
			// Warm it up, so that there is a worker to stop.
			futures.Submit(context.Background(), ex, func(context.Context) (int, error) { return 0, nil }).Result(exWaitCtx(t))
			if err := tt.stop(ex, exWaitCtx(t)); err != nil {
				t.Fatalf("%s() = %v; want nil", tt.name, err)
			}
			var ran atomic.Bool
			f := futures.Submit(context.Background(), ex, func(context.Context) (int, error) { ran.Store(true); return 32, nil })
			if !f.IsDone() {
				t.Errorf("f.IsDone() = false right after a refused Submit; want true")
			}
			v, err := f.Result(endedCtx())
			if v != 0 || !errors.Is(err, futures.ErrShutdown) {
				t.Errorf("Submit after %s: Result() = %v, %v; want 0 and an error matching ErrShutdown", tt.name, v, err)
			}
			if f.Canceled() {
				t.Errorf("f.Canceled() = true; want false: a refused submission is finished with an error")
			}
			if err := ex.Go(func(context.Context) { ran.Store(true) }); !errors.Is(err, futures.ErrShutdown) {
				t.Errorf("ex.Go after %s = %v; want an error matching ErrShutdown", tt.name, err)
			}
			// The same with a context that can end.
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if err := futures.Submit(ctx, ex, func(context.Context) (int, error) { ran.Store(true); return 32, nil }).Err(endedCtx()); !errors.Is(err, futures.ErrShutdown) {
				t.Errorf("Submit(cancelable ctx) after %s: Err() = %v; want ErrShutdown", tt.name, err)
			}
			if ran.Load() {
				t.Errorf("a task refused after %s ran", tt.name)
			}
			if n := ex.Workers(); n != 0 {
				t.Errorf("ex.Workers() = %d after %s; want 0", n, tt.name)
			}
		})
	}
}

// C-086: Shutdown runs every queued task; none is canceled.
func TestShutdownRunsQueued(t *testing.T) {
	checkLeaks(t)
	synctest.Test(t, func(t *testing.T) {
		ex, err := futures.New(futures.WithMaxWorkers(5))
		if err != nil {
			t.Fatal(err)
		}
		gate := make(chan struct{})
		var fs []*futures.Future[int]
		for i := range 50 {
			fs = append(fs, futures.Submit(context.Background(), ex, exBlocker(nil, gate, i)))
		}
		errc := make(chan error)
		go func() { errc <- ex.Shutdown(context.Background()) }()
		synctest.Wait()
		select {
		case err := <-errc:
			t.Fatalf("ex.Shutdown() returned %v while tasks were blocked; want it to wait", err)
		default:
		}
		if f := futures.Submit(context.Background(), ex, exBlocker(nil, gate, 0)); !errors.Is(f.Err(endedCtx()), futures.ErrShutdown) {
			t.Errorf("Submit during Shutdown: Err() = %v; want ErrShutdown", f.Err(endedCtx()))
		}
		close(gate)
		if err := <-errc; err != nil {
			t.Fatalf("ex.Shutdown() = %v; want nil", err)
		}
		if n := ex.Workers(); n != 0 {
			t.Errorf("ex.Workers() = %d after Shutdown; want 0", n)
		}
		for i, f := range fs {
			if f.Canceled() {
				t.Errorf("fs[%d] canceled by Shutdown", i)
			}
			if v, err := f.Result(endedCtx()); v != i || err != nil {
				t.Errorf("fs[%d].Result() = %v, %v after Shutdown; want %d, nil", i, v, err, i)
			}
		}
	})
}

// C-087: ShutdownNow cancels the queued futures, with errors that match ErrCanceled
// and ErrShutdown, and ends the contexts of the running tasks with cause ErrShutdown.
func TestShutdownNowCancels(t *testing.T) {
	tests := []struct {
		name string
		ctx  func(t *testing.T) context.Context
	}{
		{"background", func(*testing.T) context.Context { return context.Background() }},
		{"cancelable", func(t *testing.T) context.Context {
			ctx, cancel := context.WithCancel(context.Background())
			t.Cleanup(cancel)
			return ctx
		}},
		{"values only", func(*testing.T) context.Context {
			type key struct{}
			return context.WithValue(context.Background(), key{}, 1)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ex := newExecutor(t, futures.WithMaxWorkers(5))
			ctx := tt.ctx(t)
			started := make(chan struct{}, 50)
			var ran atomic.Int32
			var fs []*futures.Future[int]
			for i := range 50 {
				fs = append(fs, futures.Submit(ctx, ex, func(ctx context.Context) (int, error) {
					ran.Add(1)
					started <- struct{}{}
					<-ctx.Done()
					return i, context.Cause(ctx)
				}))
			}
			exRecv(t, started, 5, "tasks started")
			if err := ex.ShutdownNow(exWaitCtx(t)); err != nil {
				t.Fatalf("ex.ShutdownNow() = %v; want nil", err)
			}
			if n := ex.Workers(); n != 0 {
				t.Errorf("ex.Workers() = %d after ShutdownNow; want 0", n)
			}
			if n := ran.Load(); n != 5 {
				t.Errorf("%d tasks ran; want 5 (the queued ones never run)", n)
			}
			for i, f := range fs[:5] {
				v, err := f.Result(endedCtx())
				if f.State() != futures.Finished || v != i || err != futures.ErrShutdown {
					t.Errorf("running fs[%d]: State() = %v, Result() = %v, %v; want finished, %d, ErrShutdown (the task's ctx cause)", i, f.State(), v, err, i)
				}
			}
			canceled := 0
			for i, f := range fs[5:] {
				err := f.Err(endedCtx())
				if !f.Canceled() {
					t.Errorf("queued fs[%d].State() = %v; want canceled", i+5, f.State())
					continue
				}
				canceled++
				for _, want := range []error{futures.ErrCanceled, futures.ErrShutdown, context.Canceled} {
					if !errors.Is(err, want) {
						t.Errorf("queued fs[%d].Err() = %v; want it to match %v", i+5, err, want)
					}
				}
			}
			if canceled != 45 {
				t.Errorf("%d futures canceled; want 45", canceled)
			}
		})
	}
	t.Run("Go tasks", func(t *testing.T) {
		ex := newExecutor(t, futures.WithMaxWorkers(1))
		started := make(chan struct{})
		cause := make(chan error, 1)
		var queuedRan atomic.Bool
		if err := ex.Go(func(ctx context.Context) {
			close(started)
			<-ctx.Done()
			cause <- context.Cause(ctx)
		}); err != nil {
			t.Fatalf("ex.Go() = %v", err)
		}
		exRecv(t, started, 1, "Go task started")
		if err := ex.Go(func(context.Context) { queuedRan.Store(true) }); err != nil {
			t.Fatalf("ex.Go() = %v", err)
		}
		if err := ex.ShutdownNow(exWaitCtx(t)); err != nil {
			t.Fatalf("ex.ShutdownNow() = %v; want nil", err)
		}
		if err := <-cause; err != futures.ErrShutdown {
			t.Errorf("running Go task: context.Cause(ctx) = %v; want ErrShutdown", err)
		}
		if queuedRan.Load() {
			t.Errorf("a queued Go task ran after ShutdownNow")
		}
	})
}

// C-088: the futures canceled by ShutdownNow run their callbacks inside the
// ShutdownNow call, in the calling goroutine; the running task goes on.
func TestShutdownNowCallbacks(t *testing.T) {
	ex := newExecutor(t, futures.WithMaxWorkers(1))
	gate := make(chan struct{})
	started := make(chan struct{}, 1)
	b := futures.Submit(context.Background(), ex, exBlocker(started, gate, 7))
	exRecv(t, started, 1, "blocker started")
	q := futures.Submit(context.Background(), ex, func(context.Context) (int, error) { return 1, nil })
	var inCall atomic.Bool
	type call struct {
		goroutine string
		inCall    bool
	}
	calls := make(chan call, 10)
	q.AddDoneCallback(func(*futures.Future[int]) { calls <- call{currentGoroutineID(), inCall.Load()} })

	me := currentGoroutineID()
	inCall.Store(true)
	err := ex.ShutdownNow(endedCtx()) // Python's shutdown(wait=False, cancel_futures=True)
	inCall.Store(false)

	var se *futures.ShutdownError
	if !errors.As(err, &se) || !errors.Is(err, context.Canceled) {
		t.Fatalf("ex.ShutdownNow(ended ctx) = %v; want a *ShutdownError matching context.Canceled", err)
	}
	if se.Running != 1 || se.Queued != 0 || se.Workers != 1 {
		t.Errorf("ShutdownError{Running: %d, Queued: %d, Workers: %d}; want {1, 0, 1}", se.Running, se.Queued, se.Workers)
	}
	select {
	case c := <-calls:
		if !c.inCall {
			t.Errorf("q's callback ran after ShutdownNow returned; want inside the call")
		}
		if c.goroutine != me {
			t.Errorf("q's callback ran in goroutine %s; want the caller of ShutdownNow, %s", c.goroutine, me)
		}
	default:
		t.Fatalf("q's callback had not run when ShutdownNow returned")
	}
	if !q.Canceled() {
		t.Errorf("q.State() = %v; want canceled", q.State())
	}
	if _, err := q.Result(endedCtx()); !errors.Is(err, futures.ErrCanceled) {
		t.Errorf("q.Result() error = %v; want ErrCanceled", err)
	}
	if b.IsDone() {
		t.Errorf("b is done while its task is blocked")
	}
	close(gate)
	if v, err := b.Result(exWaitCtx(t)); v != 7 || err != nil {
		t.Errorf("b.Result() = %v, %v; want 7, nil: a running task finishes normally", v, err)
	}
	if err := ex.Shutdown(exWaitCtx(t)); err != nil {
		t.Errorf("ex.Shutdown() = %v; want nil", err)
	}
	if len(calls) != 0 {
		t.Errorf("q's callback ran %d more times; want once", len(calls))
	}
}

// exRange yields lo..hi-1.
func exRange(lo, hi int) iter.Seq[int] {
	return func(yield func(int) bool) {
		for i := lo; i < hi; i++ {
			if !yield(i) {
				return
			}
		}
	}
}

func exAbs(_ context.Context, x int) (int, error) {
	if x < 0 {
		return -x, nil
	}
	return x, nil
}

// C-090: defer ex.Close() waits for the work, and all workers have exited after it.
func TestShutdownDeferClose(t *testing.T) {
	checkLeaks(t)
	var ex *futures.Executor
	var got []int
	func() {
		var err error
		ex, err = futures.New(futures.WithMaxWorkers(5))
		if err != nil {
			t.Fatal(err)
		}
		defer ex.Close()
		for v, err := range futures.Map(context.Background(), ex, exRange(-5, 5), exAbs) {
			if err != nil {
				t.Errorf("Map(abs) yielded error %v", err)
			}
			got = append(got, v)
		}
	}()
	if want := []int{5, 4, 3, 2, 1, 0, 1, 2, 3, 4}; !slices.Equal(got, want) {
		t.Errorf("Map(abs, -5..4) = %v; want %v", got, want)
	}
	if n := ex.Workers(); n != 0 {
		t.Errorf("ex.Workers() = %d after Close; want 0", n)
	}
	if err := ex.Close(); err != nil {
		t.Errorf("second ex.Close() = %v; want nil", err)
	}
}

// C-091: when the body returns an error or panics, the deferred Close still waits for
// every task, and cancels none.
func TestShutdownDeferCloseOnError(t *testing.T) {
	errBody := errors.New("body failed")
	tests := []struct {
		name  string
		panic bool
	}{
		{"error", false},
		{"panic", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkLeaks(t)
			synctest.Test(t, func(t *testing.T) {
				gate := make(chan struct{})
				fch := make(chan []*futures.Future[int], 1)
				errc := make(chan any, 1)
				go func() {
					defer func() {
						if r := recover(); r != nil {
							errc <- r
						}
					}()
					errc <- func() error {
						ex, err := futures.New(futures.WithMaxWorkers(5))
						if err != nil {
							return err
						}
						defer ex.Close()
						var fs []*futures.Future[int]
						for i := range 3 {
							fs = append(fs, futures.Submit(context.Background(), ex, exBlocker(nil, gate, i)))
						}
						fch <- fs
						if tt.panic {
							panic(errBody)
						}
						return errBody
					}()
				}()
				fs := <-fch
				synctest.Wait()
				select {
				case r := <-errc:
					t.Fatalf("the body's %v came out before its tasks finished", r)
				default:
				}
				for i, f := range fs {
					if f.IsDone() {
						t.Errorf("fs[%d] done before the gate opened", i)
					}
				}
				close(gate)
				if r := <-errc; r != errBody {
					t.Errorf("the body ended with %v; want %v", r, errBody)
				}
				for i, f := range fs {
					if !f.IsDone() {
						t.Errorf("fs[%d] not done when the body's error came out", i)
					}
					if v, err := f.Result(context.Background()); v != i || err != nil || f.Canceled() {
						t.Errorf("fs[%d].Result() = %v, %v (canceled %v); want %d, nil", i, v, err, f.Canceled(), i)
					}
				}
			})
		})
	}
}

// C-093: Shutdown with an ended context is Python's shutdown(wait=False): it returns
// at once with the context's error, the work still finishes, and a later Shutdown
// waits for it.
func TestShutdownNoWait(t *testing.T) {
	checkLeaks(t)
	synctest.Test(t, func(t *testing.T) {
		ex, err := futures.New(futures.WithMaxWorkers(5))
		if err != nil {
			t.Fatal(err)
		}
		gate := make(chan struct{})
		var fs []*futures.Future[int]
		for x := -5; x < 5; x++ {
			fs = append(fs, futures.Submit(context.Background(), ex, func(ctx context.Context) (int, error) {
				<-gate
				return exAbs(ctx, x)
			}))
		}
		err = ex.Shutdown(endedCtx())
		var se *futures.ShutdownError
		if !errors.Is(err, context.Canceled) || !errors.As(err, &se) {
			t.Fatalf("ex.Shutdown(ended ctx) = %v; want a *ShutdownError matching context.Canceled", err)
		}
		if se.Running != 5 || se.Queued != 5 || se.Workers != 5 {
			t.Errorf("ShutdownError{Running: %d, Queued: %d, Workers: %d}; want {5, 5, 5}", se.Running, se.Queued, se.Workers)
		}
		if f := futures.Submit(context.Background(), ex, exBlocker(nil, gate, 0)); !errors.Is(f.Err(endedCtx()), futures.ErrShutdown) {
			t.Errorf("Submit after Shutdown(ended ctx): Err() = %v; want ErrShutdown", f.Err(endedCtx()))
		}
		close(gate)
		var got []int
		for _, f := range fs {
			v, err := f.Result(context.Background())
			if err != nil {
				t.Errorf("Result() error = %v", err)
			}
			got = append(got, v)
		}
		if want := []int{5, 4, 3, 2, 1, 0, 1, 2, 3, 4}; !slices.Equal(got, want) {
			t.Errorf("results = %v; want %v", got, want)
		}
		if err := ex.Shutdown(context.Background()); err != nil {
			t.Errorf("later ex.Shutdown() = %v; want nil", err)
		}
		if n := ex.Workers(); n != 0 {
			t.Errorf("ex.Workers() = %d; want 0", n)
		}
	})
}

// C-037 (gh-109934) and C-048 (gh-87893), OUR FIX: futures canceled by ShutdownNow
// are done for Wait and AsCompleted at once; nothing hangs.
func TestShutdownNowWaitAndAsCompleted(t *testing.T) {
	t.Run("C-037 Wait after ShutdownNow", func(t *testing.T) {
		// Two tasks that end with their context on one worker; ShutdownNow waits.
		ex := newExecutor(t, futures.WithMaxWorkers(1))
		started := make(chan struct{}, 1)
		sleeper := func(ctx context.Context) (int, error) {
			started <- struct{}{}
			<-ctx.Done()
			return 0, nil
		}
		t1 := futures.Submit(context.Background(), ex, sleeper)
		t2 := futures.Submit(context.Background(), ex, sleeper)
		exRecv(t, started, 1, "t1 started")
		if err := ex.ShutdownNow(exWaitCtx(t)); err != nil {
			t.Fatalf("ex.ShutdownNow() = %v", err)
		}
		done, notDone := futures.Wait(endedCtx(), futures.AllCompleted, t1, t2) // timeout=0
		if !slices.Equal(done, []*futures.Future[int]{t1, t2}) || len(notDone) != 0 {
			t.Errorf("Wait(timeout 0, AllCompleted, t1, t2) = %v, %v; want both done", done, notDone)
		}
		ctx := exWaitCtx(t)
		done, notDone = futures.Wait(ctx, futures.AllCompleted, t1, t2)
		if ctx.Err() != nil || len(done) != 2 || len(notDone) != 0 {
			t.Errorf("Wait(AllCompleted, t1, t2) = %v, %v (ctx %v); want both done at once", done, notDone, ctx.Err())
		}
		if !t2.Canceled() || !t2.IsDone() {
			t.Errorf("t2.Canceled(), t2.IsDone() = %v, %v; want true, true", t2.Canceled(), t2.IsDone())
		}
	})
	t.Run("C-048 AsCompleted after ShutdownNow", func(t *testing.T) {
		ex := newExecutor(t, futures.WithMaxWorkers(1))
		gate := make(chan struct{})
		started := make(chan struct{}, 1)
		t1 := futures.Submit(context.Background(), ex, exBlocker(started, gate, 1))
		t2 := futures.Submit(context.Background(), ex, exBlocker(nil, gate, 2))
		exRecv(t, started, 1, "t1 started")
		if err := ex.ShutdownNow(endedCtx()); !errors.Is(err, context.Canceled) {
			t.Fatalf("ex.ShutdownNow(ended ctx) = %v; want context.Canceled", err)
		}
		close(gate)
		var got []*futures.Future[int]
		for f, err := range futures.AsCompleted(exWaitCtx(t), t1, t2) {
			if err != nil {
				t.Fatalf("AsCompleted(t1, t2) ended with %v after yielding %v", err, got)
			}
			got = append(got, f)
		}
		if len(got) != 2 || !slices.Contains(got, t1) || !slices.Contains(got, t2) {
			t.Errorf("AsCompleted(t1, t2) yielded %v; want both", got)
		}
		if v, err := t1.Result(endedCtx()); v != 1 || err != nil {
			t.Errorf("t1.Result() = %v, %v; want 1, nil", v, err)
		}
	})
	t.Run("done while another still runs", func(t *testing.T) {
		// The canceled future is done for every waiter the moment it is canceled,
		// while the running one is still blocked.
		ex := newExecutor(t, futures.WithMaxWorkers(1))
		gate := make(chan struct{})
		started := make(chan struct{}, 1)
		t1 := futures.Submit(context.Background(), ex, exBlocker(started, gate, 1))
		t2 := futures.Submit(context.Background(), ex, exBlocker(nil, gate, 2))
		exRecv(t, started, 1, "t1 started")
		// A waiter that is already waiting when the cancellation comes.
		waiting := make(chan []*futures.Future[int], 1)
		go func() {
			done, _ := futures.Wait(context.Background(), futures.FirstCompleted, t1, t2)
			waiting <- done
		}()
		ex.ShutdownNow(endedCtx())
		select {
		case done := <-waiting:
			if !slices.Equal(done, []*futures.Future[int]{t2}) {
				t.Errorf("Wait(FirstCompleted, t1, t2) done = %v; want [t2]", done)
			}
		case <-exWaitCtx(t).Done():
			t.Fatalf("Wait(FirstCompleted, t1, t2) did not return after t2 was canceled")
		}
		done, notDone := futures.Wait(endedCtx(), futures.AllCompleted, t1, t2)
		if !slices.Equal(done, []*futures.Future[int]{t2}) || !slices.Equal(notDone, []*futures.Future[int]{t1}) {
			t.Errorf("Wait(timeout 0, t1, t2) = %v, %v; want [t2], [t1]", done, notDone)
		}
		for f, err := range futures.AsCompleted(exWaitCtx(t), t1, t2) {
			if err != nil || f != t2 {
				t.Errorf("AsCompleted(t1, t2) first yielded %v, %v; want t2, nil", f, err)
			}
			break
		}
		close(gate)
		done, notDone = futures.Wait(exWaitCtx(t), futures.AllCompleted, t1, t2)
		if len(done) != 2 || len(notDone) != 0 {
			t.Errorf("Wait(AllCompleted, t1, t2) after the gate opened = %v, %v; want both done", done, notDone)
		}
	})
}

// Shutdown, ShutdownNow and Close are idempotent and may be mixed.
func TestShutdownIdempotent(t *testing.T) {
	ex := newExecutor(t, futures.WithMaxWorkers(3))
	for i := range 10 {
		futures.Submit(context.Background(), ex, func(context.Context) (int, error) { return i, nil })
	}
	ctx := exWaitCtx(t)
	for i, stop := range []func() error{
		func() error { return ex.Shutdown(ctx) },
		func() error { return ex.Shutdown(ctx) },
		func() error { return ex.Close() },
		func() error { return ex.ShutdownNow(ctx) },
		func() error { return ex.Shutdown(endedCtx()) },
		func() error { return ex.ShutdownNow(endedCtx()) },
		func() error { return ex.Shutdown(ctx) },
	} {
		if err := stop(); err != nil {
			t.Errorf("stop call %d = %v; want nil (already shut down)", i, err)
		}
		if n := ex.Workers(); n != 0 {
			t.Errorf("ex.Workers() = %d after stop call %d; want 0", n, i)
		}
	}
}

// Shutdown and ShutdownNow reject a nil context and a nil executor.
func TestShutdownInvalid(t *testing.T) {
	ex := newExecutor(t)
	var nilCtx context.Context
	var nilEx *futures.Executor
	for name, err := range map[string]error{
		"ex.Shutdown(nil)":             ex.Shutdown(nilCtx),
		"ex.ShutdownNow(nil)":          ex.ShutdownNow(nilCtx),
		"(*Executor)(nil).Shutdown":    nilEx.Shutdown(context.Background()),
		"(*Executor)(nil).ShutdownNow": nilEx.ShutdownNow(context.Background()),
	} {
		if !errors.Is(err, futures.ErrInvalid) {
			t.Errorf("%s = %v; want an error matching ErrInvalid", name, err)
		}
	}
}

// Shutdown returns only when every worker has exited.
func TestShutdownWaitsForWorkers(t *testing.T) {
	for round := range 20 {
		ex := newExecutor(t, futures.WithMaxWorkers(8))
		for i := range 100 {
			futures.Submit(context.Background(), ex, func(context.Context) (int, error) { return i, nil })
		}
		if err := ex.Shutdown(exWaitCtx(t)); err != nil {
			t.Fatalf("round %d: ex.Shutdown() = %v", round, err)
		}
		if n := ex.Workers(); n != 0 {
			t.Fatalf("round %d: ex.Workers() = %d when Shutdown returned; want 0", round, n)
		}
	}
}

// Shutdown, ShutdownNow and Close from many goroutines while others submit: every
// submission either runs or is refused (or canceled) with ErrShutdown; no panic, no
// hang.
func TestShutdownConcurrent(t *testing.T) {
	for round := range 10 {
		ex := newExecutor(t, futures.WithMaxWorkers(4))
		// Half the submissions use a context that can end; it ends only after the
		// results are checked.
		cancelable, cancel := context.WithCancel(context.Background())
		start := make(chan struct{})
		var wg sync.WaitGroup
		type sub struct {
			f   *futures.Future[int]
			ran *atomic.Bool
		}
		subs := make([][]sub, 8)
		for g := range subs {
			wg.Go(func() {
				<-start
				for i := range 100 {
					ran := new(atomic.Bool)
					ctx := context.Background()
					if i%2 == 1 {
						ctx = cancelable
					}
					f := futures.Submit(ctx, ex, func(context.Context) (int, error) { ran.Store(true); return i, nil })
					subs[g] = append(subs[g], sub{f, ran})
					if err := ex.Go(func(context.Context) {}); err != nil && !errors.Is(err, futures.ErrShutdown) {
						t.Errorf("ex.Go() = %v; want nil or ErrShutdown", err)
					}
				}
			})
		}
		stopErrs := make(chan error, 6)
		for g := range 6 {
			wg.Go(func() {
				<-start
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				switch g % 3 {
				case 0:
					stopErrs <- ex.Shutdown(ctx)
				case 1:
					stopErrs <- ex.ShutdownNow(ctx)
				case 2:
					stopErrs <- ex.Close()
				}
			})
		}
		close(start)
		wg.Wait()
		close(stopErrs)
		for err := range stopErrs {
			if err != nil {
				t.Errorf("round %d: a concurrent stop call = %v; want nil", round, err)
			}
		}
		if n := ex.Workers(); n != 0 {
			t.Errorf("round %d: ex.Workers() = %d after every stop call returned; want 0", round, n)
		}
		ctx := exWaitCtx(t)
		for _, ss := range subs {
			for _, s := range ss {
				v, err := s.f.Result(ctx)
				switch {
				case err == nil:
					if !s.ran.Load() {
						t.Errorf("round %d: Result() = %v, nil but the task did not run", round, v)
					}
				case errors.Is(err, futures.ErrShutdown):
					if s.ran.Load() {
						t.Errorf("round %d: Result() error = %v but the task ran", round, err)
					}
				default:
					t.Errorf("round %d: Result() = %v, %v; want a result or ErrShutdown", round, v, err)
				}
			}
		}
		cancel()
		if t.Failed() {
			return
		}
	}
}

// ShutdownNow with a task that ignores its context: when the context ends, it returns
// a *ShutdownError that says one task is still running; after the task ends, a second
// Shutdown returns nil.
func TestShutdownNowDeadline(t *testing.T) {
	checkLeaks(t)
	synctest.Test(t, func(t *testing.T) {
		ex, err := futures.New(futures.WithMaxWorkers(2))
		if err != nil {
			t.Fatal(err)
		}
		gate := make(chan struct{})
		started := make(chan struct{}, 1)
		f := futures.Submit(context.Background(), ex, exBlocker(started, gate, 3))
		<-started
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		t0 := time.Now()
		err = ex.ShutdownNow(ctx)
		var se *futures.ShutdownError
		if !errors.As(err, &se) || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("ex.ShutdownNow(1s) = %v; want a *ShutdownError matching DeadlineExceeded", err)
		}
		if d := time.Since(t0); d != time.Second {
			t.Errorf("ex.ShutdownNow(1s) returned after %v; want 1s", d)
		}
		if se.Running != 1 || se.Queued != 0 || se.Workers != 1 {
			t.Errorf("ShutdownError{Running: %d, Queued: %d, Workers: %d}; want {1, 0, 1}", se.Running, se.Queued, se.Workers)
		}
		if se.Err != context.DeadlineExceeded {
			t.Errorf("ShutdownError.Err = %v; want DeadlineExceeded", se.Err)
		}
		close(gate)
		if v, err := f.Result(context.Background()); v != 3 || err != nil {
			t.Errorf("f.Result() = %v, %v; want 3, nil", v, err)
		}
		if err := ex.Shutdown(context.Background()); err != nil {
			t.Errorf("second ex.Shutdown() = %v; want nil", err)
		}
		if n := ex.Workers(); n != 0 {
			t.Errorf("ex.Workers() = %d; want 0", n)
		}
	})
}

// A task that shuts down its own executor does not deadlock: the wait ends with its
// context, and reports the task itself as running.
func TestShutdownFromTask(t *testing.T) {
	tests := []struct {
		name string
		stop func(*futures.Executor, context.Context) error
	}{
		{"Shutdown", (*futures.Executor).Shutdown},
		{"ShutdownNow", (*futures.Executor).ShutdownNow},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkLeaks(t)
			synctest.Test(t, func(t *testing.T) {
				ex, err := futures.New(futures.WithMaxWorkers(2))
				if err != nil {
					t.Fatal(err)
				}
				f := futures.Submit(context.Background(), ex, func(context.Context) (int, error) {
					ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
					defer cancel()
					return 1, tt.stop(ex, ctx)
				})
				v, got := f.Result(context.Background())
				if v != 1 {
					t.Fatalf("f.Result() = %v, %v; want 1 and the error of %s", v, got, tt.name)
				}
				var se *futures.ShutdownError
				if !errors.As(got, &se) || !errors.Is(got, context.DeadlineExceeded) {
					t.Fatalf("%s from a task = %v; want a *ShutdownError matching DeadlineExceeded", tt.name, got)
				}
				if se.Running != 1 || se.Workers != 1 {
					t.Errorf("ShutdownError{Running: %d, Workers: %d}; want {1, 1}", se.Running, se.Workers)
				}
				if err := ex.Shutdown(context.Background()); err != nil {
					t.Errorf("ex.Shutdown() = %v; want nil", err)
				}
				if n := ex.Workers(); n != 0 {
					t.Errorf("ex.Workers() = %d; want 0", n)
				}
			})
		})
	}
}

// A task that calls Shutdown with its own context (a Submit task's, a Go task's, one
// derived from it) gets ErrInvalid at once rather than waiting for its own worker, as
// CPython raises RuntimeError; the shutdown has begun, and ends when the task returns.
func TestShutdownWithOwnTaskContext(t *testing.T) {
	for _, kind := range []string{"Submit", "Go", "derived context"} {
		t.Run(kind, func(t *testing.T) {
			checkLeaks(t)
			synctest.Test(t, func(t *testing.T) {
				ex, err := futures.New(futures.WithMaxWorkers(2))
				if err != nil {
					t.Fatal(err)
				}
				got := make(chan error, 1)
				stop := func(ctx context.Context) {
					if kind == "derived context" {
						var cancel context.CancelFunc
						ctx, cancel = context.WithCancel(ctx)
						defer cancel()
					}
					got <- ex.Shutdown(ctx)
				}
				if kind == "Go" {
					if err := ex.Go(stop); err != nil {
						t.Fatal(err)
					}
				} else {
					futures.Submit(context.Background(), ex, func(ctx context.Context) (int, error) { stop(ctx); return 0, nil })
				}
				if err := <-got; !errors.Is(err, futures.ErrInvalid) || !strings.Contains(err.Error(), "own worker") {
					t.Errorf("Shutdown with the task's own context = %v; want an error matching ErrInvalid that says why", err)
				}
				if err := futures.Submit(context.Background(), ex, func(context.Context) (int, error) { return 1, nil }).Err(endedCtx()); !errors.Is(err, futures.ErrShutdown) {
					t.Errorf("Submit after that Shutdown: Err() = %v; want ErrShutdown (the shutdown has begun)", err)
				}
				if err := ex.Shutdown(context.Background()); err != nil {
					t.Errorf("ex.Shutdown() = %v; want nil", err)
				}
			})
		})
	}
}

// Done-callbacks may shut their executor down: from a worker, from ShutdownNow, and
// from Cancel (CPython deadlocks in some of these, C-113).
func TestShutdownFromCallback(t *testing.T) {
	t.Run("in a worker", func(t *testing.T) {
		checkLeaks(t)
		synctest.Test(t, func(t *testing.T) {
			ex, err := futures.New(futures.WithMaxWorkers(1))
			if err != nil {
				t.Fatal(err)
			}
			gate := make(chan struct{})
			f := futures.Submit(context.Background(), ex, exBlocker(nil, gate, 1))
			type result struct {
				shutdown, submit error
			}
			got := make(chan result, 1)
			f.AddDoneCallback(func(*futures.Future[int]) {
				// This worker runs the callback, so waiting for every worker to exit
				// can only end with the context.
				ctx, cancel := context.WithTimeout(context.Background(), time.Second)
				defer cancel()
				err := ex.Shutdown(ctx)
				got <- result{err, futures.Submit(context.Background(), ex, exBlocker(nil, gate, 2)).Err(endedCtx())}
			})
			close(gate)
			r := <-got
			if !errors.Is(r.shutdown, context.DeadlineExceeded) {
				t.Errorf("Shutdown in a worker's callback = %v; want DeadlineExceeded (the worker waits for itself)", r.shutdown)
			}
			if !errors.Is(r.submit, futures.ErrShutdown) {
				t.Errorf("Submit in the callback after Shutdown: Err() = %v; want ErrShutdown", r.submit)
			}
			if err := ex.Shutdown(context.Background()); err != nil {
				t.Errorf("ex.Shutdown() = %v; want nil", err)
			}
			if n := ex.Workers(); n != 0 {
				t.Errorf("ex.Workers() = %d; want 0", n)
			}
		})
	})
	t.Run("in ShutdownNow", func(t *testing.T) {
		ex := newExecutor(t, futures.WithMaxWorkers(1))
		gate := make(chan struct{})
		started := make(chan struct{}, 1)
		b := futures.Submit(context.Background(), ex, exBlocker(started, gate, 1))
		exRecv(t, started, 1, "blocker started")
		q := futures.Submit(context.Background(), ex, exBlocker(nil, gate, 2))
		var shutdownErr, submitErr error
		q.AddDoneCallback(func(*futures.Future[int]) {
			shutdownErr = ex.Shutdown(endedCtx())
			submitErr = futures.Submit(context.Background(), ex, exBlocker(nil, gate, 3)).Err(endedCtx())
		})
		if err := ex.ShutdownNow(endedCtx()); !errors.Is(err, context.Canceled) {
			t.Errorf("ex.ShutdownNow(ended ctx) = %v; want context.Canceled", err)
		}
		// The callback ran inside ShutdownNow, in this goroutine.
		if !errors.Is(shutdownErr, context.Canceled) {
			t.Errorf("Shutdown(ended ctx) in the callback = %v; want context.Canceled", shutdownErr)
		}
		if !errors.Is(submitErr, futures.ErrShutdown) {
			t.Errorf("Submit in the callback: Err() = %v; want ErrShutdown", submitErr)
		}
		close(gate)
		if err := ex.Shutdown(exWaitCtx(t)); err != nil {
			t.Errorf("ex.Shutdown() = %v; want nil", err)
		}
		if v, err := b.Result(endedCtx()); v != 1 || err != nil {
			t.Errorf("b.Result() = %v, %v; want 1, nil", v, err)
		}
	})
	t.Run("in Cancel", func(t *testing.T) {
		// A callback run by Cancel waits, inside Cancel, for the whole shutdown; no
		// executor lock is held meanwhile.
		checkLeaks(t)
		synctest.Test(t, func(t *testing.T) {
			ex, err := futures.New(futures.WithMaxWorkers(1))
			if err != nil {
				t.Fatal(err)
			}
			gate := make(chan struct{})
			b := futures.Submit(context.Background(), ex, exBlocker(nil, gate, 1))
			q := futures.Submit(context.Background(), ex, exBlocker(nil, gate, 2))
			shutdownErr := make(chan error, 1)
			q.AddDoneCallback(func(*futures.Future[int]) { shutdownErr <- ex.Shutdown(context.Background()) })
			canceled := make(chan bool)
			go func() { canceled <- q.Cancel() }()
			synctest.Wait()
			select {
			case <-canceled:
				t.Fatalf("q.Cancel() returned while its callback's Shutdown should wait for b")
			default:
			}
			// The executor is usable meanwhile: no lock is held.
			if err := futures.Submit(context.Background(), ex, exBlocker(nil, gate, 3)).Err(endedCtx()); !errors.Is(err, futures.ErrShutdown) {
				t.Errorf("Submit while the callback shuts down: Err() = %v; want ErrShutdown", err)
			}
			if n := ex.Workers(); n != 1 {
				t.Errorf("ex.Workers() = %d; want 1", n)
			}
			close(gate)
			if !<-canceled {
				t.Errorf("q.Cancel() = false; want true")
			}
			if err := <-shutdownErr; err != nil {
				t.Errorf("Shutdown in the callback = %v; want nil", err)
			}
			if v, err := b.Result(context.Background()); v != 1 || err != nil {
				t.Errorf("b.Result() = %v, %v; want 1, nil", v, err)
			}
		})
	})
}

// exSubmitAndDrop makes an executor, submits n tasks to it (the first blocked tasks
// occupy its two workers until gate closes), and returns their futures, keeping no
// reference to the executor. collected is closed when the executor is collected.
//
//go:noinline
func exSubmitAndDrop(t *testing.T, n int, gate <-chan struct{}, collected chan struct{}) []*futures.Future[int] {
	ex, err := futures.New(futures.WithMaxWorkers(2))
	if err != nil {
		t.Fatal(err)
	}
	runtime.AddCleanup(ex, func(ch chan struct{}) { close(ch) }, collected)
	var fs []*futures.Future[int]
	for i := range n {
		fs = append(fs, futures.Submit(context.Background(), ex, exBlocker(nil, gate, i)))
	}
	return fs
}

// C-095 analog: an executor dropped without Shutdown shuts itself down when it is
// collected: its queued work still runs, then its workers exit (the leak check).
func TestShutdownDroppedExecutor(t *testing.T) {
	t.Run("busy", func(t *testing.T) {
		checkLeaks(t)
		gate := make(chan struct{})
		collected := make(chan struct{})
		fs := exSubmitAndDrop(t, 10, gate, collected)
		if !exAwaitCollected(collected) {
			t.Fatalf("an executor with no references left, and busy workers, was not collected")
		}
		close(gate)
		for i, f := range fs {
			if v, err := f.Result(exWaitCtx(t)); v != i || err != nil {
				t.Errorf("fs[%d].Result() = %v, %v; want %d, nil (queued work still runs)", i, v, err, i)
			}
		}
	})
	t.Run("idle", func(t *testing.T) {
		checkLeaks(t)
		gate := make(chan struct{})
		close(gate)
		collected := make(chan struct{})
		fs := exSubmitAndDrop(t, 10, gate, collected)
		for i, f := range fs {
			if v, err := f.Result(exWaitCtx(t)); v != i || err != nil {
				t.Errorf("fs[%d].Result() = %v, %v; want %d, nil", i, v, err, i)
			}
		}
		if !exAwaitCollected(collected) {
			t.Fatalf("an executor with no references left, and idle workers, was not collected")
		}
	})
}
