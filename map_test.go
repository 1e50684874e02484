package futures_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gofutures/futures"
)

// mpInputs returns the sequence 0, 1, ..., n-1 (endless if n < 0), and counts in
// *reads the inputs Map has taken from it.
func mpInputs(n int, reads *int) iter.Seq[int] {
	return func(yield func(int) bool) {
		for i := 0; n < 0 || i < n; i++ {
			*reads++
			if !yield(i) {
				return
			}
		}
	}
}

// mpTracker records the tasks of a Map: which inputs started, and how many tasks have
// started and not yet been yielded (the in-flight count the window bounds).
type mpTracker struct {
	mu       sync.Mutex // guards the fields below
	started  map[int]int
	inflight int
	peak     int
}

func newMPTracker() *mpTracker { return &mpTracker{started: make(map[int]int)} }

// start is called by a task for input i.
func (tr *mpTracker) start(i int) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.started[i]++
	tr.inflight++
	tr.peak = max(tr.peak, tr.inflight)
}

// yielded is called by the consumer for each result of a task that called start.
func (tr *mpTracker) yielded() {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.inflight--
}

func (tr *mpTracker) snapshot() (started []int, peak int) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	for i := range tr.started {
		started = append(started, i)
	}
	slices.Sort(started)
	return started, tr.peak
}

// mpStep is one step of a Map iteration.
type mpStep[T any] struct {
	V   T
	Err error
}

func (s mpStep[T]) String() string {
	if s.Err != nil {
		return "error " + s.Err.Error()
	}
	return fmt.Sprint(s.V)
}

// mpCollect ranges over seq and returns every step.
func mpCollect[T any](seq iter.Seq2[T, error]) []mpStep[T] {
	var out []mpStep[T]
	for v, err := range seq {
		out = append(out, mpStep[T]{v, err})
	}
	return out
}

// C-051: results come in input order, whatever the window.
func TestMapOrder(t *testing.T) {
	ex := newExecutor(t, futures.WithMaxWorkers(5))
	pow := func(_ context.Context, x int) (int, error) {
		r := 1
		for range x {
			r *= x
		}
		return r, nil
	}
	want := []int{1, 1, 4, 27, 256, 3125, 46656, 823543, 16777216, 387420489}
	for _, opts := range [][]futures.MapOption{nil, {futures.Window(1)}, {futures.Window(3)}, {futures.Window(100)}} {
		var reads int
		var got []int
		for v, err := range futures.Map(cfGuard(t), ex, mpInputs(10, &reads), pow, opts...) {
			if err != nil {
				t.Fatalf("Map(ctx, ex, 0..9, pow, %d options) error %v", len(opts), err)
			}
			got = append(got, v)
		}
		if !slices.Equal(got, want) {
			t.Errorf("Map(ctx, ex, 0..9, pow, %d options) = %v; want %v", len(opts), got, want)
		}
		if reads != 10 {
			t.Errorf("Map(ctx, ex, 0..9, pow, %d options) read %d inputs; want 10", len(opts), reads)
		}
	}
}

// mpDivmod maps pairs through divmod.
func mpDivmod(_ context.Context, xy [2]int) ([2]int, error) { return cfDivmod(xy[0], xy[1]) }

func mpPairs(xs, ys []int) iter.Seq[[2]int] {
	return func(yield func([2]int) bool) {
		for i := range xs {
			if !yield([2]int{xs[i], ys[i]}) {
				return
			}
		}
	}
}

// C-053, chosen over C-052 (CPython main, gh-108518): a failing element yields its
// error and the iteration goes on. Then the iterator stays exhausted.
func TestMapErrorContinues(t *testing.T) {
	ex := newExecutor(t, futures.WithMaxWorkers(5))
	tests := []struct {
		ys   []int
		opts []futures.MapOption
		want []string
	}{
		{[]int{2, 3, 0, 5}, nil, []string{"[2 1]", "[1 2]", "error " + errZeroDivision.Error(), "[1 0]"}},
		{[]int{2, 0, 3, 5}, []futures.MapOption{futures.Window(3)}, []string{"[2 1]", "error " + errZeroDivision.Error(), "[1 2]", "[1 0]"}},
	}
	for _, tt := range tests {
		call := fmt.Sprintf("Map(ctx, ex, divmod, [5 5 5 5], %v, %d options)", tt.ys, len(tt.opts))
		next, stop := iter.Pull2(futures.Map(cfGuard(t), ex, mpPairs([]int{5, 5, 5, 5}, tt.ys), mpDivmod, tt.opts...))
		var got []string
		for range tt.want {
			v, err, ok := next()
			if !ok {
				break
			}
			got = append(got, mpStep[[2]int]{v, err}.String())
			if err != nil && !errors.Is(err, errZeroDivision) {
				t.Errorf("%s: error %v; want %v", call, err, errZeroDivision)
			}
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s = %q; want %q", call, got, tt.want)
		}
		for i := range 2 {
			if v, err, ok := next(); ok {
				t.Errorf("%s: next() #%d after the end = %v, %v, true; want exhausted", call, i+1, v, err)
			}
		}
		stop()
	}
}

