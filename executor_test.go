package futures_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gofutures/futures"
)

// Helpers shared by executor_test.go, shutdown_test.go, init_test.go and
// deadlock_test.go. Their names start with "ex" so that they do not collide with
// helpers of the other test files of the package.

// exWaitCtx returns a context that bounds a wait which must not hang: if the code
// under test hangs, the test fails after a while instead of timing out as a whole.
// It is a guard, never a means of synchronization.
func exWaitCtx(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// exBlocker returns a task that reports on started when it runs and then waits for
// gate to close, ignoring its context; it returns v.
func exBlocker(started chan<- struct{}, gate <-chan struct{}, v int) func(context.Context) (int, error) {
	return func(context.Context) (int, error) {
		if started != nil {
			started <- struct{}{}
		}
		<-gate
		return v, nil
	}
}

// exRecv receives n values from ch, failing t if that takes unreasonably long.
func exRecv(t testing.TB, ch <-chan struct{}, n int, what string) {
	t.Helper()
	ctx := exWaitCtx(t)
	for i := range n {
		select {
		case <-ch:
		case <-ctx.Done():
			t.Fatalf("%s: got %d of %d signals before giving up", what, i, n)
		}
	}
}

// exLogRecorder is a slog.Handler that keeps the records it gets.
type exLogRecorder struct {
	mu   sync.Mutex
	recs []slog.Record
	ch   chan struct{} // one token per record, never blocks
}

func newExLogRecorder() *exLogRecorder { return &exLogRecorder{ch: make(chan struct{}, 1000)} }

func (h *exLogRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (h *exLogRecorder) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *exLogRecorder) WithGroup(string) slog.Handler            { return h }

func (h *exLogRecorder) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	h.recs = append(h.recs, r.Clone())
	h.mu.Unlock()
	select {
	case h.ch <- struct{}{}:
	default:
	}
	return nil
}

func (h *exLogRecorder) records() []slog.Record {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.recs)
}

// exAttrs returns the attributes of r, with values in their string form.
func exAttrs(r slog.Record) map[string]string {
	m := make(map[string]string)
	r.Attrs(func(a slog.Attr) bool {
		m[a.Key] = a.Value.String()
		return true
	})
	return m
}

// exWorkerLabels returns the sorted values of the pprof label "worker" of the
// goroutines labeled "executor"=name whose stack contains frame (for example
// "futures_test.", for workers running a task of the tests), read from the goroutine
// profile.
func exWorkerLabels(t testing.TB, name, frame string) []string {
	t.Helper()
	var buf bytes.Buffer
	if err := pprof.Lookup("goroutine").WriteTo(&buf, 1); err != nil {
		t.Fatalf("goroutine profile: %v", err)
	}
	execRE := regexp.MustCompile(`"executor":"([^"]*)"`)
	workerRE := regexp.MustCompile(`"worker":"([^"]*)"`)
	countRE := regexp.MustCompile(`^(\d+) @`)
	var out []string
	for _, rec := range strings.Split(buf.String(), "\n\n") {
		if !strings.Contains(rec, frame) {
			continue
		}
		for _, line := range strings.Split(rec, "\n") {
			if !strings.HasPrefix(line, "# labels:") {
				continue
			}
			e := execRE.FindStringSubmatch(line)
			w := workerRE.FindStringSubmatch(line)
			if e == nil || e[1] != name || w == nil {
				continue
			}
			n := 1
			if c := countRE.FindStringSubmatch(rec); c != nil {
				fmt.Sscan(c[1], &n)
			}
			for range n {
				out = append(out, w[1])
			}
		}
	}
	slices.Sort(out)
	return out
}

// C-049.
func TestExecutorSubmitResult(t *testing.T) {
	ex := newExecutor(t)
	ctx := exWaitCtx(t)
	pow := func(x, y int) int {
		r := 1
		for range y {
			r *= x
		}
		return r
	}
	f := futures.Submit(context.Background(), ex, func(context.Context) (int, error) { return pow(2, 8), nil })
	if v, err := f.Result(ctx); v != 256 || err != nil {
		t.Errorf("Submit(pow(2, 8)).Result() = %v, %v; want 256, nil", v, err)
	}
	if st := f.State(); st != futures.Finished {
		t.Errorf("f.State() = %v after Result; want %v", st, futures.Finished)
	}
	if f.Canceled() || f.Running() || !f.IsDone() {
		t.Errorf("f.Canceled(), f.Running(), f.IsDone() = %v, %v, %v; want false, false, true", f.Canceled(), f.Running(), f.IsDone())
	}
}

