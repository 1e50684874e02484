package futures

import (
	"context"
	"slices"
	"sync"
)

// watcher collects the completions of many futures for one Wait, AsCompleted or
// unordered Map: each future it is registered on reports to it once, when it becomes
// done, with the index it was registered under. Registering on n futures and
// collecting their completions costs O(n) in all; nothing is rescanned or looked up.
type watcher struct {
	ch chan struct{} // one-slot signal: something was added to done

	mu   sync.Mutex // guards done
	done []int      // indexes of completed futures not yet taken, in completion order
}

// watchReg is a watcher's registration on a future, under the index i.
type watchReg struct {
	w *watcher
	i int
}

func newWatcher() *watcher { return &watcher{ch: make(chan struct{}, 1)} }

// notify is called by a future that has just become done, outside its lock.
func (w *watcher) notify(i int) {
	w.mu.Lock()
	w.done = append(w.done, i)
	w.mu.Unlock()
	select {
	case w.ch <- struct{}{}:
	default:
	}
}

// take returns the indexes collected since the last take, and forgets them. The
// slice is w's to reuse once the caller is done with it, so take allocates nothing in
// the steady state.
func (w *watcher) take(buf []int) []int {
	w.mu.Lock()
	defer w.mu.Unlock()
	buf = append(buf[:0], w.done...)
	w.done = w.done[:0]
	return buf
}

// watch registers w on c under index i; false means c is already done and will not
// report.
func (c *core) watch(w *watcher, i int) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.openLocked() {
		return false
	}
	ext := c.extLocked()
	if ext.watch0.w == nil {
		ext.watch0 = watchReg{w, i} // the common case, without allocating
	} else {
		ext.watchers = append(ext.watchers, watchReg{w, i})
	}
	return true
}

// unwatch removes w from c, so that an abandoned Wait or AsCompleted leaves nothing
// behind. If c is already done it is reporting, or has reported, to w; that is
// harmless, and its list is not touched while it is being read.
func (c *core) unwatch(w *watcher) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.loadState().Done() || c.ext == nil {
		return
	}
	if c.ext.watch0.w == w {
		c.ext.watch0 = watchReg{}
		return
	}
	ws := c.ext.watchers
	for i, r := range ws {
		if r.w == w {
			ws[i] = ws[len(ws)-1]
			ws[len(ws)-1] = watchReg{}
			c.ext.watchers = ws[:len(ws)-1]
			return
		}
	}
}

// taskOwners returns the executors among the owners of cs whose task is the goroutine
// about to wait on them (ctx is that task's context). While it waits, each of them may
// run one more worker (see pool.blockBegin), as Future.Result does, so that the wait
// cannot deadlock a full executor.
func taskOwners(ctx context.Context, cs []*core) []*pool {
	var owners []*pool
	for _, c := range cs {
		if p := c.owner(); p != nil && !slices.Contains(owners, p) && p.isTaskContext(ctx) {
			owners = append(owners, p)
		}
	}
	return owners
}

// blockOn blocks until ch is ready or ctx ends, letting each of owners run one more
// worker meanwhile.
func blockOn(ctx context.Context, ch <-chan struct{}, owners []*pool) {
	for _, p := range owners {
		defer p.blockEnd() // first: blockBegin may run callbacks that call Goexit
		p.blockBegin()
	}
	select {
	case <-ch:
	case <-ctx.Done():
	}
}
