import { request as httpRequest } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { ResponseFlag } from '../src/index.js';
import type { HttpFilterContext } from '../src/index.js';
import { echo, recorder } from './support/filters.js';
import { Closer, delay, waitFor } from './support/net.js';
import { client, startProxy } from './support/proxy.js';

const closer = new Closer();
afterEach(() => closer.closeAll());

/** The log without the recorder noise of teardown, for order assertions. */
function flow(log: string[]): string[] {
  return log.filter((entry) => !entry.endsWith(':destroy'));
}

describe('filter iteration', () => {
  it('runs request callbacks in chain order and response callbacks in reverse', async () => {
    const log: string[] = [];
    const proxy = await startProxy({ filters: [recorder('a', log), recorder('b', log), recorder('c', log), echo()] }, closer);
    const response = await client(closer)(`${proxy.origin}/`, { method: 'POST', body: 'hello' });
    expect(response.text).toBe('hello');
    await waitFor(() => log.includes('c:destroy'));
    expect(flow(log)).toEqual([
      'a:reqHeaders',
      'b:reqHeaders',
      'c:reqHeaders',
      'a:reqData(5)',
      'b:reqData(5)',
      'c:reqData(5)',
      'a:reqData(0,end)',
      'b:reqData(0,end)',
      'c:reqData(0,end)',
      'c:respHeaders(200)',
      'b:respHeaders(200)',
      'a:respHeaders(200)',
      'c:respData(5,end)',
      'b:respData(5,end)',
      'a:respData(5,end)',
    ]);
  });

  it("holds data behind a 'stop' on request headers until the filter resumes from a timer", async () => {
    const log: string[] = [];
    const stopper = recorder('stopper', log, (ctx) => ({
      onRequestHeaders: () => {
        setTimeout(() => {
          log.push('--resume--');
          ctx.resume();
        }, 100);
        return 'stop';
      },
    }));
    const proxy = await startProxy({ filters: [recorder('a', log), stopper, recorder('c', log), echo()] }, closer);
    const body = Buffer.alloc(3000, 'x');
    const response = await client(closer)(`${proxy.origin}/`, { method: 'POST', body });
    expect(response.body.equals(body)).toBe(true);
    const entries = flow(log);
    const resumedAt = entries.indexOf('--resume--');
    // Nothing but the headers reached any filter before the resume, even the ones before the stopper.
    expect(entries.slice(0, resumedAt)).toEqual(['a:reqHeaders', 'stopper:reqHeaders']);
    const afterResume = entries.slice(resumedAt + 1).filter((e) => e.includes(':req'));
    expect(afterResume[0]).toBe('c:reqHeaders');
    // Then each body entry passes a, stopper and c in order; the last one ends the stream.
    const dataEntries = afterResume.slice(1);
    expect(dataEntries.length % 3).toBe(0);
    for (let i = 0; i < dataEntries.length; i += 3) {
      expect(dataEntries.slice(i, i + 3).map((e) => e.split(':')[0])).toEqual(['a', 'stopper', 'c']);
    }
    expect(dataEntries.at(-1)).toMatch(/^c:reqData\(\d+,end\)$/);
  });

  it('delivers request trailers after the body once a stopped filter resumes', async () => {
    const log: string[] = [];
    const stopper = recorder('stopper', log, (ctx) => ({
      onRequestHeaders: () => (setTimeout(() => ctx.resume(), 50), 'stop'),
    }));
    const proxy = await startProxy({ filters: [stopper, echo()] }, closer);
    const { status, trailers, body } = await new Promise<{ status: number; trailers: NodeJS.Dict<string>; body: string }>((resolve, reject) => {
      const req = httpRequest(`${proxy.origin}/`, { method: 'POST', headers: { 'transfer-encoding': 'chunked', trailer: 'x-checksum' } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, trailers: res.trailers, body: text }));
      });
      req.on('error', reject);
      req.write('part-1;');
      req.write('part-2');
      req.addTrailers({ 'x-checksum': 'abc' });
      req.end();
    });
    expect(status).toBe(200);
    expect(body).toBe('part-1;part-2');
    expect(trailers['x-checksum']).toBe('abc');
    expect(log.filter((e) => e.startsWith('stopper:req')).at(-1)).toBe('stopper:reqTrailers');
  });

  it("holds response data behind a filter that stopped on response headers, then passes it on", async () => {
    const log: string[] = [];
    const holder = recorder('holder', log, (ctx) => ({
      onResponseHeaders: (headers) => {
        headers['x-held'] = 'yes';
        setTimeout(() => {
          log.push('--resume--');
          ctx.resume();
        }, 100);
        return 'stop';
      },
    }));
    const proxy = await startProxy({ filters: [holder, recorder('inner', log), echo({ chunks: 4 })] }, closer);
    const body = Buffer.alloc(4000, 'y');
    const response = await client(closer)(`${proxy.origin}/`, { method: 'POST', body });
    expect(response.headers['x-held']).toBe('yes');
    expect(response.body.equals(body)).toBe(true);
    const entries = flow(log).filter((e) => e.includes(':resp') || e === '--resume--');
    const resumedAt = entries.indexOf('--resume--');
    // While the holder held the response, no data moved at all (the direction is held whole).
    expect(entries.slice(0, resumedAt)).toEqual(['inner:respHeaders(200)', 'holder:respHeaders(200)']);
    const holderData = entries.slice(resumedAt + 1).filter((e) => e.startsWith('holder:'));
    expect(holderData).toEqual(['holder:respData(1000)', 'holder:respData(1000)', 'holder:respData(1000)', 'holder:respData(1000,end)']);
  });

  it('resumes a producer that waits for drain after a response filter held its data (no drain event would come)', async () => {
    // The echo filter sees encodeData return false while the holder holds the response and
    // waits for onDownstreamDrain; the socket itself never filled, so no 'drain' will fire.
    const holder = recorder('holder', [], (ctx) => ({
      onResponseHeaders: () => (setTimeout(() => ctx.resume(), 50), 'stop'),
    }));
    const proxy = await startProxy({ filters: [holder, echo({ chunks: 3 })] }, closer);
    const body = Buffer.alloc(300, 'z');
    const response = await client(closer)(`${proxy.origin}/`, { method: 'POST', body, headersTimeout: 3000, bodyTimeout: 3000 });
    expect(response.body.equals(body)).toBe(true);
  });
});

