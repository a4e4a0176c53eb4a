import { Buffer } from 'node:buffer';
import http from 'node:http';
import net from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Http1ParseError, Http1RequestParser } from '../src/http1/index.js';
import type { HeaderFields } from '../src/http1/index.js';
import { requestStream } from './http1-arbitraries.js';
import { fieldsOf, hasTabInFramingField, hasWhitespaceBeforeChunkExtension } from './llhttp-differences.js';

// Differential test: the strict request parser against node's llhttp, through a real node:http
// server on loopback. A proxy may refuse more than the server behind it, never read a message
// differently: every request the parser accepts must be one llhttp accepts, with the same method,
// target, fields and body.

const RUNS = 1_500;

interface Message {
  method: string;
  target: string;
  headers: HeaderFields;
  body: string;
  complete: boolean;
  keepAlive: boolean;
}

function parseWithMeshkit(bytes: Buffer): Message[] {
  const messages: Message[] = [];
  let current: Message | undefined;
  const parser = new Http1RequestParser(
    {
      onHead: (head) => {
        current = { method: head.method, target: head.target, headers: head.headers, body: '', complete: false, keepAlive: head.keepAlive };
      },
      onBody: (chunk) => {
        if (current !== undefined) current.body += chunk.toString('latin1');
      },
      onMessageEnd: () => {
        if (current === undefined) return;
        current.complete = true;
        messages.push(current);
      },
    },
    { maxHeadBytes: 16_384, maxHeaderFields: 100 },
  );
  try {
    parser.execute(bytes);
  } catch (error) {
    if (!(error instanceof Http1ParseError)) throw error;
  }
  return messages;
}

interface NodeReading {
  requests: { message: Message; request: http.IncomingMessage }[];
  error: string | null;
}

let server: http.Server;
let reading: NodeReading = { requests: [], error: null };

function record(request: http.IncomingMessage, response: { end(): void }): void {
  const message: Message = { method: request.method ?? '', target: request.url ?? '', headers: fieldsOf(request.rawHeaders), body: '', complete: false, keepAlive: true };
  reading.requests.push({ message, request });
  // llhttp hands body bytes over as it parses them, so they are all here even if a later request fails.
  request.on('data', (chunk: Buffer) => (message.body += chunk.toString('latin1')));
  request.on('end', () => response.end());
}

/** What llhttp made of `bytes`, sent on a fresh connection that is half-closed after them. */
async function parseWithNode(bytes: Buffer): Promise<{ messages: Message[]; error: string | null }> {
  reading = { requests: [], error: null };
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.end(bytes));
    socket.resume();
    socket.on('error', () => undefined);
    socket.on('close', () => resolve());
  });
  // `complete` is set by llhttp's message-complete callback, before any event reaches JavaScript.
  const messages = reading.requests.map(({ message, request }) => ({ ...message, complete: request.complete }));
  return { messages, error: reading.error };
}

/**
 * Where the two may differ by design, for a request the parser accepted and llhttp refused or read
 * no further than its head: a method llhttp does not know (the parser takes any token, and the
 * proxy's codec then refuses all but Envoy's list unless `allow_custom_methods` is set); whitespace
 * in the framing where RFC 9112 allows it and llhttp does not; and `connection: close` in a
 * request's trailers, which llhttp takes as closing the connection, where the parser leaves
 * connection-specific trailers to be dropped, as in a header section, and reads on.
 */
function isAllowedDifference(message: Message, nodeError: string | null, input: string): boolean {
  if (!http.METHODS.includes(message.method)) return true;
  if (nodeError === null) return false;
  if (nodeError.startsWith('HPE_CLOSED_CONNECTION')) return /\r\n0+[^\r\n]*\r\n([^\r\n]+\r\n)*connection:[^\r\n]*close/i.test(input);
  if (/^HPE_INVALID_(CONTENT_LENGTH|TRANSFER_ENCODING)/.test(nodeError)) return hasTabInFramingField(input);
  return nodeError.startsWith('HPE_INVALID_CHUNK_SIZE') && hasWhitespaceBeforeChunkExtension(input);
}

beforeAll(async () => {
  server = http.createServer(record);
  // Any Expect is taken as a plain request, as the parser (which leaves Expect to the codec) does.
  server.on('checkExpectation', record);
  server.on('checkContinue', record);
  server.on('upgrade', (request: http.IncomingMessage, socket: net.Socket) => {
    record(request, { end: () => undefined });
    socket.destroy();
  });
  server.on('clientError', (error: NodeJS.ErrnoException, socket: net.Socket) => {
    reading.error = `${error.code ?? 'error'}: ${error.message}`;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('the request parser against llhttp (fast-check, node:http on loopback)', () => {
  it(`reads no request differently from llhttp in ${RUNS} request streams`, async () => {
    let compared = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(requestStream, async (text) => {
        const bytes = Buffer.from(text, 'latin1');
        const ours = parseWithMeshkit(bytes);
        const node = await parseWithNode(bytes);
        if (ours.length === 0) refused++;
        for (const [index, mine] of ours.entries()) {
          const theirs = node.messages[index];
          if ((theirs === undefined || !theirs.complete) && isAllowedDifference(mine, node.error, text)) return;
          expect(theirs, `llhttp refused request ${index} (${node.error ?? 'no error'}), the parser accepted it`).toBeDefined();
          expect({ method: mine.method, target: mine.target, headers: mine.headers }).toEqual({
            method: theirs?.method,
            target: theirs?.target,
            headers: theirs?.headers,
          });
          expect(theirs?.complete, `llhttp did not find the end of request ${index} (${node.error ?? 'no error'})`).toBe(true);
          expect(mine.body).toBe(theirs?.body);
          compared++;
          // The codec closes after a request that does not keep the connection alive.
          if (!mine.keepAlive) return;
        }
      }),
      { numRuns: RUNS, seed: 20_261_127 },
    );
    // Guards against generators so broken that agreement is vacuous, or so tame that nothing is refused.
    expect(compared).toBeGreaterThan(RUNS / 5);
    expect(refused).toBeGreaterThan(RUNS / 10);
  }, 120_000);
});
