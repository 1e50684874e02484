//go:build !linux

package main

import "os"

// anonFile returns nil: files without a name are Linux's (O_TMPFILE).
func anonFile(string) *os.File { return nil }
