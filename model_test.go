// Model-based test of the executor: a program of operations, decoded from bytes, runs
// against a real executor and against a small reference model of the spec, and the
// two are compared after every step.
//
// `go test` runs FuzzModel on the checked-in seed corpus (testdata/fuzz/FuzzModel)
// and TestModel on a few hundred generated programs. A longer fuzz run is one
// command:
//
//	go test -run '^$' -fuzz '^FuzzModel$' -fuzztime 10m .
//
// A failing input is written to testdata/fuzz/FuzzModel; `go test -run FuzzModel/NAME`
// replays it, and the test's log prints the program as a trace of operations.
//
// Every task is a controllable task: it signals that it started, then blocks on its
// own gate until the test says how it ends (return a value, return an error, panic,
// panic with an error, runtime.Goexit, or wait for its context to end). With every
// task parked on a gate the executor is deterministic: with M workers, the running
// tasks are the first M non-canceled ones in FIFO order. SetMaxWorkers changes M as
// the program runs (see opResize): a shrink lets the tasks already running go on, and
// no task starts until fewer than the new M run. Each program runs in a
// testing/synctest bubble, and synctest.Wait (every goroutine durably blocked) tells
// the test that the executor has settled after each operation; no step waits on a
// clock.
package futures_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gofutures/futures"
)

// FuzzModel decodes a program from the fuzz input and checks the executor against the
// model after every step (see the top of this file).
func FuzzModel(f *testing.F) {
	for _, seed := range mdlSeeds {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		mdlRunProgram(t, data)
	})
}

// TestModel runs the model on programs generated from fixed seeds, so that plain `go
// test` explores more than the corpus.
func TestModel(t *testing.T) {
	n := 300
	if testing.Short() {
		n = 50
	}
	for seed := range n {
		rng := rand.New(rand.NewPCG(uint64(seed), 0x5eed))
		data := make([]byte, 20+rng.IntN(140))
		for i := range data {
			data[i] = byte(rng.UintN(256))
		}
		if !t.Run(fmt.Sprint("seed", seed), func(t *testing.T) { mdlRunProgram(t, data) }) {
			t.Logf("failing program: %q", data)
			return
		}
	}
}

// mdlSeeds are small programs that reach every operation; the corpus in testdata holds
// more.
var mdlSeeds = [][]byte{
	{},
	{0, 0, 0, 16, 0, 16, 0},
	{1, 0, 0, 0, 12, 0, 16, 0, 2, 16, 0, 3, 16, 0, 4, 16, 0, 5},
	{2, 7, 7, 14, 0, 16, 0, 5, 22, 2},
	{3, 0, 0, 0, 0, 0, 27, 1, 0, 27, 2, 1, 22, 0, 16, 1, 0},
	{0, 0, 0, 23, 2, 0, 1, 1, 25, 2, 0, 1, 0, 16, 0, 0},
	{1, 29, 3, 0, 0, 0, 29, 5, 1, 16, 0, 0, 29, 4, 2},
	{0, 7, 7, 16, 0, 5, 22, 3, 26, 3, 0, 1, 2},
	{2, 0, 0, 0, 30, 1, 22, 1, 16, 0, 0, 16, 0, 0, 16, 0, 0},
	{0, 11, 22, 0, 11, 0, 29, 0, 0},
}

// Endings: how the test tells a running task to end.
type mdlEnding byte

const (
	endValue    mdlEnding = iota // return a value
	endError                     // return an error
	endPanic                     // panic with a string
	endPanicErr                  // panic with an error
	endGoexit                    // runtime.Goexit
	endCtx                       // wait until the task's context ends, return its cause
	mdlEndings
)

var mdlEndingNames = [...]string{"value", "error", "panic", "panic(error)", "Goexit", "wait-ctx"}

// Outcomes, as the model predicts them.
type mdlOutcome byte

const (
	outNone     mdlOutcome = iota
	outValue               // returned mdlValue(id), nil
	outError               // returned 0, mdlErr(id)
	outPanic               // *PanicError with Value mdlPanicValue(id)
	outPanicErr            // *PanicError wrapping mdlErr(id)
	outGoexit              // *PanicError with Goexit
	outCtx                 // returned context.Cause(ctx), which is cause
	outCanceled            // canceled before it ran, for cause (nil: Future.Cancel)
	outRejected            // refused by Submit: ErrShutdown
)

// isError reports whether the outcome counts as an error for Wait(FirstError).
func (o mdlOutcome) isError() bool { return o != outValue && o != outCanceled && o != outNone }

func mdlValue(id int) int         { return 1000 + id }
func mdlPanicValue(id int) string { return fmt.Sprintf("task %d panics", id) }
func mdlMapErr(in int) error      { return fmt.Errorf("map input %d fails", in) }
func mdlMapValue(in int) int      { return in * in }
func mdlMapFails(in int) bool     { return in%4 == 3 }
func mdlMapInputs(k int) []int    { return mdlRange(1, k) }
func mdlFutureName(id int) string { return fmt.Sprintf("task %d", id) }

// mdlRange returns from, from+1, ..., to.
func mdlRange(from, to int) []int {
	var s []int
	for i := from; i <= to; i++ {
		s = append(s, i)
	}
	return s
}

// mdlTask is one submitted task: what the test and the task share, and what the model
// predicts.
type mdlTask struct {
	id     int
	f      *futures.Future[int]
	gate   chan mdlEnding     // the test's order to end; one slot
	err    error              // the error it returns or panics with
	cancel context.CancelFunc // cancels its submit context; nil for context.Background

	// Observed, written by the task and its callbacks.
	started atomic.Int32
	cbMu    sync.Mutex
	cbRan   []int    // ids of the callbacks that ran, in order
	cbBad   []string // problems seen from inside callbacks

	// The model.
	st        futures.State
	out       mdlOutcome
	cause     error  // for outCtx and outCanceled
	ran       bool   // the model says it started
	ordered   bool   // the test has sent on gate
	waitCtx   bool   // ordered to wait for its context, which has not ended yet
	ctxEnded  error  // the cause its context ended with while it ran (nil: not ended)
	ctxCancel bool   // its submit context was canceled
	cbs       []bool // registered callbacks; true for those that panic
}

