package futures

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
)

// Sentinel errors, matched with [errors.Is].
var (
	// ErrShutdown is the error of a future submitted after Shutdown or ShutdownNow
	// (Python's RuntimeError "cannot schedule new futures after shutdown"). It is also
	// the cause of the cancellations that ShutdownNow makes.
	ErrShutdown = errors.New("futures: executor is shut down")

	// ErrBroken marks an executor whose initializer failed (Python's BrokenThreadPool).
	// Errors that match it also wrap the initializer's error.
	ErrBroken = errors.New("futures: executor is broken: a worker initializer failed")

	// ErrCanceled is matched by the error of every future that was canceled before it
	// ran (Python's CancelledError). Such errors match [context.Canceled] too, so either
	// check works, and when a context caused the cancellation they also match that
	// context's cause.
	ErrCanceled = errors.New("futures: canceled")

	// ErrInvalidState is matched by the error of completing a [Promise] that is already
	// done (Python's InvalidStateError).
	ErrInvalidState = errors.New("futures: invalid state")

	// ErrInvalid is matched by every error about bad input: a nil function, executor,
	// context or future, or an invalid option value. The error's text names the problem.
	ErrInvalid = errors.New("futures: invalid argument")

	// ErrGoexit is matched by the error of a task that called [runtime.Goexit]; the
	// error is a [*PanicError] whose Goexit field is true.
	ErrGoexit = errors.New("futures: task called runtime.Goexit")
)

// invalid returns an error that matches [ErrInvalid] and says what was wrong.
func invalid(format string, args ...any) error {
	return &invalidError{msg: fmt.Sprintf(format, args...)}
}

type invalidError struct{ msg string }

func (e *invalidError) Error() string        { return "futures: " + e.msg }
func (e *invalidError) Is(target error) bool { return target == ErrInvalid }

// canceledError is the error of a future canceled before it ran. cause is the reason
// given by a context or by ShutdownNow, or nil for a plain [Future.Cancel].
type canceledError struct{ cause error }

// errCanceled is the error of every future canceled by [Future.Cancel]; it is
// immutable, so sharing it costs nothing.
var errCanceled error = &canceledError{}

func (e *canceledError) Error() string {
	if e.cause == nil {
		return ErrCanceled.Error()
	}
	return ErrCanceled.Error() + ": " + e.cause.Error()
}

func (e *canceledError) Is(target error) bool {
	return target == ErrCanceled || target == context.Canceled
}

func (e *canceledError) Unwrap() error { return e.cause }

// canceledBy returns the error of a future canceled for the given cause.
func canceledBy(cause error) error {
	if cause == nil || cause == context.Canceled {
		return errCanceled
	}
	return &canceledError{cause: cause}
}

// PanicError is the error of a task that panicked or called [runtime.Goexit]. The
// worker that ran the task survives either way. Match it with [errors.As].
type PanicError struct {
	// Value is the value passed to panic; nil when Goexit is true.
	Value any
	// Stack is the task goroutine's stack at the moment of the panic or Goexit.
	Stack []byte
	// Goexit reports that the task called runtime.Goexit (for example through
	// testing.T.FailNow) instead of panicking.
	Goexit bool
}

func newPanicError(v any, goexit bool) *PanicError {
	return &PanicError{Value: v, Stack: debug.Stack(), Goexit: goexit}
}

// Error returns the panic value and the stack, as an unrecovered panic would print them.
func (e *PanicError) Error() string {
	if e.Goexit {
		return fmt.Sprintf("%s\n\ngoroutine stack:\n%s", ErrGoexit.Error(), e.Stack)
	}
	return fmt.Sprintf("futures: task panicked: %v\n\ngoroutine stack:\n%s", e.Value, e.Stack)
}

// Is reports whether target is [ErrGoexit] and the task called Goexit.
func (e *PanicError) Is(target error) bool { return e.Goexit && target == ErrGoexit }

// Unwrap returns the panic value if it is an error, so that errors.Is and errors.As
// see through a panic(err).
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

// brokenError is the error of futures refused or drained by a broken executor.
type brokenError struct{ cause error }

func (e *brokenError) Error() string        { return ErrBroken.Error() + ": " + e.cause.Error() }
func (e *brokenError) Is(target error) bool { return target == ErrBroken }
func (e *brokenError) Unwrap() error        { return e.cause }
