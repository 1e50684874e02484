package futures_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gofutures/futures"
)

// This file ports section A of conformance-cases.md (CPython's test_future.py) and
// pins the contract of Future, Promise and done-callbacks. The "bare futures" of the
// conformance cases are promises; see futBare.

// futBare names the bare futures of the conformance cases.
type futBare int

const (
	futPending          futBare = iota // PENDING_F: a new promise
	futRunning                         // RUNNING_F: SetRunning
	futCanceled                        // CANCELLED_F: Cancel
	futCanceledNotified                // CAN_F: Cancel, then SetRunning (which fails)
	futException                       // EXCEPTION_F: SetError(errFutOS)
	futSuccess                         // SUCCESS_F: SetResult(42)
)

var futBareNames = [...]string{"PENDING_F", "RUNNING_F", "CANCELLED_F", "CAN_F", "EXCEPTION_F", "SUCCESS_F"}

func (b futBare) String() string { return futBareNames[b] }

// futAllBare lists every bare future, in the order the conformance tables use.
var futAllBare = []futBare{futPending, futRunning, futCanceled, futCanceledNotified, futException, futSuccess}

// errFutOS stands for the OSError that CPython's EXCEPTION_F holds.
var errFutOS = errors.New("OSError")

// futMake returns a promise in the state b, and its future.
//
// CAN_F is built the way CPython builds it: canceled, then
// set_running_or_notify_cancel. There is no "canceled and notified" state here
// (go-decisions.md §4), so it is just a canceled future; TestFutureNoCanceledLimbo
// pins that.
func futMake(t *testing.T, b futBare) (*futures.Promise[int], *futures.Future[int]) {
	t.Helper()
	p := futures.NewPromise[int]()
	f := p.Future()
	switch b {
	case futRunning:
		if !p.SetRunning() {
			t.Fatalf("%v: p.SetRunning() = false; want true", b)
		}
	case futCanceled:
		if !f.Cancel() {
			t.Fatalf("%v: f.Cancel() = false; want true", b)
		}
	case futCanceledNotified:
		if !f.Cancel() {
			t.Fatalf("%v: f.Cancel() = false; want true", b)
		}
		if p.SetRunning() {
			t.Fatalf("%v: p.SetRunning() after Cancel = true; want false", b)
		}
	case futException:
		if err := p.SetError(errFutOS); err != nil {
			t.Fatalf("%v: p.SetError(%v) = %v; want nil", b, errFutOS, err)
		}
	case futSuccess:
		if err := p.SetResult(42); err != nil {
			t.Fatalf("%v: p.SetResult(42) = %v; want nil", b, err)
		}
	}
	return p, f
}

// logger returns a text logger that writes to b.
func (l *syncBuffer) logger() *slog.Logger { return slog.New(slog.NewTextHandler(l, nil)) }

// futCaptureDefaultLog sends slog.Default, which promises log to, to a buffer until
// t ends. It restores the log package too, which slog.SetDefault redirects.
func futCaptureDefaultLog(t *testing.T) *syncBuffer {
	l := new(syncBuffer)
	old, oldW, oldFlags := slog.Default(), log.Writer(), log.Flags()
	slog.SetDefault(l.logger())
	t.Cleanup(func() {
		slog.SetDefault(old)
		log.SetOutput(oldW)
		log.SetFlags(oldFlags)
	})
	return l
}

// futGate returns a channel that blocker tasks wait on, and a function that opens it
// and may be called more than once. The gate opens when t ends at the latest; call
// newExecutor before futGate, so that it opens before the executor's cleanup.
func futGate(t testing.TB) (<-chan struct{}, func()) {
	ch := make(chan struct{})
	var once sync.Once
	open := func() { once.Do(func() { close(ch) }) }
	t.Cleanup(open)
	return ch, open
}

// futIsClosed reports whether ch is closed, without blocking.
func futIsClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// C-001.
func TestFutureCallbackSeesResult(t *testing.T) {
	checkLeaks(t)
	p := futures.NewPromise[int]()
	f := p.Future()
	calls := 0
	var got int
	var gotErr error
	f.AddDoneCallback(func(f *futures.Future[int]) {
		calls++
		got, gotErr = f.Result(context.Background())
	})
	if calls != 0 {
		t.Fatalf("callback ran %d times before SetResult; want 0", calls)
	}
	if err := p.SetResult(5); err != nil {
		t.Fatalf("p.SetResult(5) = %v; want nil", err)
	}
	if calls != 1 {
		t.Fatalf("callback ran %d times by the return of SetResult; want 1", calls)
	}
	if got != 5 || gotErr != nil {
		t.Errorf("in callback: f.Result() = %v, %v; want 5, nil", got, gotErr)
	}
}

// C-002.
func TestFutureCallbackSeesError(t *testing.T) {
	checkLeaks(t)
	p := futures.NewPromise[int]()
	f := p.Future()
	var got error
	calls := 0
	f.AddDoneCallback(func(f *futures.Future[int]) {
		calls++
		got = f.Err(context.Background())
	})
	if err := p.SetError(errors.New("test")); err != nil {
		t.Fatalf("p.SetError(test) = %v; want nil", err)
	}
	if calls != 1 {
		t.Fatalf("callback ran %d times by the return of SetError; want 1", calls)
	}
	if got == nil || got.Error() != "test" {
		t.Errorf("in callback: f.Err() = %v; want the error \"test\"", got)
	}
}

// C-003.
func TestFutureCallbackOnCancel(t *testing.T) {
	checkLeaks(t)
	f := futures.NewPromise[int]().Future()
	calls := 0
	var canceled bool
	f.AddDoneCallback(func(f *futures.Future[int]) {
		calls++
		canceled = f.Canceled()
	})
	if !f.Cancel() {
		t.Fatal("f.Cancel() = false; want true")
	}
	if calls != 1 || !canceled {
		t.Errorf("callback ran %d times and saw Canceled() = %v; want 1 time, true", calls, canceled)
	}
}

// C-004: a panic in a callback is Python's Exception in a callback: it is recovered
// and logged, and the later callbacks still run.
func TestFutureCallbackPanicIsLogged(t *testing.T) {
	t.Run("promise", func(t *testing.T) {
		checkLeaks(t)
		logs := futCaptureDefaultLog(t)
		p := futures.NewPromise[int]()
		f := p.Future()
		var order []string
		f.AddDoneCallback(func(*futures.Future[int]) {
			order = append(order, "first")
			panic("doh!")
		})
		f.AddDoneCallback(func(*futures.Future[int]) { order = append(order, "second") })
		if err := p.SetResult(5); err != nil {
			t.Fatalf("p.SetResult(5) = %v; want nil", err)
		}
		if got := strings.Join(order, ","); got != "first,second" {
			t.Errorf("callbacks ran as %q; want \"first,second\"", got)
		}
		if out := logs.String(); !strings.Contains(out, "done-callback panicked") || !strings.Contains(out, "doh!") {
			t.Errorf("slog.Default output = %q; want it to report the panic \"doh!\"", out)
		}
		if v, err := f.Result(context.Background()); v != 5 || err != nil {
			t.Errorf("f.Result() = %v, %v; want 5, nil", v, err)
		}
	})
	t.Run("executor", func(t *testing.T) {
		logs := new(syncBuffer)
		ex := newExecutor(t, futures.WithLogger(logs.logger()))
		gate, open := futGate(t)
		f := futures.Submit(context.Background(), ex, func(context.Context) (int, error) {
			<-gate
			return 5, nil
		})
		var order []string
		done := make(chan struct{})
		f.AddDoneCallback(func(*futures.Future[int]) {
			order = append(order, "first")
			panic("doh!")
		})
		f.AddDoneCallback(func(*futures.Future[int]) {
			order = append(order, "second")
			close(done)
		})
		open()
		<-done
		if got := strings.Join(order, ","); got != "first,second" {
			t.Errorf("callbacks ran as %q; want \"first,second\"", got)
		}
		if out := logs.String(); !strings.Contains(out, "done-callback panicked") || !strings.Contains(out, "doh!") {
			t.Errorf("executor log = %q; want it to report the panic \"doh!\"", out)
		}
		if v, err := f.Result(context.Background()); v != 5 || err != nil {
			t.Errorf("f.Result() = %v, %v; want 5, nil", v, err)
		}
		// The worker survived the panic.
		g := futures.Submit(context.Background(), ex, func(context.Context) (int, error) { return 6, nil })
		if v, err := g.Result(context.Background()); v != 6 || err != nil {
			t.Errorf("after the panic: g.Result() = %v, %v; want 6, nil", v, err)
		}
	})
}