// mdlWaiter is a Wait or Result call blocked in its own goroutine.
type mdlWaiter struct {
	desc    string
	isWait  bool
	mode    futures.WaitMode
	fs      []*futures.Future[int] // as passed to Wait
	tasks   []*mdlTask             // fs deduplicated; nil for the nil future
	tk      *mdlTask               // for Result
	ch      chan mdlWaitResult
	settled bool
}

type mdlWaitResult struct {
	done, notDone []*futures.Future[int]
	v             int
	err           error
}

// mdlRun is one program's run.
type mdlRun struct {
	t     *testing.T
	in    []byte
	pos   int
	ex    *futures.Executor
	m     int // the maximum now: SetMaxWorkers changes it
	m0    int // the maximum the executor was created with
	log   *relLogRecorder
	ended context.Context // an already-canceled context, for polls
	live  context.Context // a context that never ends, created in the bubble
	trace []string

	// The model of the executor.
	tasks      []*mdlTask
	queue      []*mdlTask // pending, FIFO
	running    []*mdlTask
	workers    int
	shutdown   bool
	startOrder []int
	together   [][2]int // ranges of startOrder started at once, by one SetMaxWorkers
	cbPanics   int      // panicking callbacks that have run

	// Observed.
	obsMu       sync.Mutex
	obsOrder    []int
	overStarts  []string     // tasks that started while the maximum were already running; under obsMu
	active      atomic.Int32 // tasks (and Map elements) inside their function
	limit       atomic.Int32 // r.m, for tasks to read as they start
	waiters     []*mdlWaiter
	shutWaiters []chan error
	failed      bool
}

func (r *mdlRun) byte() byte {
	if r.pos >= len(r.in) {
		return 0
	}
	b := r.in[r.pos]
	r.pos++
	return b
}

func (r *mdlRun) intn(n int) int {
	if n <= 0 {
		return 0
	}
	return int(r.byte()) % n
}

func (r *mdlRun) step(format string, args ...any) {
	r.trace = append(r.trace, fmt.Sprintf(format, args...))
}

// errorf reports a mismatch; the first one also prints the program's trace.
func (r *mdlRun) errorf(format string, args ...any) {
	r.t.Helper()
	if !r.failed {
		r.failed = true
		r.t.Errorf("M=%d at first (%d now), after these steps:\n\t%s", r.m0, r.m, strings.Join(r.trace, "\n\t"))
	}
	r.t.Errorf(format, args...)
}

// mdlRunProgram runs the program data (see the top of the file), in a bubble, and
// checks for leaked goroutines.
func mdlRunProgram(t *testing.T, data []byte) {
	checkLeaks(t)
	synctest.Test(t, func(t *testing.T) {
		r := &mdlRun{t: t, in: data, log: newRelLogRecorder()}
		r.run()
	})
}

const (
	mdlMaxOps   = 150
	mdlMaxTasks = 48
)

func (r *mdlRun) run() {
	r.m = 1 + r.intn(4)
	r.m0 = r.m
	r.limit.Store(int32(r.m))
	ex, err := futures.New(futures.WithMaxWorkers(r.m), futures.WithName("model"), futures.WithLogger(slog.New(r.log)))
	if err != nil {
		r.t.Fatalf("New: %v", err)
	}
	r.ex = ex
	ended, cancel := context.WithCancel(context.Background())
	cancel()
	r.ended = ended
	live, stop := context.WithCancel(context.Background())
	defer stop()
	r.live = live

	for ops := 0; r.pos < len(r.in) && ops < mdlMaxOps && !r.failed; ops++ {
		r.op()
		synctest.Wait()
		r.check()
	}
	if !r.failed {
		r.finish()
	}
	r.cleanup()
}

// op decodes and runs one operation, updating the model.
//
// The op bytes 0xe0..0xef (1 in 16 of random bytes) are SetMaxWorkers; every other
// byte b is the operation b%32. The corpus in testdata predates SetMaxWorkers and no
// op byte of it falls in that range, so its programs decode as they always did.
func (r *mdlRun) op() {
	if r.pos < len(r.in) && r.in[r.pos]&0xf0 == 0xe0 {
		r.pos++
		r.opResize()
		return
	}
	switch b := r.intn(32); {
	case b <= 6:
		r.opSubmit(false)
	case b <= 10:
		r.opSubmit(true)
	case b == 11:
		r.opSubmitEnded()
	case b <= 13:
		r.opCancel()
	case b <= 15:
		r.opCancelCtx()
	case b <= 21:
		r.opEnd()
	case b == 22:
		r.opShutdown()
	case b <= 24:
		r.opWaitPoll()
	case b == 25:
		r.opWaitBlocking()
	case b == 26:
		r.opAsCompletedPoll()
	case b <= 28:
		r.opCallback()
	case b == 29:
		r.opMap()
	case b == 30:
		r.opResultBlocking()
	case b == 31:
		r.opSubmitThenStop()
	}
}

// taskFn returns tk's controllable task.
func (r *mdlRun) taskFn(tk *mdlTask) func(context.Context) (int, error) {
	return func(ctx context.Context) (int, error) {
		tk.started.Add(1)
		r.obsMu.Lock()
		r.obsOrder = append(r.obsOrder, tk.id)
		r.obsMu.Unlock()
		r.enter()
		defer r.active.Add(-1) // runs on panic and Goexit too
		switch <-tk.gate {
		case endValue:
			return mdlValue(tk.id), nil
		case endError:
			return 0, tk.err
		case endPanic:
			panic(mdlPanicValue(tk.id))
		case endPanicErr:
			panic(tk.err)
		case endGoexit:
			runtime.Goexit()
		case endCtx:
			<-ctx.Done()
			return -1, context.Cause(ctx)
		}
		panic("unreachable")
	}
}

