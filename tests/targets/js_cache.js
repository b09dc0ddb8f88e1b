// SPDX-License-Identifier: GPL-2.0
// A Map used as a cache: the leak keys it by something unique per request and never
// evicts; the fix bounds it, dropping the oldest entry (a Map iterates in insertion order).
'use strict';
const { run } = require('./js_target.js');

const REQUESTS_PER_TICK = 400;
const CACHE_MAX = 256;
const sessionCache = new Map();

function lookupSession(id, leak) {
	const key = `session:${id}`;
	let s = sessionCache.get(key);
	if (!s) {
		s = { key, profile: new Array(128).fill(id), seen: Date.now() };  // 1 KiB
		sessionCache.set(key, s);
		if (!leak && sessionCache.size > CACHE_MAX)
			sessionCache.delete(sessionCache.keys().next().value);
	}
	return s.profile.length;
}

run('js_cache', async (leak, tick) => {
	for (let i = 0; i < REQUESTS_PER_TICK; i++)
		lookupSession(tick * REQUESTS_PER_TICK + i, leak);
}, {
	truth: () => ({ cache_entries: sessionCache.size }),
});
