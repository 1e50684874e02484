// Command benchtable runs every cell of the benchmark suite several times, each run in
// a fresh process, interleaving the libraries, and prints one markdown table: the
// median of each cell, its spread (min–max), its ratio to the floor, allocations and
// bytes per task, and the peak RSS of the process.
//
// Run it from the bench module:
//
//	cd bench && go run ./cmd/benchtable > table.md
//
// It builds the test binary with "go test -c" (or takes one with -bin), calibrates the
// CPU-bound task of workload C once and passes it to every run, then execs the binary
// once per cell and round (three times per round for workload D, the noisiest cell)
// with -test.bench=^...$ -test.run=^$ -test.count=1 and a fixed -test.benchtime=Nx.
// Progress goes to stderr.
package main

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofutures/futures/bench/internal/work"
)

var (
	runs    = flag.Int("runs", 5, "runs of every cell, each in a fresh process")
	bin     = flag.String("bin", "", "prebuilt test binary of the bench module (default: build one with go test -c)")
	only    = flag.String("only", "", "run only the cells whose name (for example \"A w=2 futures\") matches this regexp")
	scale   = flag.Float64("scale", 1, "multiply every batch size by this factor (for smoke runs)")
	rawPath = flag.String("raw", "", "also write every run's metrics to this file, tab-separated")
	timeout = flag.Duration("timeout", 5*time.Minute, "limit of one run")
)

var libs = []string{"floor", "futures", "goroutine", "ants", "pond", "conc", "errgroup", "workerpool"}

// A column is one workload setting: a group of cells, one per library, that share a
// floor (or another base) for the ratio.
type column struct {
	label     string   // e.g. "A w=2"
	bench     string   // top-level benchmark, e.g. "BenchmarkA"
	sub       []string // sub-benchmark levels after lib=..., e.g. ["w=2"]
	libs      []string // libraries that have this cell; the others are n/a
	benchtime string   // -test.benchtime
	repeat    int      // runs of each cell per round; 0 means 1
	metrics   []string // the metrics shown, one table row each
	base      string   // lib whose median is the ratio's base; "" with baseCol
	baseCol   string   // or: the label of another column whose futures cell is the base
}

func columns() []column {
	p := runtime.GOMAXPROCS(0)
	w := fmt.Sprintf("w=%d", p)
	hs, hl := scaled(work.TasksHSmall), scaled(work.TasksHLarge)
	futuresOnly := []string{"futures"}
	cols := []column{
		{label: "A " + w, bench: "BenchmarkA", sub: []string{w}, libs: libs, benchtime: "1x", metrics: []string{"ns/task"}, base: "floor"},
		{label: "A w=64", bench: "BenchmarkA", sub: []string{"w=64"}, libs: libs, benchtime: "1x", metrics: []string{"ns/task"}, base: "floor"},
		{label: "B " + w, bench: "BenchmarkB", sub: []string{w}, libs: libs, benchtime: "1x", metrics: []string{"ns/task"}, base: "floor"},
		{label: "B w=64", bench: "BenchmarkB", sub: []string{"w=64"}, libs: libs, benchtime: "1x", metrics: []string{"ns/task"}, base: "floor"},
		{label: "C " + w, bench: "BenchmarkC", sub: []string{w}, libs: libs, benchtime: "1x", metrics: []string{"ns/task"}, base: "floor"},
		// D runs three times per round: its target ranks futures among six pools whose
		// medians lie within a few percent of each other, and its runs spread the
		// most (a 1 ms sleep lasts 1.2–2.0 ms, depending on how late the runtime's
		// timers fire; see BENCHMARKS.md).
		{label: "D w=1000", bench: "BenchmarkD", sub: []string{"w=1000"}, libs: libs, benchtime: "5x", repeat: 3, metrics: []string{"ns/task"}, base: "floor"},
		{label: "E " + w, bench: "BenchmarkE", sub: []string{w}, libs: libs, benchtime: "1x", metrics: []string{"ns/task"}, base: "floor"},
		{label: "F " + w, bench: "BenchmarkF", sub: []string{w}, libs: libs, benchtime: "1x", metrics: []string{"p50-ns", "p99-ns"}, base: "floor"},
		{label: "G " + w, bench: "BenchmarkG", sub: []string{w}, libs: []string{"floor", "futures"}, benchtime: "1x", metrics: []string{"ns/task"}, base: "floor"},
	}
	for _, op := range []string{"AsCompleted", "Wait"} {
		small := fmt.Sprintf("H %s n=%d", op, hs)
		cols = append(cols,
			column{label: small, bench: "BenchmarkH", sub: []string{"op=" + op, fmt.Sprintf("n=%d", hs)}, libs: futuresOnly, benchtime: "10x", metrics: []string{"ns/future"}, baseCol: small},
			column{label: fmt.Sprintf("H %s n=%d", op, hl), bench: "BenchmarkH", sub: []string{"op=" + op, fmt.Sprintf("n=%d", hl)}, libs: futuresOnly, benchtime: "10x", metrics: []string{"ns/future"}, baseCol: small},
		)
	}
	return cols
}

