import { describe, expect, it } from 'vitest';
import { compileRouteConfig } from './compile-route-config.js';
import { RouteConfigError } from './errors.js';
import { computeHashKey } from './hash-key.js';
import { applyHeaderMutations } from './header-mutation.js';
import { redirectLocation } from './redirect-location.js';
import { rewritePath } from './rewrite-path.js';
import type { RouteConfigInput, RouteInput } from './route-config-input.js';
import { corsOriginAllowed } from './route-policy-compilers.js';
import type { RouteRequest } from './route-request.js';
import type { CompiledRoute } from './route-table.js';
import { selectCluster } from './select-cluster.js';
import { xxHash64 } from './xxhash64.js';

const get = (path: string, extra: Partial<RouteRequest> = {}): RouteRequest => ({ authority: 'shop.test', path, method: 'GET', headers: {}, ...extra });

function routeOf(route: RouteInput, config: Partial<RouteConfigInput> = {}): CompiledRoute {
  const table = compileRouteConfig({ name: 't', virtualHosts: [{ name: 'vh', domains: ['*'], routes: [route] }], ...config });
  const compiled = table.virtualHosts[0]?.routes[0];
  if (compiled === undefined) throw new Error('no route');
  return compiled;
}

function fieldOf(route: RouteInput): string {
  try {
    routeOf(route);
  } catch (err) {
    if (err instanceof RouteConfigError) return err.field;
    throw err;
  }
  throw new Error('expected a RouteConfigError');
}

describe('redirects', () => {
  const redirect = (config: NonNullable<RouteInput['redirect']>, request: RouteRequest, prefix = '/old'): string | null =>
    redirectLocation(routeOf({ match: { prefix }, redirect: config }), request);

  it('is a direct action with the redirect code', () => {
    const route = routeOf({ match: { prefix: '/' }, redirect: { responseCode: 'PERMANENT_REDIRECT' } });
    expect(route.action).toEqual({ type: 'direct', status: 308, body: undefined });
    expect(routeOf({ match: { prefix: '/' }, redirect: {} }).action).toMatchObject({ status: 301 });
  });

  it('builds scheme, host, port and path as Envoy does', () => {
    expect(redirect({ httpsRedirect: true }, get('/old/a?x=1', { authority: 'shop.test:80' }))).toBe('https://shop.test/old/a?x=1');
    expect(redirect({ httpsRedirect: true }, get('/old', { authority: 'shop.test:8080' }))).toBe('https://shop.test:8080/old');
    expect(redirect({ portRedirect: 8443 }, get('/old', { authority: 'shop.test:80' }))).toBe('http://shop.test:8443/old');
    expect(redirect({ hostRedirect: 'new.test' }, get('/old?q', { scheme: 'https' }))).toBe('https://new.test/old?q');
    expect(redirect({ prefixRewrite: '/new' }, get('/old/a?q=1'))).toBe('http://shop.test/new/a?q=1');
    expect(redirect({ prefixRewrite: '/new', stripQuery: true }, get('/old/a?q=1'))).toBe('http://shop.test/new/a');
    expect(redirect({ pathRedirect: '/p' }, get('/old/a?q=1'))).toBe('http://shop.test/p?q=1');
    expect(redirect({ pathRedirect: '/p?z=9', stripQuery: true }, get('/old/a?q=1'))).toBe('http://shop.test/p?z=9');
    expect(redirect({ regexRewrite: { pattern: { regex: 'o(l)d' }, substitution: '\\1' } }, get('/old/old'))).toBe('http://shop.test/l/l');
    expect(redirect({ schemeRedirect: 'HTTPS' }, get('/old', { headers: { 'x-forwarded-proto': 'http' } }))).toBe('https://shop.test/old');
  });

  it('refuses conflicting redirect fields', () => {
    expect(fieldOf({ match: { prefix: '/' }, redirect: { httpsRedirect: true, schemeRedirect: 'http' } })).toBe('virtualHosts[0].routes[0].redirect');
    expect(fieldOf({ match: { prefix: '/' }, redirect: { pathRedirect: '/a', prefixRewrite: '/b' } })).toBe('virtualHosts[0].routes[0].redirect');
    expect(fieldOf({ match: { prefix: '/' }, redirect: { portRedirect: 70_000 } })).toBe('virtualHosts[0].routes[0].redirect.portRedirect');
    expect(fieldOf({ match: { prefix: '/' }, redirect: {}, directResponse: { status: 200 } })).toBe('virtualHosts[0].routes[0]');
  });
});

