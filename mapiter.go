package futures

import (
	"context"
	"errors"
	"iter"
)

// A MapOption configures [Map].
type MapOption interface {
	applyMap(*mapOptions)
}

type mapOptionFunc func(*mapOptions)

func (f mapOptionFunc) applyMap(o *mapOptions) { f(o) }

type mapOptions struct {
	window    int // 0 means the default
	unordered bool
	err       error
}

// Window bounds the number of Map's tasks in flight (submitted and not yet yielded),
// like Python 3.14's buffersize; it must be at least 1. Memory is bounded by the
// window, whatever the length of the input. The default is twice the executor's
// maximum number of workers when the iteration starts, and at least 64, which keeps
// every worker busy while the consumer handles results.
func Window(n int) MapOption {
	return mapOptionFunc(func(o *mapOptions) {
		if n < 1 {
			o.err = invalid("Window(%d): the window must be at least 1", n)
			return
		}
		o.window = n
	})
}

// Unordered makes [Map] yield results in the order the tasks complete instead of
// input order. With a bounded window, one slow task then does not hold back the
// others. To tell which input a result belongs to, return it in the result.
func Unordered() MapOption {
	return mapOptionFunc(func(o *mapOptions) { o.unordered = true })
}

// minDefaultWindow is the smallest default window: a window of a few tasks makes the
// consumer wait on almost every element, which serializes the pipeline.
const minDefaultWindow = 64

// errMapDone ends the tasks of a Map whose iteration is over.
var errMapDone = errors.New("futures: Map iteration ended")

// Map runs fn on e for each input and returns an iterator over the results, in input
// order (Python's Executor.map). Inputs are read lazily, as results are consumed,
// with at most the [Window] of tasks in flight; nothing happens until the iteration
// starts. Map reads inputs in the consumer's goroutine and starts no goroutine of its
// own, so while it waits for the next input it yields nothing: with an input that
// arrives slowly, finished results are yielded once the window is full or the input
// ends. Pass Window(1) to yield each result before the next input is read.
//
// A failing element yields what its task returned, the error and the result with it
// (as [Future.Result] does), and the iteration goes on: the caller decides whether to
// stop (CPython's behaviour since gh-108518). Elements
// rejected by the executor (shut down or broken) yield the rejection error.
//
// ctx bounds the whole iteration (Python's timeout, counted from the call). When ctx
// ends, results already finished are still yielded; the first one that is not (or
// whose task failed with ctx's error after ctx had ended) yields the zero result and
// ctx.Err(), once, and the iteration stops. A task that returns such an error while
// ctx is still live fails like any other element. When the iteration stops early, because the loop broke or ctx
// ended, every pending task is canceled (a queued task whose context has ended is
// never started) and the contexts of running ones end, including a task handed to an
// idle worker an instant before, which then starts with its context already ended.
//
// Invalid arguments (a nil context, executor, input or function, or a bad option)
// yield one step with an error that matches [ErrInvalid].
//
// Cost per element: one allocation (the future, which holds the input and the call),
// on top of what the input and fn allocate. On the 2-core machine of BENCHMARKS.md,
// an ordered Map over a million integers costs 134–157 ns per element, 1.9–2.2 times a
// buffered channel feeding closures that store their results.
func Map[In, Out any](ctx context.Context, e *Executor, inputs iter.Seq[In], fn func(context.Context, In) (Out, error), opts ...MapOption) iter.Seq2[Out, error] {
	return func(yield func(Out, error) bool) {
		var zero Out
		var o mapOptions
		for _, opt := range opts {
			if opt == nil {
				o.err = invalid("Map: nil MapOption")
				continue
			}
			opt.applyMap(&o)
		}
		switch {
		case ctx == nil:
			o.err = invalid("Map called with a nil context.Context")
		case e == nil:
			o.err = invalid("Map called with a nil *Executor")
		case inputs == nil:
			o.err = invalid("Map called with a nil input sequence")
		case fn == nil:
			o.err = invalid("Map called with a nil function")
		}
		if o.err != nil {
			yield(zero, o.err)
			return
		}
		if o.window == 0 {
			o.window = max(minDefaultWindow, 2*e.MaxWorkers())
		}
		p := e.p
		// One context for all the tasks: it ends when the iteration ends, when ctx
		// ends, or when ShutdownNow is called.
		tctx, cancel := context.WithCancelCause(context.WithValue(ctx, ownerKey{}, p))
		defer cancel(errMapDone)
		stopOnShutdown := context.AfterFunc(p.ctx, func() { cancel(ErrShutdown) })
		defer stopOnShutdown()
		m := &mapRun[In, Out]{ctx: ctx, p: p, fn: fn, link: &ctxLink{p: p, ctx: tctx, cancel: cancel, shared: true}}
		if o.unordered {
			m.unordered(inputs, o.window, yield)
		} else {
			m.ordered(inputs, o.window, yield)
		}
	}
}

// mapRun is the state of one Map iteration.
type mapRun[In, Out any] struct {
	ctx  context.Context // the caller's context
	p    *pool
	fn   func(context.Context, In) (Out, error)
	link *ctxLink // shared by all the iteration's tasks
}

