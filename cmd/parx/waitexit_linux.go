package main

import (
	"os"
	"syscall"
	"unsafe"
)

// waitExited waits until the process p has exited, without reaping it (waitid with
// WNOWAIT), so that its process group can still be signaled safely. It reports false
// if it could not wait, and the caller must then not signal the group after the
// process exits.
func waitExited(p *os.Process) bool {
	const pPID = 1     // P_PID
	var info [128]byte // siginfo_t, unused
	for {
		_, _, errno := syscall.Syscall6(syscall.SYS_WAITID, pPID, uintptr(p.Pid),
			uintptr(unsafe.Pointer(&info)), syscall.WEXITED|syscall.WNOWAIT, 0, 0)
		switch errno {
		case 0:
			return true
		case syscall.EINTR:
			continue
		default:
			return false
		}
	}
}