// C-054: the deadline ends the iteration with ctx.Err() after the results that
// finished in time, and the iterator is then exhausted.
func TestMapTimeout(t *testing.T) {
	cfBubble(t, func(t *testing.T) {
		ex := cfBubbleExecutor(t, futures.WithMaxWorkers(5))
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		defer cancel()
		sleep := func(_ context.Context, d time.Duration) (time.Duration, error) {
			time.Sleep(d)
			return d, nil
		}
		start := time.Now()
		next, stop := iter.Pull2(futures.Map(ctx, ex, slices.Values([]time.Duration{0, 0, 6 * time.Second}), sleep))
		defer stop()
		for i := range 2 {
			if v, err, ok := next(); !ok || err != nil || v != 0 {
				t.Fatalf("Map(ctx 5s, ex, sleep, [0 0 6s]): step %d = %v, %v, %v; want 0, nil, true", i, v, err, ok)
			}
		}
		v, err, ok := next()
		if !ok || v != 0 || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Map(ctx 5s, ex, sleep, [0 0 6s]): step 2 = %v, %v, %v; want 0, %v, true", v, err, ok, context.DeadlineExceeded)
		}
		if d := time.Since(start); d != 5*time.Second {
			t.Errorf("Map(ctx 5s, ...) reported the deadline after %v; want 5s", d)
		}
		for i := range 2 {
			if v, err, ok := next(); ok {
				t.Errorf("Map(ctx 5s, ...): next() #%d after the timeout = %v, %v, true; want exhausted", i+1, v, err)
			}
		}
	})
}

// When ctx ends, the results finished in time are yielded, running tasks see their
// context end, queued tasks never start, and the iteration ends with errors that
// match ctx.Err() (the running tasks' own, then the deadline).
func TestMapContextEnds(t *testing.T) {
	for _, unordered := range []bool{false, true} {
		t.Run(fmt.Sprint("unordered=", unordered), func(t *testing.T) {
			cfBubble(t, func(t *testing.T) {
				ex := cfBubbleExecutor(t, futures.WithMaxWorkers(2))
				ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
				defer cancel()
				tr := newMPTracker()
				var mu sync.Mutex
				var taskErrs []error
				fn := func(ctx context.Context, i int) (int, error) {
					tr.start(i)
					if i == 0 {
						return 0, nil
					}
					<-ctx.Done()
					mu.Lock()
					taskErrs = append(taskErrs, ctx.Err())
					mu.Unlock()
					return i, ctx.Err()
				}
				opts := []futures.MapOption{futures.Window(4)}
				if unordered {
					opts = append(opts, futures.Unordered())
				}
				var reads int
				start := time.Now()
				steps := mpCollect(futures.Map(ctx, ex, mpInputs(6, &reads), fn, opts...))
				if reads == 0 {
					t.Errorf("Map read no input")
				}
				call := fmt.Sprintf("Map(ctx 5s, ex 2 workers, 0..5, Window(4), unordered=%v)", unordered)
				if len(steps) < 2 || steps[0].Err != nil || steps[0].V != 0 {
					t.Fatalf("%s = %v; want 0, then errors", call, steps)
				}
				for _, s := range steps[1:] {
					if !errors.Is(s.Err, context.DeadlineExceeded) {
						t.Errorf("%s = %v; want every step after the first to match %v", call, steps, context.DeadlineExceeded)
						break
					}
				}
				if len(steps) > 4 {
					t.Errorf("%s = %d steps; want at most 4 (the window)", call, len(steps))
				}
				if d := time.Since(start); d != 5*time.Second {
					t.Errorf("%s ended after %v; want 5s", call, d)
				}
				synctest.Wait()
				started, _ := tr.snapshot()
				if !slices.Equal(started, []int{0, 1, 2}) {
					t.Errorf("%s started inputs %v; want [0 1 2] (the two workers' tasks; the others never start)", call, started)
				}
				mu.Lock()
				defer mu.Unlock()
				if len(taskErrs) != 2 || !errors.Is(taskErrs[0], context.DeadlineExceeded) || !errors.Is(taskErrs[1], context.DeadlineExceeded) {
					t.Errorf("%s: running tasks saw ctx.Err() = %v; want DeadlineExceeded twice", call, taskErrs)
				}
			})
		})
	}
}

