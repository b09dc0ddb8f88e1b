// SPDX-License-Identifier: GPL-2.0
// The C targets' protocol (target.h) for the JS targets traced as native programs: "ready
// PID", SIGUSR1, the work, the truth as JSON, "done", SIGUSR1 again, "alive". The work runs
// from a timer, called by the event loop itself, so that its stack is the one a service's
// callbacks have and no frame of this file's is in it: work(done) calls done(truth).
'use strict';

function serve(work) {
  let phase = 0;
  const done = (truth) => {
    console.log(JSON.stringify(truth));
    console.log('done');
  };
  process.on('SIGUSR1', () => {
    if (++phase === 1)
      setTimeout(work, 0, done);
    else
      console.log('alive');
  });
  setInterval(() => {}, 1000);
  console.log('ready ' + process.pid);
}

module.exports = { serve };
