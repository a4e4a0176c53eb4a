import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { curl } from './support/clients.js';
import { listenerPort, spawnProxy } from './support/proxy-process.js';
import type { ProxyProcess } from './support/proxy-process.js';
import { bootstrapWith, hcmListener, httpProtocolOptions, ROUTER_FILTER, staticCluster } from './support/static-bootstrap.js';

/** A keep-alive upstream that sends no `Keep-Alive: timeout` hint and counts the connections it accepts. */
async function startCountingUpstream(): Promise<{ port: number; server: net.Server; accepted: () => number }> {
  let accepted = 0;
  const server = net.createServer((socket) => {
    accepted++;
    let held = '';
    socket.on('error', () => undefined);
    socket.on('data', (data: Buffer) => {
      held += data.toString('latin1');
      while (held.includes('\r\n\r\n')) {
        held = held.slice(held.indexOf('\r\n\r\n') + 4);
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok', 'latin1');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as net.AddressInfo).port, server, accepted: () => accepted };
}

describe('upstream connection idle_timeout, Envoy\'s default of an hour (built proxy, curl)', () => {
  let quiet: Awaited<ReturnType<typeof startCountingUpstream>>;
  let brief: Awaited<ReturnType<typeof startCountingUpstream>>;
  let proxy: ProxyProcess;
  let listener = 0;

  beforeAll(async () => {
    quiet = await startCountingUpstream();
    brief = await startCountingUpstream();
    const routes = {
      name: 'local',
      virtual_hosts: [{ name: 'all', domains: ['*'], routes: [
        { match: { prefix: '/brief' }, route: { cluster: 'brief' } },
        { match: { prefix: '/' }, route: { cluster: 'default' } },
      ] }],
    };
    const doc = bootstrapWith('idle', {
      listeners: [hcmListener('edge', 0, { stat_prefix: 'edge', route_config: routes, http_filters: [ROUTER_FILTER] })],
      clusters: [
        staticCluster('default', quiet.port),
        staticCluster('brief', brief.port, httpProtocolOptions({ common_http_protocol_options: { idle_timeout: '0.5s' }, explicit_http_config: { http_protocol_options: {} } })),
      ],
    });
    proxy = await spawnProxy(['--config-yaml', JSON.stringify(doc), '--log-level', 'warn']);
    listener = await listenerPort(proxy);
  });

  afterAll(async () => {
    proxy.kill();
    await proxy.exited;
    await Promise.all([quiet, brief].map(({ server }) => new Promise((resolve) => server.close(resolve))));
  });

  it('keeps a quiet upstream connection past the upstream library\'s 4 s without idle_timeout, and closes it after a given one', async () => {
    expect((await curl(`http://127.0.0.1:${listener}/`)).status).toBe(200);
    expect((await curl(`http://127.0.0.1:${listener}/brief`)).status).toBe(200);
    await sleep(4_500);
    expect((await curl(`http://127.0.0.1:${listener}/`)).status).toBe(200);
    expect((await curl(`http://127.0.0.1:${listener}/brief`)).status).toBe(200);
    expect(quiet.accepted()).toBe(1);
    expect(brief.accepted()).toBe(2);
  });
});