// A failing element yields what its task returned with the error, as Future.Result
// does: the result is not replaced by the zero value.
func TestMapFailingElementKeepsResult(t *testing.T) {
	ex := newExecutor(t, futures.WithMaxWorkers(2))
	boom := errors.New("boom")
	fn := func(_ context.Context, i int) (int, error) { return i, boom }
	steps := mpCollect(futures.Map(cfGuard(t), ex, slices.Values([]int{7}), fn))
	if len(steps) != 1 || steps[0].V != 7 || !errors.Is(steps[0].Err, boom) {
		t.Errorf("Map(ex, [7], returns (x, boom)) = %v; want one step 7, boom", steps)
	}
}

// A task that returns ctx's error by itself, while ctx is still live, fails like any
// other element (CPython gh-155852: only the wait times out): when ctx ends after it,
// the results finished in time are yielded, and then the deadline once.
func TestMapTaskContextErrorIsAnElementError(t *testing.T) {
	for _, unordered := range []bool{false, true} {
		t.Run(fmt.Sprint("unordered=", unordered), func(t *testing.T) {
			cfBubble(t, func(t *testing.T) {
				ex := cfBubbleExecutor(t, futures.WithMaxWorkers(2))
				ctx, cancel := context.WithCancel(t.Context())
				defer cancel()
				inputs := func(yield func(int) bool) {
					if !yield(0) || !yield(1) {
						return
					}
					synctest.Wait() // both tasks have finished, ctx still live
					cancel()
					yield(2)
				}
				fn := func(_ context.Context, i int) (int, error) {
					if i == 0 {
						return 0, context.Canceled // its own error, not the deadline's
					}
					return 10 + i, nil
				}
				opts := []futures.MapOption{futures.Window(3)}
				if unordered {
					opts = append(opts, futures.Unordered())
				}
				steps := mpCollect(futures.Map(ctx, ex, inputs, fn, opts...))
				call := fmt.Sprintf("Map(ctx canceled after two finished tasks, 0 fails with context.Canceled, unordered=%v)", unordered)
				want := []string{"error " + context.Canceled.Error(), "11", "error " + context.Canceled.Error()}
				var got []string
				for _, s := range steps {
					got = append(got, s.String())
				}
				if unordered && len(got) == 3 && got[0] == "11" {
					got[0], got[1] = got[1], got[0] // either completion order
				}
				if !slices.Equal(got, want) {
					t.Errorf("%s = %q; want %q (the element's error, the finished result, then the deadline)", call, got, want)
				}
			})
		})
	}
}

// A slow consumer still gets the results that finished before the deadline.
func TestMapSlowConsumer(t *testing.T) {
	cfBubble(t, func(t *testing.T) {
		ex := cfBubbleExecutor(t, futures.WithMaxWorkers(3))
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		defer cancel()
		fn := func(ctx context.Context, i int) (int, error) {
			if i == 2 {
				<-ctx.Done()
				return 0, ctx.Err()
			}
			return i * 10, nil
		}
		var got []mpStep[int]
		for v, err := range futures.Map(ctx, ex, slices.Values([]int{0, 1, 2}), fn, futures.Window(3)) {
			got = append(got, mpStep[int]{v, err})
			if len(got) == 1 {
				time.Sleep(10 * time.Second) // a slow consumer, past the deadline
			}
		}
		want := []string{"0", "10", "error " + context.DeadlineExceeded.Error()}
		var gotS []string
		for _, s := range got {
			gotS = append(gotS, s.String())
		}
		if !slices.Equal(gotS, want) {
			t.Errorf("Map(ctx 5s, ex, [0 1 2]) with a 10s pause after the first step = %q; want %q", gotS, want)
		}
	})
}

