import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Agent, request } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { curl } from './support/clients.js';
import { runProxyToFailure, spawnProxy } from './support/proxy-process.js';
import type { ProxyProcess } from './support/proxy-process.js';
import { staticBootstrap } from './support/static-bootstrap.js';
import { startUpstream } from './support/upstreams.js';
import type { TestUpstream } from './support/upstreams.js';

describe('the proxy CLI (dist/main.js) with a static bootstrap', () => {
  let alpha: TestUpstream;
  let beta: TestUpstream;
  let dir: string;
  let proxy: ProxyProcess | undefined;

  beforeEach(async () => {
    alpha = await startUpstream('alpha');
    beta = await startUpstream('beta');
    dir = mkdtempSync(path.join(tmpdir(), 'meshkit-proxy-cli-'));
  });
  afterEach(async () => {
    proxy?.kill();
    await proxy?.exited;
    proxy = undefined;
    rmSync(dir, { recursive: true, force: true });
    await Promise.all([alpha.close(), beta.close()]);
  });

  const bootstrap = () => staticBootstrap({ listenerPort: 0, adminPort: 0, alphaPort: alpha.port, betaPort: beta.port });

  async function listenerOf(admin: string): Promise<string> {
    const line = (await curl(`http://${admin}/listeners`)).body.trim();
    return `http://${line.split('::')[1] ?? ''}`;
  }

  it('serves from -c FILE, counts requests, and exits 0 on SIGTERM with a keep-alive client connected', async () => {
    const file = path.join(dir, 'envoy.yaml');
    writeFileSync(file, stringify(bootstrap()));
    proxy = await spawnProxy(['-c', file]);
    const listener = await listenerOf(proxy.admin);
    expect((await curl(`http://${proxy.admin}/ready`)).status).toBe(200);

    const agent = new Agent({ keepAliveTimeout: 60_000 });
    const res = await request(`${listener}/beta/a`, { headers: { host: 'x.test' }, dispatcher: agent });
    expect(await res.body.json()).toMatchObject({ upstream: 'beta', url: '/a' });
    const alphaRes = await curl(`${listener}/`, '-H', 'Host: alpha.test');
    expect(JSON.parse(alphaRes.body)).toMatchObject({ upstream: 'alpha' });
    const stats = (await curl(`http://${proxy.admin}/stats/prometheus`)).body;
    expect(stats).toContain('envoy_cluster_upstream_rq_total{envoy_cluster_name="beta"} 1\n');

    proxy.child.kill('SIGTERM');
    const code = await Promise.race([proxy.exited, new Promise((resolve) => setTimeout(() => resolve('still running after 10 s'), 10_000))]);
    expect(code).toBe(0);
    await agent.close();
  });

  it('serves from --config-yaml and exits 0 on POST /quitquitquit', async () => {
    proxy = await spawnProxy(['--config-yaml', stringify(bootstrap())]);
    const listener = await listenerOf(proxy.admin);
    expect(JSON.parse((await curl(`${listener}/x`, '-H', 'Host: alpha.test')).body)).toMatchObject({ upstream: 'alpha', url: '/x' });
    expect((await curl(`http://${proxy.admin}/quitquitquit`, '-X', 'POST')).status).toBe(200);
    expect(await proxy.exited).toBe(0);
  });

  it('refuses an unsupported field before starting, naming the file, the line and column, and the field', async () => {
    const doc = bootstrap() as { static_resources: { clusters: Record<string, unknown>[] } };
    doc.static_resources.clusters[1] = { ...doc.static_resources.clusters[1], lb_policy: 'CLUSTER_PROVIDED' };
    const file = path.join(dir, 'bad.yaml');
    const text = stringify(doc);
    writeFileSync(file, text);
    const { code, stderr } = await runProxyToFailure(['-c', file]);
    expect(code).toBe(1);
    const lines = text.split('\n');
    const line = lines.findIndex((l) => l.trimStart().startsWith('lb_policy: CLUSTER_PROVIDED')) + 1;
    const column = (lines[line - 1]?.indexOf('lb_policy') ?? 0) + 1;
    expect(stderr).toContain(`${file}:${line}:${column}: static_resources.clusters[1].lb_policy: CLUSTER_PROVIDED is not supported yet`);
    const inline = await runProxyToFailure(['--config-yaml', 'admin: {address: {socket_address: {address: 127.0.0.1, port_value: 0}}, profile_path: /x}']);
    expect(inline.code).toBe(1);
    expect(inline.stderr).toContain('--config-yaml:1:73: admin.profile_path: is not supported by this proxy');
  });

  it('exits 1 when a static listener cannot bind', async () => {
    const doc = staticBootstrap({ listenerPort: alpha.port, adminPort: 0, alphaPort: alpha.port, betaPort: beta.port });
    const { code, stderr } = await runProxyToFailure(['--config-yaml', stringify(doc)]);
    expect(code).toBe(1);
    expect(stderr).toContain(`listener http: cannot listen on 127.0.0.1:${alpha.port}`);
  });
});
