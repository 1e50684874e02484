package futures_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gofutures/futures"
)

// Helpers shared by wait_test.go, ascompleted_test.go and map_test.go carry the
// prefix cf (composing futures), to stay out of the way of other test files.

// errBare is the error of the failed bare future (CPython's OSError).
var errBare = errors.New("bare future failed")

// cfBare holds CPython's bare futures (util.py › create_future), made from promises.
// There is no CANCELLED_AND_NOTIFIED state here: Canceled is done at once.
type cfBare struct {
	Pending  *futures.Future[int] // PENDING_F: a new promise
	Running  *futures.Future[int] // RUNNING_F: SetRunning
	Canceled *futures.Future[int] // CANCELLED_F and CAN_F alike: Cancel
	Failed   *futures.Future[int] // EXCEPTION_F: SetError(errBare)
	Success  *futures.Future[int] // SUCCESS_F: SetResult(42)

	PendingP, RunningP *futures.Promise[int]

	names map[futures.Awaitable]string
}

func newCFBare(t testing.TB) *cfBare {
	t.Helper()
	b := &cfBare{names: make(map[futures.Awaitable]string)}
	b.PendingP = futures.NewPromise[int]()
	b.RunningP = futures.NewPromise[int]()
	if !b.RunningP.SetRunning() {
		t.Fatal("Promise.SetRunning() = false on a new promise; want true")
	}
	canceled := futures.NewPromise[int]()
	if !canceled.Future().Cancel() {
		t.Fatal("Future.Cancel() = false on a new promise's future; want true")
	}
	failed := futures.NewPromise[int]()
	if err := failed.SetError(errBare); err != nil {
		t.Fatalf("Promise.SetError() = %v; want nil", err)
	}
	success := futures.NewPromise[int]()
	if err := success.SetResult(42); err != nil {
		t.Fatalf("Promise.SetResult(42) = %v; want nil", err)
	}
	b.Pending, b.Running = b.PendingP.Future(), b.RunningP.Future()
	b.Canceled, b.Failed, b.Success = canceled.Future(), failed.Future(), success.Future()
	b.name(b.Pending, "PENDING_F")
	b.name(b.Running, "RUNNING_F")
	b.name(b.Canceled, "CAN_F")
	b.name(b.Failed, "EXCEPTION_F")
	b.name(b.Success, "SUCCESS_F")
	return b
}

// name gives f a name for got/want messages.
func (b *cfBare) name(f futures.Awaitable, name string) { b.names[f] = name }

// cfNames returns the names of fs, as registered with name.
func cfNames[F futures.Awaitable](b *cfBare, fs []F) []string {
	out := make([]string, 0, len(fs))
	for _, f := range fs {
		if n, ok := b.names[futures.Awaitable(f)]; ok {
			out = append(out, n)
		} else {
			out = append(out, fmt.Sprintf("unnamed %v", f))
		}
	}
	return out
}

// cfGate is a one-shot latch that blockers wait on. It is opened when the test ends,
// so that a failing test does not leave a worker blocked.
type cfGate struct {
	ch   chan struct{}
	once sync.Once
}

func newCFGate(t testing.TB) *cfGate {
	g := &cfGate{ch: make(chan struct{})}
	t.Cleanup(g.open)
	return g
}

func (g *cfGate) open() { g.once.Do(func() { close(g.ch) }) }

// cfBlocker submits a task that signals that it started, waits for g (and ignores its
// context), then returns v.
func cfBlocker(t testing.TB, ex *futures.Executor, g *cfGate, v int) *futures.Future[int] {
	t.Helper()
	started := make(chan struct{})
	f := futures.Submit(context.Background(), ex, func(context.Context) (int, error) {
		close(started)
		<-g.ch
		return v, nil
	})
	<-started
	return f
}

// cfBubble runs f in a testing/synctest bubble: fake time, and a test failure instead
// of a hang when everything blocks. Goroutine leaks are checked outside the bubble.
func cfBubble(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	checkLeaks(t)
	synctest.Test(t, f)
}

// cfHour returns a context that ends after an hour of fake time: in a bubble, a wait
// that would hang ends with it instead of deadlocking the bubble (which would crash
// the test binary).
func cfHour(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), time.Hour)
	t.Cleanup(cancel)
	return ctx
}