// C-005, C-006, C-007: a callback added to a done future runs at once, in the
// calling goroutine, before AddDoneCallback returns.
func TestFutureCallbackAlreadyDone(t *testing.T) {
	for _, b := range []futBare{futSuccess, futException, futCanceled} {
		t.Run(b.String(), func(t *testing.T) {
			checkLeaks(t)
			_, f := futMake(t, b)
			me := currentGoroutineID()
			calls := 0
			var gid string
			var v int
			var err error
			var canceled bool
			f.AddDoneCallback(func(f *futures.Future[int]) {
				calls++
				gid = currentGoroutineID()
				v, err = f.Result(context.Background())
				canceled = f.Canceled()
			})
			if calls != 1 {
				t.Fatalf("callback ran %d times by the return of AddDoneCallback; want 1", calls)
			}
			if gid != me {
				t.Errorf("callback ran in goroutine %s; want the caller's, %s", gid, me)
			}
			switch b {
			case futSuccess:
				if v != 42 || err != nil {
					t.Errorf("in callback: f.Result() = %v, %v; want 42, nil", v, err)
				}
			case futException:
				if err != errFutOS {
					t.Errorf("in callback: f.Result() error = %v; want %v", err, errFutOS)
				}
			case futCanceled:
				if !canceled {
					t.Errorf("in callback: f.Canceled() = false; want true")
				}
			}
		})
	}
}

// C-008.
func TestFutureCallbackPanicAlreadyDone(t *testing.T) {
	t.Run("promise", func(t *testing.T) {
		checkLeaks(t)
		logs := futCaptureDefaultLog(t)
		_, f := futMake(t, futSuccess)
		f.AddDoneCallback(func(*futures.Future[int]) { panic("doh!") })
		if out := logs.String(); !strings.Contains(out, "done-callback panicked") || !strings.Contains(out, "doh!") {
			t.Errorf("slog.Default output = %q; want it to report the panic \"doh!\"", out)
		}
	})
	t.Run("executor", func(t *testing.T) {
		logs := new(syncBuffer)
		ex := newExecutor(t, futures.WithLogger(logs.logger()))
		f := futures.Submit(context.Background(), ex, func(context.Context) (int, error) { return 5, nil })
		if _, err := f.Result(context.Background()); err != nil {
			t.Fatalf("f.Result() error = %v; want nil", err)
		}
		f.AddDoneCallback(func(*futures.Future[int]) { panic("doh!") })
		if out := logs.String(); !strings.Contains(out, "done-callback panicked") || !strings.Contains(out, "doh!") {
			t.Errorf("executor log = %q; want it to report the panic \"doh!\"", out)
		}
	})
}

// C-010, and State's String.
func TestFutureString(t *testing.T) {
	checkLeaks(t)
	want := map[futBare]string{
		futPending:          "pending",
		futRunning:          "running",
		futCanceled:         "canceled",
		futCanceledNotified: "canceled",
		futException:        "finished with error: OSError",
		futSuccess:          "finished returned int",
	}
	for _, b := range futAllBare {
		_, f := futMake(t, b)
		if got := f.String(); got != want[b] {
			t.Errorf("%v: f.String() = %q; want %q", b, got, want[b])
		}
	}

	ps := futures.NewPromise[string]()
	ps.SetResult("")
	if got, want := ps.Future().String(), "finished returned string"; got != want {
		t.Errorf("Promise[string] with \"\": f.String() = %q; want %q", got, want)
	}
	if got, want := fmt.Sprint(ps.Future()), "finished returned string"; got != want {
		t.Errorf("fmt.Sprint(f) = %q; want %q", got, want)
	}

	states := []struct {
		s    futures.State
		want string
		done bool
	}{
		{futures.Pending, "pending", false},
		{futures.Running, "running", false},
		{futures.Canceled, "canceled", true},
		{futures.Finished, "finished", true},
		{futures.State(99), "State(99)", true},
	}
	for _, tt := range states {
		if got := tt.s.String(); got != tt.want {
			t.Errorf("State(%d).String() = %q; want %q", uint32(tt.s), got, tt.want)
		}
		if tt.s <= futures.Finished {
			if got := tt.s.Done(); got != tt.done {
				t.Errorf("%v.Done() = %v; want %v", tt.s, got, tt.done)
			}
		}
	}
}

// C-011.
func TestFutureCancel(t *testing.T) {
	checkLeaks(t)
	tests := []struct {
		b         futBare
		want      bool
		wantState futures.State
		wantCalls int // runs of a callback registered before Cancel
	}{
		{futPending, true, futures.Canceled, 1},
		{futRunning, false, futures.Running, 0},
		{futCanceled, true, futures.Canceled, 1},
		{futCanceledNotified, true, futures.Canceled, 1},
		{futException, false, futures.Finished, 1},
		{futSuccess, false, futures.Finished, 1},
	}
	for _, tt := range tests {
		_, f := futMake(t, tt.b)
		calls := 0
		f.AddDoneCallback(func(*futures.Future[int]) { calls++ })
		if got := f.Cancel(); got != tt.want {
			t.Errorf("%v: f.Cancel() = %v; want %v", tt.b, got, tt.want)
		}
		if got := f.State(); got != tt.wantState {
			t.Errorf("%v: after Cancel, f.State() = %v; want %v", tt.b, got, tt.wantState)
		}
		if got := f.Cancel(); got != tt.want {
			t.Errorf("%v: second f.Cancel() = %v; want %v", tt.b, got, tt.want)
		}
		if calls != tt.wantCalls {
			t.Errorf("%v: the callback ran %d times; want %d", tt.b, calls, tt.wantCalls)
		}
	}
	// An already-finished future keeps its outcome.
	_, f := futMake(t, futSuccess)
	f.Cancel()
	if v, err := f.Result(context.Background()); v != 42 || err != nil {
		t.Errorf("SUCCESS_F after Cancel: f.Result() = %v, %v; want 42, nil", v, err)
	}
}

// C-012, C-013, C-014, and State.
func TestFuturePredicates(t *testing.T) {
	checkLeaks(t)
	tests := []struct {
		b                         futBare
		canceled, running, isDone bool
		state                     futures.State
	}{
		{futPending, false, false, false, futures.Pending},
		{futRunning, false, true, false, futures.Running},
		{futCanceled, true, false, true, futures.Canceled},
		{futCanceledNotified, true, false, true, futures.Canceled},
		{futException, false, false, true, futures.Finished},
		{futSuccess, false, false, true, futures.Finished},
	}
	for _, tt := range tests {
		_, f := futMake(t, tt.b)
		if got := f.Canceled(); got != tt.canceled {
			t.Errorf("%v: f.Canceled() = %v; want %v", tt.b, got, tt.canceled)
		}
		if got := f.Running(); got != tt.running {
			t.Errorf("%v: f.Running() = %v; want %v", tt.b, got, tt.running)
		}
		if got := f.IsDone(); got != tt.isDone {
			t.Errorf("%v: f.IsDone() = %v; want %v", tt.b, got, tt.isDone)
		}
		if got := f.State(); got != tt.state {
			t.Errorf("%v: f.State() = %v; want %v", tt.b, got, tt.state)
		}
		if got := futIsClosed(f.Done()); got != tt.isDone {
			t.Errorf("%v: f.Done() closed = %v; want %v", tt.b, got, tt.isDone)
		}
	}
}