// enter counts a task (or Map element) that starts running, and records it if it
// started while the maximum number of tasks were already running. r.active counts
// tasks inside their function, which the executor counts running from before they
// enter until after they leave, and the limit changes only while no task can start
// (a shrink starts none; a grow stores the new limit before SetMaxWorkers), so a
// correct executor is never caught here; tasks that ran before a shrink may exceed
// the new maximum until they end, which is not a start.
func (r *mdlRun) enter() {
	n := r.active.Add(1)
	if lim := r.limit.Load(); n > lim {
		r.obsMu.Lock()
		r.overStarts = append(r.overStarts, fmt.Sprintf("a task started with %d tasks already running; the maximum is %d", n-1, lim))
		r.obsMu.Unlock()
	}
}

func (r *mdlRun) newTask() *mdlTask {
	id := len(r.tasks)
	tk := &mdlTask{id: id, gate: make(chan mdlEnding, 1), err: fmt.Errorf("task %d fails", id)}
	r.tasks = append(r.tasks, tk)
	return tk
}

// startModel makes tk run in the model.
func (r *mdlRun) startModel(tk *mdlTask) {
	tk.st = futures.Running
	tk.ran = true
	r.running = append(r.running, tk)
	r.startOrder = append(r.startOrder, tk.id)
}

// schedule starts queued tasks on free workers, in FIFO order.
func (r *mdlRun) schedule() int {
	n := 0
	for len(r.running) < r.m && len(r.queue) > 0 {
		tk := r.queue[0]
		r.queue = r.queue[1:]
		r.startModel(tk)
		n++
	}
	return n
}

// endModel records that the running task tk ended with out; its worker exits if the
// workers are above the maximum (after a shrink), or else takes the next queued task,
// or idles, or exits after a shutdown.
//
// Workers above the maximum are never idle (a shrink retires idle ones first, and a
// worker idles only when the workers are within the maximum), so when they are above
// it every worker was busy and the running tasks left are at least the maximum: no
// queued task may start, and this worker exits (pool.nextLocked).
func (r *mdlRun) endModel(tk *mdlTask, out mdlOutcome, cause error) {
	tk.st, tk.out, tk.cause, tk.waitCtx = futures.Finished, out, cause, false
	r.running = slices.DeleteFunc(r.running, func(x *mdlTask) bool { return x == tk })
	r.ranCallbacks(tk)
	if r.workers > r.m {
		if len(r.running) < r.m {
			panic(fmt.Sprintf("model: %d workers above the maximum %d with only %d running", r.workers, r.m, len(r.running)))
		}
		r.workers--
		return
	}
	if r.schedule() == 0 && r.shutdown {
		r.workers--
	}
}

// cancelModel records that the pending tk was canceled for cause.
func (r *mdlRun) cancelModel(tk *mdlTask, cause error) {
	tk.st, tk.out, tk.cause = futures.Canceled, outCanceled, cause
	r.queue = slices.DeleteFunc(r.queue, func(x *mdlTask) bool { return x == tk })
	r.ranCallbacks(tk)
}

func (r *mdlRun) ranCallbacks(tk *mdlTask) {
	for _, p := range tk.cbs {
		if p {
			r.cbPanics++
		}
	}
}

// ctxEnds records that tk's context ended with cause while tk runs.
func (r *mdlRun) ctxEnds(tk *mdlTask, cause error) {
	if tk.ctxEnded == nil {
		tk.ctxEnded = cause
	}
	if tk.waitCtx {
		r.endModel(tk, outCtx, tk.ctxEnded)
	}
}

func (r *mdlRun) opSubmit(withCtx bool) {
	if len(r.tasks) >= mdlMaxTasks {
		return
	}
	tk := r.newTask()
	ctx := context.Background()
	if withCtx {
		ctx, tk.cancel = context.WithCancel(context.Background())
	}
	r.step("%s = Submit(ctx=%s)", mdlFutureName(tk.id), map[bool]string{false: "Background", true: "cancelable"}[withCtx])
	tk.f = futures.Submit(ctx, r.ex, r.taskFn(tk))
	switch {
	case r.shutdown:
		tk.st, tk.out = futures.Finished, outRejected
		if st := tk.f.State(); st != futures.Finished {
			r.errorf("Submit after shutdown: State() = %v; want finished (rejected at once)", st)
		}
	case len(r.running) < r.m:
		if r.workers == len(r.running) {
			r.workers++
		}
		r.startModel(tk)
	default:
		tk.st = futures.Pending
		r.queue = append(r.queue, tk)
	}
}

func (r *mdlRun) opSubmitEnded() {
	if len(r.tasks) >= mdlMaxTasks {
		return
	}
	tk := r.newTask()
	r.step("%s = Submit(ctx=already canceled)", mdlFutureName(tk.id))
	tk.f = futures.Submit(r.ended, r.ex, r.taskFn(tk))
	tk.st, tk.out, tk.cause = futures.Canceled, outCanceled, context.Canceled
	if r.shutdown && tk.f.State() == futures.Finished {
		// Shut down and canceled both apply; either report is right.
		tk.st, tk.out, tk.cause = futures.Finished, outRejected, nil
	}
	if st := tk.f.State(); st != tk.st {
		r.errorf("Submit(canceled ctx): State() = %v; want %v at once", st, tk.st)
	}
}

func (r *mdlRun) pick() *mdlTask {
	if len(r.tasks) == 0 {
		return nil
	}
	return r.tasks[r.intn(len(r.tasks))]
}

func (r *mdlRun) opCancel() {
	tk := r.pick()
	if tk == nil {
		return
	}
	r.step("%s.Cancel() [model: %v]", mdlFutureName(tk.id), tk.st)
	want := tk.st == futures.Pending || tk.st == futures.Canceled
	if tk.st == futures.Pending {
		r.cancelModel(tk, nil)
	}
	if got := tk.f.Cancel(); got != want {
		r.errorf("%s.Cancel() = %v; want %v", mdlFutureName(tk.id), got, want)
	}
	// Callbacks of a future canceled by Cancel run before Cancel returns.
	r.checkCallbacks(tk, "right after Cancel returned")
}

func (r *mdlRun) opCancelCtx() {
	var cands []*mdlTask
	for _, tk := range r.tasks {
		if tk.cancel != nil {
			cands = append(cands, tk)
		}
	}
	if len(cands) == 0 {
		return
	}
	r.cancelCtxOf(cands[r.intn(len(cands))])
}

