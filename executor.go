package futures

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"time"
)

// Executor runs tasks on a bounded set of worker goroutines, fed by an unbounded FIFO
// queue: Python's concurrent.futures.ThreadPoolExecutor, in Go.
//
// Workers start lazily: a submission starts one only when no worker is idle and fewer
// than the maximum are running, so New starts no goroutine, and a sequential
// Submit-then-Result loop uses a single worker. Workers are reused until Shutdown.
// No goroutine runs in the background.
//
// An Executor is safe for concurrent use by multiple goroutines, including its own
// tasks and done-callbacks. Its zero value is not usable; make one with [New]. Call
// [Executor.Shutdown] or [Executor.Close] to release its workers. An Executor that
// becomes unreachable without being shut down shuts itself down like Python's does
// when it is garbage-collected: queued work still runs, then its workers exit. (In a
// testing/synctest bubble, shut executors down inside the bubble: the collector's
// cleanup runs outside it.)
//
// Cost, measured on a 2-core machine (BENCHMARKS.md): a Submit and its Result cost
// one allocation and 123–193 ns; a Go task costs no allocation and 27–59 ns; an idle
// executor costs no CPU. Starting a worker costs eight allocations, four of them its
// pprof labels.
type Executor struct {
	p *pool
}

// New returns an executor configured by opts. An invalid option value gives an error
// that matches [ErrInvalid] and names the option and its valid range; New then returns
// a nil Executor. New starts no goroutine.
func New(opts ...Option) (*Executor, error) {
	o := defaultOptions()
	for _, opt := range opts {
		if opt == nil {
			o.errs = append(o.errs, invalid("New: nil Option"))
			continue
		}
		opt.apply(&o)
	}
	if o.minWorkers > o.maxWorkers {
		o.errs = append(o.errs, invalid("WithMinWorkers(%d): the minimum must not exceed the maximum number of workers, %d", o.minWorkers, o.maxWorkers))
	}
	if len(o.errs) > 0 {
		return nil, errors.Join(o.errs...)
	}
	p := &pool{
		name:       o.name,
		initFn:     o.init,
		log:        o.logger,
		onPanic:    o.onPanic,
		finished:   make(chan struct{}),
		maxWorkers: o.maxWorkers,
		minWorkers: o.minWorkers,
		hooks:      o.hooks,
		timing:     o.timing,
		keepAlive:  o.keepAlive,
		queueCap:   o.queueCap,
		policy:     o.policy,
		epoch:      time.Now(),
	}
	p.wakes.New = func() any { return make(chan struct{}, 1) }
	if p.name == "" {
		p.name = fmt.Sprintf("futures-%p", p)
	}
	p.ctx, p.stopAll = context.WithCancelCause(context.WithValue(context.Background(), ownerKey{}, p))
	p.bg = &ctxLink{p: p, ctx: p.ctx, cancel: p.stopAll, shared: true}
	e := &Executor{p: p}
	runtime.AddCleanup(e, (*pool).beginShutdown, p)
	return e, nil
}

// Name returns the executor's name (see [WithName]).
func (e *Executor) Name() string { return e.pool("Name").name }

// pool returns e's pool, panicking with a clear message if e is nil (for example
// after an error from New was ignored).
func (e *Executor) pool(method string) *pool {
	if e == nil {
		panic("futures: " + method + " called on a nil *Executor")
	}
	return e.p
}

// MaxWorkers returns the most workers that run tasks at once.
func (e *Executor) MaxWorkers() int {
	p := e.pool("MaxWorkers")
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.maxWorkers
}

// Workers returns the number of worker goroutines alive now: running a task, idle, or
// about to exit.
func (e *Executor) Workers() int {
	p := e.pool("Workers")
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.live
}

// Go runs fn on the executor and forgets it: a task whose result nobody reads. fn gets
// the executor's context, which ShutdownNow ends. Go returns an error, and fn never
// runs, if fn is nil ([ErrInvalid]), if the executor is shut down ([ErrShutdown]) or if
// it is broken ([ErrBroken]).
//
// A panic or runtime.Goexit in fn is never swallowed: it goes to the handler set with
// [WithPanicHandler], or else is logged at level Error with its stack through the
// executor's logger. Tasks still queued when ShutdownNow is called, or when the
// executor breaks, are dropped without running.
//
// With a bounded queue, Go follows the executor's [FullPolicy]: under Block it waits
// until there is room or the executor shuts down. The default queue is unbounded and
// Go never waits for room, but when thousands of tasks are already queued (4,096, or
// 256 per worker if that is more), Go yields the processor once (runtime.Gosched) so
// that the workers can catch up. A Go that starts a worker also yields once when the
// worker started before it has not yet begun to run, so that a burst of starts does
// not keep the new workers waiting for the submitter's processor.
//
// Cost: Go allocates nothing beyond what the executor amortizes (the queue's growth).
// While every worker is busy it takes no lock: it claims a slot in a lock-free ring
// with one compare-and-swap, and the worker that takes the task from there takes none
// either. On the 2-core machine of BENCHMARKS.md (medians of the four latest table
// runs), a million empty tasks cost 27–30 ns each from New to the end of Shutdown,
// 0.85–0.94 times a bare buffered channel feeding the same two workers (pond: 60–64
// ns); on 64 workers, 40–59 ns, 0.87–1.32 times the channel (a batch takes 29–68 ns a
// task; pond: 121–134 ns); from eight submitters at once, 27–34 ns, 0.74–0.93 times the
// channel (pond: 60–75 ns).
func (e *Executor) Go(fn func(ctx context.Context)) error {
	if e == nil {
		return invalid("Go called on a nil *Executor")
	}
	if fn == nil {
		return invalid("Executor.Go called with a nil function")
	}
	t := goTask(fn)
	err := e.p.submit(context.Background(), t)
	if err == errCallerRuns {
		t.runInline(e.p)
		return nil
	}
	return err
}
