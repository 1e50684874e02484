package bench

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/gofutures/futures/bench/internal/work"
)

// libs names the contenders, in table order.
var libs = []string{"floor", "futures", "goroutine", "ants", "pond", "conc", "errgroup", "workerpool"}

// procs returns GOMAXPROCS, the pool size of most workloads (it follows -cpu).
func procs() int { return runtime.GOMAXPROCS(0) }

// measure runs one batch of n tasks per iteration and reports the per-task metrics.
// An untimed batch of warm tasks first warms the heap and the code paths. batch
// returns an error if the batch did not do all its work.
func measure(b *testing.B, n, warm int, unit string, batch func(b *testing.B, n int) error) {
	b.ReportAllocs()
	if warm > 0 {
		if err := batch(b, warm); err != nil {
			b.Fatalf("warm-up batch: %v", err)
		}
	}
	runtime.GC()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	b.ResetTimer()
	for range b.N {
		if err := batch(b, n); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	runtime.ReadMemStats(&m1)
	tasks := float64(b.N) * float64(n)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/tasks, unit)
	b.ReportMetric(float64(m1.Mallocs-m0.Mallocs)/tasks, "allocs/task")
	b.ReportMetric(float64(m1.TotalAlloc-m0.TotalAlloc)/tasks, "B/task")
}

// submitFrom calls submit(k) from s goroutines at once, splitting n tasks between
// them, and returns the first error. With s == 1 it calls submit(n) in the caller.
func submitFrom(s, n int, submit func(k int) error) error {
	if s == 1 {
		return submit(n)
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	for j := range s {
		k := n / s
		if j == 0 {
			k += n % s
		}
		wg.Go(func() {
			if err := submit(k); err != nil {
				mu.Lock()
				first = firstErr(first, err)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return first
}

// firstErr returns a if it is an error, else b.
func firstErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// counter is an atomic counter alone on its cache lines.
type counter struct {
	_ [64]byte
	n atomic.Int64
	_ [56]byte
}

// fireTask is one task in the three signatures the libraries take. Each workload
// writes the three out in full, rather than wrapping one in the others, so that no
// library pays for an extra call.
type fireTask struct {
	plain func()
	ctx   func(context.Context)
	err   func() error
}

// spinIters is the calibrated size of a workload-C task.
var spinIters = sync.OnceValue(work.SpinIters)

func checkCount(what string, got *counter, want int) error {
	if n := got.n.Load(); n != int64(want) {
		return fmt.Errorf("%s: %d tasks ran; want %d", what, n, want)
	}
	return nil
}