// cfGuard returns a context that ends after 30 seconds: outside a bubble, a wait that
// would hang (a lost wake-up) ends with it, and the test fails instead of hanging.
func cfGuard(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// cfBubbleExecutor returns an executor made inside the current bubble and shut down,
// inside it, when the bubble's test ends.
func cfBubbleExecutor(t *testing.T, opts ...futures.Option) *futures.Executor {
	t.Helper()
	ex, err := futures.New(opts...)
	if err != nil {
		t.Fatalf("futures.New: %v", err)
	}
	t.Cleanup(func() {
		if err := ex.ShutdownNow(context.Background()); err != nil {
			t.Errorf("cleanup: ShutdownNow: %v", err)
		}
	})
	return ex
}

// cfMul is CPython's mul, as a task.
func cfMul(x, y int) func(context.Context) (int, error) {
	return func(context.Context) (int, error) { return x * y, nil }
}

// errZeroDivision is CPython's ZeroDivisionError.
var errZeroDivision = errors.New("integer division or modulo by zero")

// cfDivmod is CPython's divmod.
func cfDivmod(x, y int) ([2]int, error) {
	if y == 0 {
		return [2]int{}, errZeroDivision
	}
	return [2]int{x / y, x % y}, nil
}

// C-026.
func TestWaitDuplicatesCollapse(t *testing.T) {
	ex := newExecutor(t, futures.WithMaxWorkers(5))
	ctx := cfGuard(t)
	f := futures.Submit(ctx, ex, cfMul(1, 2))
	done, notDone := futures.Wait(ctx, futures.AllCompleted, f, f)
	if len(done) != 1 || done[0] != f || len(notDone) != 0 {
		t.Errorf("Wait(ctx, AllCompleted, F, F) = %v, %v; want [F], []", done, notDone)
	}
	if v, err := f.Result(ctx); v != 2 || err != nil {
		t.Errorf("F.Result() = %v, %v; want 2, nil", v, err)
	}
}

// C-028, C-031, C-032, C-035 and the other cases that must return at once: in a
// bubble, with a context that would end only after an hour of fake time, Wait must
// return without the clock moving.
func TestWaitReturnsAtOnce(t *testing.T) {
	tests := []struct {
		name        string
		mode        futures.WaitMode
		fs          func(b *cfBare, blocker *futures.Future[int]) []*futures.Future[int]
		done, notDo []string
	}{
		{
			name: "C-028 FirstCompleted some already completed",
			mode: futures.FirstCompleted,
			fs: func(b *cfBare, f1 *futures.Future[int]) []*futures.Future[int] {
				return []*futures.Future[int]{b.Canceled, b.Success, f1}
			},
			done:  []string{"CAN_F", "SUCCESS_F"},
			notDo: []string{"f1"},
		},
		{
			name: "C-031 FirstError one already failed",
			mode: futures.FirstError,
			fs: func(b *cfBare, f1 *futures.Future[int]) []*futures.Future[int] {
				return []*futures.Future[int]{b.Failed, f1}
			},
			done:  []string{"EXCEPTION_F"},
			notDo: []string{"f1"},
		},
		{
			name: "FirstError failure among cancellations",
			mode: futures.FirstError,
			fs: func(b *cfBare, f1 *futures.Future[int]) []*futures.Future[int] {
				return []*futures.Future[int]{f1, b.Canceled, b.Pending, b.Failed, b.Success}
			},
			done:  []string{"CAN_F", "EXCEPTION_F", "SUCCESS_F"},
			notDo: []string{"f1", "PENDING_F"},
		},
		{
			name: "AllCompleted everything done",
			mode: futures.AllCompleted,
			fs: func(b *cfBare, _ *futures.Future[int]) []*futures.Future[int] {
				return []*futures.Future[int]{b.Success, b.Canceled, b.Failed}
			},
			done: []string{"SUCCESS_F", "CAN_F", "EXCEPTION_F"},
		},
		{
			name: "FirstError everything done, no failure",
			mode: futures.FirstError,
			fs: func(b *cfBare, _ *futures.Future[int]) []*futures.Future[int] {
				return []*futures.Future[int]{b.Canceled, b.Success}
			},
			done: []string{"CAN_F", "SUCCESS_F"},
		},
		{
			name: "C-035 empty input AllCompleted",
			mode: futures.AllCompleted,
			fs:   func(*cfBare, *futures.Future[int]) []*futures.Future[int] { return nil },
		},
		{
			name: "C-035 empty input FirstCompleted",
			mode: futures.FirstCompleted,
			fs:   func(*cfBare, *futures.Future[int]) []*futures.Future[int] { return nil },
		},
		{
			name: "C-035 empty input FirstError",
			mode: futures.FirstError,
			fs:   func(*cfBare, *futures.Future[int]) []*futures.Future[int] { return []*futures.Future[int]{} },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfBubble(t, func(t *testing.T) {
				ex := cfBubbleExecutor(t, futures.WithMaxWorkers(5))
				b := newCFBare(t)
				f1 := cfBlocker(t, ex, newCFGate(t), 1)
				b.name(f1, "f1")
				ctx := cfHour(t)
				fs := tt.fs(b, f1)
				start := time.Now()
				done, notDone := futures.Wait(ctx, tt.mode, fs...)
				if d := time.Since(start); d != 0 {
					t.Errorf("Wait(ctx, %v, %v) took %v of fake time; want it to return at once", tt.mode, cfNames(b, fs), d)
				}
				if got := cfNames(b, done); !slices.Equal(got, tt.done) {
					t.Errorf("Wait(ctx, %v, %v) done = %v; want %v", tt.mode, cfNames(b, fs), got, tt.done)
				}
				if got := cfNames(b, notDone); !slices.Equal(got, tt.notDo) {
					t.Errorf("Wait(ctx, %v, %v) notDone = %v; want %v", tt.mode, cfNames(b, fs), got, tt.notDo)
				}
			})
		})
	}
}

