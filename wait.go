package futures

import (
	"context"
	"strconv"
)

// WaitMode says when [Wait] returns (Python's return_when).
type WaitMode int

const (
	// AllCompleted returns when every future is done (Python's ALL_COMPLETED).
	AllCompleted WaitMode = iota
	// FirstCompleted returns when at least one future is done (FIRST_COMPLETED).
	FirstCompleted
	// FirstError returns when a future finishes with an error, or else when every
	// future is done (FIRST_EXCEPTION). A canceled future is not an error here.
	FirstError
)

// String returns the mode's name, such as "FirstCompleted".
func (m WaitMode) String() string {
	switch m {
	case AllCompleted:
		return "AllCompleted"
	case FirstCompleted:
		return "FirstCompleted"
	case FirstError:
		return "FirstError"
	}
	return "WaitMode(" + strconv.Itoa(int(m)) + ")"
}

// Wait waits until the futures fs satisfy mode, or ctx ends, and returns the futures
// that are done and those that are not (Python's wait). It never fails: when ctx ends
// it returns what is done by then. A future given twice counts once; both results
// keep the order of fs. Canceled futures are done at once. A nil future counts as done
// (its Result reports the problem).
//
// To wait on futures of different result types together, instantiate Wait with
// [Awaitable]: Wait[futures.Awaitable](ctx, mode, f1, f2).
//
// Wait costs O(len(fs)) time and allocations, whatever the mode; it starts no
// goroutine and leaves no registration on the futures when it returns. On the 2-core
// machine of BENCHMARKS.md, submitting 10,000 or 100,000 futures and waiting for all
// of them while they are pending costs 449–585 ns per future in all, no more per future
// at the larger size. Wait panics if mode is not one of the three modes, or if ctx
// is nil.
func Wait[F Awaitable](ctx context.Context, mode WaitMode, fs ...F) (done, notDone []F) {
	if mode < AllCompleted || mode > FirstError {
		panic("futures: Wait called with invalid mode " + mode.String())
	}
	if ctx == nil {
		panic("futures: Wait called with a nil context.Context")
	}
	fs = dedupe(fs)
	// satisfied reports whether the done future c (nil for a nil future, whose Result
	// is an error) ends the wait.
	satisfied := func(c *core) bool {
		switch mode {
		case FirstCompleted:
			return true
		case FirstError:
			return c == nil || c.loadState() == Finished && c.fail != nil
		}
		return false
	}
	stop := false
	var todo []int // indexes of the futures not done at first sight
	for i, f := range fs {
		if c := baseOf(f); c == nil || c.loadState().Done() {
			stop = stop || satisfied(c)
		} else {
			todo = append(todo, i)
		}
	}
	if !stop && len(todo) > 0 && ctx.Err() == nil {
		w := newWatcher()
		watched := make([]*core, 0, len(todo))
		defer func() { // deferred: blockOn may run callbacks that call runtime.Goexit
			for _, c := range watched {
				c.unwatch(w)
			}
		}()
		for _, i := range todo {
			if c := baseOf(fs[i]); c.watch(w, i) {
				watched = append(watched, c)
			} else { // done since the first look
				stop = stop || satisfied(c)
			}
		}
		owners := taskOwners(ctx, watched)
		remaining := len(watched)
		var batch []int
		for !stop && remaining > 0 && ctx.Err() == nil {
			blockOn(ctx, w.ch, owners)
			batch = w.take(batch)
			for _, i := range batch {
				remaining--
				stop = stop || satisfied(baseOf(fs[i]))
			}
		}
	}
	for _, f := range fs {
		if c := baseOf(f); c == nil || c.loadState().Done() {
			done = append(done, f)
		} else {
			notDone = append(notDone, f)
		}
	}
	return done, notDone
}

// baseOf returns f's core, or nil for a nil future.
func baseOf[F Awaitable](f F) *core {
	if any(f) == nil {
		return nil
	}
	return f.base()
}

// dedupe returns fs without repeats, keeping first occurrences in order. It returns fs
// itself when there are none.
func dedupe[F Awaitable](fs []F) []F {
	if len(fs) < 2 {
		return fs
	}
	seen := make(map[*core]struct{}, len(fs))
	var out []F
	nilSeen := false
	for i, f := range fs {
		c := baseOf(f)
		dup := false
		if c == nil {
			dup, nilSeen = nilSeen, true
		} else if _, dup = seen[c]; !dup {
			seen[c] = struct{}{}
		}
		if dup && out == nil {
			out = append(make([]F, 0, len(fs)), fs[:i]...)
		}
		if !dup && out != nil {
			out = append(out, f)
		}
	}
	if out == nil {
		return fs
	}
	return out
}
