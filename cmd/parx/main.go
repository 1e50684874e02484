package main

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// usage is the text of parx --help, and the package documentation (doc.go).
const usage = `Usage: parx [options] command [arguments] [::: values]... [:::: files]...

parx runs a command once for each input, several at a time, like GNU parallel and
xargs -P. The inputs are the values after :::, the lines of the files after :::: or
given with -a, or else the lines of standard input. With several input sources, the
jobs are every combination of their values, the last source varying fastest.

Replacement strings in the command stand for the job's input:
  {}       the input (with several sources: all of them)
  {.}      the input without its extension        (dir/a.tar.gz -> dir/a.tar)
  {/}      its base name                          (dir/a.tar.gz -> a.tar.gz)
  {//}     its directory                          (dir/a.tar.gz -> dir)
  {/.}     its base name without its extension    (dir/a.tar.gz -> a.tar)
  {N} {N.} {N/} {N//} {N/.}   the same for the Nth input source
  {#}      the job number: 1, 2, ...
  {%}      the job slot: 1 to the number of jobs at once
With none of the input ones in the command, the inputs are appended to it. Jobs also
get the job number and slot in $PARALLEL_SEQ and $PARALLEL_JOBSLOT.

The words of the command are joined with spaces into a command line, as GNU parallel
does. When that line has no shell syntax (quotes, $, backquotes, \, |, &, ;, <, >,
parentheses, *, ?, [, ~, #, or a leading VAR=value or shell keyword or built-in such
as cd), it runs directly, each substituted value staying within its word, like xargs
does: no shell starts, and names with spaces, quotes or newlines are safe. Otherwise it
runs with /bin/sh -c, each substituted value single-quoted (' written as '\''), so
these names are just as safe; do not quote replacement strings yourself. (What the
commands do with a value is theirs: dash's echo turns \n in it into a newline, so
print values with printf '%s\n' {}.)

Options:
  -j, --jobs N        run N jobs at once (default: the number of CPUs); N% is a
                      percentage of the CPUs, +N and -N add to or take from them,
                      and 0 means 256; fewer, with a warning, if the open-file
                      limit is too low for N (each running job needs about 4)
  -k, --keep-order    print the outputs in input order (default: as jobs finish)
  -a, --arg-file FILE read inputs from FILE (- for standard input); repeatable
  -0, --null          inputs are separated by NUL bytes, not newlines
  -q, --quote         run the command's words as given, never through a shell:
                      each word is one argument
      --shell         always run the command line with /bin/sh -c
      --timeout D     kill a job that runs longer than D: seconds (2.5), or with a
                      unit (500ms, 1m30s, 2h, 1d)
      --retries N     run a failing job up to N times in all (as GNU parallel's)
      --halt SPEC     stop early: WHEN,WHY=N or WHEN,WHY=N%, where WHEN is soon
                      (start no more jobs, let running ones finish) or now (also
                      kill running jobs), and WHY is fail, success or done: the
                      number (or share) of jobs that failed, succeeded or finished.
                      For example now,fail=1 or soon,fail=10%
      --joblog FILE   log each job to FILE in GNU parallel's format; +FILE appends
      --dry-run       print the commands instead of running them
      --bar           show a progress bar on standard error, if it is a terminal
  -h, --help          print this help and exit
      --version       print the version and exit

Output: the standard output and the standard error of each job are captured, in
temporary files, and printed unchanged as one block each, never mixed with another
job's: as the jobs end, or in input order with -k. When inputs come slowly (tail -f),
the output of a finished job may wait for more inputs, up to twice -j, or their end.

Jobs: each job runs in its own process group, with /dev/null as standard input. A
timeout, --halt now or a second signal sends SIGTERM to the whole group, then SIGKILL
half a second later. When a job's command exits, whatever it left running in its group
is killed (on Linux).

Exit status: 0 if every job succeeded, else the number of jobs that failed, 101 for
more than 100. A command that does not exist fails with 127. With --halt, as GNU
parallel: fail=1 gives the exit status of the failed job, N% the percentage of jobs
that failed, and success=N 0. 255 for an error of parx's own (bad options, an
unreadable input, standard output closed) or a run interrupted by a signal.

Signals: the first SIGINT, SIGTERM or SIGHUP stops starting jobs and waits for the
running ones; a second one kills them, even while standard output is blocked (a signal
ignored when parx starts, as under nohup, stays ignored). No job outlives parx, unless
parx itself is killed by SIGKILL or SIGQUIT. SIGTSTP (Ctrl-Z) suspends the running
jobs with parx, and fg or bg resumes them all.
`

