import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { curl } from './support/clients.js';
import { edgeBootstrap, startHeaderEcho } from './support/header-echo.js';
import { runProxyToFailure, spawnProxy } from './support/proxy-process.js';

/** Routes only `example.com` (no port), so a request routes only once its port is gone. */
const ROUTE_CONFIG = {
  name: 'local',
  virtual_hosts: [{ name: 'example', domains: ['example.com', '[::1]'], routes: [{ match: { prefix: '/' }, route: { cluster: 'echo' } }] }],
};

describe('strip_any_host_port / strip_matching_host_port (built proxy)', () => {
  let echo: Awaited<ReturnType<typeof startHeaderEcho>>;
  const stop: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    echo = await startHeaderEcho();
  });
  afterAll(async () => {
    await Promise.all(stop.map((close) => close()));
    await echo?.close();
  });

  /** Starts a proxy with `hcmExtra`; returns its listener's `host:port`. */
  async function proxyWith(hcmExtra: Record<string, unknown>): Promise<string> {
    const proxy = await spawnProxy(['--config-yaml', JSON.stringify(edgeBootstrap(echo.port, { route_config: ROUTE_CONFIG, ...hcmExtra })), '--log-level', 'warn']);
    stop.push(async () => {
      proxy.kill();
      await proxy.exited;
    });
    return (await curl(`http://${proxy.admin}/listeners`)).body.trim().split('::')[1] ?? '';
  }

  /** The status, and the Host the upstream saw, for a request with `host`. */
  async function send(listener: string, host: string): Promise<{ status: number; host: string | undefined }> {
    const res = await curl(`http://${listener}/`, '-H', `Host: ${host}`);
    return { status: res.status, host: res.status === 200 ? (JSON.parse(res.body) as Record<string, string>)['host'] : undefined };
  }

  it('without either, a Host with a port does not match a domain without one (404)', async () => {
    const listener = await proxyWith({});
    expect(await send(listener, 'example.com:8443')).toEqual({ status: 404, host: undefined });
    expect(await send(listener, 'example.com')).toEqual({ status: 200, host: 'example.com' });
  });

  it('strip_any_host_port takes any port off before routing, and upstream sees the bare host', async () => {
    const listener = await proxyWith({ strip_any_host_port: true });
    expect(await send(listener, 'example.com:8443')).toEqual({ status: 200, host: 'example.com' });
    expect(await send(listener, '[::1]:8443')).toEqual({ status: 200, host: '[::1]' });
  });

  it("strip_matching_host_port takes off only the listener's own port", async () => {
    const listener = await proxyWith({ strip_matching_host_port: true });
    const port = listener.split(':').at(-1) ?? '';
    expect(await send(listener, `example.com:${port}`)).toEqual({ status: 200, host: 'example.com' });
    expect(await send(listener, 'example.com:8443')).toEqual({ status: 404, host: undefined });
  });

  it('refuses both at once, naming the field', async () => {
    const { code, stderr } = await runProxyToFailure(['--config-yaml', JSON.stringify(edgeBootstrap(1, { strip_any_host_port: true, strip_matching_host_port: true }))]);
    expect(code).toBe(1);
    expect(stderr).toContain('strip_matching_host_port: cannot be set together with strip_any_host_port');
  });
});
