package futures

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
)

// core is the part of a future that does not depend on its result type: its state, its
// error, and everything that waits on it. Every Future[T] embeds one, so the executor,
// Wait and AsCompleted handle futures of any type through it.
type core struct {
	state atomic.Uint32 // a State; it becomes Canceled or Finished once, under mu or by complete

	// flags holds flagAccepted (written under the owner's mu), flagCallbacks and
	// flagWaiters (set under mu), and flagLate (set by a Map task before it completes). It is atomic so that a worker can tell without a lock
	// whether the future has callbacks or waiters; it costs no space, filling the
	// padding before mu.
	flags atomic.Uint32

	mu   sync.Mutex    // guards wake and ext, and serializes terminate (complete takes it only when something waits)
	wake chan struct{} // the wake-up channel of the first blocked Result, or nil
	ext  *extra        // more waiters, the Done channel and the callbacks; nil until needed

	// fail holds the error, nil on success. It is written once, under mu, before
	// state becomes terminal; the atomic store of state publishes it to readers that
	// load a terminal state. A pointer, not an error, keeps a Future[int64] at 64
	// bytes; only failures pay for the box.
	fail *failure

	// link ties the task to its executor and to the context it runs with; nil for a
	// promise. Set before the future is published.
	link *ctxLink
}

// failure boxes a future's error.
type failure struct{ err error }

// canceledFailure is the box of every future canceled by a plain Cancel.
var canceledFailure = &failure{errCanceled}

// boxError boxes err, sharing the box of the commonest error.
func boxError(err error) *failure {
	switch err {
	case nil:
		return nil
	case errCanceled:
		return canceledFailure
	}
	return &failure{err}
}

// errValue returns the future's error; valid once its state is terminal.
func (c *core) errValue() error {
	if c.fail == nil {
		return nil
	}
	return c.fail.err
}

// owner returns the executor that runs the task, or nil for a promise.
func (c *core) owner() *pool {
	if c.link == nil {
		return nil
	}
	return c.link.p
}

const (
	flagAccepted  = 1 << iota // the owner counts the future among its pending tasks
	flagCallbacks             // callbacks are registered
	flagWaiters               // something was registered that completion must notify (see complete)
	flagLate                  // a Map task failed after its context had ended (see mapRun.emit)
)

// extra holds what only some futures need, so that the common future stays small.
type extra struct {
	done      chan struct{}   // closed on completion; made by the first Done call
	wakes     []chan struct{} // wake-up channels of further blocked Result calls
	watch0    watchReg        // the first Wait, AsCompleted or unordered Map registration, kept inline
	watchers  []watchReg      // further registrations
	callbacks []func()        // done-callbacks, in registration order
}

// closedChan is returned by Done for futures that are already done.
var closedChan = func() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}()

// settling marks, in the state word, a pending future that terminate is moving to
// the terminal state it is or'ed with: claim fails on it, and everyone else sees the
// future pending until terminate stores the terminal state, having stored the outcome.
const settling = 1 << 7

func (c *core) loadState() State {
	if s := c.state.Load(); s&settling == 0 {
		return State(s)
	}
	return Pending
}

// endState returns the state c is in or is moving to (see settling).
func (c *core) endState() State { return State(c.state.Load() &^ settling) }

func (c *core) extLocked() *extra {
	if c.ext == nil {
		c.ext = new(extra)
	}
	return c.ext
}

// claim moves a pending future to Running. It fails if the future was canceled.
func (c *core) claim() bool { return c.state.CompareAndSwap(uint32(Pending), uint32(Running)) }

