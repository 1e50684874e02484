package futures

import (
	"runtime"
	"sync/atomic"
)

// ring is the executor's lock-free queue: the tasks submitted while every worker is
// busy. Submitters fill it without taking the executor's lock, and workers take from it
// without the lock too (see takeFast); whoever holds the lock may also move its tasks
// to the queue proper. Submissions use it only while nothing else is to be done with
// them: the queue is unbounded, the executor runs, no worker is idle and none may start
// (see pool.submit and pool.unlock). That is the steady state of a busy executor, where
// the lock would otherwise be taken by every submitter and every worker for every task.
//
// It is a multi-producer, multi-consumer ring in the manner of Dmitry Vyukov's bounded
// queue: each slot has a sequence number that says whose turn it is. A producer claims
// a position by advancing tail with a compare-and-swap, fills the slot, then publishes
// it by storing the slot's sequence; a consumer claims a published position by
// advancing head the same way. Once closed (at shutdown, when the executor breaks, or
// when a bigger or smaller ring replaces it), the ring refuses every push; whoever
// closes it waits for the positions already claimed to be published, so no accepted
// task is stranded.
//
// The gate is a bit of head that shuts out the consumers that do not hold the lock:
// their compare-and-swap fails while it is set, so that the lock's holder, which
// ignores it, sees every position taken before it set the gate and none after. The
// lock's holder sets it before moving tasks to the queue (tasks then start in the order
// they were submitted) and whenever it needs a consistent view of the workers (see
// pool.quiesceLocked); unlock opens it again when workers may take from the ring.
//
// Cost: a push or a take is one compare-and-swap and two stores. The ring is 32 KiB,
// allocated the first time an executor is busy enough to use it; a flood grows it, to
// 256 KiB, or up to 1 MiB with many workers, for as long as a worker is busy (see
// ringMin).
type ring struct {
	tail   atomic.Uint64 // next position to claim; ringClosed is set once closed
	seen   atomic.Uint64 // a value head had (without ringGated), for deeper
	deepTo atomic.Uint64 // deeper takes the backlog to be deep up to this position
	_      [40]byte      // tail, seen and deepTo are written by submitters, head by workers
	head   atomic.Uint64 // next position to take; ringGated is set while the gate is shut
	_      [56]byte
	// lockedTakes counts the positions taken by the lock's holder; the rest of head
	// was taken by workers through takeFast. Guarded by the pool's mutex.
	lockedTakes uint64
	_           [56]byte
	slot        []ringSlot // a power of two of them
	mask        uint64     // len(slot) - 1
}

// A ring starts with ringMin slots (32 KiB) and doubles, up to ringMax (1 MiB), when a
// submitter finds it full while the backlog it allows before it yields (see
// pool.deepLocked) is more than half of it: so a flood's backlog stays in the ring, and
// the workers keep taking without the lock, on executors with many workers too. Once it
// may not grow, a submitter that finds it full takes the lock and moves its tasks to
// the queue. Once every worker is idle, a grown ring is replaced by one of ringMin
// slots.
const (
	ringMin = 1 << 10
	ringMax = 1 << 15
)

// ringClosed is the bit of ring.tail that marks the ring closed; ringGated the bit of
// ring.head that shuts the gate.
const (
	ringClosed = 1 << 63
	ringGated  = 1 << 63
)

type ringSlot struct {
	seq atomic.Uint64 // pos: free for position pos; pos+1: holds the task of position pos
	t   task
	at  int64 // when it was queued; 0 when not timed
}

// newRing returns an empty ring of size slots, a power of two, whose first position
// is start, with its gate shut (unlock opens it).
func newRing(size int, start uint64) *ring { return newRingOf(make([]ringSlot, size), start) }

// newRingOf is newRing on slots, freshly made.
func newRingOf(slots []ringSlot, start uint64) *ring {
	r := &ring{slot: slots, mask: uint64(len(slots) - 1)}
	for i := range r.slot {
		r.slot[i].seq.Store(start + (uint64(i)-start)&r.mask) // its first position from start on
	}
	r.tail.Store(start)
	r.seen.Store(start)
	r.head.Store(start | ringGated)
	return r
}

