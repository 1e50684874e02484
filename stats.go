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
	Rejected  int64 // submissions refused: shut down, broken, or queue full
	Started   int64 // tasks that began to run
	Completed int64 // tasks that returned a nil error
	Failed    int64 // tasks that returned an error or panicked, or that a broken executor dropped
	Panicked  int64 // tasks that panicked or called runtime.Goexit (also counted in Failed)
	Canceled  int64 // tasks canceled before they ran (also a Block wait for room that its context ended)

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

// Stats returns a consistent snapshot of the executor's counters. Counting costs the
// executor nothing beyond increments, under its lock or in each worker's own counts.
// Stats takes the lock briefly, and while it holds it stops the workers' lock-free
// path (see fast.go): it waits a few instructions for each worker that is taking a task
// to finish counting it, adds up the workers' counts, and moves the tasks submitted
// through the lock-free ring to the queue. Its cost grows with the number of workers
// and of tasks in flight, and a busy executor's workers take the lock until they have
// emptied the queue: call Stats to monitor, not once per task.
func (e *Executor) Stats() Stats {
	p := e.pool("Stats")
	p.mu.Lock()
	defer p.unlock()
	p.quiesceLocked()    // count what workers took through the ring
	p.absorbLocked(true) // and what is still in it
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

// counts are the executor's statistics; see Stats.
type counts struct {
	submitted, started, completed, failed, panicked, canceled, rejected int64
	pending, running, peakWorkers                                       int
	queueWait, runTime                                                  time.Duration
}

// count counts the outcome of a task that was running.
func (n *counts) count(o outcome) {
	n.running--
	switch {
	case !o.ran:
		n.started--
		n.canceled++
	case o.err != nil:
		n.failed++
		if o.panicked {
			n.panicked++
		}
	default:
		n.completed++
	}
	n.runTime += o.runTime
}

// add adds the counts of d, which are changes rather than levels (a worker's own
// counts, see foldLocked): all but peakWorkers.
func (n *counts) add(d *counts) {
	n.submitted += d.submitted
	n.started += d.started
	n.completed += d.completed
	n.failed += d.failed
	n.panicked += d.panicked
	n.canceled += d.canceled
	n.rejected += d.rejected
	n.pending += d.pending
	n.running += d.running
	n.queueWait += d.queueWait
	n.runTime += d.runTime
}

// leftPending counts a future of this executor that left the pending state without
// running: canceled (by Cancel, its context, ShutdownNow or DiscardOldest) or failed
// (by a broken executor). It is called by the future after the transition, under the
// future's lock, so it takes nothing but the pool's lock (and releases it plainly: it
// changes nothing unlock publishes).
func (p *pool) leftPending(c *core, st State) {
	p.mu.Lock()
	p.forgetLocked(c.flags.And(^uint32(flagAccepted))&flagAccepted != 0, st)
	p.mu.Unlock()
}

// forgetLocked counts a pending task that ended without running, in state st, if
// counted says the pool still counted it as pending. The future's canceler and the
// worker that finds it in the queue both call it, and whichever clears the future's
// accepted flag first counts it.
func (p *pool) forgetLocked(counted bool, st State) {
	if !counted {
		return
	}
	p.n.pending--
	if st == Canceled {
		p.n.canceled++
	} else {
		p.n.failed++
	}
	p.roomLocked()
}

// canceledAtSubmit counts a submission whose context had already ended.
func (p *pool) canceledAtSubmit() {
	p.mu.Lock()
	p.n.submitted++
	p.n.canceled++
	p.mu.Unlock()
}
