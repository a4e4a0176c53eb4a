import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { curl } from './support/clients.js';
import { proxiesInFrontOfEcho } from './support/header-echo.js';
import { listenerPort, spawnProxy } from './support/proxy-process.js';
import type { ProxyProcess } from './support/proxy-process.js';
import { bootstrapWith, hcmListener, httpProtocolOptions, ROUTER_FILTER, staticCluster } from './support/static-bootstrap.js';

const CRLF = '\r\n';

/** What the raw upstream answers, by request path: framings Envoy's codec refuses, and one it reads. */
const RESPONSES: Record<string, string> = {
  '/both': `HTTP/1.1 200 OK${CRLF}Content-Length: 9${CRLF}Transfer-Encoding: chunked${CRLF}${CRLF}3${CRLF}abc${CRLF}0${CRLF}${CRLF}`,
  '/gzip': `HTTP/1.1 200 OK${CRLF}Transfer-Encoding: gzip${CRLF}${CRLF}abc`,
  '/gzip-chunked': `HTTP/1.1 200 OK${CRLF}Transfer-Encoding: gzip, chunked${CRLF}${CRLF}3${CRLF}abc${CRLF}0${CRLF}${CRLF}`,
  '/no-content-chunked': `HTTP/1.1 204 No Content${CRLF}Transfer-Encoding: chunked${CRLF}${CRLF}`,
  '/no-content-length': `HTTP/1.1 204 No Content${CRLF}Content-Length: 5${CRLF}${CRLF}`,
  '/bad-chunk': `HTTP/1.1 200 OK${CRLF}Transfer-Encoding: chunked${CRLF}${CRLF}zz${CRLF}`,
  '/chunked': `HTTP/1.1 200 OK${CRLF}Transfer-Encoding: chunked${CRLF}${CRLF}3${CRLF}abc${CRLF}0${CRLF}${CRLF}`,
};

/** An upstream that writes the canned response for each request's path, byte for byte. */
async function startRawUpstream(): Promise<{ port: number; server: net.Server }> {
  const server = net.createServer((socket) => {
    let head = '';
    socket.on('error', () => undefined);
    socket.on('data', (data: Buffer) => {
      head += data.toString('latin1');
      const end = head.indexOf(`${CRLF}${CRLF}`);
      if (end === -1) return;
      const path = /^\S+ (\S+)/.exec(head)?.[1] ?? '';
      head = head.slice(end + 4);
      socket.write(RESPONSES[path] ?? `HTTP/1.1 404 Not Found${CRLF}Content-Length: 0${CRLF}${CRLF}`, 'latin1');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as net.AddressInfo).port, server };
}

/** Everything a raw client reads for one request until the proxy closes the connection. */
function readUntilClose(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(request, 'latin1'));
    let got = '';
    socket.on('data', (data: Buffer) => (got += data.toString('latin1')));
    socket.on('error', reject);
    socket.on('close', () => resolve(got));
    socket.setTimeout(5000, () => socket.destroy(new Error(`no close; read ${JSON.stringify(got)}`)));
  });
}

/** The JSON body of a raw response, chunk framing taken off when there is some. */
function jsonBody(response: string): Record<string, string> {
  const body = response.slice(response.indexOf(`${CRLF}${CRLF}`) + 4);
  return JSON.parse(/^transfer-encoding: chunked\r$/im.test(response) ? body.replace(/^[0-9a-f]+\r\n|\r\n0\r\n\r\n$/g, '') : body) as Record<string, string>;
}

