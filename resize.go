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
	var grown []*worker
	if p.broken == nil && (!p.shutdown || p.live > 0) {
		grown = p.growLocked()
	}
	shrunk := p.shrinkLocked()
	p.unlock()
	for _, w := range grown {
		w.start(w.carry)
	}
	p.cancelDoomed()
	for _, w := range shrunk {
		w.wake <- nil
	}
	return nil
}

// growLocked starts workers for pending tasks while the limit allows; it returns them,
// to be started after the lock is released.
func (p *pool) growLocked() []*worker {
	var ws []*worker
	for len(p.idle) == 0 && p.workers < p.limitLocked() {
		t, at := p.popLocked()
		if t == nil {
			break
		}
		w := p.newWorkerLocked()
		p.startedLocked(w, t, at)
		w.carry = t // to begin with
		ws = append(ws, w)
	}
	return ws
}

// shrinkLocked takes idle workers above the limit off the idle list; they are to be
// told to exit after the lock is released.
func (p *pool) shrinkLocked() []*worker {
	var ws []*worker
	for len(p.idle) > 0 && p.workers > p.limitLocked() {
		w := p.idle[0] // the longest idle
		copy(p.idle, p.idle[1:])
		p.idle[len(p.idle)-1] = nil
		p.idle = p.idle[:len(p.idle)-1]
		p.workers--
		ws = append(ws, w)
	}
	return ws
}

// blockBegin and blockEnd bracket a task's wait on a future of its own executor. While
// it waits, one more worker may run; if tasks are pending and no worker is idle, one
// starts now. The surplus worker exits when it next looks for work after blockEnd.
func (p *pool) blockBegin() {
	p.mu.Lock()
	p.blocked++
	var ws []*worker
	if p.broken == nil {
		ws = p.growLocked()
	}
	p.unlock()
	for _, w := range ws {
		w.start(w.carry)
	}
	p.cancelDoomed()
}

func (p *pool) blockEnd() {
	p.mu.Lock()
	p.blocked--
	p.unlock()
}
