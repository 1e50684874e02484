package futures_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofutures/futures"
)

// Tests in this package must not call t.Parallel: every test checks that it leaves no
// goroutine behind, and a parallel test's goroutines would look like leaks.

// TestMain runs the tests, then fails if any goroutine of this module is still alive.
func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 {
		if leaks := waitForLeaks(nil, 10*time.Second); len(leaks) > 0 {
			fmt.Fprintf(os.Stderr, "goroutines left behind after all tests:\n\n%s\n", strings.Join(leaks, "\n\n"))
			code = 1
		}
	}
	os.Exit(code)
}

// checkLeaks makes t fail if, when it ends, a goroutine started during t is still
// alive. Goroutines get a few seconds to finish exiting.
func checkLeaks(t testing.TB) {
	t.Helper()
	before := goroutineIDs()
	t.Cleanup(func() {
		if leaks := waitForLeaks(before, 5*time.Second); len(leaks) > 0 {
			t.Errorf("%d goroutines left behind:\n\n%s", len(leaks), strings.Join(leaks, "\n\n"))
		}
	})
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

// waitForLeaks returns the stacks of goroutines not in before (nil: any but this
// one and the testing framework's) that stay alive for up to d.
func waitForLeaks(before map[string]bool, d time.Duration) []string {
	deadline := time.Now().Add(d)
	for {
		leaks := newGoroutines(before)
		if len(leaks) == 0 || time.Now().After(deadline) {
			return leaks
		}
		time.Sleep(10 * time.Millisecond) // polling for exits, not synchronizing test steps
	}
}

func goroutineIDs() map[string]bool {
	ids := make(map[string]bool)
	for _, g := range allStacks() {
		ids[goroutineID(g)] = true
	}
	return ids
}

func newGoroutines(before map[string]bool) []string {
	var out []string
	self := goroutineID(string(stackOfSelf()))
	for _, g := range allStacks() {
		id := goroutineID(g)
		if id == self || before[id] || ignorable(g) {
			continue
		}
		out = append(out, g)
	}
	return out
}

// ignorable reports goroutines that belong to the runtime or the testing framework.
func ignorable(g string) bool {
	for _, s := range []string{
		"testing.(*T).Run(", "testing.(*M).", "testing.tRunner(", "testing.runTests",
		"runtime.goexit0", "os/signal.signal_recv", "runtime.ensureSigM",
		"testing.(*F).Fuzz", "internal/fuzz.",
	} {
		if strings.Contains(g, s) {
			return true
		}
	}
	return false
}

func allStacks() []string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	var out []string
	for _, g := range bytes.Split(buf, []byte("\n\n")) {
		if s := strings.TrimSpace(string(g)); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func stackOfSelf() []byte {
	buf := make([]byte, 64)
	return buf[:runtime.Stack(buf, false)]
}

// goroutineID returns N from a stack that begins "goroutine N [".
func goroutineID(stack string) string {
	s := strings.TrimPrefix(stack, "goroutine ")
	if i := strings.IndexByte(s, ' '); i >= 0 {
		return s[:i]
	}
	return s
}
