//go:build !linux

package main

import "os"

// waitExited would wait until p has exited without reaping it. Only Linux has that
// here, so elsewhere it reports false, and what a job leaves running in its process
// group when its command exits on its own is not killed.
func waitExited(p *os.Process) bool { return false }