// push adds t, queued at time at, and reports whether it did, and the position it
// took: false means the ring is full or closed, and the caller must take the lock.
func (r *ring) push(t task, at int64) (uint64, bool) {
	for {
		pos := r.tail.Load()
		if pos&ringClosed != 0 {
			return 0, false
		}
		s := &r.slot[pos&r.mask]
		seq := s.seq.Load()
		if seq == pos {
			if r.tail.CompareAndSwap(pos, pos+1) {
				s.t, s.at = t, at
				s.seq.Store(pos + 1) // publish
				return pos, true
			}
			continue // another submitter claimed pos
		}
		if seq < pos {
			return 0, false // full: the slot still holds the task of a lap ago
		}
		// The slot was freed for a later lap, so tail has moved on: look again.
	}
}

// deeper reports whether more than limit positions are claimed and not yet taken,
// given a position pushed just now. It reads head, which workers write for every task
// they take, as seldom as it can: a value head had before (seen) bounds the backlog
// from above, since head only grows, so while the backlog is shallow it reads head once
// every limit pushes; and once it finds the backlog deep, it takes it to stay deep for
// the next deepRecheck pushes. Reading head at every push while deep, when the
// submitter yields at every push, cost a flood of empty tasks a third of its time
// (BENCHMARKS.md). seen and deepTo are on the submitters' cache line.
func (r *ring) deeper(pos, limit uint64) bool {
	if pos < r.deepTo.Load() {
		return true
	}
	if s := r.seen.Load(); pos < s || pos-s <= limit {
		return false
	}
	h := r.head.Load() &^ ringGated
	r.seen.Store(h)
	if pos > h && pos-h > limit {
		r.deepTo.Store(pos + deepRecheck)
		return true
	}
	return false
}

// deepRecheck is how many pushes deeper takes a deep backlog to stay deep. (8 gave
// most of the gain; 64 a little more, with two and with 64 workers.)
const deepRecheck = 64

// ready reports whether the next task is published. The caller holds the pool's mutex.
func (r *ring) ready() bool {
	h := r.head.Load() &^ ringGated
	return r.slot[h&r.mask].seq.Load() == h+1
}

// take removes and returns the next task if it is published, whether the gate is
// shut or not. The caller holds the pool's mutex.
func (r *ring) take() (t task, at int64, ok bool) {
	t, at, ok = r.claim(false)
	if ok {
		r.lockedTakes++
	}
	return t, at, ok
}

// takeFast removes and returns the next task if it is published and the gate is open.
// It needs no lock.
func (r *ring) takeFast() (task, int64, bool) { return r.claim(true) }

func (r *ring) claim(gated bool) (task, int64, bool) {
	for {
		h := r.head.Load()
		if gated && h&ringGated != 0 {
			return nil, 0, false
		}
		pos := h &^ ringGated
		s := &r.slot[pos&r.mask]
		seq := s.seq.Load()
		if seq == pos+1 {
			if !r.head.CompareAndSwap(h, h+1) {
				continue // taken by another consumer, or the gate moved
			}
			t, at := s.t, s.at
			s.t = nil // the ring keeps no reference to a task it has handed out
			s.seq.Store(pos + uint64(len(r.slot)))
			return t, at, true
		}
		if seq < pos+1 {
			return nil, 0, false // empty, or the next position is not yet published
		}
		// Another consumer took pos since we loaded head: look again.
	}
}

// full reports whether every slot is claimed.
func (r *ring) full() bool {
	return r.tail.Load()&^ringClosed-r.head.Load()&^ringGated >= uint64(len(r.slot))
}

// mayGrowLocked reports whether r may grow: it is below ringMax and no more than
// twice the backlog submitters allow before they yield.
func (p *pool) mayGrowLocked(r *ring) bool {
	n := len(r.slot)
	return n < ringMax && n < 2*p.deepLocked()
}

// growRingLocked replaces the ring, which is full, with one twice its size that holds
// the same tasks at the same positions. It closes the old ring, so that submitters
// still using it take the lock and find the new one, and shuts its gate, so that no
// worker takes from it any more (a worker that took a position before keeps the task
// it read from the old slot, and counts it as usual); it waits for the positions
// claimed and not yet published, a few instructions each. Since the positions carry
// on, the tasks keep their order and quiesceLocked its arithmetic. It looks at no
// worker (quiescing them, as it once did, was a pass over every worker under the lock
// at every growth).
//
// It makes the new ring's slots before it shuts the gate, so that the workers go on
// taking from the old ring while the memory is allocated: up to 1 MiB, whose
// allocation may have to help the collector. With 1000 workers (workload D) a growth
// to 16,384 slots came as the first of them woke for their next task, and with the
// allocation behind the gate they waited for it: D ran at 1.059 times the floor, and
// 1.024 times with the allocation first (BENCHMARKS.md).
func (p *pool) growRingLocked() *ring {
	old := p.ring.Load()
	slots := make([]ringSlot, 2*len(old.slot))
	old.close()
	p.gateLocked()
	head := old.head.Load() &^ ringGated
	end := old.tail.Load() &^ ringClosed
	r := newRingOf(slots, head)
	r.lockedTakes = old.lockedTakes
	for pos := head; pos < end; pos++ {
		s := &old.slot[pos&old.mask]
		for s.seq.Load() != pos+1 {
			runtime.Gosched() // claimed by a submitter that has not yet published it
		}
		d := &r.slot[pos&r.mask]
		d.t, d.at = s.t, s.at
		s.t = nil
		d.seq.Store(pos + 1)
	}
	r.tail.Store(end)
	p.ring.Store(r)
	return r
}