// C-015 and C-018: Result and Err with an already-ended context poll; a done future
// never times out.
func TestFutureResultPoll(t *testing.T) {
	checkLeaks(t)
	expired, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Hour))
	defer cancel()
	for _, b := range futAllBare {
		t.Run(b.String(), func(t *testing.T) {
			_, f := futMake(t, b)
			before := f.State()
			for _, c := range []struct {
				name    string
				ctx     context.Context
				ctxErr  error
				ctxErrS string
			}{
				{"canceled ctx", endedCtx(), context.Canceled, "context.Canceled"},
				{"expired ctx", expired, context.DeadlineExceeded, "context.DeadlineExceeded"},
			} {
				v, err := f.Result(c.ctx)
				errOnly := f.Err(c.ctx)
				switch b {
				case futPending, futRunning:
					if v != 0 || err != c.ctxErr {
						t.Errorf("%s: f.Result() = %v, %v; want 0, %s", c.name, v, err, c.ctxErrS)
					}
					if errors.Is(err, futures.ErrCanceled) {
						t.Errorf("%s: f.Result() error %v matches ErrCanceled; a poll that times out must not look like a canceled future", c.name, err)
					}
					if errOnly != c.ctxErr {
						t.Errorf("%s: f.Err() = %v; want %s", c.name, errOnly, c.ctxErrS)
					}
				case futCanceled, futCanceledNotified:
					if v != 0 || !errors.Is(err, futures.ErrCanceled) || !errors.Is(err, context.Canceled) {
						t.Errorf("%s: f.Result() = %v, %v; want 0 and an error matching ErrCanceled and context.Canceled", c.name, v, err)
					}
					if !errors.Is(errOnly, futures.ErrCanceled) {
						t.Errorf("%s: f.Err() = %v; want an error matching ErrCanceled", c.name, errOnly)
					}
				case futException:
					if v != 0 || err != errFutOS {
						t.Errorf("%s: f.Result() = %v, %v; want 0, %v", c.name, v, err, errFutOS)
					}
					if errOnly != errFutOS {
						t.Errorf("%s: f.Err() = %v; want %v", c.name, errOnly, errFutOS)
					}
				case futSuccess:
					if v != 42 || err != nil {
						t.Errorf("%s: f.Result() = %v, %v; want 42, nil", c.name, v, err)
					}
					if errOnly != nil {
						t.Errorf("%s: f.Err() = %v; want nil", c.name, errOnly)
					}
				}
			}
			if got := f.State(); got != before {
				t.Errorf("after polling: f.State() = %v; want %v (unchanged)", got, before)
			}
		})
	}
}

// C-016: Result waits for a later SetResult.
func TestFutureResultWaits(t *testing.T) {
	checkLeaks(t)
	synctest.Test(t, func(t *testing.T) {
		p := futures.NewPromise[int]()
		go func() {
			time.Sleep(time.Second)
			p.SetResult(42)
		}()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		start := time.Now()
		v, err := p.Future().Result(ctx)
		if v != 42 || err != nil {
			t.Errorf("f.Result(5s) = %v, %v; want 42, nil", v, err)
		}
		if d := time.Since(start); d != time.Second {
			t.Errorf("f.Result(5s) returned after %v; want 1s", d)
		}
	})
}

// C-019: Err waits for a later failure.
func TestFutureErrWaits(t *testing.T) {
	checkLeaks(t)
	synctest.Test(t, func(t *testing.T) {
		p := futures.NewPromise[int]()
		go func() {
			time.Sleep(time.Second)
			p.SetError(errFutOS)
		}()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		start := time.Now()
		if err := p.Future().Err(ctx); err != errFutOS {
			t.Errorf("f.Err(30s) = %v; want %v", err, errFutOS)
		}
		if d := time.Since(start); d != time.Second {
			t.Errorf("f.Err(30s) returned after %v; want 1s", d)
		}
	})
}

// C-020, C-021: completing a done promise fails with ErrInvalidState, says what the
// state is, and changes nothing.
func TestPromiseCompleteTwice(t *testing.T) {
	checkLeaks(t)
	type op struct {
		name string
		do   func(*futures.Promise[int]) error
	}
	errFirst, errSecond := errors.New("ValueError"), errors.New("Exception")
	setResult := func(v int) op {
		return op{fmt.Sprintf("SetResult(%d)", v), func(p *futures.Promise[int]) error { return p.SetResult(v) }}
	}
	setError := func(e error) op {
		return op{fmt.Sprintf("SetError(%v)", e), func(p *futures.Promise[int]) error { return p.SetError(e) }}
	}
	tests := []struct {
		first, second op
		wantV         int
		wantErr       error
		wantDesc      string // in the message of the second call's error
	}{
		{setResult(1), setResult(2), 1, nil, "finished returned int"},                             // C-020
		{setError(errFirst), setError(errSecond), 0, errFirst, "finished with error: ValueError"}, // C-021
		{setResult(1), setError(errSecond), 1, nil, "finished returned int"},
		{setError(errFirst), setResult(2), 0, errFirst, "finished with error: ValueError"},
	}
	for _, tt := range tests {
		name := tt.first.name + " then " + tt.second.name
		p := futures.NewPromise[int]()
		f := p.Future()
		calls := 0
		f.AddDoneCallback(func(*futures.Future[int]) { calls++ })
		if err := tt.first.do(p); err != nil {
			t.Fatalf("%s: first call = %v; want nil", name, err)
		}
		err := tt.second.do(p)
		if !errors.Is(err, futures.ErrInvalidState) {
			t.Errorf("%s: second call = %v; want an error matching ErrInvalidState", name, err)
		} else if !strings.Contains(err.Error(), tt.wantDesc) {
			t.Errorf("%s: second call error = %q; want it to contain the state description %q", name, err, tt.wantDesc)
		}
		if !f.IsDone() {
			t.Errorf("%s: f.IsDone() = false; want true", name)
		}
		if v, err := f.Result(context.Background()); v != tt.wantV || err != tt.wantErr {
			t.Errorf("%s: f.Result() = %v, %v; want %v, %v", name, v, err, tt.wantV, tt.wantErr)
		}
		if calls != 1 {
			t.Errorf("%s: the callback ran %d times; want 1", name, calls)
		}
	}
}

// Completing a canceled promise fails with ErrInvalidState too, and the future stays
// canceled.
func TestPromiseCompleteCanceled(t *testing.T) {
	checkLeaks(t)
	p, f := futMake(t, futCanceled)
	calls := 0
	f.AddDoneCallback(func(*futures.Future[int]) { calls++ })
	for name, err := range map[string]error{
		"p.SetResult(1)":   p.SetResult(1),
		"p.SetError(boom)": p.SetError(errors.New("boom")),
	} {
		if !errors.Is(err, futures.ErrInvalidState) || !strings.Contains(err.Error(), "canceled") {
			t.Errorf("%s on a canceled future = %v; want an error matching ErrInvalidState that says \"canceled\"", name, err)
		}
	}
	if _, err := f.Result(context.Background()); !errors.Is(err, futures.ErrCanceled) {
		t.Errorf("f.Result() = _, %v; want an error matching ErrCanceled", err)
	}
	if calls != 1 {
		t.Errorf("the callback ran %d times; want 1", calls)
	}
}

