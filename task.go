package futures

import (
	"context"
	"errors"
)

// task is a unit of work in an executor's queue: a *Future[T] from Submit, or a goTask
// from Executor.Go. Both are pointer-shaped, so queueing one allocates nothing.
type task interface {
	// claim moves the task from pending to running; false means it was canceled and
	// must be skipped.
	claim() bool
	// run runs a claimed task on w and completes it. Before completing it, run calls
	// w.release, so that the worker counts as idle before anyone can see the task
	// done; it returns what release returned.
	run(w *worker) (next task, exit bool)
	// drop finishes a task that will never run: a future is canceled (if cancel) or
	// failed with err.
	drop(err error, cancel bool)
	// interrupt ends the context of a running task whose context is its own.
	interrupt(cause error)
}

// errTaskDone is the cause recorded in a task's own context when the task has finished.
var errTaskDone = errors.New("futures: task finished")

// ctxLink ties a task to a submit context that can end, or that carries values. It is
// allocated only for such tasks; tasks submitted with context.Background run with the
// executor's own context and need none.
type ctxLink struct {
	ctx    context.Context         // the task's context: the submit context, ended also by ShutdownNow
	cancel context.CancelCauseFunc // ends ctx
	stop   func() bool             // unregisters the cancellation of the pending future; nil if the submit context cannot end
	shared bool                    // the link belongs to a Map iteration, which ends ctx itself
}

func (l *ctxLink) release() {
	if l.shared {
		return
	}
	if l.stop != nil {
		l.stop()
	}
	l.cancel(errTaskDone)
}

// bind prepares f to run under ctx on p. It reports false, having canceled f, if ctx
// has already ended.
func (f *Future[T]) bind(ctx context.Context, p *pool) bool {
	if ctx == context.Background() || ctx == context.TODO() {
		return true
	}
	if ctx.Err() != nil {
		f.cancel(context.Cause(ctx))
		return false
	}
	l := new(ctxLink)
	l.ctx, l.cancel = context.WithCancelCause(context.WithValue(ctx, ownerKey{}, p))
	if ctx.Done() != nil {
		l.stop = context.AfterFunc(ctx, func() { f.cancel(context.Cause(ctx)) })
	}
	f.link = l
	return true
}

func (f *Future[T]) drop(err error, cancel bool) {
	if cancel {
		f.cancel(err)
		return
	}
	f.abort(err)
}

func (f *Future[T]) interrupt(cause error) {
	if l := f.link; l != nil && !l.shared {
		l.cancel(cause)
	}
}

// run runs the claimed task and completes its future. A panic becomes a *PanicError;
// so does runtime.Goexit, which cannot be stopped from ending the goroutine: the
// future is completed from the deferred call and the worker goes on in a new goroutine
// (see worker.main).
func (f *Future[T]) run(w *worker) (next task, exit bool) {
	ctx := w.p.ctx
	if l := f.link; l != nil {
		if l.stop != nil {
			l.stop()
		}
		ctx = l.ctx
	}
	fn := f.fn
	f.fn = nil // the executor keeps no reference to the task once it has run
	if ctx.Err() != nil {
		// The task's context ended before it could start: it never runs.
		next, exit = w.p.release(w)
		f.cancelClaimed(canceledBy(context.Cause(ctx)))
		return next, exit
	}
	returned := false
	defer func() {
		if !returned {
			r := recover()
			next, exit = w.p.release(w)
			f.finish(*new(T), newPanicError(r, r == nil))
		}
	}()
	v, err := fn(ctx)
	returned = true
	next, exit = w.p.release(w)
	f.finish(v, err)
	return next, exit
}

// goTask is a fire-and-forget task from Executor.Go.
type goTask func(context.Context)

func (g goTask) claim() bool           { return true }
func (g goTask) drop(error, bool)      {}
func (g goTask) interrupt(cause error) {}

func (g goTask) run(w *worker) (next task, exit bool) {
	returned := false
	defer func() {
		if !returned {
			r := recover()
			next, exit = w.p.release(w)
			w.p.taskPanicked(newPanicError(r, r == nil))
		}
	}()
	g(w.p.ctx)
	returned = true
	return w.p.release(w)
}