// shrinkRingLocked gives a grown ring's memory back once every worker is idle: it
// replaces it with an empty ring of ringMin slots whose positions carry on. A task a
// submitter published meanwhile (it saw the ring open a moment ago) goes to the queue,
// and from there to an idle worker: it returns the hand-offs.
func (p *pool) shrinkRingLocked() []handoff {
	r := p.ring.Load()
	if r == nil || len(r.slot) == ringMin || p.shutdown || p.broken != nil {
		return nil
	}
	r.close()
	p.quiesceLocked()
	p.absorbLocked(true)
	n := newRing(ringMin, r.tail.Load()&^ringClosed)
	n.lockedTakes = r.lockedTakes
	p.ring.Store(n)
	return p.handIdleLocked()
}

// close refuses all further pushes. The caller holds the pool's mutex and then
// empties the ring with wait set, so that positions claimed before the close are
// taken too.
func (r *ring) close() { r.tail.Or(ringClosed) }

// absorbLocked moves the ring's tasks to the queue, counting them as submitted (and
// as pending, or as canceled if they were canceled in the ring). It stops at the
// position the tail had when it began, so that submitters cannot keep it going. With
// wait, it waits for positions claimed but not yet published (a submitter between its
// compare-and-swap and its store, a few instructions); without, it stops at the first.
// A submitter takes the lock and absorbs with wait before it queues a task itself, so
// the queue never holds a task younger than one in the ring: tasks start in the order
// they were submitted, as far as that order is defined.
func (p *pool) absorbLocked(wait bool) {
	r := p.ring.Load()
	if r == nil {
		return
	}
	p.gateLocked()
	end := r.tail.Load() &^ ringClosed
	for r.head.Load()&^ringGated < end {
		t, at, ok := p.takeLocked()
		if !ok {
			if !wait {
				return
			}
			runtime.Gosched()
			continue
		}
		if t != nil {
			p.q.push(t, at)
		}
	}
}

// takeLocked takes the ring's next task, if it is published, and counts it as
// submitted, and as pending; a task canceled while in the ring is counted as such, and
// comes back nil. When the queue is empty, workers take from the ring this way rather
// than through the queue.
func (p *pool) takeLocked() (task, int64, bool) {
	t, at, ok := p.ring.Load().take()
	if !ok {
		return nil, 0, false
	}
	p.n.submitted++
	if !t.accept() {
		p.n.canceled++ // canceled in the ring; already finished
		return nil, 0, true
	}
	p.n.pending++
	return t, at, true
}

// ringOpenLocked reports whether submitters may use the ring: the queue is
// unbounded, the executor runs, no worker is idle and no worker may start. Otherwise a
// submission has something to do under the lock: hand the task to a worker, start
// one, apply the queue's policy, or refuse it.
func (p *pool) ringOpenLocked() bool {
	return p.queueCap == 0 && !p.shutdown && p.broken == nil && len(p.idle) == 0 && p.workers >= p.limitLocked()
}

// unlock releases the pool's mutex, having published whether submitters may use the
// ring. Every critical section that may change what ringOpenLocked reads ends with
// it. When the ring is not open but holds tasks (submitters that saw it open a moment
// ago), or tasks wait in the queue while a worker idles or may start (see
// unsettledLocked), unlock settles them: they go to idle workers, or to new ones.
// Submitters check the flag again after they publish, and this side stores the flag
// before it looks at the ring, so one side or the other always sees the task: none
// waits in the ring while a worker idles.
//
// then are the hand-offs and exit orders (a handoff with no task) that the caller made
// under the lock. unlock delivers them, and its own, before it cancels the tasks that
// this critical section set aside in p.doomed: their callbacks may wait for those very
// tasks, or call runtime.Goexit and end the calling goroutine.
func (p *pool) unlock(then ...handoff) {
	if ds := p.unlockKeep(then...); len(ds) > 0 {
		dropDoomed(ds)
	}
}

