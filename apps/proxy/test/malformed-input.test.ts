import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { curl, eventually } from './support/clients.js';
import { spawnProxy } from './support/proxy-process.js';
import type { ProxyProcess } from './support/proxy-process.js';
import { staticBootstrap } from './support/static-bootstrap.js';
import { startUpstream } from './support/upstreams.js';
import type { TestUpstream } from './support/upstreams.js';
import { END_HEADERS, END_STREAM, frame, FrameType, GOOD_REQUEST, headerBlock, PREFACE, sendFrames } from './malformed-h2-frames.js';

const CRLF = '\r\n';
const GET = `GET /beta/x HTTP/1.1${CRLF}Host: shop.test${CRLF}`;
const POST = `POST /beta/x HTTP/1.1${CRLF}Host: shop.test${CRLF}`;

/** Bad HTTP/1.1 requests → the status line the proxy must answer before it closes the connection. */
const HTTP1_CASES: readonly (readonly [name: string, request: string, status: number])[] = [
  ['Content-Length and Transfer-Encoding together', `${POST}Content-Length: 3${CRLF}Transfer-Encoding: chunked${CRLF}${CRLF}0${CRLF}${CRLF}`, 400],
  ['two different Content-Length', `${POST}Content-Length: 3${CRLF}Content-Length: 4${CRLF}${CRLF}abcd`, 400],
  ['the same Content-Length twice', `${POST}Content-Length: 3${CRLF}Content-Length: 3${CRLF}${CRLF}abc`, 400],
  ['a Content-Length list', `${POST}Content-Length: 3, 3${CRLF}${CRLF}abc`, 400],
  ['a non-numeric Content-Length', `${POST}Content-Length: abc${CRLF}${CRLF}`, 400],
  ['a negative Content-Length', `${POST}Content-Length: -1${CRLF}${CRLF}`, 400],
  ['an overflowing Content-Length', `${POST}Content-Length: 99999999999999999999999${CRLF}${CRLF}`, 400],
  ['Transfer-Encoding not ending in chunked', `${POST}Transfer-Encoding: gzip${CRLF}${CRLF}abc`, 400],
  ['chunked followed by another coding', `${POST}Transfer-Encoding: chunked, gzip${CRLF}${CRLF}0${CRLF}${CRLF}`, 400],
  ['Transfer-Encoding twice', `${POST}Transfer-Encoding: chunked${CRLF}Transfer-Encoding: chunked${CRLF}${CRLF}0${CRLF}${CRLF}`, 400],
  ['a chunk size that is not hex', `${POST}Transfer-Encoding: chunked${CRLF}${CRLF}zz${CRLF}abc${CRLF}0${CRLF}${CRLF}`, 400],
  ['chunk data without its CRLF', `${POST}Transfer-Encoding: chunked${CRLF}${CRLF}3${CRLF}abcXX0${CRLF}${CRLF}`, 400],
  ['whitespace inside a chunk size', `${POST}Transfer-Encoding: chunked${CRLF}${CRLF}1 0${CRLF}abcdefghijklmnop${CRLF}0${CRLF}${CRLF}`, 400],
  ['Content-Length in the trailers', `${POST}Transfer-Encoding: chunked${CRLF}${CRLF}3${CRLF}abc${CRLF}0${CRLF}Content-Length: 50${CRLF}${CRLF}`, 400],
  ['an obs-fold continuation line', `${GET}X-A: one${CRLF}  two${CRLF}${CRLF}`, 400],
  ['a space inside a header name', `${GET}Bad Header: x${CRLF}${CRLF}`, 400],
  ['a space before the colon', `GET / HTTP/1.1${CRLF}Host : shop.test${CRLF}${CRLF}`, 400],
  ['a separator in a header name', `${GET}X(y): z${CRLF}${CRLF}`, 400],
  ['an empty header name', `${GET}: x${CRLF}${CRLF}`, 400],
  ['a non-ASCII header name', `${GET}X-\u00e9: v${CRLF}${CRLF}`, 400],
  ['a control character in a value', `${GET}X-A: a\u0001b${CRLF}${CRLF}`, 400],
  ['NUL in a value', `${GET}X-A: a\u0000b${CRLF}${CRLF}`, 400],
  ['a bare CR in a value', `${GET}X-A: a\rb${CRLF}${CRLF}`, 400],
  ['bare LF line endings', `GET / HTTP/1.1\nHost: shop.test\n\n`, 400],
  ['bare CR line endings (refused at once, not held until the header timeout)', `GET / HTTP/1.1\rHost: shop.test\r\r`, 400],
  ['an invalid method token', `G@T / HTTP/1.1${CRLF}Host: shop.test${CRLF}${CRLF}`, 400],
  ['a method outside Envoy\'s list (no allow_custom_methods)', `FOO / HTTP/1.1${CRLF}Host: shop.test${CRLF}${CRLF}`, 400],
  ['an unknown HTTP version', `GET / HTTP/9.9${CRLF}Host: shop.test${CRLF}${CRLF}`, 400],
  ['a misspelt protocol name', `GET / HTXP/1.1${CRLF}Host: shop.test${CRLF}${CRLF}`, 400],
  ['HTTP/1.1 without Host', `GET / HTTP/1.1${CRLF}${CRLF}`, 400],
  ['a Host that could not be an authority', `GET / HTTP/1.1${CRLF}Host: shop.test/../admin${CRLF}${CRLF}`, 400],
  ['a space inside the request target', `GET /a b HTTP/1.1${CRLF}Host: shop.test${CRLF}${CRLF}`, 400],
  ['whitespace before the first header', `GET / HTTP/1.1${CRLF} Host: shop.test${CRLF}${CRLF}`, 400],
  ['binary garbage (a TLS ClientHello on a cleartext port)', '\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u0001\u00fc\u0003\u0003', 400],
  ['headers over max_request_headers_kb', `${GET}X-Big: ${'a'.repeat(70_000)}${CRLF}${CRLF}`, 431],
  ['a request target over max_request_headers_kb', `GET /${'a'.repeat(70_000)} HTTP/1.1${CRLF}Host: shop.test${CRLF}${CRLF}`, 431],
  ['CONNECT without upgrade config', `CONNECT example.com:443 HTTP/1.1${CRLF}Host: example.com:443${CRLF}${CRLF}`, 403],
  ['headers that never finish (request_headers_timeout)', `${GET}X-Slow: still typing`, 408],
];

