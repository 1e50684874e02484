package futures

import (
	"context"
	"runtime/pprof"
	"strconv"
	"sync/atomic"
	"time"
)

// worker is one worker goroutine's state. A worker whose goroutine is ended by
// runtime.Goexit (in a task, a callback or a hook) keeps its identity and goes on in a
// new goroutine.
type worker struct {
	p     *pool
	id    int
	index int       // its place in p.all; guarded by p.mu
	wake  chan task // hand-off of a claimed task while idle (nil means exit); made when it first idles

	cur   task  // the running task, or nil; guarded by p.mu, but see releaseFast
	curAt int64 // when cur was queued (0: not queued, or timing off); as cur

	// The worker's own counts of what it took through the ring's gate (see fast.go):
	// written without the lock by the worker, read and cleared under the lock by
	// foldLocked, once taken says they are settled.
	c     counts
	taken atomic.Uint64 // positions of the ring this worker took and counted in c
	held  task          // a task it took whose context had ended, to cancel under the lock
	drop  *[]doomed     // doomed tasks release set aside, for the worker to drop (dropDoomed)

	// Owned by the worker's goroutine (carry and carryExit also by whoever starts its
	// first goroutine, before the go statement).
	ready     bool          // the initializer has run
	wait      time.Duration // the running task's queue wait, for AfterTask
	timer     *time.Timer   // keep-alive timer, made on first use
	carry     task          // the task the worker's next goroutine begins with (see main)
	carryExit bool          // the next goroutine is to exit at once

	// begun is set once the worker's first goroutine runs. A submission that starts a
	// worker while the worker started before it has not begun yields the processor:
	// a go statement queues the new goroutine on the submitter's processor, so a
	// submitter that starts workers faster than the other processors take them (a
	// thousand at once, on two cores) keeps them waiting until it runs out of work. On
	// workload D the thousandth task then started 2.9-4.2 ms into a batch, and with the
	// yield 1.3-1.7 ms (BENCHMARKS.md has the side-by-side runs).
	begun atomic.Bool // after carryExit, in its padding: the worker stays 240 bytes
}

// start runs the worker in a new goroutine, with pprof labels naming the executor and
// the worker, beginning with the claimed task t.
func (w *worker) start(t task) {
	w.carry, w.carryExit = t, false
	go w.main()
}

// main is the worker loop, run by the worker's goroutine. It begins with w.carry: a
// claimed task to run first, or nil to begin idle (or to exit, if w.carryExit). The
// initializer runs once, before the first task; a new worker begins with nil when
// there is one, and takes its first task from the queue after it (firstTask). (main
// takes no arguments, so that the go statement allocates no more than a pointer's
// worth.)
func (w *worker) main() {
	t, exit := w.carry, w.carryExit
	w.begun.Store(true)
	// The goroutine ends with the worker loop: nothing to restore. (A worker whose
	// goroutine runtime.Goexit ended labels its next one again.)
	pprof.SetGoroutineLabels(pprof.WithLabels(context.Background(), pprof.Labels("executor", w.p.name, "worker", strconv.Itoa(w.id))))
	normal := false
	defer func() {
		if normal {
			return
		}
		// runtime.Goexit in a task, a callback, a hook or the initializer is ending
		// this goroutine; the task's future is already completed. Go on in a new one.
		if w.carry == nil && w.carryExit {
			w.p.exited(w)
			return
		}
		go w.main()
	}()
	if !w.ready {
		w.carry, w.carryExit = nil, true // in case the initializer calls Goexit
		if err := w.initialize(t); err != nil {
			normal = true
			w.p.exited(w)
			return
		}
		w.ready = true
		if t == nil {
			// Started to take its first task from the queue once initialized.
			t, exit = w.p.firstTask(w)
		}
	}
	for {
		if t == nil {
			if exit {
				break
			}
			w.carry, w.carryExit = nil, false
			if t = w.park(); t == nil {
				break
			}
		}
		t, exit = t.run(w)
	}
	normal = true
	w.p.exited(w)
}

// park waits, idle, for a task or for the order to exit (nil). With a keep-alive, an
// idle worker above the minimum exits when the keep-alive passes without work. Each
// worker owns its timer; no goroutine watches idle workers.
func (w *worker) park() task {
	p := w.p
	if p.keepAlive <= 0 {
		return <-w.wake
	}
	if w.timer == nil {
		w.timer = time.NewTimer(p.keepAlive)
	} else {
		w.timer.Reset(p.keepAlive)
	}
	select {
	case t := <-w.wake:
		w.timer.Stop()
		return t
	case <-w.timer.C:
		if p.expire(w) {
			return nil
		}
		// Kept, because the executor is at its minimum of workers (which never
		// expire), or because a task or the order to exit is on its way.
		return <-w.wake
	}
}

// initialize runs the executor's initializer, if any. A failure, a panic or a
// runtime.Goexit breaks the executor, failing first and the queued tasks.
func (w *worker) initialize(first task) (err error) {
	p := w.p
	if p.initFn == nil {
		return nil
	}
	returned := false
	defer func() {
		if !returned {
			r := recover()
			err = newPanicError(r, r == nil)
		}
		switch {
		case err == nil:
		case p.ctx.Err() != nil:
			// ShutdownNow ended the initializer's context: the executor is not
			// broken, it is stopping. The task the worker was started for is canceled
			// like the queued ones.
			p.abandon(w, first)
		default:
			p.breakWith(w, err, first)
		}
	}()
	err = p.initFn(p.ctx)
	returned = true
	return err
}

// dropDoomed cancels the doomed tasks that release left in w.drop.
func (w *worker) dropDoomed() {
	ds := w.drop
	w.drop = nil
	dropDoomed(*ds)
}