func scaled(n int) int { return max(1, int(float64(n)**scale)) }

// repeats is how many times each of c's cells runs per round.
func (c *column) repeats() int { return max(c.repeat, 1) }

// A cell is one library in one column.
type cell struct {
	col  *column
	lib  string
	runs []result
}

func (c *cell) name() string { return c.col.label + " " + c.lib }

// pattern is the -test.bench argument that selects exactly this cell.
func (c *cell) pattern() string {
	parts := []string{"^" + c.col.bench + "$", "^lib=" + c.lib + "$"}
	for _, s := range c.col.sub {
		parts = append(parts, "^"+regexp.QuoteMeta(s)+"$")
	}
	return strings.Join(parts, "/")
}

// A result is one run's metrics, by unit, plus the process's peak RSS in bytes.
type result struct {
	metrics map[string]float64
	rss     float64
}

func main() {
	flag.Parse()
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "benchtable:", err)
		os.Exit(1)
	}
}

func run() error {
	var filter *regexp.Regexp
	if *only != "" {
		var err error
		if filter, err = regexp.Compile(*only); err != nil {
			return err
		}
	}
	binary := *bin
	if binary == "" {
		dir, err := os.MkdirTemp("", "benchtable")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		binary = filepath.Join(dir, "bench.test")
		cmd := exec.Command("go", "test", "-c", "-o", binary, ".")
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		fmt.Fprintln(os.Stderr, "building:", strings.Join(cmd.Args, " "))
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("building the test binary: %w", err)
		}
	}

	spin := work.Calibrate(work.SpinDuration)
	env := append(os.Environ(), fmt.Sprintf("%s=%d", work.EnvSpin, spin), fmt.Sprintf("%s=%g", work.EnvScale, *scale))

	cols := columns()
	var byCol [][]*cell
	total := 0
	for i := range cols {
		var cs []*cell
		for _, lib := range cols[i].libs {
			c := &cell{col: &cols[i], lib: lib}
			if filter == nil || filter.MatchString(c.name()) {
				cs = append(cs, c)
				total += *runs * cols[i].repeats()
			}
		}
		byCol = append(byCol, cs)
	}

	var raw io.Writer = io.Discard
	if *rawPath != "" {
		f, err := os.Create(*rawPath)
		if err != nil {
			return err
		}
		defer f.Close()
		raw = f
		fmt.Fprintln(raw, "run\tcell\tunit\tvalue")
	}

	// Interleave: every round runs every cell once (or repeat times), column by
	// column, with the libraries' order rotated from run to run. In -raw, a cell's
	// runs are numbered from 1 in the order they ran, so that the runs with the same
	// number in one column ran one after another.
	start := time.Now()
	done := 0
	for r := range *runs {
		for _, cs := range byCol {
			if len(cs) == 0 {
				continue
			}
			reps := cs[0].col.repeats()
			for j := range reps {
				n := r*reps + j // this column's run number, from 0
				for k := range cs {
					c := cs[(k+n)%len(cs)]
					done++
					res, err := runCell(binary, env, c)
					if err != nil {
						return fmt.Errorf("%s (run %d): %w", c.name(), n+1, err)
					}
					c.runs = append(c.runs, res)
					m := c.col.metrics[0]
					fmt.Fprintf(os.Stderr, "[%d/%d %s] %s: %s %s\n", done, total, time.Since(start).Round(time.Second), c.name(), num(res.metrics[m]), m)
					fmt.Fprintf(raw, "%d\t%s\t%s\t%g\n", n+1, c.name(), "peak-rss-bytes", res.rss)
					for unit, v := range res.metrics {
						fmt.Fprintf(raw, "%d\t%s\t%s\t%g\n", n+1, c.name(), unit, v)
					}
				}
			}
		}
	}
	elapsed := time.Since(start)

	printHeader(byCol, spin, elapsed)
	printTable(cols, byCol)
	return nil
}

