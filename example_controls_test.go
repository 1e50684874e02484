package futures_test

import (
	"context"
	"encoding/json"
	"expvar"
	"fmt"
	"sync"
	"time"

	"github.com/gofutures/futures"
)

// Publish an executor's Stats through expvar, so /debug/vars shows them.
func ExampleExecutor_Stats() {
	ex, _ := futures.New(futures.WithMaxWorkers(2), futures.WithName("images"))
	if expvar.Get("futures.images") == nil { // Publish panics on a duplicate name
		expvar.Publish("futures.images", expvar.Func(func() any { return ex.Stats() }))
	}
	ctx := context.Background()
	for i := range 10 {
		futures.Submit(ctx, ex, func(context.Context) (int, error) { return i, nil })
	}
	ex.Shutdown(ctx)

	var s futures.Stats
	json.Unmarshal([]byte(expvar.Get("futures.images").String()), &s)
	fmt.Printf("submitted %d, completed %d, pending %d, workers %d\n", s.Submitted, s.Completed, s.Pending, s.Workers)
	// Output: submitted 10, completed 10, pending 0, workers 0
}

// Record every task's run time in a histogram with hooks.
func ExampleWithHooks() {
	var mu sync.Mutex
	bounds := []time.Duration{time.Millisecond, 10 * time.Millisecond, time.Second}
	buckets := make([]int, len(bounds)+1) // the last one is +Inf

	ex, _ := futures.New(futures.WithHooks(futures.Hooks{
		AfterTask: func(ti futures.TaskInfo) {
			i := 0
			for i < len(bounds) && ti.RunTime > bounds[i] {
				i++
			}
			mu.Lock()
			buckets[i]++
			mu.Unlock()
		},
	}))
	ctx := context.Background()
	for range 100 {
		ex.Go(func(context.Context) {})
	}
	ex.Shutdown(ctx) // hooks have all run when Shutdown returns

	total := 0
	for _, n := range buckets {
		total += n
	}
	fmt.Println("tasks recorded:", total)
	// Output: tasks recorded: 100
}

// Bound the queue: with Reject, a full executor refuses work at once instead of
// letting the backlog grow.
func ExampleWithQueueSize() {
	ex, _ := futures.New(futures.WithMaxWorkers(1), futures.WithQueueSize(1, futures.Reject))
	ctx := context.Background()
	release := make(chan struct{})
	started := make(chan struct{})
	futures.Submit(ctx, ex, func(context.Context) (int, error) { close(started); <-release; return 0, nil })
	<-started
	queued := futures.Submit(ctx, ex, func(context.Context) (int, error) { return 1, nil })
	refused := futures.Submit(ctx, ex, func(context.Context) (int, error) { return 2, nil })
	fmt.Println(refused.Err(ctx))
	close(release)
	fmt.Println(queued.Result(ctx))
	ex.Close()
	// Output:
	// futures: queue is full
	// 1 <nil>
}

// Resize an executor while it runs.
func ExampleExecutor_SetMaxWorkers() {
	ex, _ := futures.New(futures.WithMaxWorkers(2))
	defer ex.Close()
	ex.SetMaxWorkers(8)
	fmt.Println(ex.MaxWorkers())
	// Output: 8
}