describe('rewrites', () => {
  it('substitutes every regex match in the path and keeps the query', () => {
    const route = routeOf({ match: { prefix: '/' }, route: { cluster: 'c', regexRewrite: { pattern: { regex: '^/service/([^/]+)(/.*)$' }, substitution: '\\2/instance/\\1' } } });
    expect(rewritePath(route, '/service/foo/v1/api?x=/service/a/b')).toBe('/v1/api/instance/foo?x=/service/a/b');
    expect(rewritePath(route, '/other')).toBe('/other');
  });

  it('rewrites the prefix of a path-separated-prefix route', () => {
    expect(rewritePath(routeOf({ match: { pathSeparatedPrefix: '/api' }, route: { cluster: 'c', prefixRewrite: '/v2' } }), '/api/x?y')).toBe('/v2/x?y');
  });

  it('refuses both rewrites, a bad substitution, and both host rewrites', () => {
    const r = 'virtualHosts[0].routes[0].route';
    expect(fieldOf({ match: { prefix: '/' }, route: { cluster: 'c', prefixRewrite: '/', regexRewrite: { pattern: { regex: 'a' }, substitution: '' } } })).toBe(r);
    expect(fieldOf({ match: { prefix: '/' }, route: { cluster: 'c', regexRewrite: { pattern: { regex: 'a' }, substitution: '\\1' } } })).toBe(`${r}.regexRewrite.substitution`);
    expect(fieldOf({ match: { prefix: '/' }, route: { cluster: 'c', regexRewrite: { pattern: { regex: '(a)\\1' }, substitution: '' } } })).toBe(`${r}.regexRewrite.pattern.regex`);
    expect(fieldOf({ match: { prefix: '/' }, route: { cluster: 'c', hostRewriteLiteral: 'h', autoHostRewrite: true } })).toBe(r);
    expect(routeOf({ match: { prefix: '/' }, route: { cluster: 'c', hostRewriteLiteral: 'up.test' } }).hostRewrite).toEqual({ type: 'literal', host: 'up.test' });
    expect(routeOf({ match: { prefix: '/' }, route: { cluster: 'c', autoHostRewrite: true, idleTimeoutMs: 5 } })).toMatchObject({ hostRewrite: { type: 'auto' }, idleTimeoutMs: 5 });
  });
});

describe('selectCluster', () => {
  it('resolves cluster, clusterHeader and weighted picks', () => {
    expect(selectCluster(routeOf({ match: { prefix: '/' }, route: { cluster: 'c' } }), get('/'))?.cluster).toBe('c');
    const byHeader = routeOf({ match: { prefix: '/' }, route: { clusterHeader: 'X-Target' } });
    expect(byHeader.action).toEqual({ type: 'cluster', cluster: '', clusterHeader: 'x-target' });
    expect(selectCluster(byHeader, get('/', { headers: { 'x-target': 'blue' } }))?.cluster).toBe('blue');
    expect(selectCluster(byHeader, get('/', { headers: { 'x-target': '' } }))).toBeNull();
    const weighted = routeOf({ match: { prefix: '/' }, route: { weightedClusters: { clusters: [{ name: 'a', weight: 1 }, { clusterHeader: 'x-b', weight: 3 }] } } });
    expect(selectCluster(weighted, get('/'), 0)?.cluster).toBe('a');
    expect(selectCluster(weighted, get('/', { headers: { 'x-b': 'bee' } }), 1)?.cluster).toBe('bee');
    // random 5 picks the header-named cluster; without the header there is no cluster
    expect(selectCluster(weighted, get('/', { random: 5 }))).toBeNull();
    expect(selectCluster(routeOf({ match: { prefix: '/' }, directResponse: { status: 200 } }), get('/'))).toBeNull();
    expect(fieldOf({ match: { prefix: '/' }, route: { cluster: 'a', clusterHeader: 'b' } })).toBe('virtualHosts[0].routes[0].route');
  });
});

