import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { curl, firstListenerUrl } from './support/clients.js';
import { runProxyToFailure, spawnProxy } from './support/proxy-process.js';
import type { ProxyProcess } from './support/proxy-process.js';
import { edgeBootstrap as bootstrap, startHeaderEcho } from './support/header-echo.js';

describe('x-forwarded-for with use_remote_address and xff_num_trusted_hops: 1 (built proxy)', () => {
  let echo: Awaited<ReturnType<typeof startHeaderEcho>>;
  let proxy: ProxyProcess;
  let listener: string;

  beforeAll(async () => {
    echo = await startHeaderEcho();
    proxy = await spawnProxy(['--config-yaml', JSON.stringify(bootstrap(echo.port, { use_remote_address: true, xff_num_trusted_hops: 1 })), '--log-level', 'warn']);
    listener = await firstListenerUrl(`http://${proxy.admin}`);
  });
  afterAll(async () => {
    proxy?.kill();
    await proxy?.exited;
    await echo?.close();
  });

  /** What the upstream received for a request carrying `headers` (curl, from 127.0.0.1). */
  async function upstreamSaw(...headers: string[]): Promise<Record<string, string>> {
    const res = await curl(`${listener}/who`, ...headers.flatMap((h) => ['-H', h]));
    expect(res.status).toBe(200);
    return JSON.parse(res.body) as Record<string, string>;
  }

  it("takes the client address the trusted hop appended, and keeps that hop's x-forwarded-proto", async () => {
    const seen = await upstreamSaw(
      'x-forwarded-for: 198.51.100.7, 203.0.113.9',
      'x-forwarded-proto: https',
      'x-envoy-external-address: 192.0.2.66',
      'x-envoy-retry-on: 5xx',
    );
    // The load balancer (the peer, 127.0.0.1) appended 203.0.113.9; 198.51.100.7 is the client's own claim.
    expect(seen['x-envoy-external-address']).toBe('203.0.113.9');
    expect(seen['x-forwarded-for']).toBe('198.51.100.7, 203.0.113.9, 127.0.0.1');
    expect(seen['x-forwarded-proto']).toBe('https');
    expect(seen['x-envoy-retry-on']).toBeUndefined();
  });

  it('falls back to the peer when no XFF came, and sets the scheme itself', async () => {
    const seen = await upstreamSaw();
    expect(seen['x-envoy-external-address']).toBe('127.0.0.1');
    expect(seen['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen['x-forwarded-proto']).toBe('http');
  });

  it('falls back to the peer when the trusted entry is not an IP address', async () => {
    const seen = await upstreamSaw('x-forwarded-for: 198.51.100.7, unknown');
    expect(seen['x-envoy-external-address']).toBe('127.0.0.1');
    expect(seen['x-forwarded-for']).toBe('198.51.100.7, unknown, 127.0.0.1');
  });
});

describe('xff_num_trusted_hops validation', () => {
  it('refuses a value that is not a uint32, naming the field', async () => {
    const { code, stderr } = await runProxyToFailure(['--config-yaml', JSON.stringify(bootstrap(1, { use_remote_address: true, xff_num_trusted_hops: -1 }))]);
    expect(code).toBe(1);
    expect(stderr).toContain('xff_num_trusted_hops: must be an integer in 0..4294967295');
  });
});
