package futures

import "time"

// Hooks are functions an executor calls around every task it runs on a worker, for
// metrics and tracing (Java's beforeExecute and afterExecute). Either may be nil.
// They run in the worker goroutine: BeforeTask just before the task starts, AfterTask
// just after its future is completed (so a waiter may already have its result). A hook
// that panics is recovered and logged through the executor's logger; the task and the
// executor are unaffected. A hook that calls [runtime.Goexit] ends its worker's
// goroutine, and the worker goes on in a new one; a task whose BeforeTask does so does
// not run, and its future finishes with a [*PanicError] matching [ErrGoexit]. Hooks
// must be safe for concurrent use, as workers call them at the same time.
type Hooks struct {
	BeforeTask func(TaskInfo)
	AfterTask  func(TaskInfo)
}

// TaskInfo describes a task to a hook.
type TaskInfo struct {
	Executor  string        // the executor's name
	Worker    int           // the number of the worker running the task
	QueueWait time.Duration // time from submission to start; 0 if the task went straight to a worker
	RunTime   time.Duration // AfterTask only: how long the task ran
	Err       error         // AfterTask only: the task's error (a *PanicError if it panicked)
}

// WithHooks sets hooks called around every task run by a worker (tasks run by their
// submitter under the CallerRuns policy are not hooked). Setting hooks turns on
// timing (see [WithTiming]). The default is no hooks, and then the executor pays
// nothing for them.
func WithHooks(h Hooks) Option {
	return optionFunc(func(o *options) {
		o.hooks = h
		o.timing = o.timing || h.BeforeTask != nil || h.AfterTask != nil
	})
}

// WithTiming makes the executor measure each task's queue wait and run time, for
// [Stats] and for hooks. It costs two or three clock readings per task (about 40 ns
// each on a typical x86 Linux machine), which is why it is off by default.
func WithTiming() Option {
	return optionFunc(func(o *options) { o.timing = true })
}

// taskStart returns the start time of the task w has just claimed, for the run-time
// measurement, and records its queue wait. Timing must be on (the caller checks, so
// that a task pays no call when it is off).
func (p *pool) taskStart(w *worker) int64 {
	start := p.now()
	w.wait = 0
	if w.curAt != 0 {
		w.wait = time.Duration(start - w.curAt)
	}
	return start
}

// beforeTask calls the BeforeTask hook, if any, for the task w has just claimed. Hooks
// turn timing on, so the caller skips it when timing is off. It is called where a
// runtime.Goexit in the hook fails the task.
func (p *pool) beforeTask(w *worker) {
	if h := p.hooks.BeforeTask; h != nil {
		p.callHook(h, TaskInfo{Executor: p.name, Worker: w.id, QueueWait: w.wait})
	}
}

// afterTask calls the AfterTask hook.
func (p *pool) afterTask(w *worker, o outcome) {
	if h := p.hooks.AfterTask; h != nil {
		p.callHook(h, TaskInfo{Executor: p.name, Worker: w.id, QueueWait: w.wait, RunTime: o.runTime, Err: o.err})
	}
}

func (p *pool) callHook(h func(TaskInfo), info TaskInfo) {
	defer func() {
		if r := recover(); r != nil {
			p.logger().Error("futures: task hook panicked", "executor", p.name, "panic", r, "stack", string(newPanicError(r, false).Stack))
		}
	}()
	h(info)
}