// cancelCtxOf cancels the submit context of tk.
func (r *mdlRun) cancelCtxOf(tk *mdlTask) {
	r.step("cancel the submit context of %s [model: %v]", mdlFutureName(tk.id), tk.st)
	tk.cancel()
	if tk.ctxCancel {
		return
	}
	tk.ctxCancel = true
	switch tk.st {
	case futures.Pending:
		r.cancelModel(tk, context.Canceled)
	case futures.Running:
		r.ctxEnds(tk, context.Canceled)
	}
}

func (r *mdlRun) opEnd() {
	var cands []*mdlTask
	for _, tk := range r.running {
		if !tk.ordered {
			cands = append(cands, tk)
		}
	}
	if len(cands) == 0 {
		return
	}
	tk := cands[r.intn(len(cands))]
	e := mdlEnding(r.intn(int(mdlEndings)))
	r.endTask(tk, e)
}

func (r *mdlRun) endTask(tk *mdlTask, e mdlEnding) {
	r.step("end %s: %s", mdlFutureName(tk.id), mdlEndingNames[e])
	tk.ordered = true
	tk.gate <- e
	switch e {
	case endValue:
		r.endModel(tk, outValue, nil)
	case endError:
		r.endModel(tk, outError, nil)
	case endPanic:
		r.endModel(tk, outPanic, nil)
	case endPanicErr:
		r.endModel(tk, outPanicErr, nil)
	case endGoexit:
		r.endModel(tk, outGoexit, nil)
	case endCtx:
		tk.waitCtx = true
		if tk.ctxEnded != nil {
			r.endModel(tk, outCtx, tk.ctxEnded)
		}
	}
}

// opResize is SetMaxWorkers(n), n from 1 to 4. In the model, as documented: growing
// starts each queued task, oldest first, on a new worker while fewer than n tasks run
// (a queued task means no worker is idle); shrinking stops no running task and
// retires idle workers while the workers are more than n (pool.shrinkLocked), so that
// max(n, running) are left if there were more. Busy workers above n exit as their
// tasks end (endModel). Both apply for any n, as in SetMaxWorkers: first the growth,
// then the trim; each is a no-op in the other direction.
func (r *mdlRun) opResize() {
	n := 1 + r.intn(4)
	r.step("SetMaxWorkers(%d) [model: M=%d, %d running, %d queued, %d workers]", n, r.m, len(r.running), len(r.queue), r.workers)
	r.m = n
	r.limit.Store(int32(n)) // before the call: the tasks it starts read it
	if err := r.ex.SetMaxWorkers(n); err != nil {
		r.errorf("SetMaxWorkers(%d) = %v; want nil", n, err)
	}
	if got := r.ex.Stats().MaxWorkers; got != n {
		r.errorf("after SetMaxWorkers(%d): Stats().MaxWorkers = %d", n, got)
	}
	from := len(r.startOrder)
	if r.schedule() > 1 {
		r.together = append(r.together, [2]int{from, len(r.startOrder)})
	}
	r.workers = max(r.workers, len(r.running))
	r.workers = min(r.workers, max(n, len(r.running)))
}

// opSubmitThenStop submits a task and at once, before the executor settles, ends its
// context: by canceling its submit context, or by ShutdownNow. A task that Submit
// started at once is running (State says so), so it must run and see its context
// ended; a queued one is canceled and never runs.
func (r *mdlRun) opSubmitThenStop() {
	if len(r.tasks) >= mdlMaxTasks {
		return
	}
	if r.intn(2) == 0 {
		r.opSubmit(true)
		r.step("at once:")
		r.cancelCtxOf(r.tasks[len(r.tasks)-1])
	} else {
		r.opSubmit(false)
		r.step("at once:")
		r.shutdownOp(2)
	}
}

func (r *mdlRun) opShutdown() { r.shutdownOp(r.intn(4)) }

// shutdownOp is Shutdown (v = 0, 1) or ShutdownNow (2, 3), with an ended context (0,
// 2) or in a goroutine with a context that does not end (1, 3).
func (r *mdlRun) shutdownOp(v int) {
	switch v {
	case 0, 2:
		now := v == 2
		name := map[bool]string{false: "Shutdown", true: "ShutdownNow"}[now]
		r.step("%s(already canceled ctx) [model: %d running, %d queued, %d workers]", name, len(r.running), len(r.queue), r.workers)
		workersBefore := r.workers
		queued := append([]*mdlTask(nil), r.queue...)
		var err error
		if now {
			r.shutdownNowModel()
			err = r.ex.ShutdownNow(r.ended)
		} else {
			r.shutdownModel()
			err = r.ex.Shutdown(r.ended)
		}
		// Running tasks that stay running: they are parked on their gates.
		stay := len(r.running)
		r.checkShutdownError(name, err, now, stay, workersBefore)
		if now {
			// ShutdownNow cancels the queued futures before it returns, so their
			// callbacks have run.
			for _, tk := range queued {
				if st := tk.f.State(); st != futures.Canceled {
					r.errorf("%s: queued %s: State() = %v right after ShutdownNow returned; want canceled", name, mdlFutureName(tk.id), st)
				}
				r.checkCallbacks(tk, "right after ShutdownNow returned")
			}
		}
	case 1, 3:
		now := v == 3
		name := map[bool]string{false: "Shutdown", true: "ShutdownNow"}[now]
		r.step("go %s(ctx that does not end) [model: %d running, %d queued, %d workers]", name, len(r.running), len(r.queue), r.workers)
		ch := make(chan error, 1)
		if now {
			r.shutdownNowModel()
			go func() { ch <- r.ex.ShutdownNow(r.live) }()
		} else {
			r.shutdownModel()
			go func() { ch <- r.ex.Shutdown(r.live) }()
		}
		r.shutWaiters = append(r.shutWaiters, ch)
	}
}

func (r *mdlRun) shutdownModel() {
	r.shutdown = true
	r.workers = len(r.running) // idle workers exit
}

