// SPDX-License-Identifier: GPL-2.0
// Native memory leaked from named JS functions: Buffer.allocUnsafeSlow mallocs its
// backing store while the JS caller is on the stack. Same protocol as the C targets:
// "ready PID", SIGUSR1, work, the truth as JSON, "done", SIGUSR1 again, "alive".
'use strict';

const SIZE = 12345;     // bytes per leaked buffer: a size nothing else in node asks for
const CALLS = 40;      // through handleRequest
const OTHER_CALLS = 15; // through handleOtherRequest: same native stack, other JS caller
const kept = [];

function leakNativeBuffer() {
  kept.push(Buffer.allocUnsafeSlow(SIZE));
}

// One more frame between the leak and the timer callback, to see callers named too.
function handleRequest(i) {
  leakNativeBuffer();
  return i;
}

function handleOtherRequest(i) {
  leakNativeBuffer();
  return i;
}

let phase = 0;
process.on('SIGUSR1', () => {
  phase++;
  if (phase === 1) {
    for (let i = 0; i < CALLS; i++)
      handleRequest(i);
    for (let i = 0; i < OTHER_CALLS; i++)
      handleOtherRequest(i);
    console.log(JSON.stringify({
      target: 'js_native_leak', pid: process.pid,
      leaks: [{ fn: 'leakNativeBuffer', caller: 'handleRequest', bytes: SIZE * CALLS,
                count: CALLS, size: SIZE },
              { fn: 'leakNativeBuffer', caller: 'handleOtherRequest',
                bytes: SIZE * OTHER_CALLS, count: OTHER_CALLS, size: SIZE }],
    }));
    console.log('done');
  } else {
    console.log('alive');
  }
});
setInterval(() => {}, 1000);
console.log('ready ' + process.pid);
