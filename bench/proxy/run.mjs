// `pnpm bench:proxy`: HTTP/1.1 keep-alive and h2c throughput and latency through the meshkit proxy,
// nginx and HAProxy (Debian packages) in front of the same upstream, plus the upstream direct.
// Each proxy and the upstream share core 0; the load generator runs on core 1.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { haproxyConf, meshkitBootstrap, proxyNginxConf, upstreamNginxConf } from './configs.mjs';
import { installMissing, waitForPort } from './processes.mjs';
import { byArea, topFunctions } from './profile-summary.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = 50;
const BODY = 'x'.repeat(1024);
const PORTS = { upstream: 18000, direct: 18000, meshkit: 18010, nginx: 18020, haproxy: 18030, 'node-floor': 18040, 'node-relay': 18060, admin: 18050 };
const PACKAGES = { nginx: 'nginx', haproxy: 'haproxy', wrk: 'wrk', h2load: 'nghttp2-client' };
const dir = mkdtempSync(path.join(tmpdir(), 'meshkit-bench-'));
const children = [];

const pids = {};
function start(name, command, args) {
  const child = spawn('taskset', ['-c', '0', command, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr.on('data', (d) => process.env.BENCH_VERBOSE && process.stderr.write(`[${name}] ${d}`));
  children.push(child);
  pids[name] = child.pid; // taskset execs the command, so this is the process itself
  return child;
}

/** CPU time (user + system, in clock ticks) a process and its direct children have used so far. */
function cpuTicks(pid) {
  const children = execFileSync('sh', ['-c', `pgrep -P ${pid} || true`], { encoding: 'utf8' }).split('\n').filter(Boolean);
  let ticks = 0;
  for (const id of [String(pid), ...children]) {
    // Fields after the command name: state is the first, utime the 12th, stime the 13th.
    const fields = readFileSync(`/proc/${id}/stat`, 'utf8').split(') ')[1].split(' ');
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks;
}
const TICK_US = 1e6 / Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));

/** The CPU (µs) `pid` spent per request since it had used `ticksBefore`; NaN without a pid or requests. */
function cpuPerRequest(pid, ticksBefore, requests) {
  return pid === undefined || requests === 0 ? Number.NaN : ((cpuTicks(pid) - ticksBefore) * TICK_US) / requests;
}

/** wrk against `port`; with `pid`, also the CPU that process spent per request (µs). */
function wrk(port, pid) {
  const before = pid === undefined ? 0 : cpuTicks(pid);
  const out = execFileSync('taskset', ['-c', '1', 'wrk', '-t1', `-c${CONNECTIONS}`, `-d${SECONDS}s`, '--latency', `http://127.0.0.1:${port}/`], { encoding: 'utf8' });
  const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0);
  const cpuUs = cpuPerRequest(pid, before, requests);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0);
  const ms = (label) => {
    const m = new RegExp(`${label}%\\s+([\\d.]+)(us|ms|s)`).exec(out);
    if (!m) return Number.NaN;
    return Number(m[1]) * (m[2] === 'us' ? 0.001 : m[2] === 's' ? 1000 : 1);
  };
  return { rps, p50: ms('50'), p99: ms('99'), cpuUs };
}

/** h2load (h2c) against `port + 1`; with `pid`, also the CPU that process spent per request (µs). */
function h2load(port, pid) {
  const before = pid === undefined ? 0 : cpuTicks(pid);
  const out = execFileSync('taskset', ['-c', '1', 'h2load', '-c', String(CONNECTIONS / 5), '-m', '10', '-D', String(SECONDS), `http://127.0.0.1:${port + 1}/`], { encoding: 'utf8' });
  const requests = Number(/(\d+) succeeded/.exec(out)?.[1] ?? 0);
  const cpuUs = cpuPerRequest(pid, before, requests);
  return { rps: Number(/finished in [\d.]+\w+, ([\d.]+) req\/s/.exec(out)?.[1] ?? 0), cpuUs };
}

function fixedRate(port) {
  const out = execFileSync('taskset', ['-c', '1', process.execPath, path.join(root, 'bench/proxy/open-loop.mjs'), `http://127.0.0.1:${port}/`, '1000', String(SECONDS)], {
    encoding: 'utf8',
  });
  return JSON.parse(out);
}

function stopAll() {
  for (const child of children) if (child.exitCode === null) child.kill('SIGINT');
}
process.on('exit', stopAll);

