// Parx is a parallel command runner, GNU parallel's and xargs -P's job, built on the
// futures executor: futures.Map runs the jobs on an executor of -j workers and yields
// their results in input order (-k) or as they finish, and the executor's ShutdownNow
// kills the running jobs for --halt now and a second signal.
//
// # Usage
//
// The output of parx --help:
//
//	Usage: parx [options] command [arguments] [::: values]... [:::: files]...
//
//	parx runs a command once for each input, several at a time, like GNU parallel and
//	xargs -P. The inputs are the values after :::, the lines of the files after :::: or
//	given with -a, or else the lines of standard input. With several input sources, the
//	jobs are every combination of their values, the last source varying fastest.
//
//	Replacement strings in the command stand for the job's input:
//	  {}       the input (with several sources: all of them)
//	  {.}      the input without its extension        (dir/a.tar.gz -> dir/a.tar)
//	  {/}      its base name                          (dir/a.tar.gz -> a.tar.gz)
//	  {//}     its directory                          (dir/a.tar.gz -> dir)
//	  {/.}     its base name without its extension    (dir/a.tar.gz -> a.tar)
//	  {N} {N.} {N/} {N//} {N/.}   the same for the Nth input source
//	  {#}      the job number: 1, 2, ...
//	  {%}      the job slot: 1 to the number of jobs at once
//	With none of the input ones in the command, the inputs are appended to it. Jobs also
//	get the job number and slot in $PARALLEL_SEQ and $PARALLEL_JOBSLOT.
//
//	The words of the command are joined with spaces into a command line, as GNU parallel
//	does. When that line has no shell syntax (quotes, $, backquotes, \, |, &, ;, <, >,
//	parentheses, *, ?, [, ~, #, or a leading VAR=value or shell keyword or built-in such
//	as cd), it runs directly, each substituted value staying within its word, like xargs
//	does: no shell starts, and names with spaces, quotes or newlines are safe. Otherwise it
//	runs with /bin/sh -c, each substituted value single-quoted (' written as '\''), so
//	these names are just as safe; do not quote replacement strings yourself. (What the
//	commands do with a value is theirs: dash's echo turns \n in it into a newline, so
//	print values with printf '%s\n' {}.)
//
//	Options:
//	  -j, --jobs N        run N jobs at once (default: the number of CPUs); N% is a
//	                      percentage of the CPUs, +N and -N add to or take from them,
//	                      and 0 means 256; fewer, with a warning, if the open-file
//	                      limit is too low for N (each running job needs about 4)
//	  -k, --keep-order    print the outputs in input order (default: as jobs finish)
//	  -a, --arg-file FILE read inputs from FILE (- for standard input); repeatable
//	  -0, --null          inputs are separated by NUL bytes, not newlines
//	  -q, --quote         run the command's words as given, never through a shell:
//	                      each word is one argument
//	      --shell         always run the command line with /bin/sh -c
//	      --timeout D     kill a job that runs longer than D: seconds (2.5), or with a
//	                      unit (500ms, 1m30s, 2h, 1d)
//	      --retries N     run a failing job up to N times in all (as GNU parallel's)
//	      --halt SPEC     stop early: WHEN,WHY=N or WHEN,WHY=N%, where WHEN is soon
//	                      (start no more jobs, let running ones finish) or now (also
//	                      kill running jobs), and WHY is fail, success or done: the
//	                      number (or share) of jobs that failed, succeeded or finished.
//	                      For example now,fail=1 or soon,fail=10%
//	      --joblog FILE   log each job to FILE in GNU parallel's format; +FILE appends
//	      --dry-run       print the commands instead of running them
//	      --bar           show a progress bar on standard error, if it is a terminal
//	  -h, --help          print this help and exit
//	      --version       print the version and exit
//
//	Output: the standard output and the standard error of each job are captured, in
//	temporary files, and printed unchanged as one block each, never mixed with another
//	job's: as the jobs end, or in input order with -k. When inputs come slowly (tail -f),
//	the output of a finished job may wait for more inputs, up to twice -j, or their end.
//
//	Jobs: each job runs in its own process group, with /dev/null as standard input. A
//	timeout, --halt now or a second signal sends SIGTERM to the whole group, then SIGKILL
//	half a second later. When a job's command exits, whatever it left running in its group
//	is killed (on Linux).
//
//	Exit status: 0 if every job succeeded, else the number of jobs that failed, 101 for
//	more than 100. A command that does not exist fails with 127. With --halt, as GNU
//	parallel: fail=1 gives the exit status of the failed job, N% the percentage of jobs
//	that failed, and success=N 0. 255 for an error of parx's own (bad options, an
//	unreadable input, standard output closed) or a run interrupted by a signal.
//
//	Signals: the first SIGINT, SIGTERM or SIGHUP stops starting jobs and waits for the
//	running ones; a second one kills them, even while standard output is blocked (a signal
//	ignored when parx starts, as under nohup, stays ignored). No job outlives parx, unless
//	parx itself is killed by SIGKILL or SIGQUIT. SIGTSTP (Ctrl-Z) suspends the running
//	jobs with parx, and fg or bg resumes them all.
//
// # Design
//
// Jobs run on a futures.Executor of -j workers, through futures.Map: with -k, Map
// yields the results in input order, with a window of max(4×j, 64) jobs in flight so
// that a slow job does not idle the workers; otherwise futures.Unordered yields them
// as they finish. One goroutine prints the results, so outputs never mix.
//
// Running a command directly, without /bin/sh, is what makes parx as fast as xargs:
// a shell per job nearly doubles the cost of a small job, with two programs to start
// instead of one (not for true, a built-in of the shell, as in bench.sh). The
// command line runs directly only when the shell would run the same command: no shell
// syntax in its literal text, so that splitting it on blanks gives the shell's words,
// and each substituted value within its word, as single-quoting makes it for the
// shell (see needsShell). GNU parallel always uses a shell, xargs never does.
//
// Each job runs as the leader of its own process group (Setpgid), with its standard
// output and error in two unlinked temporary files of its slot, emptied and reused
// from job to job (creating files per job cost more than the job here). parx waits
// for the leader to exit without reaping it (waitid with WNOWAIT, as os.Process.Wait
// does), kills what remains of its group, then reaps it: the group id cannot be reused
// by then, so no unrelated process is ever signaled. A timeout, --halt now and a
// second signal end the job's context, which sends SIGTERM to the group, then SIGKILL.
//
// --halt is decided in the worker, as each job ends, before the worker can start the
// next job: so with soon,fail=1, no job starts after the first failure. Halting now
// calls the executor's ShutdownNow, which cancels the queued jobs and ends the
// contexts of the running ones; the first signal only closes the input, and jobs
// that Map had already submitted skip.
package main