// runCell runs c once in a fresh process.
func runCell(binary string, env []string, c *cell) (result, error) {
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary,
		"-test.run=^$", "-test.bench="+c.pattern(), "-test.count=1", "-test.benchtime="+c.col.benchtime)
	cmd.Env = env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if err != nil {
		return result{}, fmt.Errorf("%v\n%s", err, out.String())
	}
	res := result{metrics: parse(out.String()), rss: peakRSS(cmd.ProcessState)}
	for _, m := range c.col.metrics {
		if _, ok := res.metrics[m]; !ok {
			return result{}, fmt.Errorf("no %s in the output:\n%s", m, out.String())
		}
	}
	return res, nil
}

// parse returns the metrics of the benchmark line in out: "BenchmarkX/... N v unit v unit ...".
func parse(out string) map[string]float64 {
	m := make(map[string]float64)
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		for i := 2; i+1 < len(f); i += 2 {
			if v, err := strconv.ParseFloat(f[i], 64); err == nil {
				m[f[i+1]] = v
			}
		}
	}
	return m
}

func printHeader(byCol [][]*cell, spin int, elapsed time.Duration) {
	fmt.Printf("Machine: %d CPUs (%s), GOMAXPROCS=%d, %s/%s, %s.\n", runtime.NumCPU(), cpuModel(), runtime.GOMAXPROCS(0), runtime.GOOS, runtime.GOARCH, runtime.Version())
	var more []string
	for _, cs := range byCol {
		if len(cs) > 0 && cs[0].col.repeats() > 1 {
			more = append(more, fmt.Sprintf("%d for %s", *runs*cs[0].col.repeats(), cs[0].col.label))
		}
	}
	extra := ""
	if len(more) > 0 {
		extra = " (" + strings.Join(more, ", ") + ")"
	}
	fmt.Printf("Runs: %d per cell%s, each in a fresh process, libraries interleaved; table run took %s.\n", *runs, extra, elapsed.Round(time.Second))
	fmt.Printf("Workload C: %d spin iterations per task (calibrated to %s).", spin, work.SpinDuration)
	if *scale != 1 {
		fmt.Printf(" Batch sizes scaled by %g.", *scale)
	}
	fmt.Println()
	mods := []string{"github.com/gofutures/futures", "github.com/panjf2000/ants/v2", "github.com/alitto/pond/v2",
		"github.com/sourcegraph/conc", "golang.org/x/sync", "github.com/gammazero/workerpool"}
	args := append([]string{"list", "-m", "-f", "{{.Path}} {{.Version}}{{with .Replace}} => {{.Path}}{{end}}"}, mods...)
	if out, err := exec.Command("go", args...).Output(); err == nil {
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		fmt.Printf("Modules: %s.\n", strings.Join(lines, ", "))
	}
	if out, err := exec.Command("git", "log", "-1", "--format=%h %s").Output(); err == nil {
		dirty := ""
		if st, err := exec.Command("git", "status", "--porcelain", "--untracked-files=no", "..").Output(); err == nil && len(st) > 0 {
			dirty = ", with uncommitted changes"
		}
		fmt.Printf("futures source: commit %s%s.\n", strings.TrimSpace(string(out)), dirty)
	}
	fmt.Println()
}