// C-050: the Go form of arguments is a closure; captured values reach the task
// unchanged.
func TestExecutorSubmitClosureArgs(t *testing.T) {
	ex := newExecutor(t)
	ctx := exWaitCtx(t)

	mul := func(x, y int) int { return x * y }
	x, y := 2, 8
	if v, err := futures.Submit(context.Background(), ex, func(context.Context) (int, error) { return mul(x, y), nil }).Result(ctx); v != 16 || err != nil {
		t.Errorf("Submit(mul(2, 8)).Result() = %v, %v; want 16, nil", v, err)
	}

	// Python's capture(1, self=2, fn=3): names that mean something to Submit are just
	// captured variables here.
	type captured struct {
		args   []int
		kwargs map[string]int
	}
	self, fn := 2, 3
	args := []int{1}
	got, err := futures.Submit(context.Background(), ex, func(context.Context) (captured, error) {
		return captured{args: args, kwargs: map[string]int{"self": self, "fn": fn}}, nil
	}).Result(ctx)
	if err != nil || !slices.Equal(got.args, []int{1}) || got.kwargs["self"] != 2 || got.kwargs["fn"] != 3 {
		t.Errorf("Submit(capture(1, self=2, fn=3)).Result() = %+v, %v; want {[1] map[fn:3 self:2]}, nil", got, err)
	}
	if &got.args[0] != &args[0] {
		t.Errorf("the captured slice reached the task as a copy; want the same backing array")
	}

	// Each submission sees its own loop variable.
	var fs []*futures.Future[int]
	for i := range 20 {
		fs = append(fs, futures.Submit(context.Background(), ex, func(context.Context) (int, error) { return i, nil }))
	}
	for i, f := range fs {
		if v, err := f.Result(ctx); v != i || err != nil {
			t.Errorf("fs[%d].Result() = %v, %v; want %d, nil", i, v, err, i)
		}
	}
}

// C-050: a missing function, context or executor is refused with a future that is
// already finished with an error matching ErrInvalid.
func TestExecutorSubmitInvalid(t *testing.T) {
	ex := newExecutor(t)
	var ran atomic.Bool
	task := func(context.Context) (int, error) { ran.Store(true); return 1, nil }
	var nilCtx context.Context
	var nilEx *futures.Executor
	tests := []struct {
		name   string
		submit func() *futures.Future[int]
	}{
		{"nil function", func() *futures.Future[int] { return futures.Submit[int](context.Background(), ex, nil) }},
		{"nil context", func() *futures.Future[int] { return futures.Submit(nilCtx, ex, task) }},
		{"nil executor", func() *futures.Future[int] { return futures.Submit(context.Background(), nilEx, task) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := tt.submit()
			if f == nil {
				t.Fatalf("Submit = nil; want a finished future")
			}
			if !f.IsDone() || f.State() != futures.Finished {
				t.Errorf("f.IsDone(), f.State() = %v, %v right after Submit; want true, finished", f.IsDone(), f.State())
			}
			select {
			case <-f.Done():
			default:
				t.Errorf("f.Done() is not closed right after Submit")
			}
			// A done future answers even a context that has ended.
			v, err := f.Result(endedCtx())
			if v != 0 || !errors.Is(err, futures.ErrInvalid) {
				t.Errorf("f.Result() = %v, %v; want 0 and an error matching ErrInvalid", v, err)
			}
			if err != nil && !strings.Contains(err.Error(), "nil") {
				t.Errorf("f.Result() error %q does not say what was nil", err)
			}
			if f.Canceled() {
				t.Errorf("f.Canceled() = true; want false")
			}
		})
	}
	if ran.Load() {
		t.Errorf("a refused task ran")
	}
	if n := ex.Workers(); n != 0 {
		t.Errorf("ex.Workers() = %d after refused submissions; want 0", n)
	}
}

// exPayload is an object that only a task closure refers to.
type exPayload struct {
	data [64]byte
}

// exAwaitCollected runs the garbage collector until collected is closed, and reports
// whether it was within a bound.
func exAwaitCollected(collected <-chan struct{}) bool {
	for range 100 {
		runtime.GC()
		select {
		case <-collected:
			return true
		case <-time.After(10 * time.Millisecond): // let the cleanup goroutine run; bounded polling
		}
	}
	return false
}

// C-073: once a task has run, the executor keeps no reference to its closure or to
// what the closure captures.
func TestExecutorNoStaleReferences(t *testing.T) {
	tests := []struct {
		name string
		ctx  func() (context.Context, context.CancelFunc)
		fail bool // the task panics
		keep bool // the caller keeps the future
	}{
		{name: "background"},
		{name: "cancelable context", ctx: func() (context.Context, context.CancelFunc) { return context.WithCancel(context.Background()) }},
		{name: "panicking task", fail: true},
		{name: "future kept", keep: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ex := newExecutor(t, futures.WithMaxWorkers(2))
			ctx := context.Background()
			if tt.ctx != nil {
				var cancel context.CancelFunc
				ctx, cancel = tt.ctx()
				defer cancel()
			}
			collected := make(chan struct{})
			// submit is a separate function so that nothing on this frame refers to
			// the payload.
			submit := func() *futures.Future[int] {
				obj := &exPayload{}
				obj.data[0] = 7
				runtime.AddCleanup(obj, func(ch chan struct{}) { close(ch) }, collected)
				fail := tt.fail
				return futures.Submit(ctx, ex, func(context.Context) (int, error) {
					if fail {
						panic("boom")
					}
					return int(obj.data[0]), nil
				})
			}
			f := submit()
			v, err := f.Result(exWaitCtx(t))
			if tt.fail {
				var pe *futures.PanicError
				if !errors.As(err, &pe) {
					t.Fatalf("f.Result() = %v, %v; want a *PanicError", v, err)
				}
			} else if v != 7 || err != nil {
				t.Fatalf("f.Result() = %v, %v; want 7, nil", v, err)
			}
			if !tt.keep {
				f = nil
			}
			if !exAwaitCollected(collected) {
				t.Errorf("the object captured by a task that has run was not collected; the executor (or the future) still refers to the task")
			}
			runtime.KeepAlive(f)
		})
	}
}