describe('header mutations', () => {
  const config: RouteConfigInput = {
    name: 't',
    requestHeadersToAdd: [{ header: { key: 'x-level', value: 'config' }, appendAction: 'OVERWRITE_IF_EXISTS_OR_ADD' }],
    virtualHosts: [
      {
        name: 'vh',
        domains: ['*'],
        requestHeadersToAdd: [{ header: { key: 'x-level', value: 'vhost' }, appendAction: 'OVERWRITE_IF_EXISTS_OR_ADD' }],
        routes: [
          {
            match: { prefix: '/' },
            requestHeadersToRemove: ['x-secret'],
            requestHeadersToAdd: [
              { header: { key: 'x-level', value: 'route' }, appendAction: 'OVERWRITE_IF_EXISTS_OR_ADD' },
              { header: { key: 'x-trace', value: 'r' } },
              { header: { key: 'x-once', value: 'new' }, appendAction: 'ADD_IF_ABSENT' },
              { header: { key: 'x-only-if', value: 'set' }, appendAction: 'OVERWRITE_IF_EXISTS' },
              { header: { key: 'x-empty', value: '' } },
              { header: { key: 'x-kept-empty', value: '' }, keepEmptyValue: true },
            ],
            route: { weightedClusters: { clusters: [{ name: 'a', weight: 1, requestHeadersToAdd: [{ header: { key: 'x-level', value: 'cluster' } }] }] } },
          },
        ],
      },
    ],
  };

  it("applies route, then virtual host, then config, so the least specific overwrite lands last (Envoy's default)", () => {
    const route = compileRouteConfig(config).virtualHosts[0]?.routes[0];
    if (route === undefined) throw new Error('no route');
    const out = applyHeaderMutations({ 'x-secret': '1', 'x-trace': 'in', 'x-once': 'old' }, route.requestHeaderMutations);
    expect(out).toEqual({ 'x-level': 'config', 'x-trace': ['in', 'r'], 'x-once': 'old', 'x-kept-empty': '' });
    expect(route.requestHeaderMutations.map((set) => set.level)).toEqual(['route', 'virtualHost', 'routeConfig']);
    const withFlag = applyHeaderMutations({ 'x-only-if': 'old' }, route.requestHeaderMutations);
    expect(withFlag['x-only-if']).toBe('set');
  });

  it('puts a weighted cluster first, and reverses the rest when most-specific wins', () => {
    const table = compileRouteConfig({ ...config, mostSpecificHeaderMutationsWins: true });
    const route = table.virtualHosts[0]?.routes[0];
    if (route?.action.type !== 'weighted') throw new Error('expected weighted');
    expect(route.action.clusters[0]?.requestHeaderMutations.map((set) => set.level)).toEqual(['weightedCluster', 'routeConfig', 'virtualHost', 'route']);
    expect(applyHeaderMutations({}, route.requestHeaderMutations)['x-level']).toBe('route');
    const selection = selectCluster(route, get('/'), 0);
    expect(selection?.requestHeaderMutations[0]?.level).toBe('weightedCluster');
  });

  it('leaves its input untouched and refuses pseudo-headers, Host and CRLF', () => {
    const input = { a: '1' };
    applyHeaderMutations(input, [{ level: 'route', headersToRemove: ['a'], headersToAdd: [] }]);
    expect(input).toEqual({ a: '1' });
    const base = 'virtualHosts[0].routes[0]';
    expect(fieldOf({ match: { prefix: '/' }, route: { cluster: 'c' }, requestHeadersToAdd: [{ header: { key: ':path', value: '/' } }] })).toBe(`${base}.requestHeadersToAdd[0].header.key`);
    expect(fieldOf({ match: { prefix: '/' }, route: { cluster: 'c' }, requestHeadersToRemove: ['Host'] })).toBe(`${base}.requestHeadersToRemove[0]`);
    expect(fieldOf({ match: { prefix: '/' }, route: { cluster: 'c' }, responseHeadersToAdd: [{ header: { key: 'x', value: 'a\r\nb' } }] })).toBe(`${base}.responseHeadersToAdd[0].header.value`);
  });
});