func (r *mdlRun) shutdownNowModel() {
	r.shutdown = true
	for _, tk := range slices.Clone(r.queue) {
		r.cancelModel(tk, futures.ErrShutdown)
	}
	r.workers = len(r.running)
	for _, tk := range slices.Clone(r.running) {
		r.ctxEnds(tk, futures.ErrShutdown)
	}
}

// checkShutdownError checks what Shutdown or ShutdownNow with an ended context
// returned. stay tasks are still running; workersBefore workers were alive before.
func (r *mdlRun) checkShutdownError(name string, err error, now bool, stay, workersBefore int) {
	if workersBefore == 0 {
		if err != nil {
			r.errorf("%s with no worker alive = %v; want nil", name, err)
		}
		return
	}
	var se *futures.ShutdownError
	if err == nil {
		if stay > 0 {
			r.errorf("%s = nil while %d tasks still run; want *ShutdownError", name, stay)
		}
		return
	}
	if !errors.As(err, &se) {
		r.errorf("%s = %v (%T); want *futures.ShutdownError", name, err, err)
		return
	}
	if !errors.Is(err, context.Canceled) {
		r.errorf("%s = %v; want it to match the context's error", name, err)
	}
	// Tasks told to wait for their context are being interrupted by ShutdownNow and
	// may or may not have returned yet; every other running task still runs.
	lo, hi := stay, stay
	if now {
		hi = workersBefore
	}
	if se.Running < lo || se.Running > hi {
		r.errorf("%s: ShutdownError.Running = %d; want %d..%d (model running: %d)", name, se.Running, lo, hi, stay)
	}
	if want := len(r.queue); se.Queued != want {
		r.errorf("%s: ShutdownError.Queued = %d; want %d (the pending tasks; canceled ones are not queued)", name, se.Queued, want)
	}
	if se.Workers < stay || se.Workers > workersBefore {
		r.errorf("%s: ShutdownError.Workers = %d; want %d..%d", name, se.Workers, stay, workersBefore)
	}
}

// subset decodes a list of futures (possibly with repeats and nil) and returns it with
// the deduplicated tasks it names (nil for the nil future).
func (r *mdlRun) subset() ([]*futures.Future[int], []*mdlTask, string) {
	n := r.intn(5)
	var fs []*futures.Future[int]
	var tks []*mdlTask
	var names []string
	seen := map[*mdlTask]bool{}
	for range n {
		i := r.intn(len(r.tasks) + 1)
		var tk *mdlTask
		var f *futures.Future[int]
		name := "nil"
		if i < len(r.tasks) {
			tk = r.tasks[i]
			f = tk.f
			name = mdlFutureName(tk.id)
		}
		fs = append(fs, f)
		names = append(names, name)
		if !seen[tk] {
			seen[tk] = true
			tks = append(tks, tk)
		}
	}
	return fs, tks, "[" + strings.Join(names, ", ") + "]"
}

var mdlModes = []futures.WaitMode{futures.FirstCompleted, futures.AllCompleted, futures.FirstError}

// mdlDone reports whether the model says tk (nil: the nil future) is done.
func mdlDone(tk *mdlTask) bool { return tk == nil || tk.st.Done() }

// satisfied reports whether the model says Wait(mode) on tks has returned.
func mdlSatisfied(mode futures.WaitMode, tks []*mdlTask) bool {
	all := true
	for _, tk := range tks {
		if !mdlDone(tk) {
			all = false
			continue
		}
		if mode == futures.FirstCompleted {
			return true
		}
	}
	return all || mode == futures.FirstError && mdlHasError(tks)
}

// mdlHasError reports whether one of tks is the nil future or failed.
func mdlHasError(tks []*mdlTask) bool {
	for _, tk := range tks {
		if tk == nil || tk.st == futures.Finished && tk.out.isError() {
			return true
		}
	}
	return false
}

func mdlFutureOf(tk *mdlTask) *futures.Future[int] {
	if tk == nil {
		return nil
	}
	return tk.f
}

func (r *mdlRun) describe(fs []*futures.Future[int]) string {
	var names []string
	for _, f := range fs {
		name := "nil"
		for _, tk := range r.tasks {
			if tk.f == f && f != nil {
				name = mdlFutureName(tk.id)
			}
		}
		names = append(names, name)
	}
	return "[" + strings.Join(names, ", ") + "]"
}

func (r *mdlRun) opWaitPoll() {
	mode := mdlModes[r.intn(3)]
	fs, tks, names := r.subset()
	r.step("Wait(already canceled ctx, %v, %s)", mode, names)
	done, notDone := futures.Wait(r.ended, mode, fs...)
	var wantDone, wantNot []*futures.Future[int]
	for _, tk := range tks {
		if mdlDone(tk) {
			wantDone = append(wantDone, mdlFutureOf(tk))
		} else {
			wantNot = append(wantNot, mdlFutureOf(tk))
		}
	}
	if !slices.Equal(done, wantDone) || !slices.Equal(notDone, wantNot) {
		r.errorf("Wait(ended ctx, %v, %s) = done %s, not done %s; want done %s, not done %s",
			mode, names, r.describe(done), r.describe(notDone), r.describe(wantDone), r.describe(wantNot))
	}
}

func (r *mdlRun) opWaitBlocking() {
	mode := mdlModes[r.intn(3)]
	fs, tks, names := r.subset()
	w := &mdlWaiter{desc: fmt.Sprintf("Wait(ctx that does not end, %v, %s)", mode, names), isWait: true, mode: mode, fs: fs, tasks: tks, ch: make(chan mdlWaitResult, 1)}
	r.step("go %s", w.desc)
	go func() {
		d, nd := futures.Wait(r.live, mode, fs...)
		w.ch <- mdlWaitResult{done: d, notDone: nd}
	}()
	r.waiters = append(r.waiters, w)
}

func (r *mdlRun) opResultBlocking() {
	tk := r.pick()
	if tk == nil {
		return
	}
	w := &mdlWaiter{desc: mdlFutureName(tk.id) + ".Result(ctx that does not end)", tk: tk, ch: make(chan mdlWaitResult, 1)}
	r.step("go %s", w.desc)
	go func() {
		v, err := tk.f.Result(r.live)
		w.ch <- mdlWaitResult{v: v, err: err}
	}()
	r.waiters = append(r.waiters, w)
}

