import { createServer } from 'node:http';
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';

/** A listening node:http server on 127.0.0.1 and an idempotent way to stop it. */
export interface RunningServer {
  readonly server: Server;
  readonly port: number;
  readonly origin: string;
  close(): Promise<void>;
}

/** Everything started by a test, closed in `afterEach` whatever the test did. */
export class Closer {
  private readonly closers: (() => Promise<void>)[] = [];

  add(close: () => Promise<void>): void {
    this.closers.push(close);
  }

  async closeAll(): Promise<void> {
    const closers = this.closers.splice(0).reverse();
    for (const close of closers) await close();
  }
}

export async function listen(handler: RequestListener, closer: Closer): Promise<RunningServer> {
  const server = createServer(handler);
  // Tests that hold connections open must not keep a closing server alive.
  server.keepAliveTimeout = 500;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  let closed: Promise<void> | undefined;
  const running: RunningServer = {
    server,
    port,
    origin: `http://127.0.0.1:${port}`,
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
  closer.add(() => running.close());
  return running;
}

/** A request as an upstream app saw it. */
export interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: Buffer;
}

/** Reads a whole request body. */
export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

/**
 * An upstream app that records each request and answers with `respond` (default: 200 and a body
 * naming the app, so a test can tell which upstream answered).
 */
export async function startApp(
  name: string,
  closer: Closer,
  respond?: (req: IncomingMessage, res: ServerResponse, body: Buffer) => void,
): Promise<RunningServer & { readonly seen: SeenRequest[] }> {
  const seen: SeenRequest[] = [];
  const running = await listen((req, res) => {
    readBody(req).then(
      (body) => {
        seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
        if (respond !== undefined) respond(req, res, body);
        else res.writeHead(200, { 'content-type': 'text/plain' }).end(`hello from ${name}`);
      },
      () => res.destroy(),
    );
  }, closer);
  return Object.assign(running, { seen });
}

/** Polls `condition` every 10 ms, for at most `timeoutMs`. */
export async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * A raw client: writes `pieces` (`gapMs` apart), and returns everything the proxy wrote until it
 * closed the connection, or until `waitMs` passed (then `closed` is false).
 */
export function rawExchange(port: number, pieces: string | readonly string[], waitMs = 2_000, gapMs = 0): Promise<{ text: string; closed: boolean }> {
  const queue = typeof pieces === 'string' ? [pieces] : pieces;
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ text, closed: false });
    }, waitMs);
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve({ text, closed: true });
    });
    let at = 0;
    const next = (): void => {
      const piece = queue[at++];
      if (piece === undefined || socket.destroyed) return;
      socket.write(piece);
      setTimeout(next, gapMs);
    };
    next();
  });
}
