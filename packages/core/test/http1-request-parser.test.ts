import { describe, expect, it } from 'vitest';
import { BodyFraming, Http1ParseError, Http1RequestParser } from '../src/http1/index.js';
import type { HeaderFields, RequestHead } from '../src/http1/index.js';

const LIMITS = { maxHeadBytes: 8192, maxHeaderFields: 100 };

interface Message {
  head: RequestHead;
  body: string;
  trailers: HeaderFields | null;
}

/** Feeds `input` split at the given sizes and collects every complete message. */
function parse(input: string, split = Number.POSITIVE_INFINITY, settings: { allowChunkedLength?: boolean } = {}): Message[] {
  const messages: Message[] = [];
  let current: Message | undefined;
  const parser = new Http1RequestParser(
    {
      onHead: (head) => (current = { head, body: '', trailers: null }),
      onBody: (chunk) => {
        if (current !== undefined) current.body += chunk.toString('latin1');
      },
      onMessageEnd: (trailers) => {
        if (current === undefined) return;
        current.trailers = trailers;
        messages.push(current);
      },
    },
    { ...LIMITS, ...settings },
  );
  const bytes = Buffer.from(input, 'latin1');
  for (let at = 0; at < bytes.length; at += split) {
    const piece = bytes.subarray(at, Math.min(bytes.length, at + split));
    expect(parser.execute(piece)).toBe(piece.length);
  }
  return messages;
}

function parseError(input: string): Http1ParseError {
  try {
    parse(input);
  } catch (error) {
    if (error instanceof Http1ParseError) return error;
    throw error;
  }
  throw new Error(`parsed without error: ${JSON.stringify(input)}`);
}

const PIPELINE = [
  'GET /a?x=1 HTTP/1.1\r\nHost: shop.test\r\nX-Two: 1\r\nx-two: 2\r\n\r\n',
  'POST /b HTTP/1.1\r\nHost: shop.test\r\nContent-Length: 5\r\n\r\nhello',
  'PUT /c HTTP/1.1\r\nHost: shop.test\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n10 \t;ext\r\n0123456789abcdef\r\n0\r\nGrpc-Status: 0\r\n\r\n',
  'GET /d HTTP/1.0\r\n\r\n',
].join('');