// C-056: breaking out of the loop (or stopping a pulled iterator) cancels the queued
// tasks, which never start, ends the running tasks' contexts, and leaves the iterator
// exhausted.
func TestMapBreak(t *testing.T) {
	t.Run("pull", func(t *testing.T) {
		ex := newExecutor(t, futures.WithMaxWorkers(5))
		next, stop := iter.Pull2(futures.Map(cfGuard(t), ex, mpPairs([]int{5, 5, 5, 5}, []int{2, 0, 3, 5}), mpDivmod))
		if v, err, ok := next(); !ok || err != nil || v != [2]int{2, 1} {
			t.Fatalf("Map(ctx, ex, divmod, [5 5 5 5], [2 0 3 5]): next() = %v, %v, %v; want [2 1], nil, true", v, err, ok)
		}
		stop()
		for i := range 2 {
			if v, err, ok := next(); ok {
				t.Errorf("next() #%d after stop() = %v, %v, true; want exhausted", i+1, v, err)
			}
		}
	})
	for _, unordered := range []bool{false, true} {
		t.Run(fmt.Sprint("gated unordered=", unordered), func(t *testing.T) {
			cfBubble(t, func(t *testing.T) {
				ex := cfBubbleExecutor(t, futures.WithMaxWorkers(2))
				tr := newMPTracker()
				var mu sync.Mutex
				var causes []error
				fn := func(ctx context.Context, i int) (int, error) {
					tr.start(i)
					if i == 0 {
						return 0, nil
					}
					<-ctx.Done() // tasks 1.. run until the iteration ends
					mu.Lock()
					causes = append(causes, ctx.Err())
					mu.Unlock()
					return i, nil
				}
				opts := []futures.MapOption{futures.Window(4)}
				if unordered {
					opts = append(opts, futures.Unordered())
				}
				var reads, steps int
				for v, err := range futures.Map(cfHour(t), ex, mpInputs(10, &reads), fn, opts...) {
					steps++
					if v != 0 || err != nil {
						t.Errorf("first step = %v, %v; want 0, nil", v, err)
					}
					break
				}
				synctest.Wait() // every task that was going to start has started
				startedAtBreak, _ := tr.snapshot()
				if err := ex.Shutdown(t.Context()); err != nil {
					t.Errorf("Shutdown() = %v; want nil", err)
				}
				started, _ := tr.snapshot()
				call := fmt.Sprintf("Map(ctx, ex 2 workers, 0..9, Window(4), unordered=%v) broken after one step", unordered)
				if !slices.Equal(started, startedAtBreak) {
					t.Errorf("%s: started %v at the break, %v after Shutdown; want no start after the break", call, startedAtBreak, started)
				}
				// 0 ran; 1 and 2 were taken by the two workers and may have started
				// before the break, or found their context ended; 3 was queued and is
				// canceled; the rest were never read.
				if len(started) == 0 || started[0] != 0 || started[len(started)-1] > 2 {
					t.Errorf("%s: started inputs %v; want 0, and maybe 1 and 2 (the queued ones are canceled)", call, started)
				}
				if reads != 4 {
					t.Errorf("%s: read %d inputs; want 4 (the window)", call, reads)
				}
				mu.Lock()
				defer mu.Unlock()
				if len(causes) != len(started)-1 {
					t.Errorf("%s: %d running tasks saw their context end; want %d", call, len(causes), len(started)-1)
				}
				for _, err := range causes {
					if !errors.Is(err, context.Canceled) {
						t.Errorf("%s: a running task's ctx.Err() = %v; want context.Canceled", call, err)
					}
				}
			})
		})
	}
}

// C-058 analog: Go iterators are lazy, so unlike CPython's map, which submits
// everything at the call, Map submits nothing (and reads no input) until the
// iteration starts; an iterator that is never ranged over costs nothing.
func TestMapLazy(t *testing.T) {
	ex := newExecutor(t, futures.WithMaxWorkers(5))
	var mu sync.Mutex
	calls := 0
	fn := func(_ context.Context, i int) (int, error) {
		mu.Lock()
		calls++
		mu.Unlock()
		return i, nil
	}
	var reads int
	_ = futures.Map(context.Background(), ex, mpInputs(10, &reads), fn) // made, never ranged
	if err := ex.Shutdown(context.Background()); err != nil {
		t.Fatalf("Shutdown() = %v", err)
	}
	if reads != 0 || calls != 0 {
		t.Errorf("Map(ctx, ex, 0..9, record) never ranged: %d inputs read, %d calls; want 0, 0", reads, calls)
	}
	ex2 := newExecutor(t, futures.WithMaxWorkers(5))
	seq := futures.Map(cfGuard(t), ex2, mpInputs(10, &reads), fn)
	if reads != 0 || calls != 0 || ex2.Workers() != 0 {
		t.Errorf("Map(ctx, ex, 0..9, record) before ranging: %d inputs read, %d calls, %d workers; want 0, 0, 0", reads, calls, ex2.Workers())
	}
	n := 0
	for _, err := range seq {
		if err != nil {
			t.Fatalf("Map(ctx, ex, 0..9, record) error %v", err)
		}
		n++
	}
	if n != 10 || reads != 10 || calls != 10 {
		t.Errorf("Map(ctx, ex, 0..9, record) ranged: %d steps, %d reads, %d calls; want 10 each", n, reads, calls)
	}
}

