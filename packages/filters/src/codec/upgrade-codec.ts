import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { DownstreamCodec } from '../filter-manager.js';
import type { HeaderMap } from '../http-filter.js';
import { appendResponseVia } from '../request-headers.js';
import type { StreamActivity } from './http1-codec.js';

/** An HTTP/1.1 response head written by hand: node's ServerResponse has no place in an upgrade. */
function responseHead(status: number, headers: HeaderMap): string {
  let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Unknown'}\r\n`;
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || name.charCodeAt(0) === 58 /* ':' */) continue;
    if (typeof value === 'string') head += `${name}: ${value}\r\n`;
    else for (const item of value) head += `${name}: ${item}\r\n`;
  }
  return `${head}\r\n`;
}

/**
 * The downstream of an HTTP/1.1 Upgrade request (WebSocket), on the raw socket node hands over.
 * A `101` from upstream switches the socket to raw bytes both ways; any other response is a
 * plain HTTP/1.1 response after which the connection closes (it can no longer be parsed as HTTP).
 */
export class UpgradeCodec implements DownstreamCodec {
  /** The last byte of the response was written. */
  ended = false;
  private switched = false;

  constructor(
    private readonly socket: Socket,
    private readonly serverName: string,
    private readonly via: string,
    private readonly activity: StreamActivity,
  ) {}

  get upgraded(): boolean {
    return this.switched;
  }

  writeHeaders(headers: HeaderMap, endOfStream: boolean): void {
    if (this.socket.destroyed) return;
    const status = Number(headers[':status']);
    const out: HeaderMap = { ...headers, server: this.serverName };
    appendResponseVia(out, this.via);
    this.switched = status === 101;
    if (!this.switched) out['connection'] = 'close';
    this.activity.touch();
    this.socket.write(responseHead(status, out));
    if (endOfStream) this.end();
  }

  writeData(data: Buffer, endOfStream: boolean): boolean {
    if (this.socket.destroyed) return true;
    this.activity.touch();
    const more = data.length === 0 || this.socket.write(data);
    if (endOfStream) this.end();
    return more;
  }

  writeTrailers(): void {
    this.end();
  }

  onDrain(listener: () => void): void {
    this.socket.once('drain', listener);
  }

  setReadPaused(paused: boolean): void {
    if (paused) this.socket.pause();
    else this.socket.resume();
  }

  reset(): void {
    this.socket.destroy();
  }

  private end(): void {
    this.ended = true;
    this.socket.end();
  }
}
