import { describe, expect, it } from 'vitest';
import { curl } from './support/clients.js';
import { edgeBootstrap, proxiesInFrontOfEcho } from './support/header-echo.js';
import { runProxyToFailure } from './support/proxy-process.js';

describe("the HTTP/1.1 codec's protocol options (built proxy)", () => {
  const proxies = proxiesInFrontOfEcho();
  const start = async (hcmExtra: Record<string, unknown>): Promise<string> => (await proxies.start(hcmExtra)).listener;

  it('answers HTTP/1.0 with 426 by default, as Envoy does', async () => {
    const listener = await start({});
    expect((await curl(`${listener}/`, '--http1.0')).status).toBe(426);
    expect((await curl(`${listener}/`)).status).toBe(200);
  });

  it('serves HTTP/1.0 with accept_http_10, taking default_host_for_http_10 for a request without Host', async () => {
    const listener = await start({ http_protocol_options: { accept_http_10: true, default_host_for_http_10: 'legacy.test' } });
    const response = await curl(`${listener}/`, '--http1.0', '-H', 'Host:');
    expect(response.status).toBe(200);
    expect((JSON.parse(response.body) as Record<string, string>)['host']).toBe('legacy.test');
  });

  it('answers a custom method with 400 by default and forwards it with allow_custom_methods, as Envoy does', async () => {
    const strict = await start({});
    expect((await curl(`${strict}/`, '-X', 'PURGE')).status).toBe(200);
    // QUERY is newer than Envoy's list; the echo upstream (node:http) knows it.
    expect((await curl(`${strict}/`, '-X', 'QUERY')).status).toBe(400);
    const open = await start({ http_protocol_options: { allow_custom_methods: true } });
    expect((await curl(`${open}/`, '-X', 'QUERY')).status).toBe(200);
  });

  it('serves a client that uses it as its HTTP proxy (absolute-form targets, allow_absolute_url)', async () => {
    const listener = await start({});
    // curl -x sends `GET http://shop.test/x HTTP/1.1` with `Host: shop.test`; the URL's authority is what goes upstream.
    const response = await curl('http://shop.test/x?y=1', '-x', listener, '-H', 'Host: ignored.test');
    expect(response.status).toBe(200);
    expect((JSON.parse(response.body) as Record<string, string>)['host']).toBe('shop.test');
  });

  it('answers 431 beyond common_http_protocol_options.max_headers_count', async () => {
    const listener = await start({ common_http_protocol_options: { max_headers_count: 5 } });
    expect((await curl(`${listener}/`)).status).toBe(200);
    const many = ['-H', 'x-a: 1', '-H', 'x-b: 2', '-H', 'x-c: 3', '-H', 'x-d: 4'];
    expect((await curl(`${listener}/`, ...many)).status).toBe(431);
  });

  it('refuses http_protocol_options fields it does not implement, naming them', async () => {
    const { code, stderr } = await runProxyToFailure(['--config-yaml', JSON.stringify(edgeBootstrap(1, { http_protocol_options: { header_key_format: { stateful_formatter: {} } } }))]);
    expect(code).toBe(1);
    expect(stderr).toContain('http_protocol_options.header_key_format.stateful_formatter: is not supported');
  });
});