const { DATA, HEADERS, SETTINGS, PING, WINDOW_UPDATE } = FrameType;
const headers = (fields: readonly (readonly [string, string])[], streamId = 1, flags = END_HEADERS | END_STREAM): Buffer => frame(HEADERS, flags, streamId, headerBlock(fields));
const TO_DIRECT_404 = [...GOOD_REQUEST.slice(0, 3), [':path', '/nothing']] as const;
const PROTOCOL_ERROR = 1;
// When nghttp2 refuses a frame it reports as an error, node:http2 ends the session with
// INTERNAL_ERROR on Node 20 and with PROTOCOL_ERROR (Envoy's code) on Node 24; either is a
// connection-level refusal. Frames nghttp2 rejects itself get their precise code.
const INTERNAL_ERROR = 2;
const FRAME_SIZE_ERROR = 6;
const SESSION_REFUSED = [`goaway:${PROTOCOL_ERROR}`, `goaway:${INTERNAL_ERROR}`] as const;

/** Bad HTTP/2 streams and frames → the stream reset or connection GOAWAY the proxy must send. */
const HTTP2_CASES: readonly (readonly [name: string, bytes: Buffer, outcome: string | readonly string[]])[] = [
  ['an upper-case header name', headers([...GOOD_REQUEST, ['X-Upper', '1']]), `rst:${PROTOCOL_ERROR}`],
  ['a connection-specific header', headers([...GOOD_REQUEST, ['connection', 'keep-alive']]), `rst:${PROTOCOL_ERROR}`],
  ['te other than trailers', headers([...GOOD_REQUEST, ['te', 'gzip']]), `rst:${PROTOCOL_ERROR}`],
  ['no :path', headers(GOOD_REQUEST.filter(([name]) => name !== ':path')), `rst:${PROTOCOL_ERROR}`],
  ['a pseudo-header after a regular one', headers([['x-first', '1'], ...GOOD_REQUEST]), `rst:${PROTOCOL_ERROR}`],
  ['two :method', headers([...GOOD_REQUEST.slice(0, 1), ...GOOD_REQUEST]), `rst:${PROTOCOL_ERROR}`],
  ['an unknown pseudo-header', headers([...GOOD_REQUEST, [':foo', 'bar']]), `rst:${PROTOCOL_ERROR}`],
  // nghttp2 drops a field with a space in its name or CR/LF in its value and serves the rest of the
  // request (here the direct 404), so the field can never reach an HTTP/1.1 upstream.
  ['a space in a header name', headers([...TO_DIRECT_404, ['bad name', '1']]), 'headers'],
  ['a line feed in a header value', headers([...TO_DIRECT_404, ['x-a', 'a\nb']]), 'headers'],
  [
    'a body shorter than its content-length',
    Buffer.concat([headers([...GOOD_REQUEST.slice(0, 3), [':path', '/beta/x'], ['content-length', '10']], 1, END_HEADERS), frame(DATA, END_STREAM, 1, Buffer.from('abc'))]),
    `rst:${PROTOCOL_ERROR}`,
  ],
  ['DATA on stream 0', frame(DATA, 0, 0, Buffer.from('x')), `goaway:${PROTOCOL_ERROR}`],
  ['HEADERS on an even (server) stream id', headers(GOOD_REQUEST, 2), SESSION_REFUSED],
  ['a zero WINDOW_UPDATE on the connection', frame(WINDOW_UPDATE, 0, 0, Buffer.alloc(4)), SESSION_REFUSED],
  ['a SETTINGS frame of the wrong size', frame(SETTINGS, 0, 0, Buffer.alloc(5)), `goaway:${FRAME_SIZE_ERROR}`],
  ['a PING of the wrong size', frame(PING, 0, 0, Buffer.alloc(3)), `goaway:${FRAME_SIZE_ERROR}`],
  ['a preface followed by PING instead of SETTINGS', Buffer.concat([PREFACE, frame(PING, 0, 0, Buffer.alloc(8))]), SESSION_REFUSED],
];

