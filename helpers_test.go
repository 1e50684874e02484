package futures_test

import (
	"bytes"
	"context"
	"sync"

	"github.com/gofutures/futures/internal/leaktest"
)

// Helpers shared by the test files. Each file keeps the helpers only it uses, with a
// prefix of its own (ex, flt, fut, cf, mdl).

// endedCtx returns a context that has already ended: Python's timeout=0, a poll.
func endedCtx() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}

// syncBuffer is a bytes.Buffer safe for the concurrent writes of a logger.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// currentGoroutineID returns the calling goroutine's id, from its stack.
func currentGoroutineID() string { return leaktest.CurrentID() }

// emptyError is an error whose zero value looks empty, like a Python exception whose
// truth value is false: a task returning it has still failed.
type emptyError struct{}

func (emptyError) Error() string { return "" }

// ptrError is an error type whose nil pointer is a non-nil error with no message.
type ptrError struct{ msg string }

func (e *ptrError) Error() string {
	if e == nil {
		return ""
	}
	return e.msg
}
