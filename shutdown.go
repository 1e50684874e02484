package futures

import (
	"context"
	"fmt"
)

// Shutdown stops the executor gracefully: it refuses new submissions at once (they
// finish with [ErrShutdown]), lets every queued and running task finish, and returns
// nil when every worker goroutine has exited. If ctx ends first, Shutdown returns
// ctx.Err(); the shutdown goes on, and a later Shutdown waits again.
//
// Shutdown begins the shutdown before it looks at ctx, so Shutdown with an ended
// context is Python's shutdown(wait=False). Shutdown is idempotent, and safe to call
// concurrently with Submit, Cancel, ShutdownNow, and from tasks and callbacks. A task
// of the executor that calls Shutdown with its own context (or one derived from it)
// gets an error that matches [ErrInvalid] at once, the shutdown begun, as CPython
// raises RuntimeError: it would wait for its own worker, which cannot exit before the
// task returns. With another context, a task or a callback run by a worker waits for
// itself until that context ends; pass one that ends.
func (e *Executor) Shutdown(ctx context.Context) error {
	if e == nil {
		return invalid("Shutdown called on a nil *Executor")
	}
	if ctx == nil {
		return invalid("Executor.Shutdown called with a nil context.Context")
	}
	e.p.beginShutdown()
	if e.p.isTaskContext(ctx) {
		return invalid("Shutdown called from a task of the executor with the task's context: it cannot wait for its own worker to exit (the shutdown has begun; it ends once the task returns)")
	}
	return e.p.await(ctx)
}

// ShutdownNow stops the executor at once: it refuses new submissions, cancels every
// queued future (their errors match [ErrCanceled] and [ErrShutdown]), drops queued
// fire-and-forget tasks, and ends the contexts of running tasks with cause
// [ErrShutdown] (Python's cancel_futures=True, Java's shutdownNow). It then waits like
// [Executor.Shutdown]: nil when every worker has exited, or, if ctx ends first, an
// error that matches ctx.Err() and says how many tasks are still running.
func (e *Executor) ShutdownNow(ctx context.Context) error {
	if e == nil {
		return invalid("ShutdownNow called on a nil *Executor")
	}
	if ctx == nil {
		return invalid("Executor.ShutdownNow called with a nil context.Context")
	}
	e.p.stopNow()
	return e.p.await(ctx)
}

// Close is Shutdown(context.Background()), for defer: it runs everything queued and
// returns when every worker has exited. It returns nil, or an error matching
// [ErrInvalid] on a nil Executor.
func (e *Executor) Close() error {
	return e.Shutdown(context.Background())
}

// await waits until every worker has exited, or ctx ends.
func (p *pool) await(ctx context.Context) error {
	select {
	case <-p.finished:
		return nil
	case <-ctx.Done():
	}
	select {
	case <-p.finished: // ended at the same time: report success
		return nil
	default:
	}
	p.mu.Lock()
	p.quiesceLocked()    // count what workers took through the ring
	p.absorbLocked(true) // and what is still in it
	running, live := 0, p.live
	for _, w := range p.all {
		if w.cur != nil {
			running++
		}
	}
	queued := p.n.pending
	p.unlock()
	return &ShutdownError{Running: running, Queued: queued, Workers: live, Err: ctx.Err()}
}

// ShutdownError is returned by Shutdown and ShutdownNow when their context ends before
// every worker has exited. It matches the context's error with [errors.Is].
type ShutdownError struct {
	Running int   // tasks still running
	Queued  int   // tasks still pending: queued and not canceled (after ShutdownNow, only those being canceled at that moment)
	Workers int   // worker goroutines still alive
	Err     error // the context's error
}

// Error says what is still running and why the wait ended.
func (e *ShutdownError) Error() string {
	return fmt.Sprintf("futures: shutdown incomplete: %d tasks running, %d queued, %d workers alive: %v", e.Running, e.Queued, e.Workers, e.Err)
}

// Unwrap returns the context's error.
func (e *ShutdownError) Unwrap() error { return e.Err }

