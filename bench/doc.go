// Package bench compares futures with the Go worker pools on the workloads A–H of
// performance.md: the buffered-channel floor, one goroutine per task, ants, pond,
// conc, errgroup and workerpool. It is a separate module so that the library's own
// go.mod keeps no dependencies.
//
// Every benchmark times whole batches, from the creation of the pool to the end of
// its shutdown, and reports per-task metrics (ns/task, allocs/task, B/task; F adds
// p50-ns and p99-ns, H reports ns/future). Names follow benchstat's key=value
// convention, for example BenchmarkA/lib=futures/w=2. One iteration (b.N) is one
// batch, so -benchtime=1x runs exactly one batch of the size performance.md gives:
//
//	go test -run='^$' -bench='^BenchmarkA$' -benchtime=1x -count=5 | benchstat -
//
// cmd/benchtable runs every cell several times in fresh processes, interleaving the
// libraries, and prints the markdown table of BENCHMARKS.md.
//
// Each task does just enough to let the benchmark check that it ran: the "empty"
// tasks of A and E increment a shared atomic counter, B's tasks return distinct
// values that are checked in order, and so on. A library that skipped work would
// fail the benchmark.
package bench
