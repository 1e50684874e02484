package futures

import (
	"context"
	"errors"
	"time"
)

// task is a unit of work in an executor's queue: a *Future[T] from Submit, or a goTask
// from Executor.Go. Both are pointer-shaped, so queueing one allocates nothing.
type task interface {
	// claim moves the task from pending to running; false means it was canceled and
	// must be skipped.
	claim() bool
	// accept marks a pending task as counted in the executor's pending tasks, under
	// the pool's lock; false means it was canceled.
	accept() bool
	// disown undoes accept, under the pool's lock, for a task the pool is about to
	// discard and counts itself; false means it is no longer pending.
	disown() bool
	// forget is called, under the pool's lock, for a queued task that claim found
	// done: it clears the accepted mark and reports whether it was still set (the pool
	// still counts the task as pending) and the state the task ended in.
	forget() (counted bool, st State)
	// run runs a claimed task on w and completes it. Before completing it, run calls
	// w's pool's release, so that the worker counts as idle before anyone can see the
	// task done; it returns what release returned.
	run(w *worker) (next task, exit bool)
	// runInline runs a task in the submitting goroutine (the CallerRuns policy).
	runInline(p *pool)
	// drop finishes a task that will never run: a future is canceled (if cancel) or
	// failed with err; a fire-and-forget task is forgotten.
	drop(err error, cancel bool)
	// interrupt ends the context of a running task whose context is its own.
	interrupt(cause error)
	// expired returns the cause if the task's own context has ended, else nil.
	expired() error
}

// errTaskDone is the cause recorded in a task's own context when the task has finished.
var errTaskDone = errors.New("futures: task finished")

// ctxLink ties a task to its executor and to the context it runs with. A task
// submitted with context.Background or context.TODO shares the executor's own link
// (p.bg), so it costs nothing; a submit context that can end, or carries values, gets
// a link of its own, and a Map iteration shares one among its tasks.
type ctxLink struct {
	p      *pool                   // the executor
	ctx    context.Context         // the task's context: the submit context, ended also by ShutdownNow
	cancel context.CancelCauseFunc // ends ctx
	stop   func() bool             // unregisters the cancellation of the pending future; nil if the submit context cannot end
	shared bool                    // shared by many tasks (the executor's own, or a Map iteration's), which end ctx themselves
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
	f.link = p.bg
	if ctx == context.Background() || ctx == context.TODO() {
		return true
	}
	if ctx.Err() != nil {
		f.cancel(context.Cause(ctx))
		return false
	}
	l := &ctxLink{p: p}
	l.ctx, l.cancel = context.WithCancelCause(context.WithValue(ctx, ownerKey{}, p))
	f.link = l
	if ctx.Done() != nil {
		// The AfterFunc may fire at once, in another goroutine; cancel reads l.stop
		// only after taking f.mu, so holding it here orders the write first.
		f.mu.Lock()
		l.stop = context.AfterFunc(ctx, func() { f.cancel(context.Cause(ctx)) })
		f.mu.Unlock()
	}
	return true
}

// taskContext returns the context f runs with, having stopped the watch on the submit
// context that cancels a pending future (the executor's for p.bg).
func (f *Future[T]) taskContext(p *pool) context.Context {
	l := f.link
	if l.stop != nil {
		l.stop()
	}
	return l.ctx
}

func (f *Future[T]) accept() bool {
	if f.loadState() != Pending {
		return false
	}
	f.flags.Or(flagAccepted)
	return true
}

func (f *Future[T]) disown() bool {
	if f.loadState() != Pending {
		return false
	}
	f.flags.And(^uint32(flagAccepted))
	return true
}

func (f *Future[T]) forget() (bool, State) {
	return f.flags.And(^uint32(flagAccepted))&flagAccepted != 0, f.endState()
}

func (f *Future[T]) drop(err error, cancel bool) {
	if cancel {
		f.cancel(err)
		return
	}
	f.abort(err)
}

func (f *Future[T]) expired() error {
	if l := f.link; l != l.p.bg && l.ctx.Err() != nil { // the executor's own ends only with ShutdownNow, which drains the queue
		return context.Cause(l.ctx)
	}
	return nil
}

func (f *Future[T]) interrupt(cause error) {
	if l := f.link; !l.shared {
		l.cancel(cause)
	}
}

// run runs the claimed task and completes its future. A panic becomes a *PanicError;
// so does runtime.Goexit, which cannot be stopped from ending the goroutine: the
// future is completed from the deferred call and the worker goes on in a new goroutine
// (see worker.main).
func (f *Future[T]) run(w *worker) (next task, exit bool) {
	fn := f.fn
	f.fn = nil // the executor keeps no reference to the task once it has run
	return f.runCall(w, fn)
}

