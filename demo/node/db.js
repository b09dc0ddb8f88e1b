// SPDX-License-Identifier: GPL-2.0
// The demo's "database": a TCP server on 127.0.0.1 that answers one line per query line,
// a JSON row, or "ERR ..." for one order in ERROR_EVERY (a deadlock, say). Prints
// "listening PORT" once it accepts connections.
'use strict';
const net = require('net');

const ERROR_EVERY = 20;
const port = Number(process.argv[2] || 0);

const server = net.createServer((sock) => {
	let buf = '';
	sock.setNoDelay(true);
	sock.on('data', (d) => {
		buf += d;
		let nl;
		while ((nl = buf.indexOf('\n')) >= 0) {
			const m = /id=(\d+)/.exec(buf.slice(0, nl));
			buf = buf.slice(nl + 1);
			const id = m ? Number(m[1]) : 0;
			if (id % ERROR_EVERY === 0)
				sock.write('ERR deadlock detected\n');
			else
				sock.write(`${JSON.stringify({ id, customer: id % 997, total: id * 3 })}\n`);
		}
	});
	sock.on('error', () => {});
});

server.listen(port, '127.0.0.1', () => console.log(`listening ${server.address().port}`));
process.on('SIGTERM', () => process.exit(0));
