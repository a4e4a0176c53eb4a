import { describe, expect, it } from 'vitest';
import { compileRouteConfig } from './compile-route-config.js';
import type { RouteMatchInput } from './route-config-input.js';
import { rewritePath } from './rewrite-path.js';
import type { CompiledRoute } from './route-table.js';

function route(match: RouteMatchInput, prefixRewrite?: string): CompiledRoute {
  const table = compileRouteConfig({
    name: 'r',
    virtualHosts: [
      { name: 'vh', domains: ['*'], routes: [{ match, route: prefixRewrite === undefined ? { cluster: 'c' } : { cluster: 'c', prefixRewrite } }] },
    ],
  });
  const compiled = table.virtualHosts[0]?.routes[0];
  if (compiled === undefined) throw new Error('no route');
  return compiled;
}

describe('rewritePath', () => {
  it('swaps the matched prefix and keeps the rest, query string included', () => {
    const api = route({ prefix: '/api/' }, '/');
    expect(rewritePath(api, '/api/users?limit=5')).toBe('/users?limit=5');
    expect(rewritePath(route({ prefix: '/v1' }, '/v2'), '/v1/items')).toBe('/v2/items');
    expect(rewritePath(route({ prefix: '/' }, '/base/'), '/x?y=1')).toBe('/base/x?y=1');
  });

  it('swaps a case-insensitive prefix whatever case the request used', () => {
    expect(rewritePath(route({ prefix: '/Api', caseSensitive: false }, '/internal'), '/API/x?q')).toBe('/internal/x?q');
  });

  it('swaps the whole path of a path or regex route and keeps the query string', () => {
    expect(rewritePath(route({ path: '/login' }, '/auth/login'), '/login?next=%2F')).toBe('/auth/login?next=%2F');
    expect(rewritePath(route({ safeRegex: { regex: '/v[0-9]+/status' } }, '/status'), '/v3/status?x#f')).toBe('/status?x#f');
    expect(rewritePath(route({ path: '/login' }, '/auth'), '/login')).toBe('/auth');
  });

  it('leaves the path alone without a rewrite, or when the prefix is not there', () => {
    expect(rewritePath(route({ prefix: '/api' }), '/api/x?y')).toBe('/api/x?y');
    expect(rewritePath(route({ prefix: '/api' }, '/'), '/other')).toBe('/other');
  });
});
