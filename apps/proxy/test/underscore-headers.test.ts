import { describe, expect, it } from 'vitest';
import { curl } from './support/clients.js';
import { edgeBootstrap, proxiesInFrontOfEcho } from './support/header-echo.js';
import { runProxyToFailure } from './support/proxy-process.js';

/** What the echo upstream received, by name. */
const received = (body: string): Record<string, string> => JSON.parse(body) as Record<string, string>;

describe('common_http_protocol_options.headers_with_underscores_action (built proxy, curl)', () => {
  const proxies = proxiesInFrontOfEcho();
  const start = (action?: string): Promise<{ listener: string; admin: string }> =>
    proxies.start(action === undefined ? {} : { common_http_protocol_options: { headers_with_underscores_action: action } });

  it('forwards names with underscores by default (ALLOW)', async () => {
    const { listener } = await start();
    for (const version of ['--http1.1', '--http2-prior-knowledge']) {
      const response = await curl(`${listener}/`, version, '-H', 'x_user: mallory');
      expect(response.status).toBe(200);
      expect(received(response.body)['x_user']).toBe('mallory');
    }
  });

  it('REJECT_REQUEST: HTTP/1.1 gets 400 and the connection closes; an HTTP/2 stream is reset; both counted', async () => {
    const { listener, admin } = await start('REJECT_REQUEST');
    const refused = await curl(`${listener}/`, '-i', '-H', 'x_user: mallory');
    expect(refused.status).toBe(400);
    expect(refused.body.toLowerCase()).toContain('connection: close');
    await expect(curl(`${listener}/`, '--http2-prior-knowledge', '-H', 'x_user: mallory')).rejects.toThrow(/INTERNAL_ERROR/);
    // Names without one still pass, on both protocols.
    expect((await curl(`${listener}/`, '-H', 'x-user: alice')).status).toBe(200);
    expect((await curl(`${listener}/`, '--http2-prior-knowledge', '-H', 'x-user: alice')).status).toBe(200);
    const stats = (await curl(`${admin}/stats?filter=underscores`)).body;
    expect(stats).toContain('http1.requests_rejected_with_underscores_in_headers: 1\n');
    expect(stats).toContain('http2.requests_rejected_with_underscores_in_headers: 1\n');
    expect((await curl(`${admin}/stats/prometheus`)).body).toContain('envoy_http2_requests_rejected_with_underscores_in_headers 1\n');
  });

  it('DROP_HEADER: the fields with underscores never reach the upstream; the rest pass', async () => {
    const { listener, admin } = await start('DROP_HEADER');
    for (const version of ['--http1.1', '--http2-prior-knowledge']) {
      const response = await curl(`${listener}/`, version, '-H', 'x_user: mallory', '-H', 'x_role: admin', '-H', 'x-user: alice');
      expect(response.status).toBe(200);
      const headers = received(response.body);
      expect(headers['x_user']).toBeUndefined();
      expect(headers['x_role']).toBeUndefined();
      expect(headers['x-user']).toBe('alice');
    }
    const stats = (await curl(`${admin}/stats?filter=underscores`)).body;
    expect(stats).toContain('http1.dropped_headers_with_underscores: 2\n');
    expect(stats).toContain('http2.dropped_headers_with_underscores: 2\n');
  });

  it('refuses an action Envoy does not have, naming the field', async () => {
    const doc = edgeBootstrap(1, { common_http_protocol_options: { headers_with_underscores_action: 'REWRITE' } });
    const { code, stderr } = await runProxyToFailure(['--config-yaml', JSON.stringify(doc)]);
    expect(code).toBe(1);
    expect(stderr).toContain('common_http_protocol_options.headers_with_underscores_action: REWRITE is not supported');
  });
});