// C-074: errors that look empty are still failures.
func TestExecutorFalseyErrors(t *testing.T) {
	ex := newExecutor(t)
	var nilPtr *ptrError
	tests := []struct {
		name string
		err  error
	}{
		{"zero struct", emptyError{}},
		{"empty message", errors.New("")},
		{"typed nil pointer", nilPtr},
		{"wrapped empty", fmt.Errorf("%w", emptyError{})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := futures.Submit(context.Background(), ex, func(context.Context) (int, error) { return 5, tt.err })
			v, err := f.Result(exWaitCtx(t))
			if err == nil {
				t.Fatalf("f.Result() error = nil; want %#v", tt.err)
			}
			if err != tt.err {
				t.Errorf("f.Result() error = %#v; want the task's own error %#v", err, tt.err)
			}
			if v != 5 {
				t.Errorf("f.Result() value = %d; want the task's 5", v)
			}
			if got := f.Err(exWaitCtx(t)); got != tt.err {
				t.Errorf("f.Err() = %#v; want %#v", got, tt.err)
			}
			if f.State() != futures.Finished || f.Canceled() {
				t.Errorf("f.State() = %v; want finished", f.State())
			}
		})
	}
}

// C-076: the maximum number of workers must be positive.
func TestExecutorMaxWorkersInvalid(t *testing.T) {
	checkLeaks(t)
	for _, n := range []int{0, -1} {
		ex, err := futures.New(futures.WithMaxWorkers(n))
		if ex != nil {
			t.Errorf("New(WithMaxWorkers(%d)) returned a non-nil executor", n)
		}
		if !errors.Is(err, futures.ErrInvalid) {
			t.Errorf("New(WithMaxWorkers(%d)) error = %v; want an error matching ErrInvalid", n, err)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, "WithMaxWorkers") {
			t.Errorf("New(WithMaxWorkers(%d)) error %q does not name the option", n, msg)
		}
		if !strings.Contains(msg, "at least 1") && !strings.Contains(msg, ">= 1") && !strings.Contains(msg, "greater than 0") {
			t.Errorf("New(WithMaxWorkers(%d)) error %q does not give the valid range", n, msg)
		}
	}
}

// C-077: the default maximum is min(32, runtime.NumCPU()+4); the option sets it, and
// the last one wins.
func TestExecutorMaxWorkersDefault(t *testing.T) {
	tests := []struct {
		name string
		opts []futures.Option
		want int
	}{
		{"default", nil, min(32, runtime.NumCPU()+4)},
		{"WithMaxWorkers(7)", []futures.Option{futures.WithMaxWorkers(7)}, 7},
		{"WithMaxWorkers(1)", []futures.Option{futures.WithMaxWorkers(1)}, 1},
		{"last wins", []futures.Option{futures.WithMaxWorkers(3), futures.WithMaxWorkers(5)}, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ex := newExecutor(t, tt.opts...)
			if got := ex.MaxWorkers(); got != tt.want {
				t.Errorf("ex.MaxWorkers() = %d; want %d", got, tt.want)
			}
		})
	}
}

// C-078: invalid option values are rejected by New, with a message that names the
// option; the max-workers check comes first.
func TestExecutorOptionsInvalid(t *testing.T) {
	checkLeaks(t)
	tests := []struct {
		name string
		opts []futures.Option
		want string // in the message
	}{
		{"WithInitializer(nil)", []futures.Option{futures.WithInitializer(nil)}, "WithInitializer"},
		{"WithLogger(nil)", []futures.Option{futures.WithLogger(nil)}, "WithLogger"},
		{"WithPanicHandler(nil)", []futures.Option{futures.WithPanicHandler(nil)}, "WithPanicHandler"},
		{`WithName("")`, []futures.Option{futures.WithName("")}, "WithName"},
		{"nil Option", []futures.Option{nil}, "nil Option"},
		{"max workers first", []futures.Option{futures.WithMaxWorkers(0), futures.WithInitializer(nil)}, "WithMaxWorkers"},
		{"max workers last", []futures.Option{futures.WithInitializer(nil), futures.WithMaxWorkers(-1)}, "WithMaxWorkers"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ex, err := futures.New(tt.opts...)
			if ex != nil {
				t.Errorf("New(%s) returned a non-nil executor", tt.name)
			}
			if !errors.Is(err, futures.ErrInvalid) {
				t.Fatalf("New(%s) error = %v; want an error matching ErrInvalid", tt.name, err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New(%s) error %q does not mention %q", tt.name, err, tt.want)
			}
		})
	}
}

// C-079: 60 blocking tasks on an executor of 4 give exactly 4 workers.
func TestExecutorSaturation(t *testing.T) {
	ex := newExecutor(t, futures.WithMaxWorkers(4))
	gate := make(chan struct{})
	started := make(chan struct{}, 60)
	var fs []*futures.Future[int]
	for i := range 60 {
		fs = append(fs, futures.Submit(context.Background(), ex, exBlocker(started, gate, i)))
	}
	if n := ex.Workers(); n != 4 {
		t.Errorf("ex.Workers() = %d right after 60 blocking submissions; want 4", n)
	}
	exRecv(t, started, 4, "tasks started")
	if n := ex.Workers(); n != 4 {
		t.Errorf("ex.Workers() = %d with 4 tasks running; want 4", n)
	}
	close(gate)
	if err := ex.Shutdown(exWaitCtx(t)); err != nil {
		t.Fatalf("ex.Shutdown() = %v; want nil", err)
	}
	for i, f := range fs {
		if v, err := f.Result(exWaitCtx(t)); v != i || err != nil {
			t.Errorf("fs[%d].Result() = %v, %v; want %d, nil", i, v, err, i)
		}
	}
}

