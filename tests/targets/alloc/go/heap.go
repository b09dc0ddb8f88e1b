// SPDX-License-Identifier: GPL-2.0
// go_heap's work (no cgo): 1000 x 1000 bytes kept on the Go heap, none through malloc.

package main

const name = "go_heap"

var kept [][]byte

func leak() {
	for i := 0; i < 1000; i++ {
		kept = append(kept, make([]byte, 1000))
	}
}
