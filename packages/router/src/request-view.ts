import { parseQueryParameters } from './query-string.js';
import type { RouteRequest } from './route-request.js';

const QUESTION_MARK = 63;
const HASH = 35;
const NO_PARAMETERS: ReadonlyMap<string, string> = new Map();

/**
 * What matchers read from one request, worked out once per match rather than once per route.
 * A table reuses a single view across requests (matching is synchronous), so nothing here is
 * allocated per request except what a route asks for: the query-free path (regex routes) and
 * the parsed query (query-parameter matchers).
 */
export class RequestView {
  request: RouteRequest = EMPTY_REQUEST;
  /** Where the path ends before `?` or `#`: prefix and path matching ignore the query. */
  pathEnd = 0;
  private pathWithoutQueryCache: string | undefined = undefined;
  private queryCache: ReadonlyMap<string, string> | undefined = undefined;
  private randomCache = -1;

  /** HOT PATH: per request; no allocation. */
  reset(request: RouteRequest): void {
    this.request = request;
    this.pathEnd = queryStart(request.path);
    this.pathWithoutQueryCache = undefined;
    this.queryCache = undefined;
    this.randomCache = -1;
  }

  /** Drops the request so the view does not keep it alive between matches. */
  release(): void {
    this.request = EMPTY_REQUEST;
    this.pathWithoutQueryCache = undefined;
    this.queryCache = undefined;
  }

  /** The path without query or fragment; a copy only when there is a query to cut. */
  pathWithoutQuery(): string {
    const path = this.request.path;
    if (this.pathEnd === path.length) return path;
    this.pathWithoutQueryCache ??= path.slice(0, this.pathEnd);
    return this.pathWithoutQueryCache;
  }

  /** Decoded query parameters (first value per name), parsed once per request on first use. */
  queryParameters(): ReadonlyMap<string, string> {
    if (this.queryCache === undefined) {
      const path = this.request.path;
      if (path.charCodeAt(this.pathEnd) !== QUESTION_MARK) this.queryCache = NO_PARAMETERS;
      else {
        const fragment = path.indexOf('#', this.pathEnd);
        this.queryCache = parseQueryParameters(path.slice(this.pathEnd + 1, fragment === -1 ? path.length : fragment));
      }
    }
    return this.queryCache;
  }

  /** The request's uint32 random value, drawn once per request when the caller gave none. */
  random(): number {
    if (this.randomCache < 0) {
      const given = this.request.random;
      this.randomCache = given === undefined ? (Math.random() * 2 ** 32) >>> 0 : given >>> 0;
    }
    return this.randomCache;
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