// C-023: SetRunning is Python's set_running_or_notify_cancel. Where Python raises
// RuntimeError (running or finished futures), SetRunning reports whether the future is
// running and changes nothing.
func TestPromiseSetRunning(t *testing.T) {
	checkLeaks(t)
	tests := []struct {
		b     futBare
		want  bool
		state futures.State
	}{
		{futPending, true, futures.Running},
		{futRunning, true, futures.Running}, // idempotent; CPython raises RuntimeError
		{futCanceled, false, futures.Canceled},
		{futCanceledNotified, false, futures.Canceled},
		{futException, false, futures.Finished}, // CPython raises RuntimeError
		{futSuccess, false, futures.Finished},   // CPython raises RuntimeError
	}
	for _, tt := range tests {
		p, f := futMake(t, tt.b)
		calls := 0
		f.AddDoneCallback(func(*futures.Future[int]) { calls++ })
		wantCalls := calls // 1 if already done, else 0
		done := f.Done()
		if got := p.SetRunning(); got != tt.want {
			t.Errorf("%v: p.SetRunning() = %v; want %v", tt.b, got, tt.want)
		}
		if got := f.State(); got != tt.state {
			t.Errorf("%v: after SetRunning, f.State() = %v; want %v", tt.b, got, tt.state)
		}
		if calls != wantCalls {
			t.Errorf("%v: SetRunning ran the callback (%d runs; want %d)", tt.b, calls, wantCalls)
		}
		if got := futIsClosed(done); got != tt.state.Done() {
			t.Errorf("%v: after SetRunning, f.Done() closed = %v; want %v", tt.b, got, tt.state.Done())
		}
	}

	// A running promise can no longer be canceled, and completes normally.
	p, f := futMake(t, futRunning)
	if f.Cancel() {
		t.Errorf("RUNNING_F: f.Cancel() = true; want false")
	}
	if err := p.SetResult(3); err != nil {
		t.Errorf("RUNNING_F: p.SetResult(3) = %v; want nil", err)
	}
	if v, err := f.Result(context.Background()); v != 3 || err != nil {
		t.Errorf("RUNNING_F: f.Result() = %v, %v; want 3, nil", v, err)
	}
}

// C-024.
func TestPromiseSetResultFromPending(t *testing.T) {
	checkLeaks(t)
	p := futures.NewPromise[int]()
	f := p.Future()
	if err := p.SetResult(7); err != nil {
		t.Fatalf("p.SetResult(7) = %v; want nil", err)
	}
	if !f.IsDone() || f.Running() || f.State() != futures.Finished {
		t.Errorf("after SetResult: IsDone, Running, State = %v, %v, %v; want true, false, finished", f.IsDone(), f.Running(), f.State())
	}
	if v, err := f.Result(context.Background()); v != 7 || err != nil {
		t.Errorf("f.Result() = %v, %v; want 7, nil", v, err)
	}
	if p.Future() != f {
		t.Errorf("p.Future() returned a different future on the second call")
	}
}

// TestFutureNoCanceledLimbo pins go-decisions.md §4: there is no CPython
// CANCELLED_AND_NOTIFIED state. A canceled future is done for every waiter (Result,
// Done, Wait, AsCompleted, callbacks) the moment it is canceled, whether a worker
// ever dequeues it or not; CAN_F is just a canceled future.
func TestFutureNoCanceledLimbo(t *testing.T) {
	// checkDone checks that the canceled future f is done for everyone, at once.
	checkDone := func(t *testing.T, f *futures.Future[int], wantCause error) {
		t.Helper()
		if !f.IsDone() || !f.Canceled() || f.State() != futures.Canceled {
			t.Errorf("IsDone, Canceled, State = %v, %v, %v; want true, true, canceled", f.IsDone(), f.Canceled(), f.State())
		}
		if !futIsClosed(f.Done()) {
			t.Errorf("f.Done() is not closed")
		}
		_, err := f.Result(endedCtx())
		if !errors.Is(err, futures.ErrCanceled) || (wantCause != nil && !errors.Is(err, wantCause)) {
			t.Errorf("f.Result(poll) = _, %v; want an error matching ErrCanceled (and %v)", err, wantCause)
		}
		// A bounded wait that has not ended: they must return at once.
		ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
		defer cancel()
		start := time.Now()
		done, notDone := futures.Wait(ctx, futures.AllCompleted, f)
		if len(done) != 1 || done[0] != f || len(notDone) != 0 {
			t.Errorf("Wait(AllCompleted, f) = %v, %v; want [f], []", done, notDone)
		}
		var yielded []*futures.Future[int]
		for g, err := range futures.AsCompleted(ctx, f) {
			if err != nil {
				t.Errorf("AsCompleted(f) yielded error %v; want none", err)
				break
			}
			yielded = append(yielded, g)
		}
		if len(yielded) != 1 || yielded[0] != f {
			t.Errorf("AsCompleted(f) yielded %v; want [f]", yielded)
		}
		if d := time.Since(start); d != 0 {
			t.Errorf("Wait and AsCompleted took %v; want 0 (fake time)", d)
		}
		calls := 0
		f.AddDoneCallback(func(*futures.Future[int]) { calls++ })
		if calls != 1 {
			t.Errorf("a callback added to the canceled future ran %d times; want 1", calls)
		}
	}

	t.Run("CAN_F", func(t *testing.T) {
		checkLeaks(t)
		synctest.Test(t, func(t *testing.T) {
			for _, b := range []futBare{futCanceled, futCanceledNotified} {
				p, f := futMake(t, b)
				checkDone(t, f, nil)
				// set_running_or_notify_cancel has nothing left to do.
				if p.SetRunning() {
					t.Errorf("%v: p.SetRunning() = true; want false", b)
				}
				if f.State() != futures.Canceled || f.String() != "canceled" {
					t.Errorf("%v: after SetRunning, State, String = %v, %q; want canceled, \"canceled\"", b, f.State(), f.String())
				}
			}
		})
	})

	t.Run("canceled while queued", func(t *testing.T) {
		checkLeaks(t)
		synctest.Test(t, func(t *testing.T) {
			ex, err := futures.New(futures.WithMaxWorkers(1))
			if err != nil {
				t.Fatal(err)
			}
			defer ex.Shutdown(context.Background())
			gate := make(chan struct{})
			defer close(gate)
			futures.Submit(context.Background(), ex, func(context.Context) (int, error) { <-gate; return 0, nil })
			q := futures.Submit(context.Background(), ex, func(context.Context) (int, error) { return 1, nil })
			if !q.Cancel() {
				t.Fatalf("q.Cancel() on a queued future = false; want true")
			}
			checkDone(t, q, nil)
		})
	})

	t.Run("canceled by ShutdownNow", func(t *testing.T) {
		checkLeaks(t)
		synctest.Test(t, func(t *testing.T) {
			ex, err := futures.New(futures.WithMaxWorkers(1))
			if err != nil {
				t.Fatal(err)
			}
			gate := make(chan struct{})
			started := make(chan struct{})
			futures.Submit(context.Background(), ex, func(context.Context) (int, error) { close(started); <-gate; return 0, nil })
			q := futures.Submit(context.Background(), ex, func(context.Context) (int, error) { return 1, nil })
			<-started // the blocker runs: ShutdownNow cannot finish while it does
			// ShutdownNow with an ended context does not wait (shutdown(wait=False,
			// cancel_futures=True)); the blocker is still running.
			if err := ex.ShutdownNow(endedCtx()); !errors.Is(err, context.Canceled) {
				t.Errorf("ex.ShutdownNow(canceled ctx) = %v; want an error matching context.Canceled", err)
			}
			checkDone(t, q, futures.ErrShutdown)
			close(gate)
			if err := ex.Shutdown(context.Background()); err != nil {
				t.Errorf("ex.Shutdown() = %v; want nil", err)
			}
		})
	})
}

// Done returns one channel, closed when the future is done.
func TestFutureDoneChannel(t *testing.T) {
	checkLeaks(t)
	p := futures.NewPromise[int]()
	f := p.Future()
	c1, c2 := f.Done(), f.Done()
	if c1 != c2 {
		t.Errorf("two f.Done() calls on a pending future returned different channels")
	}
	if futIsClosed(c1) {
		t.Fatalf("f.Done() is closed while the future is pending")
	}
	p.SetResult(1)
	if !futIsClosed(c1) {
		t.Fatalf("f.Done() is not closed after SetResult")
	}
	// The doc says: "The first call on a pending future makes the channel; later
	// calls return the same one."
	if c3 := f.Done(); c3 != c1 {
		t.Errorf("f.Done() after completion returned a different channel than before it; want the same channel")
	}

	for _, b := range []futBare{futCanceled, futException, futSuccess} {
		_, f := futMake(t, b)
		c1, c2 := f.Done(), f.Done()
		if !futIsClosed(c1) {
			t.Errorf("%v: f.Done() is not closed", b)
		}
		if c1 != c2 {
			t.Errorf("%v: two f.Done() calls returned different channels", b)
		}
	}

	// Canceling closes the channel too.
	p = futures.NewPromise[int]()
	c := p.Future().Done()
	p.Future().Cancel()
	if !futIsClosed(c) {
		t.Errorf("f.Done() is not closed after Cancel")
	}
}

