//go:build unix

package main

// End-to-end tests: they build the parx binary once (with -race when the tests run
// with it) and run it on real commands.
//
// Nothing here waits for time to pass: the tests synchronize with the jobs through
// pipes and FIFOs. A job tells that it runs by writing a line to file descriptor 3,
// which parx inherits from the test and passes on to its jobs (see [alive]); the
// pipe's end of file then tells that every process holding it, parx and every job and
// grandchild, has exited. Jobs that must wait for the test read a FIFO.

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gofutures/futures/internal/leaktest"
)

var parxBin string // the binary under test

func TestMain(m *testing.M) {
	os.Exit(func() int {
		dir, err := os.MkdirTemp("", "parx-test-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(dir)
		parxBin = filepath.Join(dir, "parx")
		args := []string{"build", "-o", parxBin}
		if raceEnabled {
			args = append(args, "-race")
		}
		if out, err := exec.Command("go", append(args, ".")...).CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "building parx: %v\n%s", err, out)
			return 1
		}
		return leaktest.Run(m) // m.Run, then no goroutine may be left behind
	}())
}

// A run is a parx process under test.
type run struct {
	t      *testing.T
	cmd    *exec.Cmd
	stdout lines
	stderr lines
	alive  *alive
	done   chan struct{} // closed when parx has exited and its output is read
	code   int
	limit  time.Duration // how long wait waits
}

// start starts parx with args in dir, with stdin as its standard input.
func start(t *testing.T, dir, stdin string, args ...string) *run {
	t.Helper()
	r := &run{t: t, done: make(chan struct{}), limit: time.Minute}
	r.cmd = exec.Command(parxBin, args...)
	r.cmd.Dir = dir
	r.cmd.Stdin = strings.NewReader(stdin)
	r.cmd.Env = append(os.Environ(), "GORACE=halt_on_error=1 exitcode=66")
	r.stdout, r.stderr = newLines(t), newLines(t)
	r.cmd.Stdout, r.cmd.Stderr = r.stdout.w, r.stderr.w
	r.alive = launch(t, r.cmd)
	go func() {
		defer close(r.done)
		r.cmd.Wait()
		r.code = r.cmd.ProcessState.ExitCode()
		r.stdout.w.Close()
		r.stderr.w.Close()
	}()
	t.Cleanup(r.stop)
	return r
}

// launch starts cmd with the write end of a new alive pipe as its file descriptor 3,
// and returns the pipe.
func launch(t *testing.T, cmd *exec.Cmd) *alive {
	t.Helper()
	a := newAlive(t)
	cmd.ExtraFiles = []*os.File{a.w}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	a.w.Close()
	return a
}

// stop stops parx if it still runs because the test failed, as a user would: with a
// SIGINT, then another once parx has seen the first, which kills the jobs.
func (r *run) stop() {
	select {
	case <-r.done:
		return
	default:
	}
	r.cmd.Process.Signal(os.Interrupt)
	seen := make(chan struct{})
	go func() {
		for {
			select {
			case line := <-r.stderr.buf:
				if strings.Contains(line, "SIGINT: starting no more jobs") {
					close(seen)
					return
				}
			case <-r.done:
				return
			}
		}
	}()
	select {
	case <-seen:
	case <-r.done:
		return
	case <-time.After(10 * time.Second):
	}
	r.cmd.Process.Signal(os.Interrupt)
	select {
	case <-r.done:
	case <-time.After(10 * time.Second):
		r.cmd.Process.Kill()
	}
}

// wait waits for parx to exit, and for every process that it started to be gone,
// and returns its exit status.
func (r *run) wait() int {
	r.t.Helper()
	select {
	case <-r.done:
	case <-time.After(r.limit):
		r.cmd.Process.Kill()
		r.t.Fatalf("parx %q did not exit; stderr:\n%s", r.cmd.Args[1:], r.stderr.all())
	}
	r.alive.waitGone()
	if strings.Contains(r.stderr.all(), "DATA RACE") {
		r.t.Errorf("data race in parx:\n%s", r.stderr.all())
	}
	return r.code
}

// runParx runs parx to the end and returns its output and exit status.
func runParx(t *testing.T, dir, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	r := start(t, dir, stdin, args...)
	code = r.wait()
	return r.stdout.all(), r.stderr.all(), code
}

// alive is a pipe whose writing end is parx's file descriptor 3, which parx's jobs
// inherit: they may write lines to it (echo ready >&3), and its reading end sees the
// end of the file once every process that had it has exited.
type alive struct {
	t     *testing.T
	w     *os.File
	lines chan string
	eof   chan struct{}
}

func newAlive(t *testing.T) *alive {
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	a := &alive{t: t, w: pw, lines: make(chan string, 100), eof: make(chan struct{})}
	go func() {
		defer close(a.eof)
		defer pr.Close()
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			a.lines <- sc.Text()
		}
	}()
	return a
}

// expect waits for the jobs to write the lines want to file descriptor 3, in any order.
func (a *alive) expect(want ...string) {
	a.t.Helper()
	left := map[string]int{}
	for _, w := range want {
		left[w]++
	}
	for len(left) > 0 {
		select {
		case l := <-a.lines:
			if left[l]--; left[l] == 0 {
				delete(left, l)
			}
		case <-time.After(time.Minute):
			a.t.Fatalf("jobs did not write %q", want)
		}
	}
}

