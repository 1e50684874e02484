package main

import (
	"os"
	"sync"
)

// jobGroups are the process groups of the running jobs, so that suspending parx
// (Ctrl-Z sends SIGTSTP to the terminal's foreground process group, which holds parx
// but not its jobs, each in its own group) suspends them too, and resuming it resumes
// them, as with xargs -P, whose children share its group.
type jobGroups struct {
	// starting is held for reading while a job starts and its group is recorded,
	// and for writing while parx suspends: a job is either recorded before the
	// suspension, and stopped with the others, or started after it.
	starting sync.RWMutex

	mu  sync.Mutex // guards set
	set map[*procGroup]struct{}
}

// start starts a job with launch and records its process group.
func (gs *jobGroups) start(launch func() (*os.Process, error)) (*os.Process, *procGroup, error) {
	gs.starting.RLock()
	defer gs.starting.RUnlock()
	p, err := launch()
	if err != nil {
		return nil, nil, err
	}
	g := newProcGroup(p)
	gs.mu.Lock()
	if gs.set == nil {
		gs.set = make(map[*procGroup]struct{})
	}
	gs.set[g] = struct{}{}
	gs.mu.Unlock()
	return p, g, nil
}

// remove forgets the group of a job whose leader has exited.
func (gs *jobGroups) remove(g *procGroup) {
	gs.mu.Lock()
	defer gs.mu.Unlock()
	delete(gs.set, g)
}

// suspend stops every job's group, then parx itself, and returns once parx is
// continued (by the shell's fg or bg, or any SIGCONT), having continued the jobs.
func (gs *jobGroups) suspend() {
	gs.starting.Lock()
	defer gs.starting.Unlock()
	gs.mu.Lock()
	for g := range gs.set {
		g.stop()
	}
	gs.mu.Unlock()
	stopSelf()
	gs.mu.Lock()
	for g := range gs.set {
		g.cont()
	}
	gs.mu.Unlock()
}
