import { describe, expect, it } from 'vitest';
import { resolveConnectionOptions } from '../src/connection-options.js';
import type { HttpConnectionOptions } from '../src/connection-options.js';
import type { HeaderMap } from '../src/http-filter.js';
import { mutateRequestHeaders, stripAuthorityPort, trustedClientAddress, xffAddressFromRight } from '../src/request-headers.js';

/** Runs the connection manager's header handling on `headers` and returns them. */
function mutate(headers: HeaderMap, peer: string, options: HttpConnectionOptions, scheme = 'http'): HeaderMap {
  mutateRequestHeaders(headers, scheme, peer, resolveConnectionOptions(options));
  return headers;
}

const XFF = '203.0.113.128, 203.0.113.10, 203.0.113.1';

// The worked examples of Envoy's "x-forwarded-for" header documentation
// (config_http_conn_man_headers_x-forwarded-for), one `it` each.
describe("Envoy's x-forwarded-for examples", () => {
  it('1: edge proxy without a trusted proxy in front ignores XFF and trusts the peer', () => {
    const options = { useRemoteAddress: true, xffNumTrustedHops: 0 };
    expect(trustedClientAddress({ 'x-forwarded-for': XFF }, '192.0.2.5', resolveConnectionOptions(options))).toBe('192.0.2.5');
    const headers = mutate({ 'x-forwarded-for': XFF, 'x-envoy-internal': 'true' }, '192.0.2.5', options);
    expect(headers['x-envoy-external-address']).toBe('192.0.2.5');
    expect(headers['x-forwarded-for']).toBe(`${XFF}, 192.0.2.5`);
    expect(headers['x-envoy-internal']).toBeUndefined();
  });

  it('2: internal proxy behind that edge trusts the last XFF address and leaves the edge headers alone', () => {
    const options = { useRemoteAddress: false, xffNumTrustedHops: 0 };
    const xff = `${XFF}, 192.0.2.5`;
    expect(trustedClientAddress({ 'x-forwarded-for': xff }, '10.11.12.13', resolveConnectionOptions(options))).toBe('192.0.2.5');
    const headers = mutate({ 'x-forwarded-for': xff, 'x-envoy-external-address': '192.0.2.5' }, '10.11.12.13', options);
    expect(headers['x-envoy-external-address']).toBe('192.0.2.5');
    expect(headers['x-forwarded-for']).toBe(xff);
  });

  it('3: edge proxy with two trusted proxies in front trusts the 2nd-to-last address of XFF as it arrived', () => {
    const options = { useRemoteAddress: true, xffNumTrustedHops: 2 };
    expect(trustedClientAddress({ 'x-forwarded-for': XFF }, '192.0.2.5', resolveConnectionOptions(options))).toBe('203.0.113.10');
    const headers = mutate({ 'x-forwarded-for': XFF, 'x-envoy-internal': 'true' }, '192.0.2.5', options);
    expect(headers['x-envoy-external-address']).toBe('203.0.113.10');
    expect(headers['x-forwarded-for']).toBe(`${XFF}, 192.0.2.5`);
    expect(headers['x-envoy-internal']).toBeUndefined();
  });

  it('4: internal proxy behind that edge, with 2 trusted hops, trusts the 3rd address from the right', () => {
    const options = { useRemoteAddress: false, xffNumTrustedHops: 2 };
    const xff = `${XFF}, 192.0.2.5`;
    expect(trustedClientAddress({ 'x-forwarded-for': xff }, '10.11.12.13', resolveConnectionOptions(options))).toBe('203.0.113.10');
    const headers = mutate({ 'x-forwarded-for': xff, 'x-envoy-external-address': '203.0.113.10' }, '10.11.12.13', options);
    expect(headers['x-envoy-external-address']).toBe('203.0.113.10');
    expect(headers['x-forwarded-for']).toBe(xff);
  });

  it('5: internal proxy, request without XFF from an internal client: the peer, and no external address', () => {
    const options = { useRemoteAddress: false, xffNumTrustedHops: 0 };
    expect(trustedClientAddress({}, '10.20.30.40', resolveConnectionOptions(options))).toBe('10.20.30.40');
    const headers = mutate({}, '10.20.30.40', options);
    expect(headers['x-envoy-external-address']).toBeUndefined();
    expect(headers['x-forwarded-for']).toBeUndefined();
  });

  it('6: internal proxy, request proxied by another Envoy: the one XFF address, and no external address', () => {
    const options = { useRemoteAddress: false, xffNumTrustedHops: 0 };
    expect(trustedClientAddress({ 'x-forwarded-for': '10.20.30.40' }, '10.20.30.50', resolveConnectionOptions(options))).toBe('10.20.30.40');
    const headers = mutate({ 'x-forwarded-for': '10.20.30.40' }, '10.20.30.50', options);
    expect(headers['x-envoy-external-address']).toBeUndefined();
    expect(headers['x-forwarded-for']).toBe('10.20.30.40');
  });
});

