package futures_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/gofutures/futures"
)

// fuzzMapCase is one Map run decoded from fuzz input.
type fuzzMapCase struct {
	n         int    // number of inputs, 0..200
	window    int    // Window(window), 1..16
	workers   int    // WithMaxWorkers(workers), 1..8
	unordered bool   // Unordered()
	breakAt   int    // break after the step with this index; -1: never
	fail      []bool // fail[i]: fn fails for input i
}

// decodeFuzzMap reads a case from data: byte 0 the number of inputs, 1 the window,
// 2 the workers, 3 flags (bit 0 unordered, bit 1 break), 4 the break position, and
// the rest a bitmap of the failing inputs. Missing bytes read as 0.
func decodeFuzzMap(data []byte) fuzzMapCase {
	at := func(i int) int {
		if i < len(data) {
			return int(data[i])
		}
		return 0
	}
	c := fuzzMapCase{
		n:         at(0) % 201,
		window:    1 + at(1)%16,
		workers:   1 + at(2)%8,
		unordered: at(3)&1 != 0,
		breakAt:   -1,
	}
	if at(3)&2 != 0 && c.n > 0 {
		c.breakAt = at(4) % c.n
	}
	bitmap := data[min(5, len(data)):]
	c.fail = make([]bool, c.n)
	for i := range c.fail {
		c.fail[i] = i/8 < len(bitmap) && bitmap[i/8]>>(i%8)&1 == 1
	}
	return c
}

// fuzzMapError is the error of a failing input.
type fuzzMapError struct{ i int }

func (e fuzzMapError) Error() string { return fmt.Sprintf("input %d fails", e.i) }

// fuzzMapOut is the result for input I.
type fuzzMapOut struct{ I, V int }

func fuzzMapValue(i int) int { return i*i + 1 }

