// Stress tests: many goroutines submit, cancel and wait while others shut the executor
// down, and at the end every task is accounted for.
//
// The short version runs in CI (under -race it takes a few seconds on 2 cores). The
// long version, hundreds of thousands of tasks per round and more rounds, is one
// command:
//
//	FUTURES_STRESS=long go test -race -count=1 -run '^TestStress' -timeout 30m .
package futures_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gofutures/futures"
)

// stressLong reports whether the long version was asked for.
func stressLong() bool { return os.Getenv("FUTURES_STRESS") == "long" }

// stressScale returns short in CI and long when FUTURES_STRESS=long.
func stressScale(short, long int) int {
	if stressLong() {
		return long
	}
	return short
}

// stressShutdown is how a round ends.
type stressShutdown int

const (
	stressGraceful stressShutdown = iota // Shutdown
	stressNow                            // ShutdownNow
	stressBoth                           // Shutdown and ShutdownNow at once, from two goroutines
)

func (s stressShutdown) String() string {
	return [...]string{"Shutdown", "ShutdownNow", "Shutdown+ShutdownNow"}[s]
}

// stressTask is the record of one Submit.
type stressTask struct {
	f        *futures.Future[int]
	id       int
	panics   bool
	waits    bool         // runs until its submit context ends, and returns its cause
	afterEnd bool         // Submit began after the shutdown call returned
	ran      atomic.Int32 // times the task function started
	cbs      atomic.Int32 // times its done-callback ran
	canceled atomic.Bool  // a Cancel call on it returned true
}

// TestStress runs rounds in which submitters, cancelers, context cancelers and waiters
// hammer one executor while another goroutine shuts it down, then checks the
// accounting identity: every accepted task reached exactly one terminal state (it ran
// once and finished, or it was canceled and never ran), every refused one finished
// with ErrShutdown and never ran, each done-callback ran exactly once, no more than the
// maximum number of tasks ran at once, and Shutdown returned only once all of that was
// settled and every worker had exited.
func TestStress(t *testing.T) {
	checkLeaks(t)
	rounds := stressScale(4, 12)
	perRound := stressScale(24_000, 250_000)
	total := 0
	for round := range rounds {
		mode := stressShutdown(round % 3)
		maxWorkers := 1 + round%4*3 // 1, 4, 7, 10
		t.Run(fmt.Sprintf("round%d-%v-M%d", round, mode, maxWorkers), func(t *testing.T) {
			total += stressRound(t, uint64(round), mode, maxWorkers, perRound)
		})
		if t.Failed() {
			break
		}
	}
	t.Logf("%d rounds, %d tasks submitted in all", rounds, total)
}

