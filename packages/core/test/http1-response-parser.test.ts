import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { Http1ParseError, Http1ResponseParser } from '../src/http1/index.js';
import type { ResponseHead } from '../src/http1/index.js';

/** The heads and body the parser reads from `input` (then the close), or the error it throws. */
function read(input: string, method = 'GET', settings: { allowChunkedLength?: boolean } = {}): { heads: ResponseHead[]; body: string } | Http1ParseError {
  const heads: ResponseHead[] = [];
  let body = '';
  const parser = new Http1ResponseParser(
    { onHead: (head) => heads.push(head), onBody: (chunk) => (body += chunk.toString('latin1')), onMessageEnd: () => undefined },
    { maxHeadBytes: 8192, maxHeaderFields: 100, ...settings },
  );
  parser.expectResponseTo(method);
  try {
    parser.execute(Buffer.from(input, 'latin1'));
    parser.finish();
  } catch (error) {
    if (error instanceof Http1ParseError) return error;
    throw error;
  }
  return { heads, body };
}

describe('Http1ResponseParser', () => {
  it('checks a Content-Length where it frames nothing, since it is passed on', () => {
    expect(read('HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n', 'HEAD')).toBeInstanceOf(Http1ParseError);
    expect(read('HTTP/1.1 204 No Content\r\nContent-Length:\r\n\r\n')).toBeInstanceOf(Http1ParseError);
    const repeated = read('HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n');
    expect(repeated).not.toBeInstanceOf(Http1ParseError);
    expect((repeated as { heads: ResponseHead[] }).heads[0]?.headers['content-length']).toBe('5');
  });

  it('refuses Transfer-Encoding in an HTTP/1.0 response rather than pass the chunk coding on as the body', () => {
    const error = read('HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n');
    expect(error).toBeInstanceOf(Http1ParseError);
  });

  it('refuses a response with both framings, as Envoy does, unless allow_chunked_length reads it as chunked without the length', () => {
    const both = 'HTTP/1.1 200 OK\r\nContent-Length: 9\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n';
    expect(read(both)).toBeInstanceOf(Http1ParseError);
    const allowed = read(both, 'GET', { allowChunkedLength: true });
    expect(allowed).not.toBeInstanceOf(Http1ParseError);
    const { heads, body } = allowed as { heads: ResponseHead[]; body: string };
    expect(body).toBe('abc');
    expect(heads[0]?.headers['content-length']).toBeUndefined();
    expect(heads[0]?.keepAlive).toBe(true);
    // Allowed only with chunked as the one coding.
    expect(read('HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n', 'GET', { allowChunkedLength: true })).toBeInstanceOf(Http1ParseError);
  });

  it('refuses a transfer coding other than chunked alone, which would reach the client without its coding', () => {
    for (const coding of ['gzip', 'gzip, chunked', 'chunked, chunked', 'identity']) {
      expect(read(`HTTP/1.1 200 OK\r\nTransfer-Encoding: ${coding}\r\n\r\n0\r\n\r\nabc`), coding).toBeInstanceOf(Http1ParseError);
    }
    expect(read('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n')).toBeInstanceOf(Http1ParseError);
    expect(read('HTTP/1.1 200 OK\r\nTransfer-Encoding: CHUNKED\r\n\r\n3\r\nabc\r\n0\r\n\r\n')).toMatchObject({ body: 'abc' });
  });

  it('refuses framing fields in 1xx and 204 heads, as Envoy does, and drops a Content-Length of 0', () => {
    expect(read('HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\n\r\n')).toBeInstanceOf(Http1ParseError);
    expect(read('HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n')).toBeInstanceOf(Http1ParseError);
    expect(read('HTTP/1.1 100 Continue\r\nContent-Length: 5\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n')).toBeInstanceOf(Http1ParseError);
    expect(read('HTTP/1.1 101 Switching Protocols\r\nTransfer-Encoding: chunked\r\n\r\n')).toBeInstanceOf(Http1ParseError);
    const zero = read('HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n') as { heads: ResponseHead[] };
    expect(zero.heads[0]?.status).toBe(204);
    expect(zero.heads[0]?.headers['content-length']).toBeUndefined();
    // A 304's Content-Length describes the resource, not this message: it stays.
    expect((read('HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n') as { heads: ResponseHead[] }).heads[0]?.headers['content-length']).toBe('5');
  });

  it('reads names every plain object inherits (constructor, __proto__) as fields like any other', () => {
    const result = read('HTTP/1.1 200 OK\r\nconstructor: x\r\n__proto__: one\r\n__proto__: two\r\nContent-Length: 0\r\n\r\n');
    const headers = (result as { heads: ResponseHead[] }).heads[0]?.headers ?? {};
    expect(Object.keys(headers)).toEqual(['constructor', '__proto__', 'content-length']);
    expect([headers['constructor'], headers['__proto__']]).toEqual(['x', ['one', 'two']]);
  });
});
