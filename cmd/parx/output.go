package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"syscall"
	"time"
)

// A printer writes the jobs' outputs and parx's own messages. A job's standard output
// goes to parx's standard output as one block, then its standard error to parx's
// standard error as another, and blocks of different jobs never mix: results are
// printed one at a time, and messages and the progress bar take the same lock.
type printer struct {
	mu     sync.Mutex
	stdout io.Writer
	stderr io.Writer
	bar    *progress // nil without a progress bar
	err    error     // the first error writing to stdout
	stopc  chan struct{}
	wg     sync.WaitGroup
}

func newPrinter(stdout, stderr io.Writer) *printer {
	return &printer{stdout: stdout, stderr: stderr}
}

// print writes the outputs of res. It returns an error if standard output cannot
// be written to, and writes nothing more to it after that; errors writing to
// standard error are ignored, as there is no one to tell.
func (p *printer) print(res *result) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	// The bar is erased before any output, as standard output may be the terminal too.
	cleared := (res.stdout.len() > 0 || res.stderr.len() > 0) && p.bar.clear()
	if p.bar != nil {
		// An output that does not end its last line leaves it open on the terminal:
		// the bar must be drawn below it, not over it.
		if c, ok := res.stderr.last(); ok {
			p.bar.partial = c != '\n'
		} else if c, ok := res.stdout.last(); ok && p.bar.stdoutToo {
			p.bar.partial = c != '\n'
		}
	}
	if p.err != nil {
		res.stdout.close()
	} else if err := res.stdout.writeTo(p.stdout); err != nil {
		p.err = err
	}
	res.stderr.writeTo(p.stderr)
	if p.bar != nil {
		p.bar.done++
		if res.failed() {
			p.bar.failed++
		}
		p.bar.draw(time.Now(), !cleared)
	}
	return p.err
}

// message prints a message from parx on standard error.
func (p *printer) message(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	cleared := p.bar.clear()
	p.bar.endLine()
	fmt.Fprintf(p.stderr, "parx: "+format+"\n", args...)
	if cleared {
		p.bar.draw(time.Now(), false)
	}
}

// showProgress starts showing a progress bar, redrawn every interval and after each
// job. It is shown only if stderr is a terminal.
func (p *printer) showProgress(total int, running func() int, interval time.Duration) {
	if !isTerminal(p.stderr) {
		return
	}
	p.bar = &progress{w: p.stderr, total: total, running: running, start: time.Now(), stdoutToo: isTerminal(p.stdout)}
	p.stopc = make(chan struct{})
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case now := <-t.C:
				p.mu.Lock()
				p.bar.draw(now, false)
				p.mu.Unlock()
			case <-p.stopc:
				return
			}
		}
	}()
}

// close stops the progress bar and erases it.
func (p *printer) close() {
	if p.bar == nil {
		return
	}
	close(p.stopc)
	p.wg.Wait()
	p.mu.Lock()
	p.bar.clear()
	p.mu.Unlock()
}

// isTerminal reports whether w is a terminal (a character device).
func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// isBrokenPipe reports whether err is the error of writing to a pipe that nobody
// reads any more (parx ... | head).
func isBrokenPipe(err error) bool {
	return errors.Is(err, syscall.EPIPE)
}