// C-029.
func TestWaitFirstError(t *testing.T) {
	cfBubble(t, func(t *testing.T) {
		ex := cfBubbleExecutor(t, futures.WithMaxWorkers(5))
		ctx := cfHour(t)
		gate1, gate2 := newCFGate(t), newCFGate(t)
		f1 := futures.Submit(ctx, ex, cfMul(2, 21))
		f2 := futures.Submit(ctx, ex, func(context.Context) (int, error) {
			<-gate1.ch
			return 0, errBare
		})
		f3 := cfBlocker(t, ex, gate2, 3)
		go func() {
			f1.Result(ctx)
			gate1.open()
		}()
		done, notDone := futures.Wait(ctx, futures.FirstError, f1, f2, f3)
		if !slices.Equal(done, []*futures.Future[int]{f1, f2}) || !slices.Equal(notDone, []*futures.Future[int]{f3}) {
			t.Errorf("Wait(ctx, FirstError, f1, f2, f3) = %v, %v; want [f1 f2], [f3]", done, notDone)
		}
		gate2.open()
	})
}

// C-032.
func TestWaitAllCompleted(t *testing.T) {
	ex := newExecutor(t, futures.WithMaxWorkers(5))
	b := newCFBare(t)
	ctx := cfGuard(t)
	f1 := futures.Submit(ctx, ex, func(context.Context) ([2]int, error) { return cfDivmod(2, 0) })
	f2 := futures.Submit(ctx, ex, cfMul(2, 21))
	all := []futures.Awaitable{b.Success, b.Canceled, b.Failed, f1, f2}
	done, notDone := futures.Wait(ctx, futures.AllCompleted, all...)
	if !slices.Equal(done, all) || len(notDone) != 0 {
		t.Errorf("Wait(ctx, AllCompleted, SUCCESS_F, CAN_F, EXCEPTION_F, f1, f2) = %v, %v; want all five done, in order", done, notDone)
	}
	if err := f1.Err(ctx); !errors.Is(err, errZeroDivision) {
		t.Errorf("f1.Err() = %v; want %v", err, errZeroDivision)
	}
}