describe('upstream response framing, as Envoy\'s HTTP/1.1 codec reads it (built proxy, curl and raw sockets)', () => {
  let upstream: { port: number; server: net.Server };
  let proxy: ProxyProcess;
  let listener = 0;

  beforeAll(async () => {
    upstream = await startRawUpstream();
    const lenientPrefix = { match: { prefix: '/lenient/' }, route: { cluster: 'lenient', prefix_rewrite: '/' } };
    const routes = { name: 'local', virtual_hosts: [{ name: 'all', domains: ['*'], routes: [lenientPrefix, { match: { prefix: '/' }, route: { cluster: 'strict' } }] }] };
    const doc = bootstrapWith('framing', {
      listeners: [hcmListener('edge', 0, { stat_prefix: 'edge', route_config: routes, http_filters: [ROUTER_FILTER] })],
      clusters: [
        staticCluster('strict', upstream.port),
        staticCluster('lenient', upstream.port, httpProtocolOptions({ explicit_http_config: { http_protocol_options: { allow_chunked_length: true } } })),
      ],
    });
    proxy = await spawnProxy(['--config-yaml', JSON.stringify(doc), '--log-level', 'warn']);
    listener = await listenerPort(proxy);
  });

  afterAll(async () => {
    proxy.kill();
    await proxy.exited;
    await new Promise((resolve) => upstream.server.close(resolve));
  });

  it.each(['/both', '/gzip', '/gzip-chunked', '/no-content-chunked', '/no-content-length'])('%s: refused as an upstream protocol error, 502', async (path) => {
    const { status, body } = await curl(`http://127.0.0.1:${listener}${path}`);
    expect(status).toBe(502);
    expect(body).toContain('protocol error');
  });

  it('reads both framings as chunked, without the length, on a cluster with allow_chunked_length', async () => {
    const response = await readUntilClose(listener, `GET /lenient/both HTTP/1.1${CRLF}Host: a${CRLF}Connection: close${CRLF}${CRLF}`);
    expect(response).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(response).not.toMatch(/content-length: 9/i);
    expect(response.endsWith(`3${CRLF}abc${CRLF}0${CRLF}${CRLF}`)).toBe(true);
    // The same cluster still refuses another coding.
    expect((await curl(`http://127.0.0.1:${listener}/lenient/gzip`)).status).toBe(502);
  });

  it('sends the head a reset stream already wrote before it closes, as Envoy flushes before such a close', async () => {
    // The body's first chunk size is not hex: the response started, so the stream is reset (UPE).
    const response = await readUntilClose(listener, `GET /bad-chunk HTTP/1.1${CRLF}Host: a${CRLF}${CRLF}`);
    expect(response).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*transfer-encoding: chunked\r\n\r\n$/);
    // A good response on the same upstream still goes through.
    expect((await curl(`http://127.0.0.1:${listener}/chunked`)).body).toBe('abc');
  });
});

describe('request framing on the connection manager: an empty Host, http_protocol_options.allow_chunked_length (built proxy, raw sockets)', () => {
  const proxies = proxiesInFrontOfEcho();
  const both = `POST / HTTP/1.1${CRLF}Host: a${CRLF}Connection: close${CRLF}Content-Length: 3${CRLF}Transfer-Encoding: chunked${CRLF}${CRLF}5${CRLF}hello${CRLF}0${CRLF}${CRLF}`;

  it('answers a request with both framings 400 by default', async () => {
    const proxy = await proxies.start({});
    expect(await readUntilClose(Number(new URL(proxy.listener).port), both)).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
  });

  it('forwards an empty Host, which a target without an authority has (RFC 9112 §3.2)', async () => {
    const proxy = await proxies.start({});
    const response = await readUntilClose(Number(new URL(proxy.listener).port), `GET / HTTP/1.1${CRLF}Host:${CRLF}Connection: close${CRLF}${CRLF}`);
    expect(response).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(jsonBody(response)).toMatchObject({ host: '' });
  });

  it('forwards a request with both framings as chunked, without the length, under allow_chunked_length', async () => {
    const proxy = await proxies.start({ http_protocol_options: { allow_chunked_length: true } });
    const response = await readUntilClose(Number(new URL(proxy.listener).port), both);
    expect(response).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    const echoed = jsonBody(response);
    expect(echoed['content-length']).toBeUndefined();
    expect(echoed['transfer-encoding']).toBe('chunked');
  });
});
