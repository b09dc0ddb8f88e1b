// SPDX-License-Identifier: GPL-2.0
// The demo's load: CONNECTIONS keep-alive clients asking for orders, RATE requests a
// second in all at most, for SECONDS. Usage: node load.js PORT SECONDS [CONNECTIONS] [RATE].
// Prints one line at the end: requests answered, errors, and the service's /stats.
'use strict';
const http = require('http');

const port = Number(process.argv[2]);
const seconds = Number(process.argv[3] || 30);
const connections = Number(process.argv[4] || 8);
const rate = Number(process.argv[5] || 300);
const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
const end = Date.now() + seconds * 1000;
let ok = 0, failed = 0, next = 1;

function get(path) {
	return new Promise((resolve) => {
		const req = http.get({ host: '127.0.0.1', port, path, agent }, (res) => {
			let body = '';
			res.on('data', (d) => { body += d; });
			res.on('end', () => resolve({ status: res.statusCode, body }));
		});
		req.on('error', () => resolve({ status: 0, body: '' }));
	});
}

async function client() {
	const gap = (1000 * connections) / rate;
	while (Date.now() < end) {
		const t0 = Date.now();
		const r = await get(`/orders/${next++}`);
		if (r.status === 200)
			ok++;
		else
			failed++;
		const wait = gap - (Date.now() - t0);
		if (wait > 0)
			await new Promise((resolve) => setTimeout(resolve, wait));
	}
}

Promise.all(Array.from({ length: connections }, client)).then(async () => {
	const stats = await get('/stats');
	console.log(`load: ${ok} answered, ${failed} failed (502: the database's errors); ` +
		    `service: ${stats.body}`);
	agent.destroy();
});
process.on('SIGTERM', () => process.exit(0));
