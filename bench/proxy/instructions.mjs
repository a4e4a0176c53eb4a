// `pnpm bench:proxy:instructions`: user-space instructions per request through meshkit, the node
// floor and nginx, counted by valgrind's callgrind over a fixed number of requests after a warm-up.
// Unlike requests per second or CPU time, the count does not move with this machine's neighbours,
// so a change to the proxy can be judged by it in one run. Only the main thread is counted: what
// node's helper threads add (optimizing compiles still under way, parallel GC) varies from run to
// run. The kernel's share (the system calls, the same in number for meshkit and the floor) is not
// counted either.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { meshkitBootstrap, proxyNginxConf, upstreamNginxConf } from './configs.mjs';
import { installMissing, waitForPort } from './processes.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 20_000);
// Under valgrind, V8 takes this long to optimize the request path as it does in a second natively.
const WARM_UP = 60_000;
const PORTS = { upstream: 18100, meshkit: 18110, 'node-floor': 18120, nginx: 18130, admin: 18150 };
const dir = mkdtempSync(path.join(tmpdir(), 'meshkit-instructions-'));

installMissing({ nginx: 'nginx', h2load: 'nghttp2-client', valgrind: 'valgrind' });
writeFileSync(path.join(dir, 'upstream.conf'), upstreamNginxConf({ dir, port: PORTS.upstream, body: 'x'.repeat(1024) }));
writeFileSync(path.join(dir, 'nginx.conf'), proxyNginxConf({ dir, port: PORTS.nginx, upstreamPort: PORTS.upstream }));
writeFileSync(path.join(dir, 'meshkit.json'), JSON.stringify(meshkitBootstrap({ port: PORTS.meshkit, upstreamPort: PORTS.upstream, adminPort: PORTS.admin })));

const TARGETS = {
  // --perf-basic-prof writes /tmp/perf-PID.map, which names the JIT code callgrind cannot.
  meshkit: [process.execPath, '--perf-basic-prof', path.join(root, 'apps/proxy/dist/main.js'), '-c', path.join(dir, 'meshkit.json'), '--log-level', 'error'],
  'node-floor': [process.execPath, path.join(root, 'bench/proxy/node-floor.mjs'), String(PORTS['node-floor']), String(PORTS.upstream)],
  // One process, so the one that serves is the one counted.
  nginx: ['nginx', '-c', path.join(dir, 'nginx.conf'), '-e', path.join(dir, 'nginx-error.log'), '-g', 'master_process off;'],
};

/** h2load with a fixed request count: HTTP/1.1 as wrk loads the other benchmark, or h2c on `port + 1`. */
function load(port, protocol, requests) {
  const args = protocol === 'h1' ? ['--h1', '-c', '50'] : ['-c', '10', '-m', '10'];
  const out = execFileSync('h2load', [...args, '-n', String(requests), `http://127.0.0.1:${protocol === 'h1' ? port : port + 1}/`], { encoding: 'utf8' });
  const succeeded = Number(/(\d+) succeeded/.exec(out)?.[1] ?? 0);
  if (succeeded !== requests) throw new Error(`h2load: ${succeeded} of ${requests} requests succeeded on port ${port}`);
}

const callgrind = (pid, command) => execFileSync('callgrind_control', [command, String(pid)], { stdio: 'ignore' });

/** Counts `REQUESTS` requests of each protocol under callgrind; returns instructions per request and the dumps. */
async function measure(name) {
  const out = path.join(dir, `${name}.callgrind`);
  // In the scratch directory: with --perf-basic-prof, node also writes a V8 log into its working directory.
  const child = spawn('valgrind', ['--tool=callgrind', '--smc-check=all-non-file', '--instr-atstart=no', '--separate-threads=yes', `--callgrind-out-file=${out}`, ...TARGETS[name]], { cwd: dir, stdio: 'ignore' });
  const result = {};
  try {
    await waitForPort(PORTS[name], 120);
    for (const protocol of ['h1', 'h2c']) {
      load(PORTS[name], protocol, WARM_UP);
      callgrind(child.pid, '--instr=on');
      load(PORTS[name], protocol, REQUESTS);
      callgrind(child.pid, '--instr=off');
      callgrind(child.pid, '--dump');
      const dump = path.join(dir, mainThreadDumps(name).at(-1));
      // Code compiled later may reuse these addresses: the map is read only as far as it was written now.
      const perfMap = `/tmp/perf-${child.pid}.map`;
      const perfMapBytes = existsSync(perfMap) ? statSync(perfMap).size : 0;
      result[protocol] = { perRequest: totalInstructions(dump) / REQUESTS, dump, perfMap, perfMapBytes };
    }
  } finally {
    child.kill('SIGINT');
    await new Promise((resolve) => child.once('exit', resolve));
  }
  return result;
}

