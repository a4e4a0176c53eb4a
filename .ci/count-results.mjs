// Sums vitest's JSON reports (one per package, written by vitest.shared.ts).
//   node count-results.mjs LEG      prints "LEG passed failed skipped" for the current reports
//   node count-results.mjs --total  reads such lines on stdin and prints the closing line
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');

function countLeg() {
  const totals = { passed: 0, failed: 0, skipped: 0 };
  for (const group of ['packages', 'apps']) {
    for (const name of readdirSync(path.join(root, group))) {
      const file = path.join(root, group, name, '.vitest', 'report.json');
      if (!existsSync(file)) continue;
      const report = JSON.parse(readFileSync(file, 'utf8'));
      totals.passed += report.numPassedTests;
      // A test file that failed to load counts as a failure even though no test in it ran.
      totals.failed += report.numFailedTests + countFilesFailedWithoutTests(report);
      totals.skipped += report.numPendingTests + report.numTodoTests;
    }
  }
  return totals;
}

function countFilesFailedWithoutTests(report) {
  return report.testResults.filter((file) => file.status === 'failed' && !file.assertionResults.some((t) => t.status === 'failed')).length;
}

if (process.argv[2] === '--total') {
  const lines = readFileSync(0, 'utf8').trim().split('\n').filter(Boolean);
  const sum = { passed: 0, failed: 0, skipped: 0 };
  for (const line of lines) {
    const [leg, passed, failed, skipped] = line.split(' ');
    console.log(`Node ${leg} leg: ${passed} passed, ${failed} failed, ${skipped} skipped`);
    sum.passed += Number(passed);
    sum.failed += Number(failed);
    sum.skipped += Number(skipped);
  }
  console.log(`${sum.passed} passed, ${sum.failed} failed${sum.skipped ? `, ${sum.skipped} skipped` : ''}`);
} else {
  const { passed, failed, skipped } = countLeg();
  console.log(`${process.argv[2]} ${passed} ${failed} ${skipped}`);
}
