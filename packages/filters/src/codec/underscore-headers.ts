import type { HeaderMap } from '../http-filter.js';

/**
 * Envoy's `common_http_protocol_options.headers_with_underscores_action`: what a request header
 * whose name holds `_` gets. ALLOW (the default) passes it; REJECT_REQUEST refuses the request
 * (HTTP/1.1: 400 and the connection closes; HTTP/2: the stream is reset); DROP_HEADER removes the
 * field before any filter sees it. Some servers read `x_user` and `x-user` as one name, so a
 * client could slip a header past a filter that checks only one spelling.
 */
export type HeadersWithUnderscoresAction = 'ALLOW' | 'REJECT_REQUEST' | 'DROP_HEADER';

/** Envoy's counters for it, one set per protocol for the whole proxy (`http1.*`, `http2.*`). */
export class UnderscoreHeaderStats {
  dropped_headers_with_underscores = 0;
  requests_rejected_with_underscores_in_headers = 0;
}

export interface CodecStats {
  readonly http1: UnderscoreHeaderStats;
  readonly http2: UnderscoreHeaderStats;
}

export function newCodecStats(): CodecStats {
  return { http1: new UnderscoreHeaderStats(), http2: new UnderscoreHeaderStats() };
}

/** Each counter as `[name, value]`, named as in Envoy's `/stats` (`http1.dropped_headers_with_underscores`). */
export function codecStatEntries(stats: CodecStats): [string, number][] {
  return (['http1', 'http2'] as const).flatMap((protocol) => Object.entries({ ...stats[protocol] }).map(([stat, value]): [string, number] => [`${protocol}.${stat}`, value]));
}

/**
 * Applies `action` to a request's fields (or trailers): true when the request must be refused;
 * under DROP_HEADER the fields whose names hold `_` are deleted from `fields`; ALLOW does nothing.
 */
export function refusesUnderscoreHeaders(fields: HeaderMap, action: HeadersWithUnderscoresAction, stats: UnderscoreHeaderStats): boolean {
  if (action === 'ALLOW') return false;
  for (const name in fields) {
    if (!name.includes('_')) continue;
    if (action === 'REJECT_REQUEST') {
      stats.requests_rejected_with_underscores_in_headers++;
      return true;
    }
    delete fields[name];
    stats.dropped_headers_with_underscores++;
  }
  return false;
}
