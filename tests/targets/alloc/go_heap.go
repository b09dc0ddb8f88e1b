// SPDX-License-Identifier: GPL-2.0
// A pure Go program (no cgo): its heap is the Go runtime's, not malloc's. Follows the
// targets' protocol (target.h): "ready PID", work on SIGUSR1, its truth line, "done".
package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"
)

var kept [][]byte

func main() {
	usr1 := make(chan os.Signal, 2)
	signal.Notify(usr1, syscall.SIGUSR1)
	fmt.Printf("ready %d\n", os.Getpid())
	select {
	case <-usr1:
	case <-time.After(120 * time.Second):
		os.Exit(3)
	}
	for i := 0; i < 1000; i++ {
		kept = append(kept, make([]byte, 1000))
	}
	fmt.Printf("{\"target\": \"go_heap\", \"leaks\": [], \"absent\": \"\", " +
		"\"unknown_free_min\": 0, \"unknown_free_max\": -1}\n")
	fmt.Println("done")
	if len(os.Args) > 1 && (os.Args[1] == "exit" || os.Args[1] == "launch") {
		return // as the C targets (target.h): exit after "done"
	}
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
