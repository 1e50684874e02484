package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gofutures/futures"
)

// exitError is parx's exit status for its own errors, and for interrupted runs.
const exitError = 255

// parx runs parx with the command line args and returns its exit status. Signals
// received on sigs (which may be nil) interrupt it.
func parx(args []string, stdin io.Reader, stdout, stderr io.Writer, sigs <-chan os.Signal) int {
	fail := func(err error) int {
		fmt.Fprintf(stderr, "parx: %v\n", err)
		return exitError
	}
	o, err := parseArgs(args)
	if err != nil {
		fmt.Fprintf(stderr, "parx: %v\nTry 'parx --help' for more information.\n", err)
		return exitError
	}
	switch {
	case o.help:
		io.WriteString(stdout, usage)
		return 0
	case o.version:
		fmt.Fprintln(stdout, version)
		return 0
	}
	in, err := openSources(o, stdin)
	if err != nil {
		return fail(err)
	}
	defer in.close()
	tmpl, err := compileTemplate(o.command, len(in.sources), o.quote, o.shell)
	if err != nil {
		return fail(err)
	}
	if o.dryRun {
		o.keepOrder = true // print the commands in input order
	}
	showBar := o.bar && isTerminal(stderr)
	if len(o.argFiles) == 0 && len(o.groups) == 0 && isTerminal(stdin) {
		fmt.Fprintln(stderr, "parx: reading inputs from the terminal; end them with Ctrl-D")
	}
	if s, err := loadInputs(in, showBar || o.halt.pct, sigs); err != nil {
		return fail(err)
	} else if s != nil {
		fmt.Fprintf(stderr, "parx: %s while reading the inputs: starting no jobs\n", signalName(s))
		return exitError
	}
	var log *joblog
	if o.joblog != "" && !o.dryRun {
		if log, err = openJoblog(o.joblog); err != nil {
			return fail(err)
		}
	}
	devnull, err := os.Open(os.DevNull)
	if err != nil {
		return fail(err)
	}
	defer devnull.Close()

	if most := fileJobs(openFileLimit()); o.jobs > most {
		fmt.Fprintf(stderr, "parx: only enough open files for %d jobs at once; running %d at a time, not %d\n", most, most, o.jobs)
		o.jobs = most
	}
	ex, err := futures.New(futures.WithMaxWorkers(o.jobs), futures.WithName("parx"))
	if err != nil {
		return fail(err)
	}
	out := newPrinter(stdout, stderr)
	ctl := newControl(ex, out)
	r := &runner{
		tmpl:    tmpl,
		timeout: o.timeout,
		tries:   o.tries,
		dryRun:  o.dryRun,
		env:     jobEnv(),
		devnull: devnull,
		slots:   make(chan *slot, o.jobs),
		tally:   &tally{spec: o.halt, total: in.total()},
		ctl:     ctl,
	}
	for n := 1; n <= o.jobs; n++ {
		r.slots <- &slot{n: n, dir: os.TempDir()}
	}
	defer func() {
		for range o.jobs {
			(<-r.slots).close()
		}
	}()
	if !o.dryRun {
		// Fail now, not in every job, if outputs cannot be captured.
		s := <-r.slots
		_, _, err := s.files()
		r.slots <- s
		if err != nil {
			return fail(fmt.Errorf("cannot create temporary files for the outputs: %w", err))
		}
	}
	ctl.running = func() int { return int(r.running.Load()) }
	ctl.groups = &r.groups
	ctl.halting = o.halt
	if showBar {
		out.showProgress(in.total(), ctl.running, 250*time.Millisecond)
	}
	sigDone := make(chan struct{})
	go ctl.handleSignals(sigs, sigDone)

	// Map runs the jobs on the executor, at most o.jobs at once, and yields their
	// results in input order (-k), or as they finish. Its window bounds the jobs
	// submitted ahead of the results printed: with -k, a slow job holds back the
	// printing of the ones after it, so the window is wider, to keep the workers busy.
	mapOpts := []futures.MapOption{futures.Window(2 * o.jobs), futures.Unordered()}
	if o.keepOrder {
		mapOpts = []futures.MapOption{futures.Window(keepOrderWindow(o.jobs, openFileLimit()))}
	}
	status := 0
	for res, err := range futures.Map(context.Background(), ex, in.jobs(ctl.stopc), r.run, mapOpts...) {
		if err != nil {
			// Jobs canceled or refused when parx halted now are not jobs that ran.
			if !errors.Is(err, futures.ErrCanceled) && !errors.Is(err, futures.ErrShutdown) {
				out.message("internal error: %v", err)
				status = exitError
			}
			continue
		}
		if res.skipped {
			continue
		}
		if err := log.write(res); err != nil {
			out.message("writing the job log: %v", err)
			status = exitError
			log = nil
		}
		if err := out.print(res); err != nil && status != exitError {
			// Standard output is gone: nobody will see the results of more jobs.
			if !isBrokenPipe(err) {
				out.message("writing to standard output: %v", err)
			}
			status = exitError
			ctl.kill()
		}
	}
	ex.Shutdown(context.Background()) // every job has returned already
	close(sigDone)
	out.close()
	if err := log.close(); err != nil && status == 0 {
		out.message("writing the job log: %v", err)
		status = exitError
	}
	if in.err != nil {
		out.message("%v", in.err)
		status = exitError
	}
	switch {
	case status != 0:
		return status
	case ctl.interrupted.Load():
		return exitError
	}
	return r.tally.exitStatus()
}

