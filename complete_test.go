package futures_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/gofutures/futures"
)

// TestCompleteRacesRegistration has every kind of waiter register on futures at the
// moment their tasks end. A worker completes a future that nothing waits on without
// its lock (core.complete), so each registration races with that path: none may miss
// the completion.
func TestCompleteRacesRegistration(t *testing.T) {
	ctx := context.Background()
	ex := newExecutor(t, futures.WithMaxWorkers(2))
	waiters := map[string]func(f *futures.Future[int]) bool{
		"Result": func(f *futures.Future[int]) bool {
			v, err := f.Result(ctx)
			return v == 1 && err == nil
		},
		"Done": func(f *futures.Future[int]) bool {
			<-f.Done()
			return f.IsDone()
		},
		"AddDoneCallback": func(f *futures.Future[int]) bool {
			called := make(chan struct{})
			f.AddDoneCallback(func(*futures.Future[int]) { close(called) })
			<-called
			return true
		},
		"Wait": func(f *futures.Future[int]) bool {
			done, notDone := futures.Wait(ctx, futures.AllCompleted, f)
			return len(done) == 1 && len(notDone) == 0
		},
		"AsCompleted": func(f *futures.Future[int]) bool {
			n := 0
			for _, err := range futures.AsCompleted(ctx, f) {
				if err != nil {
					return false
				}
				n++
			}
			return n == 1
		},
	}
	for name, wait := range waiters {
		t.Run(name, func(t *testing.T) {
			for range 2000 {
				start := make(chan struct{})
				f := futures.Submit(ctx, ex, func(context.Context) (int, error) {
					<-start
					return 1, nil
				})
				var wg sync.WaitGroup
				ok := make(chan bool, 1)
				wg.Go(func() { ok <- wait(f) })
				close(start) // the task ends while the waiter registers
				select {
				case good := <-ok:
					if !good {
						t.Fatalf("%s saw a wrong outcome: %v", name, f)
					}
				case <-time.After(10 * time.Second):
					t.Fatalf("%s missed the completion of %v", name, f)
				}
				wg.Wait()
			}
		})
	}
}
