package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"unsafe"
)

// openPTY opens a pseudo-terminal and returns its two sides.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	ioctl := func(req uintptr, arg unsafe.Pointer) {
		if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, m.Fd(), req, uintptr(arg)); errno != 0 {
			m.Close()
			t.Skipf("no pseudo-terminal: ioctl: %v", errno)
		}
	}
	var unlock int32
	ioctl(syscall.TIOCSPTLCK, unsafe.Pointer(&unlock))
	var n uint32
	ioctl(syscall.TIOCGPTN, unsafe.Pointer(&n))
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		m.Close()
		t.Skipf("no pseudo-terminal: %v", err)
	}
	return m, s
}

// TestBar checks the progress bar on a terminal: it is drawn on standard error, erased
// before the jobs' own standard error is written, and erased at the end.
func TestBar(t *testing.T) {
	t.Parallel()
	master, slave := openPTY(t)
	defer master.Close()
	args := []string{"--bar", "-j", "2", "echo out {}; echo err {} >&2", ":::"}
	for i := 1; i <= 20; i++ {
		args = append(args, fmt.Sprint(i))
	}
	cmd := exec.Command(parxBin, args...)
	cmd.Stderr = slave
	stdout := newLines(t)
	cmd.Stdout = stdout.w
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	slave.Close()
	var term strings.Builder
	done := make(chan struct{})
	go func() {
		io.Copy(&term, master) // until parx has exited: then the read fails (EIO)
		close(done)
	}()
	err := cmd.Wait()
	stdout.w.Close()
	<-done
	if err != nil {
		t.Fatalf("parx: %v; terminal:\n%q", err, term.String())
	}
	screen := strings.ReplaceAll(term.String(), "\r\n", "\n")
	bar := regexp.MustCompile(`\rparx: \[[# ]{20}\] +\d+% \d+/20, \d+ running, 0 failed, \d+/s, ETA [^\r\n\x1b]*\x1b\[K`)
	if !bar.MatchString(screen) {
		t.Errorf("no progress bar in %q", screen)
	}
	if !strings.HasSuffix(screen, "\r\x1b[K") {
		t.Errorf("the bar is not erased at the end: %q", screen)
	}
	// Without the bar and its erasures, what remains is the jobs' standard error.
	rest := regexp.MustCompile(`\r\x1b\[K`).ReplaceAllString(bar.ReplaceAllString(screen, ""), "")
	for i := 1; i <= 20; i++ {
		if !strings.Contains(rest, fmt.Sprintf("\nerr %d\n", i)) && !strings.HasPrefix(rest, fmt.Sprintf("err %d\n", i)) {
			t.Errorf("err %d is not on a line of its own in %q", i, rest)
		}
	}
	if out := stdout.all(); strings.Count(out, "out ") != 20 || strings.Contains(out, "parx") {
		t.Errorf("standard output %q", out)
	}
}

// TestBarNotTerminal checks that --bar draws nothing when standard error is not a
// terminal.
func TestBarNotTerminal(t *testing.T) {
	t.Parallel()
	_, stderr, code := runParx(t, t.TempDir(), "", "--bar", "true", ":::", "1", "2")
	if code != 0 || stderr != "" {
		t.Errorf("exit status %d, stderr %q", code, stderr)
	}
}

// TestBarKeepsPartialLine: an output whose last line has no newline stays on the
// terminal: the bar is drawn on the next line, not over it.
func TestBarKeepsPartialLine(t *testing.T) {
	t.Parallel()
	master, slave := openPTY(t)
	defer master.Close()
	cmd := exec.Command(parxBin, "--bar", "-j", "1", "printf %s {} >&2", ":::", "A1", "B2")
	cmd.Stderr = slave
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	slave.Close()
	var term strings.Builder
	done := make(chan struct{})
	go func() { io.Copy(&term, master); close(done) }()
	err := cmd.Wait()
	<-done
	if err != nil {
		t.Fatalf("parx: %v; terminal:\n%q", err, term.String())
	}
	s := strings.ReplaceAll(term.String(), "\r\n", "\n") // the terminal's newline
	for _, v := range []string{"A1", "B2"} {
		i := strings.Index(s, v)
		if i < 0 || strings.HasPrefix(s[i+len(v):], "\r") {
			t.Errorf("%s is missing or drawn over by the bar on the terminal: %q", v, s)
		}
	}
}
