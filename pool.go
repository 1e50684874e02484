package futures

import (
	"context"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// pool is an executor's machinery: its queue, its workers, its lifecycle and its
// counters, all guarded by one mutex, and the lock-free ring (ring.go) through which
// submissions reach the queue while every worker is busy. Workers and futures refer to
// the pool, never to the public *Executor, so that an Executor nobody references can be
// collected and clean up after itself.
type pool struct {
	// Set by New, then read-only.
	name      string
	initFn    func(context.Context) error // nil when there is no initializer
	log       *slog.Logger                // nil means slog.Default at the time of logging
	onPanic   func(*PanicError)           // handles panics of Go tasks; nil means log them
	hooks     Hooks
	timing    bool          // measure queue wait and run time
	keepAlive time.Duration // idle time after which a worker above the minimum exits; 0: never
	queueCap  int           // most pending tasks; 0: unbounded
	policy    FullPolicy    // what a submission does when the queue is full
	epoch     time.Time     // origin of the queue timestamps
	ctx       context.Context
	stopAll   context.CancelCauseFunc // ends ctx
	bg        *ctxLink                // the link of the tasks submitted with context.Background
	finished  chan struct{}           // closed when shut down and every worker has exited
	wakes     sync.Pool               // empty one-slot channels for blocked Result calls

	// The lock-free submission path (see ring.go), on a cache line of its own: read by
	// every submission, written rarely.
	_    [64]byte
	fast atomic.Bool          // submitters may use ring; stored under mu, by unlock
	gate atomic.Bool          // workers may take from ring without mu: the ring's gate is open (ringGated clear in its head); stored under mu
	deep atomic.Uint64        // the backlog beyond which submitters yield (deepLocked); stored by unlock
	ring atomic.Pointer[ring] // stored under mu: before fast is first stored true, and when it grows or shrinks
	_    [64]byte

	mu         sync.Mutex   // guards the fields below
	q          queue        // tasks no worker has taken yet (and canceled ones not yet skipped)
	idle       []*worker    // idle workers, most recently idle last; non-empty only while no task is pending
	full       []*submitter // submissions blocked on a full queue, oldest first
	workers    int          // workers that have not decided to exit
	live       int          // worker goroutines that have not returned
	all        []*worker    // the workers whose goroutines have not returned; worker.index is each one's place
	maxWorkers int
	minWorkers int
	blocked    int     // tasks blocked in Result on futures of this executor
	starting   int     // new workers running the initializer, to take their first task from the queue
	nextID     int     // number for the next worker's pprof label
	lastStart  *worker // the worker a submission started last, while its goroutine may not have begun
	shutdown   bool    // no new submissions
	broken     error   // non-nil once an initializer failed; matches ErrBroken
	doomed     []doomed
	n          counts
	fastTaken  uint64 // tasks workers took through the gate and whose counts are folded into n
}

// doomed is a pending task whose context ended, taken off the queue to be canceled.
type doomed struct {
	t     task
	cause error
}

// dropDoomed cancels the tasks that a critical section set aside in p.doomed. unlock
// calls it, in the goroutine that set them aside, once the lock is released and its
// hand-offs are delivered.
func dropDoomed(ds []doomed) {
	each(len(ds), func(i int) { ds[i].t.drop(ds[i].cause, true) })
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

// now returns the time since the epoch, plus one nanosecond, when timing is on, else
// 0: a timestamp is never 0, which stands for "not timed" (a task queued at the very
// instant of New, as on synctest's fake clock, would otherwise lose its queue wait).
func (p *pool) now() int64 {
	if !p.timing {
		return 0
	}
	return int64(time.Since(p.epoch)) + 1
}

// limitLocked is the number of workers allowed now: the maximum, plus one for each
// task that waits on a future of this executor.
func (p *pool) limitLocked() int { return p.maxWorkers + p.blocked }

// backlogPerWorker is how many pending tasks per worker make a backlog deep: a
// submission that queues behind a deep backlog, in the queue or in the ring, yields the
// processor once (runtime.Gosched), so that a goroutine flooding the executor lets the
// workers run instead of growing the queue for as long as the scheduler lets it. It never waits
// for room: the queue stays unbounded, as Python's is (WithQueueSize bounds it). On a
// 2-core machine this halves the cost of a flood of a million empty tasks, which
// otherwise piles up hundreds of thousands of tasks for the collector to scan (see
// BENCHMARKS.md); the backlog left is still enough to keep every worker busy while the
// submitter waits for its turn.
const backlogPerWorker = 256

// backlogMin is the least backlog that is deep, whatever the number of workers. Each
// time a submitter yields, the workers may empty the backlog and go idle before it
// runs again, and waking them costs several microseconds on a 2-core machine: with two
// workers, a deep backlog of 512 tasks paid that about 1,400 times per million tasks,
// some 10 ns per task in a flood (BENCHMARKS.md). 4,096 tasks are 128 KiB of the
// ring's slots, or 256 KiB of pending futures.
const backlogMin = 4096

// deepLocked is the backlog beyond which a submission yields.
func (p *pool) deepLocked() int { return max(backlogPerWorker*p.workers, backlogMin) }

// submit accepts t: it hands t to an idle worker, or starts a worker for it, or queues
// it. Workers start only when none is idle, one per submission at most, up to the
// limit. It returns errCallerRuns when the caller must run t itself, and otherwise an
// error only if t was refused. ctx bounds the wait of the Block policy; if it ends
// first, t is canceled with its cause, and submit returns nil.
func (p *pool) submit(ctx context.Context, t task) error {
	var full *ring // the ring t did not fit in, or nil
	if p.fast.Load() {
		r := p.ring.Load()
		if pos, ok := r.push(t, p.now()); ok {
			if !p.fast.Load() {
				// A worker went idle, or may start, since the first look: let unlock
				// settle the ring, in case that worker looked at it before we
				// published.
				p.mu.Lock()
				p.unlock()
			} else {
				p.pushed(r, pos)
			}
			return nil
		}
		full = r
	}
	return p.submitLocked(ctx, t, full)
}

// submitLocked is submit's path through the lock (kept apart so that the ring's path
// stays small): full is the ring t did not fit in, or nil.
func (p *pool) submitLocked(ctx context.Context, t task, full *ring) error {
	p.mu.Lock()
	if p.fast.Load() {
		// The ring is open: grow it if t found it full and it may grow, then try
		// again (it may also have grown, or have room again, since).
		r := p.ring.Load()
		if r == full && r.full() && p.mayGrowLocked(r) {
			r = p.growRingLocked()
		}
		if pos, ok := r.push(t, p.now()); ok {
			p.unlock()
			p.pushed(r, pos)
			return nil
		}
	}
	for {
		if p.broken != nil {
			return p.refuseLocked(p.broken)
		}
		if p.shutdown {
			return p.refuseLocked(ErrShutdown)
		}
		if p.queueCap == 0 || p.n.pending < p.queueCap || len(p.idle) > 0 || p.workers < p.limitLocked() {
			break
		}
		switch p.policy {
		case Reject:
			return p.refuseLocked(ErrQueueFull)
		case CallerRuns:
			p.n.submitted++
			p.n.started++
			p.n.running++
			p.mu.Unlock()
			return errCallerRuns
		case DiscardOldest:
			if old := p.discardOldestLocked(); old != nil {
				// Cancel it outside the lock: its callbacks may call back into us.
				p.mu.Unlock()
				old.drop(ErrDiscarded, true)
				p.mu.Lock()
			}
			continue
		}
		// Block: wait for room, then look again.
		if err := p.waitForRoomLocked(ctx); err != nil {
			// The submit context ended first: the task is canceled, as one whose
			// context ends while it is queued, and counted so.
			p.n.submitted++
			p.n.canceled++
			p.mu.Unlock()
			t.drop(context.Cause(ctx), true)
			return nil
		}
	}
	p.n.submitted++
	idle := len(p.idle) > 0
	start := !idle && p.workers < p.limitLocked()
	// With an initializer, a new worker runs it before it takes any task, as CPython's
	// do: the task it is started for waits in the queue meanwhile, pending (Cancel,
	// its context and ShutdownNow still cancel it), and may go to another worker.
	direct := idle || start && p.initFn == nil
	if direct && !t.claim() || !direct && !t.accept() {
		// Canceled by its context since Submit looked; not yet counted.
		p.n.canceled++
		p.unlock()
		return nil
	}
	// A task handed to a worker is claimed here, under the lock, so that it is
	// counted running at once, and it runs even if its context ends before the
	// worker gets to it (it then sees its context ended).
	if idle {
		w := p.popIdleLocked()
		p.startedLocked(w, t, 0)
		if len(p.idle) > 0 && len(p.doomed) == 0 {
			// A worker is still idle, so the ring stays shut, as the last unlock
			// published, and holds at most the tasks of submitters that pushed into it
			// late, which settle their own (see unlock). Nothing for unlock to do:
			// this spares a submission to an idle worker its checks.
			p.mu.Unlock()
			w.wake <- t // never blocks: an idle worker's channel is empty
		} else {
			p.unlock(handoff{w: w, t: t})
		}
		return nil
	}
	if direct {
		p.startWorker(t)
		return nil
	}
	// Tasks published to the ring are older than this one: queue them first. (A task
	// handed to a worker above needs no such care: the ring then holds only the tasks
	// of submissions still in flight, which settle their own, and whose order against
	// this one is not defined.)
	p.absorbLocked(true)
	p.n.pending++
	p.q.push(t, p.now())
	if start {
		p.startWorker(nil)
		return nil
	}
	deep := p.n.pending > p.deepLocked()
	p.unlock()
	if deep {
		runtime.Gosched()
	}
	return nil
}

// startWorker, called by a submission with the lock held, starts a worker for the
// claimed task t, or, with t nil, one that runs the initializer and then takes its
// first task from the queue, and unlocks.
func (p *pool) startWorker(t task) {
	h := p.newStartLocked(t, 0)
	prev := p.lastStart
	p.lastStart = h.w
	p.unlock(h)
	if prev != nil && !prev.begun.Load() {
		// Workers this submitter started wait behind it for a processor: let them
		// begin their tasks before it goes on (see worker.begun).
		runtime.Gosched()
	}
}

// newStartLocked accounts for a new worker that begins with the claimed task t,
// queued at time at, or, if t is nil, that runs the initializer and then takes its
// first task from the queue (counted in p.starting until then; see worker.main). It
// returns the hand-off that starts it, to be delivered after the lock is released.
func (p *pool) newStartLocked(t task, at int64) handoff {
	w := p.newWorkerLocked()
	if t != nil {
		p.startedLocked(w, t, at)
	} else {
		p.starting++
	}
	return handoff{w: w, t: t, start: true}
}

// firstTask is called by a worker started without a task once its initializer has
// run: it finds the worker's first task, as release finds the next one.
func (p *pool) firstTask(w *worker) (next task, exit bool) {
	p.mu.Lock()
	p.starting--
	next, exit = p.nextLocked(w)
	// Set before unlock, which may cancel doomed futures, whose callbacks may call
	// runtime.Goexit: the goroutine that replaces this one starts from carry.
	w.carry, w.carryExit = next, exit
	p.unlock()
	return next, exit
}

// pushed follows a submission published in r at pos: behind a deep backlog, it yields
// the processor once.
func (p *pool) pushed(r *ring, pos uint64) {
	if r.deeper(pos, p.deep.Load()) {
		runtime.Gosched()
	}
}

// doomLocked sets aside the pending task t, which must not start, to be canceled
// with cause after the lock is released (see dropDoomed). A fire-and-forget task
// is dropped and counted at once.
func (p *pool) doomLocked(t task, cause error) {
	if _, ok := t.(goTask); ok {
		p.n.pending--
		p.n.canceled++
		return
	}
	p.doomed = append(p.doomed, doomed{t, cause})
}

// refuseLocked counts a refused submission, unlocks, and returns err.
func (p *pool) refuseLocked(err error) error {
	p.n.submitted++
	p.n.rejected++
	p.mu.Unlock()
	return err
}

// startedLocked records that w runs the claimed task t, queued at time at.
func (p *pool) startedLocked(w *worker, t task, at int64) {
	w.cur = t
	w.curAt = at
	p.n.started++
	p.n.running++
	if at != 0 {
		p.n.queueWait += p.waited(at)
	}
}

// waited returns the time since at, a queue timestamp.
func (p *pool) waited(at int64) time.Duration { return time.Duration(p.now() - at) }

// popLocked returns the oldest pending task, claimed, and its queue time; it skips
// (and forgets) canceled ones. A task whose context has ended is not started: it goes
// to p.doomed, to be canceled by the caller once the lock is released (see
// dropDoomed).
func (p *pool) popLocked() (task, int64) {
	for {
		t, at := p.q.pop()
		if t == nil && p.ring.Load() != nil {
			// The queue holds no task younger than the ring's: take from there.
			var ok bool
			if t, at, ok = p.takeLocked(); ok && t == nil {
				continue // canceled in the ring
			}
		}
		if t == nil {
			return nil, 0
		}
		if cause := t.expired(); cause != nil {
			p.doomLocked(t, cause)
			continue
		}
		if t.claim() {
			p.n.pending--
			p.roomLocked()
			return t, at
		}
		// Done while queued. Its canceler counts it, unless we get here first: then
		// Stats agrees at once with the future's state.
		p.forgetLocked(t.forget())
	}
}

// outcome is how a task run by a worker ended.
type outcome struct {
	ran      bool // false: canceled before it could start (a CallerRuns task)
	err      error
	panicked bool
	runTime  time.Duration
}

// release is called by a worker whose task has returned, before the task's future is
// completed. It counts the task's outcome and returns the worker's next task
// (claimed), or nil and false to have it park as idle, or nil and true to have it exit.
// The queued tasks it found doomed (their context ended) it leaves in w.drop, for the
// worker to drop once it has completed its own future, last (their callbacks may call
// Goexit): it runs no code of the caller's, so nothing it does can be cut short.
func (p *pool) release(w *worker, o outcome) (next task, exit bool) {
	next, counted := p.releaseFast(w, o)
	if next != nil {
		w.carry, w.carryExit = next, false
		return next, false
	}
	p.mu.Lock()
	w.cur = nil
	p.foldLocked(w)
	if !counted {
		p.n.count(o)
	}
	if w.held != nil {
		p.heldLocked(w)
	}
	next, exit = p.nextLocked(w)
	// Set now: if the worker's goroutine ends before it reaches its next task (a
	// callback or hook calls runtime.Goexit), the goroutine that replaces it starts
	// from carry.
	w.carry, w.carryExit = next, exit
	if ds := p.unlockKeep(); len(ds) > 0 {
		kept := ds // only this one escapes: no allocation when there is nothing to drop
		w.drop = &kept
	}
	return next, exit
}

// nextLocked finds w's next task, registers it idle, or retires it.
func (p *pool) nextLocked(w *worker) (task, bool) {
	if p.workers > p.limitLocked() {
		p.workers--
		return nil, true
	}
	if t, at := p.popLocked(); t != nil {
		p.startedLocked(w, t, at)
		return t, false
	}
	if p.shutdown {
		p.workers--
		return nil, true
	}
	if w.wake == nil {
		w.wake = make(chan task, 1) // a worker that never idles needs none
	}
	p.idle = append(p.idle, w)
	return nil, false
}

// popIdleLocked takes the most recently idle worker off the idle list; there must be
// one.
func (p *pool) popIdleLocked() *worker {
	n := len(p.idle)
	w := p.idle[n-1]
	p.idle[n-1] = nil
	p.idle = p.idle[:n-1]
	return w
}

// newWorkerLocked accounts for a new worker.
func (p *pool) newWorkerLocked() *worker {
	p.workers++
	p.live++
	p.n.peakWorkers = max(p.n.peakWorkers, p.live)
	w := &worker{p: p, id: p.nextID, index: len(p.all)}
	p.nextID++
	p.all = append(p.all, w)
	return w
}

// exited is a worker goroutine's last call.
func (p *pool) exited(w *worker) {
	p.mu.Lock()
	p.live--
	p.foldLocked(w)
	last := p.all[len(p.all)-1]
	p.all[w.index], last.index = last, w.index
	p.all[len(p.all)-1] = nil
	p.all = p.all[:len(p.all)-1]
	if p.lastStart == w {
		p.lastStart = nil
	}
	if p.shutdown && p.live == 0 {
		close(p.finished)
	}
	p.unlock()
}

// expire is called by an idle worker whose keep-alive timer fired. It reports whether
// the worker is to exit; if not, a task is being handed to it, or it stays idle.
func (p *pool) expire(w *worker) bool {
	p.mu.Lock()
	defer p.unlock()
	if p.workers <= p.minWorkers {
		return false
	}
	for i, x := range p.idle {
		if x == w {
			copy(p.idle[i:], p.idle[i+1:])
			p.idle[len(p.idle)-1] = nil
			p.idle = p.idle[:len(p.idle)-1]
			p.workers--
			// Set before the deferred unlock, which may cancel doomed futures, whose
			// callbacks may call runtime.Goexit: the goroutine that would replace
			// this one exits at once (see worker.main).
			w.carry, w.carryExit = nil, true
			return true
		}
	}
	return false // already taken off the idle list: a task or an exit is on its way
}

// taskPanicked reports the panic of a fire-and-forget task.
func (p *pool) taskPanicked(pe *PanicError) {
	if p.onPanic != nil {
		p.onPanic(pe)
		return
	}
	p.logger().Error("futures: fire-and-forget task panicked", "executor", p.name, "panic", pe.Value, "goexit", pe.Goexit, "stack", string(pe.Stack))
}
