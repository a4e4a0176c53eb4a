import { describe, expect, it } from 'vitest';
import { compileRouteConfig } from '../src/compile-route-config.js';
import type { RouteInput } from '../src/route-config-input.js';
import type { RouteRequest } from '../src/route-request.js';

// Inputs an attacker controls (path, headers, query) must not make matching slow or throw.

function timed<T>(run: () => T): { value: T; ms: number } {
  const started = performance.now();
  const value = run();
  return { value, ms: performance.now() - started };
}

const routes: RouteInput[] = [
  { name: 'evil-regex', match: { safeRegex: { regex: '/(a+)+$' } }, route: { cluster: 'c' } },
  { name: 'nested', match: { safeRegex: { regex: '/((a|aa)+)+b' } }, route: { cluster: 'c' } },
  { name: 'header-regex', match: { prefix: '/h', headers: [{ name: 'x-evil', stringMatch: { safeRegex: { regex: '(x+x+)+y' } } }] }, route: { cluster: 'c' } },
  { name: 'query', match: { prefix: '/q', queryParameters: [{ name: 'k', stringMatch: { safeRegex: { regex: '(.*a){12}' } } }] }, route: { cluster: 'c' } },
  ...Array.from({ length: 2_000 }, (_, i): RouteInput => ({ name: `p${i}`, match: { prefix: `/${'a'.repeat(i % 50)}/svc-${i}` }, route: { cluster: 'c' } })),
  { name: 'fallback', match: { prefix: '/' }, route: { cluster: 'c' } },
];
const table = compileRouteConfig({ name: 'adversarial', virtualHosts: [{ name: 'vh', domains: ['*'], routes }] });
const request = (path: string, headers: RouteRequest['headers'] = {}): RouteRequest => ({ authority: 'x', path, method: 'GET', headers });

describe('adversarial requests', () => {
  it('matches pathological regexes against long paths in linear time', () => {
    const { value, ms } = timed(() => table.match(request(`/${'a'.repeat(100_000)}!`)));
    expect(value?.route.name).toBe('fallback');
    expect(ms).toBeLessThan(2_000);
    expect(table.match(request(`/${'a'.repeat(30)}`))?.route.name).toBe('evil-regex');
    expect(timed(() => table.match(request(`/${'a'.repeat(50_000)}`))).ms).toBeLessThan(2_000);
  });

  it('handles a megabyte path and deep prefix walks', () => {
    const huge = `/${'a'.repeat(49)}/svc-49${'/x'.repeat(500_000)}?${'q=1&'.repeat(10_000)}`;
    const { value, ms } = timed(() => table.match(request(huge)));
    expect(value?.route.name).toBe('p49');
    expect(ms).toBeLessThan(2_000);
  });

  it('handles thousands of headers, huge header values and a huge query', () => {
    const headers: Record<string, string | string[]> = {};
    for (let i = 0; i < 10_000; i++) headers[`x-h-${i}`] = 'v';
    headers['x-evil'] = 'x'.repeat(100_000);
    const { value, ms } = timed(() => table.match(request('/h', headers)));
    expect(value?.route.name).toBe('fallback');
    expect(ms).toBeLessThan(2_000);
    const query = timed(() => table.match(request(`/q?${'k=1&'.repeat(50_000)}k=${'a'.repeat(10_000)}`)));
    expect(query.value?.route.name).toBe('fallback');
    expect(query.ms).toBeLessThan(2_000);
    expect(table.match(request(`/q?k=${'a'.repeat(12)}`))?.route.name).toBe('query');
  });

  it('never throws, even for requests that break their type', () => {
    const broken = { authority: 'x', path: '/h', method: 'GET', headers: { 'x-evil': 42 } } as unknown as RouteRequest;
    expect(() => table.match(broken)).not.toThrow();
    expect(table.match(request('/q?k=%E0%A4%A&k=%'))?.route.name).toBe('fallback');
    expect(table.match(request(''))).toBeNull();
    expect(table.match({ authority: '\u0000:99999999999', path: '/\uD800', method: '', headers: {} })?.route.name).toBe('fallback');
  });
});
