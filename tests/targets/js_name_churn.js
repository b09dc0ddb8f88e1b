// SPDX-License-Identifier: GPL-2.0
// JS frame names across garbage collections: ROUNDS rounds of FNS new functions, each with
// its own name and SharedFunctionInfo (new Function), each leaking Buffers of a size no
// other function uses; between rounds the functions are dropped and collected (scavenges
// move young objects, and the next round's functions take the addresses the last round's
// had), so a name cached by address must never be served for another function. Run with
// --expose-gc. The C targets' protocol (js_signal_protocol.js).
'use strict';

const { serve } = require('./js_signal_protocol.js');

const ROUNDS = 20;
const FNS = 20;
const BASE = 31000; // sizes BASE .. BASE + ROUNDS * FNS - 1
const CALLS = 2;    // the second call of each finds its name cached
const kept = [];

function round(r) {
  let fns = [];
  for (let k = 0; k < FNS; k++) {
    const name = 'churn_' + r + '_' + k;
    const make = new Function('kept', 'size',
      'return function ' + name + '() { kept.push(Buffer.allocUnsafeSlow(size)); };');
    fns.push(make(kept, BASE + r * FNS + k));
  }
  for (let c = 0; c < CALLS; c++)
    for (const f of fns)
      f();
  fns = null;
}

serve((done) => {
  const leaks = [];
  for (let r = 0; r < ROUNDS; r++) {
    round(r);
    global.gc({ type: 'minor' });
    global.gc();
    for (let k = 0; k < FNS; k++)
      leaks.push({ fn: 'churn_' + r + '_' + k, size: BASE + r * FNS + k, count: CALLS });
  }
  done({ target: 'js_name_churn', pid: process.pid, leaks });
});