installMissing(PACKAGES);
writeFileSync(path.join(dir, 'upstream.conf'), upstreamNginxConf({ dir, port: PORTS.upstream, body: BODY }));
writeFileSync(path.join(dir, 'nginx.conf'), proxyNginxConf({ dir, port: PORTS.nginx, upstreamPort: PORTS.upstream }));
writeFileSync(path.join(dir, 'haproxy.cfg'), haproxyConf({ port: PORTS.haproxy, upstreamPort: PORTS.upstream }));
writeFileSync(path.join(dir, 'meshkit.json'), JSON.stringify(meshkitBootstrap({ port: PORTS.meshkit, upstreamPort: PORTS.upstream, adminPort: PORTS.admin })));

start('upstream', 'nginx', ['-c', path.join(dir, 'upstream.conf'), '-e', path.join(dir, 'upstream-error.log')]);
start('nginx', 'nginx', ['-c', path.join(dir, 'nginx.conf'), '-e', path.join(dir, 'nginx-error.log')]);
start('haproxy', 'haproxy', ['-f', path.join(dir, 'haproxy.cfg')]);
const meshkitArgs = [path.join(root, 'apps/proxy/dist/main.js'), '-c', path.join(dir, 'meshkit.json'), '--log-level', 'error'];
// Measured without the profiler (it costs the proxy about a fifth of its throughput); profiled after.
let meshkit = start('meshkit', process.execPath, meshkitArgs);
// No proxy written on node's sockets can beat this one; see node-floor.mjs (h2c on node:http2).
start('node-floor', process.execPath, [path.join(root, 'bench/proxy/node-floor.mjs'), String(PORTS['node-floor']), String(PORTS.upstream)]);
// What node's sockets can do with no HTTP work at all; see node-relay.mjs (HTTP/1.1 only).
start('node-relay', process.execPath, [path.join(root, 'bench/proxy/node-relay.mjs'), String(PORTS['node-relay']), String(PORTS.upstream)]);
for (const port of [PORTS.upstream, PORTS.nginx, PORTS.haproxy, PORTS.meshkit, PORTS['node-floor'], PORTS['node-relay']]) await waitForPort(port);

// HTTP/1.1 throughput is measured in interleaved rounds and the median kept: this machine's
// neighbours come and go, and a ratio taken from one run of each target can be off by a third.
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const TARGETS = ['direct', 'meshkit', 'nginx', 'haproxy', 'node-floor', 'node-relay'];
const pidOf = (target) => pids[target === 'direct' ? 'upstream' : target];
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const h1Runs = Object.fromEntries(TARGETS.map((target) => [target, []]));
for (const target of TARGETS) wrk(PORTS[target]); // warm-up
for (let round = 1; round <= ROUNDS; round++) {
  console.log(`HTTP/1.1 round ${round}/${ROUNDS}…`);
  for (const target of TARGETS) h1Runs[target].push(wrk(PORTS[target], pidOf(target)));
}
// Latency at a fixed rate is taken the same way: this machine's own tail (the direct row) moves
// by a millisecond from run to run, as much as the difference being measured. A warm-up run comes
// first, as for h2c: full-speed load leaves the code of a mostly idle proxy (a read per poll phase,
// timers that fire) cold, and V8 compiles it during the first fixed-rate run, on the core the proxy
// shares (meshkit, traced once: ten compilations of 1-8 ms in that run, three in the fourth).
for (const target of TARGETS) fixedRate(PORTS[target]); // warm-up
const latencyRuns = Object.fromEntries(TARGETS.map((target) => [target, []]));
for (let round = 1; round <= ROUNDS; round++) {
  console.log(`fixed-rate round ${round}/${ROUNDS}…`);
  for (const target of TARGETS) latencyRuns[target].push(fixedRate(PORTS[target]));
}
// h2c in interleaved rounds too, after a warm-up run: the HTTP/1.1 rounds leave the HTTP/2 code cold.
// It comes last, so the fixed-rate rounds follow the HTTP/1.1 load as they always did: measured
// right after the h2c load, meshkit's first fixed-rate round once gave a p99 of 34 ms.
const H2_TARGETS = TARGETS.filter((target) => target !== 'node-relay');
const h2Runs = Object.fromEntries(H2_TARGETS.map((target) => [target, []]));
for (const target of H2_TARGETS) h2load(PORTS[target]); // warm-up
for (let round = 1; round <= ROUNDS; round++) {
  console.log(`h2c round ${round}/${ROUNDS}…`);
  for (const target of H2_TARGETS) h2Runs[target].push(h2load(PORTS[target], pidOf(target)));
}
const rows = [];
for (const target of TARGETS) {
  const rps = median(h1Runs[target].map((run) => run.rps));
  const h1 = h1Runs[target].find((run) => run.rps === rps);
  const h2Rounds = h2Runs[target] ?? [];
  const h2 = h2Rounds.length === 0 ? { rps: 0, cpuUs: Number.NaN } : { rps: median(h2Rounds.map((run) => run.rps)), cpuUs: median(h2Rounds.map((run) => run.cpuUs)) };
  const cpuUs = median(h1Runs[target].map((run) => run.cpuUs));
  const latency = { p50: median(latencyRuns[target].map((run) => run.p50)), p99: median(latencyRuns[target].map((run) => run.p99)) };
  rows.push({ target, h1, h2, latency, cpuUs });
}