// Done channels of executor futures close when the task returns.
func TestFutureDoneChannelExecutor(t *testing.T) {
	ex := newExecutor(t)
	gate, open := futGate(t)
	f := futures.Submit(context.Background(), ex, func(context.Context) (int, error) { <-gate; return 1, nil })
	c := f.Done()
	if futIsClosed(c) {
		t.Fatalf("f.Done() is closed while the task is blocked")
	}
	open()
	<-c
	if !f.IsDone() {
		t.Errorf("after <-f.Done(): f.IsDone() = false; want true")
	}
	if v, err := f.Result(endedCtx()); v != 1 || err != nil {
		t.Errorf("after <-f.Done(): f.Result(poll) = %v, %v; want 1, nil", v, err)
	}
}

// Callbacks run in registration order, each exactly once, whatever happens to the
// future afterwards.
func TestCallbackOrderAndOnce(t *testing.T) {
	for _, complete := range []string{"SetResult", "SetError", "Cancel"} {
		t.Run(complete, func(t *testing.T) {
			checkLeaks(t)
			p := futures.NewPromise[int]()
			f := p.Future()
			var order []int
			for i := range 10 {
				f.AddDoneCallback(func(*futures.Future[int]) { order = append(order, i) })
			}
			switch complete {
			case "SetResult":
				p.SetResult(1)
			case "SetError":
				p.SetError(errFutOS)
			case "Cancel":
				f.Cancel()
			}
			want := "[0 1 2 3 4 5 6 7 8 9]"
			if got := fmt.Sprint(order); got != want {
				t.Fatalf("callbacks ran as %s; want %s", got, want)
			}
			p.SetResult(2)
			p.SetError(errFutOS)
			f.Cancel()
			p.SetRunning()
			if got := fmt.Sprint(order); got != want {
				t.Errorf("after more completion attempts, callbacks have run as %s; want %s", got, want)
			}
		})
	}

	t.Run("executor", func(t *testing.T) {
		ex := newExecutor(t)
		gate, open := futGate(t)
		f := futures.Submit(context.Background(), ex, func(context.Context) (int, error) { <-gate; return 1, nil })
		var order []int
		for i := range 10 {
			f.AddDoneCallback(func(*futures.Future[int]) { order = append(order, i) })
		}
		open()
		// Shutdown returns when every worker has exited, so no callback can still
		// be running or run later.
		if err := ex.Shutdown(context.Background()); err != nil {
			t.Fatalf("ex.Shutdown() = %v; want nil", err)
		}
		if got, want := fmt.Sprint(order), "[0 1 2 3 4 5 6 7 8 9]"; got != want {
			t.Errorf("callbacks ran as %s; want %s", got, want)
		}
	})
}

// Callbacks run in the goroutine that completes the future.
func TestCallbackGoroutine(t *testing.T) {
	t.Run("SetResult", func(t *testing.T) {
		checkLeaks(t)
		p := futures.NewPromise[int]()
		var cbID string
		p.Future().AddDoneCallback(func(*futures.Future[int]) { cbID = currentGoroutineID() })
		setter := make(chan string)
		go func() {
			id := currentGoroutineID()
			p.SetResult(1)
			setter <- id
		}()
		if id := <-setter; cbID != id {
			t.Errorf("callback ran in goroutine %s; want the one that called SetResult, %s", cbID, id)
		}
	})
	t.Run("Cancel", func(t *testing.T) {
		checkLeaks(t)
		f := futures.NewPromise[int]().Future()
		var cbID string
		f.AddDoneCallback(func(*futures.Future[int]) { cbID = currentGoroutineID() })
		canceler := make(chan string)
		go func() {
			id := currentGoroutineID()
			f.Cancel()
			canceler <- id
		}()
		if id := <-canceler; cbID != id {
			t.Errorf("callback ran in goroutine %s; want the one that called Cancel, %s", cbID, id)
		}
	})
	t.Run("worker", func(t *testing.T) {
		ex := newExecutor(t)
		gate, open := futGate(t)
		var taskID, cbID string
		f := futures.Submit(context.Background(), ex, func(context.Context) (int, error) {
			<-gate
			taskID = currentGoroutineID()
			return 1, nil
		})
		done := make(chan struct{})
		f.AddDoneCallback(func(*futures.Future[int]) {
			cbID = currentGoroutineID()
			close(done)
		})
		open()
		<-done
		if cbID != taskID || cbID == currentGoroutineID() {
			t.Errorf("callback ran in goroutine %s; want the worker that ran the task, %s", cbID, taskID)
		}
	})
	t.Run("ShutdownNow", func(t *testing.T) {
		ex := newExecutor(t, futures.WithMaxWorkers(1))
		gate, open := futGate(t)
		started := make(chan struct{})
		futures.Submit(context.Background(), ex, func(context.Context) (int, error) { close(started); <-gate; return 0, nil })
		q := futures.Submit(context.Background(), ex, func(context.Context) (int, error) { return 1, nil })
		<-started // the blocker runs: ShutdownNow cannot finish while it does
		var cbID string
		q.AddDoneCallback(func(*futures.Future[int]) { cbID = currentGoroutineID() })
		if err := ex.ShutdownNow(endedCtx()); !errors.Is(err, context.Canceled) {
			t.Errorf("ex.ShutdownNow(canceled ctx) = %v; want an error matching context.Canceled", err)
		}
		if me := currentGoroutineID(); cbID != me {
			t.Errorf("callback ran in goroutine %q; want the one that called ShutdownNow, %s", cbID, me)
		}
		open()
	})
}

// A callback that calls runtime.Goexit ends the goroutine that runs it, but the
// remaining callbacks still run first.
func TestCallbackGoexit(t *testing.T) {
	t.Run("promise", func(t *testing.T) {
		checkLeaks(t)
		logs := futCaptureDefaultLog(t)
		p := futures.NewPromise[int]()
		f := p.Future()
		var order []int
		f.AddDoneCallback(func(*futures.Future[int]) { order = append(order, 1) })
		f.AddDoneCallback(func(*futures.Future[int]) { runtime.Goexit() })
		f.AddDoneCallback(func(*futures.Future[int]) { order = append(order, 3) })
		exited := make(chan struct{})
		returned := false
		go func() {
			defer close(exited)
			p.SetResult(5)
			returned = true
		}()
		<-exited
		if returned {
			t.Errorf("SetResult returned; want its goroutine ended by the callback's runtime.Goexit")
		}
		if got := fmt.Sprint(order); got != "[1 3]" {
			t.Errorf("callbacks ran as %s; want [1 3]", got)
		}
		if v, err := f.Result(context.Background()); v != 5 || err != nil {
			t.Errorf("f.Result() = %v, %v; want 5, nil", v, err)
		}
		if out := logs.String(); !strings.Contains(out, "runtime.Goexit") {
			t.Errorf("slog.Default output = %q; want it to report the runtime.Goexit", out)
		}
	})
	t.Run("executor", func(t *testing.T) {
		logs := new(syncBuffer)
		ex := newExecutor(t, futures.WithMaxWorkers(1), futures.WithLogger(logs.logger()))
		gate, open := futGate(t)
		f := futures.Submit(context.Background(), ex, func(context.Context) (int, error) { <-gate; return 5, nil })
		var order []int
		done := make(chan struct{})
		f.AddDoneCallback(func(*futures.Future[int]) { order = append(order, 1) })
		f.AddDoneCallback(func(*futures.Future[int]) { runtime.Goexit() })
		f.AddDoneCallback(func(*futures.Future[int]) {
			order = append(order, 3)
			close(done)
		})
		open()
		<-done
		if got := fmt.Sprint(order); got != "[1 3]" {
			t.Errorf("callbacks ran as %s; want [1 3]", got)
		}
		if v, err := f.Result(context.Background()); v != 5 || err != nil {
			t.Errorf("f.Result() = %v, %v; want 5, nil", v, err)
		}
		// The executor still works, with its one worker.
		for i := range 3 {
			g := futures.Submit(context.Background(), ex, func(context.Context) (int, error) { return i, nil })
			if v, err := g.Result(context.Background()); v != i || err != nil {
				t.Errorf("after the Goexit: g.Result() = %v, %v; want %d, nil", v, err, i)
			}
		}
		if out := logs.String(); !strings.Contains(out, "runtime.Goexit") {
			t.Errorf("executor log = %q; want it to report the runtime.Goexit", out)
		}
	})
}