// C-062 and the other invalid arguments: one step with an error matching ErrInvalid,
// before any input is read or any task submitted.
func TestMapInvalid(t *testing.T) {
	ex := newExecutor(t, futures.WithMaxWorkers(2))
	ctx := context.Background()
	calls := 0
	fn := func(_ context.Context, i int) (int, error) { calls++; return i, nil }
	var reads int
	in := mpInputs(4, &reads)
	tests := []struct {
		name string
		seq  iter.Seq2[int, error]
		msg  string
	}{
		{"Window(0)", futures.Map(ctx, ex, in, fn, futures.Window(0)), "Window(0)"},
		{"Window(-1)", futures.Map(ctx, ex, in, fn, futures.Window(-1)), "Window(-1)"},
		{"Window(-1) then Window(2)", futures.Map(ctx, ex, in, fn, futures.Window(-1), futures.Window(2)), "Window(-1)"},
		//lint:ignore SA1012 testing the nil check
		{"nil context", futures.Map(nil, ex, in, fn), "context"},
		{"nil executor", futures.Map(ctx, nil, in, fn), "Executor"},
		{"nil inputs", futures.Map(ctx, ex, nil, fn), "input"},
		{"nil function", futures.Map[int, int](ctx, ex, in, nil), "function"},
		{"nil option", futures.Map(ctx, ex, in, fn, nil), "MapOption"},
	}
	for _, tt := range tests {
		steps := mpCollect(tt.seq)
		if len(steps) != 1 || steps[0].V != 0 || !errors.Is(steps[0].Err, futures.ErrInvalid) {
			t.Errorf("Map with %s = %v; want one step (0, error matching ErrInvalid)", tt.name, steps)
		} else if !strings.Contains(steps[0].Err.Error(), tt.msg) {
			t.Errorf("Map with %s: error %q; want it to mention %q", tt.name, steps[0].Err, tt.msg)
		}
	}
	if reads != 0 || calls != 0 || ex.Workers() != 0 {
		t.Errorf("invalid Maps read %d inputs, made %d calls, started %d workers; want none", reads, calls, ex.Workers())
	}
}

// C-063: the window keeps order and content, and bounds the tasks in flight.
func TestMapWindow(t *testing.T) {
	ex := newExecutor(t, futures.WithMaxWorkers(8))
	for _, unordered := range []bool{false, true} {
		for _, w := range []int{1, 2, 4, 8} {
			tr := newMPTracker()
			fn := func(_ context.Context, i int) (string, error) {
				tr.start(i)
				return strconv.Itoa(i), nil
			}
			opts := []futures.MapOption{futures.Window(w)}
			if unordered {
				opts = append(opts, futures.Unordered())
			}
			var reads, yielded int
			var got []string
			for v, err := range futures.Map(cfGuard(t), ex, mpInputs(4, &reads), fn, opts...) {
				if err != nil {
					t.Fatalf("Map(ctx, ex, 0..3, str, Window(%d)) error %v", w, err)
				}
				if reads-yielded > w {
					t.Errorf("Map(ctx, ex, 0..3, str, Window(%d)): %d inputs read, %d yielded before this step; want at most %d in flight", w, reads, yielded, w)
				}
				yielded++
				tr.yielded()
				got = append(got, v)
			}
			if unordered {
				slices.Sort(got)
			}
			if want := []string{"0", "1", "2", "3"}; !slices.Equal(got, want) {
				t.Errorf("Map(ctx, ex, 0..3, str, Window(%d), unordered=%v) = %q; want %q", w, unordered, got, want)
			}
			if _, peak := tr.snapshot(); peak > w {
				t.Errorf("Map(ctx, ex, 0..3, str, Window(%d), unordered=%v): %d tasks started and not yielded at once; want at most %d", w, unordered, peak, w)
			}
		}
	}
}

