import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startService } from '../src/index.js';
import type { RunningService } from '../src/index.js';
import { expectedStars } from './bookinfo-fixture.js';
import { HostForwarder } from './host-forwarder.js';
import { getJson, send } from './http-client.js';

const MAIN = path.join(import.meta.dirname, '..', 'dist', 'main.js');
const READY_TIMEOUT_MS = 10_000;

interface Spawned {
  readonly child: ChildProcess;
  readonly url: string;
}

const children: ChildProcess[] = [];
const inProcess: RunningService[] = [];
const forwarders: HostForwarder[] = [];

function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

/** Runs `node dist/main.js <service>` and waits (bounded) for its listening line. */
async function spawnService(service: string, env: Record<string, string> = {}): Promise<Spawned> {
  const child = spawn(process.execPath, [MAIN, service], {
    env: { ...process.env, BOOKINFO_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const lines = createInterface({ input: child.stdout });
  const line = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${service}: no listening line in ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
    lines.once('line', (first) => {
      clearTimeout(timer);
      resolve(first);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${service} exited with ${code} before listening`));
    });
  });
  const match = /^bookinfo (\S+) listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(line);
  expect(match?.[1], line).toBe(service);
  return { child, url: match?.[2] ?? '' };
}

afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exitOf(child);
  }
  await Promise.all(inProcess.splice(0).map((service) => service.close()));
  await Promise.all(forwarders.splice(0).map((forwarder) => forwarder.close()));
});

describe('bookinfo CLI (dist/main.js)', () => {
  beforeAll(() => {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`pnpm --filter @meshkit/bookinfo build\` first`);
  });

  it('serves details once the listening line is printed, and exits 0 on SIGTERM', async () => {
    const { child, url } = await spawnService('details');
    const details = await getJson(`${url}/details/0`);
    expect(details.status).toBe(200);
    expect(details.body).toMatchObject({ author: 'William Shakespeare' });
    child.kill('SIGTERM');
    expect(await exitOf(child)).toEqual({ code: 0, signal: null });
  });

  it('exits 0 on SIGINT', async () => {
    const { child } = await spawnService('ratings');
    child.kill('SIGINT');
    expect(await exitOf(child)).toEqual({ code: 0, signal: null });
  });

  it('wires productpage and reviews v3 from the environment through BOOKINFO_OUTBOUND', async () => {
    const forwarder = await new HostForwarder().listen();
    forwarders.push(forwarder);
    const details = await startService('details', { port: 0 });
    const ratings = await startService('ratings', { port: 0 });
    inProcess.push(details, ratings);
    const reviews = await spawnService('reviews', { BOOKINFO_OUTBOUND: forwarder.url, SERVICE_VERSION: 'v3' });
    const productpage = await spawnService('productpage', { BOOKINFO_OUTBOUND: forwarder.url });
    forwarder.route('details:9080', details.url);
    forwarder.route('ratings:9080', ratings.url);
    forwarder.route('reviews:9080', reviews.url);

    const page = await send(`${productpage.url}/productpage`);
    expect(page.text).toContain(expectedStars('red', 5));
    expect(page.text).toContain('ISBN-10:');
    expect(forwarder.callsTo('ratings:9080')).toHaveLength(1);
  });

  it('honours STAR_COLOR and ENABLE_RATINGS over the version defaults', async () => {
    const forwarder = await new HostForwarder().listen();
    forwarders.push(forwarder);
    const ratings = await startService('ratings', { port: 0 });
    inProcess.push(ratings);
    forwarder.route('ratings:9080', ratings.url);
    const red = await spawnService('reviews', { BOOKINFO_OUTBOUND: forwarder.url, SERVICE_VERSION: 'v2', STAR_COLOR: 'red' });
    const off = await spawnService('reviews', { BOOKINFO_OUTBOUND: forwarder.url, SERVICE_VERSION: 'v2', ENABLE_RATINGS: 'false' });
    const rated = (await getJson(`${red.url}/reviews/0`)).body as { version: string; reviews: Array<{ rating?: unknown }> };
    expect(rated.version).toBe('v2');
    expect(rated.reviews.map((review) => review.rating)).toEqual([
      { stars: 5, color: 'red' },
      { stars: 4, color: 'red' },
    ]);
    const unrated = (await getJson(`${off.url}/reviews/0`)).body as { reviews: object[] };
    expect(unrated.reviews.every((review) => !('rating' in review))).toBe(true);
  });

  it('refuses an unknown service or a bad setting with exit code 2 and a message', async () => {
    for (const [args, env, message] of [
      [['frontend'], {}, 'service="frontend"'],
      [[], {}, 'usage: bookinfo'],
      [['ratings'], { BOOKINFO_PORT: '70000' }, 'BOOKINFO_PORT="70000"'],
      [['reviews'], { SERVICE_VERSION: 'v9' }, 'SERVICE_VERSION="v9"'],
    ] as const) {
      const child = spawn(process.execPath, [MAIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(child);
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      expect((await exitOf(child)).code).toBe(2);
      expect(stderr).toContain(message);
    }
  });
});