func (r *mdlRun) opAsCompletedPoll() {
	fs, tks, names := r.subset()
	r.step("AsCompleted(already canceled ctx, %s)", names)
	var got []*futures.Future[int]
	var last error
	steps := 0
	for f, err := range futures.AsCompleted(r.ended, fs...) {
		steps++
		if err != nil {
			last = err
			continue
		}
		if last != nil {
			r.errorf("AsCompleted: a future yielded after the error %v", last)
		}
		got = append(got, f)
	}
	var wantDone, wantPending []*futures.Future[int]
	for _, tk := range tks {
		if mdlDone(tk) {
			wantDone = append(wantDone, mdlFutureOf(tk))
		} else {
			wantPending = append(wantPending, mdlFutureOf(tk))
		}
	}
	if !slices.Equal(got, wantDone) {
		r.errorf("AsCompleted(ended ctx, %s) yielded %s; want the done ones in input order: %s", names, r.describe(got), r.describe(wantDone))
	}
	if len(wantPending) == 0 {
		if last != nil {
			r.errorf("AsCompleted(ended ctx, %s): error %v although every future is done", names, last)
		}
		return
	}
	var ie *futures.IncompleteError
	if !errors.As(last, &ie) {
		r.errorf("AsCompleted(ended ctx, %s): last error = %v; want *IncompleteError", names, last)
		return
	}
	if !errors.Is(last, context.Canceled) {
		r.errorf("AsCompleted: IncompleteError %v does not match context.Canceled", last)
	}
	var pend []*futures.Future[int]
	for _, a := range ie.Pending {
		f, _ := a.(*futures.Future[int])
		pend = append(pend, f)
	}
	if !slices.Equal(pend, wantPending) || ie.Total != len(tks) {
		r.errorf("AsCompleted: IncompleteError{Pending: %s, Total: %d}; want {%s, %d}", r.describe(pend), ie.Total, r.describe(wantPending), len(tks))
	}
}

func (r *mdlRun) opCallback() {
	tk := r.pick()
	if tk == nil {
		return
	}
	panics := r.intn(4) == 0
	id := len(tk.cbs)
	tk.cbs = append(tk.cbs, panics)
	r.step("%s.AddDoneCallback(#%d, panics=%v) [model: %v]", mdlFutureName(tk.id), id, panics, tk.st)
	f := tk.f
	tk.f.AddDoneCallback(func(g *futures.Future[int]) {
		tk.cbMu.Lock()
		tk.cbRan = append(tk.cbRan, id)
		if g != f {
			tk.cbBad = append(tk.cbBad, fmt.Sprintf("callback #%d got another future", id))
		}
		if st := g.State(); !st.Done() {
			tk.cbBad = append(tk.cbBad, fmt.Sprintf("callback #%d ran in state %v", id, st))
		}
		tk.cbMu.Unlock()
		if panics {
			panic(fmt.Sprintf("callback #%d of %s panics", id, mdlFutureName(tk.id)))
		}
	})
	if tk.st.Done() {
		if panics {
			r.cbPanics++
		}
		// A callback added to a done future runs before AddDoneCallback returns.
		r.checkCallbacks(tk, "right after AddDoneCallback returned on a done future")
	}
}

func (r *mdlRun) opMap() {
	k := 1 + r.intn(6)
	variant := r.intn(6)
	inputs := mdlMapInputs(k)
	seq := slices.Values(inputs)
	var opts []futures.MapOption
	desc := ""
	ctx := context.Background()
	switch variant {
	case 1:
		opts, desc = append(opts, futures.Window(1)), ", Window(1)"
	case 2:
		opts, desc = append(opts, futures.Window(2)), ", Window(2)"
	case 3:
		opts, desc = append(opts, futures.Unordered()), ", Unordered()"
	case 4:
		opts, desc = append(opts, futures.Unordered(), futures.Window(1)), ", Unordered(), Window(1)"
	case 5:
		ctx, desc = r.ended, " with an already canceled ctx"
	}
	if variant != 5 && !r.shutdown && len(r.running) >= r.m {
		return // every worker is parked (or above a shrunk maximum): Map would wait forever
	}
	r.step("Map(%d inputs%s)", k, desc)
	fn := func(_ context.Context, in int) (int, error) {
		r.enter()
		defer r.active.Add(-1)
		if mdlMapFails(in) {
			return 0, mdlMapErr(in)
		}
		return mdlMapValue(in), nil
	}
	type res struct {
		v   int
		err error
	}
	var got []res
	for v, err := range futures.Map(ctx, r.ex, seq, fn, opts...) {
		got = append(got, res{v, err})
	}
	switch {
	case variant == 5:
		if len(got) != 1 || got[0].v != 0 || !errors.Is(got[0].err, context.Canceled) {
			r.errorf("Map with a canceled ctx yielded %v; want one step (0, context.Canceled)", got)
		}
		return
	case r.shutdown:
		if len(got) != k {
			r.errorf("Map after shutdown yielded %d steps; want %d", len(got), k)
		}
		for i, g := range got {
			if g.v != 0 || !errors.Is(g.err, futures.ErrShutdown) {
				r.errorf("Map after shutdown, step %d = (%v, %v); want (0, ErrShutdown)", i, g.v, g.err)
			}
		}
		return
	}
	var want []res
	for _, in := range inputs {
		if mdlMapFails(in) {
			want = append(want, res{0, mdlMapErr(in)})
		} else {
			want = append(want, res{mdlMapValue(in), nil})
		}
	}
	key := func(x res) string { return fmt.Sprint(x.v, x.err) }
	gotKeys, wantKeys := make([]string, len(got)), make([]string, len(want))
	for i, g := range got {
		gotKeys[i] = key(g)
	}
	for i, w := range want {
		wantKeys[i] = key(w)
	}
	if variant == 3 || variant == 4 {
		slices.Sort(gotKeys)
		slices.Sort(wantKeys)
	}
	if !slices.Equal(gotKeys, wantKeys) {
		r.errorf("Map(%d inputs%s) yielded %v; want %v", k, desc, gotKeys, wantKeys)
	}
	// Map's tasks may have started workers up to the maximum; adopt the count.
	synctest.Wait()
	if n := r.ex.Workers(); n < r.workers || n > r.m {
		r.errorf("after Map: Workers() = %d; want %d..%d", n, r.workers, r.m)
	} else {
		r.workers = n
	}
}