func stressRound(t *testing.T, seed uint64, mode stressShutdown, maxWorkers, n int) int {
	var active, maxActive atomic.Int32
	var goAccepted, goRan, goPanics, goHandled atomic.Int64
	ex := newExecutor(t,
		futures.WithMaxWorkers(maxWorkers),
		futures.WithLogger(slog.New(slog.DiscardHandler)),
		futures.WithPanicHandler(func(*futures.PanicError) { goHandled.Add(1) }))

	const submitters = 6
	perSubmitter := n / submitters
	var (
		submitted  atomic.Int64
		threshold  = int64(n) * 7 / 10 // shut down once this many were submitted
		shutNow    = make(chan struct{})
		shutOnce   sync.Once
		shutDone   atomic.Bool // the shutdown call has returned
		shutErr    = make(chan error, 2)
		toCancel   = make(chan *stressTask, 1024)
		toWait     = make(chan *stressTask, 1024)
		ctxs       = make(chan context.CancelFunc, 1024)
		producers  sync.WaitGroup
		consumers  sync.WaitGroup
		mu         sync.Mutex
		tasks      = make([][]*stressTask, submitters)
		waitErrors = make(chan string, 16)
	)
	report := func(format string, args ...any) {
		select {
		case waitErrors <- fmt.Sprintf(format, args...):
		default:
		}
	}

	enter := func() {
		a := active.Add(1)
		for {
			m := maxActive.Load()
			if a <= m || maxActive.CompareAndSwap(m, a) {
				break
			}
		}
	}

	// Submitters.
	for s := range submitters {
		producers.Add(1)
		go func() {
			defer producers.Done()
			rng := rand.New(rand.NewPCG(seed, uint64(s)))
			mine := make([]*stressTask, 0, perSubmitter)
			for i := range perSubmitter {
				if submitted.Add(1) == threshold {
					shutOnce.Do(func() { close(shutNow) })
				}
				if rng.IntN(512) == 0 {
					// Stats now and then: it moves the ring's tasks to the queue,
					// which must not leave them waiting while a worker idles.
					s := ex.Stats()
					if sum := s.Completed + s.Failed + s.Canceled + s.Rejected + int64(s.Pending) + int64(s.Running); s.Submitted != sum {
						report("Stats identity broken while running: %+v", s)
					}
				}
				if rng.IntN(10) == 0 {
					// A fire-and-forget task now and then.
					panics := rng.IntN(50) == 0
					err := ex.Go(func(context.Context) {
						goRan.Add(1)
						if panics {
							goPanics.Add(1)
							panic("fire-and-forget task panics")
						}
					})
					switch {
					case err == nil:
						goAccepted.Add(1)
					case !errors.Is(err, futures.ErrShutdown):
						report("Go = %v; want nil or ErrShutdown", err)
					}
					continue
				}
				st := &stressTask{id: s*perSubmitter + i, panics: rng.IntN(100) == 0}
				ended := false // the task's context ends before it is submitted
				ctx := context.Background()
				if rng.IntN(4) == 0 {
					var cancel context.CancelFunc
					ctx, cancel = context.WithCancel(context.Background())
					select {
					case ctxs <- cancel:
						st.waits = rng.IntN(16) == 0
					default:
						cancel()
						ended = true
					}
				}
				// A submission with an ended context is canceled, not refused, even
				// after the shutdown.
				st.afterEnd = shutDone.Load() && !ended
				st.f = futures.Submit(ctx, ex, func(ctx context.Context) (int, error) {
					st.ran.Add(1)
					enter()
					defer active.Add(-1)
					if st.panics {
						panic(fmt.Sprintf("task %d panics", st.id))
					}
					if st.waits {
						<-ctx.Done()
						return -1, context.Cause(ctx)
					}
					if st.id%7 == 0 {
						runtime.Gosched()
					}
					return st.id, nil
				})
				if st.afterEnd && !st.f.IsDone() {
					report("task %d: submitted after the shutdown returned, but Submit returned it %v", st.id, st.f.State())
				}
				st.f.AddDoneCallback(func(f *futures.Future[int]) {
					st.cbs.Add(1)
					if !f.IsDone() {
						report("callback of task %d ran in state %v", st.id, f.State())
					}
				})
				mine = append(mine, st)
				if i%64 == 0 {
					mu.Lock()
					tasks[s] = mine
					mu.Unlock()
				}
				switch rng.IntN(8) {
				case 0:
					select {
					case toCancel <- st:
					default:
					}
				case 1:
					select {
					case toWait <- st:
					default:
					}
				}
			}
			mu.Lock()
			tasks[s] = mine
			mu.Unlock()
		}()
	}

	// Cancelers: Future.Cancel on random futures, and cancel of submit contexts.
	for range 2 {
		consumers.Add(1)
		go func() {
			defer consumers.Done()
			for st := range toCancel {
				if st.f.Cancel() {
					st.canceled.Store(true)
				}
			}
		}()
	}
	consumers.Add(1)
	go func() {
		defer consumers.Done()
		for cancel := range ctxs {
			cancel()
		}
	}()

	// Waiters: Wait, AsCompleted and Result on batches of futures.
	for w := range 2 {
		consumers.Add(1)
		go func() {
			defer consumers.Done()
			var batch []*stressTask
			flush := func() {
				fs := make([]*futures.Future[int], len(batch))
				for i, st := range batch {
					fs[i] = st.f
				}
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				defer cancel()
				switch w {
				case 0:
					done, notDone := futures.Wait(ctx, futures.AllCompleted, fs...)
					if len(notDone) != 0 || len(done) != len(fs) {
						report("Wait(AllCompleted) on %d futures: %d done, %d not done", len(fs), len(done), len(notDone))
					}
					if first, _ := futures.Wait(ctx, futures.FirstCompleted, fs...); len(first) != len(fs) {
						report("Wait(FirstCompleted) on done futures: %d done of %d", len(first), len(fs))
					}
				case 1:
					seen := map[*futures.Future[int]]bool{}
					for f, err := range futures.AsCompleted(ctx, fs...) {
						if err != nil {
							report("AsCompleted: %v", err)
							break
						}
						if seen[f] {
							report("AsCompleted yielded a future twice")
						}
						seen[f] = true
						if !f.IsDone() {
							report("AsCompleted yielded a future in state %v", f.State())
						}
					}
					if len(seen) != len(fs) {
						report("AsCompleted yielded %d futures of %d", len(seen), len(fs))
					}
				}
				for _, st := range batch {
					v, err := st.f.Result(ctx)
					if err == nil && v != st.id {
						report("task %d: Result = %d", st.id, v)
					}
					if errors.Is(err, context.DeadlineExceeded) {
						report("task %d: Result did not return within a minute: hang?", st.id)
					}
				}
				batch = batch[:0]
			}
			for st := range toWait {
				if batch = append(batch, st); len(batch) == 32 {
					flush()
				}
			}
			flush()
		}()
	}

	// The shutdown.
	shutterDone := make(chan struct{})
	go func() {
		defer close(shutterDone)
		<-shutNow
		ctx := context.Background()
		switch mode {
		case stressGraceful:
			shutErr <- ex.Shutdown(ctx)
		case stressNow:
			shutErr <- ex.ShutdownNow(ctx)
		case stressBoth:
			var both sync.WaitGroup
			both.Go(func() { shutErr <- ex.Shutdown(ctx) })
			both.Go(func() { shutErr <- ex.ShutdownNow(ctx) })
			both.Wait()
		}
		shutDone.Store(true)
		// Everything submitted so far is done: Shutdown returns only after every
		// worker has exited, and a refused or canceled future is done at once.
		if n := ex.Workers(); n != 0 {
			report("%v returned with %d workers alive", mode, n)
		}
		mu.Lock()
		defer mu.Unlock()
		for _, mine := range tasks {
			for _, st := range mine {
				if !st.f.IsDone() {
					report("task %d is %v after %v returned", st.id, st.f.State(), mode)
				}
			}
		}
		if ran, acc := goRan.Load(), goAccepted.Load(); mode == stressGraceful && ran < acc {
			// Go calls accepted so far have all run. (Later ones are refused.)
			report("after Shutdown returned: %d fire-and-forget tasks ran, %d were accepted", ran, acc)
		}
	}()

	producers.Wait()
	close(toCancel)
	close(toWait)
	close(ctxs)
	consumers.Wait()
	<-shutterDone
	close(shutErr)
	for err := range shutErr {
		if err != nil {
			t.Errorf("%v = %v; want nil", mode, err)
		}
	}
	close(waitErrors)
	for msg := range waitErrors {
		t.Error(msg)
	}

	// The accounting identity.
	var accepted, finished, canceled, rejected, panicked, afterEnd, excused int
	for _, mine := range tasks {
		for _, st := range mine {
			ran, cbs := st.ran.Load(), st.cbs.Load()
			if cbs != 1 {
				t.Errorf("task %d: done-callback ran %d times; want 1", st.id, cbs)
			}
			v, err := st.f.Result(context.Background())
			switch state := st.f.State(); {
			case state == futures.Canceled:
				canceled++
				accepted++
				if st.afterEnd {
					// Its context ended before Submit looked at it (the canceler may
					// get to it first): Submit returned it canceled, not refused.
					excused++
					if !errors.Is(err, context.Canceled) || errors.Is(err, futures.ErrShutdown) {
						t.Errorf("task %d: submitted after the shutdown returned, and canceled with %v; want refused, or canceled by its own context", st.id, err)
					}
				}
				if ran != 0 {
					t.Errorf("task %d: canceled, but it ran %d times", st.id, ran)
				}
				if !errors.Is(err, futures.ErrCanceled) {
					t.Errorf("task %d: canceled with error %v; want ErrCanceled", st.id, err)
				}
				if mode == stressGraceful && errors.Is(err, futures.ErrShutdown) {
					t.Errorf("task %d: canceled by the shutdown (%v), but the shutdown was graceful", st.id, err)
				}
			case state != futures.Finished:
				t.Errorf("task %d: state %v at the end; want canceled or finished", st.id, state)
			case errors.Is(err, futures.ErrShutdown):
				rejected++
				if ran != 0 {
					t.Errorf("task %d: refused with %v, but it ran %d times", st.id, err, ran)
				}
				if st.canceled.Load() {
					t.Errorf("task %d: Cancel returned true, but it finished with %v", st.id, err)
				}
			default:
				finished++
				accepted++
				if ran != 1 {
					t.Errorf("task %d: finished (%v, %v), but it ran %d times; want once", st.id, v, err, ran)
				}
				if st.afterEnd {
					t.Errorf("task %d: submitted after the shutdown returned, but it was accepted and ran", st.id)
				}
				if st.canceled.Load() {
					t.Errorf("task %d: Cancel returned true, but it ran", st.id)
				}
				var pe *futures.PanicError
				switch {
				case st.panics:
					panicked++
					if !errors.As(err, &pe) {
						t.Errorf("task %d panicked; Result = (%v, %v), want a *PanicError", st.id, v, err)
					}
				case st.waits:
					if v != -1 || !errors.Is(err, context.Canceled) && !(mode != stressGraceful && errors.Is(err, futures.ErrShutdown)) {
						t.Errorf("task %d ran until its context ended: Result = (%v, %v); want (-1, the cause: context.Canceled or ErrShutdown)", st.id, v, err)
					}
				case err != nil || v != st.id:
					t.Errorf("task %d: Result = (%v, %v); want (%d, nil)", st.id, v, err, st.id)
				}
			}
			if st.afterEnd {
				afterEnd++
			}
		}
	}
	if rejected+excused < afterEnd {
		t.Errorf("%d submissions began after the shutdown returned, but only %d were refused (and %d canceled by their own contexts)", afterEnd, rejected, excused)
	}
	if m := maxActive.Load(); int(m) > maxWorkers {
		t.Errorf("%d tasks ran at once; the maximum is %d", m, maxWorkers)
	}
	if ran, acc := goRan.Load(), goAccepted.Load(); ran > acc || mode == stressGraceful && ran != acc {
		t.Errorf("fire-and-forget: %d ran, %d accepted (%v)", ran, acc, mode)
	}
	if p, h := goPanics.Load(), goHandled.Load(); p != h {
		t.Errorf("fire-and-forget: %d panicked, the panic handler saw %d", p, h)
	}
	all := accepted + rejected
	t.Logf("%d futures: %d accepted = %d finished (%d panicked) + %d canceled; %d refused; fire-and-forget %d accepted, %d ran; max %d running at once",
		all, accepted, finished, panicked, canceled, rejected, goAccepted.Load(), goRan.Load(), maxActive.Load())
	return all + int(goAccepted.Load())
}

