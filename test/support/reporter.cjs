// Mocha reporter: the spec output, then one closing line of totals taken from
// the runner's own statistics ("N passed, N failed, N skipped"). When
// SSPR_TOTALS_FILE is set, the same totals are also written there as JSON so
// that .ci/run can add up several suites.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const Mocha = require('mocha');

const { EVENT_RUN_END } = Mocha.Runner.constants;

class TotalsReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once(EVENT_RUN_END, () => {
      const stats = runner.stats ?? { passes: 0, failures: 0, pending: 0 };
      const totals = { passed: stats.passes, failed: stats.failures, skipped: stats.pending };
      const file = process.env.SSPR_TOTALS_FILE;
      if (file) {
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, JSON.stringify(totals));
      }
      // Printed after the spec epilogue so it is the last line.
      process.nextTick(() => {
        console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
      });
    });
  }
}

module.exports = TotalsReporter;