// next returns the next line the jobs write to file descriptor 3.
func (a *alive) next() string {
	a.t.Helper()
	select {
	case l := <-a.lines:
		return l
	case <-time.After(time.Minute):
		a.t.Fatalf("jobs wrote nothing")
		return ""
	}
}

// waitGone waits until no process holds the pipe any more.
func (a *alive) waitGone() {
	a.t.Helper()
	select {
	case <-a.eof:
	case <-time.After(30 * time.Second):
		a.t.Fatalf("processes started by parx outlived it")
	}
}

// lines collects what is written to w, and lets a test wait for a line.
type lines struct {
	t    *testing.T
	w    *io.PipeWriter
	buf  chan string   // the lines, while there is room
	done chan struct{} // closed when w is closed and everything is read
	text *string       // everything, once done is closed
}

func newLines(t *testing.T) lines {
	pr, pw := io.Pipe()
	l := lines{t: t, w: pw, buf: make(chan string, 10000), done: make(chan struct{}), text: new(string)}
	go func() {
		defer close(l.done)
		var all strings.Builder
		br := bufio.NewReader(pr)
		for {
			s, err := br.ReadString('\n')
			all.WriteString(s)
			if s != "" {
				select {
				case l.buf <- s:
				default:
				}
			}
			if err != nil {
				break
			}
		}
		*l.text = all.String()
	}()
	return l
}

// waitFor waits for a line that contains s.
func (l lines) waitFor(s string) {
	l.t.Helper()
	for {
		select {
		case line := <-l.buf:
			if strings.Contains(line, s) {
				return
			}
		case <-time.After(time.Minute):
			l.t.Fatalf("no line with %q", s)
		}
	}
}

// all returns everything written, once the writer is closed.
func (l lines) all() string {
	<-l.done
	return *l.text
}

// marker returns a duration for sleep that no other process has in its command line,
// and that is long enough to outlast the test: a process that sleeps it can be found
// in /proc.
func marker() string {
	var b [4]byte
	rand.Read(b[:])
	return fmt.Sprintf("97.%d", uint32(b[0])<<24|uint32(b[1])<<16|uint32(b[2])<<8|uint32(b[3]))
}

// sleepers returns the pids of the processes that run sleep m.
func sleepers(t *testing.T, m string) []int {
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	var found []int
	for _, d := range dirs {
		cmdline, err := os.ReadFile(d + "/cmdline")
		if err == nil && bytes.HasSuffix(cmdline, []byte("sleep\x00"+m+"\x00")) {
			pid, _ := strconv.Atoi(filepath.Base(d))
			found = append(found, pid)
		}
	}
	return found
}

// checkNoOrphans fails if a process with the marker m is still there.
func checkNoOrphans(t *testing.T, m string) {
	t.Helper()
	if ps := sleepers(t, m); len(ps) > 0 {
		t.Errorf("orphans survived parx: pids %v", ps)
	}
}

// fifo makes a FIFO in dir.
func fifo(t *testing.T, dir, name string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// release lets the job blocked reading the FIFO path go on.
func release(t *testing.T, path string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("go\n")
	f.Close()
}

// joblog reads a job log: its lines, split into fields, header excluded.
func readJoblog(t *testing.T, path string) [][]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if lines[0] != strings.TrimSuffix(joblogHeader, "\n") {
		t.Errorf("job log header %q", lines[0])
	}
	var rows [][]string
	for _, l := range lines[1:] {
		rows = append(rows, strings.Split(l, "\t"))
	}
	return rows
}

// joblogBySeq returns the exit value and signal of each job of the log, by job number.
func joblogBySeq(t *testing.T, path string) map[string]string {
	m := map[string]string{}
	for _, row := range readJoblog(t, path) {
		m[row[0]] = row[6] + "/" + row[7]
	}
	return m
}

func TestOrder(t *testing.T) {
	t.Parallel()
	for _, keep := range []bool{false, true} {
		dir := t.TempDir()
		for i := 1; i <= 4; i++ {
			fifo(t, dir, fmt.Sprint(i))
		}
		args := []string{"-j", "4", "read x < {}; echo out {}; echo done {} >&3", ":::", "1", "2", "3", "4"}
		if keep {
			args = append([]string{"-k"}, args...)
		}
		r := start(t, dir, "", args...)
		// The jobs finish in the order 4, 3, 2, 1, each after the one before it has
		// printed (without -k) or exited (with -k, which prints nothing before job 1).
		for i := 4; i >= 1; i-- {
			release(t, filepath.Join(dir, fmt.Sprint(i)))
			r.alive.expect(fmt.Sprintf("done %d", i))
			if !keep {
				r.stdout.waitFor(fmt.Sprintf("out %d", i))
			}
		}
		if code := r.wait(); code != 0 {
			t.Errorf("keep=%v: exit status %d", keep, code)
		}
		want := "out 4\nout 3\nout 2\nout 1\n"
		if keep {
			want = "out 1\nout 2\nout 3\nout 4\n"
		}
		if got := r.stdout.all(); got != want {
			t.Errorf("keep=%v: output %q; want %q", keep, got, want)
		}
	}
}