// checkCallbacks checks that tk's callbacks ran exactly once each, in order, if the
// model says tk is done, and not at all otherwise.
func (r *mdlRun) checkCallbacks(tk *mdlTask, when string) {
	tk.cbMu.Lock()
	ran := slices.Clone(tk.cbRan)
	bad := slices.Clone(tk.cbBad)
	tk.cbMu.Unlock()
	var want []int
	if tk.st.Done() {
		want = mdlRange(0, len(tk.cbs)-1)
	}
	if !slices.Equal(ran, want) {
		r.errorf("%s (%s): callbacks ran %v; want %v", mdlFutureName(tk.id), when, ran, want)
	}
	for _, b := range bad {
		r.errorf("%s: %s", mdlFutureName(tk.id), b)
	}
}

// check compares the executor with the model once the executor has settled.
func (r *mdlRun) check() {
	for _, tk := range r.tasks {
		r.checkTask(tk)
	}
	r.obsMu.Lock()
	got := slices.Clone(r.obsOrder)
	r.obsMu.Unlock()
	order, want := got, r.startOrder
	if len(r.together) > 0 && len(order) == len(want) {
		// A grow hands several queued tasks, in FIFO order and all under the lock, to
		// new workers, whose goroutines then enter the tasks in any order: compare
		// those tasks as a set, at their place in the order.
		order, want = slices.Clone(order), slices.Clone(want)
		for _, g := range r.together {
			slices.Sort(order[g[0]:g[1]])
			slices.Sort(want[g[0]:g[1]])
		}
	}
	if !slices.Equal(order, want) {
		r.errorf("tasks started in the order %v; want %v (FIFO)", got, r.startOrder)
	}
	r.obsMu.Lock()
	over := slices.Clone(r.overStarts)
	r.obsMu.Unlock()
	for _, o := range over {
		r.errorf("%s", o)
	}
	if n := int(r.active.Load()); n != len(r.running) {
		r.errorf("%d tasks are running; the model says %d", n, len(r.running))
	}
	if n := r.ex.Workers(); n != r.workers {
		r.errorf("Workers() = %d; want %d", n, r.workers)
	}
	if n := r.log.count("done-callback panicked"); n != r.cbPanics {
		r.errorf("%d panicking callbacks were logged; want %d", n, r.cbPanics)
	}
	for _, w := range r.waiters {
		r.checkWaiter(w)
	}
	for i, ch := range r.shutWaiters {
		if ch == nil {
			continue
		}
		select {
		case err := <-ch:
			r.shutWaiters[i] = nil
			if err != nil {
				r.errorf("background shutdown #%d returned %v; want nil", i, err)
			}
			if r.workers != 0 {
				r.errorf("background shutdown #%d returned while the model has %d workers alive", i, r.workers)
			}
		default:
			if r.workers == 0 {
				r.errorf("background shutdown #%d has not returned, but no worker is alive (Workers() = %d)", i, r.ex.Workers())
			}
		}
	}
}

func (r *mdlRun) checkWaiter(w *mdlWaiter) {
	if w.settled {
		return
	}
	var want bool
	if w.isWait {
		want = mdlSatisfied(w.mode, w.tasks)
	} else {
		want = w.tk.st.Done()
	}
	select {
	case res := <-w.ch:
		w.settled = true
		if !want {
			r.errorf("%s returned before the model says it can", w.desc)
		}
		if !w.isWait {
			r.checkOutcome(w.tk, res.v, res.err, w.desc)
			return
		}
		// done and notDone partition the deduplicated futures, in order, and every
		// future in done is done.
		var all, wantDone, wantNot []*futures.Future[int]
		var doneTasks []*mdlTask
		for _, tk := range w.tasks {
			f := mdlFutureOf(tk)
			all = append(all, f)
			if slices.Contains(res.done, f) {
				wantDone = append(wantDone, f)
				doneTasks = append(doneTasks, tk)
				if !mdlDone(tk) {
					r.errorf("%s reported %s done; the model says %v", w.desc, mdlFutureName(tk.id), tk.st)
				}
			} else {
				wantNot = append(wantNot, f)
			}
		}
		if !slices.Equal(res.done, wantDone) || !slices.Equal(res.notDone, wantNot) {
			r.errorf("%s = done %s, not done %s; want a partition of %s in order", w.desc, r.describe(res.done), r.describe(res.notDone), r.describe(all))
		}
		ok := true
		switch w.mode {
		case futures.FirstCompleted:
			ok = len(res.done) > 0 || len(all) == 0
		case futures.AllCompleted:
			ok = len(res.notDone) == 0
		case futures.FirstError:
			ok = len(res.notDone) == 0 || mdlHasError(doneTasks)
		}
		if !ok {
			r.errorf("%s returned done %s, not done %s, which does not satisfy %v", w.desc, r.describe(res.done), r.describe(res.notDone), w.mode)
		}
	default:
		if want {
			r.errorf("%s has not returned, though the model says it must have (it hangs)", w.desc)
		}
	}
}

// checkTask compares one future with the model.
func (r *mdlRun) checkTask(tk *mdlTask) {
	name := mdlFutureName(tk.id)
	f := tk.f
	if st := f.State(); st != tk.st {
		r.errorf("%s.State() = %v; want %v", name, st, tk.st)
		return
	}
	if f.IsDone() != tk.st.Done() || f.Canceled() != (tk.st == futures.Canceled) || f.Running() != (tk.st == futures.Running) {
		r.errorf("%s: IsDone/Canceled/Running = %v/%v/%v disagree with state %v", name, f.IsDone(), f.Canceled(), f.Running(), tk.st)
	}
	select {
	case <-f.Done():
		if !tk.st.Done() {
			r.errorf("%s.Done() is closed in state %v", name, tk.st)
		}
	default:
		if tk.st.Done() {
			r.errorf("%s.Done() is not closed in state %v", name, tk.st)
		}
	}
	// The task ran exactly when the model says so: never after a cancellation, and
	// never twice.
	if n, want := tk.started.Load(), map[bool]int32{false: 0, true: 1}[tk.ran]; n != want {
		r.errorf("%s started %d times; want %d (model state %v)", name, n, want, tk.st)
	}
	v, err := f.Result(r.ended)
	if !tk.st.Done() {
		if v != 0 || err != context.Canceled {
			r.errorf("%s.Result(ended ctx) on a %v future = (%v, %v); want (0, context.Canceled)", name, tk.st, v, err)
		}
	} else {
		r.checkOutcome(tk, v, err, name+".Result")
	}
	r.checkCallbacks(tk, "after the executor settled")
}