// C-033: a context that ends returns the partial sets, after exactly its timeout.
func TestWaitTimeout(t *testing.T) {
	for _, mode := range []futures.WaitMode{futures.AllCompleted, futures.FirstError} {
		t.Run(mode.String(), func(t *testing.T) {
			cfBubble(t, func(t *testing.T) {
				ex := cfBubbleExecutor(t, futures.WithMaxWorkers(5))
				b := newCFBare(t)
				g := newCFGate(t)
				f := cfBlocker(t, ex, g, 1)
				b.name(f, "F")
				ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
				defer cancel()
				fs := []*futures.Future[int]{b.Canceled, b.Success, f}
				if mode == futures.AllCompleted {
					fs = []*futures.Future[int]{b.Canceled, b.Failed, b.Success, f}
				}
				start := time.Now()
				done, notDone := futures.Wait(ctx, mode, fs...)
				if d := time.Since(start); d != 50*time.Millisecond {
					t.Errorf("Wait(ctx 50ms, %v, ...) returned after %v; want 50ms", mode, d)
				}
				want := cfNames(b, fs[:len(fs)-1])
				if got := cfNames(b, done); !slices.Equal(got, want) {
					t.Errorf("Wait(ctx 50ms, %v, %v) done = %v; want %v", mode, cfNames(b, fs), got, want)
				}
				if got := cfNames(b, notDone); !slices.Equal(got, []string{"F"}) {
					t.Errorf("Wait(ctx 50ms, %v, %v) notDone = %v; want [F]", mode, cfNames(b, fs), got)
				}
				if f.Canceled() {
					t.Errorf("F.Canceled() = true after Wait timed out; want false (Wait cancels nothing)")
				}
				g.open()
				if v, err := f.Result(t.Context()); v != 1 || err != nil {
					t.Errorf("F.Result() = %v, %v after the gate opened; want 1, nil", v, err)
				}
			})
		})
	}
}

// C-035: an invalid mode is rejected eagerly, by a panic, even when nothing has to be
// waited for (CPython accepts it silently then). A nil context panics as well.
func TestWaitInvalidArguments(t *testing.T) {
	b := newCFBare(t)
	tests := []struct {
		name string
		call func()
	}{
		{"mode 7, done future", func() { futures.Wait(context.Background(), futures.WaitMode(7), b.Success) }},
		{"mode -1, no futures", func() { futures.Wait[*futures.Future[int]](context.Background(), futures.WaitMode(-1)) }},
		{"mode 3, pending future", func() { futures.Wait(context.Background(), futures.WaitMode(3), b.Pending) }},
		//lint:ignore SA1012 testing the nil check
		{"nil context", func() { futures.Wait(nil, futures.AllCompleted, b.Success) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				r := recover()
				if r == nil {
					t.Fatalf("Wait with %s did not panic; want a panic", tt.name)
				}
				if msg := fmt.Sprint(r); len(msg) < 9 || msg[:9] != "futures: " {
					t.Errorf("Wait with %s panicked with %q; want the \"futures: \" prefix", tt.name, msg)
				}
			}()
			tt.call()
		})
	}
	if got := futures.WaitMode(7).String(); got != "WaitMode(7)" {
		t.Errorf("WaitMode(7).String() = %q; want %q", got, "WaitMode(7)")
	}
}

// C-037 is a CPython bug that we fix: a future canceled by ShutdownNow (Python's
// shutdown(cancel_futures=True)) is done for Wait at once, and Wait does not hang.
func TestWaitCanceledByShutdownNow(t *testing.T) {
	cfBubble(t, func(t *testing.T) {
		ex, err := futures.New(futures.WithMaxWorkers(1))
		if err != nil {
			t.Fatalf("futures.New: %v", err)
		}
		g := newCFGate(t)
		t1 := cfBlocker(t, ex, g, 1)
		t2 := futures.Submit(context.Background(), ex, cfMul(6, 7))
		ended, cancel := context.WithCancel(t.Context())
		cancel()
		if err := ex.ShutdownNow(ended); !errors.Is(err, context.Canceled) {
			t.Errorf("ShutdownNow(ended ctx) = %v; want an error matching context.Canceled", err)
		}
		done, notDone := futures.Wait(ended, futures.AllCompleted, t1, t2)
		if !slices.Equal(done, []*futures.Future[int]{t2}) || !slices.Equal(notDone, []*futures.Future[int]{t1}) {
			t.Errorf("Wait(ended ctx, AllCompleted, t1, t2) = %v, %v; want [t2], [t1]", done, notDone)
		}
		if !t2.Canceled() || !t2.IsDone() {
			t.Errorf("t2.Canceled(), t2.IsDone() = %v, %v; want true, true", t2.Canceled(), t2.IsDone())
		}
		if err := t2.Err(ended); !errors.Is(err, futures.ErrCanceled) || !errors.Is(err, futures.ErrShutdown) {
			t.Errorf("t2.Err() = %v; want an error matching ErrCanceled and ErrShutdown", err)
		}
		ctx := cfHour(t)
		start := time.Now()
		done, notDone = futures.Wait(ctx, futures.FirstCompleted, t1, t2)
		if time.Since(start) != 0 || !slices.Equal(done, []*futures.Future[int]{t2}) || len(notDone) != 1 {
			t.Errorf("Wait(ctx, FirstCompleted, t1, t2) = %v, %v after %v; want [t2], [t1] at once", done, notDone, time.Since(start))
		}
		g.open()
		done, notDone = futures.Wait(ctx, futures.AllCompleted, t1, t2)
		if time.Since(start) != 0 || !slices.Equal(done, []*futures.Future[int]{t1, t2}) || len(notDone) != 0 {
			t.Errorf("Wait(ctx, AllCompleted, t1, t2) = %v, %v after the gate opened; want [t1 t2], [] without hanging", done, notDone)
		}
		if err := ex.Shutdown(t.Context()); err != nil {
			t.Errorf("Shutdown() = %v; want nil", err)
		}
	})
}

