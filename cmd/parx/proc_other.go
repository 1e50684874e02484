//go:build !unix

package main

import (
	"os"
	"sync"
	"time"
)

// startProcess starts the program; without Unix process groups, killing a job kills
// only its command.
func startProcess(path string, argv, env []string, files []*os.File) (*os.Process, error) {
	return os.StartProcess(path, argv, &os.ProcAttr{Env: env, Files: files})
}

// A procGroup is a running job's process.
type procGroup struct {
	p      *os.Process
	mu     sync.Mutex
	reaped bool
	term   bool
}

func newProcGroup(p *os.Process) *procGroup { return &procGroup{p: p} }

func (g *procGroup) terminate(time.Duration) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.reaped {
		g.p.Kill()
		g.term = true
	}
}

// stop and cont do nothing: there is no job control here.
func (g *procGroup) stop() {}
func (g *procGroup) cont() {}

// suspendSignal is nil: nothing suspends parx here.
func suspendSignal() os.Signal { return nil }

func stopSelf() {}

func (g *procGroup) terminated() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.term
}

func (g *procGroup) leaderExited(bool) {
	g.mu.Lock()
	g.reaped = true
	g.mu.Unlock()
}

func exitStatus(st *os.ProcessState) (exit, signal int) { return st.ExitCode(), 0 }

// openFileLimit returns 0: there is no limit parx can read here.
func openFileLimit() int { return 0 }
