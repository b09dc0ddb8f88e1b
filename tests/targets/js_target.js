// SPDX-License-Identifier: GPL-2.0
// The protocol the JS targets follow with the integration suite, as target.h does for the
// C ones: "ready PID", wait for the tracer (SIGUSR2: Node keeps SIGUSR1 for its inspector),
// "go", the work in ticks each ended by a forced mark-compact (run with --expose-gc), the
// truth JSON, "done". argv: VARIANT (leak|fixed) [wait|hold|launch]; launch starts at once and
// exits after "done"; hold waits like wait but leaves the work's resources open.
// opts.forcedGc false: no forced collection, V8 collects when it decides to (a service
// under load); --expose-gc is then not needed. opts.tickMs: the tick (default 200 ms).
// A third argument "load" does the same for any target, for LOAD_TICKS ticks; "ticks=N" keeps
// the target's own GC choice and runs N ticks.
'use strict';

const DEFAULT_TICK_MS = 200;
const LOAD_TICKS = 100;
const GO_TIMEOUT_MS = 120000;
const LINGER_MS = 60000;

function run(name, tick, opts) {
	const variant = process.argv[2] || 'leak';
	const mode = process.argv[3] || 'wait';
	const load = process.argv[4] === 'load';
	const ticksArg = /^ticks=(\d+)$/.exec(process.argv[4] || '');
	const ticks = load ? LOAD_TICKS : ticksArg ? Number(ticksArg[1]) : opts.ticks || 12;
	const tickMs = opts.tickMs || DEFAULT_TICK_MS;
	const forcedGc = opts.forcedGc !== false && !load;
	if (variant !== 'leak' && variant !== 'fixed') {
		process.stderr.write(`usage: ${name} leak|fixed [wait|hold|launch]\n`);
		process.exit(2);
	}
	if (forcedGc && typeof gc !== 'function') {
		process.stderr.write(`${name}: run with --expose-gc\n`);
		process.exit(2);
	}
	const keepalive = setTimeout(() => {
		process.stderr.write(`${name}: no SIGUSR2 within ${GO_TIMEOUT_MS} ms\n`);
		process.exit(3);
	}, GO_TIMEOUT_MS);

	async function work() {
		clearTimeout(keepalive);
		console.log('go');
		let t0 = Date.now();
		for (let i = 0; i < ticks; i++) {
			await tick(variant === 'leak', i);
			if (forcedGc)
				gc();
			const next = t0 + (i + 1) * tickMs;
			await new Promise((r) => setTimeout(r, Math.max(0, next - Date.now())));
		}
		const truth = Object.assign({ target: name, variant, ticks,
					      forced_gcs: forcedGc ? ticks : 0,
					      expect: variant === 'leak' ? 'growing' : 'stable' },
					    opts.truth ? opts.truth() : {});
		console.log(JSON.stringify(truth));
		console.log('done');
		// hold: keep what the work left open until the test has its report
		if (opts.cleanup && mode !== 'hold')
			await opts.cleanup();
		if (mode === 'launch')
			process.exit(0);
		setTimeout(() => process.exit(0), LINGER_MS);
	}

	// ready only once the setup (a listening server) is complete
	Promise.resolve(opts.setup ? opts.setup() : null).then(() => {
		console.log(`ready ${process.pid}`);
		if (mode === 'launch')
			work();
		else
			process.once('SIGUSR2', work);
	});
}

module.exports = { run };
