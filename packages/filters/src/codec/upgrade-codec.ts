import type { Socket } from 'node:net';
import { copyHeaderFields } from '@meshkit/core';
import { appendHeaderLines, statusLine } from '@meshkit/core/http1';
import type { DownstreamCodec } from '../filter-manager.js';
import type { HeaderMap } from '../http-filter.js';
import { appendResponseVia } from '../request-headers.js';
import type { StreamActivity } from '../stream-timeouts.js';
import { inWireCase } from './codec-reply.js';
import { httpDate } from './http-date.js';
import type { ServerHeader } from './server-header.js';

/**
 * The downstream of an HTTP/1.1 Upgrade request (WebSocket), on the raw socket the codec hands over.
 * A `101` from upstream switches the socket to raw bytes both ways; any other response is a
 * plain HTTP/1.1 response after which the connection closes (it can no longer be parsed as HTTP).
 */
export class UpgradeCodec implements DownstreamCodec {
  /** The last byte of the response was written. */
  ended = false;
  private switched = false;

  constructor(
    private readonly socket: Socket,
    private readonly server: ServerHeader,
    private readonly via: string,
    private readonly activity: StreamActivity,
    /** `header_key_format.proper_case_words`. */
    private readonly properCase: boolean,
  ) {}

  get upgraded(): boolean {
    return this.switched;
  }

  writeHeaders(headers: HeaderMap, endOfStream: boolean): void {
    if (this.socket.destroyed) return;
    const status = Number(headers[':status']);
    const out: HeaderMap = copyHeaderFields(headers);
    const server = this.server.proxyValue(headers['server']);
    if (server !== undefined) out['server'] = server;
    out['date'] ??= httpDate();
    appendResponseVia(out, this.via);
    this.switched = status === 101;
    if (!this.switched) out['connection'] = 'close';
    this.activity.touch();
    const head = `${appendHeaderLines(statusLine(status), out)}\r\n`;
    this.socket.write(inWireCase(head, this.properCase), 'latin1');
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