// C-082: no worker at construction; each Submit starts at most one; workers do not
// go away while the executor is open; a sequential Submit+Result loop uses exactly one
// worker, because a worker counts as idle before it completes its future.
func TestExecutorLazyWorkers(t *testing.T) {
	t.Run("blocking", func(t *testing.T) {
		ex := newExecutor(t, futures.WithMaxWorkers(8))
		if n := ex.Workers(); n != 0 {
			t.Fatalf("ex.Workers() = %d after New; want 0", n)
		}
		gate := make(chan struct{})
		var fs []*futures.Future[int]
		for i := range 12 {
			fs = append(fs, futures.Submit(context.Background(), ex, exBlocker(nil, gate, i)))
			if got, want := ex.Workers(), min(i+1, 8); got != want {
				t.Errorf("ex.Workers() = %d after %d blocking submissions; want %d", got, i+1, want)
			}
		}
		close(gate)
		for _, f := range fs {
			f.Result(exWaitCtx(t))
		}
		if n := ex.Workers(); n != 8 {
			t.Errorf("ex.Workers() = %d after the tasks finished; want 8 (idle workers stay)", n)
		}
	})
	t.Run("burst", func(t *testing.T) {
		ex := newExecutor(t, futures.WithMaxWorkers(8))
		var fs []*futures.Future[int]
		prev := 0
		for i := range 200 {
			fs = append(fs, futures.Submit(context.Background(), ex, func(context.Context) (int, error) { return i, nil }))
			n := ex.Workers()
			if n > prev+1 || n > 8 || n < prev {
				t.Errorf("ex.Workers() went from %d to %d on one Submit; want at most one more, at most 8, never fewer", prev, n)
			}
			prev = n
		}
		for _, f := range fs {
			f.Result(exWaitCtx(t))
		}
	})
	t.Run("sequential reuse", func(t *testing.T) {
		ex := newExecutor(t)
		ctx := exWaitCtx(t)
		for i := range 100 {
			v, err := futures.Submit(context.Background(), ex, func(context.Context) (int, error) { return i, nil }).Result(ctx)
			if v != i || err != nil {
				t.Fatalf("Submit(%d).Result() = %v, %v", i, v, err)
			}
			if n := ex.Workers(); n != 1 {
				t.Fatalf("ex.Workers() = %d after %d sequential Submit+Result; want 1", n, i+1)
			}
		}
	})
}

// TestRampLetsWorkersBegin starts workers from a goroutine that never blocks, on a
// single processor: a submission that starts a worker while the one started before it
// has not begun yields, so the workers begin their tasks during the ramp. (Without the
// yield, the submitter would keep the only processor, and no task would have begun by
// the end of the loop.)
func TestRampLetsWorkersBegin(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	const n = 100
	ex := newExecutor(t, futures.WithMaxWorkers(n))
	gate := make(chan struct{})
	defer close(gate)
	var begun atomic.Int64
	for range n {
		if err := ex.Go(func(context.Context) { begun.Add(1); <-gate }); err != nil {
			t.Fatal(err)
		}
	}
	if got := begun.Load(); got < n/2 {
		t.Errorf("%d of %d tasks began while a submitter on one processor started their workers; want at least %d", got, n, n/2)
	}
}