// go-decisions.md §4: callbacks never run under an executor lock, so a callback may
// call Submit and Shutdown on the executor of its own future (CPython deadlocks,
// C-113). Each case would deadlock if a callback ran under the executor's lock.
func TestCallbackUsesItsExecutor(t *testing.T) {
	bg := context.Background()

	t.Run("Submit from a worker", func(t *testing.T) {
		ex := newExecutor(t, futures.WithMaxWorkers(1))
		gate, open := futGate(t)
		f := futures.Submit(bg, ex, func(context.Context) (int, error) { <-gate; return 1, nil })
		next := make(chan *futures.Future[int], 1)
		f.AddDoneCallback(func(*futures.Future[int]) {
			_ = ex.Workers() // takes the executor's lock
			next <- futures.Submit(bg, ex, func(context.Context) (int, error) { return 2, nil })
		})
		open()
		if v, err := (<-next).Result(bg); v != 2 || err != nil {
			t.Errorf("g.Result() of a task submitted by a callback = %v, %v; want 2, nil", v, err)
		}
	})

	t.Run("Shutdown from a worker", func(t *testing.T) {
		ex := newExecutor(t, futures.WithMaxWorkers(2))
		gate, open := futGate(t)
		f := futures.Submit(bg, ex, func(context.Context) (int, error) { <-gate; return 1, nil })
		var shutdownErr, submitErr error
		done := make(chan struct{})
		f.AddDoneCallback(func(*futures.Future[int]) {
			defer close(done)
			// The callback runs on a worker, which Shutdown would wait for: it uses
			// an ended context, Python's shutdown(wait=False).
			shutdownErr = ex.Shutdown(endedCtx())
			submitErr = futures.Submit(bg, ex, func(context.Context) (int, error) { return 2, nil }).Err(bg)
		})
		open()
		<-done
		if !errors.Is(shutdownErr, context.Canceled) {
			t.Errorf("in callback: ex.Shutdown(canceled ctx) = %v; want an error matching context.Canceled", shutdownErr)
		}
		if !errors.Is(submitErr, futures.ErrShutdown) {
			t.Errorf("in callback, after Shutdown: Submit(...).Err() = %v; want ErrShutdown", submitErr)
		}
		if err := ex.Shutdown(bg); err != nil {
			t.Errorf("ex.Shutdown() = %v; want nil", err)
		}
	})

	t.Run("Submit and Shutdown from Cancel", func(t *testing.T) {
		ex := newExecutor(t, futures.WithMaxWorkers(1))
		gate, open := futGate(t)
		futures.Submit(bg, ex, func(context.Context) (int, error) { <-gate; return 1, nil })
		q := futures.Submit(bg, ex, func(context.Context) (int, error) { return 2, nil })
		var g *futures.Future[int]
		var shutdownErr error
		q.AddDoneCallback(func(*futures.Future[int]) {
			g = futures.Submit(bg, ex, func(context.Context) (int, error) { return 3, nil })
			open()
			// Runs in the goroutine that called Cancel, not on a worker: a full,
			// waiting Shutdown is fine.
			shutdownErr = ex.Shutdown(bg)
		})
		if !q.Cancel() {
			t.Fatalf("q.Cancel() = false; want true")
		}
		if shutdownErr != nil {
			t.Errorf("in callback: ex.Shutdown() = %v; want nil", shutdownErr)
		}
		if v, err := g.Result(bg); v != 3 || err != nil {
			t.Errorf("g.Result() of a task submitted by a callback = %v, %v; want 3, nil", v, err)
		}
	})

	t.Run("Submit and Shutdown from ShutdownNow", func(t *testing.T) {
		ex := newExecutor(t, futures.WithMaxWorkers(1))
		gate, open := futGate(t)
		futures.Submit(bg, ex, func(context.Context) (int, error) { <-gate; return 1, nil })
		q := futures.Submit(bg, ex, func(context.Context) (int, error) { return 2, nil })
		var submitErr, shutdownErr error
		q.AddDoneCallback(func(*futures.Future[int]) {
			submitErr = futures.Submit(bg, ex, func(context.Context) (int, error) { return 3, nil }).Err(bg)
			open()
			shutdownErr = ex.Shutdown(bg)
		})
		if err := ex.ShutdownNow(bg); err != nil {
			t.Errorf("ex.ShutdownNow() = %v; want nil", err)
		}
		if !errors.Is(submitErr, futures.ErrShutdown) {
			t.Errorf("in callback: Submit(...).Err() = %v; want ErrShutdown", submitErr)
		}
		if shutdownErr != nil {
			t.Errorf("in callback: ex.Shutdown() = %v; want nil", shutdownErr)
		}
		if _, err := q.Result(bg); !errors.Is(err, futures.ErrCanceled) || !errors.Is(err, futures.ErrShutdown) {
			t.Errorf("q.Result() = _, %v; want an error matching ErrCanceled and ErrShutdown", err)
		}
	})
}

// A callback that runs on a worker may submit a task and wait for it: with a free
// worker slot the task must start. In CPython the worker is not idle while it runs
// the callbacks of its future, so submit starts a second thread (with max_workers=2).
func TestCallbackSubmitAndWaitOnWorker(t *testing.T) {
	checkLeaks(t)
	synctest.Test(t, func(t *testing.T) {
		bg := context.Background()
		ex, err := futures.New(futures.WithMaxWorkers(2))
		if err != nil {
			t.Fatal(err)
		}
		defer ex.Shutdown(bg)
		gate := make(chan struct{})
		f := futures.Submit(bg, ex, func(context.Context) (int, error) { <-gate; return 1, nil })
		type outcome struct {
			v   int
			err error
		}
		got := make(chan outcome, 1)
		f.AddDoneCallback(func(*futures.Future[int]) {
			g := futures.Submit(bg, ex, func(context.Context) (int, error) { return 2, nil })
			ctx, cancel := context.WithTimeout(bg, time.Minute) // fake time
			defer cancel()
			v, err := g.Result(ctx)
			got <- outcome{v, err}
		})
		close(gate)
		if o := <-got; o.v != 2 || o.err != nil {
			t.Errorf("in a callback on a worker of a 2-worker executor: g.Result() = %v, %v; want 2, nil", o.v, o.err)
		}
	})
}

