package futures

import "time"

// Stats is a snapshot of an executor's counters, taken at one instant under the
// executor's lock, so that its numbers agree with each other:
//
//	Submitted == Completed + Failed + Canceled + Rejected + Pending + Running
//
// Every count covers both Submit and Executor.Go, and tasks run by their submitter
// under the CallerRuns policy.
type Stats struct {
	Submitted int64 // tasks submitted, accepted or not
	Rejected  int64 // submissions refused: shut down, broken, queue full, or a Block wait that ended
	Started   int64 // tasks that began to run
	Completed int64 // tasks that returned a nil error
	Failed    int64 // tasks that returned an error or panicked, or that a broken executor dropped
	Panicked  int64 // tasks that panicked or called runtime.Goexit (also counted in Failed)
	Canceled  int64 // tasks canceled before they ran

	Pending int // accepted tasks waiting for a worker: the queue's length
	Running int // tasks running now

	Workers     int // worker goroutines alive
	IdleWorkers int // workers waiting for a task
	PeakWorkers int // the most workers alive at once
	MaxWorkers  int // the current maximum (see SetMaxWorkers)

	// QueueWait and RunTime add up the time tasks spent queued and running; divide
	// by Started and by Completed+Failed for averages. They stay zero unless timing
	// is on (WithTiming or WithHooks).
	QueueWait time.Duration
	RunTime   time.Duration
}

// Stats returns a consistent snapshot of the executor's counters. It takes the
// executor's lock briefly; counting costs the executor nothing beyond increments under
// the lock it takes anyway.
func (e *Executor) Stats() Stats {
	p := e.pool("Stats")
	p.mu.Lock()
	defer p.mu.Unlock()
	n := p.n
	return Stats{
		Submitted:   n.submitted,
		Rejected:    n.rejected,
		Started:     n.started,
		Completed:   n.completed,
		Failed:      n.failed,
		Panicked:    n.panicked,
		Canceled:    n.canceled,
		Pending:     n.pending,
		Running:     n.running,
		Workers:     p.live,
		IdleWorkers: len(p.idle),
		PeakWorkers: n.peakWorkers,
		MaxWorkers:  p.maxWorkers,
		QueueWait:   n.queueWait,
		RunTime:     n.runTime,
	}
}

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
	p.mu.Unlock()
	for _, w := range grown {
		w.start(w.first)
	}
	p.cancelDoomed()
	for _, w := range shrunk {
		w.wake <- nil
	}
	return nil
}