describe('local replies', () => {
  it('sends a reply from filter i through filters i-1..0 only, with content-length and content-type', async () => {
    const log: string[] = [];
    const responder = recorder('responder', log, (ctx) => ({
      onRequestHeaders: () => (ctx.respond(403, 'denied\n', { details: 'test_denied' }), 'stop'),
    }));
    const proxy = await startProxy({ filters: [recorder('a', log), recorder('b', log), responder, recorder('after', log), echo()] }, closer);
    const response = await client(closer)(`${proxy.origin}/`);
    expect(response.status).toBe(403);
    expect(response.text).toBe('denied\n');
    expect(response.headers['content-length']).toBe('7');
    expect(response.headers['content-type']).toBe('text/plain');
    await waitFor(() => log.includes('after:destroy'));
    expect(flow(log)).toEqual([
      'a:reqHeaders:end',
      'b:reqHeaders:end',
      'responder:reqHeaders:end',
      'b:respHeaders(403)',
      'a:respHeaders(403)',
      'b:respData(7,end)',
      'a:respData(7,end)',
    ]);
    expect(proxy.streams[0]?.responseCodeDetails).toBe('test_denied');
    expect(proxy.streams[0]?.responseCode).toBe(403);
  });

  it('can answer asynchronously after stopping, and drops the request body still queued', async () => {
    const log: string[] = [];
    const responder = recorder('responder', log, (ctx) => ({
      onRequestHeaders: () => {
        setTimeout(() => ctx.respond(429, 'slow down', { flag: ResponseFlag.RateLimited, headers: { 'retry-after': '1' } }), 50);
        return 'stop';
      },
    }));
    const proxy = await startProxy({ filters: [recorder('a', log), responder, recorder('after', log), echo()] }, closer);
    const response = await client(closer)(`${proxy.origin}/`, { method: 'POST', body: 'payload' });
    expect(response.status).toBe(429);
    expect(response.headers['retry-after']).toBe('1');
    expect(response.text).toBe('slow down');
    expect(proxy.streams[0]?.responseFlagsString()).toBe('RL');
    expect(log.some((e) => e.startsWith('after:req'))).toBe(false);
    expect(log.some((e) => e.startsWith('a:reqData'))).toBe(false);
  });

  it('keeps an empty local reply empty (content-length 0, no content-type)', async () => {
    const responder = recorder('responder', [], (ctx) => ({ onRequestHeaders: () => (ctx.respond(204), 'stop') }));
    const proxy = await startProxy({ filters: [responder, echo()] }, closer);
    const response = await client(closer)(`${proxy.origin}/`);
    expect(response.status).toBe(204);
    expect(response.body.length).toBe(0);
    expect(response.headers['content-type']).toBeUndefined();
  });

  it('resets the stream when a filter answers after response headers went downstream', async () => {
    const log: string[] = [];
    let context: HttpFilterContext | undefined;
    const producer = {
      name: 'producer',
      create: (ctx: HttpFilterContext) => ({
        onRequestHeaders: () => {
          context = ctx;
          ctx.encodeHeaders({ ':status': '200' }, false);
          ctx.encodeData(Buffer.from('partial'), false);
          setTimeout(() => ctx.respond(500, 'too late'), 100);
          return 'stop' as const;
        },
      }),
    };
    const proxy = await startProxy({ filters: [recorder('a', log), producer] }, closer);
    const response = client(closer)(`${proxy.origin}/`);
    await expect(response).rejects.toThrow();
    await waitFor(() => log.includes('a:destroy'));
    expect(context?.responseStarted).toBe(true);
    expect(log).not.toContain('a:respHeaders(500)');
    expect(proxy.streams[0]?.responseCode).toBe(200);
    // The proxy reset the stream itself: that is not the downstream going away.
    expect(proxy.streams[0]?.hasResponseFlag(ResponseFlag.DownstreamConnectionTermination)).toBe(false);
    expect(proxy.hcm.stats.downstream_rq_rx_reset).toBe(0);
    expect(proxy.hcm.stats.downstream_rq_tx_reset).toBe(1);
  });

  it('answers directly, bypassing the filters, when a filter holding response headers replies', async () => {
    const log: string[] = [];
    const inspector = recorder('inspector', log, (ctx) => ({
      onResponseHeaders: () => {
        setTimeout(() => ctx.respond(502, 'bad upstream answer', { details: 'test_rejected_response' }), 50);
        return 'stop';
      },
    }));
    const proxy = await startProxy({ filters: [recorder('outer', log), inspector, echo()] }, closer);
    const response = await client(closer)(`${proxy.origin}/`, { method: 'POST', body: 'abc' });
    expect(response.status).toBe(502);
    expect(response.text).toBe('bad upstream answer');
    expect(response.headers['x-seen-headers']).toBeUndefined();
    await waitFor(() => log.includes('outer:destroy'));
    expect(log.filter((e) => e.startsWith('outer:resp'))).toEqual([]);
    expect(proxy.streams[0]?.responseCode).toBe(502);
  });
});

