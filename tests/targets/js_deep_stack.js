// SPDX-License-Identifier: GPL-2.0
// Native memory leaked under a deep JS recursion: DEPTH (95) frames of deepJs, then deepLeaf
// mallocs a Buffer's backing store. The whole stack (the JS frames, V8's entry frames,
// node's event loop down to _start) fits in the 127 frames the walker keeps. The C targets'
// protocol (js_signal_protocol.js).
'use strict';

const { serve } = require('./js_signal_protocol.js');

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

// From a timer: the outer stack is the event loop's (the signal's is as deep).
serve(function runDeep(done) {
  let depth = 0;
  for (let i = 0; i < CALLS; i++)
    depth = deepJs(DEPTH);
  done({
    target: 'js_deep_stack', pid: process.pid, depth,
    leaks: [{ fn: 'deepLeaf', caller: 'deepJs', bytes: SIZE * CALLS, count: CALLS,
              size: SIZE, depth: DEPTH }],
  });
});
