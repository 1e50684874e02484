package futures

import "strconv"

// State is the state of a [Future]. A future moves from Pending to Running when a
// worker starts its task, and ends in Canceled or Finished; it never leaves those two.
// A future may also go straight from Pending to Canceled or Finished.
type State uint32

const (
	// Pending: the task waits in the executor's queue, or the promise is not completed.
	Pending State = iota
	// Running: a worker is running the task. It can no longer be canceled with
	// [Future.Cancel]; its context can still end.
	Running
	// Canceled: the future was canceled before it ran. Its error matches [ErrCanceled].
	Canceled
	// Finished: the task returned, failed, or panicked, or the promise was completed.
	Finished
)

// String returns "pending", "running", "canceled" or "finished".
func (s State) String() string {
	switch s {
	case Pending:
		return "pending"
	case Running:
		return "running"
	case Canceled:
		return "canceled"
	case Finished:
		return "finished"
	}
	return "State(" + strconv.Itoa(int(s)) + ")"
}

// Done reports whether s is Canceled or Finished.
func (s State) Done() bool { return s >= Canceled }
