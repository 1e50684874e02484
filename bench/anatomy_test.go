package bench

import (
	"context"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gofutures/futures/bench/internal/work"
)

// BenchmarkDAnatomy takes workload D apart, for every library: each task records when
// it started and how long its 1 ms sleep lasted. It reports the medians over the
// batches of
//
//   - ramp-ms: the time from the pool's creation to the start of the 1,000th task to
//     start, about when every worker has begun its first task;
//   - last-ms: the time to the start of the last task;
//   - sleep-ms: the mean time a task's time.Sleep(1 ms) lasted, which is how late the
//     runtime's timers fired (the runtime waits for a timer in whole milliseconds when
//     every processor is idle);
//   - ms/batch: the batch, from the pool's creation to the end of its shutdown.
//
// A batch of 10,000 tasks on 1000 workers lasts about ramp-ms + 10 × sleep-ms, and about
// last-ms + sleep-ms; a library can differ from another in D by its ramp (starting
// workers and queueing the backlog), by how late the timers fire while it runs, or by
// how long a worker takes from the end of one task to the start of the next. The
// recording costs every library the same two clock reads per task.
//
//	go test -run '^$' -bench DAnatomy -benchtime 20x
func BenchmarkDAnatomy(b *testing.B) {
	n, w := work.Scale(work.TasksD), work.WorkersD
	for _, lib := range libs {
		b.Run("lib="+lib, func(b *testing.B) {
			starts := make([]time.Duration, n)
			sleeps := make([]time.Duration, n)
			batch := func() (ramp, last, sleep, total time.Duration, err error) {
				var next atomic.Int64
				t0 := time.Now()
				body := func() {
					k := next.Add(1) - 1
					s := time.Now()
					starts[k] = s.Sub(t0)
					time.Sleep(work.SleepD)
					sleeps[k] = time.Since(s)
				}
				t := fireTask{
					plain: body,
					ctx:   func(context.Context) { body() },
					err:   func() error { body(); return nil },
				}
				if err := fire[lib](w, n, 1, t); err != nil {
					return 0, 0, 0, 0, err
				}
				total = time.Since(t0)
				if got := next.Load(); got != int64(n) {
					return 0, 0, 0, 0, fmt.Errorf("%d of %d tasks ran", got, n)
				}
				var sum time.Duration
				for _, d := range sleeps {
					sum += d
				}
				slices.Sort(starts)
				return starts[min(w, n)-1], starts[n-1], sum / time.Duration(n), total, nil
			}
			if _, _, _, _, err := batch(); err != nil { // warm-up
				b.Fatal(err)
			}
			var ramps, lasts, sleepMeans, totals []float64
			ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
			b.ResetTimer()
			for range b.N {
				ramp, last, sleep, total, err := batch()
				if err != nil {
					b.Fatal(err)
				}
				ramps = append(ramps, ms(ramp))
				lasts = append(lasts, ms(last))
				sleepMeans = append(sleepMeans, ms(sleep))
				totals = append(totals, ms(total))
			}
			b.ReportMetric(median(ramps), "ramp-ms")
			b.ReportMetric(median(lasts), "last-ms")
			b.ReportMetric(median(sleepMeans), "sleep-ms")
			b.ReportMetric(median(totals), "ms/batch")
		})
	}
}

// median returns the median of xs, which it sorts.
func median(xs []float64) float64 {
	slices.Sort(xs)
	if len(xs)%2 == 1 {
		return xs[len(xs)/2]
	}
	return (xs[len(xs)/2-1] + xs[len(xs)/2]) / 2
}
