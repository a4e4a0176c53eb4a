import type { IncomingHttpHeaders } from 'node:http';

/**
 * The request headers an app must copy from its inbound request to every outbound call so a
 * trace stays one trace and header-based routing (`end-user`) works a hop further down.
 * A mesh cannot do this for the app: only the app knows which inbound request caused which
 * outbound call.
 */
export const PROPAGATED_HEADERS: readonly string[] = [
  'x-request-id',
  'traceparent',
  'tracestate',
  'b3',
  'x-b3-traceid',
  'x-b3-spanid',
  'x-b3-parentspanid',
  'x-b3-sampled',
  'x-b3-flags',
  'x-ot-span-context',
  'user-agent',
  'end-user',
];

/** Picks the propagated headers present on `incoming` (lower-case names, first value only). */
export function propagatedHeaders(incoming: IncomingHttpHeaders): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const name of PROPAGATED_HEADERS) {
    const value = incoming[name];
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) picked[name] = first;
  }
  return picked;
}
