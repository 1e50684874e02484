package futures

import (
	"context"
	"fmt"
	"iter"
	"slices"
)

// AsCompleted returns an iterator over the futures fs as they complete (Python's
// as_completed): each distinct future once, those already done first (in the order of
// fs), then the others in the order in which they complete. A nil future counts as
// done. Nothing happens until the iteration starts.
//
// Each step yields a done future and a nil error. If ctx ends before every future has
// been yielded, the iteration ends with one last step that yields the zero F and an
// [*IncompleteError] that matches ctx.Err() and lists the futures not yielded, so that
// they can be waited on again. AsCompleted cancels nothing. Breaking out of the loop
// leaves nothing behind: no goroutine, and no registration on the futures.
//
// To iterate over futures of different result types, instantiate it with
// [Awaitable]. AsCompleted costs O(len(fs)) time and allocations in all: on the
// 2-core machine of BENCHMARKS.md, submitting 10,000 or 100,000 futures and iterating
// over them as they complete costs 400–519 ns per future in all, no more per future at
// the larger size.
func AsCompleted[F Awaitable](ctx context.Context, fs ...F) iter.Seq2[F, error] {
	return func(yield func(F, error) bool) {
		var zero F
		if ctx == nil {
			yield(zero, invalid("AsCompleted called with a nil context.Context"))
			return
		}
		// A copy: the caller may edit its slice while it iterates (for example to
		// remove the futures yielded so far).
		fs := dedupe(slices.Clone(fs))
		w := newWatcher()
		// pending[i] reports that fs[i] is registered and not yet yielded.
		pending := make([]bool, len(fs))
		npending := 0
		var ready []int // futures done at start, in input order
		for i, f := range fs {
			if c := baseOf(f); c != nil && c.watch(w, i) {
				pending[i] = true
				npending++
			} else {
				ready = append(ready, i)
			}
		}
		defer func() {
			if npending == 0 {
				return
			}
			for i, p := range pending {
				if p {
					baseOf(fs[i]).unwatch(w)
				}
			}
		}()
		for _, i := range ready {
			if !yield(fs[i], nil) {
				return
			}
		}
		var owners []*pool
		if npending > 0 {
			watched := make([]*core, 0, npending)
			for i, p := range pending {
				if p {
					watched = append(watched, baseOf(fs[i]))
				}
			}
			owners = taskOwners(ctx, watched)
		}
		var batch []int
		for npending > 0 {
			if ctx.Err() == nil {
				blockOn(ctx, w.ch, owners)
			}
			if err := ctx.Err(); err != nil {
				yield(zero, incomplete(fs, pending, err, context.Cause(ctx)))
				return
			}
			batch = w.take(batch)
			for _, i := range batch {
				if !pending[i] {
					continue
				}
				pending[i] = false
				npending--
				if !yield(fs[i], nil) {
					return
				}
			}
		}
	}
}

func incomplete[F Awaitable](fs []F, pending []bool, err, cause error) *IncompleteError {
	e := &IncompleteError{Total: len(fs), Err: err, Cause: cause}
	for i, f := range fs {
		if pending[i] {
			e.Pending = append(e.Pending, f)
		}
	}
	return e
}

// IncompleteError ends an [AsCompleted] iteration whose context ended first (Python's
// TimeoutError "2 (of 4) futures unfinished"). It matches the context's error, and its
// cause when the context has one, with [errors.Is].
type IncompleteError struct {
	Pending []Awaitable // the futures not yielded, in input order
	Total   int         // the number of distinct futures
	Err     error       // the context's error: ctx.Err()
	Cause   error       // context.Cause(ctx), which is Err unless the context was given a cause
}

// Error says how many futures were not yielded, of how many, and why.
func (e *IncompleteError) Error() string {
	return fmt.Sprintf("futures: %d (of %d) futures unfinished: %v", len(e.Pending), e.Total, e.Cause)
}

// Unwrap returns Err and Cause.
func (e *IncompleteError) Unwrap() []error { return []error{e.Err, e.Cause} }
