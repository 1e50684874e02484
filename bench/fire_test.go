package bench

import (
	"context"
	"errors"
	"fmt"
	"slices"
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

// fire runs n fire-and-forget tasks t on a pool of w workers (w is ignored by
// "goroutine"), submitted by s goroutines at once, and returns when the pool is shut
// down and every task has run.
var fire = map[string]func(w, n, s int, t fireTask) error{
	"floor": func(w, n, s int, t fireTask) error {
		ch := make(chan func(), 1024)
		var wg sync.WaitGroup
		for range w {
			wg.Go(func() {
				for f := range ch {
					f()
				}
			})
		}
		err := submitFrom(s, n, func(k int) error {
			for range k {
				ch <- t.plain
			}
			return nil
		})
		close(ch)
		wg.Wait()
		return err
	},
	"futures": func(w, n, s int, t fireTask) error {
		return fireFutures(w, n, s, t)
	},
	// futures with a queue bounded like the floor's channel, whose submitters wait
	// for room. Only A and E run it, and benchtable leaves it out of the table (the
	// default queue is unbounded, as Python's is); BENCHMARKS.md quotes it to show
	// what the default costs.
	"futures-q1024": func(w, n, s int, t fireTask) error {
		return fireFutures(w, n, s, t, futures.WithQueueSize(1024, futures.Block))
	},
	"goroutine": func(w, n, s int, t fireTask) error {
		var wg sync.WaitGroup
		err := submitFrom(s, n, func(k int) error {
			for range k {
				wg.Go(t.plain)
			}
			return nil
		})
		wg.Wait()
		return err
	},
	"ants": func(w, n, s int, t fireTask) error {
		p, err := ants.NewPool(w)
		if err != nil {
			return err
		}
		err = submitFrom(s, n, func(k int) error {
			for range k {
				if err := p.Submit(t.plain); err != nil {
					return err
				}
			}
			return nil
		})
		// ants has no queue: once Submit has returned, a worker holds the task, and
		// ReleaseTimeout waits for every worker to finish and exit.
		return firstErr(err, p.ReleaseTimeout(time.Minute))
	},
	"pond": func(w, n, s int, t fireTask) error {
		p := pond.NewPool(w)
		err := submitFrom(s, n, func(k int) error {
			for range k {
				if err := p.Go(t.plain); err != nil {
					return err
				}
			}
			return nil
		})
		p.StopAndWait()
		return err
	},
	"conc": func(w, n, s int, t fireTask) error {
		p := pool.New().WithMaxGoroutines(w)
		err := submitFrom(s, n, func(k int) error {
			for range k {
				p.Go(t.plain)
			}
			return nil
		})
		p.Wait()
		return err
	},
	"errgroup": func(w, n, s int, t fireTask) error {
		var g errgroup.Group
		g.SetLimit(w)
		err := submitFrom(s, n, func(k int) error {
			for range k {
				g.Go(t.err)
			}
			return nil
		})
		return firstErr(err, g.Wait())
	},
	"workerpool": func(w, n, s int, t fireTask) error {
		wp := workerpool.New(w)
		err := submitFrom(s, n, func(k int) error {
			for range k {
				wp.Submit(t.plain)
			}
			return nil
		})
		wp.StopWait()
		return err
	},
}

// countTask returns the "empty" task of A and E: one increment of c, to check that
// every task ran.
func countTask(c *counter) fireTask {
	return fireTask{
		plain: func() { c.n.Add(1) },
		ctx:   func(context.Context) { c.n.Add(1) },
		err:   func() error { c.n.Add(1); return nil },
	}
}

// fireFutures runs the fire workload on a futures executor made with opts.
func fireFutures(w, n, s int, t fireTask, opts ...futures.Option) error {
	ex, err := futures.New(append([]futures.Option{futures.WithMaxWorkers(w)}, opts...)...)
	if err != nil {
		return err
	}
	err = submitFrom(s, n, func(k int) error {
		for range k {
			if err := ex.Go(t.ctx); err != nil {
				return err
			}
		}
		return nil
	})
	return firstErr(err, ex.Shutdown(context.Background()))
}

// boundedLibs are the extra libraries of A and E: futures with a bounded queue.
var boundedLibs = []string{"futures-q1024"}

// benchFire benchmarks fire-and-forget batches of n tasks made by mk for every
// library, and for the extra ones, with pool size w and s submitters.
func benchFire(b *testing.B, w, n, s int, mk func(c *counter) fireTask, check func(c *counter, n int) error, extra ...string) {
	for _, lib := range append(slices.Clip(libs), extra...) {
		run := fire[lib]
		b.Run(fmt.Sprintf("lib=%s/w=%d", lib, w), func(b *testing.B) {
			measure(b, n, n/10, "ns/task", func(b *testing.B, n int) error {
				c := new(counter)
				if err := run(w, n, s, mk(c)); err != nil {
					return err
				}
				return check(c, n)
			})
		})
	}
}

func checkAll(c *counter, n int) error { return checkCount("batch", c, n) }

// BenchmarkA: 1,000,000 empty fire-and-forget tasks, then wait for all; pool size
// GOMAXPROCS and 64. Pure dispatch cost.
func BenchmarkA(b *testing.B) {
	n := work.Scale(work.TasksA)
	for _, w := range []int{procs(), 64} {
		benchFire(b, w, n, 1, countTask, checkAll, boundedLibs...)
	}
}

// BenchmarkC: 100,000 tasks of about 10 µs of CPU each, pool size GOMAXPROCS. Shows
// whether dispatch wastes cores: the ideal is 10 µs / cores per task.
func BenchmarkC(b *testing.B) {
	n := work.Scale(work.TasksC)
	iters := spinIters()
	b.Logf("spin iterations per task: %d", iters)
	// Each task adds its spin result to sum: a task that did not run, or did not spin,
	// shows in the total.
	var sum counter
	one := int64(work.Spin(iters))
	mk := func(c *counter) fireTask {
		sum.n.Store(0)
		return fireTask{
			plain: func() {
				sum.n.Add(int64(work.Spin(iters)))
				c.n.Add(1)
			},
			ctx: func(context.Context) {
				sum.n.Add(int64(work.Spin(iters)))
				c.n.Add(1)
			},
			err: func() error {
				sum.n.Add(int64(work.Spin(iters)))
				c.n.Add(1)
				return nil
			},
		}
	}
	check := func(c *counter, n int) error {
		if err := checkAll(c, n); err != nil {
			return err
		}
		if sum.n.Load() != one*int64(n) {
			return errors.New("the sum of the spin results is wrong")
		}
		return nil
	}
	benchFire(b, procs(), n, 1, mk, check)
}

// BenchmarkD: 10,000 tasks sleeping 1 ms each, 1000 workers. Many blocked workers.
func BenchmarkD(b *testing.B) {
	n := work.Scale(work.TasksD)
	mk := func(c *counter) fireTask {
		return fireTask{
			plain: func() { time.Sleep(work.SleepD); c.n.Add(1) },
			ctx:   func(context.Context) { time.Sleep(work.SleepD); c.n.Add(1) },
			err:   func() error { time.Sleep(work.SleepD); c.n.Add(1); return nil },
		}
	}
	benchFire(b, work.WorkersD, n, 1, mk, checkAll)
}

// BenchmarkE: 1,000,000 empty tasks submitted by 8 goroutines at once, pool size
// GOMAXPROCS. Submit-path contention.
func BenchmarkE(b *testing.B) {
	n := work.Scale(work.TasksE)
	benchFire(b, procs(), n, work.Submitters, countTask, checkAll, boundedLibs...)
}
