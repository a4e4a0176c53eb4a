import type { RouteMatch } from '@meshkit/router';
import type { FilterManager } from './filter-manager.js';
import type { HeaderMap, HttpFilterContext, LocalReplyOptions } from './http-filter.js';
import type { ResponseFlag } from './response-flags.js';
import type { StreamInfo } from './stream-info.js';

/** The per-filter view of a stream; knows its position so resume/respond start from it. */
export class FilterContext implements HttpFilterContext {
  constructor(
    private readonly manager: FilterManager,
    private readonly index: number,
  ) {}

  get streamInfo(): StreamInfo {
    return this.manager.streamInfo;
  }

  get requestHeaders(): HeaderMap {
    return this.manager.requestHeaders;
  }

  get responseStarted(): boolean {
    return this.manager.responseStarted;
  }

  get bufferLimitBytes(): number {
    return this.manager.bufferLimit;
  }

  route(): RouteMatch | null {
    return this.manager.route();
  }

  clearRouteCache(): void {
    this.manager.clearRouteCache();
  }

  resume(): void {
    this.manager.resume(this.index);
  }

  respond(status: number, body = '', options?: LocalReplyOptions): void {
    this.manager.localReply(this.index, status, body, options);
  }

  encodeHeaders(headers: HeaderMap, endOfStream: boolean): void {
    this.manager.encode(this.index, { kind: 'headers', headers, endOfStream });
  }

  encodeData(data: Buffer, endOfStream: boolean): boolean {
    return this.manager.encodeData(this.index, data, endOfStream);
  }

  encodeTrailers(trailers: HeaderMap): void {
    this.manager.encode(this.index, { kind: 'trailers', trailers });
  }

  onDownstreamDrain(listener: () => void): void {
    this.manager.onDownstreamDrain(listener);
  }

  setDownstreamReadPaused(paused: boolean): void {
    this.manager.setDownstreamReadPaused(paused);
  }

  resetStream(flag?: ResponseFlag): void {
    this.manager.resetStream(flag);
  }
}
