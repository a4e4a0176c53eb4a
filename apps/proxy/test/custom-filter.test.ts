import net from 'node:net';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { HttpFilterFactory } from '@meshkit/filters';
import { parseBootstrap, startProxy } from '../src/index.js';
import type { RunningProxy } from '../src/index.js';
import { curl } from './support/clients.js';
import { spawnProxy } from './support/proxy-process.js';
import type { ProxyProcess } from './support/proxy-process.js';
import { bootstrapWith, hcmListener, ROUTE_CONFIG, ROUTER_FILTER, staticCluster } from './support/static-bootstrap.js';
import { startUpstream } from './support/upstreams.js';
import type { TestUpstream } from './support/upstreams.js';

/** The worked example of docs/custom-filter.md, loaded from where the docs point. */
const EXAMPLE = path.resolve(import.meta.dirname, '../../../docs/examples/header-stamp-filter.mjs');

const stampEntry = (typedConfig: Record<string, unknown>) => ({ name: 'header-stamp', typed_config: typedConfig });
const viaTypedStruct = stampEntry({
  '@type': 'type.googleapis.com/xds.type.v3.TypedStruct',
  type_url: 'type.googleapis.com/meshkit.examples.HeaderStamp',
  value: { header: 'x-stamp', value: 'v1', require_request_header: 'x-tenant' },
});

function bootstrap(listenerPort: number, upstreamPort: number, filter: Record<string, unknown>): Record<string, unknown> {
  const listener = hcmListener('http', listenerPort, { stat_prefix: 'custom', route_config: ROUTE_CONFIG, http_filters: [filter, ROUTER_FILTER] });
  return bootstrapWith('custom', { listeners: [listener], clusters: [staticCluster('alpha', upstreamPort), staticCluster('beta', upstreamPort)] });
}

describe('a custom HTTP filter from docs/examples, registered in one call', () => {
  let upstream: TestUpstream;
  let proxy: RunningProxy | undefined;
  let child: ProxyProcess | undefined;
  let headerStampFilter: HttpFilterFactory;

  beforeAll(async () => {
    upstream = await startUpstream('alpha');
    ({ headerStampFilter } = (await import(EXAMPLE)) as { headerStampFilter: HttpFilterFactory });
  });
  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
    child?.kill();
    child = undefined;
  });
  afterAll(() => upstream.close());

  it('runs from startProxy({ httpFilters }) with a TypedStruct entry: stamps responses, refuses without x-tenant', async () => {
    proxy = await startProxy(parseBootstrap(stringify(bootstrap(0, upstream.port, viaTypedStruct)), 'custom.yaml'), { log: () => undefined, httpFilters: [headerStampFilter] });
    const port = (proxy.runtime.listenerManager.listeners[0]?.server.address() as AddressInfo).port;
    const ok = await curl(`http://127.0.0.1:${port}/a`, '-i', '-H', 'host: alpha.test', '-H', 'x-tenant: t1');
    expect(ok.status).toBe(200);
    expect(ok.body.toLowerCase()).toContain('x-stamp: v1');
    const refused = await curl(`http://127.0.0.1:${port}/b`, '-H', 'host: alpha.test');
    expect(refused).toEqual({ status: 403, body: 'missing x-tenant\n' });
    expect(upstream.seen.map((s) => s.url)).toContain('/a');
    expect(upstream.seen.map((s) => s.url)).not.toContain('/b');
  });

  it('is refused at start, naming the filter entry, when nobody registered it', async () => {
    const doc = bootstrap(0, upstream.port, stampEntry({ '@type': 'type.googleapis.com/meshkit.examples.HeaderStamp', header: 'x-stamp', value: 'v2' }));
    await expect(startProxy(parseBootstrap(stringify(doc), 'custom.yaml'), { log: () => undefined })).rejects.toThrow(/http_filters\[0\].*meshkit\.examples\.HeaderStamp/);
  });

  it('runs from the CLI with --filter-module, configured by its own @type', async () => {
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const doc = bootstrap(port, upstream.port, stampEntry({ '@type': 'type.googleapis.com/meshkit.examples.HeaderStamp', header: 'x-stamp', value: 'from-cli' }));
    child = await spawnProxy(['--config-yaml', JSON.stringify(doc), '--filter-module', EXAMPLE]);
    const res = await curl(`http://127.0.0.1:${port}/c`, '-i', '-H', 'host: alpha.test');
    expect(res.status).toBe(200);
    expect(res.body.toLowerCase()).toContain('x-stamp: from-cli');
  });
});