// A future canceled while Wait waits on it is done for the wait at once, in every mode;
// FirstError does not count the cancellation as an error.
func TestWaitCanceledDuringWait(t *testing.T) {
	for _, mode := range []futures.WaitMode{futures.AllCompleted, futures.FirstCompleted, futures.FirstError} {
		t.Run(mode.String(), func(t *testing.T) {
			cfBubble(t, func(t *testing.T) {
				ctx := cfHour(t)
				p1, p2 := futures.NewPromise[int](), futures.NewPromise[int]()
				f1, f2 := p1.Future(), p2.Future()
				type result struct{ done, notDone []*futures.Future[int] }
				res := make(chan result, 1)
				go func() {
					d, nd := futures.Wait(ctx, mode, f1, f2)
					res <- result{d, nd}
				}()
				synctest.Wait()
				f1.Cancel()
				synctest.Wait()
				select {
				case r := <-res:
					if mode != futures.FirstCompleted {
						t.Fatalf("Wait(ctx, %v, f1, f2) returned %v, %v when f1 was canceled; want it to go on waiting for f2", mode, r.done, r.notDone)
					}
					if !slices.Equal(r.done, []*futures.Future[int]{f1}) || !slices.Equal(r.notDone, []*futures.Future[int]{f2}) {
						t.Errorf("Wait(ctx, FirstCompleted, f1, f2) = %v, %v; want [f1], [f2]", r.done, r.notDone)
					}
					return
				default:
					if mode == futures.FirstCompleted {
						t.Fatalf("Wait(ctx, FirstCompleted, f1, f2) still waits after f1 was canceled; want it to return")
					}
				}
				if mode == futures.FirstError {
					p2.SetError(errBare)
				} else {
					p2.SetResult(2)
				}
				r := <-res
				if !slices.Equal(r.done, []*futures.Future[int]{f1, f2}) || len(r.notDone) != 0 {
					t.Errorf("Wait(ctx, %v, f1, f2) = %v, %v; want [f1 f2], []", mode, r.done, r.notDone)
				}
			})
		})
	}
}

// FirstError is not satisfied by canceled futures: with only cancellations and a
// pending future, it waits for the pending one (or for ctx).
func TestWaitFirstErrorIgnoresCancellation(t *testing.T) {
	cfBubble(t, func(t *testing.T) {
		b := newCFBare(t)
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		start := time.Now()
		done, notDone := futures.Wait(ctx, futures.FirstError, b.Canceled, b.Pending, b.Success)
		if d := time.Since(start); d != time.Second {
			t.Errorf("Wait(ctx 1s, FirstError, CAN_F, PENDING_F, SUCCESS_F) returned after %v; want 1s (a cancellation is not an error)", d)
		}
		if got, want := cfNames(b, done), []string{"CAN_F", "SUCCESS_F"}; !slices.Equal(got, want) {
			t.Errorf("Wait(ctx 1s, FirstError, ...) done = %v; want %v", got, want)
		}
		if got, want := cfNames(b, notDone), []string{"PENDING_F"}; !slices.Equal(got, want) {
			t.Errorf("Wait(ctx 1s, FirstError, ...) notDone = %v; want %v", got, want)
		}
	})
}

