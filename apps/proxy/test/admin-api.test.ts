import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseBootstrap, startProxy } from '../src/index.js';
import type { RunningProxy } from '../src/index.js';
import { curl } from './support/clients.js';
import { bootstrapWith, HEALTH_CHECK_FILTER, hcmListener, ROUTE_CONFIG, ROUTER_FILTER, staticCluster } from './support/static-bootstrap.js';
import { startTcpUpstream, tcpExchange } from './support/tcp.js';
import type { TcpUpstream } from './support/tcp.js';
import { startUpstream } from './support/upstreams.js';
import type { TestUpstream } from './support/upstreams.js';

const NETWORK_RBAC = {
  name: 'envoy.filters.network.rbac',
  typed_config: {
    '@type': 'type.googleapis.com/envoy.extensions.filters.network.rbac.v3.RBAC',
    stat_prefix: 'tcp.',
    rules: { action: 'DENY', policies: { 'no-second-loopback': { permissions: [{ any: true }], principals: [{ direct_remote_ip: { address_prefix: '127.0.0.2', prefix_len: 32 } }] } } },
  },
};

describe('admin API: /stats, /healthcheck, /drain_listeners, /listeners, /clusters; network RBAC', () => {
  let alpha: TestUpstream;
  let echo: TcpUpstream;
  let proxy: RunningProxy;
  let admin: string;
  const portOf = (name: string): number => (proxy.runtime.listenerManager.listeners.find((l) => l.spec.name === name)?.server.address() as AddressInfo).port;

  beforeAll(async () => {
    alpha = await startUpstream('alpha');
    echo = await startTcpUpstream('echo');
    const inbound = hcmListener('inbound', 0, { stat_prefix: 'ingress_http', route_config: ROUTE_CONFIG, http_filters: [HEALTH_CHECK_FILTER, ROUTER_FILTER] }, { traffic_direction: 'INBOUND' });
    const tcp = {
      name: 'tcp',
      traffic_direction: 'OUTBOUND',
      address: { socket_address: { address: '0.0.0.0', port_value: 0 } },
      filter_chains: [{ filters: [NETWORK_RBAC, { name: 'envoy.filters.network.tcp_proxy', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy', stat_prefix: 'echo_tcp', cluster: 'echo' } }] }],
    };
    const doc = bootstrapWith('admin', { listeners: [inbound, tcp], clusters: [staticCluster('alpha', alpha.port), staticCluster('beta', alpha.port), staticCluster('echo', echo.port)] });
    proxy = await startProxy(parseBootstrap(stringify(doc), 'admin.yaml'), { log: () => undefined, drainTimeMs: 200 });
    await proxy.ready;
    admin = `http://127.0.0.1:${proxy.adminAddress?.port ?? 0}`;
  });

  afterAll(async () => {
    await proxy.close();
    await Promise.all([alpha.close(), echo.close()]);
  });

  it('answers health checks locally, 503 after POST /healthcheck/fail, 200 again after /healthcheck/ok', async () => {
    const url = `http://127.0.0.1:${portOf('inbound')}/healthz?probe=1`;
    expect(await curl(url)).toEqual({ status: 200, body: '' });
    expect((await curl(`${admin}/healthcheck/fail`)).status).toBe(405);
    expect(await curl(`${admin}/healthcheck/fail`, '-X', 'POST')).toEqual({ status: 200, body: 'OK\n' });
    const failed = await curl(url, '-i');
    expect(failed.status).toBe(503);
    expect(failed.body.toLowerCase()).toContain('x-envoy-immediate-health-check-fail: true');
    await curl(`${admin}/healthcheck/ok`, '-X', 'POST');
    expect((await curl(url)).status).toBe(200);
    // Other paths still route, and the health checks never reached the upstream.
    expect((await curl(`http://127.0.0.1:${portOf('inbound')}/x`, '-H', 'host: alpha.test')).status).toBe(200);
    expect(alpha.seen.map((s) => s.url)).toEqual(['/x']);
  });

  it('denies by source IP with network RBAC, and /stats shows it in Envoy plain text', async () => {
    const port = portOf('tcp');
    expect(await tcpExchange(port, 'hello\n')).toBe('echo:HELLO\necho:bye (6 bytes)\n');
    expect(await tcpExchange(port, 'hello\n', '127.0.0.2')).toBe('');
    const stats = await curl(`${admin}/stats`);
    expect(stats.status).toBe(200);
    for (const line of stats.body.trimEnd().split('\n')) expect(line).toMatch(/^[\w.|:-]+: \d+$/);
    expect(stats.body).toContain('tcp.rbac.allowed: 1\n');
    expect(stats.body).toContain('tcp.rbac.denied: 1\n');
    expect(stats.body).toContain('tcp.echo_tcp.downstream_cx_total: 1\n');
    expect(stats.body).toContain('tcp.echo_tcp.downstream_cx_rx_bytes_total: 6\n');
    expect(stats.body).toMatch(/^http\.ingress_http\.downstream_rq_total: [1-9]\d*$/m);
    expect(stats.body).toContain('listener_manager.total_listeners_active: 2\n');
    // Envoy's listener stats, by bound address, and this process's as worker 0's.
    expect(stats.body).toContain(`listener.0.0.0.0_${port}.downstream_cx_total: 2\n`);
    expect(stats.body).toContain(`listener.0.0.0.0_${port}.worker_0.downstream_cx_total: 2\n`);
    expect(stats.body).toContain('server.concurrency: 1\n');
    const filtered = await curl(`${admin}/stats?filter=${encodeURIComponent('^tcp\\.rbac')}`);
    expect(filtered.body).toBe('tcp.rbac.allowed: 1\ntcp.rbac.denied: 1\n');
  });

  it('lists listeners (text and ?format=json) and clusters in Envoy form', async () => {
    const text = await curl(`${admin}/listeners`);
    expect(text.body).toBe(`inbound::127.0.0.1:${portOf('inbound')}\ntcp::0.0.0.0:${portOf('tcp')}\n`);
    const json = JSON.parse((await curl(`${admin}/listeners?format=json`)).body) as unknown;
    expect(json).toEqual({
      listener_statuses: [
        { name: 'inbound', local_address: { socket_address: { address: '127.0.0.1', port_value: portOf('inbound') } } },
        { name: 'tcp', local_address: { socket_address: { address: '0.0.0.0', port_value: portOf('tcp') } } },
      ],
    });
    const clusters = (await curl(`${admin}/clusters`)).body;
    expect(clusters).toContain('echo::observability_name::echo\n');
    expect(clusters).toContain('echo::added_via_api::false\n');
    expect(clusters).toContain(`echo::127.0.0.1:${echo.port}::health_flags::healthy\n`);
  });

  it('POST /drain_listeners?inboundonly stops the inbound listener only', async () => {
    const inboundPort = portOf('inbound');
    expect((await curl(`${admin}/drain_listeners?inboundonly`)).status).toBe(405);
    expect((await curl(`${admin}/drain_listeners?inboundonly`, '-X', 'POST')).status).toBe(200);
    expect((await curl(`${admin}/listeners`)).body).toBe(`tcp::0.0.0.0:${portOf('tcp')}\n`);
    await expect(curl(`http://127.0.0.1:${inboundPort}/healthz`)).rejects.toThrow();
    expect(await tcpExchange(portOf('tcp'), 'still\n')).toBe('echo:STILL\necho:bye (6 bytes)\n');
  });
});