// C-083/C-084: workers carry the pprof labels "executor" (the executor's name) and
// "worker" (the worker's number).
func TestExecutorWorkerLabels(t *testing.T) {
	t.Run("named", func(t *testing.T) {
		ex := newExecutor(t, futures.WithName("SpecialPool"), futures.WithMaxWorkers(5))
		if got := ex.Name(); got != "SpecialPool" {
			t.Errorf("ex.Name() = %q; want %q", got, "SpecialPool")
		}
		gate := make(chan struct{})
		started := make(chan struct{}, 5)
		for i := range 5 {
			futures.Submit(context.Background(), ex, exBlocker(started, gate, i))
		}
		exRecv(t, started, 5, "tasks started")
		got := exWorkerLabels(t, "SpecialPool", "futures_test.")
		if want := []string{"0", "1", "2", "3", "4"}; !slices.Equal(got, want) {
			t.Errorf("worker labels of the goroutines running the tasks = %q; want %q", got, want)
		}
		close(gate)
	})
	t.Run("default name", func(t *testing.T) {
		// Two executors in one test: one leak check for both (newExecutor's check for
		// the second would see the first's workers).
		checkLeaks(t)
		ex1, err1 := futures.New(futures.WithMaxWorkers(2))
		ex2, err2 := futures.New(futures.WithMaxWorkers(2))
		if err1 != nil || err2 != nil {
			t.Fatalf("New: %v, %v", err1, err2)
		}
		t.Cleanup(func() {
			if err := ex1.ShutdownNow(exWaitCtx(t)); err != nil {
				t.Errorf("ex1.ShutdownNow() = %v", err)
			}
			if err := ex2.ShutdownNow(exWaitCtx(t)); err != nil {
				t.Errorf("ex2.ShutdownNow() = %v", err)
			}
		})
		n1, n2 := ex1.Name(), ex2.Name()
		if !strings.HasPrefix(n1, "futures-") || !strings.HasPrefix(n2, "futures-") {
			t.Errorf("default names %q, %q; want the prefix %q", n1, n2, "futures-")
		}
		if n1 == n2 {
			t.Errorf("two executors have the same default name %q", n1)
		}
		gate := make(chan struct{})
		started := make(chan struct{}, 2)
		futures.Submit(context.Background(), ex1, exBlocker(started, gate, 0))
		futures.Submit(context.Background(), ex2, exBlocker(started, gate, 0))
		exRecv(t, started, 2, "tasks started")
		if got := exWorkerLabels(t, n1, "futures_test."); !slices.Equal(got, []string{"0"}) {
			t.Errorf("worker labels for executor %q = %q; want [0]", n1, got)
		}
		if got := exWorkerLabels(t, n2, "futures_test."); !slices.Equal(got, []string{"0"}) {
			t.Errorf("worker labels for executor %q = %q; want [0] (numbers are per executor)", n2, got)
		}
		close(gate)
	})
	t.Run("after Goexit", func(t *testing.T) {
		// A worker whose task calls runtime.Goexit goes on in a new goroutine; it keeps
		// its labels.
		ex := newExecutor(t, futures.WithName("GoexitPool"), futures.WithMaxWorkers(1))
		f := futures.Submit(context.Background(), ex, func(context.Context) (int, error) { runtime.Goexit(); return 0, nil })
		if err := f.Err(exWaitCtx(t)); !errors.Is(err, futures.ErrGoexit) {
			t.Fatalf("f.Err() = %v; want ErrGoexit", err)
		}
		gate := make(chan struct{})
		started := make(chan struct{}, 1)
		futures.Submit(context.Background(), ex, exBlocker(started, gate, 0))
		exRecv(t, started, 1, "task started")
		// The goroutine that Goexit ended may still be unwinding (its stack holds
		// the test's frames) just after the new one starts: poll for its exit.
		var got []string
		deadline := time.Now().Add(10 * time.Second)
		for {
			got = exWorkerLabels(t, "GoexitPool", "futures_test.")
			if slices.Equal(got, []string{"0"}) || time.Now().After(deadline) {
				break
			}
			runtime.Gosched()
		}
		if !slices.Equal(got, []string{"0"}) {
			t.Errorf("worker labels after a Goexit = %q; want [0]", got)
		}
		close(gate)
	})
}

// A panic in a task becomes a *PanicError with the value and the stack; the worker
// goes on serving.
func TestExecutorPanic(t *testing.T) {
	sentinel := errors.New("sentinel")
	tests := []struct {
		name  string
		value any
	}{
		{"string", "boom"},
		{"error", sentinel},
		{"wrapped error", fmt.Errorf("wrapped: %w", sentinel)},
		{"int", 42},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ex := newExecutor(t, futures.WithMaxWorkers(1))
			ctx := exWaitCtx(t)
			f := futures.Submit(context.Background(), ex, func(context.Context) (int, error) { panic(tt.value) })
			v, err := f.Result(ctx)
			var pe *futures.PanicError
			if !errors.As(err, &pe) {
				t.Fatalf("f.Result() = %v, %v; want a *PanicError", v, err)
			}
			if pe.Value != tt.value {
				t.Errorf("PanicError.Value = %#v; want %#v", pe.Value, tt.value)
			}
			if pe.Goexit {
				t.Errorf("PanicError.Goexit = true for a panic")
			}
			if errors.Is(err, futures.ErrGoexit) {
				t.Errorf("errors.Is(err, ErrGoexit) = true for a panic")
			}
			if !bytes.Contains(pe.Stack, []byte("TestExecutorPanic")) {
				t.Errorf("PanicError.Stack does not show the panicking function:\n%s", pe.Stack)
			}
			if e, ok := tt.value.(error); ok && !errors.Is(err, e) {
				t.Errorf("errors.Is(err, panic value) = false; want true (Unwrap returns an error value)")
			}
			if errors.Is(err, sentinel) != (tt.name == "error" || tt.name == "wrapped error") {
				t.Errorf("errors.Is(err, sentinel) = %v for panic(%#v)", errors.Is(err, sentinel), tt.value)
			}
			if !strings.Contains(err.Error(), fmt.Sprint(tt.value)) {
				t.Errorf("err.Error() = %q; want it to contain the panic value %v", err.Error(), tt.value)
			}
			if f.State() != futures.Finished {
				t.Errorf("f.State() = %v; want finished", f.State())
			}
			// The worker survives.
			if v, err := futures.Submit(context.Background(), ex, func(context.Context) (int, error) { return 3, nil }).Result(ctx); v != 3 || err != nil {
				t.Errorf("Submit after a panic: Result() = %v, %v; want 3, nil", v, err)
			}
			if n := ex.Workers(); n != 1 {
				t.Errorf("ex.Workers() = %d after a panic and another task; want 1", n)
			}
		})
	}
}

