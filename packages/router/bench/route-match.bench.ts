// Route-match benchmark: the compiled (indexed) table against the plain declared-order scan
// (same compiled matchers, no index) and, where both can express the routes, find-my-way.
// Run with `pnpm --filter @meshkit/router bench` (bundled by tsup, run under --expose-gc).
import findMyWay from 'find-my-way';
import { compileRouteTable } from '../src/compile-route-config.js';
import type { RouteConfigInput, RouteInput } from '../src/route-config-input.js';
import type { RouteRequest } from '../src/route-request.js';

type Scenario = 'prefix' | 'regex' | 'header';
const SIZES = [10, 1_000, 10_000];
const REQUESTS = 1_024;
const BATCH = 32;
const gc = (globalThis as { gc?: () => void }).gc;

function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

function route(scenario: Scenario, i: number): RouteInput {
  switch (scenario) {
    case 'prefix':
      return { name: `r${i}`, match: { prefix: `/api/v1/service-${i}/` }, route: { cluster: `c${i}` } };
    case 'regex':
      return { name: `r${i}`, match: { safeRegex: { regex: `/api/v[0-9]+/service-${i}/[a-z]+` } }, route: { cluster: `c${i}` } };
    case 'header':
      return { name: `r${i}`, match: { prefix: '/', headers: [{ name: 'x-tenant', stringMatch: { exact: `tenant-${i}` } }] }, route: { cluster: `c${i}` } };
  }
}

function request(scenario: Scenario, i: number): RouteRequest {
  const path = scenario === 'header' ? '/orders/42?expand=1' : `/api/v1/service-${i}/items`;
  const headers = scenario === 'header' ? { 'x-tenant': `tenant-${i}`, accept: '*/*' } : { accept: '*/*' };
  return { authority: 'shop.example.com', path, method: 'GET', headers };
}

interface Stats {
  median: number;
  p99: number;
  bytes: number;
}

/** ns/op over batches of BATCH matches, for about `budgetMs`; bytes/op from heap growth between forced GCs. */
function measure(run: (request: RouteRequest) => unknown, requests: readonly RouteRequest[], budgetMs: number): Stats {
  for (let i = 0; i < 2_000; i++) run(requests[i % requests.length] as RouteRequest);
  const samples: number[] = [];
  const deadline = performance.now() + budgetMs;
  let next = 0;
  while (performance.now() < deadline || samples.length < 20) {
    const started = process.hrtime.bigint();
    for (let k = 0; k < BATCH; k++) run(requests[next++ % requests.length] as RouteRequest);
    samples.push(Number(process.hrtime.bigint() - started) / BATCH);
  }
  samples.sort((a, b) => a - b);
  let bytes = Number.NaN;
  if (gc !== undefined) {
    const rounds = Math.min(20_000, Math.max(200, Math.floor(samples.length * BATCH / 4)));
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < rounds; i++) run(requests[i % requests.length] as RouteRequest);
    const after = process.memoryUsage().heapUsed;
    bytes = Math.max(0, (after - before) / rounds);
  }
  return { median: samples[Math.floor(samples.length / 2)] ?? 0, p99: samples[Math.floor(samples.length * 0.99)] ?? 0, bytes };
}

const format = (ns: number): string => (ns >= 10_000 ? `${(ns / 1000).toFixed(0)} µs` : ns >= 1_000 ? `${(ns / 1000).toFixed(2)} µs` : `${ns.toFixed(0)} ns`);
const cell = (text: string, width: number): string => text.padStart(width);

const rows: string[][] = [];
for (const scenario of ['prefix', 'regex', 'header'] as const) {
  for (const size of SIZES) {
    const routes = Array.from({ length: size }, (_, i) => route(scenario, i));
    const config: RouteConfigInput = { name: 'bench', virtualHosts: [{ name: 'shop', domains: ['shop.example.com'], routes }] };
    const indexed = compileRouteTable(config, {});
    const linear = compileRouteTable(config, { indexRoutes: false });
    const random = seeded(size);
    const requests = Array.from({ length: REQUESTS }, () => request(scenario, Math.floor(random() * size)));
    for (const probe of requests.slice(0, 64)) {
      if (indexed.match(probe)?.route.name !== linear.match(probe)?.route.name || indexed.match(probe) === null) throw new Error('indexed and linear tables disagree');
    }
    const budget = size >= 10_000 && scenario !== 'prefix' ? 1_500 : 400;
    const fast = measure((r) => indexed.match(r), requests, budget);
    const naive = measure((r) => linear.match(r), requests, budget);
    let fmw: Stats | undefined;
    if (scenario === 'prefix') {
      const router = findMyWay();
      for (let i = 0; i < size; i++) router.on('GET', `/api/v1/service-${i}/*`, () => i);
      fmw = measure((r) => router.find('GET', r.path), requests, budget);
    }
    rows.push([
      scenario,
      String(size),
      format(fast.median),
      format(fast.p99),
      Number.isNaN(fast.bytes) ? 'n/a' : fast.bytes.toFixed(1),
      format(naive.median),
      `${(naive.median / fast.median).toFixed(1)}×`,
      fmw === undefined ? '—' : format(fmw.median),
      fmw === undefined ? '—' : `${(fmw.median / fast.median).toFixed(2)}×`,
    ]);
  }
}

const header = ['routes', 'count', 'median', 'p99', 'B/op', 'naive median', 'naive/ours', 'find-my-way', 'fmw/ours'];
const widths = header.map((title, c) => Math.max(title.length, ...rows.map((row) => (row[c] ?? '').length)));
const line = (row: string[]): string => `| ${row.map((text, c) => cell(text, widths[c] ?? 0)).join(' | ')} |`;
console.log(`node ${process.version}, ${gc === undefined ? 'no --expose-gc: allocations not measured' : 'allocations from heap growth between forced GCs'}`);
console.log(line(header));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const row of rows) console.log(line(row));
