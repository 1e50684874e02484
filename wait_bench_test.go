package futures_test

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/gofutures/futures"
)

// The Wait and AsCompleted benchmarks run over N = 10,000 and 100,000 promise futures
// and report the time per future ("ns/future"): if the cost is linear, as documented,
// the two sizes show about the same figure. "done" futures are complete before the
// call; "concurrent" ones are completed by another goroutine, in a loop, once the call
// has registered on all of them.

var wbSizes = []int{10_000, 100_000}

// wbPromises returns n pending promises and their futures.
func wbPromises(n int) ([]*futures.Promise[int], []*futures.Future[int]) {
	ps := make([]*futures.Promise[int], n)
	fs := make([]*futures.Future[int], n)
	for i := range ps {
		ps[i] = futures.NewPromise[int]()
		fs[i] = ps[i].Future()
	}
	return ps, fs
}

// wbCompleter completes ps from a new goroutine once the call under test has
// registered on the last of them (or has returned, so that a broken call does not
// hang the benchmark). Wait for it with the returned WaitGroup.
func wbCompleter(ps []*futures.Promise[int], returned *atomic.Bool) *sync.WaitGroup {
	var wg sync.WaitGroup
	last := ps[len(ps)-1].Future()
	wg.Go(func() {
		for futures.WatcherCount(last) == 0 && !returned.Load() {
			runtime.Gosched()
		}
		for i, p := range ps {
			p.SetResult(i)
		}
	})
	return &wg
}

func wbReportPerFuture(b *testing.B, n int) {
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/future")
}

func BenchmarkWait(b *testing.B) {
	ctx := context.Background()
	for _, n := range wbSizes {
		b.Run(fmt.Sprintf("N=%d/done", n), func(b *testing.B) {
			ps, fs := wbPromises(n)
			for i, p := range ps {
				p.SetResult(i)
			}
			b.ResetTimer()
			for range b.N {
				if done, _ := futures.Wait(ctx, futures.AllCompleted, fs...); len(done) != n {
					b.Fatalf("Wait(ctx, AllCompleted, %d done futures) done = %d", n, len(done))
				}
			}
			wbReportPerFuture(b, n)
		})
		b.Run(fmt.Sprintf("N=%d/concurrent", n), func(b *testing.B) {
			b.StopTimer()
			for range b.N {
				ps, fs := wbPromises(n)
				var returned atomic.Bool
				b.StartTimer()
				wg := wbCompleter(ps, &returned)
				done, _ := futures.Wait(ctx, futures.AllCompleted, fs...)
				b.StopTimer()
				returned.Store(true)
				wg.Wait()
				if len(done) != n {
					b.Fatalf("Wait(ctx, AllCompleted, %d futures) done = %d", n, len(done))
				}
			}
			wbReportPerFuture(b, n)
		})
	}
}

func BenchmarkAsCompleted(b *testing.B) {
	ctx := context.Background()
	for _, n := range wbSizes {
		b.Run(fmt.Sprintf("N=%d/done", n), func(b *testing.B) {
			ps, fs := wbPromises(n)
			for i, p := range ps {
				p.SetResult(i)
			}
			b.ResetTimer()
			for range b.N {
				count := 0
				for _, err := range futures.AsCompleted(ctx, fs...) {
					if err != nil {
						b.Fatal(err)
					}
					count++
				}
				if count != n {
					b.Fatalf("AsCompleted(ctx, %d done futures) yielded %d", n, count)
				}
			}
			wbReportPerFuture(b, n)
		})
		b.Run(fmt.Sprintf("N=%d/concurrent", n), func(b *testing.B) {
			b.StopTimer()
			for range b.N {
				ps, fs := wbPromises(n)
				var returned atomic.Bool
				b.StartTimer()
				wg := wbCompleter(ps, &returned)
				count := 0
				for _, err := range futures.AsCompleted(ctx, fs...) {
					if err != nil {
						b.Fatal(err)
					}
					count++
				}
				b.StopTimer()
				returned.Store(true)
				wg.Wait()
				if count != n {
					b.Fatalf("AsCompleted(ctx, %d futures) yielded %d", n, count)
				}
			}
			wbReportPerFuture(b, n)
		})
	}
}