/** The main thread's dumps of `name`, oldest first: `NAME.callgrind.DUMP-01`. */
function mainThreadDumps(name) {
  const dumpNumber = (file) => Number(file.slice(`${name}.callgrind.`.length, -'-01'.length));
  return readdirSync(dir)
    .filter((file) => file.startsWith(`${name}.callgrind.`) && file.endsWith('-01'))
    .sort((a, b) => dumpNumber(a) - dumpNumber(b));
}

function totalInstructions(dump) {
  return Number(/^totals: (\d+)/m.exec(readFileSync(dump, 'utf8'))?.[1] ?? Number.NaN);
}

/** Self instructions per request by function, JIT code named from node's perf map as it was at the dump. */
function topFunctions({ dump, perfMap, perfMapBytes }, limit = Number(process.env.BENCH_TOP ?? 25)) {
  const ranges = readFileSync(perfMap)
    .toString('utf8', 0, perfMapBytes)
    .trim()
    .split('\n')
    .map((line) => {
      const [start, size, ...name] = line.split(' ');
      return { start: parseInt(start, 16), end: parseInt(start, 16) + parseInt(size, 16), name: name.join(' ') };
    });
  const jitName = (address) => ranges.findLast((range) => address >= range.start && address < range.end)?.name;
  const annotated = execFileSync('callgrind_annotate', ['--inclusive=no', '--threshold=100', dump], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const sums = new Map();
  for (const line of annotated.split('\n')) {
    const row = /^\s*([\d,]+) \([^)]*\)\s+(.*)$/.exec(line);
    if (row === null || row[2].includes('PROGRAM TOTALS')) continue;
    const address = /^\?\?\?:0x([0-9a-f]+) \[\?\?\?\]/.exec(row[2]);
    const name = ((address && jitName(parseInt(address[1], 16))) ?? row[2])
      .replace(`file://${root}/`, '')
      .replace(/^\?\?\?:/, '')
      .replace(/ \[\/.*\]$/, '')
      .replace(/\(.*$/, '');
    sums.set(name, (sums.get(name) ?? 0) + Number(row[1].replaceAll(',', '')));
  }
  return [...sums].sort((a, b) => b[1] - a[1]).slice(0, limit);
}

const upstream = spawn('nginx', ['-c', path.join(dir, 'upstream.conf'), '-e', path.join(dir, 'upstream-error.log')], { stdio: 'ignore' });
process.on('exit', () => {
  upstream.kill('SIGQUIT');
  rmSync(dir, { recursive: true, force: true });
});
await waitForPort(PORTS.upstream);
// BENCH_TARGETS=meshkit counts only the named targets (comma-separated), to compare builds quickly.
const names = process.env.BENCH_TARGETS?.split(',') ?? Object.keys(TARGETS);
const results = {};
for (const name of names) {
  console.log(`counting ${name} under callgrind…`);
  results[name] = await measure(name);
}

const ratio = (name, protocol) => (results.nginx ? (results[name][protocol].perRequest / results.nginx[protocol].perRequest).toFixed(2) : '-');
console.log(`\nuser-space instructions per request on the main thread (callgrind, ${REQUESTS} requests after ${WARM_UP} to warm up; HTTP/1.1 over 50 connections, h2c over 10 with 10 streams each)\n`);
console.log('| target | HTTP/1.1 | vs nginx | h2c | vs nginx |');
console.log('|---|---|---|---|---|');
for (const name of names) {
  const { h1, h2c } = results[name];
  console.log(`| ${name} | ${Math.round(h1.perRequest)} | ${ratio(name, 'h1')} | ${Math.round(h2c.perRequest)} | ${ratio(name, 'h2c')} |`);
}
if (results.meshkit) {
  for (const [protocol, label] of [['h1', 'HTTP/1.1'], ['h2c', 'h2c']]) {
    console.log(`\nmeshkit, ${label}: self instructions per request by function`);
    for (const [name, instructions] of topFunctions(results.meshkit[protocol])) console.log(`${String(Math.round(instructions / REQUESTS)).padStart(8)}  ${name}`);
  }
  rmSync(results.meshkit.h1.perfMap, { force: true });
}
process.exit(0);
