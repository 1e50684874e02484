package bench

import (
	"context"
	"fmt"
	"runtime"
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

// stamps records when each task was submitted and when it started, in nanoseconds
// since base on the monotonic clock.
type stamps struct {
	base       time.Time
	sub, start []int64
}

func (s *stamps) now() int64 { return int64(time.Since(s.base)) + 1 } // never 0

// started is task i's whole body.
func (s *stamps) started(i int) { s.start[i] = s.now() }

// paced opens a pool of w workers: spawn(i) submits a task that calls s.started(i)
// (a closure of i, in every library), and stop shuts the pool down and waits for it.
var paced = map[string]func(w int, s *stamps) (spawn func(i int) error, stop func() error, err error){
	"floor": func(w int, s *stamps) (func(int) error, func() error, error) {
		ch := make(chan func(), 1024)
		var wg sync.WaitGroup
		for range w {
			wg.Go(func() {
				for f := range ch {
					f()
				}
			})
		}
		spawn := func(i int) error { ch <- func() { s.started(i) }; return nil }
		stop := func() error { close(ch); wg.Wait(); return nil }
		return spawn, stop, nil
	},
	"futures": func(w int, s *stamps) (func(int) error, func() error, error) {
		ex, err := futures.New(futures.WithMaxWorkers(w))
		if err != nil {
			return nil, nil, err
		}
		spawn := func(i int) error { return ex.Go(func(context.Context) { s.started(i) }) }
		stop := func() error { return ex.Shutdown(context.Background()) }
		return spawn, stop, nil
	},
	"goroutine": func(w int, s *stamps) (func(int) error, func() error, error) {
		var wg sync.WaitGroup
		spawn := func(i int) error { wg.Go(func() { s.started(i) }); return nil }
		stop := func() error { wg.Wait(); return nil }
		return spawn, stop, nil
	},
	"ants": func(w int, s *stamps) (func(int) error, func() error, error) {
		p, err := ants.NewPool(w)
		if err != nil {
			return nil, nil, err
		}
		spawn := func(i int) error { return p.Submit(func() { s.started(i) }) }
		stop := func() error { return p.ReleaseTimeout(time.Minute) }
		return spawn, stop, nil
	},
	"pond": func(w int, s *stamps) (func(int) error, func() error, error) {
		p := pond.NewPool(w)
		spawn := func(i int) error { return p.Go(func() { s.started(i) }) }
		stop := func() error { p.StopAndWait(); return nil }
		return spawn, stop, nil
	},
	"conc": func(w int, s *stamps) (func(int) error, func() error, error) {
		p := pool.New().WithMaxGoroutines(w)
		spawn := func(i int) error { p.Go(func() { s.started(i) }); return nil }
		stop := func() error { p.Wait(); return nil }
		return spawn, stop, nil
	},
	"errgroup": func(w int, s *stamps) (func(int) error, func() error, error) {
		g := new(errgroup.Group)
		g.SetLimit(w)
		spawn := func(i int) error { g.Go(func() error { s.started(i); return nil }); return nil }
		return spawn, g.Wait, nil
	},
	"workerpool": func(w int, s *stamps) (func(int) error, func() error, error) {
		wp := workerpool.New(w)
		spawn := func(i int) error { wp.Submit(func() { s.started(i) }); return nil }
		stop := func() error { wp.StopWait(); return nil }
		return spawn, stop, nil
	},
}

// BenchmarkF: 100,000 tasks arriving every 10 µs on a pool of GOMAXPROCS workers;
// the submit→start latency, p50 and p99 (metrics p50-ns and p99-ns). The submitter
// paces the arrivals by yielding (runtime.Gosched) until each one is due, so that the
// arrivals keep their schedule, which time.Sleep's granularity would not, and a task
// made runnable on the submitter's P runs at its next yield.
func BenchmarkF(b *testing.B) {
	n := work.Scale(work.TasksF)
	w := procs()
	for _, lib := range libs {
		open := paced[lib]
		b.Run(fmt.Sprintf("lib=%s/w=%d", lib, w), func(b *testing.B) {
			var lat []int64 // the latencies of the timed batches
			batches := 0
			measure(b, n, 1000, "ns/task", func(b *testing.B, n int) error {
				batches++
				s := &stamps{sub: make([]int64, n), start: make([]int64, n)}
				s.base = time.Now()
				spawn, stop, err := open(w, s)
				if err != nil {
					return err
				}
				for i := range n {
					due := int64(i) * int64(work.ArrivalF)
					for int64(time.Since(s.base)) < due {
						runtime.Gosched()
					}
					s.sub[i] = s.now()
					if err := spawn(i); err != nil {
						return err
					}
				}
				if err := stop(); err != nil {
					return err
				}
				b.StopTimer()
				defer b.StartTimer()
				for i := range n {
					if s.start[i] == 0 {
						return fmt.Errorf("task %d never started", i)
					}
					if batches > 1 { // not the warm-up batch
						lat = append(lat, s.start[i]-s.sub[i])
					}
				}
				return nil
			})
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2]), "p50-ns")
			b.ReportMetric(float64(lat[len(lat)*99/100]), "p99-ns")
		})
	}
}