// keepOrderWindow returns how many jobs -k lets run ahead of the oldest one not yet
// printed: four per job slot, at least 64, but no more than the open files allow
// (limit, or 0 for no limit). A finished job whose output is larger than inMemory
// keeps its two temporary files open until it is printed, and each slot holds two
// more, so a window that ignored the limit would run out of file descriptors when the
// hard limit is low (1024 is common) and -j is high.
func keepOrderWindow(jobs, limit int) int {
	w := max(4*jobs, 64)
	if limit > 0 {
		w = min(w, (limit-fileReserve-2*jobs)/2)
	}
	return max(w, jobs)
}

// control stops parx early: on --halt, on signals, or when standard output is gone.
// Stopping closes stopc, which ends the input and makes jobs that have not started yet
// skip; killing also shuts the executor down at once, which ends the context of the
// running jobs, and so kills them.
type control struct {
	ex      *futures.Executor
	out     *printer
	running func() int // the number of running jobs
	groups  *jobGroups // their process groups, suspended with parx
	halting haltSpec

	stopc       chan struct{}
	stopOnce    sync.Once
	stopped     atomic.Bool
	killOnce    sync.Once
	interrupted atomic.Bool
}

func newControl(ex *futures.Executor, out *printer) *control {
	return &control{ex: ex, out: out, stopc: make(chan struct{})}
}

// stopping reports whether parx starts no more jobs.
func (c *control) stopping() bool { return c.stopped.Load() }

// stop makes parx start no more jobs.
func (c *control) stop() {
	c.stopOnce.Do(func() {
		c.stopped.Store(true)
		close(c.stopc)
	})
}

// kill makes parx start no more jobs and kill the running ones.
func (c *control) kill() {
	c.stop()
	c.killOnce.Do(func() {
		// ShutdownNow cancels the queued jobs and ends the contexts of the running
		// ones. It is called with an ended context so as not to wait for them: it may
		// be called from a job, and the results of the killed jobs are still printed.
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		c.ex.ShutdownNow(ctx)
	})
}

// halt is called, from the job's worker, when res met the --halt condition. Like
// handleSignals, it acts before it tells, as telling may wait for a blocked standard
// output.
func (c *control) halt(res *result) {
	what := "failed"
	if !res.failed() {
		what = "succeeded"
	}
	others := c.running() - 1
	if c.halting.when == haltNow {
		c.kill()
		c.out.message("--halt %v: job %d %s: %s; killing the %d other running jobs",
			c.halting, res.seq, what, res.line, others)
		return
	}
	c.stop()
	c.out.message("--halt %v: job %d %s: %s; starting no more jobs, waiting for %d running jobs",
		c.halting, res.seq, what, res.line, others)
}

// handleSignals stops parx on the first signal received on sigs, and kills the
// running jobs on the second, until done is closed. Its messages go through a
// goroutine of their own: printing waits while standard output is blocked (a reader
// that stopped reading), and the second signal must not wait for the first message.
func (c *control) handleSignals(sigs <-chan os.Signal, done <-chan struct{}) {
	msgs := make(chan string, 8)
	defer close(msgs)
	go func() {
		for m := range msgs {
			c.out.message("%s", m)
		}
	}()
	tell := func(format string, args ...any) {
		select {
		case msgs <- fmt.Sprintf(format, args...):
		default: // eight messages are already waiting for standard error
		}
	}
	for n := 0; ; n++ {
		select {
		case s := <-sigs:
			if s == suspendSignal() {
				c.groups.suspend() // returns once parx is continued
				n--
				continue
			}
			c.interrupted.Store(true)
			running := c.running()
			if n == 0 {
				c.stop()
				tell("%s: starting no more jobs, waiting for %d running jobs; send it again to kill them",
					signalName(s), running)
			} else {
				c.kill()
				tell("%s again: killing %d running jobs", signalName(s), running)
			}
		case <-done:
			return
		}
	}
}

// loadInputs reads the inputs that are read whole before the first job starts (see
// inputs.load), which may take long: a source can be a pipe or a terminal. A signal
// meanwhile stops parx before any job starts; loadInputs then returns it, and leaves
// the reading to the process's exit.
func loadInputs(in *inputs, all bool, sigs <-chan os.Signal) (os.Signal, error) {
	if sigs == nil {
		return nil, in.load(all)
	}
	done := make(chan error, 1)
	go func() { done <- in.load(all) }()
	for {
		select {
		case err := <-done:
			return nil, err
		case s := <-sigs:
			if s == suspendSignal() {
				stopSelf() // no job to suspend yet
				continue
			}
			return s, nil
		}
	}
}

// signalName returns the name of a signal, as in SIGINT.
func signalName(s os.Signal) string {
	switch s {
	case os.Interrupt:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	case syscall.SIGHUP:
		return "SIGHUP"
	}
	return s.String()
}

// fileJobs is the most jobs that can run at once with limit open files (0: unknown,
// no bound but maxJobsAtAll): a running job holds its two capture files, and while it
// starts, the pipe of its fork; parx keeps fileReserve for its own. GNU parallel
// lowers -j the same way, with a warning.
func fileJobs(limit int) int {
	if limit <= 0 {
		return maxJobsAtAll
	}
	return max((limit-fileReserve)/4, 1)
}

// fileReserve is the open files that fileJobs and keepOrderWindow leave to parx's own
// use: its standard streams, inputs, job log, /dev/null and the runtime's.
const fileReserve = 64
