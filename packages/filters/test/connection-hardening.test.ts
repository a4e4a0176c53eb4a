import { afterEach, describe, expect, it } from 'vitest';
import type { CompiledHttpFilter, HeaderMap } from '../src/index.js';
import { answerLater, echo } from './support/filters.js';
import { client, routesTo, startAcceptingProxy } from './support/proxy.js';
import { Closer, rawExchange, waitFor } from './support/net.js';

const closer = new Closer();
afterEach(() => closer.closeAll());

/** Answers 400 ms later without routing: a route's timeouts apply all the same (the connection manager resolved it). */
const lateAfterRouting = answerLater(400, 'late but fine');

function thrower(where: 'requestHeaders' | 'responseHeaders' | 'responseData'): CompiledHttpFilter {
  return {
    name: `test.throws_in_${where}`,
    create: () => ({
      onRequestHeaders: (headers: HeaderMap) => {
        if (where === 'requestHeaders' && headers[':path'] === '/boom') throw new Error('bad filter');
        return 'continue';
      },
      onResponseHeaders: () => {
        if (where === 'responseHeaders') throw new Error('bad filter');
        return 'continue';
      },
      onResponseData: (data: Buffer) => {
        if (where === 'responseData' && data.length > 0) throw new Error('bad filter');
        return 'continue';
      },
    }),
  };
}

