package futures

// Promise is a future that its creator completes, for bridging callback APIs into
// futures and for tests (Python's bare Future with set_result and set_exception).
// A Promise is safe for concurrent use. Its zero value is a pending promise, as
// NewPromise returns; a Promise must not be copied.
type Promise[T any] struct {
	f Future[T]
}

// NewPromise returns a pending promise. It costs one allocation.
func NewPromise[T any]() *Promise[T] { return new(Promise[T]) }

// Future returns the promise's future. It is the same future on every call.
func (p *Promise[T]) Future() *Future[T] { return &p.f }

// SetRunning marks the promise's future as running, so that [Future.Cancel] fails from
// now on (Python's set_running_or_notify_cancel). It reports whether the future is
// running afterwards: true if it was pending or already running, false, changing
// nothing, if it was canceled or is already finished.
func (p *Promise[T]) SetRunning() bool {
	return p.f.claim() || p.f.loadState() == Running
}

// SetResult completes the future with v. Completing a done future is an error that
// matches [ErrInvalidState] and leaves the future unchanged. Waiters wake and the
// done-callbacks run in the calling goroutine before SetResult returns.
func (p *Promise[T]) SetResult(v T) error {
	if !p.f.finish(v, nil) {
		return p.stateError()
	}
	return nil
}

// SetError completes the future with err, which must not be nil. Completing a done
// future is an error that matches [ErrInvalidState] and leaves the future unchanged.
func (p *Promise[T]) SetError(err error) error {
	if err == nil {
		return invalid("Promise.SetError called with a nil error; use SetResult for success")
	}
	if !p.f.finish(*new(T), err) {
		return p.stateError()
	}
	return nil
}

func (p *Promise[T]) stateError() error {
	return &stateError{desc: p.f.String()}
}

type stateError struct{ desc string }

func (e *stateError) Error() string        { return "futures: future is already done: " + e.desc }
func (e *stateError) Is(target error) bool { return target == ErrInvalidState }
