package futures_test

import (
	"context"
	"sync"
	"testing"

	"github.com/gofutures/futures"
)

// The allocation budgets of the hot paths (performance.md): Submit + Result costs one
// allocation, the future; Go costs none; Result on a done future costs none. The
// tasks are closures made once, outside the measured runs, so that only the
// library's allocations count. testing.AllocsPerRun truncates the average, so growth
// that the executor amortizes over many tasks (its queue's blocks) does not count.

func TestAllocsSubmitResult(t *testing.T) {
	ex := newExecutor(t, futures.WithMaxWorkers(1))
	ctx := context.Background()
	fn := func(context.Context) (int, error) { return 1, nil } // captures nothing: never allocated
	submitResult := func() {
		if v, err := futures.Submit(ctx, ex, fn).Result(ctx); v != 1 || err != nil {
			t.Fatalf("Submit(...).Result() = %d, %v; want 1, nil", v, err)
		}
	}
	for range 100 { // warm up: the worker, the wake-up channels
		submitResult()
	}
	if got := testing.AllocsPerRun(1000, submitResult); got > 1 {
		t.Errorf("Submit + Result: %v allocations per task; want at most 1 (the future)", got)
	}
}

func TestAllocsGo(t *testing.T) {
	ex := newExecutor(t, futures.WithMaxWorkers(1))
	var wg sync.WaitGroup
	fn := func(context.Context) { wg.Done() }
	goTask := func() {
		wg.Add(1)
		if err := ex.Go(fn); err != nil {
			t.Fatalf("Go() = %v; want nil", err)
		}
	}
	for range 1000 { // warm up: the worker, the queue's blocks
		goTask()
	}
	wg.Wait()

	// One task at a time: each Go hands the task to the idle worker.
	handOff := func() {
		goTask()
		wg.Wait()
	}
	if got := testing.AllocsPerRun(1000, handOff); got != 0 {
		t.Errorf("Go, handed to an idle worker: %v allocations per task; want 0", got)
	}

	// A burst: the tasks queue up behind the busy worker.
	if got := testing.AllocsPerRun(1000, goTask); got != 0 {
		t.Errorf("Go, queued: %v allocations per task; want 0", got)
	}
	wg.Wait()
}

func TestAllocsResultDone(t *testing.T) {
	ex := newExecutor(t, futures.WithMaxWorkers(2))
	ctx := context.Background()
	f := futures.Submit(ctx, ex, func(context.Context) (int, error) { return 1, nil })
	if _, err := f.Result(ctx); err != nil {
		t.Fatalf("Result() = %v; want nil", err)
	}
	result := func() {
		if v, err := f.Result(ctx); v != 1 || err != nil {
			t.Fatalf("Result() = %d, %v; want 1, nil", v, err)
		}
	}
	if got := testing.AllocsPerRun(1000, result); got != 0 {
		t.Errorf("Result on a done future: %v allocations; want 0", got)
	}
}

// Starting a worker is the cost of a ramp, such as workload D's thousand sleeping
// workers: the worker, the go statement's closure, and the worker's pprof labels
// (three allocations, four from worker number 100 on, whose string is made). The
// runtime adds up to two more in this test when it has none to reuse: the goroutine,
// and the record of the task's blocking receive. So at most eight. A worker that
// never idles makes no wake-up channel; before it made one at start, and passed its
// first task as the go statement's argument, this test counted ten.
func TestAllocsWorkerStart(t *testing.T) {
	const n = 500
	ex := newExecutor(t, futures.WithMaxWorkers(n+200))
	gate := make(chan struct{})
	started := make(chan struct{})
	fn := func(context.Context) {
		started <- struct{}{}
		<-gate
	}
	start := func() {
		if err := ex.Go(fn); err != nil {
			t.Fatalf("Go() = %v; want nil", err)
		}
		<-started // its labels are made before it runs the task
	}
	for range 150 { // warm up: worker numbers from 100 on, whose strings allocate
		start()
	}
	got := testing.AllocsPerRun(n, start)
	close(gate)
	if got > 8 {
		t.Errorf("Go that starts a worker: %v allocations; want at most 8", got)
	}
	t.Logf("Go that starts a worker: %v allocations", got)
}
