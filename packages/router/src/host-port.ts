/**
 * HOT PATH: runs per request when ports are ignored; no allocation.
 * Where the host part of an authority ends: before the last ':' unless that colon sits
 * inside an IPv6 literal (`[::1]`). Envoy strips from that colon whatever follows it.
 */
export function hostEndIgnoringPort(authority: string): number {
  const colon = authority.lastIndexOf(':');
  if (colon === -1) return authority.length;
  const bracket = authority.lastIndexOf(']');
  return bracket === -1 || bracket < colon ? colon : authority.length;
}
