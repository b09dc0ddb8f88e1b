// HTTP server for leaktrace's application benchmark: express answering a small JSON payload.
// Listens on 127.0.0.1 only, on the port given (0: any free port), and prints "listening PORT".
'use strict';

const express = require('express');

const app = express();
const port = Number(process.argv[2] || 0);
let served = 0;

app.disable('x-powered-by');
app.get('/', (req, res) => {
	served++;
	// A fresh object per request, so the allocator and the V8 heap see per-request garbage.
	res.json({ ok: true, served, items: [1, 2, 3], message: 'hello from leaktrace bench' });
});

const server = app.listen(port, '127.0.0.1', () => {
	console.log(`listening ${server.address().port}`);
});

process.on('SIGTERM', () => server.close(() => process.exit(0)));
