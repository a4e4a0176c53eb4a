import { RE2JSSyntaxException } from 're2js';
import { isMeshkitError } from '@meshkit/core';
import { describe, expect, it } from 'vitest';
import { compileRouteConfig } from './compile-route-config.js';
import { RouteConfigError } from './errors.js';
import type { RouteConfigInput, RouteInput, VirtualHostInput } from './route-config-input.js';

const ok: RouteInput = { match: { prefix: '/' }, route: { cluster: 'c' } };

function withHosts(...virtualHosts: VirtualHostInput[]): RouteConfigInput {
  return { name: 'cfg', virtualHosts };
}

function withRoute(route: RouteInput): RouteConfigInput {
  // The bad route sits second in the second host, so a path that only counted from zero fails.
  return withHosts({ name: 'first', domains: ['first.test'], routes: [ok] }, { name: 'second', domains: ['second.test'], routes: [ok, route] });
}

/** Compiles and returns the RouteConfigError thrown, failing the test if none is. */
function errorOf(input: RouteConfigInput): RouteConfigError {
  try {
    compileRouteConfig(input);
  } catch (err) {
    if (err instanceof RouteConfigError) return err;
    throw err;
  }
  throw new Error('expected compileRouteConfig to throw');
}

const R = 'virtualHosts[1].routes[1]';

describe('RouteConfigError', () => {
  it('has the stable code, the field path, and a message naming both config and field', () => {
    const err = errorOf(withRoute({ match: { safeRegex: { regex: '/a(' } }, route: { cluster: 'c' } }));
    expect(err.code).toBe('MESHKIT_ROUTE_CONFIG');
    expect(err.name).toBe('RouteConfigError');
    expect(err.field).toBe(`${R}.match.safeRegex.regex`);
    expect(err.routeConfigName).toBe('cfg');
    expect(err.message).toMatch(/^route config 'cfg': virtualHosts\[1\]\.routes\[1\]\.match\.safeRegex\.regex: invalid RE2 regex/);
    expect(err.cause).toBeInstanceOf(RE2JSSyntaxException);
    expect(isMeshkitError(err, 'MESHKIT_ROUTE_CONFIG')).toBe(true);
  });
});

describe('domains', () => {
  it('refuses a virtual host without domains', () => {
    expect(errorOf(withHosts({ name: 'a', domains: ['a.test'], routes: [] }, { name: 'b', domains: [], routes: [] })).field).toBe(
      'virtualHosts[1].domains',
    );
  });

  it('refuses an empty domain', () => {
    expect(errorOf(withHosts({ name: 'a', domains: ['a.test', ''], routes: [] })).field).toBe('virtualHosts[0].domains[1]');
  });

  it('refuses the same domain in two virtual hosts, ignoring case, and names the first', () => {
    const err = errorOf(withHosts({ name: 'a', domains: ['x.test', 'a.test'], routes: [] }, { name: 'b', domains: ['b.test', 'A.TEST'], routes: [] }));
    expect(err.field).toBe('virtualHosts[1].domains[1]');
    expect(err.problem).toContain("virtual host 'a' (virtualHosts[0].domains[1])");
  });

  it('refuses a repeated wildcard domain', () => {
    expect(errorOf(withHosts({ name: 'a', domains: ['*.test'], routes: [] }, { name: 'b', domains: ['*.TEST'], routes: [] })).field).toBe(
      'virtualHosts[1].domains[0]',
    );
    expect(errorOf(withHosts({ name: 'a', domains: ['api.*', 'api.*'], routes: [] })).field).toBe('virtualHosts[0].domains[1]');
  });

  it('refuses more than one * across the table', () => {
    const err = errorOf(withHosts({ name: 'a', domains: ['*'], routes: [] }, { name: 'b', domains: ['b.test', '*'], routes: [] }));
    expect(err.field).toBe('virtualHosts[1].domains[1]');
    expect(err.problem).toMatch(/only one '\*'/);
  });

  it.each([['foo.*.com'], ['*foo*'], ['**'], ['*.*'], ['a*b']])('refuses the misplaced wildcard in %s', (domain) => {
    const err = errorOf(withHosts({ name: 'a', domains: ['ok.test', domain], routes: [] }));
    expect(err.field).toBe('virtualHosts[0].domains[1]');
    expect(err.problem).toMatch(/wildcard/);
  });

  it('accepts every wildcard Envoy accepts', () => {
    expect(() => compileRouteConfig(withHosts({ name: 'a', domains: ['*', '*.a.test', '*-b.a.test', 'a.*', 'x.test:80'], routes: [] }))).not.toThrow();
  });
});

describe('virtual host', () => {
  it('refuses an empty name', () => {
    expect(errorOf(withHosts({ name: '', domains: ['a.test'], routes: [] })).field).toBe('virtualHosts[0].name');
  });
});

describe('path specifier', () => {
  it('refuses a match with none', () => {
    const err = errorOf(withRoute({ match: {}, route: { cluster: 'c' } }));
    expect(err.field).toBe(`${R}.match`);
    expect(err.problem).toMatch(/none is set/);
  });

  it('refuses a match with several', () => {
    const err = errorOf(withRoute({ match: { prefix: '/', path: '/a' }, route: { cluster: 'c' } }));
    expect(err.field).toBe(`${R}.match`);
    expect(err.problem).toMatch(/prefix and path/);
    expect(errorOf(withRoute({ match: { path: '/a', safeRegex: { regex: '/a' } }, route: { cluster: 'c' } })).field).toBe(`${R}.match`);
  });

  it.each([['/a['], ['(a)\\1'], ['/a(?=b)'], ['(?<!a)b'], ['']])('refuses the bad regex %j', (regex) => {
    expect(errorOf(withRoute({ match: { safeRegex: { regex } }, route: { cluster: 'c' } })).field).toBe(`${R}.match.safeRegex.regex`);
  });
});

