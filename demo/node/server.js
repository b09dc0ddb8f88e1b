// SPDX-License-Identifier: GPL-2.0
// The demo service: an express API in front of a TCP "database" (db.js), with the three
// leaks Node services are known for, each made by every request (or by its error path):
//   1. a listener added to a long-lived emitter and never removed (its closure holds the request's context),
//   2. a pooled connection never released when the query fails,
//   3. a Map used as a cache, without eviction.
// Usage: node server.js DB_PORT [PORT]; prints "listening PORT".
'use strict';
const express = require('express');
const net = require('net');
const { EventEmitter } = require('events');

const dbPort = Number(process.argv[2]);
const port = Number(process.argv[3] || 0);

// 1. Configuration changes are announced on one emitter for the process's lifetime.
const configBus = new EventEmitter();
configBus.setMaxListeners(0);

// 2. A small driver: one query at a time per connection, one line per answer.
class Connection {
	constructor(sock) {
		this.sock = sock;
		this.pending = null;
		this.buf = '';
		sock.setNoDelay(true);
		sock.on('data', (d) => {
			this.buf += d;
			const nl = this.buf.indexOf('\n');
			if (nl >= 0 && this.pending) {
				const line = this.buf.slice(0, nl);
				this.buf = this.buf.slice(nl + 1);
				const done = this.pending;
				this.pending = null;
				done(line);
			}
		});
	}

	query(sql) {
		return new Promise((resolve) => {
			this.pending = resolve;
			this.sock.write(`${sql}\n`);
		});
	}
}

class Pool {
	constructor(port) {
		this.port = port;
		this.idle = [];
		this.busy = new Set();
	}

	acquire() {
		const idle = this.idle.pop();
		if (idle) {
			this.busy.add(idle);
			return Promise.resolve(idle);
		}
		const { port, busy } = this;
		return new Promise(function openConnection(resolve, reject) {
			const sock = net.connect(port, '127.0.0.1', () => {
				const c = new Connection(sock);
				busy.add(c);
				resolve(c);
			});
			sock.once('error', reject);
		});
	}

	release(c) {
		this.busy.delete(c);
		this.idle.push(c);
	}
}

const pool = new Pool(dbPort);

// 3. Prices by order and request time: a new key every request, nothing ever evicted.
const priceCache = new Map();

async function loadOrder(id) {
	const conn = await pool.acquire();
	const row = await conn.query(`SELECT * FROM orders WHERE id=${id}`);
	if (row.startsWith('ERR'))
		throw new Error(`database: ${row.slice(4)}`);  // leaks conn: release() is skipped
	pool.release(conn);
	return JSON.parse(row);
}

const app = express();
app.disable('x-powered-by');
let served = 0;

// 1. Each request's context subscribes to config changes and never unsubscribes: the
// listener's closure keeps the context alive.
function watchConfig(id) {
	const ctx = { id, started: Date.now(), trail: new Array(256).fill(id) };
	configBus.on('config-change', () => ctx.trail.push('reloaded'));
	return ctx;
}

// 3. A new key per request, never evicted.
function cachePrice(id, started) {
	priceCache.set(`${id}@${started}:${served}`, { id, lines: new Array(192).fill(id * 3) });
}

app.get('/orders/:id', async (req, res) => {
	const id = Number(req.params.id) || 0;
	const ctx = watchConfig(id);
	cachePrice(id, ctx.started);
	served++;
	try {
		res.json(await loadOrder(id));
	} catch (e) {
		res.status(502).json({ error: e.message });
	}
});

app.get('/stats', (req, res) => {
	res.json({ served, listeners: configBus.listenerCount('config-change'),
		   cache: priceCache.size, connections_busy: pool.busy.size,
		   connections_idle: pool.idle.length });
});

const server = app.listen(port, '127.0.0.1', () => {
	console.log(`listening ${server.address().port}`);
});
process.on('SIGTERM', () => process.exit(0));
