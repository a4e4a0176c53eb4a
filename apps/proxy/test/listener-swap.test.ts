import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseBootstrap, startProxy } from '../src/index.js';
import type { RunningProxy } from '../src/index.js';
import { curl } from './support/clients.js';
import { HCM_TYPE, ROUTER_FILTER, staticCluster } from './support/static-bootstrap.js';

/** A listener named `swap` on `host` (port 0: any free one) sending everything to `cluster`. */
const listener = (host: string, cluster: string) => ({
  name: 'swap',
  address: { socket_address: { address: host, port_value: 0 } },
  filter_chains: [
    {
      filters: [
        {
          name: 'envoy.filters.network.http_connection_manager',
          typed_config: {
            '@type': HCM_TYPE,
            stat_prefix: 'swap',
            route_config: { name: 'r', virtual_hosts: [{ name: 'all', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster } }] }] },
            http_filters: [ROUTER_FILTER],
          },
        },
      ],
    },
  ],
});

describe('listener updates at runtime drop no request', () => {
  const upstreams: http.Server[] = [];
  const ports: Record<string, number> = {};
  let proxy: RunningProxy;
  const agent = new Agent({ connections: 8 });

  beforeAll(async () => {
    // Each upstream names itself; `slow` takes 400 ms.
    for (const name of ['alpha', 'beta', 'slow']) {
      const server = http.createServer((req, res) => setTimeout(() => res.end(name), name === 'slow' ? 400 : 0));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      upstreams.push(server);
      ports[name] = (server.address() as AddressInfo).port;
    }
    const doc = { node: { id: 'swap', cluster: 'edge' }, static_resources: { clusters: Object.entries(ports).map(([n, p]) => staticCluster(n, p)) } };
    proxy = await startProxy(parseBootstrap(stringify(doc), 'swap.yaml'), { log: () => undefined });
  });

  afterAll(async () => {
    await agent.close();
    await proxy.close();
    for (const server of upstreams) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  const boundPort = (): number => (proxy.runtime.listenerManager.listeners.find((l) => l.spec.name === 'swap')?.server.address() as AddressInfo).port;

  it('swaps a listener config on the same address under keep-alive load', async () => {
    await proxy.runtime.applyListeners([listener('127.0.0.1', 'alpha')], '1');
    const port = boundPort();
    const failures: string[] = [];
    const seen = new Set<string>();
    let stop = false;
    const worker = async (): Promise<void> => {
      for (let i = 0; i < 2000 && !stop; i++) {
        try {
          const res = await request(`http://127.0.0.1:${port}/`, { dispatcher: agent });
          const body = await res.body.text();
          if (res.statusCode !== 200) failures.push(`${res.statusCode} ${body}`);
          else seen.add(body);
        } catch (error) {
          failures.push((error as Error).message);
        }
      }
    };
    const load = Promise.all(Array.from({ length: 6 }, worker));
    for (let version = 2; version <= 11; version++) {
      // Same address: the listener keeps its socket, only its chain's config changes.
      await proxy.runtime.applyListeners([listener('127.0.0.1', version % 2 === 0 ? 'beta' : 'alpha')], String(version));
      await new Promise((resolve) => setTimeout(resolve, 40));
    }
    stop = true;
    await load;
    expect(failures).toEqual([]);
    expect([...seen].sort()).toEqual(['alpha', 'beta']);
    expect(boundPort()).toBe(port);
    expect((await curl(`http://127.0.0.1:${port}/`)).body).toBe('alpha');
  });

  it('moves a listener to a new address: requests in flight on the old one finish, the new one serves', async () => {
    await proxy.runtime.applyListeners([listener('127.0.0.1', 'slow')], '20');
    const oldPort = boundPort();
    const inFlight = Array.from({ length: 5 }, (_, i) => curl(`http://127.0.0.1:${oldPort}/${i}`));
    await new Promise((resolve) => setTimeout(resolve, 150));
    await proxy.runtime.applyListeners([listener('127.0.0.2', 'beta')], '21');
    const newPort = boundPort();
    expect(await Promise.all(inFlight)).toEqual(Array.from({ length: 5 }, () => ({ status: 200, body: 'slow' })));
    expect(await curl(`http://127.0.0.2:${newPort}/`)).toEqual({ status: 200, body: 'beta' });
    await expect(curl(`http://127.0.0.1:${oldPort}/`)).rejects.toThrow();
  });
});
