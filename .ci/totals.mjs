// Adds up the totals each mocha run wrote (test/support/reporter.cjs) and
// prints them as the last line: "N passed, N failed, N skipped".
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2] ?? 'test-results/totals';
const sum = { passed: 0, failed: 0, skipped: 0 };
let files = 0;
for (const name of readdirSync(dir).filter((file) => file.endsWith('.json'))) {
  const totals = JSON.parse(readFileSync(join(dir, name), 'utf8'));
  sum.passed += totals.passed;
  sum.failed += totals.failed;
  sum.skipped += totals.skipped;
  files += 1;
}
if (files === 0) {
  console.log('no test totals were written');
  console.log('0 passed, 1 failed');
  process.exit(1);
}
console.log(`${sum.passed} passed, ${sum.failed} failed, ${sum.skipped} skipped`);
process.exit(sum.failed > 0 ? 1 : 0);
