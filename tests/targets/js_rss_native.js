// SPDX-License-Identifier: GPL-2.0
// RSS that grows through the native heap while the JS heap stays flat: each tick keeps
// BUFFERS_PER_TICK Buffers of BUFFER bytes (allocUnsafeSlow mallocs each backing store, under
// glibc's mmap threshold: from the heap), written so that they are resident. The fix drops
// them. 40 ticks of 200 ms: 8 s, about 1.25 MiB/s.
'use strict';
const { run } = require('./js_target.js');

const BUFFER = 64 * 1024;
const BUFFERS_PER_TICK = 4;
const kept = [];

function retainBuffer(leak) {
	const b = Buffer.allocUnsafeSlow(BUFFER);
	b.fill(7);
	if (leak)
		kept.push(b);
}

run('js_rss_native', async (leak) => {
	for (let i = 0; i < BUFFERS_PER_TICK; i++)
		retainBuffer(leak);
}, {
	ticks: 40,
	truth: () => ({ buffers: kept.length, bytes: kept.length * BUFFER }),
});
