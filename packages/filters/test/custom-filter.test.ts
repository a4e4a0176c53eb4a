import { afterEach, describe, expect, it } from 'vitest';
import { DuplicateFilterError, FilterConfigError, HttpFilterRegistry, UnknownFilterError } from '../src/index.js';
import type { FilterStatus, HeaderMap, HttpFilter, HttpFilterContext, HttpFilterFactory } from '../src/index.js';
import { clusters, endpoint, router } from './support/mesh.js';
import { Closer, startApp } from './support/net.js';
import { client, routesTo, startProxy } from './support/proxy.js';

const closer = new Closer();
afterEach(() => closer.closeAll());

/** Adds one configured header to every request. */
class AddHeaderFilter implements HttpFilter {
  constructor(
    private readonly name: string,
    private readonly value: string,
  ) {}

  onRequestHeaders(headers: HeaderMap): FilterStatus {
    headers[this.name] = this.value;
    return 'continue';
  }
}

/** Rejects requests that lack a configured header. */
class RequireHeaderFilter implements HttpFilter {
  constructor(
    private readonly ctx: HttpFilterContext,
    private readonly header: string,
  ) {}

  onRequestHeaders(headers: HeaderMap): FilterStatus {
    if (headers[this.header] !== undefined) return 'continue';
    this.ctx.respond(403, 'RBAC: access denied', { details: 'rbac_access_denied' });
    return 'stop';
  }
}

const addHeader: HttpFilterFactory = {
  typeName: 'acme.AddHeader',
  compile(config) {
    const name = config['name'];
    const value = config['value'];
    if (typeof name !== 'string' || typeof value !== 'string') throw new FilterConfigError('acme.AddHeader', 'name and value must be strings');
    return { name: 'acme.add_header', create: () => new AddHeaderFilter(name.toLowerCase(), value) };
  },
};

const requireHeader: HttpFilterFactory = {
  typeName: 'acme.RequireHeader',
  compile: (config) => {
    const header = typeof config['header'] === 'string' ? config['header'] : 'x-api-key';
    return { name: 'acme.require_header', create: (ctx) => new RequireHeaderFilter(ctx, header) };
  },
};

function typedStruct(typeUrl: string, value: Record<string, unknown>): Record<string, unknown> {
  return { '@type': 'type.googleapis.com/xds.type.v3.TypedStruct', type_url: `type.googleapis.com/${typeUrl}`, value };
}

const context = { listenerName: 'test', trafficDirection: 'OUTBOUND' } as const;

describe('custom filters through HttpFilterRegistry', () => {
  it('runs a user filter configured with a TypedStruct that adds a header, and one that rejects with 403', async () => {
    const app = await startApp('app', closer);
    const registry = new HttpFilterRegistry().register(addHeader).register(requireHeader);
    const filters = [
      registry.compile({ name: 'require', typed_config: typedStruct('acme.RequireHeader', { header: 'x-api-key' }) }, context, 'http_filters[0]'),
      registry.compile({ name: 'add', typed_config: typedStruct('acme.AddHeader', { name: 'X-Tenant', value: 'blue' }) }, context, 'http_filters[1]'),
      router(clusters(closer, { app: [endpoint(app.port)] })),
    ];
    const proxy = await startProxy({ filters, routes: routesTo([{ match: { prefix: '/' }, route: { cluster: 'app' } }]) }, closer);
    const send = client(closer);

    const denied = await send(`${proxy.origin}/`);
    expect(denied.status).toBe(403);
    expect(denied.text).toBe('RBAC: access denied');
    expect(app.seen).toHaveLength(0);

    const allowed = await send(`${proxy.origin}/`, { headers: { 'x-api-key': 'k' } });
    expect(allowed.status).toBe(200);
    expect(app.seen[0]?.headers['x-tenant']).toBe('blue');
    expect(proxy.streams[0]?.responseCodeDetails).toBe('rbac_access_denied');
  });

  it('accepts the older udpa TypedStruct and a plain typed config', () => {
    const registry = new HttpFilterRegistry().register(addHeader);
    const udpa = { '@type': 'type.googleapis.com/udpa.type.v1.TypedStruct', type_url: 'type.googleapis.com/acme.AddHeader', value: { name: 'a', value: 'b' } };
    expect(registry.compile({ name: 'x', typed_config: udpa }, context, 'f').name).toBe('acme.add_header');
    const plain = { '@type': 'type.googleapis.com/acme.AddHeader', name: 'a', value: 'b' };
    expect(registry.compile({ name: 'x', typed_config: plain }, context, 'f').name).toBe('acme.add_header');
  });

  it('refuses unknown types and duplicate registrations with coded errors naming the field', () => {
    const registry = new HttpFilterRegistry().register(addHeader);
    expect(() => registry.register(addHeader)).toThrow(DuplicateFilterError);
    let error: unknown;
    try {
      registry.compile({ name: 'x', typed_config: typedStruct('acme.Missing', {}) }, context, 'listeners[0].http_filters[2]');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(UnknownFilterError);
    expect((error as { code?: unknown }).code).toBe('MESHKIT_FILTER_UNKNOWN');
    expect((error as Error).message).toBe("listeners[0].http_filters[2].typed_config: no HTTP filter is registered for type 'acme.Missing'");
    expect(() => registry.compile({ name: 'x', typed_config: typedStruct('acme.AddHeader', { name: 1 }) }, context, 'f')).toThrow(FilterConfigError);
  });
});
