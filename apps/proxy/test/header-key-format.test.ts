import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { curl } from './support/clients.js';
import { proxiesInFrontOfEcho } from './support/header-echo.js';
import { listenerPort, spawnProxy } from './support/proxy-process.js';
import { bootstrapWith, hcmListener, httpProtocolOptions, ROUTER_FILTER, staticCluster } from './support/static-bootstrap.js';
import { closeServer, listenOnLoopback } from './support/upstreams.js';

describe('http_protocol_options.header_key_format (built proxy, curl)', () => {
  const proxies = proxiesInFrontOfEcho();

  it('proper_case_words names HTTP/1.1 response fields in proper case; HTTP/2 keeps lower case, as it must', async () => {
    const proxy = await proxies.start({ http_protocol_options: { header_key_format: { proper_case_words: {} } } });
    const http1 = (await curl(`${proxy.listener}/`, '--http1.1', '-i')).body.split('\r\n\r\n')[0] ?? '';
    const names = http1.split('\r\n').slice(1).map((line) => line.slice(0, line.indexOf(':')));
    expect(names).toEqual(expect.arrayContaining(['Content-Type', 'Date', 'X-Envoy-Upstream-Service-Time', 'Server', 'Transfer-Encoding']));
    expect(names.every((name) => /^[A-Z]/.test(name))).toBe(true);
    const http2 = (await curl(`${proxy.listener}/`, '--http2-prior-knowledge', '-i')).body.split('\r\n\r\n')[0] ?? '';
    expect(http2).toContain('\r\ncontent-type: application/json');
  });
});

describe('a cluster\'s http_protocol_options.header_key_format (built proxy, curl)', () => {
  it('proper_case_words names the fields of requests to that cluster in proper case, as the upstream reads them', async () => {
    // Answers with the field names as they arrived on the wire (node keeps their case in rawHeaders).
    const upstream = http.createServer((req, res) => res.end(JSON.stringify(req.rawHeaders.filter((_, i) => i % 2 === 0))));
    const port = await listenOnLoopback(upstream);
    const routes = { name: 'local', virtual_hosts: [{ name: 'all', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'legacy' } }] }] };
    const formats = httpProtocolOptions({ explicit_http_config: { http_protocol_options: { header_key_format: { proper_case_words: {} } } } });
    const doc = bootstrapWith('key-format', {
      listeners: [hcmListener('edge', 0, { stat_prefix: 'edge', route_config: routes, http_filters: [ROUTER_FILTER] })],
      clusters: [staticCluster('legacy', port, formats)],
    });
    const proxy = await spawnProxy(['--config-yaml', JSON.stringify(doc), '--log-level', 'warn']);
    try {
      const listener = await listenerPort(proxy);
      const names = JSON.parse((await curl(`http://127.0.0.1:${listener}/`, '-H', 'x-b3-traceid: abc')).body) as string[];
      expect(names).toEqual(expect.arrayContaining(['Host', 'User-Agent', 'X-B3-Traceid', 'X-Forwarded-Proto', 'X-Request-Id', 'X-Envoy-Expected-Rq-Timeout-Ms']));
      expect(names.every((name) => /^[A-Z]/.test(name))).toBe(true);
    } finally {
      proxy.kill();
      await proxy.exited;
      await closeServer(upstream);
    }
  });
});
