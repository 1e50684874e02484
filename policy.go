package futures

import (
	"context"
	"errors"
	"strconv"
)

// FullPolicy says what a submission does when the executor's bounded queue is full
// and no worker can take the task (see [WithQueueSize]).
type FullPolicy int

const (
	// Block makes the submitter wait until there is room. Submit gives up when its
	// context ends, and its future is then canceled (its error matches
	// [ErrCanceled] and the context's cause), as when the context of a queued task
	// ends; Executor.Go waits until there is room or the executor shuts down.
	// Blocked submitters are signaled in the order they came, though a submission
	// that arrives as room is made may take it first.
	Block FullPolicy = iota
	// Reject refuses the task at once: its future finishes with [ErrQueueFull], and
	// Executor.Go returns it.
	Reject
	// CallerRuns runs the task in the submitting goroutine, before Submit or Go
	// returns (Java's CallerRunsPolicy). This slows submitters down to the speed of
	// the workers.
	CallerRuns
	// DiscardOldest cancels the oldest pending task to make room: its future's
	// error matches [ErrCanceled] and [ErrDiscarded] (a fire-and-forget task is
	// dropped).
	DiscardOldest
)

// String returns the policy's name, such as "Block".
func (p FullPolicy) String() string {
	switch p {
	case Block:
		return "Block"
	case Reject:
		return "Reject"
	case CallerRuns:
		return "CallerRuns"
	case DiscardOldest:
		return "DiscardOldest"
	}
	return "FullPolicy(" + strconv.Itoa(int(p)) + ")"
}

var (
	// ErrQueueFull is the error of a task refused by the [Reject] policy.
	ErrQueueFull = errors.New("futures: queue is full")
	// ErrDiscarded is the cause of the cancellation of a pending task discarded by
	// the [DiscardOldest] policy to make room for a newer one.
	ErrDiscarded = errors.New("futures: discarded to make room in a full queue")
)

// errCallerRuns tells the submitter to run the task itself.
var errCallerRuns = errors.New("futures: caller runs")

// WithQueueSize bounds the number of pending tasks (queued, not yet started, not
// canceled) to n, which must be at least 1; policy says what a submission does when
// the queue is full and every worker is busy. A submission that starts a worker is
// accepted even when the queue is full; with [WithInitializer] its task waits in the
// queue while the worker initializes, so the queue can hold one task more than n per
// worker starting. The default is an unbounded queue, as in Python; a bounded queue
// costs nothing more per task.
func WithQueueSize(n int, policy FullPolicy) Option {
	return optionFunc(func(o *options) {
		if n < 1 {
			o.errs = append(o.errs, invalid("WithQueueSize(%d, %v): the queue size must be at least 1; omit the option for an unbounded queue", n, policy))
			return
		}
		if policy < Block || policy > DiscardOldest {
			o.errs = append(o.errs, invalid("WithQueueSize(%d, %v): the policy must be Block, Reject, CallerRuns or DiscardOldest", n, policy))
			return
		}
		o.queueCap, o.policy = n, policy
	})
}

// submitter is a submission blocked on a full queue.
type submitter struct {
	ready chan struct{} // one slot; signaled when there may be room
}

// waitForRoomLocked blocks, with p.mu released meanwhile, until there may be room in
// the queue or ctx ends. It returns with p.mu held; the error is ctx's.
func (p *pool) waitForRoomLocked(ctx context.Context) error {
	s := &submitter{ready: make(chan struct{}, 1)}
	p.full = append(p.full, s)
	p.mu.Unlock()
	var done <-chan struct{}
	if ctx != nil {
		done = ctx.Done()
	}
	select {
	case <-s.ready:
		p.mu.Lock()
		return nil
	case <-done:
	}
	p.mu.Lock()
	for i, x := range p.full {
		if x == s {
			copy(p.full[i:], p.full[i+1:])
			p.full[len(p.full)-1] = nil
			p.full = p.full[:len(p.full)-1]
			return ctx.Err()
		}
	}
	// We were signaled as ctx ended: pass the room on to the next in line.
	p.roomLocked()
	return ctx.Err()
}

// roomLocked signals the oldest blocked submitter that a pending task left the queue.
func (p *pool) roomLocked() {
	if len(p.full) == 0 {
		return
	}
	s := p.full[0]
	copy(p.full, p.full[1:])
	p.full[len(p.full)-1] = nil
	p.full = p.full[:len(p.full)-1]
	s.ready <- struct{}{}
}

// wakeAllSubmittersLocked wakes every blocked submitter, to find the executor shut
// down or broken.
func (p *pool) wakeAllSubmittersLocked() {
	for len(p.full) > 0 {
		p.roomLocked()
	}
}

// discardOldestLocked removes the oldest pending task from the queue for the
// DiscardOldest policy and counts it canceled. It returns a future to cancel after
// the lock is released, or nil.
func (p *pool) discardOldestLocked() task {
	for {
		t, _ := p.q.pop()
		if t == nil {
			return nil
		}
		if !t.disown() {
			continue // canceled already, and counted
		}
		p.n.pending--
		p.n.canceled++
		if _, ok := t.(goTask); ok {
			return nil
		}
		return t
	}
}
