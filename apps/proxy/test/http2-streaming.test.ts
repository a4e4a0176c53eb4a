import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import http2 from 'node:http2';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { curl } from './support/clients.js';
import { END_HEADERS, END_STREAM, frame, FrameType, headerBlock, responseFrames } from './malformed-h2-frames.js';
import { spawnProxy } from './support/proxy-process.js';
import type { ProxyProcess } from './support/proxy-process.js';
import { bootstrapWith, hcmListener, httpProtocolOptions, ROUTER_FILTER, staticCluster } from './support/static-bootstrap.js';
import { closeServer, listenOnLoopback } from './support/upstreams.js';

const GIB = 1024 * 1024 * 1024;
const CHUNK = Buffer.alloc(256 * 1024, 0x5a);
// Bounded means the proxy's memory does not follow the transfer: it may grow by far less than one
// transfer (which full buffering would need), and stays well under the 1 GiB moved. Node 24's
// baseline RSS sits higher than Node 20's, so growth is the sharper measure.
const RSS_GROWTH_LIMIT_BYTES = 128 * 1024 * 1024;
const RSS_LIMIT_BYTES = 320 * 1024 * 1024;

/** What the bulk upstream needs of node:http's request and response, which node:http2's compatibility API shares. */
interface BulkRequest {
  readonly url?: string | undefined;
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  once(event: 'end', listener: () => void): unknown;
}
interface BulkResponse {
  writeHead(status: number, headers: Record<string, string>): { end(text: string): unknown };
  write(chunk: Buffer): boolean;
  once(event: 'drain', listener: () => void): unknown;
  end(): unknown;
}

/** Counts what it is sent (`/upload`) or streams `?bytes=N` it never holds (`/download`). */
function bulkHandler(req: BulkRequest, res: BulkResponse): void {
  const url = req.url ?? '/';
  if (url.startsWith('/upload')) {
    let received = 0;
    req.on('data', (chunk: Buffer) => (received += chunk.length));
    req.once('end', () => res.writeHead(200, { 'content-type': 'text/plain' }).end(String(received)));
    return;
  }
  const total = Number(new URL(url, 'http://x').searchParams.get('bytes'));
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(total) });
  let sent = 0;
  const pump = (): void => {
    // Bounded by `total`; stops whenever the proxy stops reading.
    while (sent < total) {
      const piece = CHUNK.subarray(0, Math.min(CHUNK.length, total - sent));
      sent += piece.length;
      if (!res.write(piece)) {
        res.once('drain', pump);
        return;
      }
    }
    res.end();
  };
  pump();
}

async function startBulkUpstream(): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer((req, res) => bulkHandler(req, res));
  return { port: await listenOnLoopback(server), close: () => closeServer(server) };
}

/** The same upstream over h2c, for a cluster that speaks HTTP/2. */
async function startBulkH2Upstream(): Promise<{ port: number; close(): Promise<void> }> {
  const server = http2.createServer((req, res) => bulkHandler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** `total` bytes made on demand from one reused chunk. */
function generated(total: number): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= total) {
        this.push(null);
        return;
      }
      const piece = CHUNK.subarray(0, Math.min(CHUNK.length, total - sent));
      sent += piece.length;
      this.push(piece);
    },
  });
}

/** Samples the proxy's resident set size from /proc while `work` runs; returns the peak and its growth. */
async function peakRss<T>(pid: number, work: () => Promise<T>): Promise<{ result: T; peak: number; growth: number }> {
  let peak = 0;
  const sample = (): void => {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    peak = Math.max(peak, Number(match?.[1] ?? 0) * 1024);
  };
  sample();
  const baseline = peak;
  const timer = setInterval(sample, 50);
  try {
    const result = await work();
    sample();
    return { result, peak, growth: peak - baseline };
  } finally {
    clearInterval(timer);
  }
}

