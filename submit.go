package futures

import "context"

// Submit schedules fn to run on e and returns its future (Python's submit). It never
// returns nil: a submission that is refused returns a future already finished with
// the reason, so no error is lost and the future composes with [Wait], [AsCompleted]
// and [Map]. The reasons are [ErrShutdown], [ErrBroken], and [ErrInvalid] for a nil
// context, executor or function.
//
// fn runs with a context derived from ctx: it carries ctx's values and deadline, and
// it ends when ctx ends or when [Executor.ShutdownNow] is called. If ctx ends while the
// task is still queued, the future is canceled at once (its error matches
// [ErrCanceled] and ctx's cause) and fn never runs. With a bounded queue that is full,
// Submit follows the executor's [FullPolicy]; under Block, ctx also bounds the wait for
// room, and if it ends first the future is canceled in the same way.
//
// Like [Executor.Go], Submit never waits for room in the default, unbounded queue, but
// yields the processor once when thousands of tasks are already queued, or when it
// starts a worker while the one started before has not yet begun to run.
//
// Cost: with ctx = context.Background() or context.TODO(), one allocation (the future,
// which also serves as the queue entry); a context that can end or carries values
// adds a few allocations, to link the task to it. While every worker is busy, neither
// Submit nor the worker that takes the task takes a lock (see Go), and a worker
// completes a future that nothing waits on without locking it. On the 2-core machine
// of BENCHMARKS.md (medians of the four latest table runs), a million Submit calls
// followed by a Result on each cost 123–149 ns per task on two workers, 1.54–2.39 times
// a buffered channel feeding closures that store their results, and 18–23% of what
// pond's futures cost; on 64 workers, 187–193 ns, 1.37–1.60 times the channel.
func Submit[T any](ctx context.Context, e *Executor, fn func(ctx context.Context) (T, error)) *Future[T] {
	f := &Future[T]{fn: fn}
	switch {
	case ctx == nil:
		f.abort(invalid("Submit called with a nil context.Context"))
		return f
	case e == nil:
		f.abort(invalid("Submit called with a nil *Executor"))
		return f
	case fn == nil:
		f.abort(invalid("Submit called with a nil function"))
		return f
	}
	p := e.p
	if !f.bind(ctx, p) {
		p.canceledAtSubmit()
		return f
	}
	switch err := p.submit(ctx, f); err {
	case nil:
	case errCallerRuns:
		f.runInline(p)
	default:
		f.abort(err)
	}
	return f
}
