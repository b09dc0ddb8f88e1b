// SPDX-License-Identifier: GPL-2.0
// An HTTP service with the three JS-heap leaks of issue 12, and its fixed twin:
//   leak:  every request adds a listener closure to a long-lived emitter (watchConfig),
//          caches a session in a Map without eviction (getSession), and every 10th
//          request leaves a pooled connection checked out on its error path (checkout);
//   fixed: the listener is removed when the response finishes, the Map is a bounded LRU,
//          the connection is released in a finally block.
// It drives itself: a client loop requests /item/N from its own server, so the trace sees
// real sockets. Usage: node js_heap_app.js leak|fixed [sigusr1]
// It prints "port N" (the service) and "ready" once serving; "sigusr1" installs the app's
// own SIGUSR1 handler (a refusal case). A GET /stats answers the counts.
'use strict';
const http = require('http');
const net = require('net');
const { EventEmitter } = require('events');

const mode = process.argv[2] || 'leak';
// to tell whether a tracer's hook is still in place (GET /stats "hooked")
const originalOn = EventEmitter.prototype.on, originalPrepend = EventEmitter.prototype.prependListener;
const configBus = new EventEmitter();
configBus.setMaxListeners(0);
const sessions = new Map();
const LRU_MAX = 200;
let busy = 0, requests = 0;

if (process.argv[3] === 'sigusr1')
	process.on('SIGUSR1', () => console.log('app got SIGUSR1'));

// the local "database": answers each line with "ok" or "err"
const db = net.createServer((sock) => {
	sock.on('data', (d) => {
		for (const line of String(d).split('\n'))
			if (line)
				sock.write(Number(line) % 10 === 0 ? 'err\n' : 'ok\n');
	});
});

// A pooled client, made in checkout and connected after (as drivers do): its allocation
// stack passes through the function that checked it out.
class Connection {
	constructor(port) {
		this.scratch = new Array(4096).fill(7); // a driver's buffers
		this.pending = null;
		this.sock = net.connect(port, '127.0.0.1');
		this.ready = new Promise((resolve, reject) => {
			this.sock.once('connect', resolve);
			this.sock.once('error', reject);
		});
		this.sock.on('data', (d) => {
			const p = this.pending;
			this.pending = null;
			if (p)
				p(String(d).trim());
		});
	}
	query(n) {
		return new Promise((resolve) => {
			this.pending = resolve;
			this.sock.write(n + '\n');
		});
	}
}

const idle = [];
const leaseStats = { byPressure: {}, bySlot: new Array(32).fill(0), peakBusy: 0, checkouts: 0 };
// The pool's checkout keeps a lease record (for its stats and a leak detector's report), as
// real pools do; that bookkeeping makes it larger than TurboFan inlines into its caller, so
// that the connections' allocation stack keeps it (shared/JS-HEAP.md: inlined frames are
// not in V8's sampled stacks).
function checkout() {
	busy++;
	const lease = { n: ++leaseStats.checkouts, at: Date.now(), idle: idle.length, busy };
	lease.kind = lease.idle ? 'reuse' : 'new';
	lease.pressure = busy > 64 ? 'high' : busy > 16 ? 'medium' : busy > 4 ? 'low' : 'none';
	lease.slot = lease.n % 32;
	lease.bucket = busy < 8 ? busy : busy < 64 ? 8 + (busy >> 3) : 16;
	lease.deadline = lease.at + (lease.pressure === 'high' ? 1000 :
				     lease.pressure === 'medium' ? 5000 : 30000);
	lease.tag = lease.kind + ':' + lease.pressure + ':' + lease.slot + ':' + lease.bucket;
	if (busy > leaseStats.peakBusy)
		leaseStats.peakBusy = busy;
	leaseStats.bySlot[lease.slot]++;
	leaseStats.byPressure[lease.pressure] = (leaseStats.byPressure[lease.pressure] || 0) + 1;
	if (lease.pressure === 'high' && lease.kind === 'new')
		lease.warn = 'pool under pressure: ' + lease.tag;
	else if (lease.pressure === 'medium' && lease.bucket > 8)
		lease.warn = 'pool growing: ' + lease.tag;
	else
		lease.warn = null;
	if (idle.length) {
		const c = idle.pop();
		c.lease = lease;
		return Promise.resolve(c);
	}
	const c = new Connection(db.address().port);
	c.lease = lease;
	return c.ready.then(() => c);
}
function release(c) {
	busy--;
	idle.push(c);
}

