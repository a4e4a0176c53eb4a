import type { RouteRequest } from './route-request.js';

const QUESTION_MARK = 63;
const HASH = 35;

/**
 * What matchers read from one request, worked out once per match rather than once per route.
 * A table reuses a single view across requests (matching is synchronous), so nothing here is
 * allocated per request except the query-free path, and only when a regex route asks for it.
 */
export class RequestView {
  request: RouteRequest = EMPTY_REQUEST;
  /** Where the path ends before `?` or `#`: prefix and path matching ignore the query. */
  pathEnd = 0;
  private pathWithoutQueryCache: string | undefined = undefined;

  /** HOT PATH: per request; no allocation. */
  reset(request: RouteRequest): void {
    this.request = request;
    this.pathEnd = queryStart(request.path);
    this.pathWithoutQueryCache = undefined;
  }

  /** Drops the request so the view does not keep it alive between matches. */
  release(): void {
    this.request = EMPTY_REQUEST;
    this.pathWithoutQueryCache = undefined;
  }

  /** The path without query or fragment; a copy only when there is a query to cut. */
  pathWithoutQuery(): string {
    const path = this.request.path;
    if (this.pathEnd === path.length) return path;
    this.pathWithoutQueryCache ??= path.slice(0, this.pathEnd);
    return this.pathWithoutQueryCache;
  }
}

const EMPTY_REQUEST: RouteRequest = Object.freeze({ authority: '', path: '', method: '', headers: Object.freeze({}) });

/** HOT PATH: the index of the first `?` or `#`, or the length; one scan, no allocation. */
export function queryStart(path: string): number {
  for (let i = 0; i < path.length; i++) {
    const code = path.charCodeAt(i);
    if (code === QUESTION_MARK || code === HASH) return i;
  }
  return path.length;
}