describe('policies', () => {
  it('computes Envoy-compatible hash keys', () => {
    const route = routeOf({
      match: { prefix: '/' },
      route: { cluster: 'c', hashPolicy: [{ header: { headerName: 'X-User' }, terminal: true }, { cookie: { name: 'sid' } }, { connectionProperties: { sourceIp: true } }, { queryParameter: { name: 'u' } }] },
    });
    expect(computeHashKey(route.hashPolicy, get('/', { headers: { 'x-user': 'bob' } }))).toBe(xxHash64('bob'));
    expect(computeHashKey(route.hashPolicy, get('/', { headers: { 'x-user': ['b', 'a'] } }))).toBe(computeHashKey(route.hashPolicy, get('/', { headers: { 'x-user': ['a', 'b'] } })));
    const sid = xxHash64('s1');
    const ip = xxHash64('10.0.0.1');
    const folded = (((sid << 1n) | (sid >> 63n)) & ((1n << 64n) - 1n)) ^ ip;
    expect(computeHashKey(route.hashPolicy, get('/', { headers: { cookie: 'a=b; sid="s1"' }, sourceIp: '10.0.0.1' }))).toBe(folded);
    expect(computeHashKey(route.hashPolicy, get('/?u=%41'))).toBe(xxHash64('%41'));
    expect(computeHashKey(route.hashPolicy, get('/'))).toBeNull();
  });

  it('keeps max_stream_duration as given, and refuses a negative duration by field', () => {
    const compile = (maxStreamDuration: Record<string, number>) =>
      compileRouteConfig({ name: 't', virtualHosts: [{ name: 'vh', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'c', maxStreamDuration } }] }] });
    const route = compile({ maxStreamDurationMs: 0, grpcTimeoutHeaderMaxMs: 0 }).virtualHosts[0]?.routes[0];
    expect(route?.maxStreamDuration).toEqual({ maxStreamDurationMs: 0, grpcTimeoutHeaderMaxMs: 0 });
    expect(Object.isFrozen(route?.maxStreamDuration)).toBe(true);
    expect(() => compile({ grpcTimeoutHeaderOffsetMs: -1 })).toThrow(/maxStreamDuration\.grpcTimeoutHeaderOffsetMs.*must be a finite number >= 0/);
  });

  it('inherits the virtual host retry policy and CORS unless the route sets its own', () => {
    const table = compileRouteConfig({
      name: 't',
      virtualHosts: [
        {
          name: 'vh',
          domains: ['*'],
          retryPolicy: { retryOn: '5xx,reset', numRetries: 3 },
          cors: { allowOriginStringMatch: [{ suffix: '.shop.test' }], maxAge: '600' },
          routes: [
            { match: { prefix: '/a' }, route: { cluster: 'c' } },
            { match: { prefix: '/b' }, route: { cluster: 'c', retryPolicy: { retryOn: 'connect-failure', retryBackOff: { baseIntervalMs: 100 } } } },
          ],
        },
      ],
    });
    const [a, b] = table.virtualHosts[0]?.routes ?? [];
    expect(a?.retryPolicy).toMatchObject({ retryOn: ['5xx', 'reset'], numRetries: 3, baseIntervalMs: 25, maxIntervalMs: 250 });
    expect(b?.retryPolicy).toMatchObject({ retryOn: ['connect-failure'], numRetries: 1, baseIntervalMs: 100, maxIntervalMs: 1000 });
    expect(a?.cors !== undefined && corsOriginAllowed(a.cors, 'https://www.shop.test')).toBe(true);
    expect(a?.cors !== undefined && corsOriginAllowed(a.cors, 'https://evil.test')).toBe(false);
  });

  it('compiles mirrors and refuses bad policies with their field', () => {
    const route = routeOf({ match: { prefix: '/' }, route: { cluster: 'c', requestMirrorPolicies: [{ cluster: 'shadow', runtimeFraction: { defaultValue: { numerator: 10 } } }] } });
    expect(route.requestMirrorPolicies).toEqual([{ cluster: 'shadow', fraction: { numerator: 10, denominator: 100, runtimeKey: undefined }, traceSampled: undefined }]);
    const r = 'virtualHosts[0].routes[0].route';
    expect(fieldOf({ match: { prefix: '/' }, route: { cluster: 'c', retryPolicy: { retryOn: '5xx,sometimes' } } })).toBe(`${r}.retryPolicy.retryOn`);
    expect(fieldOf({ match: { prefix: '/' }, route: { cluster: 'c', retryPolicy: { retryOn: '5xx', retryBackOff: { baseIntervalMs: 10, maxIntervalMs: 5 } } } })).toBe(`${r}.retryPolicy.retryBackOff.maxIntervalMs`);
    expect(fieldOf({ match: { prefix: '/' }, route: { cluster: 'c', hashPolicy: [{ header: { headerName: 'a' }, cookie: { name: 'b' } }] } })).toBe(`${r}.hashPolicy[0]`);
    expect(fieldOf({ match: { prefix: '/' }, route: { cluster: 'c', requestMirrorPolicies: [{ cluster: '' }] } })).toBe(`${r}.requestMirrorPolicies[0].cluster`);
    expect(fieldOf({ match: { prefix: '/' }, route: { cluster: 'c', cors: { maxAge: '1h' } } })).toBe(`${r}.cors.maxAge`);
  });
});