// Misuse is reported: ErrInvalid errors, and panics with the package prefix.
func TestFutureMisuse(t *testing.T) {
	checkLeaks(t)
	t.Run("AddDoneCallback(nil)", func(t *testing.T) {
		f := futures.NewPromise[int]().Future()
		defer func() {
			r := recover()
			if msg := fmt.Sprint(r); r == nil || !strings.HasPrefix(msg, "futures:") {
				t.Errorf("f.AddDoneCallback(nil) panicked with %v; want a panic whose message starts with \"futures:\"", r)
			}
		}()
		f.AddDoneCallback(nil)
	})
	t.Run("SetError(nil)", func(t *testing.T) {
		p := futures.NewPromise[int]()
		if err := p.SetError(nil); !errors.Is(err, futures.ErrInvalid) {
			t.Errorf("p.SetError(nil) = %v; want an error matching ErrInvalid", err)
		}
		if st := p.Future().State(); st != futures.Pending {
			t.Errorf("after SetError(nil): f.State() = %v; want pending", st)
		}
		if err := p.SetResult(1); err != nil {
			t.Errorf("after SetError(nil): p.SetResult(1) = %v; want nil", err)
		}
	})
	t.Run("nil future", func(t *testing.T) {
		var f *futures.Future[int]
		if v, err := f.Result(context.Background()); v != 0 || !errors.Is(err, futures.ErrInvalid) {
			t.Errorf("nil future: f.Result() = %v, %v; want 0 and an error matching ErrInvalid", v, err)
		}
		if err := f.Err(context.Background()); !errors.Is(err, futures.ErrInvalid) {
			t.Errorf("nil future: f.Err() = %v; want an error matching ErrInvalid", err)
		}
	})
	t.Run("nil context", func(t *testing.T) {
		var nilCtx context.Context
		for _, b := range []futBare{futPending, futRunning} {
			_, f := futMake(t, b)
			if v, err := f.Result(nilCtx); v != 0 || !errors.Is(err, futures.ErrInvalid) {
				t.Errorf("%v: f.Result(nil) = %v, %v; want 0 and an error matching ErrInvalid", b, v, err)
			}
			if st := f.State(); st.Done() {
				t.Errorf("%v: after Result(nil), f.State() = %v; want not done", b, st)
			}
		}
	})
}

// C-074 analog: an error that looks empty (Python's falsey exception) is still a
// failure.
func TestFutureFalseyErrors(t *testing.T) {
	tests := []struct {
		name string
		err  error
	}{
		{"zero struct", emptyError{}},
		{"typed nil pointer", (*ptrError)(nil)},
		{"empty message", errors.New("")},
	}
	t.Run("promise", func(t *testing.T) {
		checkLeaks(t)
		for _, tt := range tests {
			p := futures.NewPromise[int]()
			f := p.Future()
			if err := p.SetError(tt.err); err != nil {
				t.Errorf("%s: p.SetError(%#v) = %v; want nil", tt.name, tt.err, err)
				continue
			}
			if v, err := f.Result(context.Background()); v != 0 || err != tt.err {
				t.Errorf("%s: f.Result() = %v, %#v; want 0, %#v", tt.name, v, err, tt.err)
			}
			if f.State() != futures.Finished || f.Canceled() {
				t.Errorf("%s: f.State() = %v; want finished, not canceled", tt.name, f.State())
			}
			if got := f.String(); got != "finished with error: " {
				t.Errorf("%s: f.String() = %q; want \"finished with error: \"", tt.name, got)
			}
		}
	})
	t.Run("executor", func(t *testing.T) {
		ex := newExecutor(t)
		for _, tt := range tests {
			f := futures.Submit(context.Background(), ex, func(context.Context) (int, error) { return 1, tt.err })
			if v, err := f.Result(context.Background()); err != tt.err {
				t.Errorf("%s: f.Result() = %v, %#v; want an error %#v", tt.name, v, err, tt.err)
			}
			done, _ := futures.Wait(context.Background(), futures.FirstError, f)
			if len(done) != 1 {
				t.Errorf("%s: Wait(FirstError, f) done = %v; want [f]", tt.name, done)
			}
		}
	})
}

// Result with a context that ends while it waits returns ctx.Err() and leaves the
// future alone; a later Result still gets the outcome.
func TestFutureResultContextEnds(t *testing.T) {
	checkLeaks(t)
	t.Run("deadline", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			p := futures.NewPromise[int]()
			f := p.Future()
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			start := time.Now()
			if v, err := f.Result(ctx); v != 0 || err != context.DeadlineExceeded {
				t.Errorf("f.Result(1s) = %v, %v; want 0, context.DeadlineExceeded", v, err)
			}
			if d := time.Since(start); d != time.Second {
				t.Errorf("f.Result(1s) returned after %v; want 1s", d)
			}
			if st := f.State(); st != futures.Pending || futIsClosed(f.Done()) {
				t.Errorf("after the wait ended: f.State() = %v; want pending, Done not closed", st)
			}
			go func() {
				time.Sleep(time.Second)
				p.SetResult(42)
			}()
			if v, err := f.Result(context.Background()); v != 42 || err != nil {
				t.Errorf("later f.Result() = %v, %v; want 42, nil", v, err)
			}
		})
	})
	t.Run("cancel with cause", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			p := futures.NewPromise[int]()
			f := p.Future()
			ctx, cancel := context.WithCancelCause(context.Background())
			errc := make(chan error, 1)
			go func() {
				_, err := f.Result(ctx)
				errc <- err
			}()
			synctest.Wait() // Result is blocked
			cancel(errors.New("gave up"))
			if err := <-errc; err != context.Canceled {
				t.Errorf("f.Result(ctx) = _, %v; want ctx.Err(), context.Canceled", err)
			}
			if f.State() != futures.Pending {
				t.Errorf("after the wait ended: f.State() = %v; want pending", f.State())
			}
			p.SetResult(7)
			if v, err := f.Result(ctx); v != 7 || err != nil {
				t.Errorf("f.Result(ended ctx) on the done future = %v, %v; want 7, nil", v, err)
			}
		})
	})
	t.Run("executor", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			ex, err := futures.New()
			if err != nil {
				t.Fatal(err)
			}
			defer ex.Shutdown(context.Background())
			f := futures.Submit(context.Background(), ex, func(context.Context) (int, error) {
				time.Sleep(time.Minute)
				return 42, nil
			})
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			if v, err := f.Result(ctx); v != 0 || err != context.DeadlineExceeded {
				t.Errorf("f.Result(1s) = %v, %v; want 0, context.DeadlineExceeded", v, err)
			}
			if st := f.State(); st != futures.Running {
				t.Errorf("after the wait ended: f.State() = %v; want running (the task goes on)", st)
			}
			if v, err := f.Result(context.Background()); v != 42 || err != nil {
				t.Errorf("later f.Result() = %v, %v; want 42, nil", v, err)
			}
		})
	})
}

// Many goroutines blocked in Result on one future all wake with its outcome; those
// whose context ends first leave without disturbing the others.
func TestFutureManyWaiters(t *testing.T) {
	const n = 64
	type outcome struct {
		i   int
		v   int
		err error
	}
	t.Run("promise", func(t *testing.T) {
		checkLeaks(t)
		synctest.Test(t, func(t *testing.T) {
			p := futures.NewPromise[int]()
			f := p.Future()
			ctx, cancel := context.WithCancel(context.Background())
			out := make(chan outcome, n)
			for i := range n {
				c := context.Background()
				if i%2 == 1 {
					c = ctx
				}
				go func() {
					v, err := f.Result(c)
					out <- outcome{i, v, err}
				}()
			}
			synctest.Wait()
			if len(out) != 0 {
				t.Fatalf("%d Result calls returned before the future was done", len(out))
			}
			cancel()
			synctest.Wait()
			if len(out) != n/2 {
				t.Fatalf("%d Result calls returned after their context ended; want %d", len(out), n/2)
			}
			for range n / 2 {
				if o := <-out; o.i%2 != 1 || o.v != 0 || o.err != context.Canceled {
					t.Errorf("waiter %d: f.Result(ctx) = %v, %v; want an odd waiter with 0, context.Canceled", o.i, o.v, o.err)
				}
			}
			p.SetResult(42)
			for range n / 2 {
				if o := <-out; o.i%2 != 0 || o.v != 42 || o.err != nil {
					t.Errorf("waiter %d: f.Result() = %v, %v; want an even waiter with 42, nil", o.i, o.v, o.err)
				}
			}
		})
	})
	t.Run("executor", func(t *testing.T) {
		checkLeaks(t)
		synctest.Test(t, func(t *testing.T) {
			ex, err := futures.New()
			if err != nil {
				t.Fatal(err)
			}
			defer ex.Shutdown(context.Background())
			gate := make(chan struct{})
			f := futures.Submit(context.Background(), ex, func(context.Context) (int, error) { <-gate; return 42, nil })
			out := make(chan outcome, n)
			for i := range n {
				go func() {
					v, err := f.Result(context.Background())
					out <- outcome{i, v, err}
				}()
			}
			synctest.Wait()
			if len(out) != 0 {
				t.Fatalf("%d Result calls returned before the task did", len(out))
			}
			close(gate)
			for range n {
				if o := <-out; o.v != 42 || o.err != nil {
					t.Errorf("waiter %d: f.Result() = %v, %v; want 42, nil", o.i, o.v, o.err)
				}
			}
		})
	})
	t.Run("real scheduler", func(t *testing.T) {
		checkLeaks(t)
		p := futures.NewPromise[int]()
		f := p.Future()
		out := make(chan outcome, n)
		for i := range n {
			go func() {
				v, err := f.Result(context.Background())
				out <- outcome{i, v, err}
			}()
		}
		p.SetResult(42)
		for range n {
			if o := <-out; o.v != 42 || o.err != nil {
				t.Errorf("waiter %d: f.Result() = %v, %v; want 42, nil", o.i, o.v, o.err)
			}
		}
	})
}