// raceEnabled is set when the tests run with the race detector: the binary under test
// is built with it too.
var raceEnabled bool

// TestGrouping checks that the outputs of jobs that print at the same time are never
// mixed: each job's lines come as one block, on standard output and on standard error.
func TestGrouping(t *testing.T) {
	t.Parallel()
	const lines = 200
	script := fmt.Sprintf(`i=0; while [ $i -lt %d ]; do echo {}:$i; echo {}:$i >&2; i=$((i+1)); [ $((i %% 25)) -eq 0 ] && sleep 0.01; done; true`, lines)
	stdout, stderr, code := runParx(t, t.TempDir(), "", "-j", "4", script, ":::", "a", "b", "c", "d", "e", "f")
	if code != 0 {
		t.Fatalf("exit status %d; stderr:\n%s", code, stderr)
	}
	for name, out := range map[string]string{"stdout": stdout, "stderr": stderr} {
		ls := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		if len(ls) != 6*lines {
			t.Fatalf("%s: %d lines; want %d", name, len(ls), 6*lines)
		}
		seen := map[string]bool{}
		for i := 0; i < len(ls); i += lines {
			job := strings.Split(ls[i], ":")[0]
			if seen[job] {
				t.Fatalf("%s: job %s printed twice", name, job)
			}
			seen[job] = true
			for k := 0; k < lines; k++ {
				if want := fmt.Sprintf("%s:%d", job, k); ls[i+k] != want {
					t.Fatalf("%s: line %d is %q; want %q (outputs mixed)", name, i+k, ls[i+k], want)
				}
			}
		}
	}
}

// TestEscapedWriter: a process that leaves its job's process group (setsid) and
// writes to its inherited standard output after the job has ended must not have that
// output printed as the next job's. Job a waits until the escaped writer has left its
// group (parx kills what is left in the group when a job ends); the writer waits until
// job b runs, writes, and tells job b so before job b prints (FIFOs, each time).
func TestEscapedWriter(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("setsid"); err != nil {
		t.Skip("no setsid command")
	}
	for _, k := range [][]string{nil, {"-k"}} {
		dir := t.TempDir()
		up, next, wrote := fifo(t, dir, "up"), fifo(t, dir, "next"), fifo(t, dir, "wrote")
		script := fmt.Sprintf(`if [ {} = a ]; then setsid sh -c 'echo up > %[1]s; read x < %[2]s; echo LATE; echo done > %[3]s' & read z < %[1]s; else echo go > %[2]s; read y < %[3]s; echo job-{}; fi`, up, next, wrote)
		args := append(append([]string{"-j", "1"}, k...), script, ":::", "a", "b")
		stdout, stderr, code := runParx(t, dir, "", args...)
		if code != 0 || stdout != "job-b\n" {
			t.Errorf("parx %v: exit status %d, output %q; want 0 and %q (the escaped writer's line is not job b's); stderr %q", k, code, stdout, "job-b\n", stderr)
		}
	}
}

// hostile are file names that a careless quoting would break.
var hostile = []string{
	"with space", "it's", `dq"uote`, "new\nline", "$HOME", "`echo pwned`", "$(echo pwned)",
	"-n", "--help", "*", `back\slash`, "tab\there", "ünïcödé", "semi;colon", "amp&", "pipe|",
	"lt<gt>", "paren(s)", "{}", "{.}", "~tilde", "#hash", "!bang", " lead", "trail ", "'",
	`a'b"c$d` + "`e\\f", "x.tar.gz", "dir.d", "=eq", "a=b",
}

// TestHostileNames runs commands on files with hostile names, directly, through the
// shell, and with -q, and checks that each job gets its own file, and the right values
// for the replacement strings.
func TestHostileNames(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var list strings.Builder
	var wantCat, wantRepl strings.Builder
	for i, name := range hostile {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(fmt.Sprintf("file %d\n", i)), 0o644); err != nil {
			t.Fatal(err)
		}
		list.WriteString(name + "\x00")
		fmt.Fprintf(&wantCat, "file %d\n", i)
		for _, v := range []string{name, modNoExt.apply(name), modBase.apply(name), modDir.apply(name), modBaseNoExt.apply(name), fmt.Sprint(i + 1)} {
			wantRepl.WriteString(v + "\x00")
		}
	}
	os.WriteFile(filepath.Join(dir, ".list"), []byte(list.String()), 0o644)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"direct", []string{"cat", "--", "{}"}, wantCat.String()},
		{"appended", []string{"cat", "--"}, wantCat.String()},
		{"shell", []string{"cat -- {} | cat"}, wantCat.String()},
		{"forced shell", []string{"--shell", "cat", "--", "{}"}, wantCat.String()},
		{"quote", []string{"-q", "cat", "--", "{}"}, wantCat.String()},
		{"replacement strings", []string{`printf '%s\0' {} {.} {/} {//} {/.} {#}`}, wantRepl.String()},
		{"replacement strings -q", []string{"-q", "printf", `%s\0`, "{}", "{.}", "{/}", "{//}", "{/.}", "{#}"}, wantRepl.String()},
	}
	for _, tt := range tests {
		args := append([]string{"-k", "-0", "-a", ".list"}, tt.args...)
		stdout, stderr, code := runParx(t, dir, "", args...)
		if code != 0 || stdout != tt.want {
			t.Errorf("%s: exit status %d, output\n%q\nwant\n%q\nstderr: %s", tt.name, code, stdout, tt.want, stderr)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "pwned")); err == nil {
		t.Errorf("a file name was run as a command")
	}
}