// Futures of different result types are waited on together through Awaitable, and
// come back as themselves.
func TestWaitMixedTypes(t *testing.T) {
	ex := newExecutor(t, futures.WithMaxWorkers(3))
	ctx := cfGuard(t)
	fi := futures.Submit(ctx, ex, cfMul(6, 7))
	fs := futures.Submit(ctx, ex, func(context.Context) (string, error) { return "forty-two", nil })
	type point struct{ X, Y int }
	fp := futures.Submit(ctx, ex, func(context.Context) (point, error) { return point{4, 2}, nil })
	pending := futures.NewPromise[[]byte]()
	fb := pending.Future()

	done, notDone := futures.Wait[futures.Awaitable](ctx, futures.AllCompleted, fi, fs, fp)
	if len(done) != 3 || len(notDone) != 0 {
		t.Fatalf("Wait[Awaitable](ctx, AllCompleted, int, string, point) = %v, %v; want 3 done", done, notDone)
	}
	if f, ok := done[0].(*futures.Future[int]); !ok || f != fi {
		t.Errorf("done[0] = %v; want the *Future[int]", done[0])
	}
	if f, ok := done[1].(*futures.Future[string]); !ok || f != fs {
		t.Errorf("done[1] = %v; want the *Future[string]", done[1])
	} else if v, err := f.Result(ctx); v != "forty-two" || err != nil {
		t.Errorf("done[1].Result() = %q, %v; want \"forty-two\", nil", v, err)
	}
	if f, ok := done[2].(*futures.Future[point]); !ok || f != fp {
		t.Errorf("done[2] = %v; want the *Future[point]", done[2])
	}

	done, notDone = futures.Wait[futures.Awaitable](ctx, futures.FirstCompleted, fb, fs)
	if len(done) != 1 || done[0] != futures.Awaitable(fs) || len(notDone) != 1 || notDone[0] != futures.Awaitable(fb) {
		t.Errorf("Wait[Awaitable](ctx, FirstCompleted, []byte pending, string done) = %v, %v; want [string], [[]byte]", done, notDone)
	}
	pending.SetResult(nil)
}

// Both results keep the input order, and a future given several times counts once,
// in its first position.
func TestWaitOrderAndDuplicates(t *testing.T) {
	ended, cancel := context.WithCancel(context.Background())
	cancel()
	ps := make([]*futures.Promise[int], 6)
	b := &cfBare{names: make(map[futures.Awaitable]string)}
	for i := range ps {
		ps[i] = futures.NewPromise[int]()
		b.name(ps[i].Future(), fmt.Sprint("f", i))
	}
	f := func(i int) *futures.Future[int] { return ps[i].Future() }
	ps[4].SetResult(4)
	ps[1].SetError(errBare)
	ps[2].Future().Cancel()
	in := []*futures.Future[int]{f(5), f(4), f(3), f(5), f(1), f(2), f(4), f(0), f(3), f(0)}
	for _, mode := range []futures.WaitMode{futures.AllCompleted, futures.FirstCompleted, futures.FirstError} {
		done, notDone := futures.Wait(ended, mode, in...)
		if got, want := cfNames(b, done), []string{"f4", "f1", "f2"}; !slices.Equal(got, want) {
			t.Errorf("Wait(ended ctx, %v, %v) done = %v; want %v", mode, cfNames(b, in), got, want)
		}
		if got, want := cfNames(b, notDone), []string{"f5", "f3", "f0"}; !slices.Equal(got, want) {
			t.Errorf("Wait(ended ctx, %v, %v) notDone = %v; want %v", mode, cfNames(b, in), got, want)
		}
	}
	if got := cfNames(b, in); got[0] != "f5" || got[3] != "f5" {
		t.Errorf("Wait changed its argument slice: %v", got)
	}
}

