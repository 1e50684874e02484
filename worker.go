package futures

import (
	"context"
	"runtime/pprof"
	"strconv"
)

// worker is one worker goroutine's state. A worker that calls runtime.Goexit through a
// task keeps its identity and goes on in a new goroutine.
type worker struct {
	p    *pool
	id   int
	wake chan task // hand-off of a task to this worker while it is idle; nil means exit

	cur task // the running task; guarded by p.mu

	// Owned by the worker's goroutine.
	ready     bool // the initializer has run
	carry     task // what release last returned, for the goroutine that replaces one
	carryExit bool // that ended by runtime.Goexit
}

// start runs the worker in a new goroutine, with pprof labels naming the executor and
// the worker, beginning with task t (already claimed if claimed is true).
func (w *worker) start(t task, claimed bool) {
	go pprof.Do(context.Background(), pprof.Labels("executor", w.p.name, "worker", strconv.Itoa(w.id)), func(context.Context) {
		w.main(t, false, claimed)
	})
}

// main is the worker loop. t is the first task, or nil to begin idle (or to exit, if
// exit). It runs the initializer once, then tasks until it is told to exit.
func (w *worker) main(t task, exit, claimed bool) {
	normal := false
	defer func() {
		if normal {
			return
		}
		// runtime.Goexit in a task, a callback or the initializer is ending this
		// goroutine; the task's future is already completed. Go on in a new one.
		if w.carry == nil && w.carryExit {
			w.p.exited(w)
			return
		}
		next, exit := w.carry, w.carryExit
		go pprof.Do(context.Background(), pprof.Labels("executor", w.p.name, "worker", strconv.Itoa(w.id)), func(context.Context) {
			w.main(next, exit, true)
		})
	}()
	if !w.ready {
		w.carry, w.carryExit = nil, true // if the initializer calls Goexit
		if err := w.initialize(); err != nil {
			w.p.breakWith(err, t)
			normal = true
			w.p.exited(w)
			return
		}
		w.ready = true
	}
	for {
		if t == nil {
			if exit {
				break
			}
			w.carry, w.carryExit = nil, false
			if t = <-w.wake; t == nil {
				break
			}
			claimed = false
		}
		if !claimed && !t.claim() {
			// Canceled before it ran: look for other work.
			t, exit = w.p.release(w)
			continue
		}
		t, exit = t.run(w)
		claimed = true
	}
	normal = true
	w.p.exited(w)
}

// initialize runs the executor's initializer, if any. A panic or runtime.Goexit in it
// counts as a failure.
func (w *worker) initialize() (err error) {
	p := w.p
	if p.initFn == nil {
		return nil
	}
	returned := false
	defer func() {
		if returned {
			return
		}
		r := recover()
		err = newPanicError(r, r == nil)
		if r == nil {
			// Goexit: the goroutine ends after this; break the executor here.
			p.breakWith(err, w.cur)
		}
	}()
	err = p.initFn(p.ctx)
	returned = true
	return err
}
