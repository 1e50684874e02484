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

// A doomScene is a one-worker executor whose worker runs first, which waits for gate
// to close and then calls then; behind it are queued a doomed task (see submitDoomed)
// whose callback is cb, and next. ctx bounds the test's waits; the executor is shut
// down at the end of the test within it (a stranded hand-off would hang Close).
type doomScene struct {
	ex                  *Executor
	ctx                 context.Context
	gate                chan struct{}
	first, doomed, next *Future[int]
}

func newDoomScene(t *testing.T, then func(ctx context.Context, s *doomScene) (int, error), cb func(s *doomScene)) *doomScene {
	t.Helper()
	leaktest.Check(t)
	ex, err := New(WithMaxWorkers(1))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	t.Cleanup(func() { ex.ShutdownNow(ctx) })
	s := &doomScene{ex: ex, ctx: ctx, gate: make(chan struct{})}
	started := make(chan struct{})
	s.first = Submit(context.Background(), ex, func(ctx context.Context) (int, error) {
		close(started)
		<-s.gate
		return then(ctx, s)
	})
	<-started
	s.doomed = submitDoomed(t, ex, func(*Future[int]) { cb(s) })
	s.next = Submit(context.Background(), ex, func(context.Context) (int, error) { return 2, nil })
	return s
}

// TestDoomedAfterHandoffs: a call that pops a doomed task and also hands tasks to
// workers delivers the hand-offs before it cancels the doomed task, so that the
// task's callbacks may wait for the handed-off tasks, or call runtime.Goexit, without
// stranding them. SetMaxWorkers and the extra worker of a task that waits on its own
// executor (blockBegin) both pop the queue.
func TestDoomedAfterHandoffs(t *testing.T) {
	for _, caller := range []string{"SetMaxWorkers", "Result in a task"} {
		for _, cb := range []string{"waits for the next task", "calls Goexit"} {
			t.Run(caller+"/callback "+cb, func(t *testing.T) {
				cbDone := make(chan error, 1)
				s := newDoomScene(t, func(ctx context.Context, s *doomScene) (int, error) {
					if caller == "Result in a task" {
						return s.next.Result(ctx) // pops the doomed task, starts a worker for next
					}
					return 0, nil
				}, func(s *doomScene) {
					if cb == "calls Goexit" {
						cbDone <- nil
						runtime.Goexit()
					}
					_, err := s.next.Result(s.ctx)
					cbDone <- err
				})
				ctx := s.ctx
				if caller == "SetMaxWorkers" {
					callerDone := make(chan struct{})
					go func() {
						defer close(callerDone)
						if err := s.ex.SetMaxWorkers(2); err != nil {
							t.Error(err)
						}
					}()
					<-callerDone
				}
				close(s.gate)
				if err := <-cbDone; err != nil {
					t.Errorf("the doomed task's callback: next.Result() = %v; want nil", err)
				}
				if v, err := s.next.Result(ctx); v != 2 || err != nil {
					t.Errorf("next.Result() = %v, %v; want 2, nil", v, err)
				}
				v, err := s.first.Result(ctx)
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
				if err := s.doomed.Err(ctx); !errors.Is(err, ErrCanceled) || !errors.Is(err, errDoomTest) {
					t.Errorf("the doomed task's error = %v; want ErrCanceled with the context's cause", err)
				}
				if err := s.ex.Shutdown(ctx); err != nil {
					t.Fatalf("Shutdown: %v", err)
				}
				st := s.ex.Stats()
				if sum := st.Completed + st.Failed + st.Canceled + st.Rejected + int64(st.Pending) + int64(st.Running); st.Submitted != sum || st.Running != 0 || st.Pending != 0 {
					t.Errorf("Stats after Shutdown: %+v; want everything ended and accounted for", st)
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
	never := NewPromise[int]() // never completed
	s := newDoomScene(t, func(ctx context.Context, s *doomScene) (int, error) {
		Wait(ctx, AllCompleted, s.next, never.Future()) // blockOn: blockBegin pops the doomed task
		return 0, nil
	}, func(*doomScene) { runtime.Goexit() })
	close(s.gate)
	if _, err := s.first.Result(s.ctx); !errors.Is(err, ErrGoexit) {
		t.Fatalf("first.Result() = %v; want ErrGoexit (a callback ended its goroutine inside Wait)", err)
	}
	if n := WatcherCount(never.Future()); n != 0 {
		t.Errorf("the promise still has %d registrations after the Wait that watched it ended", n)
	}
	if v, err := s.next.Result(s.ctx); v != 2 || err != nil {
		t.Errorf("next.Result() = %v, %v; want 2, nil", v, err)
	}
}

// TestDoomedGoexitInRelease: the worker that ran first finds the doomed task in the
// queue when its task ends, and cancels it; the doomed task's callback calls
// runtime.Goexit. The worker drops doomed tasks last, once its own future is complete
// and its next task claimed (release runs none of the caller's code), so first and
// next both complete, each counted once, whether first has callbacks of its own or
// panics. The callback that waits on first finds it done.
func TestDoomedGoexitInRelease(t *testing.T) {
	for _, variant := range []string{"plain", "first has a callback", "first panics"} {
		t.Run(variant, func(t *testing.T) {
			firstDone := make(chan bool, 1)
			s := newDoomScene(t, func(ctx context.Context, s *doomScene) (int, error) {
				if variant == "first panics" {
					panic("boom")
				}
				return 1, nil
			}, func(s *doomScene) {
				firstDone <- s.first.IsDone()
				runtime.Goexit()
			})
			if variant == "first has a callback" {
				s.first.AddDoneCallback(func(*Future[int]) {})
			}
			close(s.gate)
			v, err := s.first.Result(s.ctx)
			var pe *PanicError
			if variant == "first panics" && !errors.As(err, &pe) || variant != "first panics" && (v != 1 || err != nil) {
				t.Errorf("first.Result() = %v, %v (%v); want 1, nil (a PanicError if it panics)", v, err, s.first.State())
			}
			if v, err := s.next.Result(s.ctx); v != 2 || err != nil {
				t.Errorf("next.Result() = %v, %v (%v); want 2, nil", v, err, s.next.State())
			}
			if !s.doomed.Canceled() {
				t.Errorf("the doomed task is %v; want canceled", s.doomed.State())
			}
			if done := <-firstDone; !done {
				t.Errorf("the doomed task's callback ran before first's future was complete")
			}
			st := s.ex.Stats()
			if st.Started != 2 || st.Completed+st.Failed != 2 || st.Canceled != 1 || st.Running != 0 || st.Pending != 0 {
				t.Errorf("Stats = %+v; want 2 started, 2 completed or failed, 1 canceled, none running or pending", st)
			}
		})
	}
}
