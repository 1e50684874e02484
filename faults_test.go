package futures_test

// Fault tests: tasks that panic, call runtime.Goexit, block until their context ends
// or never return; callbacks that panic or re-enter the executor; initializers that
// fail. Most run in a testing/synctest bubble, so that "the executor has settled" is
// synctest.Wait and a deadline is a fake clock, never a sleep.

import (
	"context"
	"errors"
	"fmt"
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

// fltBubble runs f in a synctest bubble and checks, outside it, that no goroutine is
// left behind.
func fltBubble(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	checkLeaks(t)
	synctest.Test(t, f)
}

// fltNew makes an executor inside a bubble; the test shuts it down.
func fltNew(t *testing.T, opts ...futures.Option) *futures.Executor {
	t.Helper()
	ex, err := futures.New(opts...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return ex
}

// fltShutdown shuts ex down and checks that it returned nil with no worker left.
func fltShutdown(t *testing.T, ex *futures.Executor) {
	t.Helper()
	if err := ex.Shutdown(context.Background()); err != nil {
		t.Errorf("Shutdown = %v; want nil", err)
	}
	if n := ex.Workers(); n != 0 {
		t.Errorf("Workers() = %d after Shutdown; want 0", n)
	}
}

// fltGated returns a task that signals started, then returns v once gate is closed.
func fltGated(started chan<- int, gate <-chan struct{}, v int) func(context.Context) (int, error) {
	return func(context.Context) (int, error) {
		if started != nil {
			started <- v
		}
		<-gate
		return v, nil
	}
}

func fltValue(v int) func(context.Context) (int, error) {
	return func(context.Context) (int, error) { return v, nil }
}

type fltErr struct{ msg string }

func (e *fltErr) Error() string { return e.msg }

// TestFaultTaskPanics checks that a panic, whatever its value, becomes the task's
// *PanicError with the value and the panicking stack, and that the worker survives.
func TestFaultTaskPanics(t *testing.T) {
	sentinel := errors.New("sentinel error")
	cases := []struct {
		name  string
		value func() any
		check func(t *testing.T, pe *futures.PanicError, err error)
	}{
		{"string", func() any { return "boom" }, func(t *testing.T, pe *futures.PanicError, err error) {
			if pe.Value != "boom" {
				t.Errorf("Value = %#v; want \"boom\"", pe.Value)
			}
			if !strings.Contains(err.Error(), "boom") {
				t.Errorf("Error() = %q; want it to name the panic value", err)
			}
		}},
		{"error", func() any { return fmt.Errorf("wrapped: %w", sentinel) }, func(t *testing.T, pe *futures.PanicError, err error) {
			if !errors.Is(err, sentinel) {
				t.Errorf("errors.Is(%v, sentinel) = false; want the panic value to be unwrapped", err)
			}
		}},
		{"custom error type", func() any { return &fltErr{"custom"} }, func(t *testing.T, pe *futures.PanicError, err error) {
			var fe *fltErr
			if !errors.As(err, &fe) || fe.msg != "custom" {
				t.Errorf("errors.As(%v, *fltErr) failed; want the panic value to be reachable", err)
			}
		}},
		{"int", func() any { return 42 }, func(t *testing.T, pe *futures.PanicError, err error) {
			if pe.Value != 42 {
				t.Errorf("Value = %#v; want 42", pe.Value)
			}
		}},
		{"nil", func() any { return nil }, func(t *testing.T, pe *futures.PanicError, err error) {
			// Since Go 1.21, panic(nil) panics with a *runtime.PanicNilError: it is a
			// panic, not a Goexit.
			var pne *runtime.PanicNilError
			if pe.Goexit || !errors.As(err, &pne) {
				t.Errorf("panic(nil): Goexit = %v, Value = %#v; want a panic with *runtime.PanicNilError", pe.Goexit, pe.Value)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ex := newExecutor(t, futures.WithMaxWorkers(1))
			ctx := context.Background()
			f := futures.Submit(ctx, ex, func(context.Context) (int, error) {
				fltPanicker(c.value())
				return 1, nil
			})
			v, err := f.Result(ctx)
			var pe *futures.PanicError
			if v != 0 || !errors.As(err, &pe) {
				t.Fatalf("Result = (%v, %v); want (0, *PanicError)", v, err)
			}
			if pe.Goexit || errors.Is(err, futures.ErrGoexit) {
				t.Errorf("a panic reports Goexit = %v, matches ErrGoexit = %v; want neither", pe.Goexit, errors.Is(err, futures.ErrGoexit))
			}
			if !strings.Contains(string(pe.Stack), "fltPanicker") {
				t.Errorf("PanicError.Stack does not show the panicking function:\n%s", pe.Stack)
			}
			c.check(t, pe, err)
			// The worker survived: the same single worker runs the next task.
			if v, err := futures.Submit(ctx, ex, fltValue(7)).Result(ctx); v != 7 || err != nil {
				t.Errorf("next task after a panic: Result = (%v, %v); want (7, nil)", v, err)
			}
			if n := ex.Workers(); n != 1 {
				t.Errorf("Workers() = %d after a panic; want 1", n)
			}
		})
	}
}

//go:noinline
func fltPanicker(v any) { panic(v) }

// TestFaultGoexit checks that runtime.Goexit in a task resolves its future with a
// *PanicError (Goexit set, matching ErrGoexit), that the tasks queued behind it still
// run on the same worker, and that Goexit in a fire-and-forget task reaches the panic
// handler.
func TestFaultGoexit(t *testing.T) {
	fltBubble(t, func(t *testing.T) {
		handled := make(chan *futures.PanicError, 1)
		ex := fltNew(t, futures.WithMaxWorkers(1), futures.WithPanicHandler(func(pe *futures.PanicError) { handled <- pe }))
		ctx := context.Background()
		gate := make(chan struct{})
		first := futures.Submit(ctx, ex, func(context.Context) (int, error) {
			<-gate
			runtime.Goexit()
			return 1, nil
		})
		var queued []*futures.Future[int]
		for i := range 5 {
			queued = append(queued, futures.Submit(ctx, ex, fltValue(i)))
		}
		close(gate)
		v, err := first.Result(ctx)
		var pe *futures.PanicError
		if v != 0 || !errors.As(err, &pe) || !pe.Goexit || pe.Value != nil || !errors.Is(err, futures.ErrGoexit) {
			t.Fatalf("Goexit task: Result = (%v, %v); want (0, *PanicError{Goexit: true}) matching ErrGoexit", v, err)
		}
		for i, f := range queued {
			if v, err := f.Result(ctx); v != i || err != nil {
				t.Errorf("queued task %d after a Goexit: Result = (%v, %v); want (%d, nil)", i, v, err, i)
			}
		}
		synctest.Wait()
		if n := ex.Workers(); n != 1 {
			t.Errorf("Workers() = %d after a Goexit; want 1 (the worker goes on)", n)
		}
		if err := ex.Go(func(context.Context) { runtime.Goexit() }); err != nil {
			t.Fatalf("Go = %v", err)
		}
		if pe := <-handled; !pe.Goexit {
			t.Errorf("panic handler got %+v; want Goexit set", pe)
		}
		fltShutdown(t, ex)
	})
}

// TestFaultBlockUntilContext checks tasks that run until their context ends: a
// graceful Shutdown with a deadline reports them as still running, and ShutdownNow
// ends their contexts with cause ErrShutdown and cancels what is queued.
func TestFaultBlockUntilContext(t *testing.T) {
	fltBubble(t, func(t *testing.T) {
		const m = 3
		ex := fltNew(t, futures.WithMaxWorkers(m))
		started := make(chan struct{}, m)
		block := func(ctx context.Context) (int, error) {
			started <- struct{}{}
			<-ctx.Done()
			return -1, context.Cause(ctx)
		}
		bg := context.Background()
		submitCtx, cancelSubmit := context.WithCancel(bg)
		defer cancelSubmit()
		running := []*futures.Future[int]{
			futures.Submit(bg, ex, block),
			futures.Submit(submitCtx, ex, block),
			futures.Submit(bg, ex, block),
		}
		for range m {
			<-started
		}
		queued := []*futures.Future[int]{
			futures.Submit(bg, ex, block),
			futures.Submit(submitCtx, ex, fltValue(1)),
		}
		// A fire-and-forget task that blocks until its context ends is queued too.
		goRan := make(chan struct{}, 1)
		if err := ex.Go(func(ctx context.Context) { goRan <- struct{}{}; <-ctx.Done() }); err != nil {
			t.Fatalf("Go = %v", err)
		}

		ctx, cancel := context.WithTimeout(bg, time.Second)
		defer cancel()
		err := ex.Shutdown(ctx)
		var se *futures.ShutdownError
		if !errors.As(err, &se) || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Shutdown(1s) with tasks blocked on their contexts = %v; want *ShutdownError matching DeadlineExceeded", err)
		}
		if se.Running != m || se.Queued != 3 || se.Workers != m {
			t.Errorf("Shutdown(1s) = %+v; want Running %d, Queued 3, Workers %d", *se, m, m)
		}
		for i, f := range append(running, queued...) {
			if f.IsDone() {
				t.Errorf("future %d is %v after a graceful Shutdown timed out; want it to go on", i, f.State())
			}
		}
		// A second graceful Shutdown with an ended context waits no more.
		if err := ex.Shutdown(endedCtx()); !errors.Is(err, context.Canceled) {
			t.Errorf("Shutdown(canceled ctx) = %v; want an error matching context.Canceled", err)
		}

		if err := ex.ShutdownNow(bg); err != nil {
			t.Fatalf("ShutdownNow = %v; want nil", err)
		}
		for i, f := range running {
			if v, err := f.Result(bg); v != -1 || !errors.Is(err, futures.ErrShutdown) {
				t.Errorf("running task %d after ShutdownNow: Result = (%v, %v); want (-1, ErrShutdown): its context ends with that cause", i, v, err)
			}
		}
		for i, f := range queued {
			if _, err := f.Result(bg); !f.Canceled() || !errors.Is(err, futures.ErrCanceled) || !errors.Is(err, futures.ErrShutdown) {
				t.Errorf("queued task %d after ShutdownNow: %v, %v; want canceled, matching ErrCanceled and ErrShutdown", i, f.State(), err)
			}
		}
		select {
		case <-goRan:
			t.Errorf("a queued fire-and-forget task ran after ShutdownNow; want it dropped")
		default:
		}
		if n := ex.Workers(); n != 0 {
			t.Errorf("Workers() = %d after ShutdownNow returned; want 0", n)
		}
	})
}

// TestFaultSubmitContextEnds checks that a running task sees its submit context end,
// and that a queued one is canceled at once, without waiting for a worker.
func TestFaultSubmitContextEnds(t *testing.T) {
	fltBubble(t, func(t *testing.T) {
		ex := fltNew(t, futures.WithMaxWorkers(1))
		bg := context.Background()
		ctx, cancel := context.WithCancelCause(bg)
		cause := errors.New("the caller gave up")
		started := make(chan struct{})
		running := futures.Submit(ctx, ex, func(ctx context.Context) (int, error) {
			close(started)
			<-ctx.Done()
			return -1, context.Cause(ctx)
		})
		<-started
		gate := make(chan struct{})
		blocker := futures.Submit(bg, ex, fltGated(nil, gate, 2))
		ran := atomic.Bool{}
		queued := futures.Submit(ctx, ex, func(context.Context) (int, error) { ran.Store(true); return 3, nil })
		cancel(cause)
		// The running task ends, the worker takes the blocker, and the queued one was
		// canceled by its context, not skipped later.
		if v, err := running.Result(bg); v != -1 || !errors.Is(err, cause) {
			t.Errorf("running task: Result = (%v, %v); want (-1, the cause)", v, err)
		}
		<-queued.Done()
		if _, err := queued.Result(bg); !queued.Canceled() || !errors.Is(err, futures.ErrCanceled) || !errors.Is(err, cause) {
			t.Errorf("queued task whose context ended: %v, %v; want canceled, matching ErrCanceled and the cause", queued.State(), err)
		}
		if blocker.IsDone() {
			t.Errorf("blocker is done before its gate opened")
		}
		close(gate)
		if v, err := blocker.Result(bg); v != 2 || err != nil {
			t.Errorf("blocker: Result = (%v, %v); want (2, nil)", v, err)
		}
		fltShutdown(t, ex)
		if ran.Load() {
			t.Errorf("a task whose context ended while it was queued ran")
		}
	})
}

// TestFaultNeverReturns checks a task that ignores its context and does not return:
// ShutdownNow with a deadline must still return, with a *ShutdownError that reports it
// running, and must have canceled everything queued.
func TestFaultNeverReturns(t *testing.T) {
	fltBubble(t, func(t *testing.T) {
		ex := fltNew(t, futures.WithMaxWorkers(2))
		bg := context.Background()
		forever := make(chan struct{}) // "never": until the end of the test
		started := make(chan int, 2)
		stuck := futures.Submit(bg, ex, fltGated(started, forever, 1))
		<-started
		gate := make(chan struct{})
		other := futures.Submit(bg, ex, fltGated(started, gate, 2))
		<-started
		var queued []*futures.Future[int]
		for i := range 4 {
			queued = append(queued, futures.Submit(bg, ex, fltValue(10+i)))
		}
		close(gate) // other returns; its worker then runs the queued tasks, and idles
		if v, err := other.Result(bg); v != 2 || err != nil {
			t.Fatalf("other: Result = (%v, %v)", v, err)
		}
		synctest.Wait()

		ctx, cancel := context.WithTimeout(bg, time.Second)
		defer cancel()
		moreGate := make(chan struct{})
		more := futures.Submit(bg, ex, fltGated(started, moreGate, 3))
		<-started
		late := futures.Submit(bg, ex, fltValue(4)) // queued: both workers are busy
		begin := time.Now()
		err := ex.ShutdownNow(ctx)
		if d := time.Since(begin); d != time.Second {
			t.Errorf("ShutdownNow(1s) returned after %v; want the deadline, 1s", d)
		}
		var se *futures.ShutdownError
		if !errors.As(err, &se) || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("ShutdownNow(1s) with a task that never returns = %v; want *ShutdownError matching DeadlineExceeded", err)
		}
		if se.Running != 2 || se.Queued != 0 || se.Workers != 2 {
			t.Errorf("ShutdownNow(1s) = %+v; want Running 2, Queued 0, Workers 2", *se)
		}
		if !strings.Contains(err.Error(), "2 tasks running") {
			t.Errorf("ShutdownError message %q; want it to say how many tasks still run", err)
		}
		if _, err := late.Result(bg); !late.Canceled() || !errors.Is(err, futures.ErrShutdown) {
			t.Errorf("queued task after ShutdownNow: %v, %v; want canceled with ErrShutdown", late.State(), err)
		}
		for i, f := range queued {
			if v, err := f.Result(bg); v != 10+i || err != nil {
				t.Errorf("task queued before the stop, %d: Result = (%v, %v); want (%d, nil)", i, v, err, 10+i)
			}
		}
		if r := futures.Submit(bg, ex, fltValue(5)); !errors.Is(r.Err(bg), futures.ErrShutdown) {
			t.Errorf("Submit after ShutdownNow: %v; want ErrShutdown", r.Err(bg))
		}
		if stuck.IsDone() || more.IsDone() {
			t.Errorf("running tasks done (%v, %v) before they returned", stuck.State(), more.State())
		}
		close(moreGate)
		close(forever)
		if err := ex.ShutdownNow(bg); err != nil {
			t.Errorf("ShutdownNow after the tasks returned = %v; want nil", err)
		}
		for i, f := range []*futures.Future[int]{stuck, more} {
			if v, err := f.Result(bg); v != 1+2*i || err != nil {
				t.Errorf("running task %d: Result = (%v, %v); want (%d, nil)", i, v, err, 1+2*i)
			}
		}
		if n := ex.Workers(); n != 0 {
			t.Errorf("Workers() = %d; want 0", n)
		}
	})
}

// TestFaultCallbackPanics checks that a panicking done-callback is logged and does not
// stop the later callbacks, wherever it runs: on a worker, in Cancel, in ShutdownNow,
// in AddDoneCallback on a done future, and in Promise.SetResult; and that the worker
// survives it.
func TestFaultCallbackPanics(t *testing.T) {
	fltBubble(t, func(t *testing.T) {
		log := newRelLogRecorder()
		ex := fltNew(t, futures.WithMaxWorkers(1), futures.WithLogger(slog.New(log)))
		bg := context.Background()
		var mu sync.Mutex
		var ran []string
		add := func(f *futures.Future[int], name string) {
			f.AddDoneCallback(func(*futures.Future[int]) {
				mu.Lock()
				ran = append(ran, name+"/1")
				mu.Unlock()
				panic(name + " callback panics")
			})
			f.AddDoneCallback(func(*futures.Future[int]) {
				mu.Lock()
				ran = append(ran, name+"/2")
				mu.Unlock()
			})
		}
		took := func() []string {
			mu.Lock()
			defer mu.Unlock()
			out := ran
			ran = nil
			return out
		}

		// On a worker.
		gate := make(chan struct{})
		worker := futures.Submit(bg, ex, fltGated(nil, gate, 1))
		add(worker, "worker")
		// In Cancel, and in ShutdownNow, below.
		canceled := futures.Submit(bg, ex, fltValue(2))
		add(canceled, "cancel")
		stopped := futures.Submit(bg, ex, fltValue(3)) // runs after worker, on the same worker
		add(stopped, "stop")

		if !canceled.Cancel() {
			t.Fatalf("Cancel on a queued future = false")
		}
		if got := took(); !slices.Equal(got, []string{"cancel/1", "cancel/2"}) {
			t.Errorf("callbacks run by Cancel: %v; want [cancel/1 cancel/2], before Cancel returns", got)
		}
		close(gate)
		if v, err := worker.Result(bg); v != 1 || err != nil {
			t.Errorf("worker task: Result = (%v, %v)", v, err)
		}
		synctest.Wait()
		if got := took(); !slices.Equal(got, []string{"worker/1", "worker/2", "stop/1", "stop/2"}) {
			t.Errorf("callbacks run by the worker: %v; want [worker/1 worker/2 stop/1 stop/2]", got)
		}
		// The worker survived: it ran stopped (queued behind), and runs more.
		if v, err := stopped.Result(bg); v != 3 || err != nil {
			t.Errorf("task after a panicking callback: Result = (%v, %v); want (3, nil)", v, err)
		}
		if v, err := futures.Submit(bg, ex, fltValue(4)).Result(bg); v != 4 || err != nil {
			t.Errorf("task after a panicking callback: Result = (%v, %v); want (4, nil)", v, err)
		}
		synctest.Wait()
		took()

		// In AddDoneCallback on a done future: at once, in this goroutine.
		add(worker, "done")
		if got := took(); !slices.Equal(got, []string{"done/1", "done/2"}) {
			t.Errorf("callbacks added to a done future: %v; want [done/1 done/2] before AddDoneCallback returns", got)
		}

		// In ShutdownNow.
		gate2 := make(chan struct{})
		busyStarted := make(chan int, 1)
		busy := futures.Submit(bg, ex, fltGated(busyStarted, gate2, 5))
		<-busyStarted
		q := futures.Submit(bg, ex, fltValue(6))
		add(q, "shutdownnow")
		err := ex.ShutdownNow(endedCtx())
		if got := took(); !slices.Equal(got, []string{"shutdownnow/1", "shutdownnow/2"}) {
			t.Errorf("callbacks run by ShutdownNow: %v; want [shutdownnow/1 shutdownnow/2] before it returns", got)
		}
		if !errors.Is(err, context.Canceled) {
			t.Errorf("ShutdownNow(canceled ctx) with a task running = %v; want it to match context.Canceled", err)
		}
		close(gate2)
		if v, err := busy.Result(bg); v != 5 || err != nil {
			t.Errorf("busy: Result = (%v, %v)", v, err)
		}

		// In Promise.SetResult (logged through slog.Default, which we do not capture).
		p := futures.NewPromise[int]()
		var order []int
		p.Future().AddDoneCallback(func(*futures.Future[int]) { order = append(order, 1); panic("promise callback panics") })
		p.Future().AddDoneCallback(func(*futures.Future[int]) { order = append(order, 2) })
		defer slog.SetDefault(slog.Default())
		slog.SetDefault(slog.New(slog.DiscardHandler))
		if err := p.SetResult(9); err != nil {
			t.Errorf("SetResult = %v", err)
		}
		if !slices.Equal(order, []int{1, 2}) {
			t.Errorf("promise callbacks ran %v; want [1 2]", order)
		}

		fltShutdown(t, ex)
		if n := log.count("done-callback panicked"); n != 5 {
			t.Errorf("%d panicking callbacks were logged; want 5 (worker, cancel, stop, done, shutdownnow)", n)
		}
	})
}

// TestFaultCallbackGoexit checks that runtime.Goexit in a callback run by a worker does
// not lose the later callbacks, the future's outcome, or the worker.
func TestFaultCallbackGoexit(t *testing.T) {
	fltBubble(t, func(t *testing.T) {
		ex := fltNew(t, futures.WithMaxWorkers(1), futures.WithLogger(slog.New(slog.DiscardHandler)))
		bg := context.Background()
		gate := make(chan struct{})
		f := futures.Submit(bg, ex, fltGated(nil, gate, 1))
		var second atomic.Bool
		f.AddDoneCallback(func(*futures.Future[int]) { runtime.Goexit() })
		f.AddDoneCallback(func(*futures.Future[int]) { second.Store(true) })
		next := futures.Submit(bg, ex, fltValue(2))
		close(gate)
		if v, err := f.Result(bg); v != 1 || err != nil {
			t.Errorf("Result = (%v, %v); want (1, nil)", v, err)
		}
		if v, err := next.Result(bg); v != 2 || err != nil {
			t.Errorf("task queued behind: Result = (%v, %v); want (2, nil)", v, err)
		}
		synctest.Wait()
		if !second.Load() {
			t.Errorf("the callback after the one that called Goexit did not run")
		}
		if n := ex.Workers(); n != 1 {
			t.Errorf("Workers() = %d; want 1", n)
		}
		fltShutdown(t, ex)
	})
}

// TestFaultCallbackReentry checks callbacks that call back into the executor: Submit,
// Shutdown, ShutdownNow, Cancel of other futures, and AddDoneCallback and Result on
// their own future, from a worker, from Cancel and from ShutdownNow. Nothing may
// deadlock, and every callback runs exactly once.
func TestFaultCallbackReentry(t *testing.T) {
	t.Run("worker submits", func(t *testing.T) {
		fltBubble(t, func(t *testing.T) {
			ex := fltNew(t, futures.WithMaxWorkers(1))
			bg := context.Background()
			children := make(chan *futures.Future[int], 1)
			f := futures.Submit(bg, ex, fltValue(1))
			f.AddDoneCallback(func(f *futures.Future[int]) {
				children <- futures.Submit(bg, ex, fltValue(2))
				// Re-entering the future itself.
				if v, err := f.Result(bg); v != 1 || err != nil {
					t.Errorf("Result inside its own callback = (%v, %v)", v, err)
				}
				if f.Cancel() {
					t.Errorf("Cancel inside the callback of a finished future = true")
				}
				nested := false
				f.AddDoneCallback(func(*futures.Future[int]) { nested = true })
				if !nested {
					t.Errorf("AddDoneCallback inside a callback did not run at once")
				}
				<-f.Done()
			})
			child := <-children
			if v, err := child.Result(bg); v != 2 || err != nil {
				t.Errorf("task submitted by a callback: Result = (%v, %v); want (2, nil)", v, err)
			}
			fltShutdown(t, ex)
		})
	})
	t.Run("worker shuts down", func(t *testing.T) {
		fltBubble(t, func(t *testing.T) {
			ex := fltNew(t, futures.WithMaxWorkers(1))
			bg := context.Background()
			gate := make(chan struct{})
			f := futures.Submit(bg, ex, fltGated(nil, gate, 1))
			queued := futures.Submit(bg, ex, fltValue(2))
			shutErr := make(chan error, 1)
			f.AddDoneCallback(func(*futures.Future[int]) {
				// The worker running this callback has not exited: wait no more.
				shutErr <- ex.Shutdown(endedCtx())
			})
			close(gate)
			err := <-shutErr
			var se *futures.ShutdownError
			if !errors.As(err, &se) || se.Workers != 1 {
				t.Errorf("Shutdown(canceled ctx) from a worker's callback = %v; want *ShutdownError with 1 worker", err)
			}
			if v, err := queued.Result(bg); v != 2 || err != nil {
				t.Errorf("queued task after a graceful Shutdown from a callback: Result = (%v, %v); want (2, nil)", v, err)
			}
			if r := futures.Submit(bg, ex, fltValue(3)); !errors.Is(r.Err(bg), futures.ErrShutdown) {
				t.Errorf("Submit after the callback's Shutdown: %v; want ErrShutdown", r.Err(bg))
			}
			fltShutdown(t, ex)
		})
	})
	t.Run("worker stops now", func(t *testing.T) {
		fltBubble(t, func(t *testing.T) {
			ex := fltNew(t, futures.WithMaxWorkers(1))
			bg := context.Background()
			gate := make(chan struct{})
			f := futures.Submit(bg, ex, fltGated(nil, gate, 1))
			var queued []*futures.Future[int]
			var runs atomic.Int32
			for i := range 4 {
				q := futures.Submit(bg, ex, fltValue(i))
				q.AddDoneCallback(func(*futures.Future[int]) {
					runs.Add(1)
					// Re-entrant ShutdownNow and Submit from ShutdownNow's own callbacks.
					_ = ex.ShutdownNow(endedCtx())
					if r := futures.Submit(bg, ex, fltValue(9)); !errors.Is(r.Err(bg), futures.ErrShutdown) {
						t.Errorf("Submit from a callback run by ShutdownNow: %v; want ErrShutdown", r.Err(bg))
					}
				})
				queued = append(queued, q)
			}
			f.AddDoneCallback(func(*futures.Future[int]) { _ = ex.ShutdownNow(endedCtx()) })
			close(gate)
			if v, err := f.Result(bg); v != 1 || err != nil {
				t.Errorf("Result = (%v, %v)", v, err)
			}
			synctest.Wait()
			for i, q := range queued {
				if !q.Canceled() || !errors.Is(q.Err(bg), futures.ErrShutdown) {
					t.Errorf("queued %d after ShutdownNow from a callback: %v, %v; want canceled with ErrShutdown", i, q.State(), q.Err(bg))
				}
			}
			if n := runs.Load(); n != 4 {
				t.Errorf("%d callbacks ran; want 4, once each", n)
			}
			fltShutdown(t, ex)
		})
	})
	t.Run("cancel submits and shuts down", func(t *testing.T) {
		fltBubble(t, func(t *testing.T) {
			ex := fltNew(t, futures.WithMaxWorkers(1))
			bg := context.Background()
			gate := make(chan struct{})
			busy := futures.Submit(bg, ex, fltGated(nil, gate, 1))
			a := futures.Submit(bg, ex, fltValue(2))
			b := futures.Submit(bg, ex, fltValue(3))
			var child *futures.Future[int]
			var shutErr error
			a.AddDoneCallback(func(*futures.Future[int]) {
				child = futures.Submit(bg, ex, fltValue(4)) // accepted: not shut down yet
				if !b.Cancel() {                            // re-entrant Cancel of another future
					t.Errorf("Cancel of a queued future from a callback = false")
				}
				shutErr = ex.Shutdown(endedCtx())
			})
			if !a.Cancel() {
				t.Fatalf("Cancel = false")
			}
			// All of that ran inside Cancel, in this goroutine.
			if child == nil || shutErr == nil || !b.Canceled() {
				t.Fatalf("after Cancel: child %v, Shutdown %v, b %v; want the callback to have run", child, shutErr, b.State())
			}
			if r := futures.Submit(bg, ex, fltValue(5)); !errors.Is(r.Err(bg), futures.ErrShutdown) {
				t.Errorf("Submit after Shutdown in a callback: %v; want ErrShutdown", r.Err(bg))
			}
			close(gate)
			if v, err := busy.Result(bg); v != 1 || err != nil {
				t.Errorf("busy: Result = (%v, %v)", v, err)
			}
			if v, err := child.Result(bg); v != 4 || err != nil {
				t.Errorf("task submitted from Cancel's callback: Result = (%v, %v); want (4, nil)", v, err)
			}
			fltShutdown(t, ex)
		})
	})
	t.Run("done future shuts down and waits", func(t *testing.T) {
		fltBubble(t, func(t *testing.T) {
			ex := fltNew(t, futures.WithMaxWorkers(2))
			bg := context.Background()
			f := futures.Submit(bg, ex, fltValue(1))
			if _, err := f.Result(bg); err != nil {
				t.Fatal(err)
			}
			var err error = errors.New("not run")
			// Runs at once, here; no worker is busy, so a waiting Shutdown returns.
			f.AddDoneCallback(func(*futures.Future[int]) { err = ex.Shutdown(bg) })
			if err != nil {
				t.Errorf("Shutdown(Background) from a callback on a done future = %v; want nil", err)
			}
			if n := ex.Workers(); n != 0 {
				t.Errorf("Workers() = %d; want 0", n)
			}
		})
	})
}

// TestFaultInitializerFails checks an initializer that fails (by error, panic or
// Goexit) after another worker has started and runs a task: the task the failing
// worker was started for and every queued future finish with ErrBroken wrapping the
// initializer's error; a queued future that was canceled stays canceled; the running
// task finishes normally; later submissions are refused with ErrBroken; Shutdown works.
func TestFaultInitializerFails(t *testing.T) {
	initErr := errors.New("cannot open the database")
	cases := []struct {
		name  string
		fail  func() error
		match func(err error) bool
	}{
		{"error", func() error { return initErr }, func(err error) bool { return errors.Is(err, initErr) }},
		{"panic", func() error { panic(initErr) }, func(err error) bool {
			var pe *futures.PanicError
			return errors.As(err, &pe) && errors.Is(err, initErr)
		}},
		{"Goexit", func() error { runtime.Goexit(); return nil }, func(err error) bool {
			var pe *futures.PanicError
			return errors.As(err, &pe) && pe.Goexit
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fltBubble(t, func(t *testing.T) {
				var calls atomic.Int32
				initStarted := make(chan struct{}, 1)
				initGate := make(chan struct{})
				log := newRelLogRecorder()
				ex := fltNew(t, futures.WithMaxWorkers(2), futures.WithLogger(slog.New(log)),
					futures.WithInitializer(func(context.Context) error {
						if calls.Add(1) == 1 {
							return nil // the first worker is fine
						}
						initStarted <- struct{}{}
						<-initGate
						return c.fail()
					}))
				bg := context.Background()
				gate := make(chan struct{})
				started := make(chan int, 1)
				running := futures.Submit(bg, ex, fltGated(started, gate, 1))
				<-started
				first := futures.Submit(bg, ex, fltValue(2)) // starts the second worker
				<-initStarted
				var queued []*futures.Future[int]
				for i := range 3 {
					queued = append(queued, futures.Submit(bg, ex, fltValue(10+i)))
				}
				canceled := futures.Submit(bg, ex, fltValue(20))
				canceled.Cancel()
				close(initGate)

				for i, f := range append([]*futures.Future[int]{first}, queued...) {
					v, err := f.Result(bg)
					if v != 0 || !errors.Is(err, futures.ErrBroken) || !c.match(err) {
						t.Errorf("future %d after the initializer failed: Result = (%v, %v); want ErrBroken wrapping the initializer's failure", i, v, err)
					}
				}
				if _, err := canceled.Result(bg); !canceled.Canceled() || !errors.Is(err, futures.ErrCanceled) {
					t.Errorf("canceled future: %v, %v; want it still canceled", canceled.State(), err)
				}
				if running.IsDone() {
					t.Errorf("the running task is %v; want it still running", running.State())
				}
				later := futures.Submit(bg, ex, fltValue(30))
				if _, err := later.Result(bg); !errors.Is(err, futures.ErrBroken) || !c.match(err) {
					t.Errorf("Submit on a broken executor: %v; want ErrBroken wrapping the initializer's failure", err)
				}
				if err := ex.Go(func(context.Context) {}); !errors.Is(err, futures.ErrBroken) {
					t.Errorf("Go on a broken executor = %v; want ErrBroken", err)
				}
				for v, err := range futures.Map(bg, ex, slices.Values([]int{1, 2}), func(_ context.Context, i int) (int, error) { return i, nil }) {
					if !errors.Is(err, futures.ErrBroken) {
						t.Errorf("Map on a broken executor yielded (%v, %v); want ErrBroken", v, err)
					}
				}
				close(gate)
				if v, err := running.Result(bg); v != 1 || err != nil {
					t.Errorf("task running on the healthy worker: Result = (%v, %v); want (1, nil)", v, err)
				}
				if n := log.count("initializer failed"); n != 1 {
					t.Errorf("the initializer's failure was logged %d times; want 1", n)
				}
				if n := calls.Load(); n != 2 {
					t.Errorf("the initializer ran %d times; want 2 (once per worker)", n)
				}
				fltShutdown(t, ex)
			})
		})
	}
}

// TestFaultInitializerStopped checks ShutdownNow while a worker's initializer waits for
// its context: the executor is stopping, not broken. The task the worker was started
// for waits in the queue until the initializer has run, as CPython's does, so it and
// the task queued after it are both pending, and both canceled with ErrShutdown.
func TestFaultInitializerStopped(t *testing.T) {
	fltBubble(t, func(t *testing.T) {
		initStarted := make(chan struct{})
		ex := fltNew(t, futures.WithMaxWorkers(1), futures.WithLogger(slog.New(slog.DiscardHandler)),
			futures.WithInitializer(func(ctx context.Context) error {
				close(initStarted)
				<-ctx.Done()
				return context.Cause(ctx)
			}))
		bg := context.Background()
		var ran atomic.Bool
		first := futures.Submit(bg, ex, func(context.Context) (int, error) { ran.Store(true); return 1, nil })
		<-initStarted
		queued := futures.Submit(bg, ex, fltValue(2))
		if err := ex.ShutdownNow(bg); err != nil {
			t.Fatalf("ShutdownNow = %v; want nil", err)
		}
		if _, err := queued.Result(bg); !queued.Canceled() || !errors.Is(err, futures.ErrCanceled) || !errors.Is(err, futures.ErrShutdown) || errors.Is(err, futures.ErrBroken) {
			t.Errorf("queued future: %v, %v; want canceled with ErrShutdown, not ErrBroken", queued.State(), err)
		}
		if _, err := first.Result(bg); !first.Canceled() || !errors.Is(err, futures.ErrCanceled) || !errors.Is(err, futures.ErrShutdown) || errors.Is(err, futures.ErrBroken) {
			t.Errorf("first future: %v, %v; want canceled with ErrShutdown, not ErrBroken", first.State(), err)
		}
		if ran.Load() {
			t.Errorf("the task ran although its worker's initializer did not succeed")
		}
	})
}

// TestFaultRunningIsNeverCanceled checks the state machine when a running task's
// context ends: a future that was seen Running must end Finished, its task having run
// (Cancel fails on a running future, and ShutdownNow or the end of the submit context
// only ends a running task's context), and a future that ends Canceled must never have
// run. Each round submits to an idle executor and at once calls ShutdownNow, or cancels
// the submit context, racing with the worker that takes the task.
func TestFaultRunningIsNeverCanceled(t *testing.T) {
	checkLeaks(t)
	rounds := stressScale(300, 20_000)
	for i := range rounds {
		ex, err := futures.New(futures.WithMaxWorkers(1))
		if err != nil {
			t.Fatal(err)
		}
		bg := context.Background()
		ctx, cancel := context.WithCancel(bg)
		var ran atomic.Bool
		f := futures.Submit(ctx, ex, func(ctx context.Context) (int, error) {
			ran.Store(true)
			return 1, nil
		})
		seen := f.State()
		how := "ShutdownNow"
		if i%2 == 0 {
			how = "cancel of the submit context"
			cancel()
			<-f.Done()
		}
		if err := ex.ShutdownNow(bg); err != nil {
			t.Fatalf("ShutdownNow = %v", err)
		}
		cancel()
		v, err := f.Result(bg)
		end := f.State()
		if seen == futures.Running && (end != futures.Finished || !ran.Load()) {
			t.Fatalf("round %d: the future was %v right after Submit, then %s; it ended %v with (%v, %v), and its task ran: %v; want finished, having run: a running future cannot be canceled",
				i, seen, how, end, v, err, ran.Load())
		}
		if end == futures.Canceled && ran.Load() {
			t.Fatalf("round %d: the future ended canceled, but its task ran", i)
		}
	}
}

// TestFaultCallbackGoexitMidBatch checks a done-callback that calls runtime.Goexit (as
// t.FailNow does) while the executor is completing a batch of futures in one
// goroutine: ShutdownNow canceling the queue, or a failing initializer failing it. The
// goroutine ends, but the other futures of the batch must still be completed, else
// they stay pending forever, and whoever waits for them hangs.
func TestFaultCallbackGoexitMidBatch(t *testing.T) {
	t.Run("ShutdownNow", func(t *testing.T) {
		fltBubble(t, func(t *testing.T) {
			ex := fltNew(t, futures.WithMaxWorkers(1), futures.WithLogger(slog.New(slog.DiscardHandler)))
			bg := context.Background()
			gate := make(chan struct{})
			started := make(chan int, 1)
			busy := futures.Submit(bg, ex, fltGated(started, gate, 1))
			<-started
			var queued []*futures.Future[int]
			for i := range 4 {
				queued = append(queued, futures.Submit(bg, ex, fltValue(10+i)))
			}
			queued[1].AddDoneCallback(func(*futures.Future[int]) { runtime.Goexit() })
			ended := make(chan struct{})
			go func() {
				defer close(ended)
				_ = ex.ShutdownNow(endedCtx())
			}()
			<-ended
			synctest.Wait()
			for i, f := range queued {
				if !f.Canceled() {
					t.Errorf("queued future %d is %v after ShutdownNow's goroutine ended by a callback's Goexit; want canceled", i, f.State())
				}
			}
			close(gate)
			if v, err := busy.Result(bg); v != 1 || err != nil {
				t.Errorf("busy: Result = (%v, %v)", v, err)
			}
			fltShutdown(t, ex)
		})
	})
	t.Run("initializer fails", func(t *testing.T) {
		fltBubble(t, func(t *testing.T) {
			initGate := make(chan struct{})
			initErr := errors.New("init fails")
			ex := fltNew(t, futures.WithMaxWorkers(1), futures.WithLogger(slog.New(slog.DiscardHandler)),
				futures.WithInitializer(func(context.Context) error { <-initGate; return initErr }))
			bg := context.Background()
			first := futures.Submit(bg, ex, fltValue(1))
			var queued []*futures.Future[int]
			for i := range 4 {
				queued = append(queued, futures.Submit(bg, ex, fltValue(10+i)))
			}
			queued[1].AddDoneCallback(func(*futures.Future[int]) { runtime.Goexit() })
			close(initGate)
			synctest.Wait()
			for i, f := range append([]*futures.Future[int]{first}, queued...) {
				if !f.IsDone() || !errors.Is(f.Err(endedCtx()), futures.ErrBroken) {
					t.Errorf("future %d is %v (%v) after the initializer failed and a callback called Goexit; want finished with ErrBroken", i, f.State(), f.Err(endedCtx()))
				}
			}
			fltShutdown(t, ex)
		})
	})
}
