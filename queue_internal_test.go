package futures

import "testing"

// TestQueueFIFO pushes and pops across block boundaries in several patterns and checks
// the order, the length and that popped slots are cleared.
func TestQueueFIFO(t *testing.T) {
	for _, batch := range []int{1, 3, blockSize - 1, blockSize, blockSize + 1, 3*blockSize + 7} {
		var q queue
		next, want := 0, 0
		for round := 0; round < 5; round++ {
			for i := 0; i < batch; i++ {
				q.push(goTask(nil), int64(next))
				next++
			}
			for i := 0; i < batch/2+round%2; i++ {
				_, at := q.pop()
				if int(at) != want {
					t.Fatalf("batch %d: pop() at = %d; want %d", batch, at, want)
				}
				want++
			}
			if q.len() != next-want {
				t.Fatalf("batch %d: len() = %d; want %d", batch, q.len(), next-want)
			}
		}
		for q.len() > 0 {
			_, at := q.pop()
			if int(at) != want {
				t.Fatalf("batch %d: pop() at = %d; want %d", batch, at, want)
			}
			want++
		}
		if tk, _ := q.pop(); tk != nil {
			t.Fatalf("batch %d: pop() on an empty queue returned a task", batch)
		}
		for b := q.head; b != nil; b = b.next {
			for i := 0; i < b.head; i++ {
				if b.entries[i].t != nil {
					t.Fatalf("batch %d: a popped slot still holds its task", batch)
				}
			}
		}
	}
}