describe('Http1RequestParser', () => {
  it('reads pipelined requests with every kind of body, however the bytes are split', () => {
    for (const split of [Number.POSITIVE_INFINITY, 1, 2, 3, 7, 64]) {
      const messages = parse(PIPELINE, split);
      expect(messages.map((m) => [m.head.method, m.head.target, m.head.minorVersion, m.body])).toEqual([
        ['GET', '/a?x=1', 1, ''],
        ['POST', '/b', 1, 'hello'],
        ['PUT', '/c', 1, 'abc0123456789abcdef'],
        ['GET', '/d', 0, ''],
      ]);
      expect(messages[0]?.head.headers).toEqual({ host: 'shop.test', 'x-two': ['1', '2'] });
      expect(messages[1]?.head.bodyLength).toBe(5);
      expect(messages[2]?.head.bodyLength).toBe(BodyFraming.Chunked);
      expect(messages[2]?.trailers).toEqual({ 'grpc-status': '0' });
      expect(messages.map((m) => m.head.keepAlive)).toEqual([true, true, true, false]);
    }
  });

  it('reads names every plain object inherits (constructor, __proto__) as fields like any other, trailers included', () => {
    const [message] = parse(
      'POST / HTTP/1.1\r\nHost: a\r\nConstructor: x\r\n__proto__: one\r\n__proto__: two\r\nTransfer-Encoding: chunked\r\n\r\n' +
        '0\r\nconstructor: y\r\n__proto__: z\r\n\r\n',
    );
    const headers = message?.head.headers ?? {};
    expect(Object.keys(headers)).toEqual(['host', 'constructor', '__proto__', 'transfer-encoding']);
    expect(headers['constructor']).toBe('x');
    expect(headers['__proto__']).toEqual(['one', 'two']);
    expect(Object.getPrototypeOf(Object.getPrototypeOf(headers))).toBeNull();
    expect(headers['tostring']).toBeUndefined();
    const trailers = message?.trailers ?? {};
    expect([trailers['constructor'], trailers['__proto__']]).toEqual(['y', 'z']);
  });

  it('skips empty lines before a request and trims optional whitespace around values', () => {
    const [message] = parse('\r\n\r\nGET / HTTP/1.1\r\nHost:   shop.test \t\r\nX-Empty:\r\n\r\n');
    expect(message?.head.headers).toEqual({ host: 'shop.test', 'x-empty': '' });
  });

  it('marks upgrades and CONNECT and stops reading HTTP after their head', () => {
    const parser = new Http1RequestParser({ onHead: () => undefined, onBody: () => undefined, onMessageEnd: () => undefined }, LIMITS);
    const input = Buffer.from('GET /ws HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n\r\nRAW BYTES');
    expect(parser.execute(input)).toBe(input.length - 'RAW BYTES'.length);
    expect(parser.switched).toBe(true);
  });

  it('stops inside a chunked body when the handler pauses, and reads on from there', () => {
    const bodies: string[] = [];
    const parser = new Http1RequestParser(
      {
        onHead: () => undefined,
        onBody: (chunk) => {
          bodies.push(chunk.toString());
          parser.pause();
        },
        onMessageEnd: () => bodies.push('end'),
      },
      LIMITS,
    );
    const input = Buffer.from('POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n2\r\ncd\r\n0\r\n\r\n');
    let offset = parser.execute(input);
    expect(bodies).toEqual(['ab']);
    while (offset < input.length) {
      parser.resume();
      offset += parser.execute(input.subarray(offset));
    }
    expect(bodies).toEqual(['ab', 'cd', 'end']);
  });

  it('reads an h2c upgrade offer as an ordinary request (a proxy does not switch to h2c)', () => {
    const [message] = parse('GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAA\r\n\r\n');
    expect(message?.head.upgrade).toBe(false);
  });

  it('stops after a message when paused, and goes on when resumed', () => {
    let ends = 0;
    const parser = new Http1RequestParser(
      {
        onHead: () => undefined,
        onBody: () => undefined,
        onMessageEnd: () => {
          ends++;
          parser.pause();
        },
      },
      LIMITS,
    );
    const input = Buffer.from('GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n');
    const first = parser.execute(input);
    expect([ends, first]).toEqual([1, input.length / 2]);
    parser.resume();
    expect(parser.execute(input.subarray(first))).toBe(input.length / 2);
    expect(ends).toBe(2);
  });

  it('reads Content-Length with Transfer-Encoding: chunked as chunked, without the length, under allow_chunked_length', () => {
    const [message] = parse('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n', undefined, { allowChunkedLength: true });
    expect(message?.body).toBe('hello');
    expect(message?.head.headers['content-length']).toBeUndefined();
    expect(() => parse('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: gzip\r\n\r\n', undefined, { allowChunkedLength: true })).toThrow(Http1ParseError);
  });

  it.each([
    ['Content-Length with Transfer-Encoding', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n', 400],
    ['repeated Content-Length', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc', 400],
    ['a Content-Length with a sign', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +3\r\n\r\nabc', 400],
    ['a transfer coding other than chunked', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n', 400],
    ['Transfer-Encoding in HTTP/1.0', 'POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 400],
    ['a chunk size with a sign', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n+3\r\nabc\r\n0\r\n\r\n', 400],
    ['a chunk size too large', `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n${'f'.repeat(14)}\r\n`, 400],
    ['a chunk without its CRLF', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcd\r\n', 400],
    ['whitespace after a chunk size with no extension', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3 \r\nabc\r\n', 400],
    ['a chunk size followed by whitespace and more digits', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1 0\r\nabc\r\n', 400],
    ['a chunk size line ending in a bare LF', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\nabc\r\n', 400],
    ['a Content-Length in the trailers', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nContent-Length: 5\r\n\r\n', 400],
    ['Transfer-Encoding in the trailers', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nx-ok: 1\r\ntransfer-encoding: chunked\r\n\r\n', 400],
    ['a bad trailer', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nBad Name: x\r\n\r\n', 400],
    ['two Host headers', 'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n', 400],
    ['a lower-case protocol name', 'GET / http/1.1\r\nHost: a\r\n\r\n', 400],
    ['HTTP/2.0 in a request line', 'GET / HTTP/2.0\r\nHost: a\r\n\r\n', 400],
    ['a request line with two spaces', 'GET  / HTTP/1.1\r\nHost: a\r\n\r\n', 400],
    ['a DEL in a value', 'GET / HTTP/1.1\r\nHost: a\r\nX: a\u007fb\r\n\r\n', 400],
    ['a header line without a colon', 'GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n', 400],
    ['non-ASCII in the target', 'GET /\u00e9 HTTP/1.1\r\nHost: a\r\n\r\n', 400],
    ['too many header fields', `GET / HTTP/1.1\r\nHost: a\r\n${'X: 1\r\n'.repeat(100)}\r\n`, 431],
    ['a head over the limit', `GET / HTTP/1.1\r\nHost: a\r\nX: ${'a'.repeat(9000)}\r\n\r\n`, 431],
    ['a head over the limit that never ends', `GET / HTTP/1.1\r\nHost: a\r\nX: ${'a'.repeat(9000)}`, 431],
    ['binary before a method', '\u0016\u0003\u0001\u0002\u0000', 400],
    ['bare LF before the head ends', 'GET / HTTP/1.1\nHost: a\n', 400],
    ['bare CR before the head ends', 'GET / HTTP/1.1\rHost: a\r', 400],
  ])('refuses %s with %i', (_name, input, status) => {
    expect(parseError(input).status).toBe(status);
  });

  it('waits for the LF of a CR that ends a read', () => {
    const [message] = parse('GET / HTTP/1.1\r\nHost: a\r\n\r\n', 15);
    expect(message?.head.target).toBe('/');
  });

  it('reports a message cut short by the connection closing', () => {
    const parser = new Http1RequestParser({ onHead: () => undefined, onBody: () => undefined, onMessageEnd: () => undefined }, LIMITS);
    parser.execute(Buffer.from('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc'));
    expect(() => parser.finish()).toThrow(Http1ParseError);
  });
});
