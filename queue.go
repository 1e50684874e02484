package futures

// queue is a FIFO of tasks, each with the time it was queued. It is a linked list of
// fixed-size blocks: push and pop cost O(1), growth never copies entries, and memory
// follows the length. Up to maxSpare emptied blocks are kept for reuse, so a queue that
// swings between empty and a few blocks (a bounded queue, a burst) stops allocating.
// Popped slots are cleared, so the queue keeps no reference to a task it has handed
// out. It is not safe for concurrent use; the pool guards it with its mutex.
type queue struct {
	head, tail *block // pop from head, push to tail; both nil when empty
	spare      *block // emptied blocks kept for reuse, linked through next
	nspare     int
	n          int // number of entries
}

// maxSpare is the most emptied blocks a queue keeps: 48 KiB.
const maxSpare = 8

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
		if b != nil {
			q.spare, b.next = b.next, nil
			q.nspare--
		} else {
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
		// The block is used up: unlink it, and keep it if there is room. Its
		// entries are already cleared.
		q.head = b.next
		if q.head == nil {
			q.tail = nil
		}
		b.head, b.tail, b.next = 0, 0, nil
		if q.nspare < maxSpare {
			b.next = q.spare
			q.spare = b
			q.nspare++
		}
	}
	return e.t, e.at
}
