package futures

// queue is a FIFO of tasks in a growable ring buffer, each with the time it was
// queued. It is not safe for concurrent use; the pool guards it with its mutex. Push
// and pop cost O(1) amortized and allocate only when the ring grows; popped slots are
// cleared, so the queue keeps no reference to a task it has handed out.
type queue struct {
	buf  []entry
	head int // index of the oldest entry
	n    int // number of entries
}

type entry struct {
	t  task
	at int64 // when it was queued, for the queue-wait statistics; 0 when not timed
}

func (q *queue) len() int { return q.n }

func (q *queue) push(t task, at int64) {
	if q.n == len(q.buf) {
		q.grow()
	}
	q.buf[(q.head+q.n)&(len(q.buf)-1)] = entry{t, at}
	q.n++
}

func (q *queue) pop() (task, int64) {
	if q.n == 0 {
		return nil, 0
	}
	e := q.buf[q.head]
	q.buf[q.head] = entry{}
	q.head = (q.head + 1) & (len(q.buf) - 1)
	q.n--
	return e.t, e.at
}

// grow doubles the ring (its length stays a power of two) and unwraps it.
func (q *queue) grow() {
	size := 2 * len(q.buf)
	if size == 0 {
		size = 64
	}
	buf := make([]entry, size)
	for i := 0; i < q.n; i++ {
		buf[i] = q.buf[(q.head+i)&(len(q.buf)-1)]
	}
	q.buf, q.head = buf, 0
}
