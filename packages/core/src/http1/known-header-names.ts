/**
 * The header names most messages carry, as constant lower-case strings. A name read off the wire
 * and lower-cased is a new string each time, and V8 must look each one up in its string table
 * whenever it is used as a property key; a constant is looked up once, when this module loads.
 */
const NAMES = [
  'accept', 'accept-encoding', 'accept-language', 'accept-ranges', 'access-control-allow-origin', 'age',
  'authorization', 'b3', 'cache-control', 'connection', 'content-encoding', 'content-language',
  'content-length', 'content-type', 'cookie', 'date', 'etag', 'expect', 'expires', 'forwarded', 'grpc-encoding',
  'grpc-message', 'grpc-status', 'grpc-timeout', 'host', 'if-modified-since', 'if-none-match', 'keep-alive',
  'last-modified', 'location', 'origin', 'pragma', 'proxy-connection', 'range', 'referer', 'server', 'set-cookie',
  'strict-transport-security', 'te', 'traceparent', 'tracestate', 'trailer', 'transfer-encoding', 'upgrade',
  'user-agent', 'vary', 'via', 'x-b3-sampled', 'x-b3-spanid', 'x-b3-traceid', 'x-envoy-attempt-count',
  'x-envoy-expected-rq-timeout-ms', 'x-envoy-peer-metadata', 'x-envoy-peer-metadata-id',
  'x-envoy-upstream-service-time', 'x-forwarded-client-cert', 'x-forwarded-for', 'x-forwarded-proto',
  'x-request-id',
];

const SLOTS = 256;
const table: (string | undefined)[] = new Array<string | undefined>(SLOTS).fill(undefined);

function lowerCode(c: number): number {
  return c >= 0x41 && c <= 0x5a ? c + 0x20 : c;
}

/**
 * A name's slot from its length and three of its characters: enough to spread the names above
 * (at most two probes each), and a name is then read once, by the comparison, not twice.
 */
function hashOf(text: string, from: number, to: number): number {
  const length = to - from;
  const first = lowerCode(text.charCodeAt(from));
  const middle = lowerCode(text.charCodeAt(from + (length >> 1)));
  const last = lowerCode(text.charCodeAt(to - 1));
  return (length * 131 + first * 31 + last * 7 + middle) & 0xffff;
}

for (const name of NAMES) {
  let slot = hashOf(name, 0, name.length) % SLOTS;
  while (table[slot] !== undefined) slot = (slot + 1) % SLOTS;
  table[slot] = name;
}

/** True when `text[from, to)` is `name` ignoring ASCII case (`name` is lower-case); compared in place. */
export function equalsLower(text: string, from: number, to: number, name: string): boolean {
  if (to - from !== name.length) return false;
  for (let i = 0; i < name.length; i++) if (lowerCode(text.charCodeAt(from + i)) !== name.charCodeAt(i)) return false;
  return true;
}

/** `text[from, to)` lower-cased: the constant string when it is a well-known header name. */
// HOT PATH: once per header field of every HTTP/1.1 message.
export function lowerCaseHeaderName(text: string, from: number, to: number): string {
  let slot = hashOf(text, from, to) % SLOTS;
  for (let name = table[slot]; name !== undefined; name = table[slot]) {
    if (equalsLower(text, from, to, name)) return name;
    slot = (slot + 1) % SLOTS;
  }
  return text.slice(from, to).toLowerCase();
}
