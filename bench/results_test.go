package bench

import (
	"context"
	"fmt"
	"iter"
	"sync"
	"testing"
	"time"

	"github.com/alitto/pond/v2"
	"github.com/gammazero/workerpool"
	"github.com/gofutures/futures"
	"github.com/gofutures/futures/bench/internal/work"
	"github.com/panjf2000/ants/v2"
	"github.com/sourcegraph/conc/pool"
	"golang.org/x/sync/errgroup"
)

// value is what task i returns; never zero, so that a task that did not run shows.
func value(i int) int64 { return int64(i) + 1 }

// checkInOrder checks results collected in submission order.
func checkInOrder(res []int64) error {
	for i, v := range res {
		if v != value(i) {
			return fmt.Errorf("result %d = %d; want %d", i, v, value(i))
		}
	}
	return nil
}

// results runs n tasks returning value(i) on a pool of w workers and collects the
// results in submission order through the library's result API. Each task is a
// closure of i, in every library: that closure is the caller's allocation, the one
// the floor shows.
var results = map[string]func(b *testing.B, w, n int) error{
	"floor": func(b *testing.B, w, n int) error {
		res := make([]int64, n)
		ch := make(chan func(), 1024)
		var wg sync.WaitGroup
		for range w {
			wg.Go(func() {
				for f := range ch {
					f()
				}
			})
		}
		for i := range n {
			ch <- func() { res[i] = value(i) }
		}
		close(ch)
		wg.Wait()
		return checkInOrder(res)
	},
	"futures": func(b *testing.B, w, n int) error {
		ctx := context.Background()
		ex, err := futures.New(futures.WithMaxWorkers(w))
		if err != nil {
			return err
		}
		fs := make([]*futures.Future[int64], n)
		for i := range n {
			fs[i] = futures.Submit(ctx, ex, func(context.Context) (int64, error) { return value(i), nil })
		}
		for i, f := range fs {
			v, err := f.Result(ctx)
			if err != nil || v != value(i) {
				return fmt.Errorf("future %d: Result() = %d, %v; want %d, nil", i, v, err, value(i))
			}
		}
		return ex.Shutdown(ctx)
	},
	"goroutine": func(b *testing.B, w, n int) error {
		res := make([]int64, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { res[i] = value(i) })
		}
		wg.Wait()
		return checkInOrder(res)
	},
	"ants": func(b *testing.B, w, n int) error {
		// ants has no result API: one buffered channel per task.
		p, err := ants.NewPool(w)
		if err != nil {
			return err
		}
		chans := make([]chan int64, n)
		for i := range n {
			c := make(chan int64, 1)
			chans[i] = c
			if err := p.Submit(func() { c <- value(i) }); err != nil {
				return err
			}
		}
		for i, c := range chans {
			if v := <-c; v != value(i) {
				return fmt.Errorf("result %d = %d; want %d", i, v, value(i))
			}
		}
		return p.ReleaseTimeout(time.Minute)
	},
	"pond": func(b *testing.B, w, n int) error {
		p := pond.NewResultPool[int64](w)
		ts := make([]pond.ResultTask[int64], n)
		for i := range n {
			ts[i] = p.Submit(func() int64 { return value(i) })
		}
		for i, t := range ts {
			v, err := t.Wait()
			if err != nil || v != value(i) {
				return fmt.Errorf("task %d: Wait() = %d, %v; want %d, nil", i, v, err, value(i))
			}
		}
		p.StopAndWait()
		return nil
	},
	"conc": func(b *testing.B, w, n int) error {
		// conc v0.3.0's ResultPool returns the results in completion order: they are
		// checked as a set, outside the timed region.
		p := pool.NewWithResults[int64]().WithMaxGoroutines(w)
		for i := range n {
			p.Go(func() int64 { return value(i) })
		}
		res := p.Wait()
		b.StopTimer()
		defer b.StartTimer()
		if len(res) != n {
			return fmt.Errorf("%d results; want %d", len(res), n)
		}
		seen := make([]bool, n)
		for _, v := range res {
			if v < 1 || v > int64(n) || seen[v-1] {
				return fmt.Errorf("unexpected or repeated result %d", v)
			}
			seen[v-1] = true
		}
		return nil
	},
	"errgroup": func(b *testing.B, w, n int) error {
		res := make([]int64, n)
		var g errgroup.Group
		g.SetLimit(w)
		for i := range n {
			g.Go(func() error { res[i] = value(i); return nil })
		}
		if err := g.Wait(); err != nil {
			return err
		}
		return checkInOrder(res)
	},
	"workerpool": func(b *testing.B, w, n int) error {
		res := make([]int64, n)
		wp := workerpool.New(w)
		for i := range n {
			wp.Submit(func() { res[i] = value(i) })
		}
		wp.StopWait()
		return checkInOrder(res)
	},
}

// BenchmarkB: 1,000,000 tasks returning an int64, collected in submission order
// through each library's result API; pool size GOMAXPROCS and 64. The cost of a
// future.
func BenchmarkB(b *testing.B) {
	n := work.Scale(work.TasksB)
	for _, w := range []int{procs(), 64} {
		for _, lib := range libs {
			run := results[lib]
			b.Run(fmt.Sprintf("lib=%s/w=%d", lib, w), func(b *testing.B) {
				measure(b, n, n/10, "ns/task", func(b *testing.B, n int) error { return run(b, w, n) })
			})
		}
	}
}

// ints yields 0, 1, ..., n-1.
func ints(n int) iter.Seq[int] {
	return func(yield func(int) bool) {
		for i := range n {
			if !yield(i) {
				return
			}
		}
	}
}

// BenchmarkG: futures.Map over 1,000,000 inputs, ordered, default window, pool size
// GOMAXPROCS, against the floor of B (the same code as BenchmarkB's floor). Peers
// have no lazy ordered map.
func BenchmarkG(b *testing.B) {
	n := work.Scale(work.TasksG)
	w := procs()
	fn := func(_ context.Context, i int) (int64, error) { return value(i), nil }
	b.Run(fmt.Sprintf("lib=floor/w=%d", w), func(b *testing.B) {
		measure(b, n, n/10, "ns/task", func(b *testing.B, n int) error { return results["floor"](b, w, n) })
	})
	b.Run(fmt.Sprintf("lib=futures/w=%d", w), func(b *testing.B) {
		measure(b, n, n/10, "ns/task", func(b *testing.B, n int) error {
			ctx := context.Background()
			ex, err := futures.New(futures.WithMaxWorkers(w))
			if err != nil {
				return err
			}
			i := 0
			for v, err := range futures.Map(ctx, ex, ints(n), fn) {
				if err != nil || v != value(i) {
					return fmt.Errorf("element %d: %d, %v; want %d, nil", i, v, err, value(i))
				}
				i++
			}
			if i != n {
				return fmt.Errorf("Map yielded %d elements; want %d", i, n)
			}
			return ex.Shutdown(ctx)
		})
	})
}