// FuzzMap checks Map's order, completeness, window bound and early exit across
// random sizes, windows, worker counts, failures and break points.
func FuzzMap(f *testing.F) {
	for _, seed := range [][]byte{
		{},                                   // no input
		{1, 0, 0, 0},                         // one input, Window(1), one worker
		{10, 2, 1, 0, 0, 0x04},               // input 2 fails
		{10, 2, 1, 1, 0, 0x04},               // the same, unordered
		{200, 15, 7, 0, 0, 0xff, 0, 0x81},    // many inputs, failures, wide window
		{200, 15, 7, 1, 0, 0x0f, 0xf0},       // unordered
		{50, 3, 7, 2, 10, 0x01},              // break at step 10
		{50, 3, 7, 3, 10, 0x01},              // unordered, break at step 10
		{50, 0, 7, 2, 0},                     // Window(1), break at the first step
		{7, 15, 0, 3, 6, 0x7f},               // all fail, break at the last step
		{100, 7, 2, 2, 99, 0x55, 0x55, 0x55}, // break at the last step
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c := decodeFuzzMap(data)
		ex := newExecutor(t, futures.WithMaxWorkers(c.workers))

		var mu sync.Mutex // guards the fields below
		starts := make([]int, c.n)
		liveStarts, deadStarts := 0, 0 // tasks that started with their context alive, or ended
		inflight, peak := 0, 0         // started and not yet yielded

		fn := func(ctx context.Context, i int) (fuzzMapOut, error) {
			mu.Lock()
			starts[i]++
			if ctx.Err() == nil {
				liveStarts++
			} else {
				deadStarts++
			}
			inflight++
			peak = max(peak, inflight)
			mu.Unlock()
			if c.fail[i] {
				return fuzzMapOut{}, fuzzMapError{i}
			}
			return fuzzMapOut{i, fuzzMapValue(i)}, nil
		}
		reads := 0
		inputs := func(yield func(int) bool) {
			for i := range c.n {
				reads++
				if !yield(i) {
					return
				}
			}
		}
		var opts []futures.MapOption
		opts = append(opts, futures.Window(c.window))
		if c.unordered {
			opts = append(opts, futures.Unordered())
		}
		call := fmt.Sprintf("Map(ctx, ex %d workers, 0..%d, Window(%d), unordered=%v, break at %d)", c.workers, c.n-1, c.window, c.unordered, c.breakAt)

		steps := 0
		yielded := make([]int, c.n)
		for out, err := range futures.Map(context.Background(), ex, inputs, fn, opts...) {
			if reads-steps > c.window {
				t.Errorf("%s: %d inputs read and %d steps before step %d; want at most %d in flight", call, reads, steps, steps, c.window)
			}
			i := out.I
			var fe fuzzMapError
			switch {
			case err == nil:
				if i < 0 || i >= c.n || c.fail[i] || out.V != fuzzMapValue(i) {
					t.Fatalf("%s: step %d = %+v, nil; want a result of a non-failing input", call, steps, out)
				}
			case errors.As(err, &fe):
				i = fe.i
				if i < 0 || i >= c.n || !c.fail[i] || out != (fuzzMapOut{}) {
					t.Fatalf("%s: step %d = %+v, %v; want the error of a failing input, and a zero result", call, steps, out, err)
				}
			default:
				t.Fatalf("%s: step %d = %+v, %v; want a result or a failing input's error", call, steps, out, err)
			}
			if !c.unordered && i != steps {
				t.Fatalf("%s: step %d is for input %d; want input %d (input order)", call, steps, i, steps)
			}
			yielded[i]++
			if yielded[i] > 1 {
				t.Fatalf("%s: input %d yielded twice", call, i)
			}
			mu.Lock()
			inflight--
			mu.Unlock()
			steps++
			if steps-1 == c.breakAt {
				break
			}
		}
		mu.Lock()
		liveAtExit := liveStarts
		mu.Unlock()

		if c.breakAt < 0 {
			if steps != c.n || reads != c.n {
				t.Errorf("%s = %d steps, %d inputs read; want %d each", call, steps, reads, c.n)
			}
		} else {
			if steps != c.breakAt+1 {
				t.Errorf("%s = %d steps; want %d", call, steps, c.breakAt+1)
			}
			if reads > min(c.n, c.breakAt+c.window) {
				t.Errorf("%s read %d inputs; want at most %d (the steps taken and the window)", call, reads, min(c.n, c.breakAt+c.window))
			}
		}
		// Let every task that will ever run finish, then look at the starts.
		if err := ex.Shutdown(context.Background()); err != nil {
			t.Fatalf("Shutdown() = %v", err)
		}
		mu.Lock()
		defer mu.Unlock()
		if peak > c.window {
			t.Errorf("%s: %d tasks started and not yielded at once; want at most %d", call, peak, c.window)
		}
		for i, s := range starts {
			switch {
			case s > 1:
				t.Errorf("%s: input %d started %d times; want at most once", call, i, s)
			case s == 1 && i >= reads:
				t.Errorf("%s: input %d started but was never read", call, i)
			case s == 0 && c.breakAt < 0:
				t.Errorf("%s: input %d never started; want every input processed", call, i)
			}
		}
		// After the loop exits, no task may start with a live context: the iteration
		// ends the tasks' context before the loop statement completes, and no pending
		// task is claimed after that. A worker that had claimed a task just before can
		// still call fn once, with the ended context, so each worker may account for
		// one such late start at most. (A start with a live context after the loop
		// would read liveStarts after our snapshot, and see the context ended.)
		if liveStarts != liveAtExit {
			t.Errorf("%s: %d tasks started with a live context after the loop exited; want none", call, liveStarts-liveAtExit)
		}
		if c.breakAt < 0 && deadStarts != 0 || deadStarts > c.workers {
			t.Errorf("%s: %d tasks started with an ended context; want none without a break, at most one per worker after one", call, deadStarts)
		}
	})
}