func cpuModel() string {
	data, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	for _, line := range strings.Split(string(data), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}

func printTable(cols []column, byCol [][]*cell) {
	fmt.Println("| workload | lib | median | spread (min–max) | × base | allocs/task | B/task | peak RSS |")
	fmt.Println("|---|---|---:|---:|---:|---:|---:|---:|")
	baseOf := func(i int, m string) float64 {
		col := cols[i]
		for j, c := range cols {
			if col.baseCol != "" && c.label == col.baseCol {
				for _, x := range byCol[j] {
					if x.lib == "futures" {
						return median(x, m)
					}
				}
			}
		}
		for _, x := range byCol[i] {
			if x.lib == col.base {
				return median(x, m)
			}
		}
		return math.NaN()
	}
	for i, cs := range byCol {
		col := cols[i]
		if len(cs) == 0 {
			continue
		}
		for _, m := range col.metrics {
			base := baseOf(i, m)
			for _, c := range cs {
				lo, hi := spread(c, m)
				fmt.Printf("| %s %s | %s | %s | %s–%s | %s | %s | %s | %s |\n",
					col.label, m, c.lib, num(median(c, m)), num(lo), num(hi), ratio(median(c, m), base),
					fixed(median(c, "allocs/task"), 2), fixed(median(c, "B/task"), 0), mb(medianRSS(c)))
			}
			if missing := notIn(libs, col.libs); len(missing) > 0 {
				fmt.Printf("| %s %s | %s | n/a | | | | | |\n", col.label, m, strings.Join(missing, ", "))
			}
		}
	}
	fmt.Println()
	fmt.Println("median and spread: per task (A–E, G: ns/task from executor creation to the end of shutdown), per future (H), or the submit→start latency (F, ns).")
	fmt.Println("× base: median over the floor's median in the same column (G: the B floor, rerun in G); for H, over the n=" + strconv.Itoa(scaled(work.TasksHSmall)) + " cell of the same function (linear waiting gives 1.00).")
	fmt.Println("allocs/task and B/task count every allocation in the process during the timed batches, the benchmark's own included (in B and F every library's task is a closure of its index, one allocation, which is the floor's share; in G the floor's is too, while Map's one allocation per element, the future, is its own).")
	fmt.Println("peak RSS: the process's maximum resident set size, so it includes the warm-up batch and the test binary (a few MB).")
	fmt.Println("n/a: the library has no futures (G, H).")
}

func notIn(all, some []string) []string {
	var out []string
	for _, x := range all {
		if !slices.Contains(some, x) {
			out = append(out, x)
		}
	}
	return out
}

func values(c *cell, m string) []float64 {
	var v []float64
	for _, r := range c.runs {
		if x, ok := r.metrics[m]; ok {
			v = append(v, x)
		}
	}
	slices.Sort(v)
	return v
}

func median(c *cell, m string) float64 { return med(values(c, m)) }

func medianRSS(c *cell) float64 {
	var v []float64
	for _, r := range c.runs {
		v = append(v, r.rss)
	}
	slices.Sort(v)
	return med(v)
}

func med(v []float64) float64 {
	switch n := len(v); {
	case n == 0:
		return math.NaN()
	case n%2 == 1:
		return v[n/2]
	default:
		return (v[n/2-1] + v[n/2]) / 2
	}
}

func spread(c *cell, m string) (lo, hi float64) {
	v := values(c, m)
	if len(v) == 0 {
		return math.NaN(), math.NaN()
	}
	return v[0], v[len(v)-1]
}

// num formats a time in ns: one decimal below 100, else a whole number with thousands
// separators.
func num(v float64) string {
	switch {
	case math.IsNaN(v):
		return "?"
	case v < 100:
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	s := strconv.FormatFloat(math.Round(v), 'f', 0, 64)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func fixed(v float64, prec int) string {
	if math.IsNaN(v) {
		return "?"
	}
	return strconv.FormatFloat(v, 'f', prec, 64)
}

func ratio(v, base float64) string {
	if math.IsNaN(v) || math.IsNaN(base) || base == 0 {
		return "—"
	}
	return strconv.FormatFloat(v/base, 'f', 2, 64) + "×"
}

func mb(bytes float64) string {
	if math.IsNaN(bytes) || bytes == 0 {
		return "?"
	}
	return strconv.FormatFloat(bytes/(1<<20), 'f', 0, 64) + " MB"
}