// TestTimeout checks that a timeout kills the job's whole process group: the job's
// shell and the grandchild that it started in the background, also when they ignore
// SIGTERM.
func TestTimeout(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	m := marker()
	log := filepath.Join(dir, "log")
	start := time.Now()
	_, stderr, code := runParx(t, dir, "", "--timeout", "0.2", "--joblog", log, "-k",
		"if [ {} = stubborn ]; then trap '' TERM; fi; sleep "+m+" & echo started >&3; wait; echo not killed",
		":::", "polite", "stubborn")
	if code != 2 {
		t.Errorf("exit status %d; want 2 (two jobs failed); stderr:\n%s", code, stderr)
	}
	checkNoOrphans(t, m)
	if got, want := joblogBySeq(t, log), map[string]string{"1": "-1/15", "2": "-1/9"}; !maps(got, want) {
		t.Errorf("job log exit/signal %v; want %v", got, want)
	}
	t.Logf("done in %v", time.Since(start))
}

// TestStragglers checks that what a job leaves running when its command exits is
// killed.
func TestStragglers(t *testing.T) {
	t.Parallel()
	m := marker()
	stdout, _, code := runParx(t, t.TempDir(), "", "sleep "+m+" & echo {}", ":::", "x")
	if code != 0 || stdout != "x\n" {
		t.Errorf("exit status %d, output %q", code, stdout)
	}
	checkNoOrphans(t, m)
}

func TestRetries(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// Each job succeeds at its third try.
	script := `n=$(cat {}.count 2>/dev/null || echo 0); n=$((n+1)); echo $n > {}.count; echo {} try $n; echo err {} $n >&2; [ $n -ge 3 ]`
	for _, tt := range []struct {
		tries, code int
		out         string
	}{
		{3, 0, "a try 3\nb try 3\n"},
		{2, 2, "a try 2\nb try 2\n"},
	} {
		for _, f := range []string{"a.count", "b.count"} {
			os.Remove(filepath.Join(dir, f))
		}
		log := filepath.Join(dir, "log")
		stdout, stderr, code := runParx(t, dir, "", "-k", "--retries", fmt.Sprint(tt.tries), "--joblog", log, script, ":::", "a", "b")
		if code != tt.code || stdout != tt.out || strings.Count(stderr, "err") != 2 {
			t.Errorf("--retries %d: exit status %d, output %q, stderr %q; want %d and %q, only the last try's", tt.tries, code, stdout, stderr, tt.code, tt.out)
		}
		if rows := readJoblog(t, log); len(rows) != 2 {
			t.Errorf("--retries %d: %d job log lines; want one per job", tt.tries, len(rows))
		}
	}
}

// TestHaltNow checks that --halt now,fail=1 kills the running jobs at the first
// failure, and starts no more, with -k and without.
func TestHaltNow(t *testing.T) {
	t.Parallel()
	for _, keep := range []string{"-k", "--shell"} { // --shell: anything but -k
		dir := t.TempDir()
		m := marker()
		fail := fifo(t, dir, "fail")
		log := filepath.Join(dir, "log")
		r := start(t, dir, "", keep, "-j", "3", "--halt", "now,fail=1", "--joblog", log,
			"if [ {} = fail ]; then read x < fail; exit 3; fi; sleep "+m+" & echo running {} >&3; wait",
			":::", "a", "b", "fail", "c", "d")
		r.alive.expect("running a", "running b")
		release(t, fail)
		if code := r.wait(); code != 3 {
			t.Errorf("%s: exit status %d; want 3, the failed job's", keep, code)
		}
		checkNoOrphans(t, m)
		if got, want := joblogBySeq(t, log), map[string]string{"1": "-1/15", "2": "-1/15", "3": "3/0"}; !maps(got, want) {
			t.Errorf("%s: job log exit/signal %v; want %v", keep, got, want)
		}
		if s := r.stderr.all(); !strings.Contains(s, "--halt now,fail=1: job 3 failed") {
			t.Errorf("%s: stderr %q", keep, s)
		}
	}
}

// TestHaltSoon checks that --halt soon,fail=1 starts no more jobs at the first
// failure, and lets the running ones finish.
func TestHaltSoon(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, f := range []string{"a", "b", "fail"} {
		fifo(t, dir, f)
	}
	log := filepath.Join(dir, "log")
	r := start(t, dir, "", "-j", "3", "--halt", "soon,fail=1", "--joblog", log,
		"echo running {} >&3; read x < {}; if [ {} = fail ]; then exit 4; fi; echo finished {}",
		":::", "a", "b", "fail", "c", "d")
	r.alive.expect("running a", "running b", "running fail")
	release(t, filepath.Join(dir, "fail"))
	r.stderr.waitFor("--halt soon,fail=1: job 3 failed")
	release(t, filepath.Join(dir, "a"))
	release(t, filepath.Join(dir, "b"))
	if code := r.wait(); code != 4 {
		t.Errorf("exit status %d; want 4, the failed job's", code)
	}
	if got, want := joblogBySeq(t, log), map[string]string{"1": "0/0", "2": "0/0", "3": "4/0"}; !maps(got, want) {
		t.Errorf("job log exit/signal %v; want %v", got, want)
	}
	if out := r.stdout.all(); !strings.Contains(out, "finished a") || !strings.Contains(out, "finished b") {
		t.Errorf("output %q", out)
	}
}