const by = Object.fromEntries(rows.map((r) => [r.target, r]));
const ratio = (a, b) => (b > 0 ? (a / b).toFixed(2) : 'n/a');
console.log(`\n1 KB responses, ${CONNECTIONS} connections, ${SECONDS} s per run (throughput, CPU and fixed-rate latency: medians of ${ROUNDS} interleaved rounds; wrk's p50/p99 from the median round); proxy+upstream on core 0, load on core 1\n`);
console.log('| target | HTTP/1.1 req/s | vs nginx | vs direct | CPU µs/req | p50 ms | p99 ms | h2c req/s | vs nginx | h2c CPU µs/req | p50 @1000 rps | p99 @1000 rps | added p99 |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  const added = (r.latency.p99 - by.direct.latency.p99).toFixed(3);
  console.log(
    `| ${r.target} | ${r.h1.rps.toFixed(0)} | ${ratio(r.h1.rps, by.nginx.h1.rps)} | ${ratio(r.h1.rps, by.direct.h1.rps)} | ${r.cpuUs.toFixed(1)} | ${r.h1.p50.toFixed(2)} | ${r.h1.p99.toFixed(2)} | ${r.h2.rps > 0 ? r.h2.rps.toFixed(0) : '-'} | ${r.h2.rps > 0 ? ratio(r.h2.rps, by.nginx.h2.rps) : '-'} | ${r.h2.rps > 0 ? r.h2.cpuUs.toFixed(1) : '-'} | ${r.latency.p50.toFixed(3)} | ${r.latency.p99.toFixed(3)} | ${r.target === 'direct' ? '-' : added} |`,
  );
}

console.log(`\nHTTP/1.1: meshkit ${ratio(by.meshkit.h1.rps, by['node-floor'].h1.rps)}× the node floor, which is ${ratio(by['node-floor'].h1.rps, by.nginx.h1.rps)}× nginx; the node relay is ${ratio(by['node-relay'].h1.rps, by.nginx.h1.rps)}× nginx.`);
console.log(`h2c: meshkit ${ratio(by.meshkit.h2.rps, by['node-floor'].h2.rps)}× the node floor, which is ${ratio(by['node-floor'].h2.rps, by.nginx.h2.rps)}× nginx.`);
// Proxy and upstream share core 0, so a proxy's rate is about 1 / (its CPU + the upstream's) per request.
const upstreamUs = by.direct.cpuUs;
const budgetUs = (1 / 0.8) * (by.nginx.cpuUs + upstreamUs) - upstreamUs;
console.log(`CPU per request: upstream ${upstreamUs.toFixed(1)} µs; 0.8× nginx on the shared core needs a proxy at ≤ ${budgetUs.toFixed(1)} µs (nginx ${by.nginx.cpuUs.toFixed(1)}, meshkit ${by.meshkit.cpuUs.toFixed(1)}).`);
console.log(`HTTP/1.1 rounds (req/s): ${TARGETS.map((target) => `${target} ${h1Runs[target].map((run) => run.rps.toFixed(0)).join('/')}`).join(', ')}`);
console.log(`h2c rounds (req/s): ${H2_TARGETS.map((target) => `${target} ${h2Runs[target].map((run) => run.rps.toFixed(0)).join('/')}`).join(', ')}`);
console.log(`p99 @1000 rps rounds (ms): ${TARGETS.map((target) => `${target} ${latencyRuns[target].map((run) => run.p99.toFixed(2)).join('/')}`).join(', ')}`);
meshkit.kill('SIGINT');
await new Promise((resolve) => meshkit.once('exit', resolve));
console.log('\nprofiling meshkit (a separate run under the same HTTP/1.1 load)…');
meshkit = start('meshkit', process.execPath, ['--cpu-prof', '--cpu-prof-dir', dir, ...meshkitArgs]);
await waitForPort(PORTS.meshkit);
wrk(PORTS.meshkit);
meshkit.kill('SIGINT');
await new Promise((resolve) => meshkit.once('exit', resolve));
const profile = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
if (profile !== undefined) {
  console.log('meshkit proxy CPU profile (self time as a share of busy time), by area:');
  for (const { name, percent } of byArea(path.join(dir, profile))) console.log(`  ${percent.toFixed(1).padStart(5)}%  ${name}`);
  console.log('and by function:');
  for (const { name, percent } of topFunctions(path.join(dir, profile))) console.log(`  ${percent.toFixed(1).padStart(5)}%  ${name}`);
}
stopAll();
