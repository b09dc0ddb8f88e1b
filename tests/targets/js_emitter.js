// SPDX-License-Identifier: GPL-2.0
// A listener per request on a long-lived EventEmitter: the leak adds one with on() and
// never removes it, so every request's context stays reachable from the emitter; the fix
// removes it when the request ends.
'use strict';
const { EventEmitter } = require('events');
const { run } = require('./js_target.js');

const REQUESTS_PER_TICK = 250;
const configBus = new EventEmitter();
configBus.setMaxListeners(0);
let served = 0;

function handleRequest(id, leak) {
	// 2 KiB of per-request state in the JS heap (a constant string would be shared)
	const ctx = { id, body: new Array(256).fill(id), headers: { 'x-request-id': String(id) } };
	const onConfigChange = () => ctx.body.length;
	configBus.on('config-change', onConfigChange);
	const reply = `${ctx.headers['x-request-id']}:${ctx.body.length}`;
	if (!leak)
		configBus.removeListener('config-change', onConfigChange);
	served++;
	return reply;
}

run('js_emitter', async (leak, tick) => {
	for (let i = 0; i < REQUESTS_PER_TICK; i++)
		handleRequest(tick * REQUESTS_PER_TICK + i, leak);
}, {
	truth: () => ({ requests: served, listeners: configBus.listenerCount('config-change') }),
});