// TestStressFIFOOneWorker checks FIFO start order with one worker while another
// goroutine cancels futures at random: the tasks that run, run in submission order,
// and exactly the futures not canceled run.
func TestStressFIFOOneWorker(t *testing.T) {
	n := stressScale(20_000, 300_000)
	ex := newExecutor(t, futures.WithMaxWorkers(1))
	var mu sync.Mutex
	var order []int
	fs := make([]*futures.Future[int], n)
	toCancel := make(chan *futures.Future[int], 256)
	var canceler sync.WaitGroup
	canceler.Go(func() {
		for f := range toCancel {
			f.Cancel()
		}
	})
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range n {
		fs[i] = futures.Submit(context.Background(), ex, func(context.Context) (int, error) {
			mu.Lock()
			order = append(order, i)
			mu.Unlock()
			return i, nil
		})
		if rng.IntN(5) == 0 {
			toCancel <- fs[i]
		}
	}
	close(toCancel)
	canceler.Wait()
	if err := ex.Shutdown(context.Background()); err != nil {
		t.Fatalf("Shutdown = %v", err)
	}
	ran := make(map[int]bool, len(order))
	for k, i := range order {
		if k > 0 && order[k-1] >= i {
			t.Fatalf("task %d started after task %d: not FIFO", i, order[k-1])
		}
		ran[i] = true
	}
	canceled := 0
	for i, f := range fs {
		switch f.State() {
		case futures.Canceled:
			canceled++
			if ran[i] {
				t.Errorf("task %d: canceled, but it ran", i)
			}
		case futures.Finished:
			if v, err := f.Result(context.Background()); !ran[i] || v != i || err != nil {
				t.Errorf("task %d: finished with (%v, %v), ran %v; want (%d, nil) and ran", i, v, err, ran[i], i)
			}
		default:
			t.Errorf("task %d: state %v after Shutdown", i, f.State())
		}
	}
	t.Logf("%d tasks: %d ran in FIFO order, %d canceled", n, len(order), canceled)
}

