import { describe, expect, it } from 'vitest';
import { compileRouteConfig } from './compile-route-config.js';
import { DEFAULT_ROUTE_TIMEOUT_MS } from './route-action.js';
import type { RouteRequest } from './route-request.js';

function get(path: string, headers: RouteRequest['headers'] = {}, authority = 'shop.test'): RouteRequest {
  return { authority, path, method: 'GET', headers };
}

const table = compileRouteConfig({
  name: 'shop',
  virtualHosts: [
    {
      name: 'shop',
      domains: ['shop.test'],
      routes: [
        { name: 'canary', match: { prefix: '/cart', headers: [{ name: 'x-canary', presentMatch: true }] }, route: { cluster: 'cart-v2' } },
        { name: 'cart', match: { prefix: '/cart' }, route: { cluster: 'cart-v1', timeoutMs: 2_500, prefixRewrite: '/' } },
        { name: 'cart-exact-never', match: { path: '/cart' }, route: { cluster: 'shadowed' } },
        {
          name: 'reviews',
          match: { prefix: '/reviews' },
          route: { weightedClusters: { clusters: [{ name: 'reviews-v1', weight: 90 }, { name: 'reviews-v2', weight: 10 }] }, timeoutMs: 0 },
        },
        { name: 'gone', match: { path: '/old' }, directResponse: { status: 410, body: 'moved on' } },
        { match: { path: '/empty' }, directResponse: { status: 204 } },
      ],
    },
    { name: 'empty', domains: ['empty.test'], routes: [] },
  ],
});

describe('RouteTable.match', () => {
  it('returns the first route that matches, in declared order', () => {
    expect(table.match(get('/cart/1', { 'x-canary': '1' }))?.route.name).toBe('canary');
    expect(table.match(get('/cart/1'))?.route.name).toBe('cart');
    // '/cart' would also match the later exact route; the earlier prefix route wins
    expect(table.match(get('/cart'))?.route.name).toBe('cart');
  });

  it('returns null when the virtual host has no matching route, or there is no virtual host', () => {
    expect(table.match(get('/nothing'))).toBeNull();
    expect(table.match(get('/cart', {}, 'empty.test'))).toBeNull();
    expect(table.match(get('/cart', {}, 'elsewhere.test'))).toBeNull();
  });

  it('exposes the action as a discriminated union, with timeouts and rewrites', () => {
    const cart = table.match(get('/cart'))?.route;
    expect(cart).toMatchObject({ action: { type: 'cluster', cluster: 'cart-v1' }, timeoutMs: 2_500, prefixRewrite: '/' });
    expect(cart?.pathMatch).toEqual({ type: 'prefix', prefix: '/cart', caseSensitive: true });

    const canary = table.match(get('/cart', { 'x-canary': '' }))?.route;
    expect(canary).toMatchObject({ timeoutMs: DEFAULT_ROUTE_TIMEOUT_MS, prefixRewrite: undefined });

    const reviews = table.match(get('/reviews'))?.route;
    expect(reviews?.action).toMatchObject({
      type: 'weighted',
      clusters: [{ name: 'reviews-v1', weight: 90 }, { name: 'reviews-v2', weight: 10 }],
      totalWeight: 100,
    });
    expect(reviews?.timeoutMs).toBe(0);

    expect(table.match(get('/old?x'))?.route).toMatchObject({ action: { type: 'direct', status: 410, body: 'moved on' }, timeoutMs: undefined });
    const empty = table.match(get('/empty'))?.route;
    expect(empty?.name).toBe('');
    expect(empty?.action).toEqual({ type: 'direct', status: 204, body: undefined });
  });

  it('returns the same frozen result object for every request that selects a route', () => {
    const first = table.match(get('/cart/a'));
    const second = table.match(get('/cart/b?q=1'));
    expect(first).not.toBeNull();
    expect(second).toBe(first);
    expect(first?.virtualHost.name).toBe('shop');
    expect(first?.virtualHost.routes).toContain(first?.route);
    expect(Object.isFrozen(first)).toBe(true);
    expect(Object.isFrozen(first?.route)).toBe(true);
    expect(Object.isFrozen(first?.route.action)).toBe(true);
    expect(Object.isFrozen(first?.virtualHost)).toBe(true);
  });

  it('lists the compiled virtual hosts with their configured domains', () => {
    expect(table.name).toBe('shop');
    expect(table.virtualHosts.map((host) => [host.name, host.domains, host.routes.length])).toEqual([
      ['shop', ['shop.test'], 6],
      ['empty', ['empty.test'], 0],
    ]);
  });

  it('keeps the answers of each table to itself', () => {
    const other = compileRouteConfig({ name: 'other', virtualHosts: [{ name: 'o', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'o' } }] }] });
    expect(other.match(get('/cart'))?.route.action).toEqual({ type: 'cluster', cluster: 'o' });
    expect(table.match(get('/cart'))?.route.action).toEqual({ type: 'cluster', cluster: 'cart-v1' });
  });

  it('answers an empty table with null', () => {
    expect(compileRouteConfig({ name: 'none', virtualHosts: [] }).match(get('/'))).toBeNull();
  });
});
