// SPDX-License-Identifier: GPL-2.0
// Native memory leaked under a deep JS recursion: DEPTH (95) frames of deepJs, then deepLeaf
// mallocs a Buffer's backing store. The whole stack (the JS frames, V8's entry frames,
// node's event loop down to _start) fits in the 127 frames the walker keeps. Same protocol
// as the C targets: "ready PID", SIGUSR1, work, the truth as JSON, "done", SIGUSR1 again,
// "alive".
'use strict';

const SIZE = 23457; // bytes per leaked buffer: a size nothing else in node asks for
const CALLS = 8;
const DEPTH = Number(process.env.LT_JS_DEPTH || 95);
const kept = [];

function deepLeaf() {
  kept.push(Buffer.allocUnsafeSlow(SIZE));
}

// Not a tail call: the return value is used after the call returns.
function deepJs(n) {
  if (n > 1)
    return deepJs(n - 1) + 1;
  deepLeaf();
  return 1;
}

let phase = 0;
process.on('SIGUSR1', () => {
  phase++;
  if (phase !== 1) {
    console.log('alive');
    return;
  }
  // From a timer: the outer stack is the event loop's (the signal's is as deep).
  setTimeout(function runDeep() {
    let depth = 0;
    for (let i = 0; i < CALLS; i++)
      depth = deepJs(DEPTH);
    console.log(JSON.stringify({
      target: 'js_deep_stack', pid: process.pid, depth,
      leaks: [{ fn: 'deepLeaf', caller: 'deepJs', bytes: SIZE * CALLS, count: CALLS,
                size: SIZE, depth: DEPTH }],
    }));
    console.log('done');
  }, 0);
});
setInterval(() => {}, 1000);
console.log('ready ' + process.pid);
