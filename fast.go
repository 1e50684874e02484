package futures

import "runtime"

// The workers' lock-free path. While the executor is busy (submitters use the ring,
// the queue proper is empty, and there are exactly as many workers as allowed), a
// worker whose task has ended takes its next task from the ring without the pool's
// lock, and counts in its own counts rather than the pool's. The lock's holder shuts
// the ring's gate whenever that must stop (see unlock), and quiesceLocked shuts it and
// folds the workers' counts into the pool's whenever it needs them exact.
//
// Cost: a task taken this way costs the worker one compare-and-swap on the ring's head,
// one on the future's state (none for a fire-and-forget task) and a few increments of
// its own counts; quiesceLocked costs a look at every worker.

// releaseFast counts the outcome o of w's task and takes w's next task from the ring,
// claimed, all without the lock. It returns nil when the gate is shut or the ring has
// no published task; counted then reports whether o is already counted (in w.c). A
// task whose context ended while it waited in the ring is not started: it is counted
// pending, and left in w.held for the locked path to cancel.
func (p *pool) releaseFast(w *worker, o outcome) (next task, counted bool) {
	if !p.gate.Load() {
		return nil, false // the gate is shut; p.ring may not be set yet
	}
	r := p.ring.Load()
	for {
		t, at, ok := r.takeFast()
		if !ok {
			return nil, counted
		}
		c := &w.c
		if !counted {
			c.count(o)
			w.cur = nil
			counted = true
		}
		c.submitted++
		switch cause := t.expired(); {
		case cause != nil:
			c.pending++
			w.held = t
		case t.claim():
			c.started++
			c.running++
			if at != 0 {
				c.queueWait += p.waited(at)
			}
			w.cur, w.curAt = t, at
			next = t
		default:
			c.canceled++ // canceled while in the ring
		}
		// Publish: quiesceLocked waits for every position workers took to be
		// counted here, and reads w.c and w.cur after it sees this.
		w.taken.Store(w.taken.Load() + 1)
		if next != nil || w.held != nil {
			return next, true
		}
	}
}

// foldLocked adds w's own counts to the pool's and clears them. It is called by w
// under the lock, and by quiesceLocked while the gate is shut and w's counts settled.
func (p *pool) foldLocked(w *worker) {
	n := w.taken.Load()
	if n == 0 {
		return
	}
	p.fastTaken += n
	w.taken.Store(0)
	p.n.add(&w.c)
	w.c = counts{}
}

// heldLocked deals with the task w took through the ring whose context had ended:
// counted pending by foldLocked, it is set aside to be canceled (see dropDoomed), or
// counted canceled if its context's watch canceled it already.
func (p *pool) heldLocked(w *worker) {
	t := w.held
	w.held = nil
	if !t.accept() {
		p.n.pending--
		p.n.canceled++
		return
	}
	p.doomLocked(t, t.expired()) // a context that has ended stays ended, with the same cause
}

// quiesceLocked shuts the ring's gate, waits until every task workers took through it
// is counted, and folds the workers' counts into the pool's: from then until unlock,
// the pool's counts and every worker's cur are exact. A worker counts what it took a
// few instructions after it took it, without waiting for anything, so the wait is
// short. Stats, shutdown and the shutdown error call it.
func (p *pool) quiesceLocked() {
	r := p.ring.Load()
	if r == nil {
		return
	}
	p.gateLocked()
	fast := r.head.Load()&^ringGated - r.lockedTakes
	for {
		sum := p.fastTaken
		for _, w := range p.all {
			sum += w.taken.Load()
		}
		if sum == fast {
			break
		}
		runtime.Gosched()
	}
	for _, w := range p.all {
		p.foldLocked(w)
	}
}

// gateLocked shuts the ring's gate: from now on only the lock's holder takes from it.
func (p *pool) gateLocked() {
	if p.gate.Load() {
		p.ring.Load().head.Or(ringGated)
		p.gate.Store(false)
	}
}

// gateOpenLocked reports whether workers may take from the ring without the lock:
// while submitters may use it (open, see ringOpenLocked) or while a graceful shutdown
// drains it, if the queue proper is empty (its tasks are older than the ring's) and no
// worker is to exit (they exit under the lock).
func (p *pool) gateOpenLocked(open bool) bool {
	drain := p.shutdown && p.broken == nil && p.ring.Load() != nil
	return (open || drain) && p.q.n == 0 && p.workers == p.limitLocked()
}