// unlockKeep is unlock, except that it returns the doomed tasks for the caller to
// drop (dropDoomed), once it has done what must come before their callbacks run. A
// worker that releases its task does so after it has completed that task's future.
func (p *pool) unlockKeep(then ...handoff) []doomed {
	open := p.ringOpenLocked()
	if d := uint64(p.deepLocked()); open && d != p.deep.Load() {
		p.deep.Store(d)
	}
	if open != p.fast.Load() {
		if open && p.ring.Load() == nil {
			p.ring.Store(newRing(ringMin, 0))
		}
		p.fast.Store(open)
	}
	if gate := p.gateOpenLocked(open); gate != p.gate.Load() {
		if gate {
			p.ring.Load().head.And(^uint64(ringGated))
			p.gate.Store(true)
		} else {
			p.gateLocked()
		}
	}
	var hs []handoff
	if !open && (len(p.idle) > 0 || !p.shutdown) && p.unsettledLocked() {
		hs = p.settleLocked() // during a shutdown, the busy workers drain the ring
	}
	if r := p.ring.Load(); !open && r != nil && len(r.slot) > ringMin && len(p.idle) == p.workers {
		hs = append(hs, p.shrinkRingLocked()...)
	}
	var ds []doomed
	if len(p.doomed) > 0 {
		ds, p.doomed = p.doomed, nil
	}
	p.mu.Unlock()
	deliver(then)
	deliver(hs)
	return ds
}

// unsettledLocked reports whether tasks may be waiting while a worker could take them:
// tasks published in the ring (by submitters that saw it open a moment ago), or queued
// tasks while a worker idles or may start. The second happens when Stats, or a
// Shutdown that timed out, has moved the ring's tasks to the queue.
func (p *pool) unsettledLocked() bool {
	if r := p.ring.Load(); r != nil && r.ready() {
		return true
	}
	return p.q.len() > 0 && (len(p.idle) > 0 || p.workers < p.limitLocked())
}

// handoff is a claimed task for a worker, given after the lock is released: through
// the idle worker's channel, or by starting a new worker. A handoff with no task that
// does not start its worker tells that idle worker to exit.
type handoff struct {
	w     *worker
	t     task
	start bool
}

// settleLocked gives pending tasks, the queue's and then the ring's, to idle workers,
// then to new workers while the limit allows.
func (p *pool) settleLocked() []handoff {
	hs := p.handIdleLocked()
	if p.shutdown || p.broken != nil {
		return hs // no new workers
	}
	return p.growLocked(hs)
}

// handIdleLocked gives pending tasks to idle workers, the most recently idle first.
func (p *pool) handIdleLocked() []handoff {
	var hs []handoff
	for len(p.idle) > 0 {
		t, at := p.popLocked()
		if t == nil {
			break
		}
		w := p.popIdleLocked()
		p.startedLocked(w, t, at)
		hs = append(hs, handoff{w: w, t: t})
	}
	return hs
}

// deliver makes the hand-offs, without the lock.
func deliver(hs []handoff) {
	for _, h := range hs {
		if h.start {
			h.w.start(h.t)
		} else {
			h.w.wake <- h.t // never blocks: an idle worker's channel is empty
		}
	}
}

// sealRingLocked closes the ring and waits until every position claimed before is
// published: from then on it holds every task it will ever hold, and workers drain it
// (a shutdown lets them do so without the lock; see gateOpenLocked).
func (p *pool) sealRingLocked() {
	r := p.ring.Load()
	if r == nil {
		return
	}
	r.close()
	end := r.tail.Load() &^ ringClosed
	for pos := r.head.Load() &^ ringGated; pos < end; pos++ {
		// A slot of a position below end holds pos (claimed, not yet published), pos+1
		// (published) or pos+len (taken since); being closed, it is not claimed again.
		for s := &r.slot[pos&r.mask]; s.seq.Load() < pos+1; {
			runtime.Gosched()
		}
	}
}

// closeRingLocked closes the ring and moves every task submitted through it to the
// queue, so that ShutdownNow and breakage cancel or fail them like any queued task.
// The caller sets shutdown or broken, so its unlock stores fast false; until then a
// submitter that still sees it true finds the ring closed and takes the lock. (A
// graceful shutdown seals the ring instead: see sealRingLocked.)
func (p *pool) closeRingLocked() {
	r := p.ring.Load()
	if r == nil {
		return
	}
	r.close()
	p.quiesceLocked()
	p.absorbLocked(true)
}
