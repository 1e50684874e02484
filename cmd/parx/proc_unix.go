//go:build unix

package main

import (
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

// startProcess starts the program at path with argv, env and the given standard
// input, output and error, as the leader of a new process group, so that the job can
// be killed with everything it started.
func startProcess(path string, argv, env []string, files []*os.File) (*os.Process, error) {
	return os.StartProcess(path, argv, &os.ProcAttr{
		Env:   env,
		Files: files,
		Sys:   &syscall.SysProcAttr{Setpgid: true},
	})
}

// A procGroup is the process group of a running job, whose id is its leader's pid.
//
// The group is signaled only while its leader is not reaped: until then the kernel
// keeps the id in use, so a signal cannot reach an unrelated group that reused it.
type procGroup struct {
	pid int

	mu     sync.Mutex
	reaped bool        // the leader is about to be reaped: no more signals
	kill   *time.Timer // the SIGKILL that follows a SIGTERM; non-nil once terminated
}

func newProcGroup(p *os.Process) *procGroup { return &procGroup{pid: p.Pid} }

// signal sends sig to the whole group, unless the leader is reaped.
func (g *procGroup) signal(sig syscall.Signal) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.reaped {
		syscall.Kill(-g.pid, sig)
	}
}

// stop and cont suspend and resume the group (see jobGroups).
func (g *procGroup) stop() { g.signal(syscall.SIGSTOP) }
func (g *procGroup) cont() { g.signal(syscall.SIGCONT) }

// suspendSignal is the signal that suspends parx and its jobs: SIGTSTP, Ctrl-Z's.
func suspendSignal() os.Signal { return syscall.SIGTSTP }

// stopSelf stops parx, and returns once it is continued. It sends itself SIGSTOP,
// which cannot be caught (so the SIGTSTP that parx catches is not caught again), and
// waits for the SIGCONT: the stop takes effect when some thread of the process next
// handles signals, which may be after kill has returned to this one.
func stopSelf() {
	cont := make(chan os.Signal, 1)
	signal.Notify(cont, syscall.SIGCONT)
	defer signal.Stop(cont)
	syscall.Kill(syscall.Getpid(), syscall.SIGSTOP)
	<-cont
}

// terminate sends SIGTERM to the group, and SIGKILL after grace if the leader is still
// running then. It is what a timeout, --halt now and a second signal do.
func (g *procGroup) terminate(grace time.Duration) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.reaped || g.kill != nil {
		return
	}
	syscall.Kill(-g.pid, syscall.SIGTERM)
	g.kill = time.AfterFunc(grace, func() { g.signal(syscall.SIGKILL) })
}

// terminated reports whether terminate signaled the group.
func (g *procGroup) terminated() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.kill != nil
}

// leaderExited is called when the leader has exited, before it is reaped: whatever
// the job left running in its group is killed (where the leader can be waited for
// without being reaped, see waitExited), and the group is signaled no more.
func (g *procGroup) leaderExited(waited bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if waited {
		syscall.Kill(-g.pid, syscall.SIGKILL)
	}
	if g.kill != nil {
		g.kill.Stop()
	}
	g.reaped = true
}

// exitStatus returns the exit status of a process, or -1 and the signal that
// killed it.
func exitStatus(st *os.ProcessState) (exit, signal int) {
	if ws, ok := st.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return -1, int(ws.Signal())
	}
	return st.ExitCode(), 0
}

// openFileLimit returns the most files parx may have open (the soft limit, which the Go
// runtime raises to the hard one at startup), or 0 if it cannot tell.
func openFileLimit() int {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil || rl.Cur > 1<<30 {
		return 0
	}
	return int(rl.Cur)
}
