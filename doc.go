// Package futures runs tasks on a pool of worker goroutines and gives you a typed
// [Future] for each: Python's concurrent.futures.ThreadPoolExecutor, in Go, with
// contexts, iterators and production controls.
//
//	ex, err := futures.New(futures.WithMaxWorkers(8))
//	if err != nil { ... }
//	defer ex.Close() // like `with ThreadPoolExecutor() as ex:`
//
//	f := futures.Submit(ctx, ex, func(ctx context.Context) (int, error) { return 6 * 7, nil })
//	v, err := f.Result(ctx) // ctx bounds the wait, not the task
//
//	for f, err := range futures.AsCompleted(ctx, fs...) { ... }
//	for v, err := range futures.Map(ctx, ex, inputs, fn) { ... } // ordered, lazy, bounded
//	done, notDone := futures.Wait(ctx, futures.FirstCompleted, fs...)
//
// # From Python to Go
//
//	Python                                     Go
//	ThreadPoolExecutor(max_workers=8)          futures.New(futures.WithMaxWorkers(8))
//	thread_name_prefix="x"                     futures.WithName("x") (pprof labels)
//	initializer=f, initargs=(...)              futures.WithInitializer(func(ctx) error)
//	ex.submit(fn, *args)                       futures.Submit(ctx, ex, func(ctx) (T, error))
//	(a submit whose result nobody reads)       ex.Go(func(ctx))
//	f.result(timeout)                          f.Result(ctx) (a ctx with a deadline)
//	f.exception(timeout)                       f.Err(ctx)
//	f.cancel(), f.cancelled()                  f.Cancel(), f.Canceled()
//	f.running(), f.done()                      f.Running(), f.IsDone(); f.Done() is a channel
//	f.add_done_callback(fn)                    f.AddDoneCallback(func(*Future[T]))
//	Future(); set_result; set_exception        NewPromise[T](); SetResult; SetError
//	wait(fs, timeout, FIRST_COMPLETED)         futures.Wait(ctx, futures.FirstCompleted, fs...)
//	as_completed(fs, timeout)                  futures.AsCompleted(ctx, fs...)
//	ex.map(fn, it, timeout, buffersize=n)      futures.Map(ctx, ex, seq, fn, futures.Window(n))
//	ex.shutdown(wait=True)                     ex.Shutdown(ctx) or ex.Close()
//	ex.shutdown(wait=False)                    ex.Shutdown(canceledCtx): begins, does not wait
//	ex.shutdown(cancel_futures=True)           ex.ShutdownNow(ctx)
//	CancelledError                             errors.Is(err, futures.ErrCanceled)
//	TimeoutError                               ctx.Err(): context.DeadlineExceeded
//	BrokenThreadPool                           errors.Is(err, futures.ErrBroken)
//	RuntimeError after shutdown                errors.Is(err, futures.ErrShutdown)
//	RuntimeError: shutdown(wait) in a worker   ex.Shutdown(taskCtx): errors.Is(err, futures.ErrInvalid)
//	InvalidStateError                          errors.Is(err, futures.ErrInvalidState)
//	an exception raised by the task            the task's error, or a *PanicError
//
// # Where this package differs from CPython, on purpose
//
//   - A canceled future is done for everyone at once: Wait and AsCompleted see it
//     immediately, including after ShutdownNow (CPython's wait can hang: gh-109934).
//   - Done-callbacks never run under an executor lock, so they may call Submit or
//     Shutdown on the same executor (CPython deadlocks).
//   - A worker counts as idle before its task's future completes, so a sequential
//     Submit-then-Result loop uses exactly one worker (a future with done-callbacks
//     runs them first, while its worker still counts as busy, so that a callback that
//     submits work and waits for it gets another worker).
//   - A task that waits, with its own context, on a future of its own executor makes
//     the executor run one more worker while it waits, instead of deadlocking.
//   - Shutdown returns only when every worker goroutine has exited.
//   - Contexts replace timeouts: a submit context that ends cancels the pending task
//     at once, and a running task sees it end; ShutdownNow ends the running tasks'
//     contexts too.
//   - Map reads its input lazily with a bounded window, yields an error per failed
//     element and goes on (CPython main's behaviour, gh-108518), and can yield in
//     completion order.
//   - A panic or runtime.Goexit in a task finishes its future with a [*PanicError];
//     the worker survives.
//
// # Goroutines and lifetime
//
// No goroutine starts at import, in [New], or in the background. Workers start lazily,
// one per submission at most and only when no worker is idle, up to the maximum; they
// carry runtime/pprof labels "executor" and "worker". [Executor.Shutdown] returns
// once every worker has exited. An executor that becomes unreachable without being
// shut down shuts itself down (runtime.AddCleanup), like CPython's: queued work still
// runs, then its workers exit. A Go program ends when main returns, and its tasks with
// it, queued or running: unlike CPython's interpreter, which joins the workers at
// exit, nothing waits for them. Call [Executor.Shutdown] (or Close) before main
// returns to let them finish.
//
// # Errors and panics
//
// A submission that is refused returns a future already finished with the reason, so
// no error is lost. Bad input (a nil function, context, executor or future, an invalid
// option) gives an error matching [ErrInvalid] that names the problem; the calls that
// return no error ([Wait] with a nil context or an invalid mode, AddDoneCallback with a
// nil future or function) panic with a message that names it instead. Panics of
// fire-and-forget tasks ([Executor.Go]) go to [WithPanicHandler], or else are logged
// at level Error; they are never swallowed silently.
//
// # Production controls
//
// A bounded queue with a full-queue policy ([WithQueueSize]: Block, Reject,
// CallerRuns, DiscardOldest), resizing at run time ([Executor.SetMaxWorkers]),
// keep-alive for idle workers ([WithKeepAlive], [WithMinWorkers]), consistent
// counters ([Executor.Stats]), and hooks around every task ([WithHooks]). Each costs
// nothing measurable when unused.
//
// # Cost
//
// [Submit] allocates one object, the future, which is also the queue entry (64 bytes
// for an int64 result); [Executor.Go] allocates nothing. While every worker is busy,
// submitters and workers pass tasks through a lock-free ring and none of them takes
// the executor's lock; a worker completes a future that nothing waits on without
// locking it. An idle worker gets a task through its own channel. BENCHMARKS.md in the
// repository measures every workload of the design against a bare buffered channel and
// the other Go pools, side by side.
package futures
