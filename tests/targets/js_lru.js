// SPDX-License-Identifier: GPL-2.0
// A cache under load, with no forced collection (V8 collects when it decides to, as in a
// service): every request has a new key and leaves its entry in a Map. The leak never
// evicts; the fix is a bounded LRU that drops the least recently used entry once full, so
// its entries live long enough to be promoted to the old generation and die there (the
// garbage that makes the old generation rise between two mark-compacts in a healthy
// program too). Per request, a few KiB of short-lived garbage as a handler makes.
'use strict';
const { run } = require('./js_target.js');

const REQUESTS_PER_TICK = 1000;  // 5,000 requests a second at 200 ms ticks
const TICKS = 100;		 // 20 s of work
const LRU_MAX = 2000;		 // entries (about 2 MiB when full)
const WARMUP = 4 * LRU_MAX;	 // requests served before "ready": tracing sees a warm service
const cache = new Map();

// A Map iterates in insertion order: re-inserting on a hit makes the first key the least
// recently used one.
function lruGet(key) {
	const v = cache.get(key);
	if (v !== undefined) {
		cache.delete(key);
		cache.set(key, v);
	}
	return v;
}

function lruSet(key, v, bounded) {
	cache.set(key, v);
	if (bounded && cache.size > LRU_MAX)
		cache.delete(cache.keys().next().value);
}

function handleRequest(id, leak) {
	// the request's own garbage: a parsed body and the reply text
	const body = JSON.parse(`{"user":${id % 977},"items":[${id},${id + 1},${id + 2}]}`);
	const key = `req:${id}`;
	let entry = lruGet(key);
	if (!entry) {
		entry = { key, user: body.user, rows: new Array(120).fill(id) };  // about 1 KiB
		lruSet(key, entry, !leak);
	}
	return `${key}:${entry.rows.length}:${body.items.join(',')}`;
}

let served = 0;
const isLeak = () => process.argv[2] !== 'fixed';
run('js_lru', async (leak, tick) => {
	for (let i = 0; i < REQUESTS_PER_TICK; i++)
		handleRequest(tick * REQUESTS_PER_TICK + i, leak);
	served += REQUESTS_PER_TICK;
}, {
	setup: () => {
		for (let i = 0; i < WARMUP; i++)
			handleRequest(-1 - i, isLeak());
	},
	ticks: TICKS,
	forcedGc: false,
	truth: () => ({ requests: served, cache_entries: cache.size, lru_max: LRU_MAX }),
});
