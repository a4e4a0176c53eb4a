import { readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { AdsServer, SnapshotCache, TYPE_URLS } from '@meshkit/xds';
import type { EnvoyNode } from '@meshkit/xds';
import { afterEach, describe, expect, it } from 'vitest';
import { curl, eventually, firstListenerUrl } from './support/clients.js';
import { startGrpcServer } from './support/grpc-server.js';
import { runProxyToFailure, spawnProxy } from './support/proxy-process.js';
import { PROMTOOL, promtoolProblems } from './support/promtool.js';
import type { ProxyProcess } from './support/proxy-process.js';
import { bootstrapWith, HEALTH_CHECK_FILTER, hcmListener, httpListener, ROUTE_CONFIG, ROUTER_FILTER, staticCluster } from './support/static-bootstrap.js';
import { closeServer, listenOnLoopback, startUpstream } from './support/upstreams.js';

const bootstrapFor = (alphaPort: number, listenPort = 0): string =>
  JSON.stringify(
    bootstrapWith('workers', {
      listeners: [hcmListener('http', listenPort, { stat_prefix: 'ingress_http', route_config: ROUTE_CONFIG, http_filters: [HEALTH_CHECK_FILTER, ROUTER_FILTER] })],
      clusters: [staticCluster('alpha', alphaPort), staticCluster('beta', alphaPort)],
    }),
  );

/** `name: value` lines of the admin's `/stats` as numbers. */
async function stats(admin: string): Promise<Map<string, number>> {
  const { body } = await curl(`http://${admin}/stats`);
  return new Map(body.trim().split('\n').map((line) => [line.slice(0, line.lastIndexOf(': ')), Number(line.slice(line.lastIndexOf(': ') + 2))]));
}

/** The PIDs of a process's children, from procfs. */
const childrenOf = (pid: number): number[] =>
  readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
    .trim()
    .split(' ')
    .filter((p) => p !== '')
    .map(Number);

/** True while `pid` runs (a zombie, exited but not yet reaped, does not count). */
function isRunning(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function twoWorkers(alphaPort: number, ...args: string[]): Promise<ProxyProcess> {
  const proxy = await spawnProxy(['--config-yaml', bootstrapFor(alphaPort), '--concurrency', '2', ...args]);
  cleanups.push(() => proxy.kill());
  return proxy;
}

describe('--concurrency: worker processes behind one admin API', () => {
  it('serves connections from every worker and adds their stats up in the admin API', async () => {
    const alpha = await startUpstream('alpha');
    cleanups.push(() => alpha.close());
    const proxy = await twoWorkers(alpha.port);
    expect(childrenOf(proxy.child.pid as number)).toHaveLength(2);
    const url = await firstListenerUrl(`http://${proxy.admin}`);
    // One connection per request: node's cluster module hands connections to the workers in turn.
    for (let i = 0; i < 8; i++) expect((await curl(`${url}/r${i}`, '-H', 'host: alpha.test')).status).toBe(200);
    expect(alpha.seen).toHaveLength(8);

    const address = `127.0.0.1_${new URL(url).port}`;
    const merged = await stats(proxy.admin);
    expect(merged.get('server.concurrency')).toBe(2);
    expect(merged.get('server.live')).toBe(1);
    expect(merged.get('http.ingress_http.downstream_rq_total')).toBe(8);
    expect(merged.get('cluster.alpha.upstream_rq_total')).toBe(8);
    expect(merged.get(`listener.${address}.downstream_cx_total`)).toBe(8);
    // Cluster membership is the same in each worker: shown once, not added up.
    expect(merged.get('cluster.alpha.membership_total')).toBe(1);
    const perWorker = [0, 1].map((i) => merged.get(`listener.${address}.worker_${i}.downstream_cx_total`) ?? 0);
    expect(perWorker.every((n) => n > 0)).toBe(true);
    expect(perWorker[0]! + perWorker[1]!).toBe(8);

    const prometheus = (await curl(`http://${proxy.admin}/stats/prometheus`)).body;
    expect(prometheus).toContain('envoy_cluster_upstream_rq_total{envoy_cluster_name="alpha"} 8\n');
    expect(prometheus).toContain(`envoy_listener_downstream_cx_total{envoy_listener_address="${address}"} 8\n`);
    expect(prometheus.match(/^# TYPE envoy_cluster_upstream_rq_total /gm)).toHaveLength(1);
    expect(prometheus).toContain('\nenvoy_server_concurrency 2\n');
    expect(prometheus).toContain('\nenvoy_server_live 1\n');
    if (PROMTOOL !== undefined) expect(await promtoolProblems(prometheus)).toEqual([]);
    expect(await curl(`http://${proxy.admin}/ready`)).toEqual({ status: 200, body: 'LIVE\n' });
    expect((await curl(`http://${proxy.admin}/clusters`)).body).toContain('alpha::127.0.0.1:');
    const dump = JSON.parse((await curl(`http://${proxy.admin}/config_dump`)).body) as { configs: unknown[] };
    expect(dump.configs.length).toBeGreaterThan(0);
  });

  it('passes /healthcheck/fail and /healthcheck/ok to every worker', async () => {
    const alpha = await startUpstream('alpha');
    cleanups.push(() => alpha.close());
    const proxy = await twoWorkers(alpha.port);
    const url = await firstListenerUrl(`http://${proxy.admin}`);
    const healthOfFourConnections = async (): Promise<number[]> => {
      const statuses: number[] = [];
      // In turn, on connections of their own: two for each worker.
      for (let i = 0; i < 4; i++) statuses.push((await curl(`${url}/healthz`)).status);
      return statuses;
    };
    expect(await healthOfFourConnections()).toEqual([200, 200, 200, 200]);
    expect((await curl(`http://${proxy.admin}/healthcheck/fail`, '-X', 'POST')).status).toBe(200);
    expect(await healthOfFourConnections()).toEqual([503, 503, 503, 503]);
    expect((await curl(`http://${proxy.admin}/healthcheck/ok`, '-X', 'POST')).status).toBe(200);
    expect(await healthOfFourConnections()).toEqual([200, 200, 200, 200]);
  });

  it('drains every worker on SIGTERM: in-flight requests finish, then the process exits 0', async () => {
    let arrived = 0;
    const slow = http.createServer((req, res) => {
      arrived++;
      setTimeout(() => res.end(`slow:${req.url ?? ''}`), 700);
    });
    const slowPort = await listenOnLoopback(slow);
    cleanups.push(() => closeServer(slow));
    const proxy = await twoWorkers(slowPort);
    const url = await firstListenerUrl(`http://${proxy.admin}`);
    const inFlight = [0, 1, 2, 3].map((i) => curl(`${url}/${i}`, '-H', 'host: alpha.test'));
    await eventually(() => arrived === 4, 5000, 'four requests at the upstream');
    proxy.child.kill('SIGTERM');
    expect(await curl(`http://${proxy.admin}/ready`)).toEqual({ status: 503, body: 'DRAINING\n' });
    expect(await Promise.all(inFlight)).toEqual([0, 1, 2, 3].map((i) => ({ status: 200, body: `slow:/${i}` })));
    expect(await proxy.exited).toBe(0);
  });

  it('stops with an error when a worker cannot start', async () => {
    const taken = net.createServer();
    const port = await new Promise<number>((resolve) => taken.listen(0, '127.0.0.1', () => resolve((taken.address() as net.AddressInfo).port)));
    cleanups.push(() => new Promise((resolve) => taken.close(resolve)));
    const { code, stderr } = await runProxyToFailure(['--config-yaml', bootstrapFor(1, port), '--concurrency', '2']);
    expect(code).toBe(1);
    expect(stderr).toMatch(/EADDRINUSE/);
    expect(stderr).toMatch(/worker_\d exited \(code 1\); stopping the other workers/);
  });

  it('leaves no worker behind when the primary is killed', async () => {
    const alpha = await startUpstream('alpha');
    cleanups.push(() => alpha.close());
    const proxy = await twoWorkers(alpha.port);
    const workers = childrenOf(proxy.child.pid as number);
    expect(workers).toHaveLength(2);
    proxy.kill();
    await proxy.exited;
    await eventually(() => !workers.some(isRunning), 5000, 'the workers to exit');
  });

  it('keeps one ADS stream per worker, and each worker takes every update', async () => {
    const [v1, v2] = [await startUpstream('v1'), await startUpstream('v2')];
    cleanups.push(() => v1.close(), () => v2.close());
    const cache = new SnapshotCache();
    const streams: EnvoyNode[] = [];
    const ads = new AdsServer({ cache, onStreamOpen: (node) => streams.push(node) });
    const controlPlane = await startGrpcServer((server) => ads.addTo(server));
    cleanups.push(() => controlPlane.close());
    const snapshot = (version: string, port: number): void =>
      cache.setSnapshot('ads-workers', {
        version,
        resources: { [TYPE_URLS.listener]: [httpListener('http', 0)], [TYPE_URLS.cluster]: [staticCluster('alpha', port), staticCluster('beta', port)] },
      });
    snapshot('1', v1.port);
    const bootstrap = {
      node: { id: 'ads-workers', cluster: 'edge' },
      admin: { address: { socket_address: { address: '127.0.0.1', port_value: 0 } } },
      dynamic_resources: {
        ads_config: { api_type: 'GRPC', transport_api_version: 'V3', grpc_services: [{ envoy_grpc: { cluster_name: 'xds-grpc' } }] },
        cds_config: { ads: {}, resource_api_version: 'V3' },
        lds_config: { ads: {}, resource_api_version: 'V3' },
      },
      static_resources: { clusters: [staticCluster('xds-grpc', Number(controlPlane.address.split(':')[1]))] },
    };
    const proxy = await spawnProxy(['--config-yaml', JSON.stringify(bootstrap), '--concurrency', '2']);
    cleanups.push(() => proxy.kill());
    expect(streams.map((node) => node.id)).toEqual(['ads-workers', 'ads-workers']);
    const url = await firstListenerUrl(`http://${proxy.admin}`);
    const upstreamsOfFourConnections = async (): Promise<string[]> => {
      const upstreams: string[] = [];
      for (let i = 0; i < 4; i++) upstreams.push((JSON.parse((await curl(url, '-H', 'host: alpha.test')).body) as { upstream: string }).upstream);
      return upstreams;
    };
    expect(await upstreamsOfFourConnections()).toEqual(['v1', 'v1', 'v1', 'v1']);
    snapshot('2', v2.port);
    await eventually(async () => (await upstreamsOfFourConnections()).every((u) => u === 'v2'), 10_000, 'both workers on v2');
  });

  it('refuses a --concurrency that is not a whole number', async () => {
    const { code, stderr } = await runProxyToFailure(['--config-yaml', bootstrapFor(1), '--concurrency', 'two']);
    expect(code).toBe(1);
    expect(stderr).toContain('--concurrency two: expected a whole number of workers');
  });
});
