import { once } from 'node:events';
import net from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { adoptAcceptedSocket } from './socket-reads.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** A server that accepts paused, and a client connected to it; all closed after the test. */
async function acceptedConnection(): Promise<{ server: net.Server; accepted: Socket; client: Socket }> {
  const server = net.createServer({ pauseOnConnect: true });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const client = net.connect((server.address() as AddressInfo).port, '127.0.0.1');
  const [accepted] = (await once(server, 'connection')) as [Socket];
  cleanups.push(() => {
    client.destroy();
    accepted.destroy();
    server.close();
  });
  return { server, accepted, client };
}

/** The same, with the accepted connection adopted. */
async function adoptedConnection(): Promise<{ server: net.Server; adopted: Socket; client: Socket }> {
  const { server, accepted, client } = await acceptedConnection();
  const adopted = adoptAcceptedSocket(accepted, { noDelay: true });
  cleanups.push(() => adopted.destroy());
  return { server, adopted, client };
}

function received(socket: Socket, bytes: number): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    const onData = (chunk: Buffer): void => {
      text += chunk.toString('latin1');
      if (text.length < bytes) return;
      socket.off('data', onData);
      resolve(text);
    };
    socket.on('data', onData);
  });
}

describe('adoptAcceptedSocket', () => {
  it('takes the handle into a new socket that reads nothing until resumed, then emits every byte as data', async () => {
    const { adopted, client } = await adoptedConnection();
    client.write('early bytes');
    const early: Buffer[] = [];
    adopted.on('data', (chunk: Buffer) => early.push(chunk));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(early).toEqual([]);
    const text = received(adopted, 'early bytes'.length);
    adopted.resume();
    expect(await text).toBe('early bytes');
  });

  it('gives each read its own copy, so a chunk held on to survives the next read', async () => {
    const { adopted, client } = await adoptedConnection();
    const chunks: Buffer[] = [];
    adopted.on('data', (chunk: Buffer) => chunks.push(chunk));
    adopted.resume();
    client.write('first');
    await new Promise((resolve) => setTimeout(resolve, 30));
    client.write('second');
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(chunks.map((c) => c.toString())).toEqual(['first', 'second']);
  });

  it('delivers nothing while paused, and writes, ends and closes like any socket', async () => {
    const { adopted, client } = await adoptedConnection();
    adopted.pause();
    client.write('held');
    const seen: Buffer[] = [];
    adopted.on('data', (chunk: Buffer) => seen.push(chunk));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(seen).toEqual([]);
    adopted.resume();
    await once(adopted, 'data');
    const reply = received(client, 'pong'.length);
    adopted.write('pong');
    expect(await reply).toBe('pong');
    const ended = once(adopted, 'end');
    client.end();
    await ended;
    const closed = once(client, 'close');
    adopted.end();
    await closed;
  });

  it('reads on while paused, so a client that resets or closes meanwhile is noticed', async () => {
    const { adopted, client } = await adoptedConnection();
    adopted.resume();
    await new Promise((resolve) => setImmediate(resolve));
    adopted.pause();
    client.write('unread');
    await new Promise((resolve) => setTimeout(resolve, 20));
    const errors: Error[] = [];
    adopted.on('error', (error) => errors.push(error));
    const closed = new Promise((resolve) => adopted.once('close', resolve));
    client.resetAndDestroy();
    await closed;
    expect(errors.map((e) => (e as NodeJS.ErrnoException).code)).toEqual(['ECONNRESET']);
  });

  it('holds what arrives while paused, up to its buffer, and delivers it in order on resume', async () => {
    const { adopted, client } = await adoptedConnection();
    const seen: Buffer[] = [];
    adopted.on('data', (chunk: Buffer) => seen.push(chunk));
    adopted.resume();
    await new Promise((resolve) => setImmediate(resolve));
    adopted.pause();
    const sent = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < sent.length; i++) sent[i] = i % 251;
    client.end(sent);
    await new Promise((resolve) => setTimeout(resolve, 100));
    // Reads stopped once its buffer was full (the rest waits in the kernel).
    expect(adopted.readableLength).toBeGreaterThan(0);
    expect(adopted.readableLength).toBeLessThan(sent.length);
    expect(seen).toEqual([]);
    const ended = once(adopted, 'end');
    adopted.resume();
    await ended;
    expect(Buffer.concat(seen).equals(sent)).toBe(true);
  });

  it('keeps the connection counted by its server until the adopted socket closes', async () => {
    const { server, adopted } = await adoptedConnection();
    adopted.resume();
    let serverClosed = false;
    server.close(() => {
      serverClosed = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(serverClosed).toBe(false);
    adopted.destroy();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(serverClosed).toBe(true);
  });

  it('returns the accepted socket itself when its handle cannot be taken', async () => {
    const { accepted } = await acceptedConnection();
    accepted.destroy();
    expect(adoptAcceptedSocket(accepted, { noDelay: false })).toBe(accepted);
  });
});