describe('a gigabyte each way through the built proxy, in bounded memory', () => {
  let upstream: Awaited<ReturnType<typeof startBulkUpstream>>;
  let h2Upstream: Awaited<ReturnType<typeof startBulkH2Upstream>>;
  let proxy: ProxyProcess;
  let dir: string;
  let origin = '';
  const agent = new Agent({ connections: 2 });

  beforeAll(async () => {
    upstream = await startBulkUpstream();
    h2Upstream = await startBulkH2Upstream();
    // No route timeout: a gigabyte on a shared CI core may take longer than any default.
    const routes = [
      { match: { prefix: '/h2/' }, route: { cluster: 'bulk_h2', prefix_rewrite: '/', timeout: '0s' } },
      { match: { prefix: '/' }, route: { cluster: 'bulk', timeout: '0s' } },
    ];
    const listener = hcmListener('bulk', 0, {
      stat_prefix: 'bulk',
      route_config: { name: 'bulk', virtual_hosts: [{ name: 'all', domains: ['*'], routes }] },
      http_filters: [ROUTER_FILTER],
    });
    const h2 = httpProtocolOptions({ explicit_http_config: { http2_protocol_options: {} } });
    const clusters = [staticCluster('bulk', upstream.port), staticCluster('bulk_h2', h2Upstream.port, h2)];
    const bootstrap = bootstrapWith('bulk', { listeners: [listener], clusters });
    dir = mkdtempSync(path.join(os.tmpdir(), 'meshkit-bulk-'));
    writeFileSync(path.join(dir, 'bulk.yaml'), stringify(bootstrap));
    proxy = await spawnProxy(['-c', path.join(dir, 'bulk.yaml')]);
    const listeners = await curl(`http://${proxy.admin}/listeners`);
    origin = `http://127.0.0.1:${/:(\d+)\s*$/.exec(listeners.body.trim())?.[1] ?? '0'}`;
  });

  afterAll(async () => {
    await agent.close();
    proxy.kill();
    await proxy.exited;
    await upstream.close();
    await h2Upstream.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('uploads 1 GiB over HTTP/1.1 generated on the fly', async () => {
    const pid = proxy.child.pid ?? 0;
    const { result, peak, growth } = await peakRss(pid, async () => {
      const response = await request(`${origin}/upload`, { method: 'POST', body: generated(GIB), dispatcher: agent });
      return { status: response.statusCode, text: await response.body.text() };
    });
    expect(result).toEqual({ status: 200, text: String(GIB) });
    expect(peak).toBeLessThan(RSS_LIMIT_BYTES);
    expect(growth).toBeLessThan(RSS_GROWTH_LIMIT_BYTES);
  }, 120_000);

  it('downloads 1 GiB over HTTP/1.1, discarded on arrival', async () => {
    const pid = proxy.child.pid ?? 0;
    const { result, peak, growth } = await peakRss(pid, async () => {
      const response = await request(`${origin}/download?bytes=${GIB}`, { dispatcher: agent });
      let received = 0;
      for await (const chunk of response.body) received += (chunk as Buffer).length;
      return { status: response.statusCode, received };
    });
    expect(result).toEqual({ status: 200, received: GIB });
    expect(peak).toBeLessThan(RSS_LIMIT_BYTES);
    expect(growth).toBeLessThan(RSS_GROWTH_LIMIT_BYTES);
  }, 120_000);

  it('streams 256 MiB each way over HTTP/2 (h2c), bounded too', async () => {
    const pid = proxy.child.pid ?? 0;
    const size = 256 * 1024 * 1024;
    const session = http2.connect(origin);
    session.on('error', () => undefined);
    try {
      const { result, peak, growth } = await peakRss(pid, async () => {
        const upload = await new Promise<string>((resolve, reject) => {
          const stream = session.request({ ':method': 'POST', ':path': '/upload' });
          let text = '';
          stream.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
          stream.once('end', () => resolve(text));
          stream.once('error', reject);
          generated(size).pipe(stream);
        });
        const downloaded = await new Promise<number>((resolve, reject) => {
          const stream = session.request({ ':path': `/download?bytes=${size}` });
          let received = 0;
          stream.on('data', (chunk: Buffer) => (received += chunk.length));
          stream.once('end', () => resolve(received));
          stream.once('error', reject);
        });
        return { upload, downloaded };
      });
      expect(result).toEqual({ upload: String(size), downloaded: size });
      expect(peak).toBeLessThan(RSS_LIMIT_BYTES);
      expect(growth).toBeLessThan(RSS_GROWTH_LIMIT_BYTES);
    } finally {
      session.destroy();
    }
  }, 120_000);

  it('ends an HTTP/2 response of declared length on its last DATA frame, not on an empty frame after it', async () => {
    const get = headerBlock([
      [':method', 'GET'],
      [':scheme', 'http'],
      [':authority', 'bulk.test'],
      [':path', '/download?bytes=1000'],
    ]);
    const frames = await responseFrames(Number(new URL(origin).port), frame(FrameType.HEADERS, END_STREAM | END_HEADERS, 1, get));
    expect(frames[0]).toBe('HEADERS');
    expect(frames.at(-1)).toMatch(/^DATA:[1-9]\d*\+END$/);
    expect(frames.slice(1).reduce((sum, data) => sum + Number(/^DATA:(\d+)/.exec(data)?.[1]), 0)).toBe(1000);
  });

  it('streams 256 MiB each way to an HTTP/2 (h2c) upstream, bounded too', async () => {
    const pid = proxy.child.pid ?? 0;
    const size = 256 * 1024 * 1024;
    const { result, peak, growth } = await peakRss(pid, async () => {
      const upload = await request(`${origin}/h2/upload`, { method: 'POST', body: generated(size), dispatcher: agent });
      const uploaded = await upload.body.text();
      const download = await request(`${origin}/h2/download?bytes=${size}`, { dispatcher: agent });
      let received = 0;
      for await (const chunk of download.body) received += (chunk as Buffer).length;
      return { uploaded, received };
    });
    expect(result).toEqual({ uploaded: String(size), received: size });
    expect(peak).toBeLessThan(RSS_LIMIT_BYTES);
    expect(growth).toBeLessThan(RSS_GROWTH_LIMIT_BYTES);
  }, 120_000);
});
