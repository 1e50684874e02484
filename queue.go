package futures

// queue is a FIFO of tasks, each with the time it was queued. It is a linked list of
// fixed-size blocks: push and pop cost O(1), growth never copies entries, and memory
// follows the length (an empty queue keeps one spare block, so a queue that hovers
// around a block boundary does not allocate). Popped slots are cleared, so the queue
// keeps no reference to a task it has handed out. It is not safe for concurrent use;
// the pool guards it with its mutex.
type queue struct {
	head, tail *block // pop from head, push to tail; both nil when empty and never used
	spare      *block // an emptied block kept for reuse
	n          int    // number of entries
}

// blockSize entries per block: 256 × 24 bytes, a 6 KiB allocation.
const blockSize = 256

type block struct {
	entries    [blockSize]entry
	head, tail int // entries[head:tail] are queued
	next       *block
}

type entry struct {
	t  task
	at int64 // when it was queued, for the queue-wait statistics; 0 when not timed
}

func (q *queue) len() int { return q.n }

func (q *queue) push(t task, at int64) {
	if q.tail == nil || q.tail.tail == blockSize {
		b := q.spare
		q.spare = nil
		if b == nil {
			b = new(block)
		}
		if q.tail == nil {
			q.head = b
		} else {
			q.tail.next = b
		}
		q.tail = b
	}
	b := q.tail
	b.entries[b.tail] = entry{t, at}
	b.tail++
	q.n++
}

func (q *queue) pop() (task, int64) {
	b := q.head
	if b == nil || b.head == b.tail {
		return nil, 0
	}
	e := b.entries[b.head]
	b.entries[b.head] = entry{}
	b.head++
	q.n--
	if b.head == b.tail && (b.tail == blockSize || b.next == nil) {
		// The block is used up: unlink it and keep it as the spare.
		q.head = b.next
		if q.head == nil {
			q.tail = nil
		}
		*b = block{}
		q.spare = b
	}
	return e.t, e.at
}
