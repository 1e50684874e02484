package futures_test

// Bad input: every misuse gives an error that matches futures.ErrInvalid and whose
// message names the problem; calls without an error result panic with a message that
// starts with "futures:".

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gofutures/futures"
)

// TestBadInput is the table of misuses that return an error.
func TestBadInput(t *testing.T) {
	ex := newExecutor(t, futures.WithMaxWorkers(2))
	bg := context.Background()
	var nilEx *futures.Executor
	var nilFuture *futures.Future[int]
	var nilCtx context.Context
	square := func(_ context.Context, i int) (int, error) { return i * i, nil }
	inputs := slices.Values([]int{1, 2, 3})
	pending := futures.NewPromise[int]() // never completed: its future stays pending
	done := futures.Submit(bg, ex, fltValue(1))
	if _, err := done.Result(bg); err != nil {
		t.Fatal(err)
	}

	// newErr returns New's error, and checks that New returned no executor with it.
	newErr := func(opts ...futures.Option) (string, error) {
		e, err := futures.New(opts...)
		if e != nil {
			defer e.Close()
			return "New returned a non-nil *Executor with its error", err
		}
		return "", err
	}
	// mapErr runs Map and returns the error of its single step.
	mapErr := func(seq iter.Seq2[int, error]) (string, error) {
		var errs []error
		var vals []int
		for v, err := range seq {
			vals, errs = append(vals, v), append(errs, err)
		}
		if len(errs) != 1 || vals[0] != 0 {
			return fmt.Sprintf("Map yielded %d steps %v; want exactly one (0, error)", len(errs), vals), errors.Join(errs...)
		}
		return "", errs[0]
	}
	submitErr := func(f *futures.Future[int]) (string, error) {
		if f == nil {
			return "Submit returned a nil future", nil
		}
		if st := f.State(); st != futures.Finished {
			return fmt.Sprintf("the refused future is %v; want finished at once", st), nil
		}
		_, err := f.Result(bg)
		return "", err
	}

	cases := []struct {
		name string
		call func() (string, error) // a problem with the call's shape, and the error
		want []string               // substrings of the message
	}{
		// Submit and Go.
		{"Submit(nil ctx)", func() (string, error) {
			return submitErr(futures.Submit(nilCtx, ex, fltValue(1)))
		}, []string{"Submit", "nil context"}},
		{"Submit(nil executor)", func() (string, error) {
			return submitErr(futures.Submit(bg, nilEx, fltValue(1)))
		}, []string{"Submit", "nil *Executor"}},
		{"Submit(nil function)", func() (string, error) {
			return submitErr(futures.Submit[int](bg, ex, nil))
		}, []string{"Submit", "nil function"}},
		{"Go(nil)", func() (string, error) { return "", ex.Go(nil) }, []string{"Go", "nil function"}},

		// Futures.
		{"nil future: Result", func() (string, error) {
			v, err := nilFuture.Result(bg)
			if v != 0 {
				return fmt.Sprintf("value %v; want 0", v), err
			}
			return "", err
		}, []string{"Result", "nil *Future"}},
		{"nil future: Err", func() (string, error) { return "", nilFuture.Err(bg) }, []string{"nil *Future"}},
		{"Result(nil ctx) on a pending future", func() (string, error) {
			_, err := pending.Future().Result(nilCtx)
			return "", err
		}, []string{"Result", "nil context"}},
		{"Result(nil ctx) on a done future", func() (string, error) {
			// Misuse must not be reported only when the task happens to be
			// unfinished: that turns a programming error into a timing-dependent one.
			_, err := done.Result(nilCtx)
			return "", err
		}, []string{"Result", "nil context"}},
		{"Promise.SetError(nil)", func() (string, error) {
			err := pending.SetError(nil)
			if pending.Future().IsDone() {
				return "SetError(nil) completed the future", err
			}
			return "", err
		}, []string{"SetError", "nil error"}},

		// New and its options.
		{"WithMaxWorkers(0)", func() (string, error) { return newErr(futures.WithMaxWorkers(0)) }, []string{"WithMaxWorkers(0)", "at least 1"}},
		{"WithMaxWorkers(-1)", func() (string, error) { return newErr(futures.WithMaxWorkers(-1)) }, []string{"WithMaxWorkers(-1)", "at least 1"}},
		{"WithName(\"\")", func() (string, error) { return newErr(futures.WithName("")) }, []string{"WithName", "empty"}},
		{"WithInitializer(nil)", func() (string, error) { return newErr(futures.WithInitializer(nil)) }, []string{"WithInitializer(nil)"}},
		{"WithLogger(nil)", func() (string, error) { return newErr(futures.WithLogger(nil)) }, []string{"WithLogger(nil)"}},
		{"WithPanicHandler(nil)", func() (string, error) { return newErr(futures.WithPanicHandler(nil)) }, []string{"WithPanicHandler(nil)"}},
		{"nil Option", func() (string, error) { return newErr(futures.WithMaxWorkers(2), nil) }, []string{"nil Option"}},
		{"WithKeepAlive(-1s)", func() (string, error) { return newErr(futures.WithKeepAlive(-time.Second)) }, []string{"WithKeepAlive(-1s)", "negative"}},
		{"WithMinWorkers(-1)", func() (string, error) { return newErr(futures.WithMinWorkers(-1)) }, []string{"WithMinWorkers(-1)", "negative"}},
		{"WithMinWorkers above WithMaxWorkers", func() (string, error) {
			return newErr(futures.WithMaxWorkers(2), futures.WithMinWorkers(5))
		}, []string{"WithMinWorkers(5)", "maximum"}},
		{"WithQueueSize(0)", func() (string, error) { return newErr(futures.WithQueueSize(0, futures.Reject)) }, []string{"WithQueueSize(0", "at least 1"}},
		{"WithQueueSize with a bad policy", func() (string, error) {
			return newErr(futures.WithQueueSize(4, futures.FullPolicy(42)))
		}, []string{"WithQueueSize(4", "policy"}},
		{"two bad options", func() (string, error) {
			return newErr(futures.WithMaxWorkers(0), futures.WithName(""))
		}, []string{"WithMaxWorkers(0)", "WithName"}},
		{"SetMaxWorkers(0)", func() (string, error) {
			err := ex.SetMaxWorkers(0)
			if n := ex.MaxWorkers(); n != 2 {
				return fmt.Sprintf("MaxWorkers() = %d after the refused change; want 2", n), err
			}
			return "", err
		}, []string{"SetMaxWorkers(0)", "at least"}},

		// Map.
		{"Map Window(0)", func() (string, error) { return mapErr(futures.Map(bg, ex, inputs, square, futures.Window(0))) }, []string{"Window(0)", "at least 1"}},
		{"Map Window(-1)", func() (string, error) { return mapErr(futures.Map(bg, ex, inputs, square, futures.Window(-1))) }, []string{"Window(-1)", "at least 1"}},
		{"Map(nil ctx)", func() (string, error) { return mapErr(futures.Map(nilCtx, ex, inputs, square)) }, []string{"Map", "nil context"}},
		{"Map(nil executor)", func() (string, error) { return mapErr(futures.Map(bg, nilEx, inputs, square)) }, []string{"Map", "nil *Executor"}},
		{"Map(nil inputs)", func() (string, error) { return mapErr(futures.Map[int, int](bg, ex, nil, square)) }, []string{"Map", "nil input"}},
		{"Map(nil function)", func() (string, error) { return mapErr(futures.Map[int, int](bg, ex, inputs, nil)) }, []string{"Map", "nil function"}},
		{"Map nil MapOption", func() (string, error) { return mapErr(futures.Map(bg, ex, inputs, square, nil)) }, []string{"nil MapOption"}},

		// AsCompleted.
		{"AsCompleted(nil ctx)", func() (string, error) {
			var errs []error
			for f, err := range futures.AsCompleted(nilCtx, done) {
				if f != nil {
					return "AsCompleted(nil ctx) yielded a future", err
				}
				errs = append(errs, err)
			}
			if len(errs) != 1 {
				return fmt.Sprintf("AsCompleted(nil ctx) yielded %d steps; want one", len(errs)), errors.Join(errs...)
			}
			return "", errs[0]
		}, []string{"AsCompleted", "nil context"}},

		// Shutdown. A refused call must leave the executor as it was.
		{"Shutdown(nil ctx)", func() (string, error) {
			err := ex.Shutdown(nilCtx)
			if f := futures.Submit(bg, ex, fltValue(1)); f.Err(bg) != nil {
				return fmt.Sprintf("Submit after a refused Shutdown(nil): %v; want the executor still running", f.Err(bg)), err
			}
			return "", err
		}, []string{"Shutdown", "nil context"}},
		{"ShutdownNow(nil ctx)", func() (string, error) {
			err := ex.ShutdownNow(nilCtx)
			if f := futures.Submit(bg, ex, fltValue(1)); f.Err(bg) != nil {
				return fmt.Sprintf("Submit after a refused ShutdownNow(nil): %v; want the executor still running", f.Err(bg)), err
			}
			return "", err
		}, []string{"ShutdownNow", "nil context"}},

		// Methods on a nil *Executor.
		{"nil executor: Go", func() (string, error) { return "", nilEx.Go(func(context.Context) {}) }, []string{"Go", "nil *Executor"}},
		{"nil executor: Shutdown", func() (string, error) { return "", nilEx.Shutdown(bg) }, []string{"Shutdown", "nil *Executor"}},
		{"nil executor: ShutdownNow", func() (string, error) { return "", nilEx.ShutdownNow(bg) }, []string{"ShutdownNow", "nil *Executor"}},
		{"nil executor: Close", func() (string, error) { return "", nilEx.Close() }, []string{"nil *Executor"}},
		{"nil executor: SetMaxWorkers", func() (string, error) { return "", nilEx.SetMaxWorkers(2) }, []string{"SetMaxWorkers", "nil *Executor"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var err error
			var problem string
			if p := badRecover(func() { problem, err = c.call() }); p != "" {
				t.Fatalf("%s panicked: %s; want an error matching ErrInvalid", c.name, p)
			}
			if problem != "" {
				t.Errorf("%s: %s", c.name, problem)
			}
			if err == nil {
				t.Fatalf("%s: error = nil; want one matching futures.ErrInvalid", c.name)
			}
			if !errors.Is(err, futures.ErrInvalid) {
				t.Errorf("%s: errors.Is(%q, ErrInvalid) = false", c.name, err)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%s: error %q does not name the problem: want it to contain %q", c.name, err, w)
				}
			}
			if !strings.HasPrefix(err.Error(), "futures: ") {
				t.Errorf("%s: error %q; want the prefix \"futures: \"", c.name, err)
			}
		})
	}
}

