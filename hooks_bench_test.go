package futures_test

import (
	"context"
	"sync"
	"testing"

	"github.com/gofutures/futures"
)

// BenchmarkHooks measures the cost per fire-and-forget task of the observability
// options, side by side: none (the default), WithTiming, and WithHooks with hooks that
// do nothing. Without them, the hot path pays one predictable branch per task.
//
//	go test -run '^$' -bench '^BenchmarkHooks$' -count 5 . | benchstat -
func BenchmarkHooks(b *testing.B) {
	noop := func(futures.TaskInfo) {}
	for _, bc := range []struct {
		name string
		opts []futures.Option
	}{
		{"none", nil},
		{"timing", []futures.Option{futures.WithTiming()}},
		{"hooks", []futures.Option{futures.WithHooks(futures.Hooks{BeforeTask: noop, AfterTask: noop})}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			ex, err := futures.New(append([]futures.Option{futures.WithMaxWorkers(2)}, bc.opts...)...)
			if err != nil {
				b.Fatal(err)
			}
			defer ex.Close()
			var wg sync.WaitGroup
			fn := func(context.Context) { wg.Done() }
			b.ReportAllocs()
			for b.Loop() {
				wg.Add(1)
				if err := ex.Go(fn); err != nil {
					b.Fatal(err)
				}
			}
			wg.Wait()
		})
	}
}