// version is printed by --version.
const version = "parx (github.com/gofutures/futures) 0.1"

// A group is the values of one ::: or the files of one ::::.
type group struct {
	files  bool
	values []string
}

// options are parx's parsed command line.
type options struct {
	jobs      int
	keepOrder bool
	argFiles  []string
	null      bool
	quote     bool
	shell     bool
	timeout   time.Duration
	tries     int
	halt      haltSpec
	joblog    string
	dryRun    bool
	bar       bool
	help      bool
	version   bool
	command   []string
	groups    []group
}

// An option of the command line.
type option struct {
	short string // one letter, or ""
	long  string
	value bool // takes a value
	set   func(o *options, v string) error
}

var optionList = []option{
	{"j", "jobs", true, func(o *options, v string) (err error) { o.jobs, err = parseJobs(v, runtime.NumCPU()); return }},
	{"P", "max-procs", true, func(o *options, v string) (err error) { o.jobs, err = parseJobs(v, runtime.NumCPU()); return }},
	{"k", "keep-order", false, func(o *options, _ string) error { o.keepOrder = true; return nil }},
	{"a", "arg-file", true, func(o *options, v string) error { o.argFiles = append(o.argFiles, v); return nil }},
	{"0", "null", false, func(o *options, _ string) error { o.null = true; return nil }},
	{"q", "quote", false, func(o *options, _ string) error { o.quote = true; return nil }},
	{"", "shell", false, func(o *options, _ string) error { o.shell = true; return nil }},
	{"", "timeout", true, func(o *options, v string) (err error) { o.timeout, err = parseTimeout(v); return }},
	{"", "retries", true, func(o *options, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return fmt.Errorf("invalid --retries %q: want a number of tries", v)
		}
		o.tries = max(n, 1)
		return nil
	}},
	{"", "halt", true, func(o *options, v string) (err error) { o.halt, err = parseHalt(v); return }},
	{"", "halt-on-error", true, func(o *options, v string) (err error) { o.halt, err = parseHalt(v); return }},
	{"", "joblog", true, func(o *options, v string) error { o.joblog = v; return nil }},
	{"", "dry-run", false, func(o *options, _ string) error { o.dryRun = true; return nil }},
	{"", "dryrun", false, func(o *options, _ string) error { o.dryRun = true; return nil }},
	{"", "bar", false, func(o *options, _ string) error { o.bar = true; return nil }},
	{"h", "help", false, func(o *options, _ string) error { o.help = true; return nil }},
	{"", "version", false, func(o *options, _ string) error { o.version = true; return nil }},
}

