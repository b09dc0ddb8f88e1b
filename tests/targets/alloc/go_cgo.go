// SPDX-License-Identifier: GPL-2.0
// A Go program with cgo: its Go heap is out of reach, its C.malloc blocks are traced.
// Protocol as go_heap.go: "ready PID", on SIGUSR1 100 x C.malloc(1000) kept, the truth
// line, "done".
package main

// #include <stdlib.h>
import "C"

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"
	"unsafe"
)

var kept []unsafe.Pointer

func main() {
	usr1 := make(chan os.Signal, 2)
	signal.Notify(usr1, syscall.SIGUSR1)
	fmt.Printf("ready %d\n", os.Getpid())
	select {
	case <-usr1:
	case <-time.After(120 * time.Second):
		os.Exit(3)
	}
	for i := 0; i < 100; i++ {
		kept = append(kept, C.malloc(1000))
	}
	fmt.Printf("{\"target\": \"go_cgo\", \"leaks\": [], \"absent\": \"\", " +
		"\"unknown_free_min\": 0, \"unknown_free_max\": -1}\n")
	fmt.Println("done")
	deadline := time.After(600 * time.Second)
	for {
		select {
		case <-usr1:
			fmt.Println("alive")
		case <-deadline:
			return
		}
	}
}