// C-065: an endless input with Window(2): the first results come, and no more than
// the window is ever in flight.
func TestMapInfiniteInput(t *testing.T) {
	ex := newExecutor(t, futures.WithMaxWorkers(8))
	for _, unordered := range []bool{false, true} {
		tr := newMPTracker()
		fn := func(_ context.Context, i int) (string, error) {
			tr.start(i)
			return strconv.Itoa(i), nil
		}
		opts := []futures.MapOption{futures.Window(2)}
		if unordered {
			opts = append(opts, futures.Unordered())
		}
		var reads, yielded int
		var got []string
		for v, err := range futures.Map(cfGuard(t), ex, mpInputs(-1, &reads), fn, opts...) {
			if err != nil {
				t.Fatalf("Map(ctx, ex, count(), str, Window(2)) error %v", err)
			}
			if reads-yielded > 2 {
				t.Errorf("Map(ctx, ex, count(), str, Window(2)): %d inputs read, %d yielded before this step; want at most 2 in flight", reads, yielded)
			}
			yielded++
			tr.yielded()
			got = append(got, v)
			if len(got) == 3 {
				break
			}
		}
		call := fmt.Sprintf("Map(ctx, ex, count(), str, Window(2), unordered=%v)", unordered)
		if !unordered && !slices.Equal(got, []string{"0", "1", "2"}) {
			t.Errorf("%s = %q; want [0 1 2]", call, got)
		}
		if len(got) != 3 {
			t.Errorf("%s gave %d results; want 3", call, len(got))
		}
		if reads > 4 {
			t.Errorf("%s read %d inputs for 3 results; want at most 4", call, reads)
		}
		if _, peak := tr.snapshot(); peak > 2 {
			t.Errorf("%s: %d tasks started and not yielded at once; want at most 2", call, peak)
		}
	}
}

// C-067, C-068: an empty input gives an empty iteration.
func TestMapEmpty(t *testing.T) {
	ex := newExecutor(t, futures.WithMaxWorkers(2))
	fn := func(_ context.Context, i int) (string, error) {
		t.Errorf("fn(%d) called for an empty input", i)
		return "", nil
	}
	inputs := map[string]iter.Seq[int]{
		"func(yield) {}":         func(func(int) bool) {},
		"slices.Values(nil)":     slices.Values([]int(nil)),
		"slices.Values([]int{})": slices.Values([]int{}),
	}
	for name, in := range inputs {
		for _, opts := range [][]futures.MapOption{nil, {futures.Window(2)}, {futures.Window(2), futures.Unordered()}} {
			if steps := mpCollect(futures.Map(context.Background(), ex, in, fn, opts...)); len(steps) != 0 {
				t.Errorf("Map(ctx, ex, %s, fn, %d options) = %v; want no step", name, len(opts), steps)
			}
		}
	}
}

