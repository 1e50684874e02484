package main

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
)

// haltWhen says what --halt does when its condition is met.
type haltWhen uint8

const (
	haltNever haltWhen = iota // run every job
	haltSoon                  // start no more jobs, let the running ones finish
	haltNow                   // start no more jobs, kill the running ones
)

// haltWhy is what --halt counts.
type haltWhy uint8

const (
	whyFail    haltWhy = iota // failed jobs
	whySuccess                // successful jobs
	whyDone                   // finished jobs
)

// A haltSpec is a parsed --halt value: GNU parallel's WHEN,WHY=N or WHEN,WHY=N%.
type haltSpec struct {
	when  haltWhen
	why   haltWhy
	count int  // the number of jobs, or the percentage if pct
	pct   bool // count is a percentage of all the jobs
}

// parseHalt parses a --halt value: never, soon,fail=3, now,success=1, soon,done=50%,
// and GNU parallel's short forms 0 (never), 1 (soon,fail=1), 2 (now,fail=1),
// -1 (soon,success=1), -2 (now,success=1) and N% (soon,fail=N%).
func parseHalt(s string) (haltSpec, error) {
	switch s {
	case "0", "never":
		return haltSpec{}, nil
	case "1":
		s = "soon,fail=1"
	case "2":
		s = "now,fail=1"
	case "-1":
		s = "soon,success=1"
	case "-2":
		s = "now,success=1"
	}
	if strings.HasSuffix(s, "%") && !strings.Contains(s, ",") {
		s = "soon,fail=" + s
	}
	bad := fmt.Errorf("invalid --halt %q: want WHEN,WHY=N or WHEN,WHY=N%% with WHEN soon or now and WHY fail, success or done, as in now,fail=1", s)
	when, rest, ok := strings.Cut(s, ",")
	var h haltSpec
	switch when {
	case "soon":
		h.when = haltSoon
	case "now":
		h.when = haltNow
	default:
		return haltSpec{}, bad
	}
	why, n, ok2 := strings.Cut(rest, "=")
	if !ok || !ok2 {
		return haltSpec{}, bad
	}
	switch why {
	case "fail":
		h.why = whyFail
	case "success":
		h.why = whySuccess
	case "done":
		h.why = whyDone
	default:
		return haltSpec{}, bad
	}
	n, h.pct = strings.CutSuffix(n, "%")
	count, err := strconv.Atoi(n)
	if err != nil || count < 1 || (h.pct && count > 100) {
		return haltSpec{}, bad
	}
	h.count = count
	return h, nil
}

func (h haltSpec) String() string {
	if h.when == haltNever {
		return "never"
	}
	s := [...]string{haltSoon: "soon", haltNow: "now"}[h.when] + "," +
		[...]string{whyFail: "fail", whySuccess: "success", whyDone: "done"}[h.why] + "=" +
		strconv.Itoa(h.count)
	if h.pct {
		s += "%"
	}
	return s
}

// A tally counts the jobs as they finish and decides when to halt. Jobs report to it
// from the executor's workers, before the next job can take their slot, so that with
// --halt soon,fail=1 no job starts after the first failure. It is safe for concurrent
// use.
type tally struct {
	spec  haltSpec
	total int // the number of jobs, for percentages; -1 if unknown

	mu        sync.Mutex
	done      int  // jobs that finished, failed or not (killed ones excluded)
	failed    int  // jobs that failed
	triggered bool // the halt condition was met
	status    int  // parx's exit status, set when the halt condition was met
}

// record counts res and reports whether the halt condition is met by it: true once at
// most.
func (t *tally) record(res *result) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.done++
	failed := res.failed()
	if failed {
		t.failed++
	}
	if t.spec.when == haltNever || t.triggered {
		return false
	}
	var n int // the count that the condition is on
	switch t.spec.why {
	case whyFail:
		if !failed {
			return false
		}
		n = t.failed
	case whySuccess:
		if failed {
			return false
		}
		n = t.done - t.failed
	case whyDone:
		n = t.done
	}
	if t.spec.pct {
		if t.total <= 0 || n*100 < t.spec.count*t.total {
			return false
		}
	} else if n < t.spec.count {
		return false
	}
	t.triggered = true
	// The exit status, as GNU parallel's: 0 for success=; for fail= and done=, the
	// percentage of failed jobs for N%, the exit status of the job (or 128+signal) for
	// 1, and the number of failed jobs otherwise.
	switch {
	case t.spec.why == whySuccess:
		t.status = 0
	case t.spec.pct:
		t.status = int(math.Ceil(float64(t.failed) * 100 / float64(t.total)))
	case t.spec.count == 1:
		t.status = res.exit
		if res.signal != 0 {
			t.status = 128 + res.signal
		}
	default:
		t.status = min(t.failed, 101)
	}
	return true
}

// exitStatus returns parx's exit status for the jobs counted: the one set by the halt
// condition if it was met, else the number of failed jobs, 101 for more than 100.
func (t *tally) exitStatus() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.triggered {
		return t.status
	}
	return min(t.failed, 101)
}
