// SPDX-License-Identifier: GPL-2.0
// Connections checked out of a pool over a real local TCP socket: when the server answers
// with an error, the leaking handler throws before it releases the connection, which stays
// checked out (and open) for good; the fix releases it in a finally block.
'use strict';
const net = require('net');
const { run } = require('./js_target.js');

const REQUESTS_PER_TICK = 40;
const ERROR_EVERY = 4;  // the server fails one request in four

// The backend: answers "ok" or "err" to each line.
const server = net.createServer((sock) => {
	let buf = '';
	sock.on('data', (d) => {
		buf += d;
		let nl;
		while ((nl = buf.indexOf('\n')) >= 0) {
			const n = Number(buf.slice(0, nl));
			buf = buf.slice(nl + 1);
			sock.write(n % ERROR_EVERY === 0 ? 'err\n' : 'ok\n');
		}
	});
});

class Connection {
	constructor(sock) {
		this.sock = sock;
		// per-connection state a driver keeps: a read buffer, prepared statements
		this.scratch = new Array(8192).fill(0);
		this.pending = null;
		let buf = '';
		sock.on('data', (d) => {
			buf += d;
			const nl = buf.indexOf('\n');
			if (nl >= 0 && this.pending) {
				const line = buf.slice(0, nl);
				buf = buf.slice(nl + 1);
				const p = this.pending;
				this.pending = null;
				p(line);
			}
		});
	}

	query(n) {
		return new Promise((resolve) => {
			this.pending = resolve;
			this.sock.write(`${n}\n`);
		});
	}
}

function openPooledConnection(port) {
	return new Promise((resolve, reject) => {
		const sock = net.connect(port, '127.0.0.1', () => resolve(new Connection(sock)));
		sock.once('error', reject);
	});
}

class Pool {
	constructor(port) {
		this.port = port;
		this.idle = [];
		this.busy = new Set();
		this.opened = 0;
	}

	async acquire() {
		let c = this.idle.pop();
		if (!c) {
			c = await openPooledConnection(this.port);
			this.opened++;
		}
		this.busy.add(c);
		return c;
	}

	release(c) {
		this.busy.delete(c);
		this.idle.push(c);
	}

	close() {
		for (const c of [...this.idle, ...this.busy])
			c.sock.destroy();
	}
}

let pool;
let failures = 0;

async function handleLeaky(n) {
	const c = await pool.acquire();
	const answer = await c.query(n);
	if (answer !== 'ok')
		throw new Error(`query ${n} failed`);  // c is never released
	pool.release(c);
}

async function handleFixed(n) {
	const c = await pool.acquire();
	try {
		const answer = await c.query(n);
		if (answer !== 'ok')
			throw new Error(`query ${n} failed`);
	} finally {
		pool.release(c);
	}
}

let next = 1;
run('js_pool', async (leak) => {
	const handler = leak ? handleLeaky : handleFixed;
	// four requests at a time, as a server under light load would have
	for (let i = 0; i < REQUESTS_PER_TICK; i += 4) {
		const batch = [];
		for (let k = 0; k < 4; k++)
			batch.push(handler(next++).catch(() => failures++));
		await Promise.all(batch);
	}
}, {
	setup: () => new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
		pool = new Pool(server.address().port);
		resolve();
	})),
	truth: () => ({ failures, opened: pool.opened, checked_out: pool.busy.size }),
	cleanup: async () => { pool.close(); server.close(); },
});