// runCall is run with the task's function given: Map's tasks keep theirs elsewhere.
func (f *Future[T]) runCall(w *worker, fn func(context.Context) (T, error)) (next task, exit bool) {
	// A claimed task runs even if its context has ended meanwhile: it is Running,
	// Cancel has already failed, so it must end Finished. It sees its context ended.
	// Tasks still pending when their context ends are canceled without running.
	p := w.p
	ctx := f.taskContext(p)
	var start int64 // 0: timing is off (and there are no hooks)
	if p.timing {
		start = p.taskStart(w)
	}
	var o outcome
	returned, released := false, false
	defer func() {
		switch {
		case !returned: // the task (or the BeforeTask hook) panicked or called Goexit
			r := recover()
			pe := newPanicError(r, r == nil)
			o = outcome{ran: true, err: pe, panicked: true, runTime: p.since(start)}
			if next, exit = p.release(w, o); w.drop != nil {
				defer w.dropDoomed()
			}
			f.complete(*new(T), pe)
			p.afterTask(w, o)
		case !released: // a callback called Goexit before the release
			if next, exit = p.release(w, o); w.drop != nil {
				defer w.dropDoomed()
			}
			p.afterTask(w, o)
		}
	}()
	if start != 0 {
		p.beforeTask(w) // in here: a hook that calls runtime.Goexit fails the task
	}
	v, err := fn(ctx)
	returned = true
	o = outcome{ran: true, err: err, runTime: p.since(start)}
	// With callbacks, run them while the worker still counts as busy, so that a
	// callback that submits work and waits for it gets another worker, not this one.
	// Without, count the worker idle before the future completes, so that whoever
	// waits for it and submits again reuses this worker: a sequential Submit-Result
	// loop uses exactly one.
	callbacks := f.hasCallbacks()
	if callbacks {
		f.complete(v, err)
	}
	next, exit = p.release(w, o)
	released = true
	if w.drop != nil {
		defer w.dropDoomed() // after the completion and AfterTask, even if one calls Goexit
	}
	if !callbacks {
		f.complete(v, err)
	}
	p.afterTask(w, o)
	return next, exit
}

// runInline runs the task in the submitting goroutine, for the CallerRuns policy. A
// panic is recovered into the future; runtime.Goexit ends the caller's goroutine, as
// it would without the executor, and the future with it.
func (f *Future[T]) runInline(p *pool) {
	fn := f.fn
	f.fn = nil
	f.runInlineCall(p, fn)
}

func (f *Future[T]) runInlineCall(p *pool, fn func(context.Context) (T, error)) {
	ctx := f.taskContext(p)
	if !f.claim() {
		p.inlineDone(outcome{}) // canceled by its context meanwhile
		return
	}
	start := p.now()
	returned := false
	defer func() {
		if !returned {
			r := recover()
			pe := newPanicError(r, r == nil)
			p.inlineDone(outcome{ran: true, err: pe, panicked: true, runTime: p.since(start)})
			f.complete(*new(T), pe)
			if r == nil {
				return // Goexit goes on
			}
		}
	}()
	v, err := fn(ctx)
	returned = true
	p.inlineDone(outcome{ran: true, err: err, runTime: p.since(start)})
	f.complete(v, err)
}

// goTask is a fire-and-forget task from Executor.Go.
type goTask func(context.Context)

func (g goTask) claim() bool           { return true }
func (g goTask) accept() bool          { return true }
func (g goTask) disown() bool          { return true }
func (g goTask) forget() (bool, State) { return false, Finished } // never canceled
func (g goTask) drop(error, bool)      {}
func (g goTask) interrupt(cause error) {}
func (g goTask) expired() error        { return nil }

func (g goTask) run(w *worker) (next task, exit bool) {
	p := w.p
	var start int64 // 0: timing is off (and there are no hooks)
	if p.timing {
		start = p.taskStart(w)
	}
	returned := false
	defer func() {
		if !returned {
			r := recover()
			pe := newPanicError(r, r == nil)
			o := outcome{ran: true, err: pe, panicked: true, runTime: p.since(start)}
			if next, exit = p.release(w, o); w.drop != nil {
				defer w.dropDoomed()
			}
			defer p.taskPanicked(pe) // even if the AfterTask hook calls Goexit
			p.afterTask(w, o)
		}
	}()
	if start != 0 {
		p.beforeTask(w) // in here: a hook that calls runtime.Goexit fails the task
	}
	g(p.ctx)
	returned = true
	o := outcome{ran: true, runTime: p.since(start)}
	next, exit = p.release(w, o)
	if w.drop != nil {
		defer w.dropDoomed() // after AfterTask, even if it calls Goexit
	}
	p.afterTask(w, o)
	return next, exit
}

func (g goTask) runInline(p *pool) {
	start := p.now()
	returned := false
	defer func() {
		if !returned {
			r := recover()
			pe := newPanicError(r, r == nil)
			p.inlineDone(outcome{ran: true, err: pe, panicked: true, runTime: p.since(start)})
			p.taskPanicked(pe)
		}
	}()
	g(p.ctx)
	returned = true
	p.inlineDone(outcome{ran: true, runTime: p.since(start)})
}

// since returns the time elapsed from start, a time from now; 0 when timing is off.
func (p *pool) since(start int64) time.Duration {
	if !p.timing {
		return 0
	}
	return time.Duration(p.now() - start)
}

// inlineDone counts the outcome of a task run by its submitter.
func (p *pool) inlineDone(o outcome) {
	p.mu.Lock()
	p.n.count(o)
	p.mu.Unlock()
}