// A nil future counts as done (its Result reports the problem); for FirstError it
// counts as a failure. Nil futures collapse like duplicates.
func TestWaitNilFutures(t *testing.T) {
	cfBubble(t, func(t *testing.T) {
		ctx := cfHour(t)
		p := futures.NewPromise[int]()
		pending := p.Future()
		var nilF *futures.Future[int]
		if err := nilF.Err(ctx); !errors.Is(err, futures.ErrInvalid) {
			t.Errorf("(*Future[int])(nil).Err() = %v; want an error matching ErrInvalid", err)
		}
		for _, mode := range []futures.WaitMode{futures.FirstCompleted, futures.FirstError} {
			start := time.Now()
			done, notDone := futures.Wait(ctx, mode, nilF, pending, nilF)
			if time.Since(start) != 0 || len(done) != 1 || done[0] != nil || !slices.Equal(notDone, []*futures.Future[int]{pending}) {
				t.Errorf("Wait(ctx, %v, nil, pending, nil) = %v, %v after %v; want [nil], [pending] at once", mode, done, notDone, time.Since(start))
			}
		}
		// An untyped nil Awaitable, and a typed nil in an Awaitable, both count as done.
		var nilA futures.Awaitable
		start := time.Now()
		done, notDone := futures.Wait(ctx, futures.FirstCompleted, nilA, futures.Awaitable(pending))
		if time.Since(start) != 0 || len(done) != 1 || done[0] != nil || len(notDone) != 1 {
			t.Errorf("Wait[Awaitable](ctx, FirstCompleted, nil, pending) = %v, %v; want [nil], [pending] at once", done, notDone)
		}
		p.SetResult(1)
		done, notDone = futures.Wait(ctx, futures.AllCompleted, futures.Awaitable(nilF), futures.Awaitable(pending), nilA)
		if time.Since(start) != 0 || len(done) != 2 || len(notDone) != 0 {
			t.Errorf("Wait[Awaitable](ctx, AllCompleted, typed nil, done, nil) = %v, %v; want 2 done (the two nils collapse), none pending", done, notDone)
		}
	})
}

// When ctx ends during the wait, Wait returns what is done by then and leaves no
// registration on the futures that are still pending.
func TestWaitContextEnds(t *testing.T) {
	for _, mode := range []futures.WaitMode{futures.AllCompleted, futures.FirstCompleted, futures.FirstError} {
		t.Run(mode.String(), func(t *testing.T) {
			cfBubble(t, func(t *testing.T) {
				b := newCFBare(t)
				ctx, cancel := context.WithCancel(t.Context())
				type result struct{ done, notDone []*futures.Future[int] }
				res := make(chan result, 1)
				go func() {
					d, nd := futures.Wait(ctx, mode, b.Pending, b.Running)
					res <- result{d, nd}
				}()
				synctest.Wait()
				if n, m := futures.WatcherCount(b.Pending), futures.WatcherCount(b.Running); n != 1 || m != 1 {
					t.Errorf("while Wait(ctx, %v, PENDING_F, RUNNING_F) blocks: WatcherCount = %d, %d; want 1, 1", mode, n, m)
				}
				cancel()
				r := <-res
				if len(r.done) != 0 || !slices.Equal(r.notDone, []*futures.Future[int]{b.Pending, b.Running}) {
					t.Errorf("Wait(ctx, %v, PENDING_F, RUNNING_F) after cancel = %v, %v; want [], [PENDING_F RUNNING_F]", mode, r.done, r.notDone)
				}
				if n, m := futures.WatcherCount(b.Pending), futures.WatcherCount(b.Running); n != 0 || m != 0 {
					t.Errorf("after Wait returned: WatcherCount = %d, %d; want 0, 0", n, m)
				}
			})
		})
	}
}

// No registration remains after Wait returns, whichever way it returns, and many
// waits on one long-lived pending future do not accumulate anything on it.
func TestWaitLeavesNoRegistration(t *testing.T) {
	cfBubble(t, func(t *testing.T) {
		long := futures.NewPromise[int]()
		lf := long.Future()
		ended, cancel := context.WithCancel(t.Context())
		cancel()
		for range 1000 {
			futures.Wait(ended, futures.AllCompleted, lf)
		}
		if n := futures.WatcherCount(lf); n != 0 {
			t.Errorf("after 1000 Wait(ended ctx, AllCompleted, long): WatcherCount(long) = %d; want 0", n)
		}
		// FirstCompleted returns when one completes, FirstError on a failure: the
		// long-lived future must be unwatched then.
		hour := cfHour(t)
		for i := range 100 {
			for _, mode := range []futures.WaitMode{futures.FirstCompleted, futures.FirstError} {
				short := futures.NewPromise[int]()
				res := make(chan int, 1)
				go func() {
					done, _ := futures.Wait(hour, mode, lf, short.Future())
					res <- len(done)
				}()
				synctest.Wait() // Wait is registered on both and blocks
				if n := futures.WatcherCount(lf); n != 1 {
					t.Fatalf("while Wait(ctx, %v, long, short) blocks: WatcherCount(long) = %d; want 1", mode, n)
				}
				if mode == futures.FirstError {
					short.SetError(errBare)
				} else {
					short.SetResult(i)
				}
				if n := <-res; n != 1 {
					t.Fatalf("Wait(ctx, %v, long, short) done = %d futures; want 1", mode, n)
				}
			}
			// A deadline.
			ctx, cancel := context.WithTimeout(t.Context(), time.Millisecond)
			futures.Wait(ctx, futures.AllCompleted, lf)
			cancel()
		}
		if n := futures.WatcherCount(lf); n != 0 {
			t.Errorf("after 300 more Waits: WatcherCount(long) = %d; want 0", n)
		}
		long.SetResult(1)
	})
}

