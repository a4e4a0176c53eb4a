import http from 'node:http';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { curl } from './support/clients.js';
import { listenerPort, spawnProxy } from './support/proxy-process.js';
import type { ProxyProcess } from './support/proxy-process.js';
import { bootstrapWith, hcmListener, httpProtocolOptions, ROUTER_FILTER, staticCluster } from './support/static-bootstrap.js';
import { closeServer, listenOnLoopback } from './support/upstreams.js';

// Names every plain JavaScript object already has: `constructor` is inherited and `__proto__` is a
// setter. As header names they are fields like any other, and Envoy forwards them as such.
const RESPONSE_FIELDS = ['constructor', 'from-upstream', '__proto__', 'first', '__proto__', 'second'];

/** The request's fields as `name=value` lines (lower-case names), in the order received. */
function fieldLines(raw: string[]): string {
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) out.push(`${(raw[i] as string).toLowerCase()}=${raw[i + 1] as string}`);
  return out.join('\n');
}

describe('header names that plain objects inherit (built proxy, curl, HTTP/1.1 and HTTP/2 upstreams)', () => {
  const h1Echo = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, RESPONSE_FIELDS).end(fieldLines(req.rawHeaders)));
  });
  const h2Echo = http2.createServer();
  h2Echo.on('stream', (stream, headers) => {
    stream.resume();
    stream.on('end', () => {
      // Without a prototype, so that `__proto__` is a field of its own, not the setter.
      const fields = Object.create(null) as http2.OutgoingHttpHeaders;
      fields[':status'] = 200;
      for (let i = 0; i < RESPONSE_FIELDS.length; i += 2) {
        const [name = '', value = ''] = RESPONSE_FIELDS.slice(i, i + 2);
        const current = fields[name];
        fields[name] = current === undefined ? value : [String(current), value];
      }
      stream.respond(fields);
      stream.end(fieldLines(Object.entries(headers).flatMap(([name, value]) => [name, String(value)])));
    });
  });
  let proxy: ProxyProcess | undefined;
  let listener = '';

  beforeAll(async () => {
    const h1Port = await listenOnLoopback(h1Echo);
    await new Promise<void>((resolve) => h2Echo.listen(0, '127.0.0.1', resolve));
    const h2Port = (h2Echo.address() as AddressInfo).port;
    const byPath = [
      { match: { prefix: '/h2' }, route: { cluster: 'h2' } },
      { match: { prefix: '/' }, route: { cluster: 'h1' } },
    ];
    const routes = { name: 'local', virtual_hosts: [{ name: 'all', domains: ['*'], routes: byPath }] };
    const doc = bootstrapWith('inherited-names', {
      listeners: [hcmListener('edge', 0, { stat_prefix: 'edge', route_config: routes, http_filters: [ROUTER_FILTER] })],
      clusters: [staticCluster('h1', h1Port), staticCluster('h2', h2Port, httpProtocolOptions({ explicit_http_config: { http2_protocol_options: {} } }))],
    });
    proxy = await spawnProxy(['--config-yaml', JSON.stringify(doc), '--log-level', 'warn']);
    listener = `http://127.0.0.1:${await listenerPort(proxy)}`;
  });

  afterAll(async () => {
    proxy?.kill();
    await proxy?.exited;
    await closeServer(h1Echo);
    await new Promise((resolve) => h2Echo.close(resolve));
  });

  const sent = ['-H', 'constructor: from-client', '-H', '__proto__: one', '-H', '__proto__: two'];

  for (const [upstream, path] of [
    ['HTTP/1.1', '/h1'],
    ['HTTP/2', '/h2'],
  ] as const) {
    for (const version of ['--http1.1', '--http2-prior-knowledge']) {
      it(`${version} to an ${upstream} upstream: both directions keep them`, async () => {
        const response = await curl(`${listener}${path}`, version, '-i', ...sent);
        expect(response.status).toBe(200);
        const [head = '', received = ''] = response.body.split('\r\n\r\n');
        // Each reaches the other side, repeats included (as repeated fields or joined by a comma).
        expect(received).toContain('constructor=from-client');
        expect(received).toMatch(/__proto__=one(\n__proto__=|, ?)two/);
        const lines = head.toLowerCase().split('\r\n');
        expect(lines).toContain('constructor: from-upstream');
        expect(lines.filter((line) => line.startsWith('__proto__:')).join('\n')).toMatch(/first(\n__proto__: |, ?)second/);
      });
    }
  }
});
