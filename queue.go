package futures

// queue is a FIFO of tasks in a growable ring buffer. It is not safe for concurrent
// use; the pool guards it with its mutex. Push and pop cost O(1) amortized and
// allocate only when the ring grows; popped slots are cleared so the queue keeps no
// reference to a task it has handed out.
type queue struct {
	buf  []task
	head int // index of the oldest task
	n    int // number of tasks
}

func (q *queue) len() int { return q.n }

func (q *queue) push(t task) {
	if q.n == len(q.buf) {
		q.grow()
	}
	q.buf[(q.head+q.n)&(len(q.buf)-1)] = t
	q.n++
}

func (q *queue) pop() task {
	if q.n == 0 {
		return nil
	}
	t := q.buf[q.head]
	q.buf[q.head] = nil
	q.head = (q.head + 1) & (len(q.buf) - 1)
	q.n--
	return t
}

// drain removes and returns every task, oldest first.
func (q *queue) drain() []task {
	out := make([]task, 0, q.n)
	for t := q.pop(); t != nil; t = q.pop() {
		out = append(out, t)
	}
	*q = queue{}
	return out
}

// grow doubles the ring (its length stays a power of two) and unwraps it.
func (q *queue) grow() {
	size := 2 * len(q.buf)
	if size == 0 {
		size = 64
	}
	buf := make([]task, size)
	for i := 0; i < q.n; i++ {
		buf[i] = q.buf[(q.head+i)&(len(q.buf)-1)]
	}
	q.buf, q.head = buf, 0
}
