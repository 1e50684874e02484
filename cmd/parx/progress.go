package main

import (
	"fmt"
	"io"
	"time"
)

// A progress bar, shown on standard error when it is a terminal (--bar). It is one
// line, rewritten in place; the printer erases it before writing anything else to the
// terminal and draws it again after. Its fields are guarded by the printer's lock.
type progress struct {
	w       io.Writer
	total   int // the number of jobs, or -1 if unknown
	running func() int
	start   time.Time

	done, failed int
	shown        bool      // the bar is on the screen
	last         time.Time // when it was last drawn
	partial      bool      // the terminal's last line is an output's, without its newline
	stdoutToo    bool      // standard output is a terminal too: its lines count for partial
}

// endLine ends the terminal's last line if an output left it open, so that what is
// written next does not go over it. It is a no-op on a nil bar.
func (b *progress) endLine() {
	if b != nil && b.partial {
		io.WriteString(b.w, "\n")
		b.partial = false
	}
}

// minRedraw is the least time between two redraws that nothing forces.
const minRedraw = 50 * time.Millisecond

// draw draws the bar, unless it was drawn less than minRedraw ago and throttle is set.
// It is a no-op on a nil bar.
func (b *progress) draw(now time.Time, throttle bool) {
	if b == nil || (throttle && b.shown && now.Sub(b.last) < minRedraw) {
		return
	}
	b.endLine()
	fmt.Fprintf(b.w, "\r%s\x1b[K", b.render(now))
	b.shown, b.last = true, now
}

// clear erases the bar and reports whether it was on the screen. It is a no-op on a
// nil bar.
func (b *progress) clear() bool {
	if b == nil || !b.shown {
		return false
	}
	io.WriteString(b.w, "\r\x1b[K")
	b.shown = false
	return true
}

// render returns the text of the bar: the share of jobs done, as a bar and a
// percentage, when their number is known, then the counts, the rate and the time
// left.
func (b *progress) render(now time.Time) string {
	elapsed := now.Sub(b.start)
	rate := 0.0
	if elapsed > 0 {
		rate = float64(b.done) / elapsed.Seconds()
	}
	running := 0
	if b.running != nil {
		running = b.running()
	}
	counts := fmt.Sprintf("%d running, %d failed, %.0f/s", running, b.failed, rate)
	if b.total <= 0 {
		return fmt.Sprintf("parx: %d done, %s", b.done, counts)
	}
	const width = 20
	filled := min(width, b.done*width/b.total)
	bar := make([]byte, width)
	for i := range bar {
		bar[i] = ' '
		if i < filled {
			bar[i] = '#'
		}
	}
	eta := "?"
	if b.done > 0 {
		left := time.Duration(float64(elapsed) * float64(b.total-b.done) / float64(b.done))
		eta = left.Round(time.Second).String()
	}
	return fmt.Sprintf("parx: [%s] %3d%% %d/%d, %s, ETA %s",
		bar, b.done*100/b.total, b.done, b.total, counts, eta)
}