// C-071: an executor shut down mid-iteration. What was submitted before still runs
// (graceful Shutdown) and is yielded; the remaining elements yield the rejection
// error, matching ErrShutdown, instead of hanging. CPython loses the buffered results
// here; we keep them.
func TestMapShutdownMidIteration(t *testing.T) {
	for _, now := range []bool{false, true} {
		for _, unordered := range []bool{false, true} {
			t.Run(fmt.Sprintf("now=%v unordered=%v", now, unordered), func(t *testing.T) {
				cfBubble(t, func(t *testing.T) {
					ex := cfBubbleExecutor(t, futures.WithMaxWorkers(2))
					ended, cancel := context.WithCancel(t.Context())
					cancel()
					opts := []futures.MapOption{futures.Window(2)}
					if unordered {
						opts = append(opts, futures.Unordered())
					}
					var steps []mpStep[int]
					var reads int
					for v, err := range futures.Map(cfHour(t), ex, mpInputs(10, &reads), func(_ context.Context, i int) (int, error) { return i, nil }, opts...) {
						steps = append(steps, mpStep[int]{v, err})
						if len(steps) == 1 {
							if now {
								ex.ShutdownNow(ended)
							} else {
								ex.Shutdown(ended)
							}
						}
					}
					call := fmt.Sprintf("Map(ctx, ex, 0..9, Window(2), unordered=%v) with %s after the first step", unordered, map[bool]string{false: "Shutdown", true: "ShutdownNow"}[now])
					if len(steps) != 10 || reads != 10 {
						t.Fatalf("%s = %d steps, %d inputs read; want 10, 10: %v", call, len(steps), reads, steps)
					}
					// The first two elements were submitted before the shutdown: a
					// graceful Shutdown runs them; ShutdownNow may cancel the second.
					// Every later element is refused.
					results, refused := 0, 0
					for i, s := range steps {
						switch {
						case s.Err == nil:
							results++
						case errors.Is(s.Err, futures.ErrShutdown):
							refused++
						default:
							t.Errorf("%s: step %d = %v; want a result or an error matching ErrShutdown", call, i, s)
						}
					}
					if wantMin := map[bool]int{false: 2, true: 1}[now]; results < wantMin || results > 2 || results+refused != 10 {
						t.Errorf("%s = %d results, %d refusals: %v; want %d to 2 results, the rest refused", call, results, refused, steps, wantMin)
					}
					if !unordered && (steps[0].Err != nil || !now && steps[1].Err != nil) {
						t.Errorf("%s = %v; want the results first, in order", call, steps)
					}
					if err := ex.Shutdown(cfHour(t)); err != nil {
						t.Errorf("Shutdown() = %v; want nil", err)
					}
				})
			})
		}
	}
	t.Run("before", func(t *testing.T) {
		ex := newExecutor(t, futures.WithMaxWorkers(2))
		ex.Shutdown(context.Background())
		steps := mpCollect(futures.Map(context.Background(), ex, slices.Values([]int{1, 2, 3}), func(_ context.Context, i int) (int, error) { return i, nil }))
		if len(steps) != 3 {
			t.Fatalf("Map on a shut-down executor = %v; want 3 steps", steps)
		}
		for i, s := range steps {
			if !errors.Is(s.Err, futures.ErrShutdown) {
				t.Errorf("Map on a shut-down executor: step %d = %v; want an error matching ErrShutdown", i, s)
			}
		}
	})
}

// Unordered yields in completion order with the window bound. Each task waits for its
// gate; the loop body opens the gate of the next input of a plan, so the completion
// order is the plan's.
func TestMapUnordered(t *testing.T) {
	cfBubble(t, func(t *testing.T) {
		const w = 3
		ex := cfBubbleExecutor(t, futures.WithMaxWorkers(w))
		plan := []int{2, 0, 1, 4, 3, 5, 7, 6} // each plan[k+1] <= k+w, so it is submitted by then
		gates := make([]*cfGate, len(plan))
		for i := range gates {
			gates[i] = newCFGate(t)
		}
		tr := newMPTracker()
		fn := func(_ context.Context, i int) (int, error) {
			tr.start(i)
			<-gates[i].ch
			return i, nil
		}
		gates[plan[0]].open()
		var got []int
		var reads int
		for v, err := range futures.Map(cfHour(t), ex, mpInputs(len(plan), &reads), fn, futures.Window(w), futures.Unordered()) {
			if err != nil {
				t.Fatalf("Map(ctx, ex, 0..7, Window(3), Unordered()) error %v", err)
			}
			if reads-len(got) > w {
				t.Errorf("Map(ctx, ex, 0..7, Window(3), Unordered()): %d inputs read, %d yielded; want at most 3 in flight", reads, len(got))
			}
			got = append(got, v)
			tr.yielded()
			if k := len(got); k < len(plan) {
				gates[plan[k]].open()
			}
		}
		if !slices.Equal(got, plan) {
			t.Errorf("Map(ctx, ex, 0..7, Window(3), Unordered()) = %v; want the completion order %v", got, plan)
		}
		if _, peak := tr.snapshot(); peak > w {
			t.Errorf("Map(ctx, ex, 0..7, Window(3), Unordered()): %d tasks started and not yielded at once; want at most 3", peak)
		}
	})
}