describe('stream teardown', () => {
  it('calls onDestroy exactly once for every filter when the stream completes', async () => {
    const log: string[] = [];
    const proxy = await startProxy({ filters: [recorder('a', log), recorder('b', log), echo()] }, closer);
    const send = client(closer);
    await send(`${proxy.origin}/`, { method: 'POST', body: 'one' });
    await send(`${proxy.origin}/`);
    await waitFor(() => log.filter((e) => e.endsWith(':destroy')).length >= 4);
    await delay(50);
    expect(log.filter((e) => e === 'a:destroy')).toHaveLength(2);
    expect(log.filter((e) => e === 'b:destroy')).toHaveLength(2);
    expect(proxy.streams.map((s) => s.hasResponseFlag(ResponseFlag.DownstreamConnectionTermination))).toEqual([false, false]);
  });

  it('calls onDestroy once for every filter and sets DC when the downstream resets', async () => {
    const log: string[] = [];
    const never = recorder('never', log, () => ({ onRequestHeaders: () => 'stop' }));
    const proxy = await startProxy({ filters: [recorder('a', log), never, recorder('c', log)] }, closer);
    const req = httpRequest(`${proxy.origin}/`);
    req.on('error', () => {});
    req.end();
    await waitFor(() => log.includes('never:reqHeaders:end'));
    req.destroy();
    await waitFor(() => log.includes('c:destroy'));
    await delay(50);
    expect(log.filter((e) => e.endsWith(':destroy'))).toEqual(['a:destroy', 'never:destroy', 'c:destroy']);
    expect(proxy.streams[0]?.hasResponseFlag(ResponseFlag.DownstreamConnectionTermination)).toBe(true);
    expect(proxy.streams[0]?.endTime).toBeTypeOf('number');
    expect(proxy.hcm.stats.downstream_rq_rx_reset).toBe(1);
    expect(proxy.hcm.stats.downstream_rq_active).toBe(0);
  });
});
