import { isIP } from 'node:net';
import type { ResolvedConnectionOptions } from './connection-options.js';
import type { HeaderMap } from './http-filter.js';
import { newRequestId } from './request-id.js';

/** Appends `value` to a comma-separated header, as Envoy's `appendXff` / `appendVia` do. */
function appendToList(headers: HeaderMap, name: string, value: string): void {
  const current = headers[name];
  const joined = current === undefined ? '' : typeof current === 'string' ? current : current.join(',');
  headers[name] = joined === '' ? value : `${joined}, ${value}`;
}

/**
 * The address `skip` entries in from the right end of `x-forwarded-for` (Envoy's
 * `getLastAddressFromXFF`), or undefined when the list is shorter than that or the entry is not
 * an IP address. Walks the commas from the right instead of splitting, so nothing is allocated
 * beyond the one entry.
 */
export function xffAddressFromRight(xff: string | string[] | undefined, skip: number): string | undefined {
  if (xff === undefined) return undefined;
  // Repeated header lines form one list, as node joins most repeated headers.
  const list = typeof xff === 'string' ? xff : xff.join(',');
  let end = list.length;
  for (let i = 0; i < skip; i++) {
    const comma = end > 0 ? list.lastIndexOf(',', end - 1) : -1;
    if (comma < 0) return undefined;
    end = comma;
  }
  const start = end > 0 ? list.lastIndexOf(',', end - 1) + 1 : 0;
  const address = list.slice(start, end).trim();
  return isIP(address) === 0 ? undefined : address;
}

/**
 * Envoy's *trusted client address*, from the request headers as they arrived (before
 * `mutateRequestHeaders` appends the peer), with `N` = `xff_num_trusted_hops`:
 * - `use_remote_address`: the peer, or with N > 0 the Nth address from the right of XFF;
 * - otherwise: the (N+1)th address from the right of XFF;
 * falling back to the peer when XFF is absent, too short, or that entry is not an IP address.
 */
export function trustedClientAddress(
  headers: HeaderMap,
  remoteIp: string,
  options: Pick<ResolvedConnectionOptions, 'useRemoteAddress' | 'xffNumTrustedHops'>,
): string {
  const hops = options.xffNumTrustedHops;
  if (options.useRemoteAddress && hops === 0) return remoteIp;
  return xffAddressFromRight(headers['x-forwarded-for'], options.useRemoteAddress ? hops - 1 : hops) ?? remoteIp;
}

/**
 * Envoy's connection manager request header handling (`mutateRequestHeaders`), before the filters:
 * - with `use_remote_address` every request counts as external (no `internal_address_config`, so
 *   no address is internal): the peer's address is appended to `x-forwarded-for`, the trusted
 *   client address (see `trustedClientAddress`) is set as `x-envoy-external-address`,
 *   `x-forwarded-proto` is overwritten unless `xff_num_trusted_hops` trusts the hop that sent it,
 *   caller-sent `x-envoy-*` headers (which steer retries, timeouts and stats) are stripped and
 *   `x-request-id` is regenerated (kept under `preserve_external_request_id`);
 * - otherwise the request is not an edge request: `x-envoy-external-address` is left as it came,
 *   `x-forwarded-proto` and `x-request-id` are only filled in when absent;
 * - `via` is appended when configured.
 * `client` is the trusted client address, when the caller has it already. Returns the request id.
 */
// HOT PATH: per request; the `x-envoy-` scan runs only for edge listeners, the XFF walk only
// when `xff_num_trusted_hops` is set and XFF is present.
export function mutateRequestHeaders(
  headers: HeaderMap,
  scheme: string,
  remoteIp: string,
  options: ResolvedConnectionOptions,
  // Read before the append below: Envoy's example (2 trusted hops, XFF "a, b, c") trusts b.
  client = trustedClientAddress(headers, remoteIp, options),
): string {
  const edge = options.useRemoteAddress;
  if (edge) {
    for (const name in headers) if (name.startsWith('x-envoy-')) delete headers[name];
    if (!options.skipXffAppend && remoteIp !== '') appendToList(headers, 'x-forwarded-for', remoteIp);
    if (client !== '') headers['x-envoy-external-address'] = client;
    // Only a trusted proxy in front may tell the original scheme; anyone else's claim is replaced.
    if (options.xffNumTrustedHops === 0 || headers['x-forwarded-proto'] === undefined) headers['x-forwarded-proto'] = scheme;
  } else {
    headers['x-forwarded-proto'] ??= scheme;
  }
  if (options.via !== '') appendToList(headers, 'via', options.via);
  let requestId = headers['x-request-id'];
  if ((edge && !options.preserveExternalRequestId) || typeof requestId !== 'string' || requestId === '') {
    requestId = newRequestId();
    headers['x-request-id'] = requestId;
  }
  return requestId;
}

/**
 * Takes the port off `:authority` (`host:80` → `host`, `[::1]:80` → `[::1]`), or only when it is
 * `onlyPort`. Envoy's `strip_any_host_port`/`strip_matching_host_port`; CONNECT keeps its port.
 */
export function stripAuthorityPort(headers: HeaderMap, onlyPort?: number): void {
  const authority = headers[':authority'];
  if (typeof authority !== 'string' || headers[':method'] === 'CONNECT') return;
  const colon = authority.lastIndexOf(':');
  // No port, or a bare IPv6 address (colons but no brackets): nothing to strip.
  if (colon === -1 || (authority.indexOf(':') !== colon && !authority.startsWith('['))) return;
  if (authority.startsWith('[') && authority[colon - 1] !== ']') return;
  const port = authority.slice(colon + 1);
  if (!/^\d+$/.test(port)) return;
  if (onlyPort !== undefined && Number(port) !== onlyPort) return;
  headers[':authority'] = authority.slice(0, colon);
}

/** Envoy appends its `via` to responses too. */
export function appendResponseVia(headers: HeaderMap, via: string): void {
  if (via !== '') appendToList(headers, 'via', via);
}
