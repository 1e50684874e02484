// Package work holds what the benchmarks and the benchtable command share: the
// calibrated CPU-bound task of workload C, the task counts, and their settings.
package work

import (
	"os"
	"runtime"
	"strconv"
	"time"
)

// Environment variables read by the benchmarks. benchtable sets them so that every
// process runs the same work.
const (
	// EnvSpin is the number of Spin iterations of one workload-C task. When it is
	// unset, each process calibrates its own.
	EnvSpin = "FUTURES_BENCH_SPIN"
	// EnvScale multiplies every batch size (default 1); use it for quick smoke runs.
	EnvScale = "FUTURES_BENCH_SCALE"
)

// Task counts of one batch, from performance.md.
const (
	TasksA = 1_000_000 // empty fire-and-forget tasks
	TasksB = 1_000_000 // tasks returning an int64
	TasksC = 100_000   // ~10 µs CPU tasks
	TasksD = 10_000    // 1 ms sleeps
	TasksE = 1_000_000 // empty tasks from 8 submitters
	TasksF = 100_000   // tasks arriving every 10 µs
	TasksG = 1_000_000 // Map inputs
	// Workload H runs two sizes, to check that waiting is linear.
	TasksHSmall = 10_000
	TasksHLarge = 100_000

	Submitters   = 8                     // workload E
	SleepD       = time.Millisecond      // workload D's task
	WorkersD     = 1000                  // workload D's pool size
	ArrivalF     = 10 * time.Microsecond // workload F's arrival interval
	SpinDuration = 10 * time.Microsecond // workload C's task
)

// Scale returns n multiplied by the EnvScale factor, at least 1.
func Scale(n int) int {
	s, err := strconv.ParseFloat(os.Getenv(EnvScale), 64)
	if err != nil || s <= 0 {
		return n
	}
	return max(1, int(float64(n)*s))
}

// Spin burns CPU for iters rounds of xorshift and returns the state, which depends
// only on iters, so that a caller can check that every task ran.
func Spin(iters int) uint64 {
	x := uint64(88172645463325252)
	for range iters {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
	}
	return x
}

// Calibrate returns the number of Spin iterations that takes d of CPU time on this
// machine. It keeps the fastest of several trials, the one least disturbed by other
// processes.
func Calibrate(d time.Duration) int {
	const trialIters = 2_000_000
	sum := Spin(trialIters) // warm up
	best := time.Duration(1<<63 - 1)
	for range 7 {
		start := time.Now()
		sum += Spin(trialIters)
		best = min(best, time.Since(start))
	}
	runtime.KeepAlive(sum) // the spins' results are used, so they are not optimized away
	return max(1, int(float64(trialIters)*float64(d)/float64(best)))
}

// SpinIters returns the iteration count from EnvSpin, or else a fresh calibration
// of SpinDuration.
func SpinIters() int {
	if n, err := strconv.Atoi(os.Getenv(EnvSpin)); err == nil && n > 0 {
		return n
	}
	return Calibrate(SpinDuration)
}
