package futures

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"time"

	"github.com/gofutures/futures/internal/leaktest"
)

// errDoomTest is the cause with which the tests below end a queued task's context.
var errDoomTest = errors.New("the test ended the task's context")

// submitDoomed submits a task with a context that can end, and ends the task's own
// context (not the submit context, whose watch would cancel the future at once from
// another goroutine): the task stays queued until the next call that pops the queue
// sets it aside as doomed and cancels it once the lock is released, in its own
// goroutine, which then runs cb.
func submitDoomed(t *testing.T, ex *Executor, cb func(*Future[int])) *Future[int] {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	f := Submit(ctx, ex, func(context.Context) (int, error) { return -1, nil })
	f.AddDoneCallback(cb)
	f.link.cancel(errDoomTest)
	if f.State() != Pending {
		t.Fatalf("the doomed task is %v; want Pending until it is popped", f.State())
	}
	return f
}

// TestDoomedAfterHandoffs: a call that pops a doomed task and also hands tasks to
// workers delivers the hand-offs before it cancels the doomed task, so that the
// task's callbacks may wait for the handed-off tasks, or call runtime.Goexit, without
// stranding them. SetMaxWorkers and the extra worker of a task that waits on its own
// executor (blockBegin) both pop the queue.
func TestDoomedAfterHandoffs(t *testing.T) {
	bg := context.Background()
	for _, caller := range []string{"SetMaxWorkers", "Result in a task"} {
		for _, cb := range []string{"waits for the next task", "calls Goexit"} {
			t.Run(caller+"/callback "+cb, func(t *testing.T) {
				leaktest.Check(t)
				ex, err := New(WithMaxWorkers(1))
				if err != nil {
					t.Fatal(err)
				}
				ctx, cancel := context.WithTimeout(bg, 10*time.Second)
				defer cancel()
				defer ex.ShutdownNow(ctx) // bounded: a stranded hand-off would hang Close

				gate := make(chan struct{})
				started := make(chan struct{})
				var next *Future[int]
				first := Submit(bg, ex, func(ctx context.Context) (int, error) {
					close(started)
					<-gate
					if caller == "Result in a task" {
						return next.Result(ctx) // pops the doomed task, starts a worker for next
					}
					return 0, nil
				})
				<-started
				cbDone := make(chan error, 1)
				doomed := submitDoomed(t, ex, func(*Future[int]) {
					if cb == "calls Goexit" {
						cbDone <- nil
						runtime.Goexit()
					}
					_, err := next.Result(ctx)
					cbDone <- err
				})
				next = Submit(bg, ex, func(context.Context) (int, error) { return 2, nil })

				callerDone := make(chan struct{})
				switch caller {
				case "SetMaxWorkers":
					go func() {
						defer close(callerDone)
						if err := ex.SetMaxWorkers(2); err != nil {
							t.Error(err)
						}
					}()
					<-callerDone
					close(gate)
				case "Result in a task":
					close(gate)
					close(callerDone)
				}
				if err := <-cbDone; err != nil {
					t.Errorf("the doomed task's callback: next.Result() = %v; want nil", err)
				}
				if v, err := next.Result(ctx); v != 2 || err != nil {
					t.Errorf("next.Result() = %v, %v; want 2, nil", v, err)
				}
				v, err := first.Result(ctx)
				switch {
				case caller == "Result in a task" && cb == "calls Goexit":
					// The callback ran in first's worker, inside first's Result call.
					if !errors.Is(err, ErrGoexit) {
						t.Errorf("first.Result() = %v, %v; want ErrGoexit (its goroutine ran the callback)", v, err)
					}
				case caller == "Result in a task":
					if v != 2 || err != nil {
						t.Errorf("first.Result() = %v, %v; want 2, nil", v, err)
					}
				default:
					if err != nil {
						t.Errorf("first.Result() = %v, %v; want 0, nil", v, err)
					}
				}
				if err := doomed.Err(ctx); !errors.Is(err, ErrCanceled) || !errors.Is(err, errDoomTest) {
					t.Errorf("the doomed task's error = %v; want ErrCanceled with the context's cause", err)
				}
				if err := ex.Shutdown(ctx); err != nil {
					t.Fatalf("Shutdown: %v", err)
				}
				s := ex.Stats()
				if sum := s.Completed + s.Failed + s.Canceled + s.Rejected + int64(s.Pending) + int64(s.Running); s.Submitted != sum || s.Running != 0 || s.Pending != 0 {
					t.Errorf("Stats after Shutdown: %+v; want everything ended and accounted for", s)
				}
			})
		}
	}
}

// TestDoomedGoexitInWait: a task's Wait lets one more worker run, and the call that
// starts it may cancel a queued task whose context ended, running its callbacks in the
// waiting goroutine; a callback that calls runtime.Goexit ends that goroutine inside
// Wait. Wait must still take its registrations off the futures it watched (a promise
// that never completes would otherwise keep one for ever), and the task fails with
// ErrGoexit.
func TestDoomedGoexitInWait(t *testing.T) {
	leaktest.Check(t)
	bg := context.Background()
	ex, err := New(WithMaxWorkers(1))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(bg, 10*time.Second)
	defer cancel()
	defer ex.ShutdownNow(ctx)

	never := NewPromise[int]() // never completed
	gate := make(chan struct{})
	started := make(chan struct{})
	var next *Future[int]
	first := Submit(bg, ex, func(ctx context.Context) (int, error) {
		close(started)
		<-gate
		Wait(ctx, AllCompleted, next, never.Future()) // blockOn: blockBegin pops the doomed task
		return 0, nil
	})
	<-started
	submitDoomed(t, ex, func(*Future[int]) { runtime.Goexit() })
	next = Submit(bg, ex, func(context.Context) (int, error) { return 2, nil })
	close(gate)
	if _, err := first.Result(ctx); !errors.Is(err, ErrGoexit) {
		t.Fatalf("first.Result() = %v; want ErrGoexit (a callback ended its goroutine inside Wait)", err)
	}
	if n := WatcherCount(never.Future()); n != 0 {
		t.Errorf("the promise still has %d registrations after the Wait that watched it ended", n)
	}
	if v, err := next.Result(ctx); v != 2 || err != nil {
		t.Errorf("next.Result() = %v, %v; want 2, nil", v, err)
	}
}