// TestStressNestedWaits runs tasks that submit children to their own executor and wait
// for them with their own context, on a small executor: Python deadlocks here, this
// executor must not (go-decisions §4), and every task must be accounted for.
func TestStressNestedWaits(t *testing.T) {
	parents := stressScale(300, 5_000)
	ex := newExecutor(t, futures.WithMaxWorkers(2))
	var childRan atomic.Int64
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute) // a guard against a deadlock, not a synchronization
	defer cancel()
	fs := make([]*futures.Future[int], parents)
	for i := range parents {
		fs[i] = futures.Submit(ctx, ex, func(ctx context.Context) (int, error) {
			sum := 0
			var kids []*futures.Future[int]
			for k := range 3 {
				kids = append(kids, futures.Submit(ctx, ex, func(context.Context) (int, error) {
					childRan.Add(1)
					return k, nil
				}))
			}
			for _, kid := range kids {
				v, err := kid.Result(ctx)
				if err != nil {
					return 0, fmt.Errorf("child: %w", err)
				}
				sum += v
			}
			return sum, nil
		})
	}
	for i, f := range fs {
		if v, err := f.Result(ctx); v != 3 || err != nil {
			t.Fatalf("parent %d: Result = (%v, %v); want (3, nil) (a deadlock ends with DeadlineExceeded)", i, v, err)
		}
	}
	if err := ex.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown = %v", err)
	}
	if got, want := childRan.Load(), int64(3*parents); got != want {
		t.Errorf("%d children ran; want %d", got, want)
	}
}