// TestSignals checks that the first SIGINT, SIGTERM or SIGHUP (the terminal closed)
// stops starting jobs and lets the running ones go on, and that the second kills them.
func TestSignals(t *testing.T) {
	t.Parallel()
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP} {
		t.Run(signalName(sig), func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			m := marker()
			log := filepath.Join(dir, "log")
			r := start(t, dir, "", "-j", "2", "--joblog", log, "sleep "+m+" & echo running {} >&3; wait", ":::", "1", "2", "3", "4")
			r.alive.expect("running 1", "running 2")
			r.cmd.Process.Signal(sig)
			r.stderr.waitFor(signalName(sig) + ": starting no more jobs, waiting for 2 running jobs")
			r.cmd.Process.Signal(sig)
			if code := r.wait(); code != 255 {
				t.Errorf("exit status %d; want 255", code)
			}
			checkNoOrphans(t, m)
			if got, want := joblogBySeq(t, log), map[string]string{"1": "-1/15", "2": "-1/15"}; !maps(got, want) {
				t.Errorf("job log exit/signal %v; want %v", got, want)
			}
		})
	}
}

// TestSignalIgnoredAtStart checks that a signal ignored when parx starts (nohup) stays
// ignored: SIGHUP then neither stops parx nor kills its jobs.
func TestSignalIgnoredAtStart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	hold := fifo(t, dir, "hold")
	cmd := exec.Command("/bin/sh", "-c", `trap "" HUP; exec "$0" "$@"`, parxBin,
		"echo running >&3; read x < "+hold+"; echo finished {}", ":::", "a")
	cmd.Dir = dir
	var out strings.Builder
	cmd.Stdout = &out
	launch(t, cmd).expect("running")
	cmd.Process.Signal(syscall.SIGHUP)
	cmd.Process.Signal(syscall.SIGHUP)
	release(t, hold)
	if err := cmd.Wait(); err != nil || out.String() != "finished a\n" {
		t.Errorf("parx under an ignored SIGHUP: %v, output %q; want success and %q", err, out.String(), "finished a\n")
	}
}

// TestSignalWhileReadingInputs: parx reads some sources whole before the first job
// (every source but the first; the first too with --halt N% or --bar), and a signal
// meanwhile stops it at once, with no job run. The test opens the source, a FIFO, for
// writing: the open returns once parx has opened it (after it set up its signals), and
// parx then waits in its read for as long as the test holds the FIFO open.
func TestSignalWhileReadingInputs(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"echo", "ran", "{1}", "{2}", ":::", "x", "::::", "FIFO"},
		{"--halt", "10%", "-a", "FIFO", "echo", "ran", "{}"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			in := fifo(t, dir, "in")
			args = slices.Clone(args)
			args[slices.Index(args, "FIFO")] = in
			cmd := exec.Command(parxBin, args...)
			cmd.Dir = dir
			var stdout, stderr strings.Builder
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			w, err := os.OpenFile(in, os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			w.WriteString("a\n") // and the input goes on: w stays open
			cmd.Process.Signal(syscall.SIGINT)
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case <-done:
			case <-time.After(time.Minute):
				w.Close()
				<-done
				t.Fatalf("parx went on reading its inputs after SIGINT; stderr %q", stderr.String())
			}
			if code := cmd.ProcessState.ExitCode(); code != 255 || stdout.String() != "" || !strings.Contains(stderr.String(), "SIGINT while reading the inputs") {
				t.Errorf("exit status %d, output %q, stderr %q; want 255, no job run, and a message", code, stdout.String(), stderr.String())
			}
		})
	}
}

// TestSuspend: SIGTSTP (Ctrl-Z) suspends parx and its running jobs, which run in
// process groups of their own, and SIGCONT (fg) resumes them all. The job reports its
// pid, then waits on a FIFO; once parx has stopped (waitpid WUNTRACED), the job must be
// stopped too; after SIGCONT it reads the FIFO and finishes.
func TestSuspend(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	hold := fifo(t, dir, "hold")
	r := start(t, dir, "", "echo $$ >&3; read x < "+hold+"; echo finished {}", ":::", "a")
	pid := r.alive.next()
	r.cmd.Process.Signal(syscall.SIGTSTP)
	var ws syscall.WaitStatus
	if _, err := syscall.Wait4(r.cmd.Process.Pid, &ws, syscall.WUNTRACED, nil); err != nil || !ws.Stopped() {
		t.Fatalf("waiting for parx to stop: %v, status %v", err, ws)
	}
	if st := procState(t, pid); st != 'T' {
		t.Errorf("parx is stopped (by %v), its job (pid %s) is in state %c; want T (stopped)", ws.StopSignal(), pid, st)
	}
	r.cmd.Process.Signal(syscall.SIGCONT)
	release(t, hold)
	if code := r.wait(); code != 0 || r.stdout.all() != "finished a\n" {
		t.Errorf("after SIGCONT: exit status %d, output %q; want 0 and %q", code, r.stdout.all(), "finished a\n")
	}
}

