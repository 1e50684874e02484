package futures_test

import (
	"context"
	"errors"
	"testing"

	"github.com/gofutures/futures"
)

func TestSmoke(t *testing.T) {
	ex := newExecutor(t, futures.WithMaxWorkers(2))
	ctx := context.Background()
	f := futures.Submit(ctx, ex, func(context.Context) (int, error) { return 42, nil })
	v, err := f.Result(ctx)
	if v != 42 || err != nil {
		t.Fatalf("Result = %v, %v", v, err)
	}
	for i := 0; i < 100; i++ {
		futures.Submit(ctx, ex, func(context.Context) (int, error) { return i, nil }).Result(ctx)
	}
	if n := ex.Workers(); n != 1 {
		t.Errorf("Workers = %d; want 1", n)
	}
	p := futures.Submit(ctx, ex, func(context.Context) (int, error) { panic("boom") })
	_, err = p.Result(ctx)
	var pe *futures.PanicError
	if !errors.As(err, &pe) {
		t.Errorf("panic err = %v", err)
	}
	var got []int
	for v, err := range futures.Map(ctx, ex, func(yield func(int) bool) {
		for i := range 10 {
			if !yield(i) {
				return
			}
		}
	}, func(_ context.Context, i int) (int, error) { return i * i, nil }, futures.Window(3)) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, v)
	}
	t.Log(got)
	if err := ex.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if n := ex.Workers(); n != 0 {
		t.Errorf("Workers after Shutdown = %d", n)
	}
	r := futures.Submit(ctx, ex, func(context.Context) (int, error) { return 1, nil })
	if _, err := r.Result(ctx); !errors.Is(err, futures.ErrShutdown) {
		t.Errorf("after shutdown: %v", err)
	}
}