// Cancel, SetRunning, SetResult and SetError racing from many goroutines end in
// exactly one terminal state: one completion wins, the others fail consistently, and
// the callbacks run once.
func TestFutureCompletionRace(t *testing.T) {
	checkLeaks(t)
	const rounds, n = 300, 12
	finished, canceled := 0, 0
	for round := range rounds {
		p := futures.NewPromise[int]()
		f := p.Future()
		var calls atomic.Int32
		f.AddDoneCallback(func(*futures.Future[int]) { calls.Add(1) })
		errs := make([]error, n)
		oks := make([]bool, n)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				<-start
				switch i % 4 {
				case 0:
					oks[i] = f.Cancel()
				case 1:
					oks[i] = p.SetRunning()
				case 2:
					errs[i] = p.SetResult(i)
				case 3:
					errs[i] = p.SetError(fmt.Errorf("e%d", i))
				}
			})
		}
		close(start)
		wg.Wait()

		if c := calls.Load(); c != 1 {
			t.Errorf("round %d: the callback ran %d times; want 1", round, c)
		}
		v, err := f.Result(endedCtx())
		winners := 0
		for i := range n {
			switch i % 4 {
			case 0:
				if want := f.State() == futures.Canceled; oks[i] != want {
					t.Errorf("round %d: f.Cancel() = %v with final state %v; want %v", round, oks[i], f.State(), want)
				}
			case 2, 3:
				if errs[i] == nil {
					winners++
					want := fmt.Sprintf("%d <nil>", i)
					if i%4 == 3 {
						want = fmt.Sprintf("0 e%d", i)
					}
					if got := fmt.Sprintf("%v %v", v, err); got != want {
						t.Errorf("round %d: completion %d won, but f.Result() = %v, %v; want %s", round, i, v, err, want)
					}
				} else if !errors.Is(errs[i], futures.ErrInvalidState) {
					t.Errorf("round %d: losing completion %d = %v; want an error matching ErrInvalidState", round, i, errs[i])
				}
			}
		}
		switch f.State() {
		case futures.Finished:
			finished++
			if winners != 1 {
				t.Errorf("round %d: %d completions succeeded on a finished future; want 1", round, winners)
			}
		case futures.Canceled:
			canceled++
			if winners != 0 || !errors.Is(err, futures.ErrCanceled) {
				t.Errorf("round %d: canceled future with %d successful completions and Result error %v; want 0 and ErrCanceled", round, winners, err)
			}
		default:
			t.Errorf("round %d: final f.State() = %v; want canceled or finished", round, f.State())
		}
	}
	t.Logf("%d rounds finished, %d canceled", finished, canceled)
}

// A Result whose context ends while the future completes returns either the outcome
// or ctx.Err(), never a mix; the future keeps its outcome.
func TestFutureResultRacesContext(t *testing.T) {
	checkLeaks(t)
	const rounds, n = 200, 6
	for round := range rounds {
		p := futures.NewPromise[int]()
		f := p.Future()
		ctx, cancel := context.WithCancel(context.Background())
		vs := make([]int, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { vs[i], errs[i] = f.Result(ctx) })
		}
		wg.Go(cancel)
		wg.Go(func() { p.SetResult(42) })
		wg.Wait()
		for i := range n {
			if !(vs[i] == 42 && errs[i] == nil) && !(vs[i] == 0 && errs[i] == context.Canceled) {
				t.Errorf("round %d: f.Result(ctx) = %v, %v; want 42, nil or 0, context.Canceled", round, vs[i], errs[i])
			}
		}
		if v, err := f.Result(ctx); v != 42 || err != nil {
			t.Errorf("round %d: f.Result() afterwards = %v, %v; want 42, nil", round, v, err)
		}
	}
}

// What the completing goroutine wrote before completing is visible to whoever sees the
// future done: the race detector checks these reads.
func TestFutureHappensBefore(t *testing.T) {
	checkLeaks(t)
	t.Run("Result", func(t *testing.T) {
		p := futures.NewPromise[int]()
		var data []int
		go func() {
			data = append(data, 1, 2, 3)
			p.SetResult(len(data))
		}()
		if v, _ := p.Future().Result(context.Background()); v != len(data) {
			t.Errorf("f.Result() = %v; want len(data) = %d", v, len(data))
		}
	})
	t.Run("Err", func(t *testing.T) {
		p := futures.NewPromise[int]()
		var data []int
		go func() {
			data = append(data, 1, 2, 3)
			p.SetError(errFutOS)
		}()
		p.Future().Err(context.Background())
		if len(data) != 3 {
			t.Errorf("len(data) = %d after Err; want 3", len(data))
		}
	})
	t.Run("Done", func(t *testing.T) {
		p := futures.NewPromise[int]()
		var data []int
		go func() {
			data = append(data, 1, 2, 3)
			p.SetResult(0)
		}()
		<-p.Future().Done()
		if len(data) != 3 {
			t.Errorf("len(data) = %d after <-Done(); want 3", len(data))
		}
	})
	t.Run("Cancel", func(t *testing.T) {
		f := futures.NewPromise[int]().Future()
		var data []int
		go func() {
			data = append(data, 1, 2, 3)
			f.Cancel()
		}()
		f.Err(context.Background())
		if len(data) != 3 {
			t.Errorf("len(data) = %d after Err on the canceled future; want 3", len(data))
		}
	})
	t.Run("AddDoneCallback", func(t *testing.T) {
		p := futures.NewPromise[int]()
		var data []int
		read := make(chan int, 1)
		go func() {
			data = append(data, 1, 2, 3)
			p.SetResult(0)
		}()
		// Registered before or after completion, the callback sees data.
		p.Future().AddDoneCallback(func(*futures.Future[int]) { read <- len(data) })
		if n := <-read; n != 3 {
			t.Errorf("in callback: len(data) = %d; want 3", n)
		}
	})
	t.Run("executor", func(t *testing.T) {
		ex := newExecutor(t)
		data := make(map[string]int)
		f := futures.Submit(context.Background(), ex, func(context.Context) (int, error) {
			data["x"] = 1
			return 0, nil
		})
		<-f.Done()
		if data["x"] != 1 {
			t.Errorf("data[x] = %d after <-Done(); want 1", data["x"])
		}
		g := futures.Submit(context.Background(), ex, func(context.Context) (int, error) {
			data["y"] = 2
			return 0, nil
		})
		g.Result(context.Background())
		if data["y"] != 2 {
			t.Errorf("data[y] = %d after Result; want 2", data["y"])
		}
	})
}

// TestPromiseZeroValue: the zero Promise is a pending promise, as NewPromise returns.
func TestPromiseZeroValue(t *testing.T) {
	var p futures.Promise[int]
	f := p.Future()
	if st := f.State(); st != futures.Pending {
		t.Fatalf("the zero Promise's future is %v; want Pending", st)
	}
	if err := p.SetResult(7); err != nil {
		t.Fatalf("SetResult on the zero Promise = %v; want nil", err)
	}
	if v, err := f.Result(context.Background()); v != 7 || err != nil {
		t.Errorf("Result() = %v, %v; want 7, nil", v, err)
	}
}