// TestStressResizeKeepAlive: submitters flood the executor (the ring grows) and now and
// then wait for all their futures (it goes idle, and the ring shrinks), while one
// goroutine changes the maximum of workers at random and calls Stats, and another
// calls Stats without pause; in half the rounds idle workers expire after 50 µs, and in
// the last four new workers run an initializer first. Some submit contexts end and some
// futures are canceled. After Shutdown, every future is
// done, every task ran at most once, and Stats agrees with what the tasks saw.
func TestStressResizeKeepAlive(t *testing.T) {
	const submitters = 4
	per := stressScale(4000, 20000)
	for round := range 6 {
		keepAlive := time.Duration(0)
		if round%2 == 1 {
			keepAlive = 50 * time.Microsecond
		}
		opts := []futures.Option{futures.WithMaxWorkers(4), futures.WithKeepAlive(keepAlive)}
		if round >= 2 {
			// New workers initialize before they take a task (from the queue): the
			// tasks they were started for stay pending meanwhile.
			opts = append(opts, futures.WithInitializer(func(context.Context) error {
				for range 1 + round {
					runtime.Gosched()
				}
				return nil
			}))
		}
		ex := newExecutor(t, opts...)
		runs := make([][]atomic.Int32, submitters)
		futs := make([][]*futures.Future[int], submitters)
		var goSubmitted, goRan atomic.Int64
		stop := make(chan struct{})
		var monitors, producers sync.WaitGroup
		monitors.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(round), submitters))
			for {
				select {
				case <-stop:
					return
				default:
				}
				if err := ex.SetMaxWorkers(1 + rng.IntN(6)); err != nil {
					t.Errorf("SetMaxWorkers: %v", err)
				}
				checkStatsIdentity(t, ex.Stats())
				runtime.Gosched()
			}
		})
		monitors.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				checkStatsIdentity(t, ex.Stats())
				runtime.Gosched() // on one processor, let the submitters run
			}
		})
		for s := range submitters {
			runs[s] = make([]atomic.Int32, per)
			producers.Go(func() {
				rng := rand.New(rand.NewPCG(uint64(round), uint64(s)))
				for i := range per {
					if rng.IntN(500) == 0 { // an idle phase, for this submitter at least
						for _, f := range futs[s] {
							f.Err(context.Background())
						}
					}
					if rng.IntN(3) == 0 {
						goSubmitted.Add(1)
						if err := ex.Go(func(context.Context) { goRan.Add(1) }); err != nil {
							t.Errorf("Go: %v", err)
						}
						continue
					}
					ctx, cancel := context.Background(), context.CancelFunc(nil)
					if rng.IntN(20) == 0 {
						ctx, cancel = context.WithCancel(ctx)
					}
					f := futures.Submit(ctx, ex, func(context.Context) (int, error) { runs[s][i].Add(1); return i, nil })
					if cancel != nil {
						cancel()
					}
					if rng.IntN(30) == 0 {
						f.Cancel()
					}
					futs[s] = append(futs[s], f)
				}
			})
		}
		producers.Wait()
		close(stop)
		monitors.Wait()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		err := ex.Shutdown(ctx)
		cancel()
		if err != nil {
			t.Fatalf("round %d: Shutdown: %v (Stats %+v)", round, err, ex.Stats())
		}
		var submitted, ran, canceled int64
		for s := range submitters {
			submitted += int64(len(futs[s]))
			for _, f := range futs[s] {
				switch st := f.State(); st {
				case futures.Canceled:
					canceled++
				case futures.Finished:
				default:
					t.Fatalf("round %d: a future is %v after Shutdown returned", round, st)
				}
			}
			for i := range runs[s] {
				switch n := runs[s][i].Load(); n {
				case 0:
				case 1:
					ran++
				default:
					t.Fatalf("round %d: a task ran %d times", round, n)
				}
			}
		}
		s := ex.Stats()
		checkStatsIdentity(t, s)
		if s.Pending != 0 || s.Running != 0 || s.Workers != 0 {
			t.Errorf("round %d: Stats after Shutdown: %+v; want nothing pending, running or alive", round, s)
		}
		if s.Submitted != submitted+goSubmitted.Load() || s.Completed != ran+goRan.Load() || s.Canceled != canceled {
			t.Errorf("round %d: Stats %+v; the tasks saw %d submitted, %d run (%d through Go), %d canceled",
				round, s, submitted+goSubmitted.Load(), ran+goRan.Load(), goRan.Load(), canceled)
		}
	}
}

// checkStatsIdentity reports a Stats snapshot whose counts do not add up. It may be
// called from any goroutine.
func checkStatsIdentity(t *testing.T, s futures.Stats) {
	if sum := s.Completed + s.Failed + s.Canceled + s.Rejected + int64(s.Pending) + int64(s.Running); s.Submitted != sum {
		t.Errorf("Stats identity broken: Submitted=%d, the others add up to %d (%+v)", s.Submitted, sum, s)
	}
}