// submit starts fn(in) as a task.
func (m *mapRun[In, Out]) submit(in In) *Future[Out] {
	t := &mapTask[In, Out]{in: in, fn: m.fn}
	t.link = m.link
	switch err := m.p.submit(m.ctx, t); err {
	case nil:
	case errCallerRuns:
		t.runInline(m.p)
	default:
		t.abort(err)
	}
	return &t.Future
}

// mapTask is a task of Map: the future and the call in one allocation.
type mapTask[In, Out any] struct {
	Future[Out]
	in In
	fn func(context.Context, In) (Out, error)
}

func (t *mapTask[In, Out]) call(ctx context.Context) (Out, error) {
	fn, in := t.fn, t.in
	t.fn, t.in = nil, *new(In) // keep no reference once it has run
	v, err := fn(ctx, in)
	if err != nil && ctx.Err() != nil {
		// It failed once its context had ended: if that was the caller's context,
		// the failure is the iteration's deadline, not the element's (see emit).
		t.flags.Or(flagLate)
	}
	return v, err
}

func (t *mapTask[In, Out]) run(w *worker) (task, bool) { return t.runCall(w, t.call) }
func (t *mapTask[In, Out]) runInline(p *pool)          { t.runInlineCall(p, t.call) }

// emit yields the outcome of the done-or-waited-for future f; it reports whether
// the iteration goes on.
func (m *mapRun[In, Out]) emit(f *Future[Out], yield func(Out, error) bool) bool {
	v, err := f.Result(m.ctx)
	if ctxErr := m.ctx.Err(); ctxErr != nil {
		late := f.loadState() != Finished
		if !late {
			// Finished, perhaps while Result gave up: take its own outcome. It is the
			// deadline's only if the task failed with ctx's error after its context
			// had ended; a task that returned such an error by itself, before, failed
			// like any other element (CPython gh-155852: only the wait times out).
			v, err = f.Result(context.Background())
			late = f.flags.Load()&flagLate != 0 && errors.Is(err, ctxErr)
		}
		if late {
			// Not finished in time, or ended by the deadline: Python's TimeoutError,
			// which ends the map, once.
			var zero Out
			yield(zero, ctxErr)
			return false
		}
	}
	return yield(v, err)
}

func (m *mapRun[In, Out]) ordered(inputs iter.Seq[In], window int, yield func(Out, error) bool) {
	ring := make([]*Future[Out], window)
	head, n := 0, 0
	defer func() { // the iteration stopped early: cancel what is still pending
		each(n, func(i int) { ring[(head+i)%window].Cancel() })
	}()
	pop := func() *Future[Out] {
		f := ring[head]
		ring[head] = nil
		head = (head + 1) % window
		n--
		return f
	}
	cut := false // inputs remained when ctx ended
	for in := range inputs {
		if m.ctx.Err() != nil {
			cut = true
			break
		}
		ring[(head+n)%window] = m.submit(in)
		n++
		if n == window && !m.emit(pop(), yield) {
			return
		}
	}
	for n > 0 {
		if !m.emit(pop(), yield) {
			return
		}
	}
	if cut {
		// The futures all finished in time, but inputs remained.
		var zero Out
		yield(zero, m.ctx.Err())
	}
}

func (m *mapRun[In, Out]) unordered(inputs iter.Seq[In], window int, yield func(Out, error) bool) {
	w := newWatcher()
	// Each task in flight holds a slot, which is its index with the watcher.
	slots := make([]*Future[Out], window)
	free := make([]int, window)
	for i := range free {
		free[i] = window - 1 - i
	}
	inflight := 0
	var ready []*Future[Out] // done, not yet yielded, in completion order
	var owners []*pool       // m.p, if the iteration runs in one of its tasks
	if m.p.isTaskContext(m.ctx) {
		owners = []*pool{m.p}
	}
	defer func() { // the iteration stopped early: cancel what is still pending
		each(len(slots), func(i int) {
			if f := slots[i]; f != nil {
				f.unwatch(w)
				f.Cancel()
			}
		})
	}()
	var batch []int
	// next yields one done future, waiting for one if need be.
	next := func() bool {
		for len(ready) == 0 {
			if m.ctx.Err() == nil {
				blockOn(m.ctx, w.ch, owners)
			}
			batch = w.take(batch)
			for _, i := range batch {
				ready = append(ready, slots[i])
				slots[i] = nil
				free = append(free, i)
				inflight--
			}
			if len(ready) == 0 && m.ctx.Err() != nil {
				var zero Out
				yield(zero, m.ctx.Err())
				return false
			}
		}
		f := ready[0]
		ready[0] = nil
		ready = ready[1:]
		return m.emit(f, yield)
	}
	cut := false // inputs remained when ctx ended
	for in := range inputs {
		if m.ctx.Err() != nil {
			cut = true
			break
		}
		f := m.submit(in)
		slot := free[len(free)-1]
		if f.watch(w, slot) {
			free = free[:len(free)-1]
			slots[slot] = f
			inflight++
		} else {
			ready = append(ready, f)
		}
		if inflight+len(ready) == window && !next() {
			return
		}
	}
	for inflight+len(ready) > 0 {
		if !next() {
			return
		}
	}
	if cut {
		var zero Out
		yield(zero, m.ctx.Err())
	}
}
