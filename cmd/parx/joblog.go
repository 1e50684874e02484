package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// A joblog writes one line per job to the --joblog file, in GNU parallel's format:
// tab-separated Seq, Host (":" for this computer), Starttime (seconds since the epoch,
// with milliseconds), JobRuntime (seconds, %10.3f), Send (0), Receive (the bytes of
// output), Exitval (-1 when killed by a signal), Signal and Command (with each newline
// written as a NUL byte, as GNU parallel does, to keep one line per job).
type joblog struct {
	f     *os.File
	w     *bufio.Writer
	flush time.Time // when it was last flushed
}

const joblogHeader = "Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand\n"

// openJoblog creates (or truncates) the file name, or appends to it if name begins with
// +, and writes the header unless it appends to a file that is not empty.
func openJoblog(name string) (*joblog, error) {
	flags := os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	if rest, ok := strings.CutPrefix(name, "+"); ok {
		name, flags = rest, os.O_WRONLY|os.O_CREATE|os.O_APPEND
	}
	f, err := os.OpenFile(name, flags, 0o666)
	if err != nil {
		return nil, fmt.Errorf("cannot open the job log: %w", err)
	}
	j := &joblog{f: f, w: bufio.NewWriter(f), flush: time.Now()}
	if st, err := f.Stat(); err == nil && st.Size() == 0 {
		j.w.WriteString(joblogHeader)
	}
	return j, nil
}

// write logs res. The file is flushed at most every second, and when it is closed.
func (j *joblog) write(res *result) error {
	if j == nil {
		return nil
	}
	j.w.WriteString(formatJoblog(res))
	if now := time.Now(); now.Sub(j.flush) >= time.Second {
		j.flush = now
		return j.w.Flush()
	}
	return nil
}

// formatJoblog returns the job log line of res.
func formatJoblog(res *result) string {
	ms := res.start.UnixMilli()
	return strings.Join([]string{
		strconv.Itoa(res.seq),
		":",
		fmt.Sprintf("%d.%03d", ms/1000, ms%1000),
		fmt.Sprintf("%10.3f", res.runtime.Seconds()),
		"0",
		strconv.FormatInt(res.stdout.len()+res.stderr.len(), 10),
		strconv.Itoa(res.exit),
		strconv.Itoa(res.signal),
		strings.ReplaceAll(res.line, "\n", "\x00"),
	}, "\t") + "\n"
}

// close flushes and closes the file.
func (j *joblog) close() error {
	if j == nil {
		return nil
	}
	err := j.w.Flush()
	if cerr := j.f.Close(); err == nil {
		err = cerr
	}
	return err
}
