package futures_test

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/gofutures/futures"
	"github.com/gofutures/futures/internal/leaktest"
)

// Tests in this package must not call t.Parallel: every test checks that it leaves no
// goroutine behind, and a parallel test's goroutines would look like leaks.

// TestMain runs the tests, then fails if any goroutine is still alive.
func TestMain(m *testing.M) { os.Exit(leaktest.Run(m)) }

// checkLeaks makes t fail if, when it ends, a goroutine started during t is still
// alive.
func checkLeaks(t testing.TB) {
	t.Helper()
	leaktest.Check(t)
}

// leakChecked records the tests whose leak check newExecutor has registered.
var leakChecked sync.Map

// newExecutor returns an executor that is shut down, and checked for leaked
// goroutines, when t ends.
func newExecutor(t testing.TB, opts ...futures.Option) *futures.Executor {
	t.Helper()
	if _, checked := leakChecked.LoadOrStore(t, true); !checked {
		// Once per test: the first cleanup registered runs last, after every
		// executor of the test is shut down.
		checkLeaks(t)
	}
	ex, err := futures.New(opts...)
	if err != nil {
		t.Fatalf("futures.New: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := ex.ShutdownNow(ctx); err != nil {
			t.Errorf("cleanup: ShutdownNow: %v", err)
		}
		if n := ex.Workers(); n != 0 {
			t.Errorf("cleanup: Workers() = %d after ShutdownNow; want 0", n)
		}
	})
	return ex
}