// complete finishes c, which the calling goroutine claimed and ran, with err; the
// caller has stored the result value. A future that nothing waits on or watches
// completes without its lock, with one compare-and-swap: whatever registers on a
// future sets flagWaiters before it looks at the state (see openLocked), and complete
// looks at the flag after its swap, so one of the two always sees the other. When the
// flag is set, complete takes the lock to collect what it must notify, as terminate
// does. Nothing else finishes a running future that a worker runs.
func (c *core) complete(err error) {
	c.fail = boxError(err)
	if !c.state.CompareAndSwap(uint32(Running), uint32(Finished)) {
		panic("futures: internal error: complete on a future that is not running")
	}
	var wake chan struct{}
	var ext *extra
	if c.flags.Load()&flagWaiters != 0 {
		c.mu.Lock()
		wake, ext = c.wake, c.ext
		c.wake = nil
		c.mu.Unlock()
	}
	if c.link != nil {
		c.link.release()
	}
	c.notify(wake, ext)
}

// openLocked marks c as waited on and reports whether it is not done yet; called with
// c.mu held, before registering anything that c's completion must notify.
func (c *core) openLocked() bool {
	c.flags.Or(flagWaiters)
	return !c.loadState().Done()
}

// terminate moves c to the terminal state st with error err, calling set under the lock
// to store the result value. It reports false, changing nothing, if c was already
// done, or if st is Canceled and c is running: only a pending future can be canceled.
func (c *core) terminate(st State, err error, set func()) bool {
	c.mu.Lock()
	from := c.loadState()
	for {
		if from.Done() || (st == Canceled && from == Running) {
			c.mu.Unlock()
			return false
		}
		if from == Running {
			// Only abort and a promise end a running future here, and nothing
			// else writes its outcome: a worker's task ends through complete.
			break
		}
		// Pending: claim changes the state without the lock. Mark the future as
		// settling first, so that no worker claims it while the outcome is stored;
		// if one took it since our load, look again.
		if c.state.CompareAndSwap(uint32(Pending), uint32(st)|settling) {
			break
		}
		from = c.loadState()
	}
	// The outcome is stored before the state that publishes it. No reader looks at
	// it before the state is terminal.
	if set != nil {
		set()
	}
	c.fail = boxError(err)
	c.state.Store(uint32(st))
	wake, ext := c.wake, c.ext
	c.wake = nil
	// Counted before the lock is released, so that a Cancel or a shutdown that finds
	// c already done has seen it counted too: Stats after Shutdown is final even when
	// a context's AfterFunc goroutine canceled c a moment before. The pool's lock is
	// taken under c's, never the other way round.
	if p := c.owner(); from == Pending && p != nil {
		p.leftPending(c, st)
	}
	c.mu.Unlock()
	if c.link != nil {
		c.link.release()
	}
	c.notify(wake, ext)
	return true
}

// notify wakes everything that waits on c, which has just become done: blocked
// Result calls first, then the Done channel, Wait and AsCompleted, then the callbacks.
func (c *core) notify(wake chan struct{}, ext *extra) {
	if wake != nil {
		wake <- struct{}{}
	}
	if ext == nil {
		return
	}
	for _, w := range ext.wakes {
		w <- struct{}{}
	}
	if ext.done != nil {
		close(ext.done)
	}
	if r := ext.watch0; r.w != nil {
		r.w.notify(r.i)
	}
	for _, r := range ext.watchers {
		r.w.notify(r.i)
	}
	runCallbacks(ext.callbacks, c.logger())
	// Nothing appends to a done future's lists, so they can be dropped now; the
	// Done channel stays for later Done calls.
	c.mu.Lock()
	ext.wakes, ext.watch0, ext.watchers, ext.callbacks = nil, watchReg{}, nil, nil
	c.mu.Unlock()
}