// procState returns the state letter of process pid (Linux's /proc), waiting up to a
// minute for a stop signal sent to it to take effect.
func procState(t *testing.T, pid string) byte {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		b, err := os.ReadFile("/proc/" + pid + "/stat")
		if err != nil {
			t.Skipf("no /proc: %v", err)
		}
		// pid (comm) state ...: comm may hold spaces and parentheses; the state follows the last ")".
		st := b[bytes.LastIndexByte(b, ')')+2]
		if st == 'T' || time.Now().After(deadline) {
			return st
		}
		runtime.Gosched()
	}
}

// TestSignalsWhileStdoutBlocked checks that the second signal kills the running jobs
// even while parx is stuck writing a job's output to a reader that stopped reading
// (its messages wait for that writer; the signals must not).
func TestSignalsWhileStdoutBlocked(t *testing.T) {
	t.Parallel()
	m := marker()
	out, outW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	cmd := exec.Command(parxBin, "-j", "2",
		"if [ {} = big ]; then head -c 1000000 /dev/zero; else sleep "+m+" & echo running >&3; wait; fi",
		":::", "big", "sleeper")
	cmd.Dir = t.TempDir()
	cmd.Stdout = outW
	errs := newLines(t)
	cmd.Stderr = errs.w
	alive := launch(t, cmd)
	outW.Close()
	alive.expect("running")
	for until := time.Now().Add(time.Minute); len(sleepers(t, m)) == 0; { // sleep may not have exec'd yet
		if time.Now().After(until) {
			t.Fatal("the job's sleep never started")
		}
		time.Sleep(time.Millisecond) // polling the process table, not synchronising
	}
	// Once a byte of the big job's output arrives, parx is writing its megabyte to a
	// pipe that holds 64 KiB, under the printer's lock, and nothing reads it.
	if _, err := io.ReadFull(out, make([]byte, 1)); err != nil {
		t.Fatal(err)
	}
	// Signals sent back to back may merge into one: send SIGTERM until the job is
	// gone. The first stops parx; any later one, once parx has read the first, kills.
	deadline := time.Now().Add(10 * time.Second)
	for len(sleepers(t, m)) > 0 && time.Now().Before(deadline) {
		cmd.Process.Signal(syscall.SIGTERM)
		time.Sleep(10 * time.Millisecond) // polling the process table, not synchronising
	}
	killed := len(sleepers(t, m)) == 0
	io.Copy(io.Discard, out) // let parx finish
	cmd.Wait()
	errs.w.Close()
	if !killed {
		t.Errorf("the running job survived SIGTERMs for 10 s while standard output was blocked")
	}
	if code := cmd.ProcessState.ExitCode(); code != 255 {
		t.Errorf("exit status %d; want 255", code)
	}
	checkNoOrphans(t, m)
}

// TestSignalWaits checks that after one SIGTERM the running jobs finish normally.
func TestSignalWaits(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, f := range []string{"1", "2"} {
		fifo(t, dir, f)
	}
	r := start(t, dir, "", "-j", "2", "-k", "echo running {} >&3; read x < {}; echo finished {}", ":::", "1", "2", "3")
	r.alive.expect("running 1", "running 2")
	r.cmd.Process.Signal(syscall.SIGTERM)
	r.stderr.waitFor("SIGTERM: starting no more jobs")
	release(t, filepath.Join(dir, "1"))
	release(t, filepath.Join(dir, "2"))
	if code := r.wait(); code != 255 {
		t.Errorf("exit status %d; want 255", code)
	}
	if out := r.stdout.all(); out != "finished 1\nfinished 2\n" {
		t.Errorf("output %q", out)
	}
}

// TestManyJobs runs many trivial jobs: 3,000, or $PARX_TEST_JOBS (the issue asks for
// 100,000, which takes a minute or two on a small machine).
func TestManyJobs(t *testing.T) {
	t.Parallel()
	n := 3000
	if s := os.Getenv("PARX_TEST_JOBS"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	var in strings.Builder
	for i := range n {
		fmt.Fprintln(&in, i)
	}
	dir := t.TempDir()
	log := filepath.Join(dir, "log")
	began := time.Now()
	r := start(t, dir, in.String(), "-j", "8", "--joblog", log, "true")
	r.limit = time.Minute + time.Duration(n)*10*time.Millisecond
	code := r.wait()
	stderr := r.stderr.all()
	elapsed := time.Since(began)
	if code != 0 {
		t.Fatalf("exit status %d; stderr:\n%s", code, stderr)
	}
	if rows := readJoblog(t, log); len(rows) != n {
		t.Errorf("%d jobs logged; want %d", len(rows), n)
	}
	t.Logf("%d jobs in %v: %.0f jobs/s", n, elapsed, float64(n)/elapsed.Seconds())
}

// TestBinaryOutput checks that outputs, small or large, go through unchanged.
func TestBinaryOutput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var want []byte
	for _, f := range []struct {
		name string
		size int
	}{{"small", 1000}, {"big", 1 << 20}, {"edge", inMemory + 1}} {
		data := make([]byte, f.size)
		rand.Read(data)
		os.WriteFile(filepath.Join(dir, f.name), data, 0o644)
		want = append(want, data...)
	}
	stdout, _, code := runParx(t, dir, "", "-k", "-j", "3", "cat", ":::", "small", "big", "edge")
	if code != 0 || stdout != string(want) {
		t.Errorf("exit status %d, %d bytes of output, equal: %v; want %d bytes", code, len(stdout), stdout == string(want), len(want))
	}
}

