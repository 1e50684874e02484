package futures_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gofutures/futures"
)

// acCollect ranges over seq until it ends, and returns the futures yielded with a nil
// error, every non-nil error, and the number of steps taken after the first error.
func acCollect[F futures.Awaitable](seq iter.Seq2[F, error]) (got []F, errs []error, afterErr int) {
	for f, err := range seq {
		if len(errs) > 0 {
			afterErr++
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		got = append(got, f)
	}
	return got, errs, afterErr
}

// acIncomplete checks that errs is exactly one *IncompleteError that matches want and
// lists pending, and returns it.
func acIncomplete(t *testing.T, call string, errs []error, want error, b *cfBare, pending []string, total int) *futures.IncompleteError {
	t.Helper()
	if len(errs) != 1 {
		t.Fatalf("%s: errors = %v; want one *IncompleteError", call, errs)
	}
	var ie *futures.IncompleteError
	if !errors.As(errs[0], &ie) {
		t.Fatalf("%s: error = %v (%T); want a *futures.IncompleteError", call, errs[0], errs[0])
	}
	if !errors.Is(ie, want) {
		t.Errorf("%s: errors.Is(%v, %v) = false; want true", call, ie, want)
	}
	if got := cfNames(b, ie.Pending); !slices.Equal(got, pending) {
		t.Errorf("%s: IncompleteError.Pending = %v; want %v", call, got, pending)
	}
	if ie.Total != total {
		t.Errorf("%s: IncompleteError.Total = %d; want %d", call, ie.Total, total)
	}
	return ie
}

// C-038.
func TestAsCompletedYieldsEvery(t *testing.T) {
	cfBubble(t, func(t *testing.T) {
		ex := cfBubbleExecutor(t, futures.WithMaxWorkers(5))
		b := newCFBare(t)
		ctx := cfHour(t)
		f1 := futures.Submit(ctx, ex, cfMul(2, 21))
		f2 := futures.Submit(ctx, ex, cfMul(7, 6))
		b.name(f1, "f1")
		b.name(f2, "f2")
		got, errs, _ := acCollect(futures.AsCompleted(ctx, b.Canceled, b.Failed, b.Success, f1, f2))
		if len(errs) != 0 {
			t.Errorf("AsCompleted(ctx, CAN_F, EXCEPTION_F, SUCCESS_F, f1, f2) errors = %v; want none", errs)
		}
		names := cfNames(b, got)
		slices.Sort(names)
		if want := []string{"CAN_F", "EXCEPTION_F", "SUCCESS_F", "f1", "f2"}; !slices.Equal(names, want) {
			t.Errorf("AsCompleted(ctx, CAN_F, EXCEPTION_F, SUCCESS_F, f1, f2) yielded %v; want %v (each once)", names, want)
		}
		for _, f := range got {
			if !f.IsDone() {
				t.Errorf("AsCompleted yielded %s in state %v; want it done", b.names[f], f.State())
			}
		}
	})
}

// C-039, C-040: when ctx ends (after 0 or 100ms), the already-done futures have been
// yielded, the unfinished one has not, and the iteration ends with an
// *IncompleteError that lists it.
func TestAsCompletedTimeout(t *testing.T) {
	for _, timeout := range []time.Duration{0, 100 * time.Millisecond} {
		t.Run(fmt.Sprint(timeout), func(t *testing.T) {
			cfBubble(t, func(t *testing.T) {
				ex := cfBubbleExecutor(t, futures.WithMaxWorkers(5))
				b := newCFBare(t)
				f := futures.Submit(t.Context(), ex, func(context.Context) (int, error) {
					time.Sleep(time.Second)
					return 1, nil
				})
				b.name(f, "F")
				ctx, cancel := context.WithTimeout(t.Context(), timeout)
				defer cancel()
				start := time.Now()
				got, errs, after := acCollect(futures.AsCompleted(ctx, b.Canceled, b.Failed, b.Success, f))
				call := fmt.Sprintf("AsCompleted(ctx %v, CAN_F, EXCEPTION_F, SUCCESS_F, F)", timeout)
				if d := time.Since(start); d != timeout {
					t.Errorf("%s ended after %v; want %v", call, d, timeout)
				}
				if names, want := cfNames(b, got), []string{"CAN_F", "EXCEPTION_F", "SUCCESS_F"}; !slices.Equal(names, want) {
					t.Errorf("%s yielded %v; want %v", call, names, want)
				}
				acIncomplete(t, call, errs, context.DeadlineExceeded, b, []string{"F"}, 4)
				if after != 0 {
					t.Errorf("%s: %d steps after the error; want none", call, after)
				}
			})
		})
	}
}

// C-042: after a timeout, the futures not yielded can be waited on again, and a
// consumer may edit its list of futures while it iterates.
func TestAsCompletedResume(t *testing.T) {
	cfBubble(t, func(t *testing.T) {
		b := newCFBare(t)
		promises := make(map[futures.Awaitable]*futures.Promise[int])
		var L []futures.Awaitable
		for i := range 8 {
			p := futures.NewPromise[int]()
			promises[p.Future()] = p
			b.name(p.Future(), fmt.Sprint("p", i))
			L = append(L, p.Future())
		}
		pendingNames := cfNames(b, L)
		L = append(L, b.Canceled, b.Success)

		ended, cancel := context.WithTimeout(t.Context(), 0)
		defer cancel()
		var yielded []string
		var errs []error
		for f, err := range futures.AsCompleted(ended, L...) {
			if err != nil {
				errs = append(errs, err)
				continue
			}
			yielded = append(yielded, b.names[f])
			L = slices.DeleteFunc(L, func(x futures.Awaitable) bool { return x == f })
		}
		call := "AsCompleted(ended ctx, 8 pending, CAN_F, SUCCESS_F)"
		if want := []string{"CAN_F", "SUCCESS_F"}; !slices.Equal(yielded, want) {
			t.Errorf("%s yielded %v; want %v", call, yielded, want)
		}
		ie := acIncomplete(t, call, errs, context.DeadlineExceeded, b, pendingNames, 10)
		if got := cfNames(b, L); !slices.Equal(got, pendingNames) {
			t.Errorf("after %s, L = %v; want the 8 pending futures %v", call, got, pendingNames)
		}

		// Resume on the list the error gives.
		L = slices.Clone(ie.Pending)
		promises[L[0]].SetResult(0)
		yielded = nil
		errs = nil
		for f, err := range futures.AsCompleted(cfHour(t), L...) {
			if err != nil {
				errs = append(errs, err)
				continue
			}
			yielded = append(yielded, b.names[f])
			L = slices.DeleteFunc(L, func(x futures.Awaitable) bool { return x == f })
			if len(L) > 0 {
				promises[L[0]].SetResult(len(yielded))
			}
		}
		if len(errs) != 0 {
			t.Errorf("AsCompleted(ctx, Pending...) errors = %v; want none", errs)
		}
		if !slices.Equal(yielded, pendingNames) {
			t.Errorf("AsCompleted(ctx, Pending...) yielded %v; want %v", yielded, pendingNames)
		}
		if len(L) != 0 {
			t.Errorf("after resuming, L = %v; want it empty", cfNames(b, L))
		}
	})
}

// The iterator does not depend on the caller's slice after the call: a consumer that
// edits its slice in the loop body (as C-042 does) still gets each future once.
func TestAsCompletedCallerEditsSlice(t *testing.T) {
	b := newCFBare(t)
	fs := []*futures.Future[int]{b.Success, b.Failed, b.Canceled}
	var got []string
	for f, err := range futures.AsCompleted(context.Background(), fs...) {
		if err != nil {
			t.Fatalf("AsCompleted(ctx, SUCCESS_F, EXCEPTION_F, CAN_F) error %v", err)
		}
		got = append(got, b.names[f])
		clear(fs)
	}
	if want := []string{"SUCCESS_F", "EXCEPTION_F", "CAN_F"}; !slices.Equal(got, want) {
		t.Errorf("AsCompleted(ctx, fs...) with fs cleared in the loop body yielded %v; want %v", got, want)
	}
}

// C-043.
func TestAsCompletedMessage(t *testing.T) {
	b := newCFBare(t)
	ended, cancel := context.WithTimeout(context.Background(), 0)
	defer cancel()
	for _, fs := range [][]*futures.Future[int]{
		{b.Canceled, b.Pending, b.Running, b.Success},
		{b.Canceled, b.Pending, b.Pending, b.Running, b.Success, b.Canceled, b.Running},
	} {
		call := fmt.Sprintf("AsCompleted(ended ctx, %v)", cfNames(b, fs))
		got, errs, _ := acCollect(futures.AsCompleted(ended, fs...))
		if names, want := cfNames(b, got), []string{"CAN_F", "SUCCESS_F"}; !slices.Equal(names, want) {
			t.Errorf("%s yielded %v; want %v", call, names, want)
		}
		ie := acIncomplete(t, call, errs, context.DeadlineExceeded, b, []string{"PENDING_F", "RUNNING_F"}, 4)
		if msg := ie.Error(); !strings.Contains(msg, "2 (of 4) futures unfinished") {
			t.Errorf("%s: error message %q; want it to contain %q", call, msg, "2 (of 4) futures unfinished")
		}
	}
}

// C-045: a timeout cancels nothing; the future completes normally later.
func TestAsCompletedCancelsNothing(t *testing.T) {
	cfBubble(t, func(t *testing.T) {
		ex := cfBubbleExecutor(t, futures.WithMaxWorkers(5))
		var taskCtxErr error
		f := futures.Submit(t.Context(), ex, func(ctx context.Context) (int, error) {
			time.Sleep(300 * time.Millisecond)
			taskCtxErr = ctx.Err()
			return 7, nil
		})
		ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
		defer cancel()
		got, errs, _ := acCollect(futures.AsCompleted(ctx, f))
		if len(got) != 0 || len(errs) != 1 || !errors.Is(errs[0], context.DeadlineExceeded) {
			t.Fatalf("AsCompleted(ctx 50ms, F) = %v, %v; want nothing, then an error matching DeadlineExceeded", got, errs)
		}
		if f.Canceled() {
			t.Errorf("F.Canceled() = true after AsCompleted timed out; want false")
		}
		if v, err := f.Result(t.Context()); v != 7 || err != nil {
			t.Errorf("F.Result() = %v, %v; want 7, nil", v, err)
		}
		if taskCtxErr != nil {
			t.Errorf("the task's ctx.Err() = %v; want nil (AsCompleted ends nothing)", taskCtxErr)
		}
	})
}

// C-048 is a CPython bug that we fix: futures canceled by ShutdownNow are yielded.
func TestAsCompletedCanceledByShutdownNow(t *testing.T) {
	cfBubble(t, func(t *testing.T) {
		ex, err := futures.New(futures.WithMaxWorkers(1))
		if err != nil {
			t.Fatalf("futures.New: %v", err)
		}
		b := &cfBare{names: make(map[futures.Awaitable]string)}
		g := newCFGate(t)
		t1 := cfBlocker(t, ex, g, 1)
		t2 := futures.Submit(context.Background(), ex, cfMul(6, 7))
		b.name(t1, "t1")
		b.name(t2, "t2")
		ended, cancel := context.WithCancel(t.Context())
		cancel()
		ex.ShutdownNow(ended)
		var got []string
		var errs []error
		for f, err := range futures.AsCompleted(cfHour(t), t1, t2) {
			if err != nil {
				errs = append(errs, err)
				continue
			}
			got = append(got, b.names[f])
			g.open()
		}
		if want := []string{"t2", "t1"}; !slices.Equal(got, want) || len(errs) != 0 {
			t.Errorf("AsCompleted(ctx, t1, t2) after ShutdownNow = %v, errors %v; want %v, none", got, errs, want)
		}
		if err := t2.Err(t.Context()); !errors.Is(err, futures.ErrCanceled) {
			t.Errorf("t2.Err() = %v; want an error matching ErrCanceled", err)
		}
		if err := ex.Shutdown(t.Context()); err != nil {
			t.Errorf("Shutdown() = %v; want nil", err)
		}
	})
}

// Futures done at the start come first, in input order; the others follow in the
// order in which they complete. The completions are made in the loop body, so the
// order is known.
func TestAsCompletedOrder(t *testing.T) {
	cfBubble(t, func(t *testing.T) {
		b := &cfBare{names: make(map[futures.Awaitable]string)}
		ps := make([]*futures.Promise[int], 6)
		fs := make([]*futures.Future[int], 6)
		for i := range ps {
			ps[i] = futures.NewPromise[int]()
			fs[i] = ps[i].Future()
			b.name(fs[i], fmt.Sprint("f", i))
		}
		ps[3].Future().Cancel()
		ps[1].SetResult(1)
		// After each yield, complete these, in this order.
		then := map[string][]int{"f1": {4, 0}, "f3": {5}, "f4": {2}}
		var got []string
		for f, err := range futures.AsCompleted(cfHour(t), fs...) {
			if err != nil {
				t.Fatalf("AsCompleted(ctx, f0..f5) error %v; want none", err)
			}
			got = append(got, b.names[f])
			for _, i := range then[b.names[f]] {
				ps[i].SetResult(i)
			}
		}
		if want := []string{"f1", "f3", "f4", "f0", "f5", "f2"}; !slices.Equal(got, want) {
			t.Errorf("AsCompleted(ctx, f0..f5) yielded %v; want %v (done first in input order, then completion order)", got, want)
		}
	})
}

// Breaking out of the loop, or a panic in its body, leaves no goroutine and no
// registration on the futures, and cancels nothing.
func TestAsCompletedBreak(t *testing.T) {
	for _, at := range []string{"done at start", "completed later", "panic"} {
		t.Run(at, func(t *testing.T) {
			cfBubble(t, func(t *testing.T) {
				ex := cfBubbleExecutor(t, futures.WithMaxWorkers(2))
				g := newCFGate(t)
				var sawEnd bool
				started := make(chan struct{})
				running := futures.Submit(t.Context(), ex, func(ctx context.Context) (int, error) {
					close(started)
					select {
					case <-g.ch:
					case <-ctx.Done():
						sawEnd = true
					}
					return 1, nil
				})
				<-started
				done := futures.NewPromise[int]()
				done.SetResult(0)
				p1, p2 := futures.NewPromise[int](), futures.NewPromise[int]()
				before := runtime.NumGoroutine()
				func() {
					defer func() {
						if r := recover(); (r != nil) != (at == "panic") {
							t.Errorf("recover() = %v; want a panic only in the panic case", r)
						}
					}()
					for f, err := range futures.AsCompleted[futures.Awaitable](cfHour(t), running, done.Future(), p1.Future(), p2.Future()) {
						if err != nil {
							t.Fatalf("AsCompleted error %v; want none", err)
						}
						if at == "done at start" {
							break
						}
						if f == futures.Awaitable(done.Future()) {
							p1.SetResult(1) // the next step yields p1
							continue
						}
						if at == "panic" {
							panic("loop body panics")
						}
						break
					}
				}()
				if n := runtime.NumGoroutine(); n != before {
					t.Errorf("after the loop: %d goroutines; want %d, as before it", n, before)
				}
				synctest.Wait()
				if n, m := futures.WatcherCount(running), futures.WatcherCount(p2.Future()); n != 0 || m != 0 {
					t.Errorf("after the loop: WatcherCount(running), WatcherCount(p2) = %d, %d; want 0, 0", n, m)
				}
				if running.State() != futures.Running || p2.Future().State() != futures.Pending {
					t.Errorf("after the loop: states %v, %v; want running, pending (nothing canceled)", running.State(), p2.Future().State())
				}
				if sawEnd {
					t.Errorf("the running task's context ended when the loop broke; want it untouched")
				}
				g.open()
				p2.SetResult(2)
				done2, notDone := futures.Wait[futures.Awaitable](cfHour(t), futures.AllCompleted, running, p2.Future())
				if len(done2) != 2 || len(notDone) != 0 {
					t.Errorf("Wait(ctx, AllCompleted, running, p2) after the break = %v, %v; want both done", done2, notDone)
				}
			})
		})
	}
}

// A context that has already ended still yields the futures that are done, then the
// error, unless everything was done.
func TestAsCompletedContextAlreadyEnded(t *testing.T) {
	b := newCFBare(t)
	cause := errors.New("gave up")
	ended, cancel := context.WithCancelCause(context.Background())
	cancel(cause)
	got, errs, _ := acCollect(futures.AsCompleted(ended, b.Success, b.Canceled, b.Failed))
	if names, want := cfNames(b, got), []string{"SUCCESS_F", "CAN_F", "EXCEPTION_F"}; !slices.Equal(names, want) || len(errs) != 0 {
		t.Errorf("AsCompleted(ended ctx, all done) = %v, %v; want %v and no error", names, errs, want)
	}
	got, errs, _ = acCollect(futures.AsCompleted(ended, b.Pending, b.Success))
	if names := cfNames(b, got); !slices.Equal(names, []string{"SUCCESS_F"}) {
		t.Errorf("AsCompleted(ended ctx, PENDING_F, SUCCESS_F) yielded %v; want [SUCCESS_F]", names)
	}
	acIncomplete(t, "AsCompleted(ended ctx, PENDING_F, SUCCESS_F)", errs, context.Canceled, b, []string{"PENDING_F"}, 2)
	got, errs, _ = acCollect(futures.AsCompleted(ended, b.Pending))
	if len(got) != 0 {
		t.Errorf("AsCompleted(ended ctx, PENDING_F) yielded %v; want nothing", cfNames(b, got))
	}
	acIncomplete(t, "AsCompleted(ended ctx, PENDING_F)", errs, context.Canceled, b, []string{"PENDING_F"}, 1)
	var ie *futures.IncompleteError
	if len(errs) != 1 || !errors.As(errs[0], &ie) || ie.Cause != cause || !errors.Is(errs[0], cause) {
		t.Errorf("AsCompleted(ctx ended with a cause, PENDING_F) error = %v; want an *IncompleteError whose Cause is %v and that matches it", errs, cause)
	}
	if n := futures.WatcherCount(b.Pending); n != 0 {
		t.Errorf("WatcherCount(PENDING_F) = %d after the iterations; want 0", n)
	}
}

// Duplicates and nil futures: each distinct future once; nil counts as done.
func TestAsCompletedDuplicatesAndNil(t *testing.T) {
	b := newCFBare(t)
	var nilF *futures.Future[int]
	b.name(nilF, "nil")
	ctx := context.Background()
	got, errs, _ := acCollect(futures.AsCompleted(ctx, b.Success, nilF, b.Success, b.Failed, nilF, b.Failed))
	if names, want := cfNames(b, got), []string{"SUCCESS_F", "nil", "EXCEPTION_F"}; !slices.Equal(names, want) || len(errs) != 0 {
		t.Errorf("AsCompleted(ctx, SUCCESS_F, nil, SUCCESS_F, EXCEPTION_F, nil, EXCEPTION_F) = %v, %v; want %v, no error", names, errs, want)
	}
	got, errs, _ = acCollect(futures.AsCompleted[*futures.Future[int]](ctx))
	if len(got) != 0 || len(errs) != 0 {
		t.Errorf("AsCompleted(ctx) with no futures = %v, %v; want nothing", got, errs)
	}
}

// Futures of different result types, through Awaitable.
func TestAsCompletedMixedTypes(t *testing.T) {
	ex := newExecutor(t, futures.WithMaxWorkers(2))
	ctx := cfGuard(t)
	fi := futures.Submit(ctx, ex, cfMul(6, 7))
	fs := futures.Submit(ctx, ex, func(context.Context) (string, error) { return "s", nil })
	seen := map[string]int{}
	for f, err := range futures.AsCompleted[futures.Awaitable](ctx, fi, fs) {
		if err != nil {
			t.Fatalf("AsCompleted[Awaitable](ctx, int, string) error %v", err)
		}
		switch f := f.(type) {
		case *futures.Future[int]:
			v, _ := f.Result(ctx)
			seen[fmt.Sprint("int ", v)]++
		case *futures.Future[string]:
			v, _ := f.Result(ctx)
			seen["string "+v]++
		default:
			t.Errorf("AsCompleted[Awaitable] yielded a %T", f)
		}
	}
	if len(seen) != 2 || seen["int 42"] != 1 || seen["string s"] != 1 {
		t.Errorf("AsCompleted[Awaitable](ctx, int, string) results = %v; want int 42 and string s once each", seen)
	}
}

// A nil context yields one error matching ErrInvalid.
func TestAsCompletedInvalid(t *testing.T) {
	b := newCFBare(t)
	//lint:ignore SA1012 testing the nil check
	got, errs, _ := acCollect(futures.AsCompleted(nil, b.Success))
	if len(got) != 0 || len(errs) != 1 || !errors.Is(errs[0], futures.ErrInvalid) {
		t.Errorf("AsCompleted(nil, SUCCESS_F) = %v, %v; want one error matching ErrInvalid", got, errs)
	}
}

// Nothing happens until the iteration starts: no registration.
func TestAsCompletedLazy(t *testing.T) {
	b := newCFBare(t)
	seq := futures.AsCompleted(context.Background(), b.Pending, b.Success)
	if n := futures.WatcherCount(b.Pending); n != 0 {
		t.Errorf("after AsCompleted(ctx, PENDING_F, SUCCESS_F) without ranging: WatcherCount(PENDING_F) = %d; want 0", n)
	}
	for range seq {
		if n := futures.WatcherCount(b.Pending); n != 1 {
			t.Errorf("during the iteration: WatcherCount(PENDING_F) = %d; want 1", n)
		}
		break
	}
}

// AsCompleted starts no goroutine, even for many futures.
func TestAsCompletedNoGoroutinePerFuture(t *testing.T) {
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
			count := 0
			for _, err := range futures.AsCompleted(ctx, fs...) {
				if err == nil {
					count++
				}
			}
			res <- count
		}()
		synctest.Wait()
		if during := runtime.NumGoroutine(); during > before+1 {
			t.Errorf("while AsCompleted waits on %d futures: %d goroutines; want at most %d (the consumer only)", n, during, before+1)
		}
		for _, p := range ps {
			p.SetResult(1)
		}
		if got := <-res; got != n {
			t.Errorf("AsCompleted(ctx, %d futures) yielded %d; want %d", n, got, n)
		}
	})
}

// Futures completing concurrently with the start of the iteration are each yielded
// exactly once. Run with -race.
func TestAsCompletedConcurrentCompletion(t *testing.T) {
	checkLeaks(t)
	guard, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	const rounds, n = 200, 32
	for round := range rounds {
		ps := make([]*futures.Promise[int], n)
		fs := make([]*futures.Future[int], n)
		index := make(map[*futures.Future[int]]int, n)
		for i := range ps {
			ps[i] = futures.NewPromise[int]()
			fs[i] = ps[i].Future()
			index[fs[i]] = i
		}
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i, p := range ps {
			wg.Go(func() {
				<-start
				if i%2 == 0 {
					p.SetResult(i)
				} else {
					p.Future().Cancel()
				}
			})
		}
		close(start)
		seen := make([]int, n)
		for f, err := range futures.AsCompleted(guard, fs...) {
			if err != nil {
				t.Fatalf("round %d: AsCompleted(ctx, %d futures completed concurrently) error %v; want none (a completion was lost?)", round, n, err)
			}
			seen[index[f]]++
		}
		for i, c := range seen {
			if c != 1 {
				t.Errorf("round %d: future %d yielded %d times; want once", round, i, c)
			}
		}
		wg.Wait()
	}
}
