import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { curl } from './support/clients.js';
import { spawnProxy } from './support/proxy-process.js';
import type { ProxyProcess } from './support/proxy-process.js';
import { edgeBootstrap } from './support/header-echo.js';
import { closeServer, listenOnLoopback } from './support/upstreams.js';

/** A port nothing listens on right now. */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Answers `/healthz` with `health` after `delayMs`, anything else 200 with its name. */
async function startMember(name: string, health: number, delayMs: number): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    req.resume();
    if (req.url === '/healthz') setTimeout(() => res.writeHead(health).end(), delayMs);
    else res.writeHead(200).end(name);
  });
  return { port: await listenOnLoopback(server), close: () => closeServer(server) };
}

describe('cluster warming: static listeners start after the first health checks (built proxy)', () => {
  let good: Awaited<ReturnType<typeof startMember>>;
  let bad: Awaited<ReturnType<typeof startMember>>;
  let proxy: ProxyProcess;
  let adminPort: number;
  let warmingReady: Awaited<ReturnType<typeof curl>> | undefined;

  beforeAll(async () => {
    // The healthy member answers its check late, so without warming the first requests would
    // meet two unchecked members and panic routing would send some to the failing one.
    [good, bad] = await Promise.all([startMember('good', 200, 500), startMember('bad', 503, 0)]);
    const doc = edgeBootstrap(good.port, {}) as { static_resources: { clusters: Array<Record<string, unknown>> } };
    const endpoints = [good.port, bad.port].map((port) => ({ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: port } } } }));
    doc.static_resources.clusters = [
      {
        name: 'echo',
        type: 'STATIC',
        connect_timeout: '1s',
        load_assignment: { cluster_name: 'echo', endpoints: [{ lb_endpoints: endpoints }] },
        health_checks: [{ timeout: '2s', interval: '30s', unhealthy_threshold: 3, healthy_threshold: 3, http_health_check: { path: '/healthz' } }],
      },
    ];
    adminPort = await freePort();
    const starting = spawnProxy(['--config-yaml', JSON.stringify(doc), '--log-level', 'warn', '--admin-port', String(adminPort)]);
    // While the first checks run, the admin API answers and says the proxy is not ready yet.
    for (let waited = 0; warmingReady === undefined && waited < 5_000; waited += 25) {
      warmingReady = await curl(`http://127.0.0.1:${adminPort}/ready`).catch(() => undefined);
      if (warmingReady === undefined) await new Promise((resolve) => setTimeout(resolve, 25));
    }
    proxy = await starting;
  });
  afterAll(async () => {
    proxy?.kill();
    await proxy?.exited;
    await Promise.all([good?.close(), bad?.close()]);
  });

  it('answers /ready with 503 PRE_INITIALIZING while warming, and 200 LIVE after', async () => {
    expect(warmingReady?.status).toBe(503);
    expect(warmingReady?.body).toBe('PRE_INITIALIZING\n');
    expect((await curl(`http://${proxy.admin}/ready`)).body).toBe('LIVE\n');
  });

  it('serves its first requests from the member that passed, none from the one that failed', async () => {
    const listener = (await curl(`http://${proxy.admin}/listeners`)).body.trim().split('::')[1] ?? '';
    const bodies = new Set<string>();
    for (let i = 0; i < 12; i++) bodies.add((await curl(`http://${listener}/`)).body);
    expect([...bodies]).toEqual(['good']);
    const clusters = (await curl(`http://${proxy.admin}/clusters`)).body;
    expect(clusters).toContain(`echo::127.0.0.1:${bad.port}::health_flags::/failed_active_hc`);
    expect(clusters).toContain(`echo::127.0.0.1:${good.port}::health_flags::healthy`);
  });
});
