import type { IncomingMessage } from 'node:http';
import type { OutboundClient } from '../outbound-client.js';
import { propagatedHeaders } from '../trace-headers.js';
import type { SessionStore } from './session-store.js';
import { SESSION_COOKIE, readCookie } from './session-cookie.js';

export interface ProductpageSettings {
  readonly detailsTimeoutMs: number;
  readonly reviewsTimeoutMs: number;
  /** Tries per reviews call: Istio's productpage tries twice, which demos of timeouts rely on. */
  readonly reviewsAttempts: number;
  readonly ratingsTimeoutMs: number;
}

/** What every productpage route may need, built once per server. */
export interface ProductpageContext {
  readonly settings: ProductpageSettings;
  readonly client: OutboundClient;
  readonly sessions: SessionStore;
}

export function signedInUser(ctx: ProductpageContext, req: IncomingMessage): string | undefined {
  return ctx.sessions.user(readCookie(req.headers.cookie, SESSION_COOKIE));
}

/**
 * Headers for every call this request causes: the inbound trace headers, and the signed-in
 * user as `end-user`, which is what user-based routing rules match (`end-user: jason`).
 */
export function outboundHeaders(req: IncomingMessage, user: string | undefined): Record<string, string> {
  const headers = propagatedHeaders(req.headers);
  if (user !== undefined) headers['end-user'] = user;
  return headers;
}
