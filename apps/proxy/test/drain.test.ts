import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseBootstrap, startProxy } from '../src/index.js';
import type { RunningProxy } from '../src/index.js';
import { curl } from './support/clients.js';
import { spawnProxy } from './support/proxy-process.js';
import type { ProxyProcess } from './support/proxy-process.js';
import { bootstrapWith, httpListener, staticCluster } from './support/static-bootstrap.js';
import { closeServer, listenOnLoopback } from './support/upstreams.js';

interface SlowUpstream {
  readonly port: number;
  readonly arrived: Promise<void>;
  close(): Promise<void>;
}

/** An upstream that answers `slow:<path>` after `delayMs`; `arrived` settles with its first request. */
async function slowUpstream(delayMs: number): Promise<SlowUpstream> {
  let arrive: () => void = () => undefined;
  const arrived = new Promise<void>((resolve) => (arrive = resolve));
  const server = http.createServer((req, res) => {
    arrive();
    setTimeout(() => res.end(`slow:${req.url ?? ''}`), delayMs);
  });
  return {
    arrived,
    port: await listenOnLoopback(server),
    close: () => closeServer(server),
  };
}

/** Every request goes to cluster `alpha` (host alpha.test) — see ROUTE_CONFIG. */
const bootstrapFor = (alphaPort: number, listenPort = 0) =>
  bootstrapWith('drain', { listeners: [httpListener('http', listenPort)], clusters: [staticCluster('alpha', alphaPort), staticCluster('beta', alphaPort)] });

const portOf = (proxy: RunningProxy, name = 'http'): number =>
  (proxy.runtime.listenerManager.listeners.find((l) => l.spec.name === name)?.server.address() as AddressInfo).port;

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('graceful drain', () => {
  it('lets an in-flight request finish, refuses new connections, answers /ready with DRAINING', async () => {
    const upstream = await slowUpstream(600);
    cleanups.push(() => upstream.close());
    const proxy = await startProxy(parseBootstrap(stringify(bootstrapFor(upstream.port)), 'drain.yaml'), { log: () => undefined, drainTimeMs: 5000 });
    cleanups.push(() => proxy.close());
    const port = portOf(proxy);
    const inFlight = curl(`http://127.0.0.1:${port}/one`, '-H', 'host: alpha.test');
    await upstream.arrived;
    const closing = proxy.close();
    expect(proxy.draining).toBe(true);
    const ready = await curl(`http://127.0.0.1:${proxy.adminAddress?.port ?? 0}/ready`);
    expect(ready).toEqual({ status: 503, body: 'DRAINING\n' });
    await expect(curl(`http://127.0.0.1:${port}/two`, '-H', 'host: alpha.test')).rejects.toThrow(/Couldn't connect|Connection refused|Failed to connect/);
    expect(await inFlight).toEqual({ status: 200, body: 'slow:/one' });
    await closing;
  });

  it('closes what is still open when the drain time is over', async () => {
    const upstream = await slowUpstream(60_000);
    cleanups.push(() => upstream.close());
    const proxy = await startProxy(parseBootstrap(stringify(bootstrapFor(upstream.port)), 'drain.yaml'), { log: () => undefined, drainTimeMs: 300 });
    const port = portOf(proxy);
    const client = net.connect({ host: '127.0.0.1', port });
    cleanups.push(() => Promise.resolve(client.destroy()));
    const clientClosed = new Promise((resolve) => client.once('close', resolve));
    client.write('GET /forever HTTP/1.1\r\nhost: alpha.test\r\n\r\n');
    await upstream.arrived;
    const started = Date.now();
    await proxy.close();
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(250);
    expect(took).toBeLessThan(3000);
    await clientClosed;
  });

  it('SIGTERM drains the CLI process (--drain-time-s) and it exits 0 after the in-flight request', async () => {
    const upstream = await slowUpstream(700);
    cleanups.push(() => upstream.close());
    // A fixed port for the CLI: borrow a free one from the OS.
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const listenPort = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const doc = bootstrapFor(upstream.port, listenPort);
    const proxy: ProxyProcess = await spawnProxy(['--config-yaml', JSON.stringify(doc), '--drain-time-s', '3', '--log-level', 'warn']);
    cleanups.push(() => Promise.resolve(proxy.kill()));
    const inFlight = curl(`http://127.0.0.1:${listenPort}/in-flight`, '-H', 'host: alpha.test');
    await upstream.arrived;
    proxy.child.kill('SIGTERM');
    expect(await inFlight).toEqual({ status: 200, body: 'slow:/in-flight' });
    expect(await proxy.exited).toBe(0);
    // warn and above only: the info-level drain notice is not written.
    expect(proxy.stderr()).not.toContain('draining for at most');
  });
});
