import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { CompiledHttpFilter } from '../src/index.js';
import { answerLater, echo } from './support/filters.js';
import { Closer, rawExchange, waitFor } from './support/net.js';
import { startAcceptingProxy } from './support/proxy.js';

const closer = new Closer();
afterEach(() => closer.closeAll());

/** Answers with the request's path and method as the body, a fixed length. */
const pathEcho: CompiledHttpFilter = {
  name: 'test.path_echo',
  create: (ctx) => ({
    onRequestHeaders: (headers) => {
      const body = `${String(headers[':method'])} ${String(headers[':path'])} expect=${String(headers['expect'])} upgrade=${String(headers['upgrade'])}`;
      ctx.respond(200, body);
      return 'stop';
    },
  }),
};

const CRLF = '\r\n';

/** The status lines of the responses in `text`, in order (a body need not end in CRLF). */
function statusLines(text: string): string[] {
  return [...text.matchAll(/HTTP\/1\.1 \d{3} [^\r]*/g)].map((match) => match[0]);
}

describe('the hand-framed HTTP/1.1 downstream codec', () => {
  it('answers pipelined requests in order, one at a time, on one connection', async () => {
    const proxy = await startAcceptingProxy({ filters: [pathEcho] }, closer);
    const requests = ['/one', '/two', '/three'].map((p) => `GET ${p} HTTP/1.1${CRLF}Host: a${CRLF}${CRLF}`).join('');
    const { text, closed } = await rawExchange(proxy.port, [requests, `GET /last HTTP/1.1${CRLF}Host: a${CRLF}Connection: close${CRLF}${CRLF}`]);
    expect(statusLines(text)).toEqual(['HTTP/1.1 200 OK', 'HTTP/1.1 200 OK', 'HTTP/1.1 200 OK', 'HTTP/1.1 200 OK']);
    expect([...text.matchAll(/GET (\/\w+)/g)].map((m) => m[1])).toEqual(['/one', '/two', '/three', '/last']);
    expect(text).toMatch(/connection: close\r\n\r\nGET \/last/);
    expect(closed).toBe(true);
  });

  it('does not let a stream that left reading paused hold the next request on the connection', async () => {
    // Pauses the downstream on every request and never lifts it, then answers.
    const pausing: CompiledHttpFilter = {
      name: 'test.pausing',
      create: (ctx) => ({
        onRequestHeaders: (headers) => {
          ctx.setDownstreamReadPaused(true);
          ctx.respond(200, String(headers[':path']));
          return 'stop';
        },
      }),
    };
    const proxy = await startAcceptingProxy({ filters: [pausing] }, closer);
    const get = (path: string, close = false): string => `GET ${path} HTTP/1.1${CRLF}Host: a${CRLF}${close ? `Connection: close${CRLF}` : ''}${CRLF}`;
    const { text, closed } = await rawExchange(proxy.port, [get('/first'), get('/second'), get('/third', true)], 2_000, 100);
    expect(statusLines(text)).toEqual(['HTTP/1.1 200 OK', 'HTTP/1.1 200 OK', 'HTTP/1.1 200 OK']);
    expect(text.endsWith('/third')).toBe(true);
    expect(closed).toBe(true);
  });

  it('reads a request whose bytes arrive one at a time', async () => {
    const proxy = await startAcceptingProxy({ filters: [echo()] }, closer);
    const request = `POST /slow HTTP/1.1${CRLF}Host: a${CRLF}Transfer-Encoding: chunked${CRLF}${CRLF}5${CRLF}hello${CRLF}0${CRLF}${CRLF}`;
    const { text } = await rawExchange(proxy.port, [...request], 2_000, 1);
    expect(text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    // The echo's body has no length: a chunked response for an HTTP/1.1 client.
    expect(text).toContain('transfer-encoding: chunked');
    expect(text.endsWith(`5${CRLF}hello${CRLF}0${CRLF}${CRLF}`)).toBe(true);
  });

  it('refuses HTTP/1.0 with 426 unless accept_http_10 is set, as Envoy does', async () => {
    const strict = await startAcceptingProxy({ filters: [pathEcho] }, closer);
    const refused = await rawExchange(strict.port, [`GET / HTTP/1.0${CRLF}${CRLF}`]);
    expect(statusLines(refused.text)).toEqual(['HTTP/1.1 426 Upgrade Required']);
    expect(refused.closed).toBe(true);
    expect(strict.hcm.stats.downstream_cx_protocol_error).toBe(1);
  });

  it('refuses a method outside Envoy\'s list with 400 unless allow_custom_methods is set', async () => {
    const strict = await startAcceptingProxy({ filters: [pathEcho] }, closer);
    const standard = await rawExchange(strict.port, [`PROPFIND /dav HTTP/1.1${CRLF}Host: a${CRLF}${CRLF}`], 300);
    expect(standard.text).toContain('PROPFIND /dav');
    const refused = await rawExchange(strict.port, [`BREW /pot HTTP/1.1${CRLF}Host: a${CRLF}${CRLF}`]);
    expect(statusLines(refused.text)).toEqual(['HTTP/1.1 400 Bad Request']);
    expect(refused.closed).toBe(true);
    expect(strict.hcm.stats.downstream_cx_protocol_error).toBe(1);

    const open = await startAcceptingProxy({ filters: [pathEcho] }, closer, { allowCustomMethods: true });
    const custom = await rawExchange(open.port, [`BREW /pot HTTP/1.1${CRLF}Host: a${CRLF}${CRLF}`], 300);
    expect(statusLines(custom.text)).toEqual(['HTTP/1.1 200 OK']);
    expect(custom.text).toContain('BREW /pot');
  });

  it('gives a response without a date one, as Envoy does, and keeps the one a response has', async () => {
    const dated: CompiledHttpFilter = {
      name: 'test.dated',
      create: (ctx) => ({
        onRequestHeaders: () => {
          ctx.respond(200, 'old news', { headers: { date: 'Tue, 01 Jan 2030 00:00:00 GMT' } });
          return 'stop';
        },
      }),
    };
    const IMF_FIXDATE = /^date: [A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/m;
    const plain = await startAcceptingProxy({ filters: [pathEcho] }, closer);
    const answered = await rawExchange(plain.port, [`GET / HTTP/1.1${CRLF}Host: a${CRLF}Connection: close${CRLF}${CRLF}`]);
    expect(answered.text).toMatch(IMF_FIXDATE);
    // A request refused before it became a stream is answered by the codec itself, with the same fields.
    const refused = await rawExchange(plain.port, [`GET / HTTP/1.1${CRLF}Host: a b${CRLF}${CRLF}`]);
    expect(statusLines(refused.text)).toEqual(['HTTP/1.1 400 Bad Request']);
    expect(refused.text).toMatch(IMF_FIXDATE);
    expect(refused.text).toContain(`${CRLF}server: `);
    const own = await startAcceptingProxy({ filters: [dated] }, closer);
    const kept = await rawExchange(own.port, [`GET / HTTP/1.1${CRLF}Host: a${CRLF}Connection: close${CRLF}${CRLF}`]);
    expect(kept.text.match(/^date: .*$/gm)).toEqual(['date: Tue, 01 Jan 2030 00:00:00 GMT']);
  });

  it('max_requests_per_connection: the last request allowed is answered with connection: close, and the connection closes', async () => {
    const proxy = await startAcceptingProxy({ filters: [pathEcho] }, closer, { maxRequestsPerConnection: 2 });
    const requests = ['/one', '/two', '/three'].map((p) => `GET ${p} HTTP/1.1${CRLF}Host: a${CRLF}${CRLF}`).join('');
    const { text, closed } = await rawExchange(proxy.port, [requests]);
    expect(statusLines(text)).toEqual(['HTTP/1.1 200 OK', 'HTTP/1.1 200 OK']);
    expect(text.match(/connection: close/g)).toHaveLength(1);
    expect(text).toMatch(/connection: close\r\n\r\nGET \/two/);
    expect(closed).toBe(true);
    expect(proxy.hcm.stats.downstream_cx_max_requests_reached).toBe(1);
  });

  it('max_connection_duration: an idle connection closes then, a busy one after its response, with connection: close', async () => {
    const proxy = await startAcceptingProxy({ filters: [answerLater(400, 'late')] }, closer, { maxConnectionDurationMs: 200 });
    const idle = await rawExchange(proxy.port, [], 1000);
    expect(idle.closed).toBe(true);
    const busy = await rawExchange(proxy.port, [`GET / HTTP/1.1${CRLF}Host: a${CRLF}${CRLF}`], 1000);
    expect(statusLines(busy.text)).toEqual(['HTTP/1.1 200 OK']);
    expect(busy.text).toContain('connection: close');
    expect(busy.closed).toBe(true);
    expect(proxy.hcm.stats.downstream_cx_max_duration_reached).toBe(2);
  });

  it('header_key_format.proper_case_words: response heads, trailers and the codec’s own refusals name fields in proper case', async () => {
    const proxy = await startAcceptingProxy({ filters: [echo()] }, closer, { properCaseHeaderNames: true });
    const chunked = `POST / HTTP/1.1${CRLF}Host: a${CRLF}Transfer-Encoding: chunked${CRLF}${CRLF}2${CRLF}hi${CRLF}0${CRLF}x-sig: 1${CRLF}${CRLF}`;
    const { text } = await rawExchange(proxy.port, [chunked], 300);
    expect(text).toMatch(/^HTTP\/1\.1 200 OK\r\nContent-Type: application\/octet-stream\r\nX-Seen-Headers: /);
    expect(text).toContain(`${CRLF}Server: meshkit${CRLF}Date: `);
    expect(text).toContain(`${CRLF}Transfer-Encoding: chunked${CRLF}`);
    expect(text).toMatch(/\r\n0\r\nX-Sig: 1\r\n\r\n$/);
    const refused = await rawExchange(proxy.port, [`GET / HTTP/1.1${CRLF}Host: a b${CRLF}${CRLF}`]);
    expect(refused.text).toMatch(/^HTTP\/1\.1 400 Bad Request\r\nContent-Length: 11\r\nContent-Type: text\/plain\r\nServer: meshkit\r\nDate: [^\r]+\r\nConnection: close\r\n\r\nBad Request$/);
  });

  /** `request` sent to a proxy under REJECT_REQUEST and to one under DROP_HEADER, each echoing what it got. */
  async function underscoreActions(request: string) {
    const rejecting = await startAcceptingProxy({ filters: [echo()] }, closer, { headersWithUnderscoresAction: 'REJECT_REQUEST' });
    const refused = await rawExchange(rejecting.port, [request]);
    const dropping = await startAcceptingProxy({ filters: [echo()] }, closer, { headersWithUnderscoresAction: 'DROP_HEADER' });
    const served = await rawExchange(dropping.port, [request], 300);
    return { refused, rejected: rejecting.hcm.codecStats.http1, served, dropped: dropping.hcm.codecStats.http1 };
  }

  it('headers_with_underscores_action: REJECT_REQUEST answers 400 and closes; DROP_HEADER removes the field', async () => {
    const { refused, rejected, served, dropped } = await underscoreActions(`GET / HTTP/1.1${CRLF}Host: a${CRLF}X_User: mallory${CRLF}X-User: alice${CRLF}${CRLF}`);
    expect(statusLines(refused.text)).toEqual(['HTTP/1.1 400 Bad Request']);
    expect(refused.closed).toBe(true);
    expect(rejected.requests_rejected_with_underscores_in_headers).toBe(1);
    expect(statusLines(served.text)).toEqual(['HTTP/1.1 200 OK']);
    const seen = JSON.parse(/x-seen-headers: (.*)\r\n/.exec(served.text)?.[1] ?? '{}') as Record<string, string>;
    expect(seen['x_user']).toBeUndefined();
    expect(seen['x-user']).toBe('alice');
    expect(dropped.dropped_headers_with_underscores).toBe(1);
  });

  it('headers_with_underscores_action covers request trailers: REJECT_REQUEST is a 400 for the stream; DROP_HEADER removes the field', async () => {
    const chunked = `POST / HTTP/1.1${CRLF}Host: a${CRLF}Transfer-Encoding: chunked${CRLF}${CRLF}2${CRLF}hi${CRLF}`;
    const { refused, rejected, served, dropped } = await underscoreActions(`${chunked}0${CRLF}X_Sig: 1${CRLF}X-Ok: 2${CRLF}${CRLF}`);
    expect(statusLines(refused.text)).toEqual(['HTTP/1.1 400 Bad Request']);
    expect(refused.closed).toBe(true);
    expect(rejected.requests_rejected_with_underscores_in_headers).toBe(1);
    expect(statusLines(served.text)).toEqual(['HTTP/1.1 200 OK']);
    // The echo sends the request's trailers back as the response's.
    expect(served.text).toMatch(/\r\n0\r\nx-ok: 2\r\n\r\n$/);
    expect(dropped.dropped_headers_with_underscores).toBe(1);
  });

  it('refuses a Host that could not be an authority with 400, as Envoy does', async () => {
    const proxy = await startAcceptingProxy({ filters: [pathEcho] }, closer);
    for (const host of ['a b', 'evil.test/path', 'a?b', 'a#b', '"a"', 'caf\u00e9.test']) {
      const refused = await rawExchange(proxy.port, [`GET / HTTP/1.1${CRLF}Host: ${host}${CRLF}${CRLF}`]);
      expect(statusLines(refused.text), host).toEqual(['HTTP/1.1 400 Bad Request']);
    }
    for (const host of ['shop.test:8080', '[::1]:80', '127.0.0.1', 'user@shop.test', 'xn--caf-dma.test']) {
      const served = await rawExchange(proxy.port, [`GET / HTTP/1.1${CRLF}Host: ${host}${CRLF}${CRLF}`], 300);
      expect(statusLines(served.text), host).toEqual(['HTTP/1.1 200 OK']);
    }
  });

  it('takes an absolute-form target as a proxy must: its authority, path and scheme replace the Host (allow_absolute_url)', async () => {
    const seen = async (port: number, target: string): Promise<Record<string, unknown>> => {
      const { text } = await rawExchange(port, [`GET ${target} HTTP/1.1${CRLF}Host: other.test${CRLF}${CRLF}`], 300);
      return JSON.parse(/x-seen-headers: (.*)\r\n/.exec(text)?.[1] ?? '{}') as Record<string, unknown>;
    };
    const proxy = await startAcceptingProxy({ filters: [echo()] }, closer);
    expect(await seen(proxy.port, 'http://shop.test:8080/a/b?c=1')).toMatchObject({ ':authority': 'shop.test:8080', ':path': '/a/b?c=1', ':scheme': 'http' });
    expect(await seen(proxy.port, 'HTTPS://shop.test?q')).toMatchObject({ ':authority': 'shop.test', ':path': '/?q', ':scheme': 'https' });
    for (const target of ['ftp://shop.test/', 'http:///x', 'http://a b/', 'shop.test/x']) {
      const refused = await rawExchange(proxy.port, [`GET ${target} HTTP/1.1${CRLF}Host: other.test${CRLF}${CRLF}`]);
      expect(statusLines(refused.text), target).toEqual(['HTTP/1.1 400 Bad Request']);
    }
    const asIs = await startAcceptingProxy({ filters: [echo()] }, closer, { allowAbsoluteUrl: false });
    expect(await seen(asIs.port, 'http://shop.test/x')).toMatchObject({ ':authority': 'other.test', ':path': 'http://shop.test/x' });
  });

  it('closes after a body of unknown length for an HTTP/1.0 client, and keeps HTTP/1.0 keep-alive open otherwise', async () => {
    const http10 = { acceptHttp10: true, defaultHostForHttp10: 'legacy.test' };
    const proxy = await startAcceptingProxy({ filters: [echo()] }, closer, http10);
    const unknownLength = await rawExchange(proxy.port, [`POST / HTTP/1.0${CRLF}Content-Length: 2${CRLF}${CRLF}hi`]);
    expect(unknownLength.text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(unknownLength.text).not.toContain('transfer-encoding');
    expect(unknownLength.text.endsWith(`${CRLF}${CRLF}hi`)).toBe(true);
    expect(unknownLength.closed).toBe(true);
    // default_host_for_http_10 stands in for the missing Host.
    const seen = JSON.parse(/x-seen-headers: (.*)\r\n/.exec(unknownLength.text)?.[1] ?? '{}') as Record<string, unknown>;
    expect(seen[':authority']).toBe('legacy.test');

    const fixed = await startAcceptingProxy({ filters: [pathEcho] }, closer, http10);
    const keepAlive = await rawExchange(fixed.port, [`GET /k HTTP/1.0${CRLF}Connection: keep-alive${CRLF}${CRLF}`], 300);
    expect(keepAlive.text).toContain(`connection: keep-alive${CRLF}`);
    expect(keepAlive.closed).toBe(false);
  });

  it('answers 100-continue itself and does not pass Expect on', async () => {
    const proxy = await startAcceptingProxy({ filters: [echo()] }, closer);
    const { text } = await rawExchange(proxy.port, [`PUT / HTTP/1.1${CRLF}Host: a${CRLF}Content-Length: 3${CRLF}Expect: 100-continue${CRLF}${CRLF}`, 'abc'], 500, 50);
    expect(statusLines(text)).toEqual(['HTTP/1.1 100 Continue', 'HTTP/1.1 200 OK']);
    const seen = JSON.parse(/x-seen-headers: (.*)\r\n/.exec(text)?.[1] ?? '{}') as Record<string, unknown>;
    expect(seen['expect']).toBeUndefined();
  });

  it('treats an h2c upgrade offer as a plain HTTP/1.1 request without the upgrade', async () => {
    const proxy = await startAcceptingProxy({ filters: [pathEcho] }, closer);
    const offer = `GET /h2c HTTP/1.1${CRLF}Host: a${CRLF}Connection: Upgrade, HTTP2-Settings${CRLF}Upgrade: h2c${CRLF}HTTP2-Settings: AAMAAABkAAQAoAAAAAIAAAAA${CRLF}${CRLF}`;
    const { text } = await rawExchange(proxy.port, [offer], 300);
    expect(statusLines(text)).toEqual(['HTTP/1.1 200 OK']);
    expect(text).toContain('GET /h2c expect=undefined upgrade=undefined');
  });

  it('closes the connection when the response finishes before the request body', async () => {
    const proxy = await startAcceptingProxy({ filters: [pathEcho] }, closer);
    const { text, closed } = await rawExchange(proxy.port, [`POST /early HTTP/1.1${CRLF}Host: a${CRLF}Content-Length: 100000${CRLF}${CRLF}partial`], 1_000);
    expect(statusLines(text)).toEqual(['HTTP/1.1 200 OK']);
    expect(text).toContain('connection: close');
    expect(closed).toBe(true);
  });

  it('keeps a HEAD response bodiless with the length the GET would have', async () => {
    const proxy = await startAcceptingProxy({ filters: [pathEcho] }, closer);
    const { text } = await rawExchange(proxy.port, [`HEAD /h HTTP/1.1${CRLF}Host: a${CRLF}${CRLF}GET /g HTTP/1.1${CRLF}Host: a${CRLF}Connection: close${CRLF}${CRLF}`]);
    const [head, get] = text.split('HTTP/1.1 200 OK').slice(1);
    expect(head).toMatch(/content-length: 42\r\n/);
    expect(head?.endsWith(`${CRLF}${CRLF}`)).toBe(true);
    expect(get).toContain('GET /g');
  });

  it('drops response header values a filter set with CR or LF in them (no response splitting)', async () => {
    const splitter: CompiledHttpFilter = {
      name: 'test.splitter',
      create: (ctx) => ({
        onRequestHeaders: () => {
          ctx.respond(200, 'ok', { headers: { 'x-evil': 'a\r\nset-cookie: stolen=1', 'x-fine': 'yes' } });
          return 'stop';
        },
      }),
    };
    const proxy = await startAcceptingProxy({ filters: [splitter] }, closer);
    const { text } = await rawExchange(proxy.port, [`GET / HTTP/1.1${CRLF}Host: a${CRLF}Connection: close${CRLF}${CRLF}`]);
    expect(text).toContain('x-fine: yes');
    expect(text).not.toContain('stolen');
  });

  it('closes a connection idle longer than idle_timeout', async () => {
    const proxy = await startAcceptingProxy({ filters: [pathEcho] }, closer, { idleTimeoutMs: 200 });
    const started = Date.now();
    const { text, closed } = await rawExchange(proxy.port, [`GET / HTTP/1.1${CRLF}Host: a${CRLF}${CRLF}`], 3_000);
    expect(statusLines(text)).toEqual(['HTTP/1.1 200 OK']);
    expect(closed).toBe(true);
    expect(Date.now() - started).toBeLessThan(2_500);
  });

  it('counts idle_timeout from the end of the last exchange, not across one in flight', async () => {
    const proxy = await startAcceptingProxy({ filters: [answerLater(400, 'slow')] }, closer, { idleTimeoutMs: 250 });
    const socket = connect(proxy.port, '127.0.0.1');
    closer.add(() => Promise.resolve(void socket.destroy()));
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
    const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now())));
    // Sent 150 ms after the accept: the exchange runs on past the first 250 ms.
    await new Promise((resolve) => setTimeout(resolve, 150));
    socket.write(`GET / HTTP/1.1${CRLF}Host: a${CRLF}${CRLF}`);
    await waitFor(() => text.endsWith('slow'));
    const answered = Date.now();
    const closedAt = await closed;
    expect(statusLines(text)).toEqual(['HTTP/1.1 200 OK']);
    expect(closedAt - answered).toBeGreaterThanOrEqual(150);
  });
});
