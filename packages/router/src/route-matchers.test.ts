import { describe, expect, it } from 'vitest';
import { compileRouteConfig } from './compile-route-config.js';
import type { RouteConfigInput, RouteMatchInput } from './route-config-input.js';
import type { RouteRequest } from './route-request.js';

function matcher(match: RouteMatchInput, extra: Partial<RouteConfigInput> = {}): (request: Partial<RouteRequest>) => boolean {
  const table = compileRouteConfig({ name: 't', virtualHosts: [{ name: 'vh', domains: ['*'], routes: [{ match, route: { cluster: 'c' } }] }], ...extra });
  return (request) => table.match({ authority: 'a.test', path: '/', method: 'GET', headers: {}, ...request }) !== null;
}

describe('pathSeparatedPrefix', () => {
  it('matches the prefix alone or followed by /, ignoring the query', () => {
    const m = matcher({ pathSeparatedPrefix: '/api' });
    expect(m({ path: '/api' })).toBe(true);
    expect(m({ path: '/api/x' })).toBe(true);
    expect(m({ path: '/api?x=1' })).toBe(true);
    expect(m({ path: '/apix' })).toBe(false);
    expect(m({ path: '/API' })).toBe(false);
    expect(matcher({ pathSeparatedPrefix: '/api', caseSensitive: false })({ path: '/API/v1' })).toBe(true);
  });
});

describe('query parameter matchers', () => {
  it('tests the first decoded value, and presence', () => {
    const m = matcher({ prefix: '/', queryParameters: [{ name: 'debug', stringMatch: { exact: 'on' } }] });
    expect(m({ path: '/x?debug=on' })).toBe(true);
    expect(m({ path: '/x?a=1&debug=%6Fn' })).toBe(true);
    expect(m({ path: '/x?debug=off&debug=on' })).toBe(false);
    expect(m({ path: '/x#debug=on' })).toBe(false);
    expect(m({ path: '/x' })).toBe(false);
    const present = matcher({ prefix: '/', queryParameters: [{ name: 'flag', presentMatch: true }] });
    expect(present({ path: '/?flag' })).toBe(true);
    expect(present({ path: '/?flags=1' })).toBe(false);
  });
});

describe('grpc and runtime fraction', () => {
  it('matches only gRPC content types', () => {
    const m = matcher({ prefix: '/', grpc: {} });
    expect(m({ headers: { 'content-type': 'application/grpc' } })).toBe(true);
    expect(m({ headers: { 'content-type': 'application/grpc+proto' } })).toBe(true);
    expect(m({ headers: { 'content-type': 'application/grpc-web' } })).toBe(false);
    expect(m({ headers: {} })).toBe(false);
  });

  it('selects random % denominator < numerator, deterministically', () => {
    const m = matcher({ prefix: '/', runtimeFraction: { defaultValue: { numerator: 25, denominator: 'TEN_THOUSAND' } } });
    expect(m({ random: 24 })).toBe(true);
    expect(m({ random: 25 })).toBe(false);
    expect(m({ random: 10_024 })).toBe(true);
    let hits = 0;
    for (let random = 0; random < 20_000; random++) if (m({ random })) hits++;
    expect(hits).toBe(50);
  });
});

describe('header range match and missing-as-empty', () => {
  it('parses the value as an integer in [start, end)', () => {
    const m = matcher({ prefix: '/', headers: [{ name: 'x-n', rangeMatch: { start: -5, end: 10 } }] });
    expect(m({ headers: { 'x-n': '-5' } })).toBe(true);
    expect(m({ headers: { 'x-n': ' 9 ' } })).toBe(true);
    expect(m({ headers: { 'x-n': '10' } })).toBe(false);
    expect(m({ headers: { 'x-n': '3.5' } })).toBe(false);
    expect(m({ headers: { 'x-n': '99999999999999999999999' } })).toBe(false);
    expect(m({ headers: {} })).toBe(false);
  });

  it('treats a missing header as empty when asked', () => {
    const m = matcher({ prefix: '/', headers: [{ name: 'x-v', stringMatch: { exact: 'a' }, invertMatch: true, treatMissingHeaderAsEmpty: true }] });
    expect(m({ headers: {} })).toBe(true);
    expect(m({ headers: { 'x-v': 'a' } })).toBe(false);
    const strict = matcher({ prefix: '/', headers: [{ name: 'x-v', stringMatch: { exact: 'a' }, invertMatch: true }] });
    expect(strict({ headers: {} })).toBe(false);
  });

  it('reads :method and repeated headers joined by commas', () => {
    expect(matcher({ prefix: '/', headers: [{ name: ':method', stringMatch: { exact: 'POST' } }] })({ method: 'POST' })).toBe(true);
    expect(matcher({ prefix: '/', headers: [{ name: 'x-m', stringMatch: { exact: 'a,b' } }] })({ headers: { 'x-m': ['a', 'b'] } })).toBe(true);
  });
});

describe('host port stripping', () => {
  const hosts = (extra: Partial<RouteConfigInput>) =>
    compileRouteConfig({ name: 't', virtualHosts: [{ name: 'reviews', domains: ['reviews'], routes: [] }], ...extra });

  it('keeps the port by default, strips any port, or only the listener port', () => {
    expect(hosts({}).findVirtualHost('reviews:9080')).toBeNull();
    expect(hosts({ stripAnyHostPort: true }).findVirtualHost('reviews:9080')?.name).toBe('reviews');
    const matching = hosts({ stripMatchingHostPort: true });
    expect(matching.findVirtualHost('reviews:9080', 9080)?.name).toBe('reviews');
    expect(matching.findVirtualHost('reviews:9081', 9080)).toBeNull();
    expect(matching.findVirtualHost('reviews:9080')).toBeNull();
  });

  it('refuses both stripping modes at once', () => {
    expect(() => hosts({ stripAnyHostPort: true, stripMatchingHostPort: true })).toThrow(/stripMatchingHostPort/);
  });
});