func TestExitStatus(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	many := []string{"-j", "8", "false", ":::"}
	for i := range 150 {
		many = append(many, fmt.Sprint(i))
	}
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"success", []string{"true", ":::", "a", "b"}, 0, ""},
		{"failures counted", []string{"exit {}", ":::", "0", "1", "2", "3", "0"}, 3, ""},
		{"more than 100", many, 101, ""},
		{"unknown option", []string{"--nope", "echo", ":::", "a"}, 255, "unknown option --nope"},
		{"empty command", []string{":::", "a"}, 255, "no command given"},
		{"blank command", []string{" ", ":::", "a"}, 255, "no command given"},
		{"unreadable argument file", []string{"-a", "missing", "echo"}, 255, "cannot open argument file"},
		{"argument file is a directory", []string{"-a", ".", "echo"}, 255, "it is a directory"},
		{"missing input source", []string{"echo {2}", ":::", "a"}, 255, "there is only 1 input source"},
		{"bad halt", []string{"--halt", "sometime", "echo"}, 255, "invalid --halt"},
		{"missing command", []string{"parx-no-such-command", ":::", "a", "b"}, 2, "parx: parx-no-such-command: command not found"},
		{"missing command in shell", []string{"--shell", "parx-no-such-command", ":::", "a"}, 1, "not found"},
	}
	for _, tt := range tests {
		_, stderr, code := runParx(t, dir, "", tt.args...)
		if code != tt.code || !strings.Contains(stderr, tt.stderr) {
			t.Errorf("%s: exit status %d, stderr %q; want %d and %q", tt.name, code, stderr, tt.code, tt.stderr)
		}
	}

	// A command that does not exist fails with 127, and the other jobs go on.
	log := filepath.Join(dir, "log")
	stdout, stderr, code := runParx(t, dir, "", "-k", "--joblog", log, "{}", ":::", "pwd", "parx-no-such-command", "pwd")
	if code != 1 || stdout != dir+"\n"+dir+"\n" || !strings.Contains(stderr, "command not found") {
		t.Errorf("exit status %d, output %q, stderr %q", code, stdout, stderr)
	}
	if got, want := joblogBySeq(t, log), map[string]string{"1": "0/0", "2": "127/0", "3": "0/0"}; !maps(got, want) {
		t.Errorf("job log exit/signal %v; want %v", got, want)
	}
}

func TestJoblog(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	log := filepath.Join(dir, "log")
	before := time.Now()
	_, _, code := runParx(t, dir, "", "-k", "--joblog", log, "printf %s {}; exit {}", ":::", "0", "1", "22")
	if code != 2 {
		t.Errorf("exit status %d", code)
	}
	rows := readJoblog(t, log)
	if len(rows) != 3 {
		t.Fatalf("%d rows", len(rows))
	}
	number := regexp.MustCompile(`^\d+\.\d{3}$`)
	for i, row := range rows {
		if len(row) != 9 {
			t.Fatalf("row %q has %d fields", row, len(row))
		}
		arg := []string{"0", "1", "22"}[i]
		want := []string{fmt.Sprint(i + 1), ":", row[2], row[3], "0", fmt.Sprint(len(arg)), arg, "0", "printf %s " + arg + "; exit " + arg}
		if strings.Join(row, "|") != strings.Join(want, "|") {
			t.Errorf("row %q; want %q", row, want)
		}
		if !number.MatchString(row[2]) || !number.MatchString(strings.TrimLeft(row[3], " ")) || len(row[3]) < 10 {
			t.Errorf("times %q %q", row[2], row[3])
		}
		if started, _ := strconv.ParseFloat(row[2], 64); started < float64(before.Unix()) || started > float64(time.Now().Unix()+1) {
			t.Errorf("start time %s", row[2])
		}
	}
}

func TestDryRun(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	stdout, _, code := runParx(t, dir, "", "--dry-run", "touch", "{}", "{#}", ":::", "a b", "c", "it's")
	want := "touch 'a b' 1\ntouch c 2\ntouch 'it'\\''s' 3\n"
	if code != 0 || stdout != want {
		t.Errorf("exit status %d, output %q; want %q", code, stdout, want)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("--dry-run ran the commands")
	}
}