// The labels a request carries; watchConfig and getSession fill them in place. The work
// is trivial, but it makes both functions larger than TurboFan inlines (460 bytes of
// bytecode), as most real handlers are, so that their sites keep their names.
function label(o, n) {
	o.region = n % 3 === 0 ? 'eu' : n % 3 === 1 ? 'us' : 'ap';
	o.tier = n % 5 === 0 ? 'gold' : n % 5 === 1 ? 'silver' : n % 5 === 2 ? 'bronze' : 'free';
	o.route = n % 2 === 0 ? '/item' : '/items';
	o.method = n % 7 === 0 ? 'POST' : 'GET';
	o.locale = n % 4 === 0 ? 'en' : n % 4 === 1 ? 'fr' : n % 4 === 2 ? 'de' : 'ja';
	o.zone = 'z' + (n % 9);
	o.shard = n % 16;
	o.retry = n % 11 === 0;
	o.trace = n % 13 === 0 ? 'sampled' : 'off';
	o.flags = (o.retry ? 1 : 0) | (o.trace === 'sampled' ? 2 : 0) | (o.tier === 'gold' ? 4 : 0);
}

function watchConfig(res, n) {
	const context = { request: n, note: 'x'.repeat(2048) + n };
	label(context, n);
	if (context.region === 'eu' && context.tier === 'gold')
		context.priority = 3;
	else if (context.region === 'us' || context.tier === 'silver')
		context.priority = 2;
	else if (context.locale === 'ja' && context.method === 'POST')
		context.priority = 1;
	else
		context.priority = 0;
	context.key = context.region + ':' + context.zone + ':' + context.shard + ':' + context.route;
	context.expires = Date.now() + (context.priority + 1) * 60000;
	context.owner = context.tier === 'free' ? null : context.locale + '-' + context.method;
	context.audit = context.trace === 'sampled' ? [context.key, context.owner] : null;
	context.weight = context.flags * 10 + context.priority + (context.retry ? 100 : 0);
	label(context, n + 1);
	function onConfigChange() {
		return context.note.length + context.weight;
	}
	configBus.on('change', onConfigChange);
	if (mode === 'fixed')
		res.on('finish', () => configBus.removeListener('change', onConfigChange));
}

function getSession(id) {
	let s = sessions.get(id);
	if (!s) {
		s = { id, created: Date.now(), payload: new Array(256).fill(id) };
		label(s, id.length);
		if (s.region === 'eu' && s.tier === 'gold')
			s.quota = 1000;
		else if (s.region === 'us' || s.tier === 'silver')
			s.quota = 500;
		else if (s.locale === 'ja' && s.method === 'POST')
			s.quota = 250;
		else
			s.quota = 100;
		s.key = s.region + ':' + s.zone + ':' + s.shard + ':' + s.route;
		s.expires = s.created + s.quota * 1000;
		s.owner = s.tier === 'free' ? null : s.locale + '-' + s.method;
		s.audit = s.trace === 'sampled' ? [s.key, s.owner] : null;
		s.weight = s.flags * 10 + s.quota + (s.retry ? 100 : 0);
		sessions.set(id, s);
		if (mode === 'fixed' && sessions.size > LRU_MAX)
			sessions.delete(sessions.keys().next().value);
	}
	return s;
}

async function runQuery(n) {
	const c = await checkout();
	if (mode === 'fixed') {
		try {
			const r = await c.query(n);
			if (r === 'err')
				throw new Error('query failed');
			return r;
		} finally {
			release(c);
		}
	}
	const r = await c.query(n);
	if (r === 'err')
		throw new Error('query failed'); // leak: never released
	release(c);
	return r;
}

const server = http.createServer(async (req, res) => {
	if (req.url === '/stats') {
		const hooked = EventEmitter.prototype.on !== originalOn ||
			EventEmitter.prototype.addListener !== originalOn ||
			EventEmitter.prototype.prependListener !== originalPrepend;
		res.end(JSON.stringify({ listeners: configBus.listenerCount('change'),
					 sessions: sessions.size, busy, requests, hooked }));
		return;
	}
	const n = ++requests;
	watchConfig(res, n);
	const s = getSession('sess-' + n);
	try {
		await runQuery(n);
		res.end('item ' + s.id);
	} catch (e) {
		res.statusCode = 500;
		res.end('error');
	}
});

// the load: a few requests in flight at all times
const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
function client() {
	const req = http.get({ port: server.address().port, host: '127.0.0.1',
			       path: '/item/' + requests, agent }, (res) => {
		res.resume();
		res.on('end', () => setTimeout(client, 1));
	});
	req.on('error', () => setTimeout(client, 10));
}

db.listen(0, '127.0.0.1', () => {
	server.listen(0, '127.0.0.1', () => {
		console.log('port ' + server.address().port);
		for (let i = 0; i < 4; i++)
			client();
		console.log('ready');
	});
});
