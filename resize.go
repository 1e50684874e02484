package futures

// SetMaxWorkers changes the most workers that run tasks at once, with immediate
// effect; n must be at least 1 (and not below the minimum set with WithMinWorkers), or
// SetMaxWorkers returns an error matching [ErrInvalid] and changes nothing. Growing
// starts workers for pending tasks at once. Shrinking tells idle workers above the
// new maximum to exit now and busy ones to exit when their task ends; no new task
// starts until the number of running tasks is below the new maximum.
func (e *Executor) SetMaxWorkers(n int) error {
	if e == nil {
		return invalid("SetMaxWorkers called on a nil *Executor")
	}
	p := e.p
	p.mu.Lock()
	if n < 1 || n < p.minWorkers {
		min := max(1, p.minWorkers)
		p.mu.Unlock()
		return invalid("SetMaxWorkers(%d): the maximum number of workers must be at least %d", n, min)
	}
	p.maxWorkers = n
	var grown []handoff
	if p.broken == nil && (!p.shutdown || p.live > 0) {
		grown = p.growLocked(nil)
	}
	p.unlock(p.shrinkLocked(grown)...)
	return nil
}

// growLocked makes workers for pending tasks while the limit allows, and appends to hs
// the hand-offs that start them, to be delivered after the lock is released.
func (p *pool) growLocked(hs []handoff) []handoff {
	if p.initFn != nil {
		// New workers run the initializer before they take a task (see submit): start
		// one for each queued task that no initializing worker is set to take.
		p.absorbLocked(false)
		for len(p.idle) == 0 && p.workers < p.limitLocked() && p.q.len() > p.starting {
			hs = append(hs, p.newStartLocked(nil, 0))
		}
		return hs
	}
	for len(p.idle) == 0 && p.workers < p.limitLocked() {
		t, at := p.popLocked()
		if t == nil {
			break
		}
		hs = append(hs, p.newStartLocked(t, at))
	}
	return hs
}

// shrinkLocked takes idle workers above the limit off the idle list, and appends to hs
// the orders that tell them to exit, to be delivered after the lock is released.
func (p *pool) shrinkLocked(hs []handoff) []handoff {
	for len(p.idle) > 0 && p.workers > p.limitLocked() {
		w := p.idle[0] // the longest idle
		copy(p.idle, p.idle[1:])
		p.idle[len(p.idle)-1] = nil
		p.idle = p.idle[:len(p.idle)-1]
		p.workers--
		hs = append(hs, handoff{w: w})
	}
	return hs
}

// blockBegin and blockEnd bracket a task's wait on a future of its own executor. While
// it waits, one more worker may run; if tasks are pending and no worker is idle, one
// starts now. After blockEnd, a surplus worker that is idle exits at once, and a busy
// one when it next looks for work.
func (p *pool) blockBegin() {
	p.mu.Lock()
	p.blocked++
	var hs []handoff
	if p.broken == nil {
		hs = p.growLocked(nil)
	}
	p.unlock(hs...)
}

func (p *pool) blockEnd() {
	p.mu.Lock()
	p.blocked--
	p.unlock(p.shrinkLocked(nil)...)
}