describe('xff_num_trusted_hops edge cases', () => {
  it('falls back to the peer when XFF is absent, shorter than the trusted hops, or not an address there', () => {
    const edge = { useRemoteAddress: true, xffNumTrustedHops: 2 };
    expect(mutate({}, '192.0.2.5', edge)['x-envoy-external-address']).toBe('192.0.2.5');
    expect(mutate({ 'x-forwarded-for': '203.0.113.1' }, '192.0.2.5', edge)['x-envoy-external-address']).toBe('192.0.2.5');
    expect(mutate({ 'x-forwarded-for': 'unknown, 203.0.113.1' }, '192.0.2.5', edge)['x-envoy-external-address']).toBe('192.0.2.5');
    expect(mutate({ 'x-forwarded-for': ', 203.0.113.1' }, '192.0.2.5', edge)['x-envoy-external-address']).toBe('192.0.2.5');
    const inner = resolveConnectionOptions({ useRemoteAddress: false, xffNumTrustedHops: 1 });
    expect(trustedClientAddress({ 'x-forwarded-for': '203.0.113.1' }, '10.0.0.1', inner)).toBe('10.0.0.1');
  });

  it('reads exactly N from the right, with one trusted hop (the load balancer in front)', () => {
    const headers = mutate({ 'x-forwarded-for': '198.51.100.7,203.0.113.9' }, '10.0.0.2', { useRemoteAddress: true, xffNumTrustedHops: 1 });
    expect(headers['x-envoy-external-address']).toBe('203.0.113.9');
    expect(headers['x-forwarded-for']).toBe('198.51.100.7,203.0.113.9, 10.0.0.2');
  });

  it('walks repeated XFF lines as one list, trims spaces and accepts IPv6', () => {
    expect(xffAddressFromRight(['198.51.100.7, 2001:db8::1', '  203.0.113.9  '], 1)).toBe('2001:db8::1');
    expect(xffAddressFromRight(['198.51.100.7, 2001:db8::1', '  203.0.113.9  '], 2)).toBe('198.51.100.7');
    expect(xffAddressFromRight('198.51.100.7', 0)).toBe('198.51.100.7');
    expect(xffAddressFromRight('198.51.100.7', 1)).toBeUndefined();
    expect(xffAddressFromRight('203.0.113.9:443', 0)).toBeUndefined();
    expect(xffAddressFromRight('203.0.113.9,', 0)).toBeUndefined();
    expect(xffAddressFromRight(undefined, 0)).toBeUndefined();
  });

  it('keeps the x-forwarded-proto a trusted hop sent, and replaces it when no hop is trusted', () => {
    const trusted = mutate({ 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.9' }, '10.0.0.2', { useRemoteAddress: true, xffNumTrustedHops: 1 });
    expect(trusted['x-forwarded-proto']).toBe('https');
    expect(mutate({}, '10.0.0.2', { useRemoteAddress: true, xffNumTrustedHops: 1 })['x-forwarded-proto']).toBe('http');
    const untrusted = mutate({ 'x-forwarded-proto': 'https' }, '10.0.0.2', { useRemoteAddress: true });
    expect(untrusted['x-forwarded-proto']).toBe('http');
  });

  it('uses the trusted hops with skip_xff_append too, leaving XFF as it came', () => {
    const headers = mutate({ 'x-forwarded-for': XFF }, '192.0.2.5', { useRemoteAddress: true, skipXffAppend: true, xffNumTrustedHops: 1 });
    expect(headers['x-envoy-external-address']).toBe('203.0.113.1');
    expect(headers['x-forwarded-for']).toBe(XFF);
  });

  it('strips a caller-sent x-envoy-external-address at the edge even when XFF gives no trusted address', () => {
    const headers = mutate({ 'x-envoy-external-address': '1.2.3.4' }, '', { useRemoteAddress: true, xffNumTrustedHops: 1 });
    expect(headers['x-envoy-external-address']).toBeUndefined();
  });
});

describe('stripAuthorityPort (strip_any_host_port / strip_matching_host_port)', () => {
  const stripped = (authority: string, onlyPort?: number, method = 'GET'): unknown => {
    const headers: HeaderMap = { ':method': method, ':authority': authority };
    stripAuthorityPort(headers, onlyPort);
    return headers[':authority'];
  };

  it.each([
    ['example.com:8080', undefined, 'example.com'],
    ['example.com', undefined, 'example.com'],
    ['[::1]:443', undefined, '[::1]'],
    ['[::1]', undefined, '[::1]'],
    ['::1', undefined, '::1'], // a bare IPv6 address has no port to take
    ['example.com:http', undefined, 'example.com:http'],
    ['example.com:8080', 8080, 'example.com'],
    ['example.com:8443', 8080, 'example.com:8443'],
    ['[::1]:8080', 8080, '[::1]'],
  ])('%s (only port %s) → %s', (authority, onlyPort, expected) => {
    expect(stripped(authority, onlyPort)).toBe(expected);
  });

  it('leaves CONNECT alone: its authority is the tunnel target', () => {
    expect(stripped('example.com:443', undefined, 'CONNECT')).toBe('example.com:443');
  });
});