func TestInputs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "lines"), []byte("l1\nl 2\n\nl4"), 0o644)
	os.WriteFile(filepath.Join(dir, "nul"), []byte("n\n1\x00n2\x00"), 0o644)
	tests := []struct {
		name  string
		stdin string
		args  []string
		want  string
	}{
		{"stdin", "a\nb c\n", []string{"echo", "[{}]"}, "[a]\n[b c]\n"},
		{"stdin, no newline at the end", "a\nb", []string{"echo"}, "a\nb\n"},
		{"stdin as -a -", "a\n", []string{"-a", "-", "echo", "{}", ":::", "1", "2"}, "a 1\na 2\n"},
		{"-a", "", []string{"-a", "lines", "echo", "[{}]"}, "[l1]\n[l 2]\n[]\n[l4]\n"},
		{"-a twice", "", []string{"-a", "lines", "-a", "lines", "echo", "{1}{2}"}, ""},
		{"::::", "", []string{"echo", "{2}-{1}", "::::", "lines", ":::", "x"}, "x-l1\nx-l 2\nx-\nx-l4\n"},
		{"--null", "", []string{"--null", "-a", "nul", "printf", "[%s]"}, "[n\n1][n2]"},
		{"--null stdin", "a b\x00c\nd\x00", []string{"-0", "-q", "printf", "[%s]", "{}"}, "[a b][c\nd]"},
		{"cartesian product", "", []string{"echo", ":::", "a", "b", ":::", "1", "2"}, "a 1\na 2\nb 1\nb 2\n"},
		{"positional", "", []string{"echo", "{2}{1}", ":::", "a", "b", ":::", "1", "2"}, "1a\n2a\n1b\n2b\n"},
		{"empty input", "", []string{"echo", "x"}, ""},
	}
	for _, tt := range tests {
		stdout, stderr, code := runParx(t, dir, tt.stdin, append([]string{"-k"}, tt.args...)...)
		if tt.name == "-a twice" {
			if n := strings.Count(stdout, "\n"); n != 16 {
				t.Errorf("%s: %d jobs; want 16", tt.name, n)
			}
			continue
		}
		if code != 0 || stdout != tt.want {
			t.Errorf("%s: exit status %d, output %q; want %q; stderr: %s", tt.name, code, stdout, tt.want, stderr)
		}
	}
}

// TestStdoutClosed checks that parx stops, and kills its jobs, when nobody reads its
// output any more (parx ... | head -1).
func TestStdoutClosed(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	m := marker()
	fifo(t, dir, "1")
	// Each job prints more than a pipe holds. Job 1 then waits for the test, and job 2
	// sleeps until parx kills it.
	cmd := exec.Command(parxBin, "-j", "2",
		"head -c 100000 /dev/zero; if [ {} = 1 ]; then echo started >&3; read x < 1; else sleep "+m+" & echo started >&3; wait; fi",
		":::", "1", "2", "3")
	cmd.Dir = dir
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = pw
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	a := newAlive(t)
	cmd.ExtraFiles = []*os.File{a.w}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	a.w.Close()
	a.expect("started", "started")
	// Nobody reads any more. When job 1 ends, parx cannot write its output, and must
	// kill job 2.
	pr.Close()
	release(t, filepath.Join(dir, "1"))
	err = cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 255 {
		t.Errorf("exit status %d (%v); want 255; stderr: %s", code, err, stderr.String())
	}
	a.waitGone()
	checkNoOrphans(t, m)
	if strings.Contains(stderr.String(), "writing") {
		t.Errorf("a broken pipe is reported: %s", stderr.String())
	}
}

// maps reports whether two maps are equal.
func maps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestKeepOrderWindowLimit checks the window of -k against the open-file limit: the
// jobs that finish while an older one runs keep outputs above 64 KiB in two open files
// each until they are printed, so the window must leave room for them.
func TestKeepOrderWindowLimit(t *testing.T) {
	for _, c := range []struct{ jobs, limit, want int }{
		{8, 0, 64},         // no limit known: four per slot, at least 64
		{100, 0, 400},      //
		{40, 1 << 20, 160}, // a high limit changes nothing
		{40, 256, 56},      // (256 - 64 - 2*40) / 2
		{256, 1024, 256},   // (1024 - 64 - 512) / 2 = 224, but never below -j
	} {
		if got := keepOrderWindow(c.jobs, c.limit); got != c.want {
			t.Errorf("keepOrderWindow(%d, %d) = %d; want %d", c.jobs, c.limit, got, c.want)
		}
	}
	if openFileLimit() < 0 {
		t.Errorf("openFileLimit() = %d", openFileLimit())
	}
}

// TestJobsBeyondFiles: a -j larger than the open-file limit allows is lowered, with a
// warning, rather than failing jobs for want of descriptors (as GNU parallel does);
// an absurd -j is refused with the usual message.
func TestJobsBeyondFiles(t *testing.T) {
	t.Parallel()
	args := []string{"-c", `ulimit -n 256 && exec "$0" "$@"`, parxBin, "-j", "300", "sleep 0.1; echo {}", ":::"}
	for i := 1; i <= 300; i++ {
		args = append(args, strconv.Itoa(i))
	}
	cmd := exec.Command("/bin/sh", args...)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if lines := strings.Count(stdout.String(), "\n"); err != nil || lines != 300 {
		t.Errorf("parx -j 300 under ulimit -n 256: %v, %d lines; want success and 300; stderr %.300q", err, lines, stderr.String())
	}
	if want := "only enough open files for 48 jobs at once"; !strings.Contains(stderr.String(), want) {
		t.Errorf("stderr %q; want the warning %q", stderr.String(), want)
	}
	_, serr, code := runParx(t, t.TempDir(), "", "-j", "9999999999999", "echo", ":::", "a")
	if code != 255 || !strings.Contains(serr, `invalid --jobs "9999999999999"`) {
		t.Errorf("parx -j 9999999999999: exit status %d, stderr %.300q; want 255 and an invalid --jobs message", code, serr)
	}
}