// Wait starts no goroutine, even for many futures, and a future completing while Wait
// registers is never lost.
func TestWaitNoGoroutinePerFuture(t *testing.T) {
	cfBubble(t, func(t *testing.T) {
		const n = 1000
		ctx := cfHour(t)
		ps := make([]*futures.Promise[int], n)
		fs := make([]*futures.Future[int], n)
		for i := range ps {
			ps[i] = futures.NewPromise[int]()
			fs[i] = ps[i].Future()
		}
		before := runtime.NumGoroutine()
		res := make(chan int, 1)
		go func() {
			done, _ := futures.Wait(ctx, futures.AllCompleted, fs...)
			res <- len(done)
		}()
		synctest.Wait()
		if during := runtime.NumGoroutine(); during > before+1 {
			t.Errorf("while Wait blocks on %d futures: %d goroutines; want at most %d (the waiter only)", n, during, before+1)
		}
		for _, p := range ps {
			p.SetResult(1)
		}
		if got := <-res; got != n {
			t.Errorf("Wait(ctx, AllCompleted, %d futures) done = %d futures; want %d", n, got, n)
		}
	})
}

// Futures that complete concurrently with Wait's registration are never lost: Wait
// returns, in every mode, with the right sets. Run with -race.
func TestWaitConcurrentCompletion(t *testing.T) {
	checkLeaks(t)
	guard, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	const rounds, n = 200, 32
	for round := range rounds {
		mode := []futures.WaitMode{futures.AllCompleted, futures.FirstCompleted, futures.FirstError}[round%3]
		ps := make([]*futures.Promise[int], n)
		fs := make([]*futures.Future[int], n)
		for i := range ps {
			ps[i] = futures.NewPromise[int]()
			fs[i] = ps[i].Future()
		}
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i, p := range ps {
			wg.Go(func() {
				<-start
				switch i % 3 {
				case 0:
					p.SetResult(i)
				case 1:
					p.Future().Cancel()
				default:
					if mode == futures.FirstError {
						p.SetResult(i) // keep FirstError waiting for all of them
					} else {
						p.SetError(errBare)
					}
				}
			})
		}
		close(start)
		done, notDone := futures.Wait(guard, mode, fs...)
		if guard.Err() != nil {
			t.Fatalf("round %d: Wait(ctx, %v, %d futures completed concurrently) did not return within 10s: a completion was lost", round, mode, n)
		}
		if len(done)+len(notDone) != n {
			t.Fatalf("round %d: Wait(ctx, %v, ...) = %d done, %d not done; want %d in all", round, mode, len(done), len(notDone), n)
		}
		if mode != futures.FirstCompleted && len(done) != n {
			t.Errorf("round %d: Wait(ctx, %v, ...) = %d done; want all %d", round, mode, len(done), n)
		}
		if len(done) == 0 {
			t.Errorf("round %d: Wait(ctx, %v, ...) returned with nothing done", round, mode)
		}
		for _, f := range done {
			if !f.IsDone() {
				t.Errorf("round %d: Wait(ctx, %v, ...) done holds a future in state %v", round, mode, f.State())
			}
		}
		wg.Wait()
		for i, f := range fs {
			if c := futures.WatcherCount(f); c != 0 {
				t.Errorf("round %d: WatcherCount(f%d) = %d after Wait returned; want 0", round, i, c)
			}
		}
	}
}
