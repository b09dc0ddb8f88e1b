// SPDX-License-Identifier: GPL-2.0
// Native allocations under a stack of named JS frames, to measure what naming JS frames
// costs per event. Prints "ready PID", waits for SIGUSR1, runs ITERS calls (each mallocs (256 bytes: above V8's on-heap limit for small buffers)
// a backing store and a few bookkeeping objects, freed later by the GC) through DEPTH JS
// frames, prints "ns_per_call N", waits for SIGUSR1 again and exits.
'use strict';

const ITERS = +(process.env.ITERS || 20000);
const DEPTH = +(process.env.DEPTH || 10);

function leaf() {
  return Buffer.allocUnsafeSlow(256).length;
}

function nest(d) {
  return d ? nest(d - 1) + 0 : leaf();
}

let phase = 0;
process.on('SIGUSR1', () => {
  if (++phase > 1)
    process.exit(0);
  const t0 = process.hrtime.bigint();
  let s = 0;
  for (let i = 0; i < ITERS; i++)
    s += nest(DEPTH);
  const ns = Number(process.hrtime.bigint() - t0) / ITERS;
  console.log('ns_per_call ' + ns.toFixed(0) + ' ' + s);
});
setInterval(() => {}, 1000);
for (let i = 0; i < 2000; i++)
  nest(DEPTH); // warm up: compile, then steady state
console.log('ready ' + process.pid);