// badRecover runs f and returns what it panicked with, or "".
func badRecover(f func()) (msg string) {
	done := false
	defer func() {
		if !done {
			msg = fmt.Sprint(recover())
		}
	}()
	f()
	done = true
	return ""
}

// TestBadInputPanics covers the misuses of calls with no error result: they panic with
// a message that starts with "futures:" and names the problem.
func TestBadInputPanics(t *testing.T) {
	ex := newExecutor(t, futures.WithMaxWorkers(1))
	bg := context.Background()
	f := futures.Submit(bg, ex, fltValue(1))
	var nilCtx context.Context
	var nilFuture *futures.Future[int]
	cases := []struct {
		name string
		call func()
		want string
	}{
		{"Wait(nil ctx)", func() { futures.Wait(nilCtx, futures.AllCompleted, f) }, "nil context"},
		{"Wait with an invalid mode", func() { futures.Wait(bg, futures.WaitMode(7), f) }, "mode"},
		{"Wait with a negative mode", func() { futures.Wait(bg, futures.WaitMode(-1), f) }, "mode"},
		{"Wait with an invalid mode and no futures", func() { futures.Wait[*futures.Future[int]](bg, futures.WaitMode(7)) }, "mode"},
		{"AddDoneCallback(nil)", func() { f.AddDoneCallback(nil) }, "nil function"},
		{"AddDoneCallback on a nil future", func() { nilFuture.AddDoneCallback(func(*futures.Future[int]) {}) }, "nil *Future"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			msg := badRecover(c.call)
			if msg == "" {
				t.Fatalf("%s did not panic; want a panic that starts with \"futures:\"", c.name)
			}
			if !strings.HasPrefix(msg, "futures:") || !strings.Contains(msg, c.want) {
				t.Errorf("%s panicked with %q; want it to start with \"futures:\" and contain %q", c.name, msg, c.want)
			}
		})
	}
}

