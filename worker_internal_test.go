package futures

import (
	"testing"
	"unsafe"
)

// TestWorkerSize pins the worker's size to its allocation size class: a thousand
// workers (workload D) are a thousand of these per executor, and one field more can
// move them to the next class.
func TestWorkerSize(t *testing.T) {
	if got := unsafe.Sizeof(worker{}); got > 240 {
		t.Errorf("a worker is %d bytes; want at most 240 (the size class it is allocated from)", got)
	}
}
