package futures

import (
	"context"
	"log/slog"
	"sync"
)

// pool is an executor's machinery: its queue, its workers and its lifecycle. Workers
// and futures refer to the pool, never to the public *Executor, so that an Executor
// nobody references can be collected and clean up after itself.
type pool struct {
	name     string
	initFn   func(context.Context) error // nil when there is no initializer
	log      *slog.Logger                // nil means slog.Default at the time of logging
	onPanic  func(*PanicError)           // handles panics of Go tasks; nil means log them
	ctx      context.Context             // tasks' context; ended by ShutdownNow
	stopAll  context.CancelCauseFunc     // ends ctx
	finished chan struct{}               // closed when shut down and every worker has exited
	wakes    sync.Pool                   // empty one-slot channels for blocked Result calls

	mu         sync.Mutex // guards the fields below
	q          queue      // tasks no worker has taken yet
	idle       []*worker  // idle workers, most recently idle last; non-empty only while q is empty
	workers    int        // workers that have not decided to exit
	live       int        // worker goroutines that have not returned
	all        map[*worker]struct{}
	maxWorkers int
	blocked    int   // tasks blocked in Result on futures of this executor
	nextID     int   // number for the next worker's pprof label
	shutdown   bool  // no new submissions
	broken     error // non-nil once an initializer failed; matches ErrBroken
}

func (p *pool) logger() *slog.Logger {
	if p.log != nil {
		return p.log
	}
	return slog.Default()
}

// ownerKey is the context key under which a task's context records its executor, so
// that Future.Result can tell that a task waits on its own executor.
type ownerKey struct{}

func (p *pool) isTaskContext(ctx context.Context) bool {
	return ctx == p.ctx || ctx.Value(ownerKey{}) == p
}

// limitLocked is the number of workers allowed now: the maximum, plus one for each
// task that waits on a future of this executor.
func (p *pool) limitLocked() int { return p.maxWorkers + p.blocked }

// submit queues t, hands it to an idle worker, or starts a worker for it. Workers start
// only when none is idle, one per submission at most, up to the limit.
func (p *pool) submit(t task) error {
	p.mu.Lock()
	if p.broken != nil {
		p.mu.Unlock()
		return p.broken
	}
	if p.shutdown {
		p.mu.Unlock()
		return ErrShutdown
	}
	if n := len(p.idle); n > 0 {
		w := p.idle[n-1]
		p.idle[n-1] = nil
		p.idle = p.idle[:n-1]
		w.cur = t
		p.mu.Unlock()
		w.wake <- t // never blocks: an idle worker's channel is empty
		return nil
	}
	if p.workers < p.limitLocked() {
		w := p.newWorkerLocked(t)
		p.mu.Unlock()
		w.start(t, false)
		return nil
	}
	p.q.push(t)
	p.mu.Unlock()
	return nil
}

// release is called by a worker whose task has returned, before the task's future is
// completed. It returns the worker's next task (claimed), or nil and false to have it
// park as idle, or nil and true to have it exit.
func (p *pool) release(w *worker) (next task, exit bool) {
	p.mu.Lock()
	w.cur = nil
	if p.workers > p.limitLocked() {
		p.workers--
		p.mu.Unlock()
		w.carry, w.carryExit = nil, true
		return nil, true
	}
	for t := p.q.pop(); t != nil; t = p.q.pop() {
		if t.claim() {
			w.cur = t
			p.mu.Unlock()
			w.carry, w.carryExit = t, false
			return t, false
		}
	}
	if p.shutdown {
		p.workers--
		p.mu.Unlock()
		w.carry, w.carryExit = nil, true
		return nil, true
	}
	p.idle = append(p.idle, w)
	p.mu.Unlock()
	w.carry, w.carryExit = nil, false
	return nil, false
}

// newWorkerLocked accounts for a new worker that will start with task t.
func (p *pool) newWorkerLocked(t task) *worker {
	p.workers++
	p.live++
	w := &worker{p: p, id: p.nextID, wake: make(chan task, 1), cur: t}
	p.nextID++
	if p.all == nil {
		p.all = make(map[*worker]struct{})
	}
	p.all[w] = struct{}{}
	return w
}

// exited is a worker goroutine's last call.
func (p *pool) exited(w *worker) {
	p.mu.Lock()
	p.live--
	delete(p.all, w)
	if p.shutdown && p.live == 0 {
		close(p.finished)
	}
	p.mu.Unlock()
}

// blockBegin and blockEnd bracket a task's wait on a future of its own executor. While
// it waits, one more worker may run; if tasks are queued and no worker is idle, one
// starts now. The surplus worker exits when it next looks for work after blockEnd.
func (p *pool) blockBegin() {
	p.mu.Lock()
	p.blocked++
	if p.broken == nil && len(p.idle) == 0 && p.workers < p.limitLocked() {
		for t := p.q.pop(); t != nil; t = p.q.pop() {
			if t.claim() {
				w := p.newWorkerLocked(t)
				p.mu.Unlock()
				w.start(t, true)
				return
			}
		}
	}
	p.mu.Unlock()
}

func (p *pool) blockEnd() {
	p.mu.Lock()
	p.blocked--
	p.mu.Unlock()
}

// shutdownLocked marks the pool shut down and tells the idle workers to exit. It
// returns them, to be woken after the lock is released.
func (p *pool) shutdownLocked() []*worker {
	idle := p.idle
	p.idle = nil
	if !p.shutdown {
		p.shutdown = true
		if p.live == 0 {
			close(p.finished)
		}
	}
	p.workers -= len(idle)
	return idle
}

// beginShutdown refuses new work; queued work still runs. It does not wait.
func (p *pool) beginShutdown() {
	p.mu.Lock()
	idle := p.shutdownLocked()
	p.mu.Unlock()
	for _, w := range idle {
		w.wake <- nil
	}
}

// stopNow refuses new work, cancels every queued future, and ends the contexts of
// running tasks, with cause ErrShutdown. It does not wait.
func (p *pool) stopNow() {
	p.mu.Lock()
	idle := p.shutdownLocked()
	queued := p.q.drain()
	var running []task
	for w := range p.all {
		if w.cur != nil {
			running = append(running, w.cur)
		}
	}
	p.mu.Unlock()
	for _, w := range idle {
		w.wake <- nil
	}
	p.stopAll(ErrShutdown)
	for _, t := range running {
		t.interrupt(ErrShutdown)
	}
	for _, t := range queued {
		t.drop(ErrShutdown, true)
	}
}

// breakWith records that an initializer failed with err. The executor refuses all
// work from now on; every queued future, and first (the task the failing worker was
// started for), finishes with an error that matches ErrBroken and wraps err.
func (p *pool) breakWith(err error, first task) {
	p.mu.Lock()
	if p.broken == nil {
		p.broken = &brokenError{cause: err}
	}
	broken := p.broken
	queued := p.q.drain()
	p.workers--
	p.mu.Unlock()
	p.logger().Error("futures: worker initializer failed; the executor is broken", "executor", p.name, "error", err)
	first.drop(broken, false)
	for _, t := range queued {
		t.drop(broken, false)
	}
}

// taskPanicked reports the panic of a fire-and-forget task.
func (p *pool) taskPanicked(pe *PanicError) {
	if p.onPanic != nil {
		p.onPanic(pe)
		return
	}
	p.logger().Error("futures: fire-and-forget task panicked", "executor", p.name, "panic", pe.Value, "goexit", pe.Goexit, "stack", string(pe.Stack))
}
