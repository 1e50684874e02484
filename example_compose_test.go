package futures_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"time"

	"github.com/gofutures/futures"
)

// Wait for the first of two futures to finish, then for both.
func ExampleWait() {
	ex, _ := futures.New(futures.WithMaxWorkers(2))
	defer ex.Close()
	ctx := context.Background()

	release := make(chan struct{})
	fast := futures.Submit(ctx, ex, func(context.Context) (string, error) { return "fast", nil })
	slow := futures.Submit(ctx, ex, func(context.Context) (string, error) {
		<-release
		return "slow", nil
	})

	done, notDone := futures.Wait(ctx, futures.FirstCompleted, fast, slow)
	for _, f := range done {
		v, _ := f.Result(ctx)
		fmt.Println("done:", v)
	}
	fmt.Println("not done:", len(notDone))

	close(release)
	done, notDone = futures.Wait(ctx, futures.AllCompleted, fast, slow)
	fmt.Println("all:", len(done), "done,", len(notDone), "not done")

	// Futures of different result types wait together as Awaitables.
	answer := futures.Submit(ctx, ex, func(context.Context) (int, error) { return 42, nil })
	mixed, _ := futures.Wait[futures.Awaitable](ctx, futures.AllCompleted, fast, answer)
	fmt.Println("mixed:", len(mixed), "done")
	// Output:
	// done: fast
	// not done: 1
	// all: 2 done, 0 not done
	// mixed: 2 done
}

// Handle results as they come in, whatever the order of submission.
func ExampleAsCompleted() {
	ex, _ := futures.New(futures.WithMaxWorkers(3))
	defer ex.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	var fs []*futures.Future[int]
	for _, n := range []int{2, 3, 4} {
		fs = append(fs, futures.Submit(ctx, ex, func(context.Context) (int, error) { return n * n, nil }))
	}
	for f, err := range futures.AsCompleted(ctx, fs...) {
		if err != nil {
			// ctx ended first: err is an *IncompleteError listing the futures not
			// yielded, which keep running.
			fmt.Println(err)
			break
		}
		v, _ := f.Result(ctx)
		fmt.Println(v)
	}
	// Unordered output:
	// 4
	// 9
	// 16
}

// Apply a function to each input on the executor, with results in input order. A
// failing element yields its error, and the iteration goes on.
func ExampleMap() {
	ex, _ := futures.New(futures.WithMaxWorkers(4))
	defer ex.Close()
	ctx := context.Background()

	words := slices.Values([]string{"alpha", "beta", "", "delta"})
	length := func(_ context.Context, w string) (int, error) {
		if w == "" {
			return 0, errors.New("empty word")
		}
		return len(w), nil
	}
	for n, err := range futures.Map(ctx, ex, words, length, futures.Window(2)) {
		if err != nil {
			fmt.Println("error:", err)
			continue
		}
		fmt.Println(n)
	}
	// Output:
	// 5
	// 4
	// error: empty word
	// 5
}

// With Unordered, results come as tasks complete; return the input with the result
// to tell them apart.
func ExampleMap_unordered() {
	ex, _ := futures.New(futures.WithMaxWorkers(4))
	defer ex.Close()
	ctx := context.Background()

	type square struct{ n, sq int }
	fn := func(_ context.Context, n int) (square, error) { return square{n, n * n}, nil }
	for r, err := range futures.Map(ctx, ex, slices.Values([]int{1, 2, 3, 4}), fn, futures.Unordered(), futures.Window(2)) {
		if err != nil {
			fmt.Println("error:", err)
			continue
		}
		fmt.Printf("%d squared is %d\n", r.n, r.sq)
	}
	// Unordered output:
	// 1 squared is 1
	// 2 squared is 4
	// 3 squared is 9
	// 4 squared is 16
}

// Fetch several pages at once and report each as it arrives: the ThreadPoolExecutor
// example of Python's concurrent.futures documentation, against a local server.
func Example_fetchPages() {
	pages := map[string]string{
		"/foxnews": strings.Repeat("f", 1200),
		"/cnn":     strings.Repeat("c", 3400),
		"/wsj":     strings.Repeat("w", 560),
		"/bbc":     strings.Repeat("b", 78),
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		page, ok := pages[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		io.WriteString(w, page)
	}))
	defer srv.Close()
	client := srv.Client()

	loadURL := func(ctx context.Context, url string) ([]byte, error) {
		ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return nil, err
		}
		resp, err := client.Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return nil, errors.New(resp.Status)
		}
		return io.ReadAll(resp.Body)
	}

	ex, _ := futures.New(futures.WithMaxWorkers(5))
	defer ex.Close()
	ctx := context.Background()
	futureToURL := make(map[*futures.Future[[]byte]]string)
	for _, path := range []string{"/foxnews", "/cnn", "/wsj", "/bbc", "/nonexistent-subdomain"} {
		f := futures.Submit(ctx, ex, func(ctx context.Context) ([]byte, error) { return loadURL(ctx, srv.URL+path) })
		futureToURL[f] = path
	}
	for f := range futures.AsCompleted(ctx, slices.Collect(maps.Keys(futureToURL))...) {
		path := futureToURL[f]
		data, err := f.Result(ctx)
		if err != nil {
			fmt.Printf("%q generated an error: %v\n", path, err)
			continue
		}
		fmt.Printf("%q page is %d bytes\n", path, len(data))
	}
	// Unordered output:
	// "/foxnews" page is 1200 bytes
	// "/cnn" page is 3400 bytes
	// "/wsj" page is 560 bytes
	// "/bbc" page is 78 bytes
	// "/nonexistent-subdomain" generated an error: 404 Not Found
}

// Check large numbers for primality in parallel with Map: the ProcessPoolExecutor
// example of Python's concurrent.futures documentation.
func Example_primes() {
	primes := []int64{
		112272535095293,
		112582705942171,
		112272535095293,
		115280095190773,
		115797848077099,
		1099726899285419,
	}
	isPrime := func(_ context.Context, n int64) (bool, error) {
		if n < 2 {
			return false, nil
		}
		if n == 2 {
			return true, nil
		}
		if n%2 == 0 {
			return false, nil
		}
		for i := int64(3); i*i <= n; i += 2 {
			if n%i == 0 {
				return false, nil
			}
		}
		return true, nil
	}

	ex, _ := futures.New()
	defer ex.Close()
	i := 0
	for prime, err := range futures.Map(context.Background(), ex, slices.Values(primes), isPrime) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%d is prime: %v\n", primes[i], prime)
		i++
	}
	// Output:
	// 112272535095293 is prime: true
	// 112582705942171 is prime: true
	// 112272535095293 is prime: true
	// 115280095190773 is prime: true
	// 115797848077099 is prime: true
	// 1099726899285419 is prime: false
}
