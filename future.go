package futures

import (
	"context"
	"fmt"
)

// Future is the eventual outcome of a task submitted with [Submit], or of a [Promise].
// It is Python's concurrent.futures.Future with a typed result.
//
// A Future is safe for concurrent use by multiple goroutines. Its zero value is not
// usable: futures come from [Submit] and [NewPromise]. Every future ends in exactly one
// of the states [Canceled] and [Finished], and stays there.
//
// A Future from Submit is one allocation, holding the task, its state and its result;
// waiting on it allocates nothing in the steady state.
type Future[T any] struct {
	core
	fn  func(context.Context) (T, error) // the task; cleared once it has run
	val T                                // the result; written once, before the state is published
}

// Result waits until the future is done or ctx ends, and returns the task's result and
// error. ctx bounds the wait, not the task: when ctx ends first, Result returns the zero
// T and ctx.Err(), and the task goes on.
//
// A done future returns at once, even when ctx has already ended, so Result with a
// canceled context polls (Python's result(timeout=0)). A canceled future returns an
// error that matches [ErrCanceled] and [context.Canceled]. A task that panicked or
// called runtime.Goexit returns a [*PanicError].
//
// The return of the task, or the completion of the promise, synchronizes before
// Result returns its outcome.
//
// When a task of an executor waits, with its own context, on a future of the same
// executor, the executor lets one more worker run while it waits, so that such a
// wait cannot deadlock a full executor (where Python's would).
func (f *Future[T]) Result(ctx context.Context) (T, error) {
	var zero T
	if f == nil {
		return zero, invalid("Result called on a nil *Future")
	}
	if ctx == nil {
		return zero, invalid("Future.Result called with a nil context.Context")
	}
	if !f.loadState().Done() {
		if err := f.wait(ctx); err != nil {
			return zero, err
		}
	}
	return f.val, f.errValue()
}

// Err waits like [Future.Result] and returns only the error (Python's exception()).
func (f *Future[T]) Err(ctx context.Context) error {
	_, err := f.Result(ctx)
	return err
}

// Done returns a channel that is closed when the future is done. The first call on a
// pending future makes the channel; later calls return the same one. On a future that
// was already done at the first call it returns a shared closed channel.
func (f *Future[T]) Done() <-chan struct{} {
	if f == nil {
		return closedChan
	}
	return f.doneChan()
}

// Cancel cancels the future if it is pending (Python's cancel()): the task will never
// run, waiters wake with an error matching [ErrCanceled], and the done-callbacks run in
// the calling goroutine before Cancel returns. Cancel reports whether the future is
// now canceled: true if it was pending or already canceled, false if it is running or
// finished. To stop a running task, end the context it was submitted with.
func (f *Future[T]) Cancel() bool {
	if f == nil {
		return false
	}
	return f.cancel(nil)
}

// cancel cancels a pending future for the given cause (nil for a plain Cancel).
func (c *core) cancel(cause error) bool {
	if c.terminate(Canceled, canceledBy(cause), nil) {
		return true
	}
	return c.loadState() == Canceled
}

// State returns the future's current state.
func (f *Future[T]) State() State {
	if f == nil {
		return Finished
	}
	return f.loadState()
}

// Canceled reports whether the future was canceled (Python's cancelled()).
func (f *Future[T]) Canceled() bool { return f.State() == Canceled }

// Running reports whether the task is running (Python's running()).
func (f *Future[T]) Running() bool { return f.State() == Running }

// IsDone reports whether the future is canceled or finished (Python's done()). A
// canceled future is done at once, for Result, Wait and AsCompleted alike.
func (f *Future[T]) IsDone() bool { return f.State().Done() }

// AddDoneCallback arranges for fn(f) to run once when f is done (Python's
// add_done_callback). Callbacks run in registration order, each exactly once: at once
// in the calling goroutine when f is already done, else in the goroutine that
// completes f (a worker, the goroutine calling Cancel or ShutdownNow, or the one that
// completes a promise). A queued task whose submit context ends is canceled by the
// context's watch, or by the first call into its executor that finds it ended in the
// queue (a worker, or a goroutine calling Submit, Go, SetMaxWorkers, Shutdown, Stats
// or Result inside a task), which then runs its callbacks. Callbacks never run under
// an executor lock, and the tasks that the same call handed to workers are on their
// way first, so a callback may call Submit or Shutdown on the same executor, or wait
// for its other tasks. A callback that panics is recovered and logged through the
// executor's logger (slog.Default for a promise), and the later callbacks still run.
//
// A callback run by a worker occupies that worker until it returns. A callback that
// waits for other work of the same executor therefore needs a free worker (the worker
// runs its task's callbacks before it takes new work; but when it finds a queued task
// whose context ended, it runs that task's callbacks after it has completed its own
// task's future and taken its next task, which waits for them), and one that calls
// Shutdown on its own executor must pass a context that ends, as the worker it runs on
// has not exited yet.
// AddDoneCallback panics if f or fn is nil.
func (f *Future[T]) AddDoneCallback(fn func(*Future[T])) {
	if f == nil {
		panic("futures: AddDoneCallback called on a nil *Future")
	}
	if fn == nil {
		panic("futures: AddDoneCallback called with a nil function")
	}
	f.addCallback(func() { fn(f) })
}

// String describes the future in the spirit of Python's repr: "pending", "running",
// "canceled", "finished returned int" or "finished with error: ...".
func (f *Future[T]) String() string {
	if f == nil {
		return "<nil future>"
	}
	switch st := f.loadState(); st {
	case Finished:
		if err := f.errValue(); err != nil {
			return fmt.Sprintf("finished with error: %v", err) // fmt survives a panicking Error method
		}
		return fmt.Sprintf("finished returned %T", f.val)
	default:
		return st.String()
	}
}

// finish completes a task's future with its outcome.
func (f *Future[T]) finish(v T, err error) bool {
	return f.terminate(Finished, err, func() { f.val = v })
}

// complete finishes the future that the calling goroutine claimed and ran (see
// core.complete).
func (f *Future[T]) complete(v T, err error) {
	f.val = v
	f.core.complete(err)
}

// abort finishes a future whose task will never run, with err.
func (f *Future[T]) abort(err error) { f.terminate(Finished, err, nil) }

// Awaitable is satisfied by every *[Future], whatever its result type, so that futures
// of different types can be waited on together by [Wait] and [AsCompleted]. Only this
// package's futures implement it.
type Awaitable interface {
	// State returns the future's current state.
	State() State
	// Done returns a channel closed when the future is done.
	Done() <-chan struct{}
	// Cancel cancels the future if it is pending; see [Future.Cancel].
	Cancel() bool

	base() *core
}

func (f *Future[T]) base() *core {
	if f == nil {
		return nil
	}
	return &f.core
}
