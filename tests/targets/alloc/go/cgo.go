// SPDX-License-Identifier: GPL-2.0
// go_cgo's work: 100 x C.malloc(1000) kept; the Go heap is out of reach, these are traced.

package main

// #include <stdlib.h>
import "C"

import "unsafe"

const name = "go_cgo"

var kept []unsafe.Pointer

func leak() {
	for i := 0; i < 100; i++ {
		kept = append(kept, C.malloc(1000))
	}
}