describe('a connection manager that must not fall over', () => {
  it('answers 500 when a filter throws before the response, and keeps serving', async () => {
    const logged: string[] = [];
    const proxy = await startAcceptingProxy({ filters: [thrower('requestHeaders'), echo()] }, closer, { log: (m) => logged.push(m) });
    const send = client(closer);
    const failed = await send(`${proxy.origin}/boom`);
    expect(failed.status).toBe(500);
    expect(logged[0]).toContain('filter test.throws_in_requestHeaders threw: Error: bad filter');
    expect((await send(`${proxy.origin}/fine`, { method: 'POST', body: 'still here' })).text).toBe('still here');
    const encoding = await startAcceptingProxy({ filters: [thrower('responseHeaders'), echo()] }, closer, { log: () => undefined });
    expect((await send(`${encoding.origin}/`)).status).toBe(500);
  });

  it('resets the stream when a filter throws after the response started', async () => {
    const proxy = await startAcceptingProxy({ filters: [thrower('responseData'), echo()] }, closer, { log: () => undefined });
    await expect(client(closer)(`${proxy.origin}/`, { method: 'POST', body: 'x'.repeat(1000) })).rejects.toThrow();
    await waitFor(() => proxy.hcm.stats.downstream_rq_tx_reset === 1);
    expect(proxy.streams[0]?.responseFlagsString()).toBe('LR');
  });

  it('answers 413 when a buffering filter would hold more than the buffer limit', async () => {
    const buffering: CompiledHttpFilter = { name: 'test.buffer_all', create: () => ({ onRequestData: () => 'stop' }) };
    const proxy = await startAcceptingProxy({ filters: [buffering, echo()] }, closer, { bufferLimitBytes: 64 * 1024 });
    const response = await client(closer)(`${proxy.origin}/`, { method: 'POST', body: Buffer.alloc(200 * 1024) }).catch(() => null);
    // The client may see the 413 or a closed connection while it is still sending; the stream saw 413.
    if (response !== null) expect(response.status).toBe(413);
    await waitFor(() => proxy.streams[0]?.responseCode === 413);
    expect(proxy.streams[0]?.responseCodeDetails).toBe('request_payload_too_large');
  });

  it('pauses reading instead of answering 413 while a filter holds the headers', async () => {
    let release: (() => void) | undefined;
    const check: CompiledHttpFilter = {
      name: 'test.slow_check',
      create: (ctx) => ({
        onRequestHeaders: () => {
          release = () => ctx.resume();
          return 'stop';
        },
      }),
    };
    const proxy = await startAcceptingProxy({ filters: [check, echo()] }, closer, { bufferLimitBytes: 64 * 1024 });
    const body = Buffer.alloc(4 * 1024 * 1024, 3);
    const pending = client(closer)(`${proxy.origin}/`, { method: 'POST', body });
    await waitFor(() => release !== undefined && (proxy.streams[0]?.bytesReceived ?? 0) > 64 * 1024);
    // Reads stop near the limit: the rest of the 4 MiB stays in the client and the kernel.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(proxy.streams[0]?.bytesReceived).toBeLessThan(2 * 1024 * 1024);
    release?.();
    const response = await pending;
    expect(response.status).toBe(200);
    expect(response.body.equals(body)).toBe(true);
  });

  it('times out idle streams (408 stream timeout, SI) and slow requests (408 request timeout)', async () => {
    const hang: CompiledHttpFilter = { name: 'test.hang', create: () => ({ onRequestHeaders: () => 'stop' }) };
    const idle = await startAcceptingProxy({ filters: [hang] }, closer, { streamIdleTimeoutMs: 150 });
    const idleReply = await rawExchange(idle.port, 'GET / HTTP/1.1\r\nHost: a\r\n\r\n', 800);
    expect(idleReply.text).toMatch(/^HTTP\/1\.1 408 /);
    expect(idleReply.text.endsWith('stream timeout')).toBe(true);
    expect(idle.streams[0]?.responseFlagsString()).toBe('SI');
    expect(idle.hcm.stats.downstream_rq_idle_timeout).toBe(1);

    const slow = await startAcceptingProxy({ filters: [echo()] }, closer, { requestTimeoutMs: 200 });
    const slowReply = await rawExchange(slow.port, 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc', 800);
    expect(slowReply.text).toMatch(/^HTTP\/1\.1 408 /);
    expect(slowReply.text.endsWith('request timeout')).toBe(true);
    expect(slow.hcm.stats.downstream_rq_timeout).toBe(1);
  });

  it('keeps a stream whose body keeps moving past stream_idle_timeout', async () => {
    const proxy = await startAcceptingProxy({ filters: [echo()] }, closer, { streamIdleTimeoutMs: 150 });
    // Eight body pieces 70 ms apart: 490 ms in all, never 150 ms without activity.
    const pieces = ['POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 8\r\n\r\n', ...'abcdefg'.split(''), 'h'];
    const reply = await rawExchange(proxy.port, pieces, 1_500, 70);
    expect(reply.text).toMatch(/^HTTP\/1\.1 200 /);
    expect(reply.text).toContain('abcdefgh');
    expect(proxy.hcm.stats.downstream_rq_idle_timeout).toBe(0);
  });

  it("ends a stream that outlives max_stream_duration (504, or 408 mid-request; DT), unless its route lifts the limit", async () => {
    const hang: CompiledHttpFilter = { name: 'test.hang', create: () => ({ onRequestHeaders: () => 'stop' }) };
    const bounded = await startAcceptingProxy({ filters: [hang] }, closer, { maxStreamDurationMs: 150 });
    const complete = await rawExchange(bounded.port, 'GET / HTTP/1.1\r\nHost: a\r\n\r\n', 800);
    expect(complete.text).toMatch(/^HTTP\/1\.1 504 /);
    expect(complete.text.endsWith('downstream duration timeout')).toBe(true);
    expect(bounded.streams[0]?.responseFlagsString()).toBe('DT');
    const partial = await rawExchange(bounded.port, 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc', 800);
    expect(partial.text).toMatch(/^HTTP\/1\.1 408 /);
    expect(bounded.hcm.stats.downstream_rq_max_duration_reached).toBe(2);

    const routes = routesTo([
      { match: { prefix: '/unbounded' }, route: { cluster: 'app', maxStreamDuration: { maxStreamDurationMs: 0 } } },
      { match: { prefix: '/' }, route: { cluster: 'app' } },
    ]);
    const lifted = await startAcceptingProxy({ filters: [lateAfterRouting], routes }, closer, { maxStreamDurationMs: 150 });
    const unbounded = await rawExchange(lifted.port, 'GET /unbounded HTTP/1.1\r\nHost: a\r\n\r\n', 1_000);
    expect(unbounded.text.endsWith('late but fine')).toBe(true);
    const defaulted = await rawExchange(lifted.port, 'GET /other HTTP/1.1\r\nHost: a\r\n\r\n', 1_000);
    expect(defaulted.text).toMatch(/^HTTP\/1\.1 504 /);
  });

  it("lets a route's idle_timeout replace stream_idle_timeout, 0 turning it off", async () => {
    const routes = routesTo([
      { match: { prefix: '/patient' }, route: { cluster: 'app', idleTimeoutMs: 0 } },
      { match: { prefix: '/impatient' }, route: { cluster: 'app', idleTimeoutMs: 100 } },
    ]);
    const strict = await startAcceptingProxy({ filters: [lateAfterRouting], routes }, closer, { streamIdleTimeoutMs: 150 });
    expect((await rawExchange(strict.port, 'GET /patient HTTP/1.1\r\nHost: a\r\n\r\n', 1_000)).text.endsWith('late but fine')).toBe(true);
    const lenient = await startAcceptingProxy({ filters: [lateAfterRouting], routes }, closer);
    const impatient = await rawExchange(lenient.port, 'GET /impatient HTTP/1.1\r\nHost: a\r\n\r\n', 1_000);
    expect(impatient.text).toMatch(/^HTTP\/1\.1 408 /);
    expect(impatient.text.endsWith('stream timeout')).toBe(true);
  });

  it('cuts off a client that sends its headers too slowly (request_headers_timeout)', async () => {
    const proxy = await startAcceptingProxy({ filters: [echo()] }, closer, { requestHeadersTimeoutMs: 200 });
    const started = Date.now();
    const reply = await rawExchange(proxy.port, 'GET / HTTP/1.1\r\nHost: a\r\nX-Slow: ', 3_000);
    expect(reply.closed).toBe(true);
    expect(reply.text).toMatch(/^HTTP\/1\.1 408 /);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('answers 431 beyond max_request_headers_kb and 403 to an upgrade nobody configured', async () => {
    const proxy = await startAcceptingProxy({ filters: [echo()] }, closer, { maxRequestHeadersKb: 2 });
    const big = await rawExchange(proxy.port, `GET / HTTP/1.1\r\nHost: a\r\nX-Big: ${'b'.repeat(3000)}\r\n\r\n`);
    expect(big.text).toMatch(/^HTTP\/1\.1 431 /);
    expect(big.closed).toBe(true);
    const upgrade = await rawExchange(proxy.port, 'GET /chat HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n', 500);
    expect(upgrade.text).toMatch(/^HTTP\/1\.1 403 /);
    expect(proxy.hcm.stats.downstream_rq_ws_on_non_ws_route).toBe(1);
  });

  it('treats every request as external with use_remote_address, and appends via', async () => {
    const seen: HeaderMap[] = [];
    const capture: CompiledHttpFilter = { name: 'test.capture', create: () => ({ onRequestHeaders: (h: HeaderMap) => (seen.push({ ...h }), 'continue') }) };
    const edge = await startAcceptingProxy({ filters: [capture, echo()] }, closer, { useRemoteAddress: true, via: 'meshkit-edge' });
    const inner = await startAcceptingProxy({ filters: [capture, echo()] }, closer);
    const sent = { 'x-forwarded-for': '203.0.113.9', 'x-forwarded-proto': 'https', 'x-envoy-retry-on': '5xx', 'x-envoy-upstream-rq-timeout-ms': '1', 'x-request-id': 'caller-chosen', via: '1.1 lb' };
    const response = await client(closer)(`${edge.origin}/`, { headers: sent });
    await client(closer)(`${inner.origin}/`, { headers: sent });
    expect(seen[0]).toMatchObject({ 'x-forwarded-for': '203.0.113.9, 127.0.0.1', 'x-forwarded-proto': 'http', 'x-envoy-external-address': '127.0.0.1', via: '1.1 lb, meshkit-edge' });
    expect(seen[0]?.['x-envoy-retry-on']).toBeUndefined();
    expect(seen[0]?.['x-envoy-upstream-rq-timeout-ms']).toBeUndefined();
    expect(seen[0]?.['x-request-id']).not.toBe('caller-chosen');
    expect(response.headers['via']).toBe('meshkit-edge');
    expect(seen[1]).toMatchObject({ 'x-forwarded-for': '203.0.113.9', 'x-forwarded-proto': 'https', 'x-envoy-retry-on': '5xx', 'x-request-id': 'caller-chosen', via: '1.1 lb' });
  });
});
