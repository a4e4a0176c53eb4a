import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

const EXTRACTED = path.resolve(import.meta.dirname, '../../../../.ci/.promtool/usr/bin/promtool');

/** Prometheus' promtool: on PATH, or where `.ci/promtool.sh` put it; undefined when neither has it. */
export const PROMTOOL: string | undefined = spawnSync('promtool', ['--version']).status === 0 ? 'promtool' : existsSync(EXTRACTED) ? EXTRACTED : undefined;
if (PROMTOOL === undefined) process.stdout.write('promtool not found (bash .ci/promtool.sh fetches it): the /stats/prometheus checks by promtool are skipped\n');

/**
 * The lint rules Envoy's and Istio's own metric names break: Envoy's stats have no HELP text, its
 * counters keep their names (`envoy_cluster_upstream_rq_retry`) and `membership_total` is a gauge;
 * Istio's durations are in milliseconds (`istio_request_duration_milliseconds`).
 */
const STANDARD_NAMING = [
  / no help text$/,
  / counter metrics should have "_total" suffix$/,
  / non-counter metrics should not have "_total" suffix$/,
  /^istio_\w+_milliseconds use base unit "seconds" instead of "milliseconds"$/,
];

/**
 * Reads `text` with `promtool check metrics`, as Prometheus would scrape it: resolves with the
 * problems it reports beyond Envoy's and Istio's naming, a parse error included (none for a
 * well-formed exposition).
 */
export function promtoolProblems(text: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(PROMTOOL ?? 'promtool', ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.once('error', reject);
    child.once('close', () => resolve(output.split('\n').filter((line) => line !== '' && !STANDARD_NAMING.some((rule) => rule.test(line)))));
    child.stdin.end(text);
  });
}
