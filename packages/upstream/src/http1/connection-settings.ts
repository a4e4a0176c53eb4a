import type { Http1ParserSettings } from '@meshkit/core/http1';

/** What every connection of one pool shares, resolved from the pool's options once. */
export interface ConnectionSettings {
  /** Response head limits and `allow_chunked_length`. */
  readonly parser: Http1ParserSettings;
  /** Idle time before a kept-alive connection is closed, when the server gives no hint. */
  readonly keepAliveTimeout: number;
  /** The most a server's `Keep-Alive: timeout=N` hint may extend the idle time to. */
  readonly keepAliveMaxTimeout: number;
  /** Taken off a server's hint, so we close before the server does (undici's default 2 s). */
  readonly keepAliveTimeoutThreshold: number;
  /** Requests per connection before it closes; 0 is unlimited. */
  readonly maxRequestsPerConnection: number;
  /** Request heads name their fields in proper case (`Content-Type`). */
  readonly properCaseHeaderNames: boolean;
  /** Time without a byte of the response head; 0 disables it. */
  readonly headersTimeout: number;
  /** Time without a byte of the response body; 0 disables it. */
  readonly bodyTimeout: number;
  /** How often a busy connection checks those two (a quarter of the shorter one). */
  readonly watchdogPeriod: number;
}

let lastHint = '';
let lastHintSeconds = -1;

/**
 * How long a connection may idle after a response with this `keep-alive` header: the server's
 * `timeout=N` less the threshold, capped, or the pool's default without a hint. 0 or less means
 * the connection must not be reused. The last header seen is cached: a server sends the same one
 * on every response.
 */
export function idleTimeoutAfter(hint: string | string[] | undefined, settings: ConnectionSettings): number {
  if (hint === undefined) return settings.keepAliveTimeout;
  const text = typeof hint === 'string' ? hint : hint.join(',');
  let seconds: number;
  if (text === lastHint) seconds = lastHintSeconds;
  else {
    const match = /(?:^|[\s,;])timeout\s*=\s*(\d+)/i.exec(text);
    seconds = match === null ? -1 : Number(match[1]);
    lastHint = text;
    lastHintSeconds = seconds;
  }
  if (seconds < 0) return settings.keepAliveTimeout;
  return Math.min(seconds * 1000 - settings.keepAliveTimeoutThreshold, settings.keepAliveMaxTimeout);
}
