import { randomUUID } from 'node:crypto';
import type { ResolvedConnectionOptions } from './connection-options.js';
import type { HeaderMap } from './http-filter.js';

/** Appends `value` to a comma-separated header, as Envoy's `appendXff` / `appendVia` do. */
function appendToList(headers: HeaderMap, name: string, value: string): void {
  const current = headers[name];
  const joined = current === undefined ? '' : typeof current === 'string' ? current : current.join(',');
  headers[name] = joined === '' ? value : `${joined}, ${value}`;
}

/**
 * Envoy's connection manager request header handling (`mutateRequestHeaders`), before the filters:
 * - with `use_remote_address` every request counts as external (no `internal_address_config`):
 *   the peer's address is appended to `x-forwarded-for` and set as `x-envoy-external-address`,
 *   `x-forwarded-proto` is overwritten, caller-sent `x-envoy-*` headers (which steer retries,
 *   timeouts and stats) are stripped and `x-request-id` is regenerated;
 * - otherwise `x-forwarded-proto` and `x-request-id` are only filled in when absent;
 * - `via` is appended when configured.
 * Returns the request id.
 */
// HOT PATH: per request; the `x-envoy-` scan runs only for edge listeners.
export function mutateRequestHeaders(headers: HeaderMap, scheme: string, remoteIp: string, options: ResolvedConnectionOptions): string {
  const edge = options.useRemoteAddress;
  if (edge) {
    for (const name in headers) if (name.startsWith('x-envoy-')) delete headers[name];
    if (!options.skipXffAppend && remoteIp !== '') appendToList(headers, 'x-forwarded-for', remoteIp);
    if (remoteIp !== '') headers['x-envoy-external-address'] = remoteIp;
    headers['x-forwarded-proto'] = scheme;
  } else {
    headers['x-forwarded-proto'] ??= scheme;
  }
  if (options.via !== '') appendToList(headers, 'via', options.via);
  let requestId = headers['x-request-id'];
  if (edge || typeof requestId !== 'string' || requestId === '') {
    requestId = randomUUID();
    headers['x-request-id'] = requestId;
  }
  return requestId;
}

/** Envoy appends its `via` to responses too. */
export function appendResponseVia(headers: HeaderMap, via: string): void {
  if (via !== '') appendToList(headers, 'via', via);
}
