package futures

import (
	"context"
	"log/slog"
	"runtime"
	"time"
)

// An Option configures an [Executor] made by [New]. When an option is given twice,
// the last one wins.
type Option interface {
	apply(*options)
}

type optionFunc func(*options)

func (f optionFunc) apply(o *options) { f(o) }

// options is the configuration New builds an executor from.
type options struct {
	maxWorkers int
	name       string
	init       func(context.Context) error
	logger     *slog.Logger
	onPanic    func(*PanicError)
	hooks      Hooks
	timing     bool
	keepAlive  time.Duration
	minWorkers int
	queueCap   int
	policy     FullPolicy
	errs       []error // invalid option values, reported by New
}

func defaultOptions() options {
	return options{maxWorkers: min(32, runtime.NumCPU()+4)}
}

// WithMaxWorkers sets the most workers that run tasks at once. It must be at least 1.
// The default is min(32, runtime.NumCPU()+4), as in Python 3.13. Workers start only
// when a task finds no idle worker, so an executor never runs more goroutines than its
// peak concurrency needs.
func WithMaxWorkers(n int) Option {
	return optionFunc(func(o *options) {
		if n < 1 {
			o.errs = append(o.errs, invalid("WithMaxWorkers(%d): the maximum number of workers must be at least 1", n))
			return
		}
		o.maxWorkers = n
	})
}

// WithName names the executor. The name labels its workers in goroutine profiles
// (pprof labels "executor" and "worker") and its log records. It must not be empty.
// The default is "futures-" followed by the executor's address.
func WithName(name string) Option {
	return optionFunc(func(o *options) {
		if name == "" {
			o.errs = append(o.errs, invalid("WithName(\"\"): the name must not be empty"))
			return
		}
		o.name = name
	})
}

// WithInitializer sets a function that each worker runs once, before its first task,
// with the executor's context (which ShutdownNow ends). As in CPython, a new worker
// runs it before it takes any task: the task it was started for waits in the queue
// meanwhile, pending (Cancel, its context's end and ShutdownNow cancel it), and goes to
// whichever worker is free first. If the initializer returns an error, panics or calls
// runtime.Goexit, the executor is broken for good: every queued task, the one that
// started the worker included, finishes with an error that matches [ErrBroken] and
// wraps the initializer's error, and so does every later submission. Tasks already
// running on other workers finish normally. The default is no initializer.
func WithInitializer(fn func(context.Context) error) Option {
	return optionFunc(func(o *options) {
		if fn == nil {
			o.errs = append(o.errs, invalid("WithInitializer(nil): the initializer must be a non-nil function"))
			return
		}
		o.init = fn
	})
}

// WithLogger sets the logger for what the executor cannot return to anyone: panicking
// done-callbacks, a failing initializer, and panics of fire-and-forget tasks. It must
// not be nil; pass slog.New(slog.DiscardHandler) to discard. The default is
// slog.Default(), looked up each time something is logged.
func WithLogger(l *slog.Logger) Option {
	return optionFunc(func(o *options) {
		if l == nil {
			o.errs = append(o.errs, invalid("WithLogger(nil): the logger must not be nil; use slog.New(slog.DiscardHandler) to discard"))
			return
		}
		o.logger = l
	})
}

// WithPanicHandler sets the function that receives the panics (and runtime.Goexit
// calls) of tasks started with [Executor.Go], which have no future to carry them. It
// runs in the worker goroutine after the task; to crash the program like a bare go
// statement would, panic in it. It must not be nil. By default such panics are logged
// at level Error, with their stack, through the executor's logger.
func WithPanicHandler(fn func(*PanicError)) Option {
	return optionFunc(func(o *options) {
		if fn == nil {
			o.errs = append(o.errs, invalid("WithPanicHandler(nil): the handler must be a non-nil function"))
			return
		}
		o.onPanic = fn
	})
}

// WithKeepAlive makes idle workers exit after d without work, down to the minimum set
// with [WithMinWorkers]; d must not be negative. The default, 0, keeps idle workers
// until Shutdown, as Python does: an idle worker costs a parked goroutine (a few KiB)
// and no CPU, and reusing it is cheaper than starting a new one. Set a keep-alive for
// executors whose load comes in bursts. Each worker owns its timer, armed only while it
// is idle; no background goroutine watches them.
func WithKeepAlive(d time.Duration) Option {
	return optionFunc(func(o *options) {
		if d < 0 {
			o.errs = append(o.errs, invalid("WithKeepAlive(%v): the keep-alive must not be negative; 0 keeps idle workers forever", d))
			return
		}
		o.keepAlive = d
	})
}

// WithMinWorkers sets how many idle workers never expire under [WithKeepAlive]. It
// must be between 0 and the maximum number of workers. Workers still start lazily; the
// minimum only stops them from exiting. The default is 0.
func WithMinWorkers(n int) Option {
	return optionFunc(func(o *options) {
		if n < 0 {
			o.errs = append(o.errs, invalid("WithMinWorkers(%d): the minimum number of workers must not be negative", n))
			return
		}
		o.minWorkers = n
	})
}