// A panic in fn becomes a *PanicError for that element, and the iteration goes on.
func TestMapPanic(t *testing.T) {
	ex := newExecutor(t, futures.WithMaxWorkers(3))
	fn := func(_ context.Context, i int) (int, error) {
		if i == 2 {
			panic(fmt.Sprint("boom ", i))
		}
		return i, nil
	}
	for _, unordered := range []bool{false, true} {
		var opts []futures.MapOption
		if unordered {
			opts = append(opts, futures.Unordered())
		}
		steps := mpCollect(futures.Map(cfGuard(t), ex, slices.Values([]int{0, 1, 2, 3, 4}), fn, opts...))
		call := fmt.Sprintf("Map(ctx, ex, 0..4, panics on 2, unordered=%v)", unordered)
		if len(steps) != 5 {
			t.Fatalf("%s = %v; want 5 steps", call, steps)
		}
		var vals []int
		panics := 0
		for _, s := range steps {
			var pe *futures.PanicError
			switch {
			case s.Err == nil:
				vals = append(vals, s.V)
			case errors.As(s.Err, &pe) && pe.Value == "boom 2":
				panics++
			default:
				t.Errorf("%s: step %v; want a result or a *PanicError with value \"boom 2\"", call, s)
			}
		}
		if !unordered && (steps[2].Err == nil || !slices.Equal(vals, []int{0, 1, 3, 4})) {
			t.Errorf("%s = %v; want 0, 1, the panic, 3, 4", call, steps)
		}
		slices.Sort(vals)
		if panics != 1 || !slices.Equal(vals, []int{0, 1, 3, 4}) {
			t.Errorf("%s = %v; want 0, 1, 3, 4 and one panic", call, steps)
		}
	}
}

// A Map inside a task of the same executor, with one worker, passing the task's own
// context, does not deadlock: the executor lets another worker run while the task
// waits.
func TestMapInsideTask(t *testing.T) {
	for _, unordered := range []bool{false, true} {
		t.Run(fmt.Sprint("unordered=", unordered), func(t *testing.T) {
			cfBubble(t, func(t *testing.T) {
				ex := cfBubbleExecutor(t, futures.WithMaxWorkers(1))
				var opts []futures.MapOption
				if unordered {
					opts = append(opts, futures.Unordered())
				}
				outer := futures.Submit(cfHour(t), ex, func(ctx context.Context) (int, error) {
					sum := 0
					for v, err := range futures.Map(ctx, ex, slices.Values([]int{1, 2, 3, 4, 5}), func(_ context.Context, i int) (int, error) { return i * i, nil }, opts...) {
						if err != nil {
							return sum, err
						}
						sum += v
					}
					return sum, nil
				})
				start := time.Now()
				v, err := outer.Result(cfHour(t))
				if v != 55 || err != nil || time.Since(start) != 0 {
					t.Errorf("a task running Map(its ctx, its own 1-worker executor, 1..5, square, unordered=%v) = %v, %v after %v; want 55, nil at once", unordered, v, err, time.Since(start))
				}
			})
		})
	}
}

// TestMapBlockedOnFullQueue: on an executor whose bounded queue is full under the
// Block policy, Map's submission waits for room; when Map's context ends meanwhile,
// the task is canceled and counted canceled, and Map yields the context's error.
func TestMapBlockedOnFullQueue(t *testing.T) {
	checkLeaks(t)
	synctest.Test(t, func(t *testing.T) {
		bg := context.Background()
		ex, err := futures.New(futures.WithMaxWorkers(1), futures.WithQueueSize(1, futures.Block))
		if err != nil {
			t.Fatal(err)
		}
		g := make(gate)
		running := futures.Submit(bg, ex, blocker(g, nil))
		queued := futures.Submit(bg, ex, blocker(g, nil))
		ctx, cancel := context.WithCancel(bg)
		steps := make(chan error, 2)
		go func() {
			for _, err := range futures.Map(ctx, ex, slices.Values([]int{7}), func(context.Context, int) (int, error) { return 49, nil }) {
				steps <- err
			}
			close(steps)
		}()
		synctest.Wait() // Map's submission waits for room
		if s := ex.Stats(); s.Submitted != 2 {
			t.Fatalf("Stats().Submitted = %d while Map's submission waits for room; want 2", s.Submitted)
		}
		cancel()
		var errs []error
		for err := range steps {
			errs = append(errs, err)
		}
		if len(errs) != 1 || !errors.Is(errs[0], context.Canceled) {
			t.Errorf("Map yielded errors %v; want one matching context.Canceled", errs)
		}
		g.open()
		for _, f := range []*futures.Future[int]{running, queued} {
			if _, err := f.Result(bg); err != nil {
				t.Fatal(err)
			}
		}
		if err := ex.Shutdown(bg); err != nil {
			t.Fatal(err)
		}
		s := ex.Stats()
		if s.Submitted != 3 || s.Canceled != 1 || s.Rejected != 0 || s.Completed != 2 {
			t.Errorf("Stats() = %+v; want 3 submitted: 2 completed, and Map's task canceled", s)
		}
		checkIdentity(t, s)
	})
}
