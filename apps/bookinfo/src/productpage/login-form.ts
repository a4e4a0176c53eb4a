/** Longest user name accepted; it travels onward as the `end-user` header. */
const MAX_USERNAME_LENGTH = 64;
/** Printable ASCII only, because the name becomes a header value downstream. */
const USERNAME = /^[\x20-\x7e]+$/;

export type LoginFormResult = { readonly ok: true; readonly username: string } | { readonly ok: false; readonly reason: string };

/**
 * Reads the sign-in form (`application/x-www-form-urlencoded`, field `username`; any password
 * is ignored, as in Istio's sample). A missing, repeated, empty or unusable name is refused.
 */
export function parseLoginForm(contentType: string | undefined, body: string): LoginFormResult {
  const mediaType = contentType?.split(';')[0]?.trim().toLowerCase();
  if (mediaType !== 'application/x-www-form-urlencoded') {
    return { ok: false, reason: 'the login form must be sent as application/x-www-form-urlencoded' };
  }
  const names = new URLSearchParams(body).getAll('username');
  if (names.length !== 1) return { ok: false, reason: 'the login form needs exactly one username field' };
  const username = (names[0] ?? '').trim();
  if (username === '') return { ok: false, reason: 'the username is empty' };
  if (username.length > MAX_USERNAME_LENGTH) {
    return { ok: false, reason: `the username is longer than ${MAX_USERNAME_LENGTH} characters` };
  }
  if (!USERNAME.test(username)) return { ok: false, reason: 'the username may hold printable ASCII characters only' };
  return { ok: true, username };
}
