package bench

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gofutures/futures"
	"github.com/gofutures/futures/bench/internal/work"
)

// gateCtx is context.Background whose Done method opens a gate. Wait and AsCompleted
// call Done only once they have registered on the pending futures and are about to
// block, so tasks that wait for the gate are all pending or running at that point:
// the benchmark exercises the wake-up path of every future, not the already-done
// fast path. If a later version called Done earlier, the gate would just open
// earlier; a timer opens it anyway after a while, so that no version can hang.
type gateCtx struct {
	context.Context
	open func()
}

func (c gateCtx) Done() <-chan struct{} {
	c.open()
	return c.Context.Done()
}

// gate holds tasks until it is opened.
type gate struct {
	ch     chan struct{}
	opened atomic.Bool
	open   func()
}

func newGate() *gate {
	g := &gate{ch: make(chan struct{})}
	g.open = sync.OnceFunc(func() { g.opened.Store(true); close(g.ch) })
	return g
}

func (g *gate) wait() {
	if !g.opened.Load() {
		<-g.ch
	}
}

// BenchmarkH: futures.AsCompleted and futures.Wait over 10,000 and 100,000 futures of
// an executor of GOMAXPROCS workers, from executor creation to shutdown. Waiting is
// linear when ns/future is the same at both sizes.
func BenchmarkH(b *testing.B) {
	w := procs()
	for _, op := range []string{"AsCompleted", "Wait"} {
		for _, n := range []int{work.Scale(work.TasksHSmall), work.Scale(work.TasksHLarge)} {
			b.Run(fmt.Sprintf("lib=futures/op=%s/n=%d", op, n), func(b *testing.B) {
				measure(b, n, n/10, "ns/future", func(b *testing.B, n int) error {
					return waitBatch(op, w, n)
				})
			})
		}
	}
}

func waitBatch(op string, w, n int) error {
	ctx := context.Background()
	g := newGate()
	defer time.AfterFunc(10*time.Second, g.open).Stop()
	ex, err := futures.New(futures.WithMaxWorkers(w))
	if err != nil {
		return err
	}
	fn := func(context.Context) (int64, error) { g.wait(); return 1, nil }
	fs := make([]*futures.Future[int64], n)
	for i := range fs {
		fs[i] = futures.Submit(ctx, ex, fn)
	}
	gctx := gateCtx{ctx, g.open}
	var count, sum int64
	switch op {
	case "AsCompleted":
		for f, err := range futures.AsCompleted(gctx, fs...) {
			if err != nil {
				return err
			}
			v, err := f.Result(ctx)
			if err != nil {
				return err
			}
			count++
			sum += v
		}
	case "Wait":
		done, notDone := futures.Wait(gctx, futures.AllCompleted, fs...)
		if len(notDone) != 0 {
			return fmt.Errorf("Wait: %d futures not done", len(notDone))
		}
		for _, f := range done {
			v, err := f.Result(ctx)
			if err != nil {
				return err
			}
			count++
			sum += v
		}
	}
	if count != int64(n) || sum != int64(n) {
		return fmt.Errorf("%s yielded %d futures summing to %d; want %d", op, count, sum, n)
	}
	return ex.Shutdown(ctx)
}