// parseArgs parses the command line: options, then the command, then the input groups.
// Options end at the first word that is not one (or after --): the words after it
// belong to the command, as in GNU parallel and xargs.
func parseArgs(args []string) (*options, error) {
	o := &options{jobs: runtime.NumCPU(), tries: 1}
	i := 0
	for i < len(args) {
		a := args[i]
		if a == "--" {
			i++
			break
		}
		if a == ":::" || a == "::::" || len(a) < 2 || a[0] != '-' {
			break
		}
		i++
		var opt *option
		var value string
		hasValue := false
		if long, ok := strings.CutPrefix(a, "--"); ok {
			name, v, eq := strings.Cut(long, "=")
			if opt = findOption(name, false); opt == nil {
				return nil, fmt.Errorf("unknown option --%s", name)
			}
			if eq && !opt.value {
				return nil, fmt.Errorf("option --%s takes no value", name)
			}
			value, hasValue = v, eq
		} else {
			// A cluster of one-letter options: -k0, -j4, -j 4.
			for k := 1; k < len(a); k++ {
				if opt = findOption(a[k:k+1], true); opt == nil {
					return nil, fmt.Errorf("unknown option -%s", a[k:k+1])
				}
				if opt.value {
					if k+1 < len(a) {
						value, hasValue = a[k+1:], true
					}
					break
				}
				if k+1 < len(a) {
					opt.set(o, "")
				}
			}
		}
		if opt.value && !hasValue {
			if i >= len(args) {
				return nil, fmt.Errorf("option %s needs a value", a)
			}
			value = args[i]
			i++
		}
		if err := opt.set(o, value); err != nil {
			return nil, err
		}
	}
	for ; i < len(args) && args[i] != ":::" && args[i] != "::::"; i++ {
		o.command = append(o.command, args[i])
	}
	for ; i < len(args); i++ {
		if args[i] == ":::" || args[i] == "::::" {
			o.groups = append(o.groups, group{files: args[i] == "::::"})
			continue
		}
		g := &o.groups[len(o.groups)-1]
		g.values = append(g.values, args[i])
	}
	for _, g := range o.groups {
		if g.files && len(g.values) == 0 {
			return nil, errors.New(":::: needs at least one file (- for standard input)")
		}
	}
	return o, nil
}

func findOption(name string, short bool) *option {
	for i := range optionList {
		opt := &optionList[i]
		if (short && opt.short == name) || (!short && opt.long == name) {
			return opt
		}
	}
	return nil
}

// parseJobs parses -j: N, N% of the CPUs, +N or -N CPUs more or less, at least 1;
// 0 means 256.
func parseJobs(v string, cpus int) (int, error) {
	bad := fmt.Errorf("invalid --jobs %q: want a number of jobs, N%%, +N or -N", v)
	s, pct := strings.CutSuffix(v, "%")
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, bad
	}
	switch {
	case pct:
		if n <= 0 {
			return 0, bad
		}
		n = cpus * n / 100
	case strings.HasPrefix(s, "+") || strings.HasPrefix(s, "-"):
		n += cpus
	case n == 0:
		n = 256
	case n < 0:
		return 0, bad
	}
	if n > maxJobsAtAll {
		return 0, fmt.Errorf("invalid --jobs %q: at most %d jobs at once", v, maxJobsAtAll)
	}
	return max(n, 1), nil
}

// maxJobsAtAll bounds -j whatever the open-file limit (see fileJobs): parx makes a job
// slot for each.
const maxJobsAtAll = 1 << 20

// parseTimeout parses --timeout: seconds (2, 2.5), or a Go duration (500ms, 1m30s),
// or GNU parallel's days (1d).
func parseTimeout(v string) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	if err != nil {
		if f, ferr := strconv.ParseFloat(v, 64); ferr == nil {
			d, err = time.Duration(f*float64(time.Second)), nil
		} else if days, ok := strings.CutSuffix(v, "d"); ok {
			if f, ferr := strconv.ParseFloat(days, 64); ferr == nil {
				d, err = time.Duration(f*float64(24*time.Hour)), nil
			}
		}
	}
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("invalid --timeout %q: want seconds or a duration such as 500ms or 1m30s", v)
	}
	return d, nil
}

func main() {
	sigs := make(chan os.Signal, 4)
	for _, s := range []os.Signal{os.Interrupt, syscall.SIGTERM, syscall.SIGHUP, suspendSignal()} { // SIGHUP: the terminal closed
		// A signal ignored at startup stays ignored (nohup parx, or parx & in a script).
		if s != nil && !signal.Ignored(s) {
			signal.Notify(sigs, s)
		}
	}
	// With SIGPIPE handled, writing to a closed standard output fails with EPIPE
	// instead of killing parx before it can kill its jobs. The jobs still start with
	// the default action for SIGPIPE.
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
	os.Exit(parx(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, sigs))
}
