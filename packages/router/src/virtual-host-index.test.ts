import { describe, expect, it } from 'vitest';
import { compileRouteConfig } from './compile-route-config.js';
import type { VirtualHostInput } from './route-config-input.js';

function host(name: string, ...domains: string[]): VirtualHostInput {
  return { name, domains, routes: [{ match: { prefix: '/' }, route: { cluster: name } }] };
}

function selector(hosts: VirtualHostInput[], ignorePortInHostMatching = false): (authority: string) => string | null {
  const table = compileRouteConfig({ name: 'test', virtualHosts: hosts, ignorePortInHostMatching });
  return (authority) => {
    const viaFind = table.findVirtualHost(authority)?.name ?? null;
    const viaMatch = table.match({ authority, path: '/', method: 'GET', headers: {} })?.virtualHost.name ?? null;
    expect(viaMatch).toBe(viaFind);
    return viaFind;
  };
}

describe('virtual host selection', () => {
  const select = selector([
    host('any', '*'),
    host('exact', 'api.example.com'),
    host('suffix-dot', '*.example.com'),
    host('suffix-dash', '*-api.example.com'),
    host('suffix-longer', '*.eu.example.com'),
    host('prefix-short', 'api.*'),
    host('prefix-long', 'api.example.*'),
  ]);

  it('prefers an exact domain over every wildcard', () => {
    expect(select('api.example.com')).toBe('exact');
  });

  it('prefers the longest suffix wildcard', () => {
    expect(select('web.example.com')).toBe('suffix-dot');
    expect(select('users-api.example.com')).toBe('suffix-dash');
    expect(select('shop.eu.example.com')).toBe('suffix-longer');
  });

  it('requires a suffix wildcard to stand for at least one character', () => {
    expect(select('.example.com')).toBe('any');
    expect(select('-api.example.com')).toBe('suffix-dot');
  });

  it('prefers any suffix wildcard over a prefix wildcard, then the longest prefix', () => {
    expect(select('api.example.org')).toBe('prefix-long');
    expect(select('api.other.org')).toBe('prefix-short');
    // '*.eu.example.com' and 'api.example.*' both cover this host: suffixes win, as in Envoy
    expect(select('api.example.eu.example.com')).toBe('suffix-longer');
    expect(select('api.example.com.')).toBe('prefix-long');
  });

  it('requires a prefix wildcard to stand for at least one character', () => {
    expect(select('api.')).toBe('any');
    expect(select('api.x')).toBe('prefix-short');
  });

  it('falls back to * and returns null without it', () => {
    expect(select('unknown.test')).toBe('any');
    const withoutDefault = selector([host('only', 'only.test')]);
    expect(withoutDefault('other.test')).toBeNull();
    expect(withoutDefault('only.test')).toBe('only');
  });

  it('ignores case on both sides', () => {
    const mixed = selector([host('mixed', 'Api.Example.COM', '*.Shop.Test', 'Admin.*')]);
    expect(mixed('API.EXAMPLE.com')).toBe('mixed');
    expect(mixed('X.SHOP.test')).toBe('mixed');
    expect(mixed('ADMIN.local')).toBe('mixed');
    expect(mixed('api.example.net')).toBeNull();
  });

  it('treats the port as part of the host by default', () => {
    const ported = selector([host('with-port', 'api.test:8080'), host('without-port', 'api.test'), host('suffix', '*.test')]);
    expect(ported('api.test:8080')).toBe('with-port');
    expect(ported('api.test')).toBe('without-port');
    expect(ported('api.test:9090')).toBeNull();
    expect(ported('web.test')).toBe('suffix');
    expect(ported('web.test:80')).toBeNull();
  });

  it('strips the port when ignorePortInHostMatching is set', () => {
    const ignoring = selector([host('api', 'api.test'), host('suffix', '*.test'), host('v6', '[::1]')], true);
    expect(ignoring('api.test:8080')).toBe('api');
    expect(ignoring('API.TEST:1')).toBe('api');
    expect(ignoring('web.test:443')).toBe('suffix');
    expect(ignoring('[::1]:80')).toBe('v6');
    expect(ignoring('[::1]')).toBe('v6');
    expect(ignoring('api.test:')).toBe('api');
  });

  it('matches a prefix wildcard against the port when ports count', () => {
    const ported = selector([host('prefix', 'api.*')]);
    expect(ported('api.test:8080')).toBe('prefix');
  });

  it('does not let one lower-cased copy of the authority leak between requests', () => {
    const select2 = selector([host('a', 'a.test'), host('b', 'b.test')]);
    expect(select2('A.TEST')).toBe('a');
    expect(select2('B.TEST')).toBe('b');
    expect(select2('A.TEST')).toBe('a');
  });
});
