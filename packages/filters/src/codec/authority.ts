/**
 * The characters an authority (`host[:port]`, an IP literal in brackets, user info before `@`)
 * may hold: RFC 3986's unreserved and sub-delims, `:`, `@`, `[`, `]` and `%` for escapes. It is
 * the check Envoy's codecs make (after nghttp2's) before a Host becomes `:authority`.
 */
const AUTHORITY = /^[A-Za-z0-9\-._~!$&'()*+,;=:@[\]%]*$/;

/** False for a Host that could not be an authority: spaces, `/`, `?`, `#`, quotes, controls, non-ASCII. */
export function isValidAuthority(value: string): boolean {
  return AUTHORITY.test(value);
}
