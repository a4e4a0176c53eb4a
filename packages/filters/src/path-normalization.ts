/**
 * Envoy's request path normalization, applied by the connection manager before routing and
 * before any filter (so route matching, RBAC and the upstream all see one form of the path).
 */

/** `path_with_escaped_slashes_action`: what `%2F` and `%5C` in the path lead to. */
export type EscapedSlashesAction = 'KEEP_UNCHANGED' | 'REJECT_REQUEST' | 'UNESCAPE_AND_REDIRECT' | 'UNESCAPE_AND_FORWARD';

export interface PathNormalizationOptions {
  /** `normalize_path`: RFC 3986 dot segments resolved, `\` read as `/`, escaped unreserved characters decoded. */
  readonly normalize: boolean;
  /** `merge_slashes`: runs of `/` become one. */
  readonly mergeSlashes: boolean;
  readonly escapedSlashes: EscapedSlashesAction;
}

/** What the connection manager does with the request: go on (the path may have changed), 400, or 307 to the new path. */
export type PathVerdict = 'continue' | 'reject' | 'redirect';

const ESCAPED_SLASH = /%2f|%5c/i;
const HEX = /^[0-9a-fA-F]{2}$/;
/** An escape, a backslash, a dot segment, or a character that must be escaped. */
// eslint-disable-next-line no-control-regex
const NEEDS_CANONICALIZING = /[%\\\x00-\x20"<>`{}\x7f-\uffff]|\/\.\.?(?:\/|$)/;

/** RFC 3986 §2.3: what an escape may be decoded to without changing the path's meaning. */
function isUnreserved(code: number): boolean {
  return (
    (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a) || (code >= 0x30 && code <= 0x39) || code === 0x2d || code === 0x2e || code === 0x5f || code === 0x7e
  );
}

/** Characters a path may not carry as they are; they are escaped (as a URL canonicalizer does). */
function mustEscape(code: number): boolean {
  return code <= 0x20 || code >= 0x7f || code === 0x22 || code === 0x3c || code === 0x3e || code === 0x60 || code === 0x7b || code === 0x7d;
}

/** Escapes one character: a byte as read off the wire (latin1), anything wider as its UTF-8 bytes. */
function escapeCharacter(code: number, character: string): string {
  return code <= 0xff ? `%${code.toString(16).toUpperCase().padStart(2, '0')}` : encodeURIComponent(character);
}

/**
 * One segment in canonical form: escaped unreserved characters decoded, other valid escapes kept
 * as written, characters that need it escaped. Null when it holds a NUL (escaped or not) or half
 * a surrogate pair.
 */
function canonicalSegment(segment: string): string | null {
  let out = '';
  for (let i = 0; i < segment.length; i++) {
    const code = segment.charCodeAt(i);
    if (code === 0x25) {
      const hex = segment.slice(i + 1, i + 3);
      if (HEX.test(hex)) {
        const value = Number.parseInt(hex, 16);
        if (value === 0) return null;
        out += isUnreserved(value) ? String.fromCharCode(value) : `%${hex}`;
        i += 2;
        continue;
      }
      out += '%'; // not an escape: left as it came
    } else if (code === 0) {
      return null;
    } else {
      const point = segment.codePointAt(i) as number;
      // Half a surrogate pair has no UTF-8 form: the path is malformed.
      if (point >= 0xd800 && point <= 0xdfff) return null;
      const character = String.fromCodePoint(point);
      i += character.length - 1;
      out += mustEscape(point) ? escapeCharacter(point, character) : character;
    }
  }
  return out;
}

/**
 * RFC 3986 §5.2.4 dot-segment removal with `\` read as `/` and each segment canonical; a path
 * without a leading `/` gets one. Empty segments stay (that is `mergeSlashes`' job). Null when
 * the path holds a NUL.
 */
export function canonicalPath(path: string): string | null {
  // Nearly every path is canonical already; one scan tells.
  if (path.startsWith('/') && !NEEDS_CANONICALIZING.test(path)) return path;
  const segments = path.split(/[/\\]/);
  // An absolute path splits into an empty first piece; a relative one starts with a real segment.
  const first = segments[0] === '' ? 1 : 0;
  const out: string[] = [];
  let trailingSlash = false;
  for (let i = first; i < segments.length; i++) {
    const segment = canonicalSegment(segments[i] as string);
    if (segment === null) return null;
    const isDot = segment === '.';
    if (isDot || segment === '..') {
      if (!isDot) out.pop();
      // `/a/..` and `/a/.` name a directory: the slash stays.
      trailingSlash = i === segments.length - 1;
      continue;
    }
    out.push(segment);
  }
  const result = `/${out.join('/')}`;
  return trailingSlash && !result.endsWith('/') ? `${result}/` : result;
}

/** Runs of `/` merged into one. */
export function mergeSlashes(path: string): string {
  return path.replace(/\/{2,}/g, '/');
}

/**
 * Normalizes `:path` in place as Envoy's connection manager does: escaped slashes first (per the
 * action), then RFC 3986 normalization, then merged slashes; the query is left untouched.
 */
export function normalizeRequestPath(headers: Record<string, string | string[] | undefined>, options: PathNormalizationOptions): PathVerdict {
  const full = headers[':path'];
  if (typeof full !== 'string' || !full.startsWith('/')) return 'continue';
  const queryAt = full.indexOf('?');
  let path = queryAt === -1 ? full : full.slice(0, queryAt);
  let verdict: PathVerdict = 'continue';
  if (options.escapedSlashes !== 'KEEP_UNCHANGED' && ESCAPED_SLASH.test(path)) {
    if (options.escapedSlashes === 'REJECT_REQUEST') return 'reject';
    path = path.replace(/%2f/gi, '/').replace(/%5c/gi, '\\');
    if (options.escapedSlashes === 'UNESCAPE_AND_REDIRECT') verdict = 'redirect';
  }
  if (options.normalize) {
    const canonical = canonicalPath(path);
    if (canonical === null) return 'reject';
    path = canonical;
  }
  if (options.mergeSlashes) path = mergeSlashes(path);
  headers[':path'] = queryAt === -1 ? path : path + full.slice(queryAt);
  return verdict;
}
