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

/**
 * HOT PATH: no allocation. Where the host ends under `strip_matching_host_port`: before the port
 * when it equals the listener's `localPort`, else at the end (the port then takes part).
 */
export function hostEndStrippingPort(authority: string, localPort: number | undefined): number {
  const end = hostEndIgnoringPort(authority);
  if (localPort === undefined || end === authority.length) return authority.length;
  let port = 0;
  for (let i = end + 1; i < authority.length; i++) {
    const digit = authority.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9 || port > 65_535) return authority.length;
    port = port * 10 + digit;
  }
  return end + 1 < authority.length && port === localPort ? end : authority.length;
}