// runtime.Goexit in a task finishes its future with an error matching ErrGoexit; the
// worker goes on serving.
func TestExecutorGoexit(t *testing.T) {
	ex := newExecutor(t, futures.WithMaxWorkers(1))
	ctx := exWaitCtx(t)
	for round := range 3 {
		var deferred atomic.Bool
		f := futures.Submit(context.Background(), ex, func(context.Context) (int, error) {
			defer deferred.Store(true)
			runtime.Goexit()
			return 1, nil
		})
		v, err := f.Result(ctx)
		if !errors.Is(err, futures.ErrGoexit) {
			t.Fatalf("round %d: f.Result() = %v, %v; want an error matching ErrGoexit", round, v, err)
		}
		var pe *futures.PanicError
		if !errors.As(err, &pe) {
			t.Fatalf("round %d: f.Result() error %v is not a *PanicError", round, err)
		}
		if !pe.Goexit || pe.Value != nil {
			t.Errorf("round %d: PanicError{Goexit: %v, Value: %v}; want Goexit true, Value nil", round, pe.Goexit, pe.Value)
		}
		if !deferred.Load() {
			t.Errorf("round %d: the task's deferred call did not run before its future completed", round)
		}
		if v != 0 {
			t.Errorf("round %d: f.Result() value = %d; want 0", round, v)
		}
		if v, err := futures.Submit(context.Background(), ex, func(context.Context) (int, error) { return 3, nil }).Result(ctx); v != 3 || err != nil {
			t.Errorf("round %d: Submit after a Goexit: Result() = %v, %v; want 3, nil", round, v, err)
		}
		if n := ex.Workers(); n != 1 {
			t.Errorf("round %d: ex.Workers() = %d after a Goexit and another task; want 1", round, n)
		}
	}
}

// Executor.Go: refused submissions, and panics that reach the panic handler or the
// logger.
func TestExecutorGo(t *testing.T) {
	t.Run("invalid", func(t *testing.T) {
		ex := newExecutor(t)
		if err := ex.Go(nil); !errors.Is(err, futures.ErrInvalid) {
			t.Errorf("ex.Go(nil) = %v; want an error matching ErrInvalid", err)
		}
		var nilEx *futures.Executor
		if err := nilEx.Go(func(context.Context) {}); !errors.Is(err, futures.ErrInvalid) {
			t.Errorf("(*Executor)(nil).Go(fn) = %v; want an error matching ErrInvalid", err)
		}
	})
	t.Run("runs", func(t *testing.T) {
		ex := newExecutor(t)
		done := make(chan struct{})
		if err := ex.Go(func(ctx context.Context) {
			if ctx == nil || ctx.Err() != nil {
				t.Errorf("Go task context = %v; want a live context", ctx)
			}
			close(done)
		}); err != nil {
			t.Fatalf("ex.Go(fn) = %v; want nil", err)
		}
		exRecv(t, done, 1, "Go task")
	})
	t.Run("after shutdown", func(t *testing.T) {
		ex := newExecutor(t)
		if err := ex.Shutdown(exWaitCtx(t)); err != nil {
			t.Fatalf("ex.Shutdown() = %v", err)
		}
		var ran atomic.Bool
		if err := ex.Go(func(context.Context) { ran.Store(true) }); !errors.Is(err, futures.ErrShutdown) {
			t.Errorf("ex.Go(fn) after Shutdown = %v; want an error matching ErrShutdown", err)
		}
		if ran.Load() {
			t.Errorf("a Go task refused after Shutdown ran")
		}
	})
	t.Run("panic handler", func(t *testing.T) {
		got := make(chan *futures.PanicError, 10)
		handler := func(pe *futures.PanicError) { got <- pe }
		ex := newExecutor(t, futures.WithMaxWorkers(1), futures.WithPanicHandler(handler))
		ctx := exWaitCtx(t)
		if err := ex.Go(func(context.Context) { panic("go boom") }); err != nil {
			t.Fatalf("ex.Go(panicking fn) = %v; want nil", err)
		}
		var pe *futures.PanicError
		select {
		case pe = <-got:
		case <-ctx.Done():
			t.Fatalf("the panic handler was not called")
		}
		if pe.Value != "go boom" || pe.Goexit {
			t.Errorf("handler got PanicError{Value: %v, Goexit: %v}; want {go boom, false}", pe.Value, pe.Goexit)
		}
		if !bytes.Contains(pe.Stack, []byte("TestExecutorGo")) {
			t.Errorf("PanicError.Stack does not show the panicking function:\n%s", pe.Stack)
		}

		if err := ex.Go(func(context.Context) { runtime.Goexit() }); err != nil {
			t.Fatalf("ex.Go(Goexit fn) = %v; want nil", err)
		}
		select {
		case pe = <-got:
		case <-ctx.Done():
			t.Fatalf("the panic handler was not called for a Goexit")
		}
		if !pe.Goexit || pe.Value != nil || !errors.Is(pe, futures.ErrGoexit) {
			t.Errorf("handler got PanicError{Value: %v, Goexit: %v} for a Goexit; want {nil, true}, matching ErrGoexit", pe.Value, pe.Goexit)
		}

		// The worker survives both.
		if v, err := futures.Submit(context.Background(), ex, func(context.Context) (int, error) { return 3, nil }).Result(ctx); v != 3 || err != nil {
			t.Errorf("Submit after panicking Go tasks: Result() = %v, %v; want 3, nil", v, err)
		}
		if n := ex.Workers(); n != 1 {
			t.Errorf("ex.Workers() = %d; want 1", n)
		}
	})
	t.Run("logged without a handler", func(t *testing.T) {
		rec := newExLogRecorder()
		ex := newExecutor(t, futures.WithName("GoLog"), futures.WithMaxWorkers(1), futures.WithLogger(slog.New(rec)))
		if err := ex.Go(func(context.Context) { panic("logged boom") }); err != nil {
			t.Fatalf("ex.Go(panicking fn) = %v; want nil", err)
		}
		exRecv(t, rec.ch, 1, "log record")
		if err := ex.Go(func(context.Context) { runtime.Goexit() }); err != nil {
			t.Fatalf("ex.Go(Goexit fn) = %v; want nil", err)
		}
		exRecv(t, rec.ch, 1, "log record")
		recs := rec.records()
		if len(recs) != 2 {
			t.Fatalf("got %d log records; want 2", len(recs))
		}
		for i, r := range recs {
			if r.Level != slog.LevelError {
				t.Errorf("record %d level = %v; want ERROR", i, r.Level)
			}
			attrs := exAttrs(r)
			all := r.Message + fmt.Sprint(attrs)
			if !strings.Contains(all, "GoLog") {
				t.Errorf("record %d does not name the executor: %s", i, all)
			}
			if !strings.Contains(all, "TestExecutorGo") {
				t.Errorf("record %d does not carry the stack: %s", i, all)
			}
		}
		if all := recs[0].Message + fmt.Sprint(exAttrs(recs[0])); !strings.Contains(all, "logged boom") {
			t.Errorf("the panic record does not carry the panic value: %s", all)
		}
		if all := recs[1].Message + fmt.Sprint(exAttrs(recs[1])); !strings.Contains(strings.ToLower(all), "goexit") {
			t.Errorf("the Goexit record does not say Goexit: %s", all)
		}
		if v, err := futures.Submit(context.Background(), ex, func(context.Context) (int, error) { return 3, nil }).Result(exWaitCtx(t)); v != 3 || err != nil {
			t.Errorf("Submit after panicking Go tasks: Result() = %v, %v; want 3, nil", v, err)
		}
	})
}

