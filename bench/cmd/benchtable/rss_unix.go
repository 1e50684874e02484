//go:build unix

package main

import (
	"os"
	"runtime"
	"syscall"
)

// peakRSS returns the finished process's maximum resident set size in bytes, or 0.
func peakRSS(ps *os.ProcessState) float64 {
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok {
		return 0
	}
	if runtime.GOOS == "darwin" || runtime.GOOS == "ios" {
		return float64(ru.Maxrss) // bytes
	}
	return float64(ru.Maxrss) * 1024 // KiB
}
