import { describe, expect, it } from 'vitest';
import { compileRouteConfig } from './compile-route-config.js';
import type { RouteMatchInput } from './route-config-input.js';

/** Whether a single route with this match accepts the path. */
function accepts(match: RouteMatchInput): (path: string) => boolean {
  const table = compileRouteConfig({
    name: 'test',
    virtualHosts: [{ name: 'vh', domains: ['*'], routes: [{ match, route: { cluster: 'c' } }] }],
  });
  return (path) => table.match({ authority: 'a.test', path, method: 'GET', headers: {} }) !== null;
}

describe('prefix', () => {
  it('matches paths that start with it, ignoring the query string and fragment', () => {
    const api = accepts({ prefix: '/api' });
    expect(api('/api')).toBe(true);
    expect(api('/api/users')).toBe(true);
    expect(api('/apiary')).toBe(true);
    expect(api('/ap')).toBe(false);
    expect(api('/API')).toBe(false);
    expect(api('/ap?i')).toBe(false);
    expect(api('/ap#i')).toBe(false);
    expect(api('/api?x=1')).toBe(true);
  });

  it('does not let the prefix run into the query string', () => {
    const withQuestionMark = accepts({ prefix: '/a?b' });
    expect(withQuestionMark('/a?b')).toBe(false);
  });

  it('matches everything when empty', () => {
    expect(accepts({ prefix: '' })('/anything')).toBe(true);
    expect(accepts({ prefix: '' })('')).toBe(true);
  });

  it('ignores ASCII case when caseSensitive is false', () => {
    const api = accepts({ prefix: '/Api', caseSensitive: false });
    expect(api('/API/v1')).toBe(true);
    expect(api('/api')).toBe(true);
    expect(api('/apx')).toBe(false);
    expect(accepts({ prefix: '/Api', caseSensitive: true })('/api')).toBe(false);
  });
});

describe('path', () => {
  it('matches the whole path exactly, before the query string', () => {
    const health = accepts({ path: '/healthz' });
    expect(health('/healthz')).toBe(true);
    expect(health('/healthz?verbose=1')).toBe(true);
    expect(health('/healthz#top')).toBe(true);
    expect(health('/healthz/')).toBe(false);
    expect(health('/health')).toBe(false);
    expect(health('/Healthz')).toBe(false);
  });

  it('ignores ASCII case when caseSensitive is false', () => {
    const health = accepts({ path: '/HealthZ', caseSensitive: false });
    expect(health('/healthz')).toBe(true);
    expect(health('/HEALTHZ?x')).toBe(true);
    expect(health('/healthz2')).toBe(false);
  });
});

describe('safeRegex', () => {
  it('must match the whole path without the query string', () => {
    const versioned = accepts({ safeRegex: { regex: '/v[0-9]+/users' } });
    expect(versioned('/v12/users')).toBe(true);
    expect(versioned('/v12/users?limit=5')).toBe(true);
    expect(versioned('/v12/users/7')).toBe(false);
    expect(versioned('/x/v1/users')).toBe(false);
  });

  it('cannot see the query string even when the regex would accept it', () => {
    const greedy = accepts({ safeRegex: { regex: '/a\\?b=1' } });
    expect(greedy('/a?b=1')).toBe(false);
    const anything = accepts({ safeRegex: { regex: '/a.*' } });
    expect(anything('/a?b=1')).toBe(true);
  });

  it('is case-sensitive whatever caseSensitive says, as in Envoy', () => {
    expect(accepts({ safeRegex: { regex: '/abc' }, caseSensitive: false })('/ABC')).toBe(false);
  });

  it('gives the same answer on repeated and interleaved requests', () => {
    const versioned = accepts({ safeRegex: { regex: '/v[0-9]' } });
    expect([versioned('/v1?q'), versioned('/v2'), versioned('/vx?q'), versioned('/v3?q')]).toEqual([true, true, false, true]);
  });
});