// checkOutcome compares the result of a done future with the model.
func (r *mdlRun) checkOutcome(tk *mdlTask, v int, err error, what string) {
	var pe *futures.PanicError
	isPanic := errors.As(err, &pe)
	bad := func(want string) {
		r.errorf("%s = (%v, %v); want %s", what, v, err, want)
	}
	switch tk.out {
	case outValue:
		if v != mdlValue(tk.id) || err != nil {
			bad(fmt.Sprintf("(%d, nil)", mdlValue(tk.id)))
		}
	case outError:
		if v != 0 || err != tk.err {
			bad(fmt.Sprintf("(0, %v) unwrapped", tk.err))
		}
	case outPanic:
		if v != 0 || !isPanic || pe.Value != mdlPanicValue(tk.id) || pe.Goexit || len(pe.Stack) == 0 {
			bad(fmt.Sprintf("a *PanicError with Value %q and a stack", mdlPanicValue(tk.id)))
		}
	case outPanicErr:
		if v != 0 || !isPanic || !errors.Is(err, tk.err) || pe.Goexit {
			bad(fmt.Sprintf("a *PanicError that matches %v", tk.err))
		}
	case outGoexit:
		if v != 0 || !isPanic || !pe.Goexit || pe.Value != nil || !errors.Is(err, futures.ErrGoexit) {
			bad("a *PanicError with Goexit set that matches ErrGoexit")
		}
	case outCtx:
		if v != -1 || !errors.Is(err, tk.cause) {
			bad(fmt.Sprintf("(-1, %v): the task's context ended with that cause", tk.cause))
		}
	case outCanceled:
		if v != 0 || !errors.Is(err, futures.ErrCanceled) || !errors.Is(err, context.Canceled) ||
			tk.cause != nil && !errors.Is(err, tk.cause) || isPanic {
			bad(fmt.Sprintf("an error matching ErrCanceled, context.Canceled and the cause %v", tk.cause))
		}
	case outRejected:
		if v != 0 || !errors.Is(err, futures.ErrShutdown) || errors.Is(err, futures.ErrCanceled) {
			bad("(0, ErrShutdown)")
		}
	default:
		bad(fmt.Sprintf("nothing: the model has no outcome %v", tk.out))
	}
}

// finish ends every task with a value (or by ending its context), shuts down, and
// checks the final state: everything done, every callback run once, no worker left.
func (r *mdlRun) finish() {
	r.step("-- release everything --")
	for !r.failed {
		var next *mdlTask
		for _, tk := range r.running {
			if !tk.ordered {
				next = tk
				break
			}
		}
		switch {
		case next != nil:
			r.endTask(next, endValue)
		default:
			var waiting *mdlTask
			for _, tk := range r.running {
				if tk.waitCtx && tk.cancel != nil && !tk.ctxCancel {
					waiting = tk
					break
				}
			}
			switch {
			case waiting != nil:
				r.step("cancel the submit context of %s", mdlFutureName(waiting.id))
				waiting.cancel()
				waiting.ctxCancel = true
				r.ctxEnds(waiting, context.Canceled)
			case len(r.running) > 0:
				r.step("ShutdownNow(already canceled ctx), to end tasks waiting for their context")
				r.shutdownNowModel()
				_ = r.ex.ShutdownNow(r.ended)
			default:
				r.step("Shutdown(ctx that does not end)")
				r.shutdownModel()
				if err := r.ex.Shutdown(r.live); err != nil {
					r.errorf("final Shutdown = %v; want nil", err)
				}
				synctest.Wait()
				r.check()
				r.finalCheck()
				return
			}
		}
		synctest.Wait()
		r.check()
	}
}

func (r *mdlRun) finalCheck() {
	for _, tk := range r.tasks {
		if !tk.f.IsDone() {
			r.errorf("%s is %v after the final Shutdown; want done", mdlFutureName(tk.id), tk.f.State())
		}
	}
	if n := r.ex.Workers(); n != 0 {
		r.errorf("Workers() = %d after the final Shutdown; want 0", n)
	}
	for _, w := range r.waiters {
		if !w.settled {
			r.errorf("%s never returned", w.desc)
		}
	}
}

// cleanup releases whatever a failed run left parked, so that the bubble can end.
func (r *mdlRun) cleanup() {
	if !r.failed {
		return
	}
	for _, tk := range r.tasks {
		if !tk.ordered {
			tk.ordered = true
			tk.gate <- endValue
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	if err := r.ex.ShutdownNow(ctx); err != nil {
		r.t.Errorf("cleanup: ShutdownNow: %v", err)
	}
	synctest.Wait()
}

// relLogRecorder is a slog.Handler that keeps the messages logged through it.
type relLogRecorder struct {
	mu   sync.Mutex
	msgs []string
}

func newRelLogRecorder() *relLogRecorder { return &relLogRecorder{} }

func (h *relLogRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (h *relLogRecorder) Handle(_ context.Context, rec slog.Record) error {
	h.mu.Lock()
	h.msgs = append(h.msgs, rec.Message)
	h.mu.Unlock()
	return nil
}
func (h *relLogRecorder) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *relLogRecorder) WithGroup(string) slog.Handler      { return h }

// count returns how many messages contain substr.
func (h *relLogRecorder) count(substr string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, m := range h.msgs {
		if strings.Contains(m, substr) {
			n++
		}
	}
	return n
}