// wait blocks until c is done or ctx ends; it returns nil or ctx.Err().
func (c *core) wait(ctx context.Context) error {
	if c.loadState().Done() {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if p := c.owner(); p != nil && p.isTaskContext(ctx) {
		// A task of our own executor waits on us: let one more worker run while it
		// waits, so that the wait cannot deadlock a full executor.
		defer p.blockEnd() // first: blockBegin may run callbacks that call Goexit
		p.blockBegin()
	}
	ch := c.getWake()
	c.mu.Lock()
	if !c.openLocked() {
		c.mu.Unlock()
		c.putWake(ch)
		return nil
	}
	if c.wake == nil {
		c.wake = ch
	} else {
		ext := c.extLocked()
		ext.wakes = append(ext.wakes, ch)
	}
	c.mu.Unlock()
	select {
	case <-ch:
		c.putWake(ch)
		return nil
	case <-ctx.Done():
	}
	c.mu.Lock()
	removed := c.removeWakeLocked(ch)
	c.mu.Unlock()
	if !removed {
		// The future completed after ctx ended, and its notifier owns ch: take the
		// wake-up it is sending, and report the result, which is there.
		<-ch
		c.putWake(ch)
		return nil
	}
	c.putWake(ch)
	return ctx.Err()
}

// getWake returns an empty one-slot channel for a blocked Result. Futures of an
// executor recycle them through the executor's pool, so that waiting does not
// allocate; the pool is per executor so that a testing/synctest bubble, whose channels
// must not be used outside it, never shares channels with the world outside.
func (c *core) getWake() chan struct{} {
	if p := c.owner(); p != nil {
		return p.wakes.Get().(chan struct{})
	}
	return make(chan struct{}, 1)
}

// putWake recycles ch, which must be empty.
func (c *core) putWake(ch chan struct{}) {
	if p := c.owner(); p != nil {
		p.wakes.Put(ch)
	}
}

// removeWakeLocked removes ch from the waiters; false means the future is done and
// the notifier will send on ch.
func (c *core) removeWakeLocked(ch chan struct{}) bool {
	if c.loadState().Done() {
		return false
	}
	if c.wake == ch {
		c.wake = nil
		return true
	}
	if c.ext == nil {
		return false
	}
	ws := c.ext.wakes
	for i, w := range ws {
		if w == ch {
			ws[i] = ws[len(ws)-1]
			ws[len(ws)-1] = nil
			c.ext.wakes = ws[:len(ws)-1]
			return true
		}
	}
	return false
}

// doneChan returns a channel closed when c is done: the one made by an earlier call,
// if any, so that every call returns the same channel.
func (c *core) doneChan() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ext != nil && c.ext.done != nil {
		return c.ext.done
	}
	if !c.openLocked() {
		return closedChan
	}
	ext := c.extLocked()
	ext.done = make(chan struct{})
	return ext.done
}

// hasCallbacks reports whether callbacks were registered on c, without locking it.
func (c *core) hasCallbacks() bool { return c.flags.Load()&flagCallbacks != 0 }

// addCallback runs cb at once if c is done, else when it becomes done.
func (c *core) addCallback(cb func()) {
	c.mu.Lock()
	if c.openLocked() {
		ext := c.extLocked()
		ext.callbacks = append(ext.callbacks, cb)
		c.flags.Or(flagCallbacks)
		c.mu.Unlock()
		return
	}
	c.mu.Unlock()
	runCallbacks([]func(){cb}, c.logger())
}

func (c *core) logger() *slog.Logger {
	if p := c.owner(); p != nil {
		return p.logger()
	}
	return slog.Default()
}

// runCallbacks runs cbs in order. A callback that panics is logged and the rest still
// run; so do they if one calls runtime.Goexit (see each).
func runCallbacks(cbs []func(), log *slog.Logger) {
	each(len(cbs), func(i int) {
		returned := false
		defer func() {
			if returned {
				return
			}
			if r := recover(); r != nil {
				log.Error("futures: done-callback panicked", "panic", r, "stack", string(newPanicError(r, false).Stack))
			} else {
				log.Error("futures: done-callback called runtime.Goexit; running the remaining callbacks first")
			}
		}()
		cbs[i]()
		returned = true
	})
}

// each calls f(i) for i from 0 to n-1. f may run user code that calls runtime.Goexit
// (t.FailNow in a callback, say), which nothing can stop from ending the goroutine;
// the remaining calls then run from a deferred call, before it ends, so that a batch
// of futures is never left half completed.
func each(n int, f func(i int)) {
	for i := 0; i < n; i++ {
		returned := false
		func() {
			defer func() {
				if !returned {
					each(n-i-1, func(j int) { f(i + 1 + j) })
				}
			}()
			f(i)
			returned = true
		}()
	}
}
