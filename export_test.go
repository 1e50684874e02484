package futures

// WatcherCount returns the number of Wait, AsCompleted and unordered Map
// registrations on f, so that tests can check that an abandoned wait leaves none.
func WatcherCount[T any](f *Future[T]) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.ext == nil {
		return 0
	}
	n := len(f.ext.watchers)
	if f.ext.watch0.w != nil {
		n++
	}
	return n
}

// FastTaken returns how many tasks the workers of e have taken from the submission
// ring without the executor's lock, so that tests can check they took that path.
func FastTaken(e *Executor) uint64 {
	p := e.p
	p.mu.Lock()
	p.quiesceLocked()
	n := p.fastTaken
	p.unlock()
	return n
}

// RingSize returns the number of slots of e's submission ring, 0 if it has none yet.
func RingSize(e *Executor) int {
	if r := e.p.ring.Load(); r != nil {
		return len(r.slot)
	}
	return 0
}

// BacklogMin is the least backlog behind which a submission yields.
const BacklogMin = backlogMin
