package futures_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"strings"
	"time"

	"github.com/gofutures/futures"
)

// A small pool computes squares concurrently; the results are read in submission order.
func Example() {
	ex, err := futures.New(futures.WithMaxWorkers(4))
	if err != nil {
		log.Fatal(err)
	}
	defer ex.Close() // like `with ThreadPoolExecutor() as ex:`

	ctx := context.Background()
	var fs []*futures.Future[int]
	for n := 1; n <= 5; n++ {
		fs = append(fs, futures.Submit(ctx, ex, func(context.Context) (int, error) {
			return n * n, nil
		}))
	}
	sum := 0
	for _, f := range fs {
		v, err := f.Result(ctx)
		if err != nil {
			log.Fatal(err)
		}
		sum += v
	}
	fmt.Println("sum of squares:", sum)
	// Output:
	// sum of squares: 55
}

// New configures an executor with options; it starts no goroutine, and a bad option
// is reported clearly.
func ExampleNew() {
	ex, err := futures.New(futures.WithMaxWorkers(2), futures.WithName("fetch"))
	if err != nil {
		log.Fatal(err)
	}
	defer ex.Close()
	fmt.Println(ex.Name(), ex.MaxWorkers(), ex.Workers())

	_, err = futures.New(futures.WithMaxWorkers(0))
	fmt.Println(err)
	fmt.Println(errors.Is(err, futures.ErrInvalid))
	// Output:
	// fetch 2 0
	// futures: WithMaxWorkers(0): the maximum number of workers must be at least 1
	// true
}

// Submit runs a task on the executor; its result and error come back through the future.
func ExampleSubmit() {
	ex, err := futures.New()
	if err != nil {
		log.Fatal(err)
	}
	defer ex.Close()

	ctx := context.Background()
	upper := futures.Submit(ctx, ex, func(context.Context) (string, error) {
		return strings.ToUpper("hello"), nil
	})
	failing := futures.Submit(ctx, ex, func(context.Context) (string, error) {
		return "", errors.New("no such host")
	})

	v, err := upper.Result(ctx)
	fmt.Printf("%q %v\n", v, err)
	v, err = failing.Result(ctx)
	fmt.Printf("%q %v\n", v, err)
	// Output:
	// "HELLO" <nil>
	// "" no such host
}

// Result's context bounds the wait, not the task: when it ends, the task goes on and
// a later Result still gets its value.
func ExampleFuture_Result() {
	ex, err := futures.New()
	if err != nil {
		log.Fatal(err)
	}
	defer ex.Close()

	release := make(chan struct{})
	f := futures.Submit(context.Background(), ex, func(context.Context) (int, error) {
		<-release
		return 42, nil
	})

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	_, err = f.Result(ctx)
	fmt.Println("first wait:", err)
	fmt.Println("done:", f.IsDone())

	close(release)
	v, err := f.Result(context.Background())
	fmt.Println("second wait:", v, err)
	// Output:
	// first wait: context deadline exceeded
	// done: false
	// second wait: 42 <nil>
}

// Cancel stops a task that is still queued; it will never run.
func ExampleFuture_Cancel() {
	ex, err := futures.New(futures.WithMaxWorkers(1))
	if err != nil {
		log.Fatal(err)
	}
	defer ex.Close()

	ctx := context.Background()
	release := make(chan struct{})
	blocker := futures.Submit(ctx, ex, func(context.Context) (string, error) {
		<-release // holds the only worker
		return "blocker done", nil
	})
	queued := futures.Submit(ctx, ex, func(context.Context) (string, error) {
		return "never printed", nil
	})

	fmt.Println("canceled:", queued.Cancel())
	_, err = queued.Result(ctx)
	fmt.Println(err, errors.Is(err, futures.ErrCanceled))

	close(release)
	fmt.Println(blocker.Result(ctx))
	// Output:
	// canceled: true
	// futures: canceled true
	// blocker done <nil>
}