// TestBadInputNilExecutorAccessors checks the accessors of a nil *Executor, as left by a
// New whose error was ignored: they must not die with a bare nil-pointer dereference,
// which does not say what was wrong. A zero value or a panic that starts with
// "futures:" both explain the misuse.
func TestBadInputNilExecutorAccessors(t *testing.T) {
	checkLeaks(t)
	var nilEx *futures.Executor
	for _, c := range []struct {
		name string
		call func()
	}{
		{"Name", func() { _ = nilEx.Name() }},
		{"MaxWorkers", func() { _ = nilEx.MaxWorkers() }},
		{"Workers", func() { _ = nilEx.Workers() }},
		{"Stats", func() { _ = nilEx.Stats() }},
	} {
		if msg := badRecover(c.call); msg != "" && !strings.HasPrefix(msg, "futures:") {
			t.Errorf("(*Executor)(nil).%s() panicked with %q; want a zero value or a panic that says \"futures: ... nil *Executor\"", c.name, msg)
		}
	}
}

// TestBadInputNilFutures checks that Wait and AsCompleted count a nil future as done,
// once, and that a nil future's Result reports the problem.
func TestBadInputNilFutures(t *testing.T) {
	ex := newExecutor(t, futures.WithMaxWorkers(1))
	bg := context.Background()
	gate := make(chan struct{})
	defer close(gate)
	running := futures.Submit(bg, ex, fltGated(nil, gate, 1))
	finished := futures.Submit(bg, ex, fltValue(2))
	finished.Cancel()
	var nilFuture *futures.Future[int]
	ended := endedCtx()

	// AllCompleted with a canceled ctx: a poll. The nil future is done; the running one
	// is not; the repeat of nil counts once.
	done, notDone := futures.Wait(ended, futures.AllCompleted, nilFuture, running, nilFuture, finished)
	if !slices.Equal(done, []*futures.Future[int]{nilFuture, finished}) || !slices.Equal(notDone, []*futures.Future[int]{running}) {
		t.Errorf("Wait(poll, nil, running, nil, canceled) = done %v, not done %v; want done [nil canceled], not done [running]", done, notDone)
	}
	// Only nil futures: done at once, even with a context that never ends.
	done, notDone = futures.Wait(bg, futures.AllCompleted, nilFuture)
	if len(done) != 1 || len(notDone) != 0 {
		t.Errorf("Wait(nil future) = %d done, %d not done; want 1, 0", len(done), len(notDone))
	}
	// FirstError: a nil future's Result is an error, so it ends the wait.
	done, notDone = futures.Wait(bg, futures.FirstError, running, nilFuture)
	if !slices.Equal(done, []*futures.Future[int]{nilFuture}) || !slices.Equal(notDone, []*futures.Future[int]{running}) {
		t.Errorf("Wait(FirstError, running, nil) = done %v, not done %v; want done [nil]", done, notDone)
	}
	// Awaitable: a nil interface and a typed nil are both nil futures (they may count
	// as one).
	doneA, notDoneA := futures.Wait[futures.Awaitable](ended, futures.AllCompleted, nil, futures.Awaitable(nilFuture), running)
	if len(doneA) < 1 || len(doneA) > 2 || len(notDoneA) != 1 || notDoneA[0] != futures.Awaitable(running) {
		t.Errorf("Wait[Awaitable](nil, typed nil, running) = done %v, not done %v; want the nil ones done, running not", doneA, notDoneA)
	}
	// AsCompleted yields the nil future first, as done.
	var got []*futures.Future[int]
	for f, err := range futures.AsCompleted(ended, nilFuture, running) {
		if err != nil {
			break
		}
		got = append(got, f)
	}
	if !slices.Equal(got, []*futures.Future[int]{nilFuture}) {
		t.Errorf("AsCompleted(nil, running) yielded %v before the context error; want [nil]", got)
	}
	if st := nilFuture.State(); !st.Done() {
		t.Errorf("nil future: State() = %v; want a done state", st)
	}
	if nilFuture.Cancel() {
		t.Errorf("nil future: Cancel() = true; want false")
	}
	select {
	case <-nilFuture.Done():
	default:
		t.Errorf("nil future: Done() is not closed")
	}
}