// shutdownLocked marks the pool shut down, wakes blocked submitters (they are
// refused), and tells the idle workers to exit. The submission ring is sealed: its
// tasks stay there for the busy workers to drain, or go to idle or new workers like
// any submission before the shutdown. It returns the hand-offs and the idle workers'
// exit orders, to be delivered after the lock is released (see unlock).
func (p *pool) shutdownLocked() (hs []handoff) {
	if !p.shutdown {
		p.sealRingLocked()
		if p.broken == nil {
			hs = p.settleLocked()
		}
		p.shutdown = true
		if p.live == 0 {
			close(p.finished)
		}
	}
	for _, w := range p.idle {
		hs = append(hs, handoff{w: w})
	}
	p.workers -= len(p.idle)
	p.idle = nil
	p.wakeAllSubmittersLocked()
	return hs
}

// beginShutdown refuses new work; queued work still runs. It does not wait.
func (p *pool) beginShutdown() {
	p.mu.Lock()
	p.unlock(p.shutdownLocked()...)
}

// stopNow refuses new work, cancels every queued task, and ends the contexts of
// running tasks, with cause ErrShutdown. It does not wait.
func (p *pool) stopNow() {
	p.mu.Lock()
	p.closeRingLocked() // cancel what it holds too
	queued := p.drainLocked(true)
	hs := p.shutdownLocked() // nothing is queued: only the idle workers' exit orders
	var running []task
	for _, w := range p.all {
		if w.cur != nil {
			running = append(running, w.cur)
		}
	}
	p.unlock(hs...)
	p.stopAll(ErrShutdown)
	for _, t := range running {
		t.interrupt(ErrShutdown)
	}
	each(len(queued), func(i int) { queued[i].drop(ErrShutdown, true) })
}

// drainLocked empties the queue and returns its futures, to be canceled (or failed)
// after the lock is released, which counts them. Fire-and-forget tasks are dropped
// and counted here.
func (p *pool) drainLocked(cancel bool) []task {
	var out []task
	for t, _ := p.q.pop(); t != nil; t, _ = p.q.pop() {
		if _, ok := t.(goTask); ok {
			p.n.pending--
			if cancel {
				p.n.canceled++
			} else {
				p.n.failed++
			}
			continue
		}
		out = append(out, t)
	}
	p.roomLocked()
	return out
}

// breakWith records that an initializer failed with err. The executor refuses all
// work from now on; every queued future, and first (the task the failing worker was
// started for), finishes with an error that matches ErrBroken and wraps err.
func (p *pool) breakWith(w *worker, err error, first task) {
	p.mu.Lock()
	if p.broken == nil {
		p.broken = &brokenError{cause: err}
		p.closeRingLocked()
	}
	broken := p.broken
	queued := p.drainLocked(false)
	p.workers--
	p.lostFirstLocked(w, first)
	p.wakeAllSubmittersLocked()
	p.unlock()
	p.logger().Error("futures: worker initializer failed; the executor is broken", "executor", p.name, "error", err)
	if first != nil {
		queued = append([]task{first}, queued...)
	}
	each(len(queued), func(i int) { queued[i].drop(broken, false) })
}

// lostFirstLocked accounts for the first task of the worker w, whose initializer did
// not complete: a claimed task first that never ran (it fails), or, with first nil,
// the queued task w was to take, which stays queued.
func (p *pool) lostFirstLocked(w *worker, first task) {
	if first == nil {
		p.starting--
		return
	}
	w.cur = nil
	p.n.running--
	p.n.started--
	p.n.failed++
}

// abandon gives up the worker w, whose initializer ShutdownNow interrupted. A first
// task it was handed claimed (Running, as far as anyone can see) cannot run: it
// finishes with ErrShutdown, since a future that was seen running never becomes
// canceled. (A worker started for a queued task has none: ShutdownNow cancels that
// task in the queue.)
func (p *pool) abandon(w *worker, first task) {
	p.mu.Lock()
	p.workers--
	p.lostFirstLocked(w, first)
	p.unlock()
	if first != nil {
		first.drop(ErrShutdown, false)
	}
}
