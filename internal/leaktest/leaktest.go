// Package leaktest checks that tests leave no goroutine behind. It is this module's
// own small take on goleak, so that the library keeps no dependency: the futures
// tests and parx's tests both use it.
package leaktest

import (
	"bytes"
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// Run runs the tests of m, then reports failure if any goroutine other than the
// testing framework's is still alive after a grace period. Use it from TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(leaktest.Run(m)) }
//
// Tests checked this way must not call t.Parallel: another test's goroutines would
// look like leaks.
func Run(m *testing.M) int {
	code := m.Run()
	if code == 0 {
		if leaks := Wait(nil, 10*time.Second); len(leaks) > 0 {
			fmt.Fprintf(os.Stderr, "goroutines left behind after all tests:\n\n%s\n", strings.Join(leaks, "\n\n"))
			code = 1
		}
	}
	return code
}

// Check makes t fail if, when it ends, a goroutine started during t is still alive.
// Goroutines get a few seconds to finish exiting. Call it first in a test, so that
// its check runs after the test's other cleanups.
func Check(t testing.TB) {
	t.Helper()
	before := IDs()
	t.Cleanup(func() {
		if leaks := Wait(before, 5*time.Second); len(leaks) > 0 {
			t.Errorf("%d goroutines left behind:\n\n%s", len(leaks), strings.Join(leaks, "\n\n"))
		}
	})
}

// Wait returns the stacks of the goroutines not in before (nil: all but the caller
// and the testing framework's) that are still alive after up to d.
func Wait(before map[string]bool, d time.Duration) []string {
	deadline := time.Now().Add(d)
	for {
		leaks := newGoroutines(before)
		if len(leaks) == 0 || time.Now().After(deadline) {
			return leaks
		}
		time.Sleep(10 * time.Millisecond) // polling for exits, not synchronizing test steps
	}
}

// IDs returns the ids of the goroutines alive now.
func IDs() map[string]bool {
	ids := make(map[string]bool)
	for _, g := range Stacks() {
		ids[ID(g)] = true
	}
	return ids
}

func newGoroutines(before map[string]bool) []string {
	var out []string
	self := CurrentID()
	for _, g := range Stacks() {
		id := ID(g)
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

// Stacks returns the stack of every goroutine, one string each.
func Stacks() []string {
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

// CurrentID returns the calling goroutine's id.
func CurrentID() string {
	buf := make([]byte, 64)
	return ID(string(buf[:runtime.Stack(buf, false)]))
}

// ID returns N from a stack that begins "goroutine N [".
func ID(stack string) string {
	s := strings.TrimPrefix(stack, "goroutine ")
	if i := strings.IndexByte(s, ' '); i >= 0 {
		return s[:i]
	}
	return s
}
