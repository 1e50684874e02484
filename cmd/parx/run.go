package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// killGrace is how long a job has to exit after SIGTERM (on a timeout, --halt now or a
// second signal) before its process group gets SIGKILL. GNU parallel's default
// --termseq gives 350ms in all.
const killGrace = 500 * time.Millisecond

// A runner runs jobs. Its run method is the function that futures.Map calls for each
// job, on one of the executor's workers.
type runner struct {
	tmpl    *template
	timeout time.Duration // 0 for none
	tries   int           // attempts per job, at least 1
	dryRun  bool
	env     []string   // the environment, without the variables parx sets per job
	devnull *os.File   // every job's standard input
	slots   chan *slot // the free job slots, 1 to -j
	tally   *tally
	ctl     *control

	progOnce sync.Once // resolves tmpl.prog
	progPath string
	progErr  error

	running atomic.Int64 // jobs running now
	groups  jobGroups    // their process groups
}

// A result is the outcome of a job.
type result struct {
	seq     int
	slot    int
	line    string // the command line
	start   time.Time
	runtime time.Duration
	stdout  blob
	stderr  blob
	exit    int  // the exit status; -1 when killed by a signal
	signal  int  // the signal that killed the job, or 0
	skipped bool // never started: parx was stopping
	killed  bool // killed because parx halted or was interrupted: neither failed nor done
}

// failed reports whether the job ran and failed.
func (r *result) failed() bool {
	return !r.skipped && !r.killed && (r.exit != 0 || r.signal != 0)
}

// run runs one job, with its retries, and returns its result; the error is always nil
// (a job's failure is in its result). ctx ends when parx halts now or is interrupted
// twice: the job is then killed.
func (r *runner) run(ctx context.Context, j *job) (*result, error) {
	res := &result{seq: j.seq}
	if r.ctl.stopping() || ctx.Err() != nil {
		res.skipped = true
		return res, nil
	}
	s := <-r.slots
	defer func() { r.slots <- s }()
	if ctx.Err() != nil {
		res.skipped = true // parx was killed while the job waited for its slot
		return res, nil
	}
	res.slot = s.n
	cmd := r.tmpl.expand(j.args, j.seq, res.slot)
	res.line = cmd.line
	if r.dryRun {
		res.stdout.data = []byte(cmd.line + "\n")
		return res, nil
	}
	r.running.Add(1)
	defer r.running.Add(-1)
	for try := 1; ; try++ {
		r.attempt(ctx, cmd, s, res)
		if !res.failed() || try >= r.tries || r.ctl.stopping() || ctx.Err() != nil {
			break
		}
		res.stdout.close()
		res.stderr.close()
	}
	if !res.killed && r.tally.record(res) {
		r.ctl.halt(res)
	}
	return res, nil
}

// attempt runs the command once and fills in res. If ctx ends while it runs, the job
// is killed, and counts as killed rather than failed.
func (r *runner) attempt(ctx context.Context, cmd command, s *slot, res *result) {
	res.stdout, res.stderr = blob{}, blob{}
	res.exit, res.signal, res.killed = 0, 0, false
	res.start = time.Now()
	defer func() { res.runtime = time.Since(res.start) }()

	path, argv := "/bin/sh", []string{"sh", "-c", cmd.line}
	if cmd.argv != nil {
		argv = cmd.argv
		var err error
		if path, err = r.lookPath(argv[0]); err != nil {
			r.failToStart(res, argv[0], err)
			return
		}
	}
	outF, errF, err := s.files()
	if err != nil {
		res.exit = 126
		res.stderr = blob{data: fmt.Appendf(nil, "parx: cannot capture the output of job %d: %v\n", res.seq, err)}
		return
	}
	jobCtx := ctx // ends on a timeout too
	if timeout := r.timeout; timeout > 0 {
		var cancel context.CancelFunc
		jobCtx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	env := append(r.env[:len(r.env):len(r.env)],
		"PARALLEL_SEQ="+strconv.Itoa(res.seq), "PARALLEL_JOBSLOT="+strconv.Itoa(res.slot))
	files := []*os.File{r.devnull, outF, errF}
	p, g, err := r.groups.start(func() (*os.Process, error) {
		p, err := startProcess(path, argv, env, files)
		if errors.Is(err, syscall.ENOEXEC) {
			// A script without #!: run it with the shell, as shells do.
			p, err = startProcess("/bin/sh", append([]string{"sh", path}, argv[1:]...), env, files)
		}
		return p, err
	})
	if err != nil {
		r.failToStart(res, argv[0], err)
		return
	}
	stop := context.AfterFunc(jobCtx, func() { g.terminate(killGrace) })
	waited := waitExited(p)
	if waited {
		g.leaderExited(true)
	}
	stop()
	st, err := p.Wait()
	if !waited {
		g.leaderExited(false)
	}
	r.groups.remove(g)
	if err != nil {
		r.failToStart(res, argv[0], err)
		return
	}
	res.exit, res.signal = exitStatus(st)
	res.killed = g.terminated() && ctx.Err() != nil
	var errOut, errErr error
	res.stdout, errOut = capture(&s.out)
	res.stderr, errErr = capture(&s.err)
	if err := errors.Join(errOut, errErr); err != nil {
		res.stderr.close()
		res.stderr = blob{data: fmt.Appendf(nil, "parx: reading the output of job %d: %v\n", res.seq, err)}
		if res.exit == 0 && res.signal == 0 {
			res.exit = 1
		}
	}
}

// lookPath finds the program to run, as the shell would; the fixed program of the
// template is looked up once.
func (r *runner) lookPath(name string) (string, error) {
	if name == r.tmpl.prog {
		r.progOnce.Do(func() { r.progPath, r.progErr = lookPath(name) })
		return r.progPath, r.progErr
	}
	return lookPath(name)
}

func lookPath(name string) (string, error) {
	path, err := exec.LookPath(name)
	if errors.Is(err, exec.ErrDot) {
		err = nil // found in the current directory through PATH, as the shell would run it
	}
	return path, err
}

// failToStart records that the command could not run, with the shell's exit statuses:
// 127 when it does not exist, 126 when it cannot be executed.
func (r *runner) failToStart(res *result, name string, err error) {
	res.exit = 126
	msg := err.Error()
	if errors.Is(err, exec.ErrNotFound) || errors.Is(err, fs.ErrNotExist) {
		res.exit = 127
		msg = "command not found"
	} else if errors.Is(err, fs.ErrPermission) {
		msg = "permission denied"
	}
	res.stdout.close()
	res.stderr.close()
	res.stdout, res.stderr = blob{}, blob{data: []byte("parx: " + name + ": " + msg + "\n")}
}

// jobEnv returns the environment for jobs: parx's own, without the variables that it
// sets for each job.
func jobEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PARALLEL_SEQ=") && !strings.HasPrefix(kv, "PARALLEL_JOBSLOT=") {
			env = append(env, kv)
		}
	}
	return env
}
