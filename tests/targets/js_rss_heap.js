// SPDX-License-Identifier: GPL-2.0
// RSS that grows through the JS heap: each tick keeps OBJECTS_PER_TICK small objects with an
// array each (about 256 KiB of JS heap a tick) in an array that is never trimmed; the fix
// keeps only the latest tick's. 40 ticks of 200 ms: 8 s, about 1.25 MiB/s of live JS heap.
'use strict';
const { run } = require('./js_target.js');

const OBJECTS_PER_TICK = 512;
let kept = [];

function rememberRequest(tick, i, leak) {
	const o = { tick, i, payload: new Array(56).fill(tick + i) };
	if (leak)
		kept.push(o);
	else
		kept = [o];
}

run('js_rss_heap', async (leak, tick) => {
	for (let i = 0; i < OBJECTS_PER_TICK; i++)
		rememberRequest(tick, i, leak);
}, {
	ticks: 40,
	truth: () => ({ objects: kept.length }),
});