describe('malformed input against the built proxy (dist/main.js, static bootstrap)', () => {
  let alpha: TestUpstream;
  let beta: TestUpstream;
  let proxy: ProxyProcess;
  let dir: string;
  let port = 0;

  beforeAll(async () => {
    alpha = await startUpstream('alpha');
    beta = await startUpstream('beta');
    const doc = staticBootstrap({ listenerPort: 0, adminPort: 0, alphaPort: alpha.port, betaPort: beta.port }) as {
      static_resources: { listeners: { filter_chains: { filters: { typed_config: Record<string, unknown> }[] }[] }[] };
    };
    const hcm = doc.static_resources.listeners[0]?.filter_chains[0]?.filters[0]?.typed_config;
    if (hcm !== undefined) {
      hcm['request_headers_timeout'] = '0.5s';
      // Sessions nghttp2 ended with a GOAWAY are only found dead by a PING nobody answers.
      hcm['http2_protocol_options'] = { connection_keepalive: { interval: '0.5s', timeout: '0.5s' } };
    }
    dir = mkdtempSync(path.join(os.tmpdir(), 'meshkit-malformed-'));
    const file = path.join(dir, 'edge.yaml');
    writeFileSync(file, stringify(doc));
    proxy = await spawnProxy(['-c', file]);
    const listeners = await curl(`http://${proxy.admin}/listeners`);
    port = Number(/:(\d+)\s*$/.exec(listeners.body.trim())?.[1]);
  });

  afterAll(async () => {
    proxy.kill();
    await proxy.exited;
    await Promise.all([alpha.close(), beta.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it(`answers ${HTTP1_CASES.length} kinds of bad HTTP/1.1 requests with their status and closes`, async () => {
    const results = await Promise.all(
      HTTP1_CASES.map(async ([name, request]) => {
        const { text, closed } = await sendRaw(port, Buffer.from(request, 'latin1'));
        return [name, `${text.split(CRLF)[0] ?? ''}${closed ? ' (closed)' : ' (left open)'}`] as const;
      }),
    );
    const expected = HTTP1_CASES.map(([name, , status]): [string, unknown] => [name, expect.stringMatching(new RegExp(`^HTTP/1\\.1 ${status} .* \\(closed\\)$`))]);
    expect(results).toEqual(expected);
    expect(beta.seen).toHaveLength(0);
  });

  it(`resets ${HTTP2_CASES.length} kinds of bad HTTP/2 streams and frames`, async () => {
    const results = await Promise.all(
      HTTP2_CASES.map(async ([name, bytes]) => {
        const startsWithPreface = bytes.subarray(0, PREFACE.length).equals(PREFACE);
        return [name, await sendFrames(port, bytes, { preface: !startsWithPreface })] as const;
      }),
    );
    const unexpected = results.filter(([, got], i) => {
      const outcome = (HTTP2_CASES[i] as (typeof HTTP2_CASES)[number])[2];
      return typeof outcome === 'string' ? got !== outcome : !outcome.includes(got);
    });
    expect(unexpected).toEqual([]);
    expect(beta.seen).toHaveLength(0);
  });

  it('drops clients that reset mid-request without leaking their connections, and still serves', async () => {
    // Half a body, then an abrupt RST from the client, a few times over.
    for (let i = 0; i < 5; i++) {
      const socket = net.connect(port, '127.0.0.1');
      await new Promise((resolve) => socket.once('connect', resolve));
      socket.write(`${POST}Content-Length: 100000${CRLF}${CRLF}${'x'.repeat(5000)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
      socket.resetAndDestroy();
    }
    const good = await curl(`http://127.0.0.1:${port}/beta/after`, '-H', 'Host: shop.test');
    expect(good.status).toBe(200);
    const h2 = await curl(`http://127.0.0.1:${port}/beta/after-h2`, '--http2-prior-knowledge', '-H', 'Host: shop.test');
    expect(h2.status).toBe(200);
    await eventually(async () => activeConnections(await curl(`http://${proxy.admin}/stats/prometheus`)).every((n) => n === 0), 10_000, 'no open downstream connections');
    expect(proxy.child.exitCode).toBeNull();
  });
});

function activeConnections(stats: { body: string }): number[] {
  return stats.body
    .split('\n')
    .filter((line) => line.startsWith('envoy_http_downstream_cx_active{'))
    .map((line) => Number(line.split(' ')[1]));
}

/** Sends raw bytes; resolves with what came back once the proxy closed (or after 3 s). */
function sendRaw(port: number, bytes: Buffer): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ text, closed: false });
    }, 3_000);
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve({ text, closed: true });
    });
    socket.write(bytes);
  });
}