// With one worker, tasks start in the order they were submitted.
func TestExecutorFIFO(t *testing.T) {
	ex := newExecutor(t, futures.WithMaxWorkers(1))
	gate := make(chan struct{})
	started := make(chan struct{}, 1)
	futures.Submit(context.Background(), ex, exBlocker(started, gate, 0))
	exRecv(t, started, 1, "blocker started")
	var mu sync.Mutex
	var order []int
	for i := range 50 {
		futures.Submit(context.Background(), ex, func(context.Context) (int, error) {
			mu.Lock()
			order = append(order, i)
			mu.Unlock()
			return i, nil
		})
	}
	close(gate)
	if err := ex.Shutdown(exWaitCtx(t)); err != nil {
		t.Fatalf("ex.Shutdown() = %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	for i, v := range order {
		if v != i {
			t.Fatalf("start order = %v; want 0..49 in order", order)
		}
	}
	if len(order) != 50 {
		t.Errorf("%d tasks ran; want 50", len(order))
	}
}

// The submit context: an ended one cancels the future at once; one that ends while the
// task is queued cancels it at once, without waiting for a worker; one that ends while
// the task runs is seen by the task; its values and deadline reach the task.
func TestExecutorSubmitContext(t *testing.T) {
	t.Run("already canceled", func(t *testing.T) {
		cause := errors.New("my cause")
		deadlineCtx, cancelDeadline := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
		defer cancelDeadline()
		causeCtx, cancelCause := context.WithCancelCause(context.Background())
		cancelCause(cause)
		tests := []struct {
			name string
			ctx  context.Context
			want []error
		}{
			{"canceled", endedCtx(), []error{futures.ErrCanceled, context.Canceled}},
			{"cause", causeCtx, []error{futures.ErrCanceled, context.Canceled, cause}},
			{"deadline", deadlineCtx, []error{futures.ErrCanceled, context.Canceled, context.DeadlineExceeded}},
		}
		ex := newExecutor(t)
		var ran atomic.Bool
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				f := futures.Submit(tt.ctx, ex, func(context.Context) (int, error) { ran.Store(true); return 1, nil })
				if !f.IsDone() || !f.Canceled() {
					t.Errorf("right after Submit: f.IsDone(), f.Canceled() = %v, %v; want true, true", f.IsDone(), f.Canceled())
				}
				_, err := f.Result(endedCtx())
				for _, want := range tt.want {
					if !errors.Is(err, want) {
						t.Errorf("f.Result() error = %v; want it to match %v", err, want)
					}
				}
			})
		}
		if n := ex.Workers(); n != 0 {
			t.Errorf("ex.Workers() = %d; want 0: no worker starts for a canceled submission", n)
		}
		if err := ex.Shutdown(exWaitCtx(t)); err != nil {
			t.Fatalf("ex.Shutdown() = %v", err)
		}
		if ran.Load() {
			t.Errorf("a task submitted with an ended context ran")
		}
	})
	t.Run("ends while queued", func(t *testing.T) {
		checkLeaks(t)
		synctest.Test(t, func(t *testing.T) {
			ex, err := futures.New(futures.WithMaxWorkers(1))
			if err != nil {
				t.Fatal(err)
			}
			gate := make(chan struct{})
			b := futures.Submit(context.Background(), ex, exBlocker(nil, gate, 0))
			cause := errors.New("gave up")
			ctx, cancel := context.WithCancelCause(context.Background())
			var ran atomic.Bool
			f := futures.Submit(ctx, ex, func(context.Context) (int, error) { ran.Store(true); return 1, nil })
			tctx, cancelT := context.WithTimeout(context.Background(), time.Minute)
			defer cancelT()
			g := futures.Submit(tctx, ex, func(context.Context) (int, error) { ran.Store(true); return 1, nil })
			synctest.Wait()
			if f.IsDone() || g.IsDone() {
				t.Fatalf("queued futures done before their contexts ended")
			}
			called := make(chan struct{}, 1)
			f.AddDoneCallback(func(*futures.Future[int]) { called <- struct{}{} })
			cancel(cause)
			synctest.Wait() // the worker is still busy with b
			if !f.Canceled() {
				t.Fatalf("f.State() = %v after its context ended while queued; want canceled at once", f.State())
			}
			if b.IsDone() {
				t.Fatalf("the blocker finished; the test is broken")
			}
			_, err = f.Result(context.Background())
			for _, want := range []error{futures.ErrCanceled, context.Canceled, cause} {
				if !errors.Is(err, want) {
					t.Errorf("f.Result() error = %v; want it to match %v", err, want)
				}
			}
			select {
			case <-called:
			default:
				t.Errorf("f's done-callback did not run")
			}
			t0 := time.Now()
			<-g.Done() // fake time advances to g's deadline
			if d := time.Since(t0); d != time.Minute {
				t.Errorf("g was canceled %v after Submit; want at its deadline, 1m", d)
			}
			if b.IsDone() {
				t.Fatalf("the blocker finished; the test is broken")
			}
			if !g.Canceled() {
				t.Fatalf("g.State() = %v after its deadline passed while queued; want canceled", g.State())
			}
			if err := g.Err(context.Background()); !errors.Is(err, futures.ErrCanceled) || !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("g.Err() = %v; want it to match ErrCanceled and DeadlineExceeded", err)
			}
			close(gate)
			if err := ex.Shutdown(context.Background()); err != nil {
				t.Fatalf("ex.Shutdown() = %v", err)
			}
			if ran.Load() {
				t.Errorf("a task whose context ended while it was queued ran")
			}
			if v, err := b.Result(context.Background()); v != 0 || err != nil {
				t.Errorf("b.Result() = %v, %v; want 0, nil", v, err)
			}
		})
	})
	t.Run("ends while running", func(t *testing.T) {
		ex := newExecutor(t)
		cause := errors.New("stop it")
		ctx, cancel := context.WithCancelCause(context.Background())
		started := make(chan struct{})
		f := futures.Submit(ctx, ex, func(ctx context.Context) (int, error) {
			close(started)
			<-ctx.Done()
			return 9, context.Cause(ctx)
		})
		exRecv(t, started, 1, "task started")
		if f.Cancel() {
			t.Errorf("f.Cancel() on a running task = true; want false")
		}
		cancel(cause)
		v, err := f.Result(exWaitCtx(t))
		if v != 9 || err != cause {
			t.Errorf("f.Result() = %v, %v; want 9, %v (the task saw its context end, with the cause)", v, err, cause)
		}
		if f.State() != futures.Finished {
			t.Errorf("f.State() = %v; want finished: the task ran", f.State())
		}
	})
	t.Run("ends during Submit", func(t *testing.T) {
		// The context ends while Submit links the task to it: the future is canceled,
		// or the task runs; either way nothing races.
		ex := newExecutor(t, futures.WithMaxWorkers(1))
		gate := make(chan struct{})
		futures.Submit(context.Background(), ex, exBlocker(nil, gate, 0))
		var fs []*futures.Future[int]
		for i := range 2000 {
			ctx, cancel := context.WithCancel(context.Background())
			go func() {
				for range i % 64 { // vary the moment of the cancellation a little
					runtime.Gosched()
				}
				cancel()
			}()
			fs = append(fs, futures.Submit(ctx, ex, func(context.Context) (int, error) { return 1, nil }))
		}
		for i, f := range fs {
			if err := f.Err(exWaitCtx(t)); !errors.Is(err, futures.ErrCanceled) {
				t.Fatalf("fs[%d].Err() = %v while the worker is busy; want ErrCanceled", i, err)
			}
		}
		close(gate)
	})
	t.Run("values and deadline", func(t *testing.T) {
		ex := newExecutor(t)
		type key struct{}
		deadline := time.Now().Add(time.Hour)
		ctx, cancel := context.WithDeadline(context.WithValue(context.Background(), key{}, "v"), deadline)
		defer cancel()
		type seen struct {
			value    any
			deadline time.Time
			ok       bool
		}
		got, err := futures.Submit(ctx, ex, func(ctx context.Context) (seen, error) {
			d, ok := ctx.Deadline()
			return seen{ctx.Value(key{}), d, ok}, ctx.Err()
		}).Result(exWaitCtx(t))
		if err != nil || got.value != "v" || !got.ok || !got.deadline.Equal(deadline) {
			t.Errorf("task saw value %v, deadline %v (%v), err %v; want v, %v (true), nil", got.value, got.deadline, got.ok, err, deadline)
		}
		// A context with only values (it cannot end).
		got, err = futures.Submit(context.WithValue(context.Background(), key{}, "w"), ex, func(ctx context.Context) (seen, error) {
			return seen{value: ctx.Value(key{})}, nil
		}).Result(exWaitCtx(t))
		if err != nil || got.value != "w" {
			t.Errorf("task saw value %v, err %v; want w, nil", got.value, err)
		}
	})
}