describe('header matchers', () => {
  const withHeader = (header: NonNullable<RouteInput['match']['headers']>[number]): RouteConfigInput =>
    withRoute({ match: { prefix: '/', headers: [{ name: 'x-ok', presentMatch: true }, header] }, route: { cluster: 'c' } });
  const H = `${R}.match.headers[1]`;

  it('refuses a bad regex', () => {
    expect(errorOf(withHeader({ name: 'x', stringMatch: { safeRegex: { regex: '(?=x)' } } })).field).toBe(`${H}.stringMatch.safeRegex.regex`);
  });

  it('refuses a stringMatch with none or several specifiers', () => {
    expect(errorOf(withHeader({ name: 'x', stringMatch: {} })).field).toBe(`${H}.stringMatch`);
    expect(errorOf(withHeader({ name: 'x', stringMatch: { exact: 'a', prefix: 'a' } })).field).toBe(`${H}.stringMatch`);
  });

  it('refuses empty prefix, suffix and contains, which would match anything', () => {
    expect(errorOf(withHeader({ name: 'x', stringMatch: { prefix: '' } })).field).toBe(`${H}.stringMatch.prefix`);
    expect(errorOf(withHeader({ name: 'x', stringMatch: { suffix: '' } })).field).toBe(`${H}.stringMatch.suffix`);
    expect(errorOf(withHeader({ name: 'x', stringMatch: { contains: '' } })).field).toBe(`${H}.stringMatch.contains`);
  });

  it('refuses both stringMatch and presentMatch, and an empty name', () => {
    expect(errorOf(withHeader({ name: 'x', stringMatch: { exact: 'a' }, presentMatch: true })).field).toBe(H);
    expect(errorOf(withHeader({ name: '', presentMatch: true })).field).toBe(`${H}.name`);
  });
});

describe('actions', () => {
  it('refuses a route with several action kinds', () => {
    const err = errorOf(withRoute({ match: { prefix: '/' }, route: { cluster: 'c' }, directResponse: { status: 200 } }));
    expect(err.field).toBe(R);
    expect(err.problem).toMatch(/route and directResponse are all set/);
  });

  it('refuses a route with no action', () => {
    expect(errorOf(withRoute({ match: { prefix: '/' } })).field).toBe(R);
  });

  it('refuses a route action with both or neither of cluster and weightedClusters', () => {
    expect(errorOf(withRoute({ match: { prefix: '/' }, route: { cluster: 'c', weightedClusters: { clusters: [{ name: 'a', weight: 1 }] } } })).field).toBe(
      `${R}.route`,
    );
    expect(errorOf(withRoute({ match: { prefix: '/' }, route: {} })).field).toBe(`${R}.route`);
    expect(errorOf(withRoute({ match: { prefix: '/' }, route: { cluster: '' } })).field).toBe(`${R}.route.cluster`);
  });

  it('refuses weights that sum to 0, and an empty cluster list', () => {
    const zero = errorOf(withRoute({ match: { prefix: '/' }, route: { weightedClusters: { clusters: [{ name: 'a', weight: 0 }, { name: 'b', weight: 0 }] } } }));
    expect(zero.field).toBe(`${R}.route.weightedClusters.clusters`);
    expect(zero.problem).toMatch(/sum to 0/);
    expect(errorOf(withRoute({ match: { prefix: '/' }, route: { weightedClusters: { clusters: [] } } })).field).toBe(`${R}.route.weightedClusters.clusters`);
  });

  it.each([[-1], [1.5], [Number.NaN], [2 ** 32]])('refuses the weight %d', (weight) => {
    const input = withRoute({ match: { prefix: '/' }, route: { weightedClusters: { clusters: [{ name: 'a', weight: 1 }, { name: 'b', weight }] } } });
    expect(errorOf(input).field).toBe(`${R}.route.weightedClusters.clusters[1].weight`);
  });

  it('refuses a weighted cluster without a name', () => {
    const input = withRoute({ match: { prefix: '/' }, route: { weightedClusters: { clusters: [{ name: '', weight: 1 }] } } });
    expect(errorOf(input).field).toBe(`${R}.route.weightedClusters.clusters[0].name`);
  });

  it.each([[-1], [Number.POSITIVE_INFINITY], [Number.NaN]])('refuses the timeout %d', (timeoutMs) => {
    expect(errorOf(withRoute({ match: { prefix: '/' }, route: { cluster: 'c', timeoutMs } })).field).toBe(`${R}.route.timeoutMs`);
  });

  it.each([[199], [600], [200.5]])('refuses the direct response status %d', (status) => {
    expect(errorOf(withRoute({ match: { prefix: '/' }, directResponse: { status } })).field).toBe(`${R}.directResponse.status`);
  });

  it('accepts the edges of every range', () => {
    const input = withHosts({
      name: 'a',
      domains: ['a.test'],
      routes: [
        { match: { prefix: '/' }, directResponse: { status: 200 } },
        { match: { prefix: '/' }, directResponse: { status: 599 } },
        { match: { prefix: '/' }, route: { cluster: 'c', timeoutMs: 0 } },
        { match: { prefix: '/' }, route: { weightedClusters: { clusters: [{ name: 'a', weight: 0 }, { name: 'b', weight: 2 ** 32 - 1 }] } } },
      ],
    });
    expect(() => compileRouteConfig(input)).not.toThrow();
  });
});