// Shutdown refuses new work, lets queued and running tasks finish, and returns when
// every worker has exited.
func ExampleExecutor_Shutdown() {
	ex, err := futures.New(futures.WithMaxWorkers(2))
	if err != nil {
		log.Fatal(err)
	}

	ctx := context.Background()
	var fs []*futures.Future[string]
	for _, name := range []string{"a", "b", "c", "d"} {
		fs = append(fs, futures.Submit(ctx, ex, func(context.Context) (string, error) {
			return "processed " + name, nil
		}))
	}
	if err := ex.Shutdown(ctx); err != nil {
		log.Fatal(err)
	}
	fmt.Println("workers left:", ex.Workers())
	for _, f := range fs {
		fmt.Println(f.Result(ctx))
	}

	late := futures.Submit(ctx, ex, func(context.Context) (string, error) { return "too late", nil })
	_, err = late.Result(ctx)
	fmt.Println(err)
	// Output:
	// workers left: 0
	// processed a <nil>
	// processed b <nil>
	// processed c <nil>
	// processed d <nil>
	// futures: executor is shut down
}

// ShutdownNow cancels the queued tasks and ends the context of the running ones.
func ExampleExecutor_ShutdownNow() {
	ex, err := futures.New(futures.WithMaxWorkers(1))
	if err != nil {
		log.Fatal(err)
	}

	ctx := context.Background()
	started := make(chan struct{})
	running := futures.Submit(ctx, ex, func(ctx context.Context) (int, error) {
		close(started)
		<-ctx.Done() // a long task that honors its context
		return 0, context.Cause(ctx)
	})
	var queued []*futures.Future[int]
	for i := range 3 {
		queued = append(queued, futures.Submit(ctx, ex, func(context.Context) (int, error) { return i, nil }))
	}
	<-started

	if err := ex.ShutdownNow(ctx); err != nil {
		log.Fatal(err)
	}
	fmt.Println("running:", running.Err(ctx))
	for _, f := range queued {
		err := f.Err(ctx)
		fmt.Println("queued:", f.State(), errors.Is(err, futures.ErrCanceled), errors.Is(err, futures.ErrShutdown))
	}
	// Output:
	// running: futures: executor is shut down
	// queued: canceled true true
	// queued: canceled true true
	// queued: canceled true true
}

// legacyLookup is a callback-style API, as found in many C bindings and older
// libraries: it calls done later, from another goroutine.
func legacyLookup(key string, done func(value string, err error)) {
	go func() {
		if key == "" {
			done("", errors.New("empty key"))
			return
		}
		done("value of "+key, nil)
	}()
}

// lookupFuture bridges the callback API into a future with a Promise.
func lookupFuture(key string) *futures.Future[string] {
	p := futures.NewPromise[string]()
	legacyLookup(key, func(value string, err error) {
		if err != nil {
			p.SetError(err)
			return
		}
		p.SetResult(value)
	})
	return p.Future()
}

// A Promise turns a callback API into futures, which compose with Result and Wait.
func ExampleNewPromise() {
	ctx := context.Background()
	a, b := lookupFuture("x"), lookupFuture("")
	futures.Wait(ctx, futures.AllCompleted, a, b)
	for _, f := range []*futures.Future[string]{a, b} {
		v, err := f.Result(ctx)
		fmt.Printf("%q %v\n", v, err)
	}
	// Output:
	// "value of x" <nil>
	// "" empty key
}

// A done-callback runs once the future is done: in the goroutine that completes it,
// or at once if the future is already done.
func ExampleFuture_AddDoneCallback() {
	ex, err := futures.New()
	if err != nil {
		log.Fatal(err)
	}
	defer ex.Close()

	release := make(chan struct{})
	f := futures.Submit(context.Background(), ex, func(context.Context) (int, error) {
		<-release
		return 42, nil
	})
	called := make(chan struct{})
	f.AddDoneCallback(func(f *futures.Future[int]) {
		v, _ := f.Result(context.Background())
		fmt.Println("callback on the worker:", v)
		close(called)
	})
	close(release)
	<-called

	f.AddDoneCallback(func(f *futures.Future[int]) {
		fmt.Println("callback on a done future:", f)
	})
	fmt.Println("after AddDoneCallback")
	// Output:
	// callback on the worker: 42
	// callback on a done future: finished returned int
	// after AddDoneCallback
}
