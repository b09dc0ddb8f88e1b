// SPDX-License-Identifier: GPL-2.0
// One Go program built twice, main.go with one work file (Makefile): go_heap (heap.go,
// CGO_ENABLED=0) keeps its heap in the Go runtime, out of malloc's reach; go_cgo (cgo.go,
// CGO_ENABLED=1) keeps blocks from C.malloc, which are traced. Follows the targets'
// protocol (target.h): "ready PID", the work on SIGUSR1, its truth line, "done"; argv[1]
// "exit" or "launch" exits after "done".
package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	usr1 := make(chan os.Signal, 2)
	signal.Notify(usr1, syscall.SIGUSR1)
	fmt.Printf("ready %d\n", os.Getpid())
	select {
	case <-usr1:
	case <-time.After(120 * time.Second):
		os.Exit(3)
	}
	leak()
	fmt.Printf("{\"target\": \"%s\", \"leaks\": [], \"absent\": \"\", "+
		"\"unknown_free_min\": 0, \"unknown_free_max\": -1}\n", name)
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
